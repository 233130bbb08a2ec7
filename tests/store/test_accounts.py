"""Users, login sessions, agents' comparisons and notes, on both backends."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from storekit import OWNER, SECRET, Compared, raw

from rateshop.store import Accounts, ComparisonNotFound, Store
from rateshop.store.accounts import (
    BadCredentials,
    InvalidAccount,
    LoginLimits,
    Search,
    TooManyAttempts,
    UserExists,
    token_hash,
)
from rateshop.store.cipher import ContactCipher
from rateshop.store.database import connect

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    """A settable clock shared by the store and the accounts."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def timed_store(database_url: str, clock: Clock) -> Store:
    return Store(database_url, ContactCipher(SECRET), retention_days=30, clock=clock)


@pytest.fixture
def accounts(timed_store: Store, clock: Clock) -> Accounts:
    return Accounts(timed_store.engine, clock)


def test_log_in_keeps_only_hashes(accounts: Accounts, database_url: str) -> None:
    made = accounts.create_user("ana", PASSWORD, "agent")
    user, token = accounts.log_in("ana", PASSWORD)

    assert user == made
    assert accounts.user_for(token) == made
    [(stored_hash,)] = raw(database_url, "SELECT password_hash FROM users")
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash
    [(session_hash,)] = raw(database_url, "SELECT token_hash FROM login_sessions")
    assert session_hash == token_hash(token) != token


def test_wrong_password_and_unknown_user_fail_alike(accounts: Accounts) -> None:
    accounts.create_user("ana", PASSWORD, "agent")
    with pytest.raises(BadCredentials) as wrong:
        accounts.log_in("ana", PASSWORD + "!")
    with pytest.raises(BadCredentials) as unknown:
        accounts.log_in("bob", PASSWORD)
    assert str(wrong.value) == str(unknown.value)


def test_sessions_expire_and_end(accounts: Accounts, clock: Clock) -> None:
    accounts.create_user("ana", PASSWORD, "admin")
    _, first = accounts.log_in("ana", PASSWORD)
    _, second = accounts.log_in("ana", PASSWORD)
    accounts.log_out(second)
    assert accounts.user_for(second) is None
    assert accounts.user_for(first) is not None
    clock.now += dt.timedelta(hours=13)
    assert accounts.user_for(first) is None
    assert accounts.user_for("not a token") is None


def test_usernames_are_unique_and_checked(accounts: Accounts) -> None:
    accounts.create_user("ana", PASSWORD, "agent")
    with pytest.raises(UserExists):
        accounts.create_user("ana", PASSWORD, "admin")
    with pytest.raises(InvalidAccount, match="role"):
        accounts.create_user("bob", PASSWORD, "root")
    with pytest.raises(InvalidAccount, match="password"):
        accounts.create_user("bob", "short", "agent")
    with pytest.raises(InvalidAccount, match="username"):
        accounts.create_user("Bob Smith", PASSWORD, "agent")


def test_each_agent_sees_and_searches_their_own_comparisons(
    accounts: Accounts, timed_store: Store, clock: Clock, auto: Compared, life: Compared
) -> None:
    ana = accounts.create_user("ana", PASSWORD, "agent")
    bob = accounts.create_user("bob", PASSWORD, "agent")
    auto_ref = timed_store.save(auto.comparison, auto.risk, owner_key=OWNER)
    clock.now += dt.timedelta(days=1)
    life_ref = timed_store.save(life.comparison, life.risk, owner_key=OWNER)
    bobs = timed_store.save(auto.comparison, auto.risk, owner_key=OWNER)
    timed_store.save(auto.comparison, auto.risk, owner_key=OWNER)  # a shopper's: nobody's
    accounts.link(auto_ref, ana)
    accounts.link(life_ref, ana)
    accounts.link(bobs, bob)

    def refs(**search: object) -> list[str]:
        return [c.ref for c in accounts.comparisons(ana, Search(**search))]  # type: ignore[arg-type]

    assert refs() == [life_ref, auto_ref]
    assert refs(line="auto") == [auto_ref]
    assert refs(state="tx") == [life_ref, auto_ref]
    assert refs(state="CA") == []
    assert refs(ref=auto_ref[3:12]) == [auto_ref]
    assert refs(ref="%") == [r for r in (life_ref, auto_ref) if "%" in r]
    assert refs(day=NOW.date()) == [auto_ref]
    assert refs(day=NOW.date() + dt.timedelta(days=1)) == [life_ref]
    assert accounts.made_by(auto_ref, ana)
    assert not accounts.made_by(bobs, ana)
    [summary] = accounts.comparisons(ana, Search(line="auto"))
    assert summary.quotes == len(auto.comparison.quotes)


