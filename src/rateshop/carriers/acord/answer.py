"""Quote answers: a carrier's reply to an ACORD quote answer and back."""

import datetime as dt
import math
from decimal import Decimal
from typing import Final

from lxml import etree

from rateshop.carriers.acord.codecs import _DATE, _DECIMAL_TEXT, _INT, _INT_TEXT
from rateshop.carriers.acord.risk import _AUTO_CODES, _LINES, _OURS, _decoded, _line
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
)
from rateshop.carriers.reply import CarrierReply, CoverageAmount, ReplyStatus

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
