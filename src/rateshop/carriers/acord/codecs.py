"""Codecs: one rating fact to the text of one element and back, and fields read and written
through them."""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from rateshop.carriers.acord.xml import AcordError, _ensure, _one, _text

# --- codecs: one rating fact ↔ the text of one element ----------------------------------------


@dataclass(frozen=True)
class _Codec:
    """How a value is written as text (``None`` when the value has the wrong type) and read."""

    name: str
    encode: Callable[[Any], str | None]
    decode: Callable[[str], Any]


_INT_TEXT = re.compile(r"-?[0-9]+\Z")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


def _decode_int(text: str) -> int:
    if not _INT_TEXT.match(text):
        raise ValueError(text)
    return int(text)


def _encode_date(value: Any) -> str | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value if isinstance(value, str) and _decode_date(value) == value else None


def _decode_date(text: str) -> str:
    if dt.date.fromisoformat(text).isoformat() != text:  # only YYYY-MM-DD, as our JSON writes
        raise ValueError(text)
    return text


def _encode_decimal(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite():
        return None
    # Text already in plain form is kept as written, so "240.0" comes back as "240.0".
    return value if isinstance(value, str) and _DECIMAL_TEXT.match(value) else format(number, "f")


def _decode_decimal(text: str) -> str:
    if not _DECIMAL_TEXT.match(text):
        raise ValueError(text)
    return text


def _codes(name: str, table: Mapping[str, str]) -> _Codec:
    back = {code: ours for ours, code in table.items()}
    assert len(back) == len(table), f"{name} codes must be one to one"
    return _Codec(
        f"one of {sorted(table)}",
        lambda value: table.get(value) if isinstance(value, str) else None,
        lambda text: back[text],
    )


_TEXT = _Codec("text", lambda v: v if isinstance(v, str) else None, lambda t: t)
_INT = _Codec(
    "an integer",
    lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else None,
    _decode_int,
)
_IND = _Codec(  # ACORD's booleans (…Ind) are 1 and 0
    "true or false",
    lambda v: ("1" if v else "0") if isinstance(v, bool) else None,
    lambda t: {"1": True, "0": False, "true": True, "false": False}[t],
)
_YES_NO = _Codec(  # the …Cd elements that answer yes or no
    "true or false",
    lambda v: ("Y" if v else "N") if isinstance(v, bool) else None,
    lambda t: {"Y": True, "N": False}[t],
)
_DATE = _Codec("a date YYYY-MM-DD", _encode_date, _decode_date)
_DECIMAL = _Codec("a decimal number", _encode_decimal, _decode_decimal)


def _decode_driver_ref(text: str) -> int:
    if not re.fullmatch(r"D[1-9][0-9]*", text):
        raise ValueError(text)
    return int(text[1:])


_DRIVER_REF = _Codec(  # PersDriver ids are D1, D2 … in the order of our drivers
    "a driver number",
    lambda v: f"D{v}" if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else None,
    _decode_driver_ref,
)


@dataclass(frozen=True)
class _Field:
    """One rating fact: its key in our JSON, its element (or attribute), how it is written."""

    key: str
    path: str
    codec: _Codec
    attr: str | None = None
    fixed: tuple[tuple[str, str], ...] = ()  # elements written beside it with a fixed text


def _write(
    element: etree._Element, data: Mapping[str, Any], fields: Iterable[_Field], where: str
) -> None:
    for f in fields:
        value = data.get(f.key)
        if value is None:  # a field sent as null is the same as one left out
            continue
        try:
            text = f.codec.encode(value)
        except ValueError:
            text = None
        if text is None:
            raise AcordError(f"{where}.{f.key}: {value!r} is not {f.codec.name}")
        target = _ensure(element, f.path)
        if f.attr is None:
            _text(target, text, f"{where}.{f.key}")
        else:
            target.set(f.attr, text)
        for path, fixed in f.fixed:
            _text(_ensure(element, path), fixed, path)


def _read(element: etree._Element, fields: Iterable[_Field], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        target = _one(element, f.path, where)
        if target is None:
            continue
        text = (target.text or "") if f.attr is None else target.get(f.attr)
        if text is None:
            continue
        try:
            value = f.codec.decode(text)
        except (ValueError, KeyError) as exc:
            raise AcordError(f"{where}/{f.path}: {text!r} is not {f.codec.name}") from exc
        if f.key in out and out[f.key] != value:
            raise AcordError(f"{where}: {f.path} says {value!r} but another element {out[f.key]!r}")
        out[f.key] = value
        for path, fixed in f.fixed:
            found = _one(element, path, where)
            if found is not None and found.text != fixed:
                raise AcordError(f"{where}/{path}: {found.text!r} is not supported, only {fixed!r}")
    return out


def _check_keys(data: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise AcordError(f"{where}: no ACORD mapping for {', '.join(unknown)}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise AcordError(f"{where}: expected an object, got {value!r}")
    return value


def _items(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise AcordError(f"{where}.{key}: expected a list, got {value!r}")
    return [_mapping(item, f"{where}.{key}[{i}]") for i, item in enumerate(value)]
