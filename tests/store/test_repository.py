"""Saving, reading, listing, exporting, deleting and purging comparisons, on both backends."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import json
import re
from decimal import Decimal

import pytest
from storekit import OWNER, SECRET, Compared, agreed, compare_example, config_for, raw

from rateshop.compare.market import Market
from rateshop.errors import RiskError
from rateshop.rating.library import Library
from rateshop.store import (
    ComparisonNotFound,
    Store,
    StoreFailure,
    UnstorableComparison,
    new_ref,
)
from rateshop.store.cipher import ContactCipher
from rateshop.store.records import from_cents


class Clock:
    """A settable clock, so a test decides when each comparison was made."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def test_save_then_get_round_trips_to_the_cent(store: Store, auto: Compared) -> None:
    before = dt.datetime.now(dt.UTC)
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    got = store.get(ref)

    assert got.ref == ref
    assert got.to_dict() == auto.comparison.to_dict()
    assert got.risk == auto.risk
    assert before - dt.timedelta(seconds=5) <= got.created_at <= dt.datetime.now(dt.UTC)
    assert got.created_at.tzinfo is not None
    assert [a.kind for a in got.answers] == ["quote"] * len(auto.comparison.quotes) + [
        "decline"
    ] * len(auto.comparison.declines) + ["error"] * len(auto.comparison.errors)

    for answer, stored in zip(auto.comparison.quotes, got.of_kind("quote"), strict=True):
        quote = answer.quote
        assert quote is not None
        assert stored.carrier == answer.carrier
        assert stored.premium_cents == int(quote.premium * 100)
        assert stored.total_cents == int(quote.total * 100)
        assert stored.monthly_cents == int(quote.monthly * 100)
        assert stored.total == quote.total
        assert from_cents(stored.premium_cents) == quote.premium
        assert from_cents(stored.monthly_cents) == quote.monthly
        assert Decimal(stored.body["quote"]["total"]) == quote.total
        assert stored.manual_hash == quote.manual.content_hash
        assert stored.manual_version == quote.manual.version
        assert stored.body["quote"]["worksheet"], "the worksheet is kept with the quote"
    for stored in got.of_kind("decline"):
        assert stored.premium_cents is None
        assert stored.manual_hash is not None
        assert stored.body["decline"]["reasons"]
    (error,) = got.of_kind("error")
    assert error.manual_hash is None
    assert error.body["error"] == {
        "kind": "timeout",
        "message": "did not answer in time",
        "detail": "ghost-mutual did not answer within 3.0 s",
    }


def test_manual_versions_are_recorded_once(store: Store, auto: Compared, database_url: str) -> None:
    manuals = {
        (a.quote or a.decline).manual.content_hash  # type: ignore[union-attr]
        for a in (*auto.comparison.quotes, *auto.comparison.declines)
    }
    store.save(auto.comparison, auto.risk, owner_key=OWNER)
    first = raw(database_url, "SELECT content_hash, first_seen FROM manual_versions")
    store.save(auto.comparison, auto.risk, owner_key=OWNER)
    again = raw(database_url, "SELECT content_hash, first_seen FROM manual_versions")
    assert {h for h, _ in first} == manuals
    assert sorted(again) == sorted(first)


def test_another_line_round_trips(store: Store, life: Compared) -> None:
    ref = store.save(life.comparison, life.risk, owner_key=OWNER)
    assert store.get(ref).to_dict() == life.comparison.to_dict()


def test_an_unknown_ref_is_a_typed_error(store: Store, auto: Compared) -> None:
    store.save(auto.comparison, auto.risk, owner_key=OWNER)
    unknown = new_ref()
    with pytest.raises(ComparisonNotFound) as caught:
        store.get(unknown)
    assert caught.value.ref == unknown
    assert unknown not in str(caught.value), "a full reference is a secret; messages shorten it"
    with pytest.raises(ComparisonNotFound):
        store.export(unknown)
    with pytest.raises(ComparisonNotFound):
        store.delete(unknown, owner_key=OWNER)
    with pytest.raises(ComparisonNotFound):
        store.record_contact(unknown, "pinnacle-direct", {"email": "a@example.com"}, **agreed())


