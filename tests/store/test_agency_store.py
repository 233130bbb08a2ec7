"""The agency's repositories on both backends: leads, clients, search, scope, book and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from storekit import Compared, config_for, raw

from rateshop.store import Store
from rateshop.store.accounts import Accounts, User
from rateshop.store.agency import AgencyStore
from rateshop.store.agency_book import AgencyBook
from rateshop.store.agency_leads import AgencyLeads
from rateshop.store.agency_records import ClientSearch, Identity, Member, RenewalCheck, Scope
from rateshop.store.client_index import name_words, normal_phone
from rateshop.store.errors import (
    ClientNotFound,
    InvalidAgencyData,
    LeadNotFound,
    NotAMember,
    OwnerKeyRejected,
)

OWNER = "owner-key-" + "o" * 30
CONTACT = {
    "name": "Dana O'Neil-Park",
    "email": "Dana.Park@Example.org",
    "phone": "+1 (512) 555-0100",
}
PASSWORD = "a long password"


@pytest.fixture
def agencies(store: Store, database_url: str) -> AgencyStore:
    return AgencyStore.over(store.engine, config_for(database_url))


@pytest.fixture
def people(store: Store) -> dict[str, User]:
    users = Accounts(store.engine)
    return {n: users.create_user(n, PASSWORD, "agent") for n in ("ann", "bob", "boss", "eve")}


def _member(agencies: AgencyStore, user: User) -> Member:
    found = agencies.membership(user.id)
    assert found is not None
    return found


def test_a_lead_becomes_the_assigned_agents_client_and_no_one_elses(
    store: Store, agencies: AgencyStore, people: dict[str, User], auto: Compared, database_url: str
) -> None:
    inbox = AgencyLeads(agencies)
    north = agencies.create_agency("North Agency", "TX-1")
    south = agencies.create_agency("South Agency", "TX-2")
    for name, role in (("ann", "agent"), ("bob", "agent"), ("boss", "admin")):
        agencies.add_member(north.id, people[name].id, role)
    agencies.add_member(south.id, people["eve"].id, "admin")
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)

    with pytest.raises(OwnerKeyRejected):
        inbox.add_lead(north.id, ref, CONTACT, owner_key="wrong", wording="w", consent_version="v")
    lead = inbox.add_lead(north.id, ref, CONTACT, owner_key=OWNER, wording="w", consent_version="v")
    assert [x.id for x in inbox.leads(north.id)] == [lead.id]
    assert inbox.leads(south.id) == []
    with pytest.raises(LeadNotFound):
        inbox.assign_lead(south.id, lead.id, people["eve"].id)
    with pytest.raises(NotAMember):
        inbox.assign_lead(north.id, lead.id, people["eve"].id)

    client = inbox.assign_lead(north.id, lead.id, people["ann"].id)
    assert client.agent == "ann"
    assert client.zip == "78745"
    ann, bob, boss, eve = (_member(agencies, people[n]) for n in ("ann", "bob", "boss", "eve"))
    assert [c.ref for c in agencies.comparisons(Scope.of(ann), client.id)] == [ref]
    assert agencies.identity(Scope.of(boss), client.id).email == CONTACT["email"]
    for outsider in (bob, eve):
        with pytest.raises(ClientNotFound):
            agencies.client(Scope.of(outsider), client.id)
        with pytest.raises(ClientNotFound):
            agencies.identity(Scope.of(outsider), client.id)
        with pytest.raises(ClientNotFound):
            agencies.client_of(Scope.of(outsider), ref)
        assert agencies.clients(Scope.of(outsider), ClientSearch()) == []

    # Encrypted at rest: neither the lead nor the client holds a name, address or number in clear.
    on_disk = (
        str(raw(database_url, "SELECT * FROM clients"))
        + str(raw(database_url, "SELECT * FROM agency_leads"))
        + str(raw(database_url, "SELECT * FROM client_index"))
    )
    for secret in ("Dana", "Park", "example.org", "555"):
        assert secret not in on_disk

    # Reassigning moves the client; the lead stays one lead.
    inbox.assign_lead(north.id, lead.id, people["bob"].id)
    assert agencies.client(Scope.of(bob), client.id).agent == "bob"
    with pytest.raises(ClientNotFound):
        agencies.client(Scope.of(ann), client.id)
    assert len(inbox.leads(north.id)) == 1


def test_clients_are_found_by_name_phone_email_reference_and_zip(
    agencies: AgencyStore, people: dict[str, User]
) -> None:
    north = agencies.create_agency("North Agency", "TX-1")
    south = agencies.create_agency("South Agency", "TX-2")
    agencies.add_member(north.id, people["ann"].id, "agent")
    agencies.add_member(south.id, people["eve"].id, "agent")
    identity = Identity(**CONTACT, household="two adults, one teen driver")
    dana = agencies.create_client(north.id, people["ann"].id, identity, "78745")
    agencies.create_client(
        north.id, people["ann"].id, Identity("Sam Park", phone="512 555 0199"), "75001"
    )
    twin = agencies.create_client(south.id, people["eve"].id, identity, "78745")
    scope = Scope.of(_member(agencies, people["ann"]))

    def found(**wanted: str) -> list[int]:
        return [c.id for c in agencies.clients(scope, ClientSearch(**wanted))]

    assert found(name="oneil") == []  # words match whole: O'Neil-Park is one word
    assert found(name="dana") == [dana.id]
    assert found(name="DANA  o'neil-park") == [dana.id]
    assert sorted(found(name="")) == sorted(found())
    assert found(email=" dana.park@example.ORG ") == [dana.id]
    assert found(phone="512-555-0100") == [dana.id]
    assert found(phone="15125550100") == [dana.id]
    assert found(phone="0100") == []
    assert found(reference=dana.reference.lower()) == [dana.id]
    assert found(reference=dana.reference) == [dana.id]
    assert found(zip="787") == [dana.id]
    assert found(name="dana", zip="75001") == []
    # The same person in another agency hashes differently: no cross-agency correlation.
    assert agencies.index.digest(north.id, "email", "x@y.z") != agencies.index.digest(
        south.id, "email", "x@y.z"
    )
    assert twin.id not in found(name="dana")
    assert agencies.identity(scope, dana.id).household == "two adults, one teen driver"
    with pytest.raises(InvalidAgencyData):
        agencies.create_client(north.id, None, Identity(" "), "")


def test_normalising_search_values() -> None:
    assert name_words("  María  de la Cruz ") == ["cruz", "de", "la", "maría"]
    assert normal_phone("+1 (512) 555-0100") == "5125550100"


def test_the_book_policies_renewals_and_audit(
    store: Store, agencies: AgencyStore, people: dict[str, User], auto: Compared
) -> None:
    book = AgencyBook(agencies)
    north = agencies.create_agency("North Agency", "TX-1")
    south = agencies.create_agency("South Agency", "TX-2")
    agencies.add_member(north.id, people["ann"].id, "agent")
    agencies.add_member(north.id, people["boss"].id, "admin")
    agencies.add_member(south.id, people["eve"].id, "admin")
    ann, boss, eve = (_member(agencies, people[n]) for n in ("ann", "boss", "eve"))
    client = agencies.create_client(
        north.id, ann.user_id, Identity("Dana Park", "d@example.org"), "78745"
    )
    ref = store.save(auto.comparison, auto.risk)
    agencies.add_comparison(Scope.of(ann), client.id, ref)
    today = dt.date(2027, 1, 1)
    soon = book.add_policy(
        Scope.of(ann),
        client.id,
        "lone-star-county-mutual",
        123_400,
        dt.date(2026, 2, 20),
        dt.date(2027, 2, 1),
        ref,
    )
    book.add_policy(
        Scope.of(ann), client.id, "gulf", 99_900, dt.date(2026, 8, 1), dt.date(2027, 8, 1)
    )
    with pytest.raises(InvalidAgencyData):
        book.add_policy(Scope.of(ann), client.id, "gulf", 100, today, today)
    with pytest.raises(ClientNotFound):
        book.add_policy(Scope.of(eve), client.id, "gulf", 100, today, today + dt.timedelta(days=1))

    due = book.due(Scope.of(ann), today, 45)
    assert [r.policy.id for r in due] == [soon.id]
    assert due[0].check is None
    assert due[0].policy.comparison_ref == ref
    assert book.due(Scope.of(eve), today, 45) == []
    assert [r.policy.id for r in book.due(None, today, 45)] == [soon.id]
    book.record_check(RenewalCheck(soon.id, agencies.clock(), ref, 130_000, "gulf", 110_000, True))
    check = book.due(Scope.of(boss), today, 45)[0].check
    assert check is not None
    assert check.flagged
    assert check.best_carrier == "gulf"

    book.audit(ann, "view_contact", f"client {client.reference}")
    book.audit(ann, "export_csv", f"client {client.reference}")
    assert [(e.username, e.action) for e in book.audit_log(north.id)] == [
        ("ann", "export_csv"),
        ("ann", "view_contact"),
    ]
    assert book.audit_log(south.id) == []

    # Deleting the client takes their comparisons, policies and notes with them.
    agencies.add_note(Scope.of(ann), client.id, ann, "prefers e-mail")
    assert agencies.delete_client(Scope.of(ann), client.id) == 1
    assert book.due(None, today, 400) == []
    with pytest.raises(Exception, match="no comparison"):
        store.get(ref)


def test_a_rerated_comparison_keeps_the_notes_of_the_one_before(
    store: Store, agencies: AgencyStore, people: dict[str, User], auto: Compared
) -> None:
    users = Accounts(store.engine)
    north = agencies.create_agency("North Agency", "TX-1")
    agencies.add_member(north.id, people["ann"].id, "agent")
    ann = _member(agencies, people["ann"])
    client = agencies.create_client(north.id, ann.user_id, Identity("Dana Park"), "")
    first = store.save(auto.comparison, auto.risk)
    second = store.save(auto.comparison, auto.risk)
    agencies.add_comparison(Scope.of(ann), client.id, first)
    users.add_note(first, people["ann"], "wants a lower deductible")
    agencies.add_comparison(Scope.of(ann), client.id, second, first)
    assert agencies.copy_comparison_notes(first, second) == 1
    assert [n.text for n in users.notes(second)] == ["wants a lower deductible"]
    filed = {c.ref: c.previous_ref for c in agencies.comparisons(Scope.of(ann), client.id)}
    assert filed == {first: None, second: first}
