"""Like-for-like: when a carrier does not offer a limit or deductible asked, quote the nearest it does.

A manual declares the values it offers for each coverage option (``coverages.BI.limit``,
``coverages.COLL.deductible``) and for each risk field with a fixed set of values (a home policy's
``deductible`` or ``liability_limit``). A comparison must not lose a carrier because the shopper
asked for a value it does not sell, nor rank its price as if the cover were the same: the risk is
fitted to what the manual offers, and every change is recorded as a :class:`Substitution`.

Nearest is read from the values themselves, the same way for every manual: amounts compare as
numbers and split limits (``"50/100"``) part by part, per person first. A tie goes to more cover:
the higher limit, or the lower deductible for an option whose name says it is a deductible. A
coverage the manual does not offer at all is left out and recorded with ``quoted`` empty. Values
that are not amounts (words, true/false) are never replaced: they stay a question-set error.

A coverage the manual requires is the state's law (tests tie each shipped manual's required
coverages and lowest limits to ``market/states.yaml``), so two substitutions say so plainly: a
limit asked below the lowest offered one of a required coverage ("below the legal minimum in TX
(30/60/25); quoted at the minimum"), and a required coverage not asked at all (New York's PIP and
UM), which is added at its minimum ("required in NY; quoted at the minimum").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rateshop.manual.inputs import FieldSpec
from rateshop.manual.model import Manual
from rateshop.manual.types import Num

Value = str | int


@dataclass(frozen=True)
class Substitution:
    """One asked option the carrier does not offer, and what it was quoted with instead.

    ``quoted`` is None when the carrier does not offer the coverage at all.
    """

    field: str
    asked: Any
    quoted: Value | None
    note: str | None = None  # why, in words, when the law is the reason

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, as the comparison and the store keep it."""
        out = {"field": self.field, "asked": self.asked, "quoted": self.quoted}
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Fitted:
    """A risk as one manual can quote it, with each change made to get there."""

    risk: Mapping[str, Any]
    substitutions: tuple[Substitution, ...] = ()


def _amounts(value: Any) -> tuple[Decimal, ...] | None:
    """A value as the amounts it stands for (``"50/100"`` → 50, 100); None if it is not an amount."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        parts = tuple(Decimal(p) for p in str(value).split("/"))
    except InvalidOperation:
        return None
    return parts if all(p.is_finite() for p in parts) else None


def nearest(spec: FieldSpec, asked: Any) -> Value | None:
    """The value of ``spec``'s offered ones nearest to ``asked``; None when none can be said to be."""
    assert spec.choices is not None
    wanted = _amounts(asked)
    offered = [(c, _amounts(c)) for c in spec.choices]
    if wanted is None or any(a is None or len(a) != len(wanted) for _, a in offered):
        return None
    # More cover wins a tie: a lower deductible, a higher limit.
    more_cover = -1 if "deductible" in spec.name else 1

    def distance(item: tuple[str, tuple[Decimal, ...] | None]) -> tuple[Decimal, ...]:
        amounts = item[1]
        assert amounts is not None
        gaps = tuple(abs(a - w) for a, w in zip(amounts, wanted, strict=True))
        return (*gaps, -more_cover * amounts[0])

    choice = min(offered, key=distance)[0]
    whole = isinstance(spec.type, Num) and spec.type.scale == 0
    return int(choice) if whole else choice


def _offers(spec: FieldSpec, value: Any) -> bool:
    assert spec.choices is not None
    return not isinstance(value, bool) and str(value) in spec.choices


def _instead(spec: FieldSpec, asked: Any) -> Value | None:
    """What to quote instead of ``asked``: None when it is offered (or not a choice at all)."""
    if spec.choices is None or asked is None or _offers(spec, asked):
        return None
    return nearest(spec, asked)


def _lowest(spec: FieldSpec) -> Value | None:
    """The least cover ``spec`` offers: its lowest limit or highest deductible (None: no amounts)."""
    if spec.choices is None:
        return None
    offered = [(c, _amounts(c)) for c in spec.choices]
    if any(a is None for _, a in offered):
        return None
    sign = -1 if "deductible" in spec.name else 1
    choice = min(offered, key=lambda item: tuple(sign * a for a in item[1] or ()))[0]
    whole = isinstance(spec.type, Num) and spec.type.scale == 0
    return int(choice) if whole else choice


def _minimum_text(manual: Manual) -> str:
    """The legal minimum limits as people write them: bodily injury and property damage as one
    triple (``30/60/25``), any other required coverage by name (``UM 25/50, PIP 50000``)."""
    lowest: dict[str, str] = {}
    for cid, cov in manual.coverages.items():
        spec = cov.options.get("limit")
        least = None if spec is None or not cov.required else _lowest(spec)
        if least is not None:
            lowest[cid] = str(least)
    parts = []
    if "BI" in lowest and "PD" in lowest:
        parts.append(f"{lowest.pop('BI')}/{lowest.pop('PD')}")
    parts.extend(f"{cid} {limit}" for cid, limit in lowest.items())
    return ", ".join(parts)