def test_refs_are_long_and_random(store: Store, auto: Compared) -> None:
    refs = [new_ref() for _ in range(5000)]
    assert len(set(refs)) == len(refs)
    for ref in refs[:200]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", ref)
        assert len(base64.urlsafe_b64decode(ref)) * 8 >= 128
    # Every character position takes many values: no fixed prefix, counter or timestamp.
    for position in range(32):
        assert len({r[position] for r in refs}) > 40
    saved = [store.save(auto.comparison, auto.risk, owner_key=OWNER) for _ in range(3)]
    assert len(set(saved)) == 3
    assert all(len(ref) >= 32 for ref in saved)
    assert not any(a[:4] == b[:4] for a, b in itertools.pairwise(saved))


def test_identity_fields_are_never_stored(
    store: Store, market_library: tuple[Library, Market], database_url: str
) -> None:

    example = compare_example(market_library, "auto")
    risk = copy.deepcopy(example.risk)
    risk.update(
        {
            "name": "Dana Example",
            "Email": "dana@example.com",
            "phone_number": "+1 512 555 0100",
            "street_address": "12 Sample Lane",
        }
    )
    risk["drivers"][0].update({"first_name": "Dana", "last_name": "Example"})
    ref = store.save(example.comparison, risk)

    stored = store.get(ref).risk
    assert stored == example.risk, "what remains is exactly the rating facts"
    on_disk = json.dumps(raw(database_url, "SELECT risk FROM comparisons"), default=str)
    for secret in ("Dana", "Example", "dana@example.com", "555 0100", "Sample Lane"):
        assert secret not in on_disk


def test_the_risk_must_be_the_one_compared(store: Store, auto: Compared, database_url: str) -> None:
    other = {**auto.risk, "state": "CA", "effective_date": "2027-01-01"}
    with pytest.raises(RiskError) as caught:
        store.save(auto.comparison, other)
    assert {p.field for p in caught.value.problems} == {"state", "effective_date"}
    assert raw(database_url, "SELECT count(*) FROM comparisons") == [(0,)]


def test_an_amount_below_a_cent_is_refused_and_nothing_is_kept(
    store: Store, auto: Compared, database_url: str
) -> None:
    comparison = copy.deepcopy(auto.comparison)
    quote = comparison.quotes[-1].quote
    assert quote is not None
    quote.premium = Decimal("1173.005")
    with pytest.raises(UnstorableComparison, match=r"1173\.005"):
        store.save(comparison, auto.risk)
    assert raw(database_url, "SELECT count(*) FROM answers") == [(0,)]


def test_a_database_without_the_schema_is_a_store_failure(empty_url: str, auto: Compared) -> None:
    with Store.open(config_for(empty_url)) as store, pytest.raises(StoreFailure) as caught:
        store.save(auto.comparison, auto.risk, owner_key=OWNER)
    assert "comparisons" in str(caught.value) or "manual_versions" in str(caught.value)
    assert "78745" not in str(caught.value), "no request data in the message"


def test_recent_lists_newest_first(store: Store, auto: Compared, life: Compared) -> None:
    first = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    second = store.save(life.comparison, life.risk, owner_key=OWNER)
    recent = store.recent()
    assert [s.ref for s in recent] == [second, first]
    newest, older = recent
    assert (newest.line, newest.state) == ("life", "TX")
    assert (older.quotes, older.declines, older.errors) == (
        len(auto.comparison.quotes),
        len(auto.comparison.declines),
        1,
    )
    cheapest = auto.comparison.quotes[0].quote
    assert cheapest is not None
    assert older.cheapest_monthly_cents == int(cheapest.monthly * 100)
    assert [s.ref for s in store.recent(limit=1)] == [second]


def test_delete_removes_the_comparison_its_answers_and_contacts(
    store: Store, auto: Compared, database_url: str
) -> None:
    kept = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    gone = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    store.record_contact(
        gone, auto.comparison.quotes[0].carrier, {"email": "a@example.com"}, **agreed()
    )
    store.delete(gone, owner_key=OWNER)

    with pytest.raises(ComparisonNotFound):
        store.get(gone)
    with pytest.raises(ComparisonNotFound):
        store.delete(gone, owner_key=OWNER)
    assert store.get(kept).to_dict() == auto.comparison.to_dict()
    per_comparison = len(store.get(kept).answers)
    assert raw(database_url, "SELECT count(*) FROM answers") == [(per_comparison,)]
    assert raw(database_url, "SELECT count(*) FROM contacts") == [(0,)]


