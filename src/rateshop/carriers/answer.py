"""A JSON carrier's answer read through its mapping, by a reader compiled once per mapping.

The mapping's ``answer`` names a dotted path for each thing the answer holds. Walking those paths
for every answer would repeat the same work on every carrier call, so :func:`compile_reader` turns
them, once, into one function of straight-line look-ups (a path's shared start read once), and
the reader around it adds up the coverages and fees as it reads them (the checks use those sums,
see :class:`~rateshop.carriers.reply.Summed`). The generated code holds only look-ups of the
mapping's keys, each checked as a plain name when the mapping loaded and written as a literal.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rateshop.carriers.reply import CarrierReply, CoverageAmount, ReplyStatus, Summed

Reader = Callable[[Any], CarrierReply]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ZERO = Decimal(0)
_DICTS = frozenset([dict])
# A named tuple made from a tuple of its fields, without its ``__new__`` binding them by name.
_tuple_new = tuple.__new__
# The places a reader fetches, in this order (a mapping may leave out the optional ones).
_PLACES = ("status", "quote_ref", "currency", "total", "term_months", "coverages", "fees",
           "messages", "not_offered", "valid_until", "bridge_url", "retry_after")  # fmt: skip


@dataclass(frozen=True)
class ListSpec:
    """Where a list of the answer is, and the names of its items' fields."""

    at: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class AnswerSpec:
    """Where the carrier's answer holds each thing (dotted paths)."""

    status: str
    status_codes: Mapping[str, ReplyStatus]
    paths: Mapping[str, str]
    coverages: ListSpec
    fees: ListSpec | None
    messages: ListSpec | None


class AnswerError(ValueError):
    """The answer is not what the mapping says the carrier sends (what was wrong)."""


def _step(data: Any, key: str) -> Any:
    # The slow way down one key, for what is not a dict (another mapping, or nothing there).
    if isinstance(data, Mapping) and key in data:
        return data[key]
    return None


