"""The ACORD quote answer: stored answers of each kind, unsafe or broken bodies, the round trip."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings, strategies as st

from rateshop.carriers.acord import AcordError, build_response, parse_response
from rateshop.carriers.reply import CarrierReply, CoverageAmount

FIXTURES = Path(__file__).parent / "fixtures" / "acord"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


STORED_ANSWERS = {
    "response_quoted_auto.xml": CarrierReply(
        status="quoted",
        quote_ref="LS-2026-000481",
        currency="USD",
        total=Decimal("1234.50"),
        term_months=6,
        coverages=(
            CoverageAmount("BI", Decimal("401.10"), limit="50/100"),
            CoverageAmount("MED", Decimal("38.40"), limit="5000"),
            CoverageAmount("COLL", Decimal("770.00"), deductible="500"),
        ),
        fees=(("policy_fee", Decimal("25.00")),),
        valid_until=dt.date(2026, 12, 31),
        bridge_url="https://quotes.example.com/bridge/LS-2026-000481",
    ),
    "response_info_home.xml": CarrierReply(
        status="quoted",
        quote_ref="H-88213",
        currency="USD",
        total=Decimal("2140"),
        term_months=12,
        coverages=(
            CoverageAmount("fire", Decimal("1800")),
            CoverageAmount("liability", Decimal("340"), limit="300000/600000"),
        ),
        messages=("Roof age over 10 years: inspection required before binding.",),
    ),
    "response_referred_auto.xml": CarrierReply(
        status="referred",
        quote_ref="R-7741",
        messages=("Driver 1 has a DWI in the last 5 years: an underwriter will review.",),
    ),
    "response_declined_home.xml": CarrierReply(
        status="declined",
        messages=("Wood shake roofs are not eligible.", "More than one water claim in 3 years."),
    ),
    "response_pending_auto.xml": CarrierReply(
        status="pending", quote_ref="P-55120", retry_after=1.5
    ),
    "response_error_auto.xml": CarrierReply(
        status="error", messages=("Rating engine unavailable, try again later.",)
    ),
}


@pytest.mark.parametrize("name", sorted(STORED_ANSWERS))
def test_stored_answer_reads_as_its_reply(name: str) -> None:
    assert parse_response(fixture(name)) == STORED_ANSWERS[name]


def test_amounts_are_exact_as_written() -> None:
    reply = parse_response(fixture("response_quoted_auto.xml"))
    assert reply.total is not None
    assert str(reply.total) == "1234.50"
    assert sum((c.premium for c in reply.coverages), Decimal(0)) + reply.fees[0][1] == Decimal(
        "1234.50"
    )


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b"<!ENTITY % x \"<!ENTITY leak 'fetched'>\"> %x;"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[int]:
    """A server on loopback that would hand out a DTD, to see that the parser never asks."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("attack_billion_laughs.xml", "DTD is not allowed|entity"),
        ("attack_external_entity.xml", "DTD is not allowed|entity"),
        ("attack_external_dtd.xml", "DTD is not allowed"),
        ("attack_parameter_entity.xml", "DTD is not allowed|entity"),
        ("attack_undeclared_entity.xml", "malformed XML: .*xxe"),
        ("attack_truncated.xml", "malformed XML"),
        ("attack_wrong_root.xml", "the root element is <QuoteResponse>, not <ACORD>"),
    ],
)
def test_unsafe_or_broken_answer_is_refused(name: str, message: str, dtd_server: int) -> None:
    body = fixture(name).replace(b"127.0.0.1:8301", f"127.0.0.1:{dtd_server}".encode())
    with pytest.raises(AcordError, match=message) as caught:
        parse_response(body)
    assert b"lol" * 10 not in str(caught.value).encode()
    assert _Recorder.hits == []


def test_body_over_the_limit_is_refused_before_parsing() -> None:
    body = fixture("response_quoted_auto.xml")
    padded = body.replace(b"<ACORD>", b"<ACORD>" + b" " * 2_000_000)
    with pytest.raises(AcordError, match="more than the limit of 1000000"):
        parse_response(padded)
    with pytest.raises(AcordError, match=f"{len(body)} bytes, more than the limit of 100\\b"):
        parse_response(body, max_bytes=100)
    assert parse_response(body, max_bytes=len(body)).status == "quoted"


def test_body_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(AcordError, match="bytes, not str"):
        parse_response(fixture("response_error_auto.xml").decode())  # type: ignore[arg-type]


