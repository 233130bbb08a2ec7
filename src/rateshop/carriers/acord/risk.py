"""The mapping of our auto and home risks onto ACORD elements: fields, coverages, lists."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from rateshop.carriers.acord.codecs import (
    _DATE,
    _DECIMAL,
    _DRIVER_REF,
    _IND,
    _INT,
    _TEXT,
    _YES_NO,
    _check_keys,
    _Codec,
    _codes,
    _Field,
    _mapping,
    _read,
    _write,
)
from rateshop.carriers.acord.xml import EXT, AcordError, _one, _sub

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
