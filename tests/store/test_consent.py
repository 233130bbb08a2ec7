"""Contact details: shared with one carrier at a time, with consent, encrypted at rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from storekit import OWNER, SECRET, Compared, agreed, config_for, raw

from rateshop.store import (
    CarrierNotInComparison,
    ContactUnreadable,
    InvalidContact,
    OwnerKeyRejected,
    SecretKeyMissing,
    Store,
)
from rateshop.store.cipher import DEV_SECRET_KEY, ContactCipher

CONTACT = {"name": "Dana Example", "email": "dana@example.com", "phone": "+1 512 555 0100"}


def test_consent_names_one_carrier_and_is_encrypted_at_rest(
    store: Store, auto: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    chosen = auto.comparison.quotes[2].carrier
    record = store.record_contact(ref, chosen, CONTACT, **agreed("Share with this carrier only"))
    assert record.carrier == chosen
    assert record.contact is None

    rows = raw(database_url, "SELECT carrier, contact, consented_at, wording FROM contacts")
    assert len(rows) == 1
    carrier, token, consented_at, wording = rows[0]
    assert carrier == chosen
    assert consented_at is not None
    assert wording == "Share with this carrier only"
    for plain in (*CONTACT.values(), "Dana", "dana", "example.com", "555"):
        assert plain not in token
    assert ContactCipher(SECRET).decrypt(token) == CONTACT
    # Nothing else on disk holds the details either.
    everything = str(raw(database_url, "SELECT * FROM comparisons")) + str(
        raw(database_url, "SELECT * FROM answers")
    )
    assert "dana@example.com" not in everything


def test_a_carrier_not_in_the_comparison_is_refused(
    store: Store, auto: Compared, life: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    life_carrier = life.comparison.quotes[0].carrier
    with pytest.raises(CarrierNotInComparison) as caught:
        store.record_contact(ref, life_carrier, CONTACT, **agreed())
    assert caught.value.carrier == life_carrier
    assert auto.comparison.quotes[0].carrier in caught.value.carriers
    with pytest.raises(CarrierNotInComparison):
        store.record_contact(ref, ["a", "b"], CONTACT, **agreed())  # type: ignore[arg-type]
    assert raw(database_url, "SELECT count(*) FROM contacts") == [(0,)]


def test_the_database_itself_refuses_a_foreign_carrier(
    store: Store, auto: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    (comparison_id,) = raw(database_url, "SELECT id FROM comparisons WHERE ref = :ref", ref=ref)[0]
    # Through the store's own engine: SQLite checks foreign keys only when a connection asks.
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contacts (comparison_id, carrier, contact, consented_at)"
                " VALUES (:id, 'not-a-carrier-here', 'x', CURRENT_TIMESTAMP)"
            ),
            {"id": comparison_id},
        )


def test_contact_details_must_be_text(store: Store, auto: Compared) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    carrier = auto.comparison.quotes[0].carrier
    for bad in ({}, {"email": 42}, "dana@example.com"):
        with pytest.raises(InvalidContact):
            store.record_contact(ref, carrier, bad, **agreed())  # type: ignore[arg-type]


def test_another_key_cannot_read_contacts(store: Store, auto: Compared, database_url: str) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    store.record_contact(ref, auto.comparison.quotes[0].carrier, CONTACT, **agreed())
    other = config_for(database_url, secret_key="another-secret-" + "z" * 32)
    with Store.open(other) as stranger:
        assert stranger.export(ref)["contacts"][0]["carrier"] == auto.comparison.quotes[0].carrier
        with pytest.raises(ContactUnreadable, match="RATESHOP_SECRET_KEY"):
            stranger.leads(auto.comparison.quotes[0].carrier)


def test_only_the_owner_key_consents_or_deletes_and_leads_go_to_their_carrier(
    store: Store, auto: Compared, database_url: str
) -> None:
    ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
    keyless = store.save(auto.comparison, auto.risk)  # made before owner keys existed
    chosen, other = (a.carrier for a in auto.comparison.quotes[:2])
    for wrong in ("", "not-the-key", OWNER.upper()):
        with pytest.raises(OwnerKeyRejected):
            store.record_contact(ref, chosen, CONTACT, **{**agreed(), "owner_key": wrong})
        with pytest.raises(OwnerKeyRejected):
            store.delete(ref, owner_key=wrong)
    for action in (
        lambda: store.record_contact(keyless, chosen, CONTACT, **agreed()),
        lambda: store.delete(keyless, owner_key=OWNER),
    ):
        with pytest.raises(OwnerKeyRejected):
            action()
    assert raw(database_url, "SELECT count(*) FROM contacts") == [(0,)]
    assert store.get(ref)
    assert store.get(keyless)

    store.record_contact(ref, chosen, CONTACT, **agreed())
    (lead,) = store.leads(chosen)
    assert (lead.ref, lead.contact, lead.consent_version) == (ref, CONTACT, "test")
    assert store.leads(other) == []
    assert store.leads(chosen, since=lead.consented_at) == []
    stored_hash = raw(database_url, "SELECT owner_key_hash FROM comparisons WHERE ref = :r", r=ref)
    assert stored_hash[0][0] != OWNER
    assert len(stored_hash[0][0]) == 64


def test_a_missing_secret_key_fails_clearly_outside_dev_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RATESHOP_SECRET_KEY", "RATESHOP_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RATESHOP_DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    with pytest.raises(SecretKeyMissing, match="RATESHOP_SECRET_KEY is not set"):
        Store.open()
    monkeypatch.setenv("RATESHOP_SECRET_KEY", "")
    with pytest.raises(SecretKeyMissing, match="RATESHOP_SECRET_KEY"):
        Store.open()
    monkeypatch.setenv("RATESHOP_SECRET_KEY", "short")
    with pytest.raises(SecretKeyMissing, match="RATESHOP_SECRET_KEY is too short"):
        Store.open()
    assert not (tmp_path / "never.db").exists(), "the key is checked before the database is touched"


def test_dev_mode_uses_the_fixed_development_key(
    database_url: str, auto: Compared, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RATESHOP_SECRET_KEY", raising=False)
    monkeypatch.setenv("RATESHOP_DEV_MODE", "1")
    monkeypatch.setenv("RATESHOP_DATABASE_URL", database_url)
    with Store.open() as store:
        ref = store.save(auto.comparison, auto.risk, owner_key=OWNER)
        store.record_contact(ref, auto.comparison.quotes[0].carrier, CONTACT, **agreed())
    ((token,),) = raw(database_url, "SELECT contact FROM contacts")
    assert ContactCipher(DEV_SECRET_KEY).decrypt(token) == CONTACT
