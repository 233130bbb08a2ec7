"""ACORD-style XML quote messages: our own open mapping of the auto and home risks, and answers.

ACORD's schemas are licensed, so rateshop ships none: this module maps our risk model onto the
well-known element names (``PersAutoPolicyQuoteInqRq``, ``PersPolicy``, ``PersDriver``,
``PersVeh``, ``Dwell``, ``Coverage``, ``MsgStatus`` …) and puts the rating facts ACORD has no
obvious element for under ``com.rateshop_…`` extension elements, as ACORD allows.
``docs/acord-mapping.md`` has the table, field by field.

Four pure functions: :func:`build_request` and :func:`parse_request` (our risk ↔ a quote request,
each the exact inverse of the other), :func:`build_response` and :func:`parse_response` (a
:class:`~rateshop.carriers.reply.CarrierReply` ↔ a quote answer). Anything wrong with a message
raises :class:`AcordError`; a connector reports it as ``invalid_response``.

Parsing is hardened because the body comes from outside: the size is checked before parsing, no
DTD is loaded or allowed, entities are never expanded, nothing is fetched from the network, and
libxml2's limits on depth and text size stay on. lxml rather than defusedxml: one library both
builds and parses, its parser takes every one of those switches itself, and it is several times
faster than the pure-Python ElementTree builder defusedxml wraps, which matters when hundreds of
comparisons each wait on several carriers.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lxml import etree

from rateshop.carriers.reply import CarrierReply, CoverageAmount, ReplyStatus

__all__ = [
    "AcordError",
    "AcordRequest",
    "build_request",
    "build_response",
    "parse_request",
    "parse_request_message",
    "parse_response",
]

DEFAULT_MAX_BYTES: Final = 1_000_000
EXT: Final = "com.rateshop_"  # the prefix of our extension elements


class AcordError(ValueError):
    """An ACORD message could not be built or read: malformed, unsafe, too big or not ours."""


# --- safe parsing -----------------------------------------------------------------------------

_parsers = threading.local()  # an lxml parser must not be used by two threads at once


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _parsers.parser = parser
    return parser


def _parse_xml(body: bytes, max_bytes: int) -> etree._Element:
    """The root ``ACORD`` element of ``body``, namespaces dropped, or :class:`AcordError`."""
    if not isinstance(body, bytes | bytearray):
        raise AcordError(f"an ACORD message is bytes, not {type(body).__name__}")
    if len(body) > max_bytes:
        raise AcordError(f"the message has {len(body)} bytes, more than the limit of {max_bytes}")
    try:
        root = etree.fromstring(bytes(body), _parser())
    except etree.XMLSyntaxError as exc:
        raise AcordError(f"malformed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise AcordError("a DTD is not allowed in an ACORD message")
    # Without a DTD no entity reference survives parsing (an undeclared one is malformed XML),
    # so the tree only needs a walk to drop namespaces: carriers that send the ACORD namespace
    # are read like those that do not.
    if b"xmlns" in body:
        for element in root.iter():
            if not isinstance(element.tag, str):
                raise AcordError("entity references are not allowed in an ACORD message")
            if element.tag.startswith("{"):
                element.tag = etree.QName(element).localname
    if root.tag != "ACORD":
        raise AcordError(f"the root element is <{_tag(root)}>, not <ACORD>")
    return root


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _one(parent: etree._Element, path: str, where: str) -> etree._Element | None:
    found = parent.findall(path)
    if len(found) > 1:
        raise AcordError(f"{where}: {path} appears {len(found)} times, at most once expected")
    return found[0] if found else None


def _message(
    root: etree._Element, service: str, lines_by_tag: Mapping[str, str]
) -> tuple[str, etree._Element]:
    """The line and the one message inside ``ACORD/<service>``."""
    svc = _one(root, service, "ACORD")
    if svc is None:
        raise AcordError(f"ACORD has no {service}")
    messages = [child for child in svc if _tag(child) in lines_by_tag]
    if len(messages) != 1:
        raise AcordError(f"{service} must hold exactly one of {sorted(lines_by_tag)}")
    return lines_by_tag[_tag(messages[0])], messages[0]


# --- building ---------------------------------------------------------------------------------

_SEGMENT = re.compile(r"([A-Za-z_][\w.\-]*)(?:\[([A-Za-z_][\w.\-]*)='([^']*)'\])?\Z")


def _ensure(parent: etree._Element, path: str) -> etree._Element:
    """The element at ``path`` below ``parent``, made on the way if missing.

    A segment may name a child by one of its own children (``Coverage[CoverageCd='PP']``), the
    same syntax lxml's ``find`` reads, so one path serves building and parsing.
    """
    node = parent
    for tag, key, value in _segments(path):
        if key is None:
            found = next(node.iterchildren(tag), None)
        else:
            found = next((c for c in node.iterchildren(tag) if c.findtext(key) == value), None)
        if found is None:
            found = etree.SubElement(node, tag)
            if key is not None:
                _text(etree.SubElement(found, key), value, path)
        node = found
    return node


@functools.cache
def _segments(path: str) -> tuple[tuple[str, str | None, str], ...]:
    segments = []
    for segment in path.split("/"):
        match = _SEGMENT.match(segment)
        assert match is not None, segment
        segments.append((match[1], match[2], match[3]))
    return tuple(segments)


def _text(element: etree._Element, text: str, where: str) -> None:
    try:
        element.text = text
    except ValueError as exc:  # lxml refuses characters XML cannot hold
        raise AcordError(f"{where}: {text!r} cannot be written in XML ({exc})") from exc


def _sub(parent: etree._Element, tag: str, text: str, where: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    _text(element, text, where)
    return element


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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


# --- the mapping of the risk ------------------------------------------------------------------

_PAYMENT_PLAN = _codes(
    "payment plan", {"installments": "Installments", "paid_in_full": "PaidInFull", "eft": "EFT"}
)
_POLICY_FIELDS = (
    _Field("state", "PersPolicy/ControllingStateProvCd", _TEXT),
    _Field("effective_date", "PersPolicy/ContractTerm/EffectiveDt", _DATE),
    _Field("payment_plan", "PersPolicy/PaymentOption/PaymentPlanCd", _PAYMENT_PLAN),
    _Field("paperless", f"PersPolicy/{EXT}PaperlessInd", _IND),
    _Field("multi_policy", f"PersPolicy/{EXT}MultiPolicyInd", _IND),
)
_AUTO_FIELDS = (
    _Field("homeowner", f"InsuredOrPrincipal/InsuredOrPrincipalInfo/{EXT}HomeownerInd", _IND),
    *_POLICY_FIELDS,
    _Field("prior_insurance_months", f"PersPolicy/{EXT}PriorInsuranceMonths", _INT),
)
_DRIVER_FIELDS = (
    _Field("birth_date", "DriverInfo/PersonInfo/BirthDt", _DATE),
    _Field(
        "gender",
        "DriverInfo/PersonInfo/GenderCd",
        _codes("gender", {"male": "M", "female": "F", "nonbinary": "X"}),
    ),
    _Field(
        "marital_status",
        "DriverInfo/PersonInfo/MaritalStatusCd",
        _codes("marital status", {"single": "S", "married": "M", "divorced": "D", "widowed": "W"}),
    ),
    _Field("licensed_date", "DriverInfo/DriversLicense/LicensedDt", _DATE),
    _Field(
        "licence_status",
        "DriverInfo/DriversLicense/LicenseStatusCd",
        _codes(
            "licence status",
            {"valid": "Valid", "permit": "Permit", "suspended": "Suspended", "none": "NotLicensed"},
        ),
    ),
    _Field("good_student", "PersDriverInfo/GoodStudentCd", _YES_NO),
    _Field("defensive_driving", f"PersDriverInfo/{EXT}DefensiveDriverInd", _IND),
)
_INCIDENT_FIELDS = (
    _Field(
        "kind",
        "AccidentViolationCd",
        _codes(
            "incident",
            {
                "minor_speeding": "MinorSpeeding",
                "major_speeding": "MajorSpeeding",
                "other_minor": "MinorViolation",
                "major_violation": "MajorViolation",
                "at_fault_accident": "AtFaultAccident",
                "not_at_fault_accident": "NotAtFaultAccident",
                "dwi": "DWI",
                "comprehensive_claim": "ComprehensiveClaim",
            },
        ),
    ),
    _Field("date", "AccidentViolationDt", _DATE),
)
_VEHICLE_FIELDS = (
    _Field("model_year", "ModelYear", _INT),
    _Field("make", "Manufacturer", _TEXT),
    _Field("model", "Model", _TEXT),
    _Field("symbol", "VehSymbolCd", _INT),
    _Field(
        "use",
        "VehUseCd",
        _codes("vehicle use", {"pleasure": "P", "commute": "DW", "business": "B"}),
    ),
    _Field(
        "annual_miles",
        "EstimatedAnnualDistance/NumUnits",
        _INT,
        fixed=(("EstimatedAnnualDistance/UnitMeasurementCd", "SMI"),),
    ),
    _Field(
        "garaging_zip", "Addr/PostalCode", _TEXT, fixed=(("Addr/AddrTypeCd", "GaragingAddress"),)
    ),
    _Field(
        "ownership",
        f"{EXT}OwnershipCd",
        _codes("ownership", {"owned": "Owned", "financed": "Financed", "leased": "Leased"}),
    ),
    _Field("principal_driver", "DriverVehRel", _DRIVER_REF, attr="DriverRef"),
)

_DWELL = "HomeLineBusiness/Dwell"
_DWELL_COVERAGE = f"{_DWELL}/Coverage[CoverageCd='DWELL']"
_HOME_FORMS = {"HO3": "03", "HO4": "04", "HO6": "06"}
_HOME_FIELDS = (
    *_POLICY_FIELDS,
    _Field("zip", "Location/Addr/PostalCode", _TEXT),
    _Field("form", f"{_DWELL}/PolicyTypeCd", _codes("form", _HOME_FORMS)),
    _Field(
        "construction",
        f"{_DWELL}/Construction/ConstructionCd",
        _codes(
            "construction",
            {"frame": "F", "masonry": "M", "masonry_veneer": "MV", "fire_resistive": "FR"},
        ),
    ),
    _Field("year_built", f"{_DWELL}/Construction/YearBuilt", _INT),
    _Field(
        "roof_type",
        f"{_DWELL}/Construction/RoofingMaterial/RoofMaterialCd",
        _codes(
            "roof",
            {
                "asphalt": "Asphalt",
                "metal": "Metal",
                "tile": "Tile",
                "slate": "Slate",
                "wood_shake": "WoodShake",
                "flat": "Flat",
            },
        ),
    ),
    _Field("roof_year", f"{_DWELL}/Construction/{EXT}RoofYear", _INT),
    _Field("protection_class", f"{_DWELL}/BldgProtection/FireProtectionClassCd", _INT),
    _Field("burglar_alarm", f"{_DWELL}/BldgProtection/ProtectionDeviceBurglarCd", _YES_NO),
    _Field("fire_alarm", f"{_DWELL}/BldgProtection/ProtectionDeviceFireCd", _YES_NO),
    _Field("sprinklers", f"{_DWELL}/BldgProtection/ProtectionDeviceSprinklerCd", _YES_NO),
    _Field("distance_to_coast_miles", f"{_DWELL}/{EXT}DistanceToCoastMiles", _DECIMAL),
    _Field("coverage_a", f"{_DWELL_COVERAGE}/Limit/FormatInteger", _INT),
    _Field(
        "deductible",
        f"{_DWELL_COVERAGE}/Deductible[DeductibleAppliesToCd='AllPeril']/FormatInteger",
        _INT,
    ),
    _Field(
        "wind_hail_deductible_pct",
        f"{_DWELL_COVERAGE}/Deductible[DeductibleAppliesToCd='WindHail']/FormatPct",
        _INT,
    ),
    _Field("coverage_c", f"{_DWELL}/Coverage[CoverageCd='PP']/Limit/FormatInteger", _INT),
    _Field("liability_limit", f"{_DWELL}/Coverage[CoverageCd='PL']/Limit/FormatInteger", _INT),
    _Field("scheduled_jewelry", f"{_DWELL}/Coverage[CoverageCd='JEWEL']/Limit/FormatInteger", _INT),
    _Field(
        "form",
        "HomeLineBusiness/Form/FormNumber",
        _codes("form", {form: f"HO 00 {code}" for form, code in _HOME_FORMS.items()}),
    ),
)
_CLAIM_FIELDS = (
    _Field(
        "kind",
        "LossCauseCd",
        _codes(
            "claim",
            {
                "fire": "Fire",
                "water": "Water",
                "wind_hail": "WindHail",
                "theft": "Theft",
                "liability": "Liability",
                "other": "Other",
            },
        ),
    ),
    _Field("date", "LossDt", _DATE),
)


@dataclass(frozen=True)
class _Line:
    request: str
    response: str
    lob: str
    coverage_path: str  # where a quote answer lists its coverages


_LINES: Final = {
    "auto": _Line(
        "PersAutoPolicyQuoteInqRq", "PersAutoPolicyQuoteInqRs", "AUTOP", "PersAutoLineBusiness"
    ),
    "home": _Line("HomePolicyQuoteInqRq", "HomePolicyQuoteInqRs", "HOME", _DWELL),
}


def _line(line: str) -> _Line:
    try:
        return _LINES[line]
    except KeyError:
        raise AcordError(f"no ACORD mapping for the {line!r} line, only {sorted(_LINES)}") from None


# Auto coverages: our code → (CoverageCd, how its option is written). Split limits are in
# thousands in our risk ("50/100") and in dollars on the wire, per person then per accident.
_AUTO_COVERAGES: Final = {
    "BI": ("BI", "split"),
    "PD": ("PD", "property_damage"),
    "UM": ("UM", "split"),
    "MED": ("MEDPM", "per_person"),
    "PIP": ("PIP", "per_person"),
    "COMP": ("COMP", "deductible"),
    "COLL": ("COLL", "deductible"),
}
_AUTO_CODES: Final = {ours: code for ours, (code, _) in _AUTO_COVERAGES.items()}
_OURS: Final = {code: ours for ours, code in _AUTO_CODES.items()}
_SPLIT = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)\Z")


def _limits(kind: str, value: Any, where: str) -> list[tuple[int, str]]:
    if kind == "split":
        match = _SPLIT.match(value) if isinstance(value, str) else None
        if match is None:
            raise AcordError(f"{where}: {value!r} is not a split limit like '50/100'")
        return [(int(match[1]) * 1000, "PerPerson"), (int(match[2]) * 1000, "PerAcc")]
    amount = _INT.encode(value)
    if amount is None:
        raise AcordError(f"{where}: {value!r} is not an integer")
    return [(int(amount) * (1000 if kind == "property_damage" else 1), _APPLIES[kind])]


_APPLIES: Final = {"property_damage": "PropDam", "per_person": "PerPerson"}


def _limit_value(kind: str, limits: dict[str, int], where: str) -> Any:
    expected = ("PerPerson", "PerAcc") if kind == "split" else (_APPLIES[kind],)
    if sorted(limits) != sorted(expected):
        raise AcordError(f"{where}: limits apply to {sorted(limits)}, expected {list(expected)}")
    if kind == "per_person":
        return limits["PerPerson"]
    thousands = {applies: amount // 1000 for applies, amount in limits.items()}
    if any(amount % 1000 or amount <= 0 for amount in limits.values()):
        raise AcordError(f"{where}: limits {limits} are not whole thousands of dollars")
    if kind == "split":
        return f"{thousands['PerPerson']}/{thousands['PerAcc']}"
    return thousands["PropDam"]


def _write_auto_coverages(lob: etree._Element, coverages: Mapping[str, Any]) -> None:
    _check_keys(coverages, _AUTO_COVERAGES, "coverages")
    for ours, (code, kind) in _AUTO_COVERAGES.items():
        if coverages.get(ours) is None:
            continue
        where = f"coverages.{ours}"
        option = _mapping(coverages[ours], where)
        key = "deductible" if kind == "deductible" else "limit"
        _check_keys(option, (key,), where)
        coverage = etree.SubElement(lob, "Coverage")
        _sub(coverage, "CoverageCd", code, where)
        if option.get(key) is None:
            continue
        if kind == "deductible":
            deductible = _INT.encode(option[key])
            if deductible is None:
                raise AcordError(f"{where}.deductible: {option[key]!r} is not an integer")
            _sub(etree.SubElement(coverage, "Deductible"), "FormatInteger", deductible, where)
            continue
        for amount, applies in _limits(kind, option[key], f"{where}.limit"):
            limit = etree.SubElement(coverage, "Limit")
            _sub(limit, "FormatInteger", str(amount), where)
            _sub(limit, "LimitAppliesToCd", applies, where)


def _read_auto_coverages(lob: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for coverage in lob.findall("Coverage"):
        code = coverage.findtext("CoverageCd")
        ours = _OURS.get(code or "")
        if ours is None:
            raise AcordError(
                f"Coverage: unknown CoverageCd {code!r}, expected one of {sorted(_OURS)}"
            )
        if ours in out:
            raise AcordError(f"Coverage {code} appears more than once")
        where = f"Coverage[{code}]"
        kind = _AUTO_COVERAGES[ours][1]
        option: dict[str, Any] = {}
        if kind == "deductible":
            deductible = _one(coverage, "Deductible/FormatInteger", where)
            if deductible is not None:
                option["deductible"] = _decoded(_INT, deductible.text, f"{where}/Deductible")
        else:
            limits: dict[str, int] = {}
            for limit in coverage.findall("Limit"):
                applies = limit.findtext("LimitAppliesToCd") or ""
                if applies in limits:
                    raise AcordError(f"{where}: two limits apply to {applies!r}")
                limits[applies] = _decoded(_INT, limit.findtext("FormatInteger"), f"{where}/Limit")
            if limits:
                option["limit"] = _limit_value(kind, limits, where)
        out[ours] = option
    return out


def _decoded(codec: _Codec, text: str | None, where: str) -> Any:
    try:
        return codec.decode(text or "")
    except (ValueError, KeyError) as exc:
        raise AcordError(f"{where}: {text!r} is not {codec.name}") from exc


def _write_list(
    parent: etree._Element,
    tag: str,
    items: list[Mapping[str, Any]],
    fields: tuple[_Field, ...],
    where: str,
) -> None:
    for i, item in enumerate(items):
        _check_keys(item, {f.key for f in fields}, f"{where}[{i}]")
        _write(etree.SubElement(parent, tag), item, fields, f"{where}[{i}]")


def _read_list(
    parent: etree._Element, tag: str, fields: tuple[_Field, ...], count_path: str, where: str
) -> list[dict[str, Any]] | None:
    """The items under ``parent``; ``None`` (left out) when neither items nor a count are there.

    The count tells an empty list sent on purpose from one left out, and checks the items.
    """
    items = [_read(item, fields, f"{where}/{tag}") for item in parent.findall(tag)]
    count = _one(parent, count_path, where)
    if count is None:
        return items or None
    if _decoded(_INT, count.text, f"{where}/{count_path}") != len(items):
        raise AcordError(
            f"{where}: {count_path} says {count.text} but there are {len(items)} {tag}"
        )
    return items


_AUTO_KEYS: Final = {"line", "drivers", "vehicles", "coverages", *(f.key for f in _AUTO_FIELDS)}
_HOME_KEYS: Final = {"line", "claims", *(f.key for f in _HOME_FIELDS)}
# Where the shopper's facts came from (asked, looked up, estimated) is for the shopper and the
# worksheet: the facts themselves are sent, not their provenance.
NOT_SENT: Final = frozenset({"sources"})


def _request_uid(risk: Mapping[str, Any], line: str) -> str:
    # The same risk asks with the same RqUID unless the caller gives one, so stored requests
    # stay byte-for-byte the same.
    canonical = json.dumps([line, risk], sort_keys=True, default=str, separators=(",", ":"))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"rateshop:{canonical}"))


def build_request(risk: Mapping[str, Any], line: str, *, request_uid: str | None = None) -> bytes:
    """An ACORD quote request (``PersAutoPolicyQuoteInqRq`` or ``HomePolicyQuoteInqRq``) for a risk.

    ``risk`` is our risk JSON as the API checks it (``AutoRisk``/``HomeRisk``, only the fields
    sent); every field is written, and a field with no mapping raises :class:`AcordError` rather
    than being dropped. ``request_uid`` is the ``RqUID``; without it one is derived from the risk.
    """
    spec = _line(line)
    if risk.get("line", line) != line:
        raise AcordError(f"the risk is for the {risk.get('line')!r} line, not {line!r}")
    risk = {k: v for k, v in risk.items() if k not in NOT_SENT}
    _check_keys(risk, _AUTO_KEYS if line == "auto" else _HOME_KEYS, "risk")
    root = etree.Element("ACORD")
    message = etree.SubElement(etree.SubElement(root, "InsuranceSvcRq"), spec.request)
    _sub(message, "RqUID", request_uid or _request_uid(risk, line), "RqUID")
    _sub(
        _ensure(message, "InsuredOrPrincipal/InsuredOrPrincipalInfo"),
        "InsuredOrPrincipalRoleCd",
        "Insured",
        "",
    )
    _sub(etree.SubElement(message, "PersPolicy"), "LOBCd", spec.lob, "")
    if line == "auto":
        _write(message, risk, _AUTO_FIELDS, "risk")
        lob = etree.SubElement(message, "PersAutoLineBusiness")
        _sub(lob, "LOBCd", spec.lob, "")
        for i, driver in enumerate(_items(risk, "drivers", "risk") or []):
            where = f"drivers[{i}]"
            _check_keys(driver, {"incidents", *(f.key for f in _DRIVER_FIELDS)}, where)
            element = etree.SubElement(lob, "PersDriver", id=f"D{i + 1}")
            _write(element, driver, _DRIVER_FIELDS, where)
            incidents = _items(driver, "incidents", where)
            if incidents is not None:
                _text(
                    _ensure(element, f"PersDriverInfo/{EXT}NumAccidentViolations"),
                    str(len(incidents)),
                    where,
                )
                _write_list(
                    element, "AccidentViolation", incidents, _INCIDENT_FIELDS, f"{where}.incidents"
                )
        for i, vehicle in enumerate(_items(risk, "vehicles", "risk") or []):
            _check_keys(vehicle, {f.key for f in _VEHICLE_FIELDS}, f"vehicles[{i}]")
            element = etree.SubElement(lob, "PersVeh", id=f"V{i + 1}")
            _write(element, vehicle, _VEHICLE_FIELDS, f"vehicles[{i}]")
        if risk.get("coverages") is not None:
            _write_auto_coverages(lob, _mapping(risk["coverages"], "coverages"))
    else:
        etree.SubElement(message, "Location", id="L1")
        lob = etree.SubElement(message, "HomeLineBusiness")
        _sub(lob, "LOBCd", spec.lob, "")
        etree.SubElement(lob, "Dwell", LocationRef="L1")
        _write(message, risk, _HOME_FIELDS, "risk")
        claims = _items(risk, "claims", "risk")
        if claims is not None:
            policy = _ensure(message, "PersPolicy")
            _text(_ensure(policy, f"{EXT}NumLosses"), str(len(claims)), "claims")
            _write_list(policy, "Loss", claims, _CLAIM_FIELDS, "claims")
    return _serialize(root)


@dataclass(frozen=True)
class AcordRequest:
    """A quote request as the carrier reads it: the line, our risk JSON, the sender's ``RqUID``."""

    line: str
    risk: dict[str, Any]
    request_uid: str | None