def _below(spec: FieldSpec, asked: Any) -> bool:
    """Whether ``asked`` is below every limit ``spec`` offers."""
    wanted, lowest = _amounts(asked), _amounts(_lowest(spec))
    return (
        wanted is not None
        and lowest is not None
        and len(wanted) == len(lowest)
        and all(w <= low for w, low in zip(wanted, lowest, strict=True))
        and wanted != lowest
    )


def _required_added(manual: Manual, chosen: Mapping[str, Any]) -> list[Substitution]:
    """Each coverage the manual (the state's law) requires that the risk does not choose, at its
    minimum: one substitution per option (``asked`` None), or one for a coverage without options.
    """
    note = f"required in {manual.identity.state}; quoted at the minimum"
    added: list[Substitution] = []
    for cid, cov in manual.coverages.items():
        if not cov.required or chosen.get(cid) not in (None, False):
            continue
        options = {
            o: spec.default if spec.default is not None else _lowest(spec)
            for o, spec in cov.options.items()
        }
        if any(v is None for v in options.values()):
            continue  # no minimum can be said: the manual's own check will name the coverage
        if not options:
            added.append(Substitution(f"coverages.{cid}", None, "chosen", note))
        for oname, value in options.items():
            added.append(Substitution(f"coverages.{cid}.{oname}", None, value, note))
    return added


def _unit_changes(
    manual: Manual, risk: Mapping[str, Any]
) -> list[tuple[tuple[str | int, ...], Substitution]]:
    """The same fitting for cover chosen vehicle by vehicle (``vehicles[0].coverages.COMP``).

    A carrier that prices a coverage for the whole policy only cannot quote one vehicle's own
    choice: it is left out and said so, quoted with the policy's choice.
    """
    unit = manual.unit
    items = None if unit is None else risk.get(unit.source)
    if unit is None or not isinstance(items, list):
        return []
    changes: list[tuple[tuple[str | int, ...], Substitution]] = []
    for i, item in enumerate(items):
        own = item.get("coverages") if isinstance(item, Mapping) else None
        if not isinstance(own, Mapping):
            continue
        at = f"{unit.source}[{i}].coverages"
        for cid, options in own.items():
            cov = manual.coverages.get(cid)
            path: tuple[str | int, ...] = (unit.source, i, "coverages", cid)
            if cov is None or cov.per is None:
                if options is not None:
                    note = "priced for the whole policy; quoted with the policy's choice"
                    changes.append((path, Substitution(f"{at}.{cid}", options, None, note)))
                continue
            if not isinstance(options, Mapping):
                continue
            for oname, spec in cov.options.items():
                quoted = _instead(spec, options.get(oname))
                if quoted is not None:
                    sub = Substitution(f"{at}.{cid}.{oname}", options[oname], quoted)
                    changes.append(((*path, oname), sub))
    return changes


def fit(manual: Manual, risk: Mapping[str, Any]) -> Fitted:
    """``risk`` with every option ``manual`` does not offer replaced by its nearest offered value,
    and every coverage it requires that is not chosen added at its minimum.

    The risk is returned as it was (not copied) when the manual offers everything asked, which is
    the common case.
    """
    changes: list[tuple[tuple[str | int, ...], Substitution]] = []
    for name, spec in manual.inputs.items():
        quoted = _instead(spec, risk.get(name))
        if quoted is not None:
            changes.append(((name,), Substitution(name, risk[name], quoted)))
    chosen = risk.get("coverages")
    added: list[Substitution] = []
    if manual.coverages and isinstance(chosen, Mapping):
        for cid, options in chosen.items():
            if options is None or options is False:
                continue
            cov = manual.coverages.get(cid)
            if cov is None:
                changes.append(
                    (("coverages", cid), Substitution(f"coverages.{cid}", options, None))
                )
                continue
            if not isinstance(options, Mapping):
                continue
            for oname, spec in cov.options.items():
                quoted = _instead(spec, options.get(oname))
                if quoted is not None:
                    where = f"coverages.{cid}.{oname}"
                    note = None
                    if cov.required and _below(spec, options[oname]):
                        note = (
                            f"below the legal minimum in {manual.identity.state} "
                            f"({_minimum_text(manual)}); quoted at the minimum"
                        )
                    sub = Substitution(where, options[oname], quoted, note)
                    changes.append((("coverages", cid, oname), sub))
        added = _required_added(manual, chosen)
        changes.extend(_unit_changes(manual, risk))
    if not changes and not added:
        return Fitted(risk)
    out = copy.deepcopy(dict(risk))
    for path, sub in changes:
        holder: Any = out
        for key in path[:-1]:
            holder = holder[key]
        if sub.quoted is None:
            del holder[path[-1]]
        else:
            holder[path[-1]] = sub.quoted
    for sub in added:
        _, cid, *option = sub.field.split(".")
        if not option:
            out["coverages"][cid] = True
        else:
            if not isinstance(out["coverages"].get(cid), dict):
                out["coverages"][cid] = {}
            out["coverages"][cid][option[0]] = sub.quoted
    return Fitted(out, (*(sub for _, sub in changes), *added))


