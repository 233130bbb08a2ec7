"""Quote requests: our risk to an ACORD quote request and back, each the inverse of the other."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from rateshop.carriers.acord.codecs import _check_keys, _items, _mapping, _read, _write
from rateshop.carriers.acord.risk import (
    _AUTO_FIELDS,
    _CLAIM_FIELDS,
    _DRIVER_FIELDS,
    _HOME_FIELDS,
    _INCIDENT_FIELDS,
    _LINES,
    _VEHICLE_FIELDS,
    _line,
    _read_auto_coverages,
    _read_list,
    _write_auto_coverages,
    _write_list,
)
from rateshop.carriers.acord.xml import (
    DEFAULT_MAX_BYTES,
    EXT,
    AcordError,
    _ensure,
    _message,
    _one,
    _parse_xml,
    _serialize,
    _sub,
    _tag,
    _text,
)

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
