"""The market catalog: carriers, their groups, ratings, links and connectors."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict


class Carrier(BaseModel):
    """A carrier as the catalog describes it (sample data in the shipped market)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    group: str
    kind: str
    rating: str
    link: str
    connector: str
    writes: dict[str, list[str]]


class Market(BaseModel):
    """Every carrier of the market by id."""

    carriers: dict[str, Carrier]

    @classmethod
    def load(cls, folder: Path) -> Market:
        """Read ``carriers.yaml`` from ``folder``."""
        data = yaml.safe_load((folder / "carriers.yaml").read_text(encoding="utf-8"))
        carriers = [Carrier(**c) for c in data["carriers"]]
        return cls(carriers={c.id: c for c in carriers})

    def get(self, carrier_id: str) -> Carrier | None:
        return self.carriers.get(carrier_id)


# Financial-strength scale, best first, so ratings can be ranked.
RATING_ORDER = ["A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C++", "C+", "C", "C-"]


def rating_rank(rating: str) -> int:
    """Lower is stronger; unknown ratings rank last."""
    return RATING_ORDER.index(rating) if rating in RATING_ORDER else len(RATING_ORDER)