def parse_request_message(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> AcordRequest:
    """Read an ACORD quote request with its ``RqUID`` (which a carrier echoes in its answer)."""
    root = _parse_xml(body, max_bytes)
    by_tag = {spec.request: line for line, spec in _LINES.items()}
    line, message = _message(root, "InsuranceSvcRq", by_tag)
    where = _tag(message)
    lob_cd = _one(message, "PersPolicy/LOBCd", where)
    if lob_cd is not None and lob_cd.text != _LINES[line].lob:
        raise AcordError(f"{where}: LOBCd {lob_cd.text!r} is not {_LINES[line].lob}")
    uid = _one(message, "RqUID", where)
    risk: dict[str, Any] = {"line": line}
    if line == "auto":
        risk.update(_read(message, _AUTO_FIELDS, where))
        lob = _one(message, "PersAutoLineBusiness", where)
        if lob is not None:
            drivers = []
            for driver in lob.findall("PersDriver"):
                data = _read(driver, _DRIVER_FIELDS, "PersDriver")
                incidents = _read_list(
                    driver,
                    "AccidentViolation",
                    _INCIDENT_FIELDS,
                    f"PersDriverInfo/{EXT}NumAccidentViolations",
                    "PersDriver",
                )
                if incidents is not None:
                    data["incidents"] = incidents
                drivers.append(data)
            vehicles = [
                _read(vehicle, _VEHICLE_FIELDS, "PersVeh") for vehicle in lob.findall("PersVeh")
            ]
            if drivers:
                risk["drivers"] = drivers
            if vehicles:
                risk["vehicles"] = vehicles
        risk["coverages"] = _read_auto_coverages(lob) if lob is not None else {}
    else:
        risk.update(_read(message, _HOME_FIELDS, where))
        policy = _one(message, "PersPolicy", where)
        claims = (
            None
            if policy is None
            else _read_list(policy, "Loss", _CLAIM_FIELDS, f"{EXT}NumLosses", "PersPolicy")
        )
        if claims is not None:
            risk["claims"] = claims
    return AcordRequest(line, risk, None if uid is None else uid.text or "")


def parse_request(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, dict[str, Any]]:
    """The line and our risk JSON from an ACORD quote request: the inverse of :func:`build_request`.

    Fields sent as null come back left out (the same risk); everything else comes back as sent.
    """
    request = parse_request_message(body, max_bytes)
    return request.line, request.risk


# --- the answer -------------------------------------------------------------------------------

_STATUS_CODES: Final = {"Success", "SuccessWithInfo", "Rejected", "InProgress", "Error"}
# The ExtendedStatusCd each reply status writes its messages under.
_MESSAGE_CODES: Final[dict[ReplyStatus, str]] = {
    "quoted": "Info",
    "referred": "Referral",
    "declined": "Decline",
    "pending": "Info",
    "error": "Error",
}


def _msg_status_cd(reply: CarrierReply) -> str:
    if reply.status == "quoted":
        return "SuccessWithInfo" if reply.messages else "Success"
    return {"referred": "SuccessWithInfo", "declined": "Rejected", "pending": "InProgress"}.get(
        reply.status, "Error"
    )


def _amount(
    parent: etree._Element, tag: str, amount: Decimal, currency: str | None, where: str
) -> None:
    if not amount.is_finite():
        raise AcordError(f"{where}: {amount} is not an amount")
    element = etree.SubElement(parent, tag)
    _sub(element, "Amt", format(amount, "f"), where)
    if currency is not None:
        _sub(element, "CurCd", currency, where)


def _format(parent: etree._Element, tag: str, text: str, where: str) -> None:
    # A whole number is written as ACORD's FormatInteger; anything else ("50/100") as text.
    canonical = _INT_TEXT.match(text) is not None and str(int(text)) == text
    _sub(etree.SubElement(parent, tag), "FormatInteger" if canonical else "FormatText", text, where)


def build_response(reply: CarrierReply, line: str, request_uid: str | None = None) -> bytes:
    """An ACORD quote answer (``…PolicyQuoteInqRs``) saying what ``reply`` says: the carrier side."""
    spec = _line(line)
    root = etree.Element("ACORD")
    message = etree.SubElement(etree.SubElement(root, "InsuranceSvcRs"), spec.response)
    if request_uid is not None:
        _sub(message, "RqUID", request_uid, "RqUID")
    status = etree.SubElement(message, "MsgStatus")
    _sub(status, "MsgStatusCd", _msg_status_cd(reply), "MsgStatusCd")
    code = _MESSAGE_CODES[reply.status]
    for text in reply.messages:
        extended = etree.SubElement(status, "ExtendedStatus")
        _sub(extended, "ExtendedStatusCd", code, "ExtendedStatusCd")
        _sub(extended, "ExtendedStatusDesc", text, "ExtendedStatusDesc")
    if reply.status == "referred" and not reply.messages:
        _sub(
            etree.SubElement(status, "ExtendedStatus"), "ExtendedStatusCd", code, "ExtendedStatusCd"
        )
    if reply.retry_after is not None:
        if not math.isfinite(reply.retry_after) or reply.retry_after < 0:
            raise AcordError(f"retry_after {reply.retry_after!r} is not a number of seconds")
        _sub(status, f"{EXT}RetryAfterSeconds", repr(float(reply.retry_after)), "retry_after")
    if reply.currency is not None:
        _sub(message, "CurCd", reply.currency, "currency")
    cur = reply.currency
    policy = etree.SubElement(message, "PersPolicy")
    if reply.quote_ref is not None:
        _sub(_ensure(policy, "QuoteInfo"), "CompanysQuoteNumber", reply.quote_ref, "quote_ref")
    if reply.valid_until is not None:
        _sub(_ensure(policy, "QuoteInfo"), "QuoteExpirationDt", reply.valid_until.isoformat(), "")
    if reply.bridge_url is not None:
        _sub(_ensure(policy, "QuoteInfo"), f"{EXT}BridgeURL", reply.bridge_url, "bridge_url")
    if reply.term_months is not None:
        period = _ensure(policy, "ContractTerm/DurationPeriod")
        _sub(period, "NumUnits", str(reply.term_months), "term_months")
        _sub(period, "UnitMeasurementCd", "MON", "")
    if reply.total is not None:
        _amount(policy, "CurrentTermAmt", reply.total, cur, "total")
    for fee_code, fee in reply.fees:
        element = etree.SubElement(policy, f"{EXT}Fee")
        _sub(element, f"{EXT}FeeCd", fee_code, "fees")
        _amount(element, "CurrentTermAmt", fee, cur, f"fees[{fee_code}]")
    if len(policy) == 0:
        message.remove(policy)
    if reply.coverages:
        lob = _ensure(message, spec.coverage_path)
        for coverage in reply.coverages:
            where = f"coverages[{coverage.code}]"
            element = etree.SubElement(lob, "Coverage")
            wire_code = (
                _AUTO_CODES.get(coverage.code, coverage.code) if line == "auto" else coverage.code
            )
            _sub(element, "CoverageCd", wire_code, where)
            if coverage.limit is not None:
                _format(element, "Limit", coverage.limit, where)
            if coverage.deductible is not None:
                _format(element, "Deductible", coverage.deductible, where)
            _amount(element, "CurrentTermAmt", coverage.premium, cur, where)
    return _serialize(root)


def _read_amount(parent: etree._Element, where: str, currencies: set[str]) -> Decimal | None:
    element = _one(parent, "CurrentTermAmt", where)
    if element is None:
        return None
    text = element.findtext("Amt")
    if text is None or not _DECIMAL_TEXT.match(text):
        raise AcordError(f"{where}/CurrentTermAmt/Amt: {text!r} is not an amount")
    currency = element.findtext("CurCd")
    if currency is not None:
        currencies.add(currency)
    return Decimal(text)


def _read_format(parent: etree._Element, tag: str, where: str) -> str | None:
    parts = []
    for element in parent.findall(tag):
        text = element.findtext("FormatText")
        if text is None:
            number = element.findtext("FormatInteger")
            text = None if number is None else str(_decoded(_INT, number, f"{where}/{tag}"))
        if text is not None:
            parts.append(text)
    # Several limits (per person, per accident) read as one split limit, in the order given.
    return "/".join(parts) if parts else None


def parse_response(
    body: bytes, max_bytes: int = DEFAULT_MAX_BYTES, *, request_uid: str | None = None
) -> CarrierReply:
    """What a carrier's ACORD quote answer says, as a :class:`CarrierReply`; amounts are exact.

    ``Success`` and ``SuccessWithInfo`` are a quote, unless an ``ExtendedStatus`` says
    ``Referral``; ``Rejected`` is a decline, ``InProgress`` pending and ``Error`` an error, each
    with the ``ExtendedStatusDesc`` texts as messages. Any other status code, a malformed or
    unsafe message and one too big raise :class:`AcordError`. Given the ``request_uid`` sent, an
    answer that does not echo it as its ``RqUID`` answers another request: :class:`AcordError`.
    Whether the answer adds up is the connector's check, not this parser's.
    """
    root = _parse_xml(body, max_bytes)
    by_tag = {spec.response: line for line, spec in _LINES.items()}
    line, message = _message(root, "InsuranceSvcRs", by_tag)
    where = _tag(message)
    if request_uid is not None:
        echoed = _one(message, "RqUID", where)
        said = None if echoed is None else (echoed.text or "")
        if said != request_uid:
            got = "no RqUID" if said is None else f"RqUID {said[:80]!r}"
            raise AcordError(f"{where} answers another request: {got}, not {request_uid!r}")
    status = _one(message, "MsgStatus", where)
    if status is None:
        raise AcordError(f"{where} has no MsgStatus")
    status_cd = status.findtext("MsgStatusCd")
    extended = status.findall("ExtendedStatus")
    messages = tuple(
        e.findtext("ExtendedStatusDesc") or ""
        for e in extended
        if e.find("ExtendedStatusDesc") is not None
    )
    if status_cd not in _STATUS_CODES:
        raise AcordError(
            f"unknown MsgStatusCd {status_cd!r}" + (f": {' / '.join(messages)}" if messages else "")
        )
    referral = any(e.findtext("ExtendedStatusCd") == "Referral" for e in extended)
    reply_status: ReplyStatus = {
        "Success": "referred" if referral else "quoted",
        "SuccessWithInfo": "referred" if referral else "quoted",
        "Rejected": "declined",
        "InProgress": "pending",
        "Error": "error",
    }[status_cd]
    retry = _one(status, f"{EXT}RetryAfterSeconds", "MsgStatus")
    retry_after = None
    if retry is not None:
        try:
            retry_after = float(retry.text or "")
        except ValueError:
            retry_after = math.nan
        if not math.isfinite(retry_after) or retry_after < 0:
            raise AcordError(f"MsgStatus: retry after {retry.text!r} is not a number of seconds")
    currencies: set[str] = set()
    message_cur = message.findtext("CurCd")
    if message_cur is not None:
        currencies.add(message_cur)
    policy = _one(message, "PersPolicy", where)
    quote_ref = valid_until = bridge_url = term_months = total = None
    fees: list[tuple[str, Decimal]] = []
    if policy is not None:
        info = _one(policy, "QuoteInfo", "PersPolicy")
        if info is not None:
            quote_ref = info.findtext("CompanysQuoteNumber")
            bridge_url = info.findtext(f"{EXT}BridgeURL")
            expiry = info.findtext("QuoteExpirationDt")
            if expiry is not None:
                valid_until = dt.date.fromisoformat(_decoded(_DATE, expiry, "QuoteExpirationDt"))
        period = _one(policy, "ContractTerm/DurationPeriod", "PersPolicy")
        if period is not None:
            if period.findtext("UnitMeasurementCd") not in (None, "MON"):
                raise AcordError(
                    f"PersPolicy: a term in {period.findtext('UnitMeasurementCd')!r}, not months"
                )
            term_months = _decoded(_INT, period.findtext("NumUnits"), "DurationPeriod/NumUnits")
        total = _read_amount(policy, "PersPolicy", currencies)
        for fee in policy.findall(f"{EXT}Fee"):
            fee_code = fee.findtext(f"{EXT}FeeCd") or ""
            amount = _read_amount(fee, f"Fee[{fee_code}]", currencies)
            if amount is None:
                raise AcordError(f"Fee {fee_code!r} has no amount")
            fees.append((fee_code, amount))
    coverages = []
    lob = _one(message, _LINES[line].coverage_path, where)
    for element in [] if lob is None else lob.findall("Coverage"):
        code = element.findtext("CoverageCd") or ""
        premium = _read_amount(element, f"Coverage[{code}]", currencies)
        if premium is None:
            raise AcordError(f"Coverage {code!r} has no CurrentTermAmt")
        coverages.append(
            CoverageAmount(
                code=_OURS.get(code, code) if line == "auto" else code,
                premium=premium,
                limit=_read_format(element, "Limit", f"Coverage[{code}]"),
                deductible=_read_format(element, "Deductible", f"Coverage[{code}]"),
            )
        )
    if len(currencies) > 1:
        raise AcordError(f"amounts in several currencies: {sorted(currencies)}")
    return CarrierReply(
        status=reply_status,
        quote_ref=quote_ref,
        currency=currencies.pop() if currencies else None,
        total=total,
        term_months=term_months,
        coverages=tuple(coverages),
        fees=tuple(fees),
        valid_until=valid_until,
        bridge_url=bridge_url,
        messages=messages,
        retry_after=retry_after,
    )
