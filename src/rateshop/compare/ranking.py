"""Ranking and filtering a comparison's quotes: by price, by price for like-for-like cover, by rating.

The orders are read from a :class:`Standing` — what ranking needs of a quote — so the same rules
rank a fresh comparison (:class:`~rateshop.compare.service.Comparison`) and a stored one, which is
JSON data (:func:`present`). Ties are broken by price, then by carrier id, so every order is stable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, get_args

from rateshop.compare.market import RATING_ORDER, rating_rank

Ranking = Literal["price", "like_for_like", "rating"]
RANKINGS: tuple[Ranking, ...] = get_args(Ranking)


@dataclass(frozen=True)
class Standing:
    """What ranking reads of one quote: who gave it, its yearly price, whether the cover is as asked."""

    carrier: str
    group: str
    rating: str
    yearly: Fraction
    like_for_like: bool

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> Standing:
        """The standing of a quote answer given as JSON data (as comparisons serialise and store it)."""
        quote = answer["quote"]
        # One fraction made, rather than three (each of Fraction's operations is Python code).
        numerator, denominator = Decimal(quote["total"]).as_integer_ratio()
        yearly = Fraction(numerator * 12, denominator * int(quote["term_months"]))
        return cls(
            answer["carrier"],
            answer.get("group", ""),
            answer.get("rating", ""),
            yearly,
            not answer.get("substitutions"),
        )


def order(by: Ranking) -> Callable[[Standing], tuple[Any, ...]]:
    """The sort key of a ranking.

    ``price``: cheapest first (a year of cover, exactly). ``like_for_like``: quotes for exactly the
    cover asked first, cheapest first, then those quoted on the nearest cover offered, cheapest
    first. ``rating``: strongest financial-strength rating first, cheapest first within a rating.
    """
    if by == "price":
        return lambda s: (s.yearly, s.carrier)
    if by == "like_for_like":
        return lambda s: (not s.like_for_like, s.yearly, s.carrier)
    if by == "rating":
        return lambda s: (rating_rank(s.rating), s.yearly, s.carrier)
    raise ValueError(f"{by!r} is not a ranking; use one of {', '.join(RANKINGS)}")


def admits(group: str, rating: str, *, only_group: str | None, min_rating: str | None) -> bool:
    """Whether a carrier of ``group`` rated ``rating`` passes the filters (None: no filter).

    Groups match without regard to case; an unknown rating never passes a minimum.
    """
    if only_group is not None and group.casefold() != only_group.casefold():
        return False
    if min_rating is not None:
        if min_rating not in RATING_ORDER:
            raise ValueError(
                f"{min_rating!r} is not a rating; use one of {', '.join(RATING_ORDER)}"
            )
        return rating in RATING_ORDER and rating_rank(rating) <= rating_rank(min_rating)
    return True


def present(
    comparison: Mapping[str, Any],
    by: Ranking = "price",
    *,
    group: str | None = None,
    min_rating: str | None = None,
) -> dict[str, Any]:
    """A comparison as JSON data, filtered by group and minimum rating, its quotes ranked ``by``.

    Adds ``ranking``: the order and filters applied, and how many quotes are like for like.
    """

    def kept(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            a
            for a in answers
            if admits(
                a.get("group", ""), a.get("rating", ""), only_group=group, min_rating=min_rating
            )
        ]

    key = order(by)
    quotes = sorted(kept(comparison["quotes"]), key=lambda a: key(Standing.of(a)))
    exact = sum(1 for a in quotes if not a.get("substitutions"))
    return {
        **comparison,
        "quotes": quotes,
        "declines": kept(comparison["declines"]),
        "errors": kept(comparison["errors"]),
        "ranking": {
            "by": by,
            "group": group,
            "min_rating": min_rating,
            "like_for_like": exact,
            "nearest_cover": len(quotes) - exact,
        },
    }


__all__ = ["RANKINGS", "Ranking", "Standing", "admits", "order", "present"]