class _Uncached(Exception):
    """A value that cannot be part of a cache key (so the risk is fitted on its own)."""


_SCALARS = frozenset({str, int, bool, type(None)})


def _key(part: Mapping[str, Any]) -> tuple[Any, ...]:
    """The fields ``fit`` reads as a hashable key that tells apart what ``fit`` tells apart
    (``1``, ``True`` and ``"1"`` differ; a mapping's order is kept, as substitutions follow it).
    Values are plain scalars, or coverages of scalar options: anything else is :class:`_Uncached`.
    """
    # flat, one tuple per value, each shape its own length: (field, type, value) for a field,
    # (field,) opening a mapping (so an empty one is not an absent one), (field, coverage)
    # opening a coverage's options, (field, coverage, type, value) for a coverage chosen by a
    # scalar, (coverage, option, type, value, None) for an option
    key: list[Any] = []
    append = key.append
    for name, value in part.items():
        kind = type(value)
        if kind in _SCALARS:
            append((name, kind, value))
            continue
        if kind is not dict:
            raise _Uncached
        append((name,))
        for cid, options in value.items():
            kind = type(options)
            if type(cid) is not str:
                raise _Uncached
            if kind is dict:
                append((name, cid))
                for option, v in options.items():
                    kind = type(v)
                    if kind not in _SCALARS or type(option) is not str:
                        raise _Uncached
                    append((cid, option, kind, v, None))
            elif kind in _SCALARS:
                append((name, cid, kind, options))
            else:
                raise _Uncached
    return tuple(key)


# A risk's key, worked out for one set of fields and list of items (None: fitted on its own).
Keys = dict[int, tuple[Mapping[str, Any], tuple[str, ...], str | None, tuple[Any, ...] | None]]


def fit_many(
    manual: Manual,
    risks: Sequence[Mapping[str, Any]],
    keys: Keys | None = None,
    done: dict[Any, Fitted] | None = None,
) -> list[Fitted]:
    """:func:`fit` of each risk, worked out once per distinct choice of cover.

    ``fit`` reads only the fields with offered values and the coverages chosen; a book has few
    distinct choices of them, so each is fitted once and its changes applied to every risk
    making it. A risk choosing cover item by item (or with a value no key holds) is fitted on
    its own. ``keys``, shared by calls for several manuals with the same risks, keeps each
    risk's key for the next manual reading the same fields; ``done``, shared by calls for this
    manual only, keeps each choice fitted for the next call.
    """
    chosen = [name for name, spec in manual.inputs.items() if spec.choices is not None]
    if manual.coverages:
        chosen.append("coverages")
    names = tuple(chosen)
    source = None if manual.unit is None else manual.unit.source
    keys = {} if keys is None else keys
    done = {} if done is None else done
    out: list[Fitted] = []
    for risk in risks:
        known = keys.get(id(risk))
        if known is not None and known[0] is risk and known[1] == names and known[2] == source:
            key = known[3]
        else:
            key = _risk_key(risk, names, source)
            keys[id(risk)] = (risk, names, source, key)  # the risk kept: its id stays its own
        if key is None:
            out.append(fit(manual, risk))
            continue
        fitted = done.get(key)
        if fitted is None:
            fitted = done[key] = fit(manual, {name: risk[name] for name in names if name in risk})
        if not fitted.substitutions:
            out.append(Fitted(risk))
            continue
        whole = dict(risk)
        for name in names:
            if name not in risk:
                continue
            if name in fitted.risk:
                whole[name] = fitted.risk[name]
            else:
                del whole[name]
        out.append(Fitted(whole, fitted.substitutions))
    return out


def _risk_key(
    risk: Mapping[str, Any], names: tuple[str, ...], source: str | None
) -> tuple[Any, ...] | None:
    """The key of the fields ``names`` of ``risk``; None when the risk is fitted on its own (it
    chooses cover for an item of the list ``source``, or holds a value no key holds)."""
    items = None if source is None else risk.get(source)
    if isinstance(items, list) and any(
        isinstance(item, Mapping) and item.get("coverages") is not None for item in items
    ):
        return None
    try:
        return _key({name: risk[name] for name in names if name in risk})
    except _Uncached:
        return None


__all__ = ["Fitted", "Keys", "Substitution", "fit", "fit_many", "nearest"]