def test_notes_go_with_their_comparison_on_delete_and_purge(
    accounts: Accounts, timed_store: Store, clock: Clock, database_url: str, auto: Compared
) -> None:
    ana = accounts.create_user("ana", PASSWORD, "agent")
    old = timed_store.save(auto.comparison, auto.risk, owner_key=OWNER)
    clock.now += dt.timedelta(days=20)
    deleted = timed_store.save(auto.comparison, auto.risk, owner_key=OWNER)
    for ref in (old, deleted):
        accounts.link(ref, ana)
        accounts.add_note(ref, ana, f"  called back about {ref[:4]} ")
    assert [n.text for n in accounts.notes(old)] == [f"called back about {old[:4]}"]
    assert accounts.notes(old)[0].author == "ana"
    with pytest.raises(InvalidAccount):
        accounts.add_note(old, ana, "   ")

    timed_store.delete(deleted, owner_key=OWNER)
    clock.now += dt.timedelta(days=15)  # `old` is now 35 days old, beyond the 30 kept
    assert timed_store.purge() == 1
    with pytest.raises(ComparisonNotFound):
        accounts.notes(old)
    assert raw(database_url, "SELECT count(*) FROM notes") == [(0,)]
    assert raw(database_url, "SELECT count(*) FROM comparison_agents") == [(0,)]
    assert accounts.comparisons(ana, Search()) == []


# ---------------------------------------------------------------- log-in attempts

LIMITS = LoginLimits(per_user=3, per_address=5, window=dt.timedelta(minutes=15))


def _outcome(accounts: Accounts, name: str, password: str, address: str | None) -> str:
    try:
        accounts.log_in(name, password, address)
    except BadCredentials:
        return "checked"
    except TooManyAttempts:
        return "refused"
    return "in"


def test_parallel_attempts_check_at_most_the_limit(timed_store: Store, clock: Clock) -> None:
    accounts = Accounts(timed_store.engine, clock, LIMITS)
    accounts.create_user("ana", PASSWORD, "agent")
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(
            pool.map(lambda i: _outcome(accounts, "ana", f"guess {i}", f"10.0.0.{i}"), range(30))
        )
    assert outcomes.count("checked") == LIMITS.per_user
    assert outcomes.count("refused") == 30 - LIMITS.per_user
    # The right password is refused too until the window closes, then works and clears the count.
    assert _outcome(accounts, "ana", PASSWORD, "10.0.0.99") == "refused"
    clock.now += LIMITS.window
    assert _outcome(accounts, "ana", PASSWORD, "10.0.0.99") == "in"
    assert raw_count(timed_store, "user", "ana") is None


def raw_count(store: Store, kind: str, key: str) -> int | None:
    rows = raw(
        store.engine.url.render_as_string(hide_password=False),
        "SELECT count FROM login_attempts WHERE kind = :kind AND key = :key",
        kind=kind,
        key=key,
    )
    return rows[0][0] if rows else None


def test_usernames_and_addresses_are_limited_apart(timed_store: Store, clock: Clock) -> None:
    accounts = Accounts(timed_store.engine, clock, LIMITS)
    accounts.create_user("ana", PASSWORD, "agent")
    # One name from ever new addresses: the name's limit.
    tries = [_outcome(accounts, "ANA", "guess", f"10.0.1.{i}") for i in range(5)]
    assert tries == ["checked"] * 3 + ["refused"] * 2
    # One address trying ever new names: the address's limit.
    tries = [_outcome(accounts, f"user{i}", "guess", "10.0.2.1") for i in range(7)]
    assert tries == ["checked"] * 5 + ["refused"] * 2
    # Successes do not use up an address (an office of agents behind one address).
    accounts.create_user("bob", PASSWORD, "agent")
    for _ in range(8):
        assert _outcome(accounts, "bob", PASSWORD, "10.0.3.1") == "in"
    assert raw_count(timed_store, "address", "10.0.3.1") == 0


def test_two_servers_on_one_database_share_the_limit(
    timed_store: Store, clock: Clock, database_url: str
) -> None:
    first = Accounts(timed_store.engine, clock, LIMITS)
    first.create_user("ana", PASSWORD, "agent")
    other_engine = connect(database_url)
    try:
        second = Accounts(other_engine, clock, LIMITS)
        outcomes = [_outcome(accounts, "ana", "guess", None) for accounts in [first, second] * 3]
    finally:
        other_engine.dispose()
    assert outcomes == ["checked"] * 3 + ["refused"] * 3


def test_counts_whose_window_closed_are_purged(timed_store: Store, clock: Clock) -> None:
    accounts = Accounts(timed_store.engine, clock, LIMITS)
    for name in ("old1", "old2"):
        _outcome(accounts, name, "guess", "10.0.4.1")
    clock.now += LIMITS.window + dt.timedelta(seconds=1)
    _outcome(accounts, "new", "guess", "10.0.4.2")
    assert raw_count(timed_store, "user", "old1") is None
    assert raw_count(timed_store, "address", "10.0.4.1") is None
    assert raw_count(timed_store, "user", "new") == 1