def test_export_is_json_with_answers_and_contacts_withheld(store: Store, auto: Compared) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    carrier = auto.comparison.quotes[1].carrier
    contact = {"name": "Dana Example", "email": "dana@example.com", "phone": "+1 512 555 0100"}
    store.record_contact(ref, carrier, contact, **agreed("Send my details to this carrier"))

    exported = store.export(ref)
    text = json.dumps(exported)
    assert json.loads(text) == exported
    assert exported["ref"] == ref
    assert exported["risk"] == auto.risk
    for kind in ("quotes", "declines", "errors"):
        assert exported[kind] == auto.comparison.to_dict()[kind]
    (consent,) = exported["contacts"]
    assert consent["carrier"] == carrier
    assert consent["wording"] == "Send my details to this carrier"
    assert "contact" not in consent
    assert "dana@example.com" not in text
    assert "Dana" not in text

    # Only the carrier chosen is ever given the details.
    assert [lead.contact for lead in store.leads(carrier)] == [contact]
    assert dt.datetime.fromisoformat(exported["created_at"]).tzinfo is not None


def test_purge_deletes_only_comparisons_past_retention(
    database_url: str, auto: Compared, life: Compared
) -> None:
    clock = Clock(NOW - dt.timedelta(days=31))
    with Store(database_url, ContactCipher(SECRET), retention_days=30, clock=clock) as store:
        old = store.save(auto.comparison, auto.risk, owner_key=OWNER)
        store.record_contact(
            old, auto.comparison.quotes[0].carrier, {"email": "a@example.com"}, **agreed()
        )
        clock.now = NOW - dt.timedelta(days=29)
        young = store.save(life.comparison, life.risk, owner_key=OWNER)
        clock.now = NOW

        assert store.purge() == 1
        with pytest.raises(ComparisonNotFound):
            store.get(old)
        assert store.get(young).to_dict() == life.comparison.to_dict()
        assert raw(database_url, "SELECT count(*) FROM contacts") == [(0,)]
        assert raw(database_url, "SELECT count(*) FROM answers") == [
            (len(store.get(young).answers),)
        ]
        assert store.purge() == 0
        assert store.purge(now=NOW + dt.timedelta(days=2)) == 1


def test_retention_comes_from_the_settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATESHOP_DATABASE_URL", database_url)
    monkeypatch.setenv("RATESHOP_SECRET_KEY", SECRET)
    monkeypatch.setenv("RATESHOP_RETENTION_DAYS", "90")
    with Store.open() as store:
        assert store.retention_days == 90
    monkeypatch.delenv("RATESHOP_RETENTION_DAYS")
    with Store.open() as store:
        assert store.retention_days == 365


def test_many_saves_in_one_commit_each_stand_or_fail_alone(
    store: Store, auto: Compared, life: Compared, database_url: str
) -> None:
    bad = copy.deepcopy(auto.comparison)
    quote = bad.quotes[-1].quote
    assert quote is not None
    quote.premium = Decimal("1173.005")
    saved = store.save_many(
        [
            (auto.comparison, auto.risk, None, None, "owner key of the first"),
            (bad, auto.risk, None, None, None),
            (life.comparison, auto.risk, None, None, None),  # not the risk compared
            (life.comparison, life.risk, None, "a-ref-made-before-" + "x" * 14, None),
        ]
    )
    first, unstorable, mismatched, last = saved
    assert isinstance(unstorable, UnstorableComparison)
    assert isinstance(mismatched, RiskError)
    assert isinstance(first, str)
    assert last == "a-ref-made-before-" + "x" * 14
    alone = store.save(auto.comparison, auto.risk)
    assert store.get(first).to_dict()["quotes"] == store.get(alone).to_dict()["quotes"]
    assert store.get(last).line == "life"
    assert raw(database_url, "SELECT count(*) FROM comparisons") == [(3,)], (
        "the two good, one alone"
    )
