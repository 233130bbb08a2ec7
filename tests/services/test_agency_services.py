"""The agency's services: answers as fields, differences, renewal judgement, and edit-and-re-rate
and the renewal job end to end on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from api.apikit import example, postgres_schema, server_settings
from rateshop.compare.default import market_registry
from rateshop.errors import RiskError
from rateshop.services.agency import Desk, clients as client_service, leads
from rateshop.services.agency.answers import answers, changed
from rateshop.services.agency.differences import differences, factor_moves
from rateshop.services.agency.renewals import check_renewals, judge
from rateshop.services.agency.rerate import explain, rate, rerate
from rateshop.services.runtime import Keys, Runtime
from rateshop.store.accounts import Accounts
from rateshop.store.agency_records import Member, Scope
from rateshop.store.errors import ClientNotFound
from rateshop.store.records import StoredAnswer, StoredComparison

RISK: dict[str, Any] = {
    "line": "auto",
    "state": "TX",
    "effective_date": "2026-12-01",
    "paperless": True,
    "prior_insurance_months": 84,
    "drivers": [{"birth_date": "1981-04-17", "incidents": [{"kind": "dwi", "date": "2025-01-01"}]}],
    "coverages": {"COLL": {"deductible": 500}},
}


def test_a_risk_opens_as_fields_and_edits_keep_their_types() -> None:
    fields = {a.path: a for a in answers(RISK)}
    assert "line" not in fields
    assert "state" not in fields
    assert fields["drivers.0.incidents.0.kind"].label == "Driver 1 · Incident 1 · kind"
    assert fields["paperless"].kind == "yes/no"
    assert fields["coverages.COLL.deductible"].value == "500"
    edited = changed(RISK, {"coverages.COLL.deductible": "1000", "paperless": "no"})
    assert edited["coverages"]["COLL"]["deductible"] == 1000
    assert edited["paperless"] is False
    assert RISK["coverages"]["COLL"]["deductible"] == 500, "the stored risk is left as it was"
    for bad in (
        {"state": "CA"},
        {"drivers.3.birth_date": "2000-01-01"},
        {"prior_insurance_months": "x"},
    ):
        with pytest.raises(RiskError):
            changed(RISK, bad)


def _quote(carrier: str, per_year: str, like: bool = True, factor: str = "1.000") -> dict[str, Any]:
    line = {"unit": "vehicle 1", "component": "COLL", "step": "deductible", "label": "Deductible",
            "key": "deductible=500", "value": factor, "total": "1", "applied": True}  # fmt: skip
    return {"carrier": carrier, "carrier_name": carrier.title(), "like_for_like": like,
            "quote": {"per_year": per_year, "worksheet": [line]}}  # fmt: skip


def _stored(risk: dict[str, Any], *bodies: dict[str, Any]) -> StoredComparison:
    return StoredComparison(
        ref="r", created_at=dt.datetime.now(dt.UTC), line="auto", state="TX",
        effective=dt.date(2026, 12, 1), risk=risk,
        answers=tuple(StoredAnswer("quote", b["carrier"], 1, 1, 1, None, None, b) for b in bodies),
    )  # fmt: skip


def test_differences_name_the_answers_and_the_factors_that_moved() -> None:
    before = _stored(RISK, _quote("gulf", "1200.00"), _quote("alamo", "900.00"))
    after_risk = changed(RISK, {"coverages.COLL.deductible": "1000"})
    moved = _quote("gulf", "1104.00", factor="0.800")
    after = _stored(after_risk, moved, _quote("alamo", "900.00"))
    found = differences(before, after, market_registry().library)
    assert [(a.path, a.before, a.after) for a in found.answers] == [
        ("coverages.COLL.deductible", "500", "1000")
    ]
    gulf, alamo = found.carriers
    assert (gulf.before, gulf.after, gulf.change, gulf.percent) == (
        Decimal("1200.00"), Decimal("1104.00"), Decimal("-96.00"), Decimal("-8.0"),
    )  # fmt: skip
    assert [(m.where, m.label, m.before, m.after) for m in gulf.moves] == [
        ("vehicle 1 COLL", "Deductible", "1.000", "0.800")
    ]
    assert alamo.change == 0
    assert alamo.moves == []
    assert factor_moves([], moved["quote"]["worksheet"])[0].before is None


def test_a_renewal_is_flagged_only_when_another_carrier_beats_the_same_cover_by_the_threshold() -> (
    None
):
    quotes = [
        _quote("gulf", "1000.00"),
        _quote("alamo", "940.00"),
        _quote("cheap", "100.00", like=False),
    ]
    five = Decimal("0.05")
    assert judge("gulf", 120_000, quotes, five) == (100_000, "alamo", 94_000, True)
    assert judge("gulf", 120_000, quotes, Decimal("0.06")) == (100_000, "alamo", 94_000, False)
    # The policy's carrier no longer quotes the same cover: the premium paid is the price to beat.
    assert judge("gone", 99_000, quotes, five) == (None, "alamo", 94_000, True)
    assert judge("gulf", 1, [quotes[0]], five) == (100_000, None, None, False)


@pytest.fixture(scope="module")
def platform(postgres_admin: Engine) -> Iterator[Runtime]:
    """The runtime (store, market) on a PostgreSQL schema of its own."""
    with postgres_schema(postgres_admin, "rateshop_agency_services") as url:
        runtime = Runtime.start(server_settings(url))
        try:
            yield runtime
        finally:
            runtime.close()


def test_edit_and_rerate_then_renewal_on_postgresql(platform: Runtime) -> None:
    desk = Desk.over(platform.store.engine, platform.settings)
    users = Accounts(platform.store.engine)
    agency = desk.agencies.create_agency("North Star Insurance Agency", "TX-AG-2041")
    other = desk.agencies.create_agency("Southern Cross Brokers", "TX-AG-7310")
    ann = users.create_user("svc.ann", "a long password", "agent")
    eve = users.create_user("svc.eve", "a long password", "agent")
    desk.agencies.add_member(agency.id, ann.id, "agent")
    desk.agencies.add_member(other.id, eve.id, "admin")
    agent, outsider = desk.member(ann.id), desk.member(eve.id)
    assert isinstance(agent, Member)

    risk = example("auto")
    keys = Keys.new()
    first = asyncio.run(_compare_and_save(platform, risk, keys))
    lead = leads.request_contact(desk, first, agency.id, {"name": "Dana W", "phone": "5125550142"},
                                 owner_key=keys.owner_key, consent_version=leads.CURRENT)  # fmt: skip
    client = desk.leads.assign_lead(agency.id, lead.id, ann.id)
    users.add_note(first, ann, "asks about a higher deductible")

    with pytest.raises(ClientNotFound):
        asyncio.run(rerate(platform, desk, outsider, first, {}))
    second = asyncio.run(
        rerate(platform, desk, agent, first, {"coverages.COLL.deductible": "1000"})
    )
    assert platform.store.get(second).effective == platform.store.get(first).effective
    assert [n.text for n in users.notes(second)] == ["asks about a higher deductible"]
    explained = explain(platform, desk, agent, second)
    assert explained is not None
    assert [a.path for a in explained.answers] == ["coverages.COLL.deductible"]
    lower = [c for c in explained.carriers if c.change is not None and c.change < 0]
    assert lower
    assert all(any("COLL" in m.where for m in c.moves) for c in lower)
    assert explain(platform, desk, agent, first) is None

    # Sold with the dearest like-for-like carrier; the renewal job finds a cheaper one.
    quotes = [
        a.body for a in platform.store.get(second).of_kind("quote") if a.body["like_for_like"]
    ]
    dearest = max(quotes, key=lambda q: Decimal(q["quote"]["per_year"]))
    today = dt.date(2026, 12, 1)
    client_service.add_policy(desk, agent, client.id, dearest["carrier"], dearest["quote"]["per_year"],
                              today - dt.timedelta(days=300), today + dt.timedelta(days=20), second)  # fmt: skip
    outcomes = asyncio.run(check_renewals(platform, desk, today))
    assert len(outcomes) == 1
    check = outcomes[0].check
    assert check is not None
    assert check.flagged
    assert check.best_carrier != dearest["carrier"]
    renewed = platform.store.get(check.comparison_ref or "")
    assert renewed.effective == today + dt.timedelta(days=20)
    due = desk.book.due(Scope.of(agent), today, 45)
    assert due[0].check == check
    assert desk.book.due(Scope.of(outsider), today, 45) == []


async def _compare_and_save(platform: Runtime, risk: dict[str, Any], keys: Keys) -> str:
    comparison = await rate(platform, risk)
    return await platform.save(comparison, risk, None, keys)