def _edit(old: str, new: str, stored: str = "response_quoted_auto.xml") -> bytes:
    body = fixture(stored)
    assert old.encode() in body
    return body.replace(old.encode(), new.encode())


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "<MsgStatusCd>Success<",
            "<MsgStatusCd>SuccessWithChanges<",
            "unknown MsgStatusCd 'SuccessWithChanges'",
        ),
        ("<Amt>1234.50</Amt>", "<Amt>1,234.50</Amt>", "'1,234.50' is not an amount"),
        ("<Amt>1234.50</Amt>", "<Amt>NaN</Amt>", "'NaN' is not an amount"),
        (
            "<Amt>38.40</Amt>\n            <CurCd>USD",
            "<Amt>38.40</Amt>\n            <CurCd>EUR",
            "several currencies: \\['EUR', 'USD'\\]",
        ),
        ("<QuoteExpirationDt>2026-12-31<", "<QuoteExpirationDt>31/12/2026<", "is not a date"),
        ("<NumUnits>6</NumUnits>", "<NumUnits>six</NumUnits>", "is not an integer"),
        ("<UnitMeasurementCd>MON<", "<UnitMeasurementCd>ANN<", "a term in 'ANN', not months"),
        (
            "<PersAutoPolicyQuoteInqRs>",
            "<PersAutoPolicyQuoteInqRs><MsgStatus/>",
            "MsgStatus appears 2 times",
        ),
        ("PersAutoPolicyQuoteInqRs>", "PersAutoPolicyQuoteRs>", "must hold exactly one of"),
    ],
)
def test_answer_that_is_not_readable_is_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(AcordError, match=message):
        parse_response(_edit(old, new))


def test_unknown_status_carries_the_carriers_text() -> None:
    body = _edit("<MsgStatusCd>Error<", "<MsgStatusCd>Bogus<", "response_error_auto.xml")
    with pytest.raises(AcordError, match="'Bogus': Rating engine unavailable"):
        parse_response(body)


def test_retry_hint_must_be_seconds() -> None:
    body = _edit(">1.5<", ">-3<", "response_pending_auto.xml")
    with pytest.raises(AcordError, match="retry after '-3' is not a number of seconds"):
        parse_response(body)


def test_answer_names_its_request_and_the_auto_coverage_codes() -> None:
    reply = CarrierReply(
        status="quoted",
        currency="USD",
        total=Decimal("10"),
        coverages=(CoverageAmount("MED", Decimal("10"), limit="5000"),),
    )
    body = build_response(reply, "auto", request_uid="rq-42")
    assert b"<RqUID>rq-42</RqUID>" in body
    assert b"<CoverageCd>MEDPM</CoverageCd>" in body
    assert b"<FormatInteger>5000</FormatInteger>" in body
    home = build_response(reply, "home")
    assert b"<HomePolicyQuoteInqRs>" in home
    assert b"<CoverageCd>MED</CoverageCd>" in home


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
_amounts = st.decimals(
    allow_nan=False, allow_infinity=False, places=2, min_value=-1e9, max_value=1e9
)
_codes = st.sampled_from(["BI", "PD", "UM", "MED", "PIP", "COMP", "COLL", "fire", "TOWING", "x y"])
_limits = st.none() | st.sampled_from(["50/100", "300000", "0500", "10", "a b", ""]) | _text
_coverages = st.builds(
    CoverageAmount, code=_codes, premium=_amounts, limit=_limits, deductible=_limits
)
replies = st.builds(
    CarrierReply,
    status=st.sampled_from(["quoted", "referred", "declined", "pending", "error"]),
    quote_ref=st.none() | _text,
    currency=st.none() | st.sampled_from(["USD", "CAD", "EUR"]),
    total=st.none() | _amounts,
    term_months=st.none() | st.integers(1, 24),
    coverages=st.lists(_coverages, max_size=4).map(tuple),
    fees=st.lists(st.tuples(_text, _amounts), max_size=3).map(tuple),
    valid_until=st.none() | st.dates(),
    bridge_url=st.none() | _text,
    messages=st.lists(_text, max_size=3).map(tuple),
    retry_after=st.none() | st.floats(min_value=0, max_value=3600, allow_nan=False),
    # What ACORD messages do not carry (a reply is a named tuple: every field is drawn unless set).
    not_offered=st.just(()),
    summed=st.none(),
)


@given(replies, st.sampled_from(["auto", "home"]))
@settings(max_examples=200, deadline=None)
def test_any_reply_round_trips(reply: CarrierReply, line: str) -> None:
    assert parse_response(build_response(reply, line, request_uid="rq")) == reply


def test_reply_amounts_keep_their_digits() -> None:
    reply = CarrierReply(status="quoted", total=Decimal("100.00"), fees=(("f", Decimal("1E+1")),))
    back = parse_response(build_response(reply, "auto"))
    assert str(back.total) == "100.00"
    assert back.fees == (("f", Decimal("10")),)


_STORED = [fixture(name) for name in sorted(STORED_ANSWERS)]


@st.composite
def _mangled(draw: st.DrawFn) -> bytes:
    """A stored answer with a stretch of its text replaced: tags, codes, digits, structure."""
    body = draw(st.sampled_from(_STORED))
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start, min(len(body), start + 40)))
    insert = draw(
        st.sampled_from(
            [b"", b"<", b">", b"</X>", b"<Limit/>", b"Referral", b"-1", b"1e3", b"&amp;"]
        )
        | st.binary(max_size=12)
    )
    return body[:start] + insert + body[end:]


@given(_mangled())
@settings(max_examples=400, deadline=None)
def test_a_mangled_answer_is_read_or_refused_never_crashes(body: bytes) -> None:
    try:
        reply = parse_response(body)
    except AcordError:
        return
    assert isinstance(reply, CarrierReply)