def _is_object(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def fetcher(paths: Sequence[str | None], source: str) -> Callable[[Any], tuple[Any, ...]]:
    """One function giving the value at each of ``paths`` in an answer (None for a path of None,
    or where the answer has nothing), every shared start of the paths looked up once.

    A null and a missing key read alike, as does a step into something that is not an object.
    """
    lines = ["def fetch(v0):"]
    names: dict[tuple[str, ...], str] = {(): "v0"}
    found = []
    for path in paths:
        if path is None:
            found.append("None")
            continue
        parts = tuple(path.split("."))
        for i in range(1, len(parts) + 1):
            if parts[:i] in names:
                continue
            key = parts[i - 1]
            if _KEY.match(key) is None:  # checked at load; never anything but a name in the code
                raise ValueError(f"{path!r} is not a dotted path of names")
            parent, name = names[parts[: i - 1]], f"v{len(names)}"
            names[parts[:i]] = name
            lines.append(
                f"    {name} = {parent}.get({key!r}) if type({parent}) is dict"
                f" else _step({parent}, {key!r})"
            )
        found.append(names[parts])
    lines.append(f"    return ({', '.join(found)},)")
    scope: dict[str, Any] = {"_step": _step}
    exec(compile("\n".join(lines), f"<answer paths of {source}>", "exec"), scope)
    fetch: Callable[[Any], tuple[Any, ...]] = scope["fetch"]
    return fetch


def _money(value: Any, what: str) -> Decimal:
    kind = type(value)
    if kind is str:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise AnswerError(f"{what} is {value!r}, not an amount") from None
    elif kind is not bool and isinstance(value, int | float):
        # A float is read as the digits it prints as (0.1 is 0.1, not its binary expansion).
        amount = Decimal(str(value) if isinstance(value, float) else value)
    else:
        raise AnswerError(f"{what} is {value!r}, not an amount")
    if not amount.is_finite():
        raise AnswerError(f"{what} is {value!r}, not an amount")
    return amount


def _text(value: Any) -> str | None:
    return value if value is None or type(value) is str else str(value)


def _objects(found: Any, spec: ListSpec, what: str) -> list[Any]:
    if found is None:
        return []
    # A list of plain dicts, the usual case, is told by a look at each item's type alone.
    if type(found) is not list or (
        not _DICTS.issuperset(map(type, found)) and not all(map(_is_object, found))
    ):
        raise AnswerError(f"{what} at {spec.at} is not a list of objects")
    return found


def _amount(value: Any, what: str) -> Decimal:
    # _money's work for the usual case, an amount written as a string, inline; any other value
    # (or a string that is no finite amount) goes to _money, which reads it or says why not.
    if type(value) is str:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return _money(value, what)
        if amount.is_finite():
            return amount
    return _money(value, what)


def compile_reader(spec: AnswerSpec, source: str) -> Reader:
    """The reader of answers of one mapping (see the module's docstring).

    The reader raises :class:`AnswerError` when a place the mapping names holds something of the
    wrong kind.
    """
    paths = spec.paths
    fetch = fetcher(
        [
            spec.status,
            *(paths.get(name) for name in _PLACES[1:5]),
            spec.coverages.at,
            None if spec.fees is None else spec.fees.at,
            None if spec.messages is None else spec.messages.at,
            *(paths.get(name) for name in _PLACES[8:]),
        ],
        source,
    )
    codes = spec.status_codes
    covers = spec.coverages
    code_at, premium_at = covers.names["code"], covers.names["premium"]
    limit_at, deductible_at = covers.names.get("limit", ""), covers.names.get("deductible", "")
    # The four places of a coverage at once; an item leaving one out (or a mapping naming no
    # limit or deductible, read as None) is read place by place.
    pick_cover = operator.itemgetter(code_at, premium_at, limit_at or "\0", deductible_at or "\0")
    fee_spec, message_spec = spec.fees, spec.messages
    fee_at = amount_at = text_at = ""
    if fee_spec is not None:
        fee_at, amount_at = fee_spec.names["code"], fee_spec.names["amount"]
    if message_spec is not None:
        text_at = message_spec.names["text"]

    def read(answer: Any) -> CarrierReply:
        if not _is_object(answer):
            raise AnswerError("the answer is not a JSON object")
        (code, quote_ref, currency, total, term, found_covers, found_fees, found_messages,
         not_offered, valid, bridge, retry) = fetch(answer)  # fmt: skip
        status = codes.get(code if type(code) is str else str(code))
        if status is None:
            raise AnswerError(f"status {code!r} at {spec.status} is not one the mapping knows")
        coverages: list[CoverageAmount] = []
        fees: list[tuple[str, Decimal]] = []
        summed = None
        if status == "quoted":
            premium, negative = _ZERO, []
            add = coverages.append
            for item in _objects(found_covers, covers, "coverages"):
                try:  # every place named written out, the usual case: one look-up for all
                    cover, raw, limit, deductible = pick_cover(item)
                except (KeyError, TypeError):
                    get = item.get
                    cover, raw = get(code_at), get(premium_at)
                    limit, deductible = get(limit_at), get(deductible_at)
                if type(raw) is str:  # the usual case: _amount's work inline, once per coverage
                    try:
                        amount = Decimal(raw)
                    except InvalidOperation:
                        amount = _money(raw, "a coverage's premium")  # raises, saying why
                    if not amount.is_finite():
                        _money(raw, "a coverage's premium")
                else:
                    amount = _money(raw, "a coverage's premium")
                if type(cover) is not str:
                    cover = str(cover)
                if limit is not None and type(limit) is not str:
                    limit = str(limit)
                if deductible is not None and type(deductible) is not str:
                    deductible = str(deductible)
                if amount < _ZERO:
                    negative.append(f"coverage {cover} has a negative premium {amount}")
                premium += amount
                add(_tuple_new(CoverageAmount, (cover, amount, limit, deductible)))
            parts = premium
            if fee_spec is not None:
                for item in _objects(found_fees, fee_spec, "fees"):
                    fee = str(item.get(fee_at))
                    amount = _amount(item.get(amount_at), "a fee")
                    if amount < _ZERO:
                        negative.append(f"fee {fee} is negative ({amount})")
                    parts += amount
                    fees.append((fee, amount))
            summed = Summed(premium, parts, tuple(negative))
        messages: tuple[str, ...] = ()
        # No messages, the usual case, reads as nothing at once.
        if message_spec is not None and found_messages is not None and found_messages != []:
            messages = tuple(
                [str(i.get(text_at)) for i in _objects(found_messages, message_spec, "messages")]
            )
        if (
            term is not None
            and type(term) is not int
            and (isinstance(term, bool) or not isinstance(term, int))
        ):
            raise AnswerError(f"term_months is {term!r}, not a whole number of months")
        try:
            valid_until = (
                None
                if valid is None
                else dt.date.fromisoformat(valid if type(valid) is str else str(valid))
            )
        except ValueError:
            raise AnswerError(f"valid_until is {valid!r}, not a date") from None
        if not not_offered:
            refused: tuple[str, ...] = ()
        elif isinstance(not_offered, list):
            refused = tuple([str(c) for c in not_offered])
        else:
            raise AnswerError("not_offered is not a list of coverage codes")
        # Every field, in order, of a record made for each answer (see _tuple_new).
        reply: CarrierReply = _tuple_new(
            CarrierReply,
            (
                status,
                _text(quote_ref),
                _text(currency),
                None if total is None else _amount(total, "the total"),
                term,
                tuple(coverages),
                tuple(fees),
                valid_until,
                _text(bridge),
                messages,
                None if retry is None else float(_money(retry, "retry_after")),
                refused,
                summed,
            ),
        )
        return reply

    return read
