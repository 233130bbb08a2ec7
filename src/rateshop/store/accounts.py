"""Agents and admins: users, their login sessions, the comparisons they made and their notes.

::

    users              one per person who logs in: unique username, argon2 hash, role
    login_sessions     one per login: SHA-256 of the cookie's random token (never the token), expiry
    comparison_agents  which agent made which comparison (a comparison has at most one)
    notes              an agent's notes on a comparison
    login_attempts     log-in attempts counted per username and per client address, in a window

Agent links and notes go with their comparison (ON DELETE CASCADE), so deleting or purging a
comparison removes them in the same statement; a user's sessions go with the user.

Log-in attempts are counted in the database, so every worker process and every server on the same
database shares one limit. An attempt is reserved (counted) in its own transaction BEFORE the
password is checked: many parallel tries cannot all pass a check that reads the count first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    case,
    delete,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from rateshop.store.comparison_rows import summaries, summary_query
from rateshop.store.database import transaction
from rateshop.store.errors import ComparisonNotFound, StoreError, StoreFailure
from rateshop.store.models import Base, ComparisonRow, Id, UTCDateTime
from rateshop.store.records import ComparisonSummary

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

ROLES = ("agent", "admin")
SESSION_HOURS = 12
TOKEN_BYTES = 32
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 10
ATTEMPT_KINDS = ("user", "address")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name costs as long as a wrong
    password and the response time does not tell which usernames exist. Made on the first log-in,
    not at import: hashing is deliberately slow, and most processes never log anyone in."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(StoreError):
    """Base of the errors about users and their sessions."""


class InvalidAccount(AccountError):
    """A username, password or role that cannot be stored (the message says which rule)."""


class UserExists(AccountError):
    """Another user already has this username."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"a user named {username!r} already exists")


class BadCredentials(AccountError):
    """The username and password do not match a user (never says which of the two is wrong)."""

    def __init__(self) -> None:
        super().__init__("The username or password is not right.")


class TooManyAttempts(AccountError):
    """Too many log-in attempts for this username or from this address: wait ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1.0, retry_after)
        minutes = max(1, round(self.retry_after / 60))
        super().__init__(
            f"Too many failed attempts. Try again in {minutes} minute{'' if minutes == 1 else 's'}."
        )


class UserRow(Base):
    """A person who logs in: an agent or an admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime]


class LoginSessionRow(Base):
    """A login: the cookie holds a random token, the database only its SHA-256."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class ComparisonAgentRow(Base):
    """The agent who made a comparison."""

    __tablename__ = "comparison_agents"

    comparison_id: Mapped[int] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class NoteRow(Base):
    """An agent's note on a comparison."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class LoginAttemptRow(Base):
    """Log-in attempts of one username or one client address since ``window_start``."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        CheckConstraint(f"kind IN {ATTEMPT_KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(128))
    count: Mapped[int]
    window_start: Mapped[dt.datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class LoginLimits:
    """How many log-in attempts a username, and a client address, may make in one window."""

    per_user: int = 5
    per_address: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class User:
    """A user as the web pages see it: never the password hash."""

    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Note:
    """One note on a comparison, with its author's username."""

    author: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Search:
    """What to look for among an agent's comparisons; empty fields match everything."""

    line: str = ""
    state: str = ""
    ref: str = ""
    day: dt.date | None = None


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a session token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_account(username: str, password: str, role: str) -> None:
    """Raise :class:`InvalidAccount` unless the three can make a user."""
    if not 3 <= len(username) <= 64 or not set(username) <= USERNAME_CHARS:
        raise InvalidAccount(
            "a username is 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"a password has at least {MIN_PASSWORD} characters")
    if role not in ROLES:
        raise InvalidAccount(f"a role is one of {', '.join(ROLES)}, not {role!r}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _take(
    session: Session, kind: str, key: str, limit: int, now: dt.datetime, window: dt.timedelta
) -> float | None:
    """Count one attempt of ``key`` unless it has used ``limit`` in its window.

    None when counted, else the seconds until its window closes. One conditional UPDATE does the
    check and the count together: PostgreSQL locks the row for it, SQLite the whole database.
    """
    row = LoginAttemptRow
    expired = row.window_start <= now - window
    connection = session.connection()
    insert: Callable[[type[LoginAttemptRow]], sqlite.Insert | postgresql.Insert] = sqlite.insert
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # imported by a PostgreSQL store only

        insert = postgresql.insert
    for _ in range(3):
        counted = connection.execute(
            update(row)
            .where(row.kind == kind, row.key == key, or_(expired, row.count < limit))
            .values(
                count=case((expired, 1), else_=row.count + 1),
                window_start=case((expired, literal(now, UTCDateTime())), else_=row.window_start),
            )
        )
        if counted.rowcount > 0:
            return None
        made = connection.scalar(
            insert(row)
            .values(kind=kind, key=key, count=1, window_start=now)
            .on_conflict_do_nothing(index_elements=["kind", "key"])
            .returning(row.id)
        )
        if made is not None:
            return None
        held = connection.execute(
            select(row.window_start, row.count).where(row.kind == kind, row.key == key)
        ).first()
        if held is not None:
            start, used = held
            if start > now - window and used >= limit:
                return (start + window - now).total_seconds()
        # Another attempt made the row, or a purge removed it, between the statements: again.
    return window.total_seconds()


def _forgive(session: Session, keys: list[tuple[str, str]]) -> None:
    """After a success: clear the username's count and give the address back its attempt."""
    row = LoginAttemptRow
    for kind, key in keys:
        if kind == "user":
            session.execute(
                delete(row).where(row.kind == kind, row.key == key),
                execution_options={"synchronize_session": False},
            )
        else:
            session.execute(
                update(row)
                .where(row.kind == kind, row.key == key, row.count > 0)
                .values(count=row.count - 1),
                execution_options={"synchronize_session": False},
            )


class Accounts:
    """Every query about users, sessions, agents' comparisons and notes, over the store's database."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], dt.datetime] = _now,
        limits: LoginLimits = LoginLimits(),
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock
        self.limits = limits

    def _transaction(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions)

    # ---------------------------------------------------------------- users and sessions
    def create_user(self, username: str, password: str, role: str) -> User:
        """Add a user with an argon2 hash of ``password``; :class:`UserExists` if the name is taken."""
        check_account(username, password, role)
        row = UserRow(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            created_at=self._clock(),
        )
        try:
            with self._transaction() as session:
                session.add(row)
        except StoreFailure as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise UserExists(username) from exc
            raise
        return User(row.id, row.username, row.role)

    def log_in(self, username: str, password: str, address: str | None = None) -> tuple[User, str]:
        """Check the password and open a session; returns the user and the token for the cookie.

        The attempt is counted first, against ``username`` and (for a request from the network)
        the client's ``address``: :class:`TooManyAttempts`, before any password is checked, when
        either has used its limit. :class:`BadCredentials` for an unknown user or a wrong password
        alike. A success clears the username's count and gives the address its attempt back.
        """
        keys = [("user", username.casefold()[:128])]
        if address is not None:
            keys.append(("address", address[:128]))
        self._reserve(keys)
        with self._transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            try:
                _hasher.verify(row.password_hash if row else _dummy_hash(), password)
            except (VerificationError, InvalidHashError):
                row = None
            if row is None:
                raise BadCredentials()
            token = secrets.token_urlsafe(TOKEN_BYTES)
            now = self._clock()
            session.add(
                LoginSessionRow(
                    token_hash=token_hash(token),
                    user_id=row.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                )
            )
            _forgive(session, keys)
            # Sessions that ran out are of no use to anyone: drop them while we are here.
            session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at <= now))
            return User(row.id, row.username, row.role), token

    def _reserve(self, keys: list[tuple[str, str]]) -> None:
        """Count one log-in attempt for each of ``keys``, all or none; :class:`TooManyAttempts` if not.

        The count is committed before the caller checks a password, so parallel attempts see
        each other's: at most the limit of them ever reach the check.
        """
        now = self._clock()
        limits = {"user": self.limits.per_user, "address": self.limits.per_address}
        with self._transaction() as session:
            for kind, key in keys:
                wait = _take(session, kind, key, limits[kind], now, self.limits.window)
                if wait is not None:
                    raise TooManyAttempts(wait)  # rolls the transaction back: nothing counted
        # Counts whose window closed are of no use to anyone: drop them (never waiting on a row
        # another attempt holds, so this cannot deadlock with one).
        stale = (
            select(LoginAttemptRow.id)
            .where(LoginAttemptRow.window_start <= now - self.limits.window)
            .with_for_update(skip_locked=True)
        )
        with self._transaction() as session:
            session.execute(
                delete(LoginAttemptRow).where(LoginAttemptRow.id.in_(stale)),
                execution_options={"synchronize_session": False},
            )

    def user_for(self, token: str) -> User | None:
        """The user of an unexpired session token, or None."""
        with self._transaction() as session:
            found = session.execute(
                select(UserRow.id, UserRow.username, UserRow.role)
                .join(LoginSessionRow, LoginSessionRow.user_id == UserRow.id)
                .where(
                    LoginSessionRow.token_hash == token_hash(token),
                    LoginSessionRow.expires_at > self._clock(),
                )
            ).first()
        return None if found is None else User(found[0], found[1], found[2])

    def log_out(self, token: str) -> None:
        """End the session of ``token`` (nothing happens if there is none)."""
        with self._transaction() as session:
            session.execute(
                delete(LoginSessionRow).where(LoginSessionRow.token_hash == token_hash(token))
            )

    # ---------------------------------------------------------------- agents' comparisons
    def _comparison_id(self, session: Session, ref: str) -> int:
        found = session.scalar(select(ComparisonRow.id).where(ComparisonRow.ref == ref))
        if found is None:
            raise ComparisonNotFound(ref)
        return found

    def link(self, ref: str, user: User) -> None:
        """Record that ``user`` made comparison ``ref``."""
        with self._transaction() as session:
            comparison_id = self._comparison_id(session, ref)
            session.add(ComparisonAgentRow(comparison_id=comparison_id, user_id=user.id))

    def made_by(self, ref: str, user: User) -> bool:
        """Whether ``user`` made comparison ``ref``."""
        with self._transaction() as session:
            found = session.scalar(
                select(ComparisonAgentRow.user_id)
                .join(ComparisonRow, ComparisonRow.id == ComparisonAgentRow.comparison_id)
                .where(ComparisonRow.ref == ref)
            )
        return found == user.id

    def comparisons(self, user: User, search: Search, limit: int = 100) -> list[ComparisonSummary]:
        """The comparisons ``user`` made that match ``search``, newest first."""

        query = (
            summary_query()
            .join(ComparisonAgentRow, ComparisonAgentRow.comparison_id == ComparisonRow.id)
            .where(ComparisonAgentRow.user_id == user.id)
            .limit(limit)
        )
        if search.line:
            query = query.where(ComparisonRow.line == search.line)
        if search.state:
            query = query.where(ComparisonRow.state == search.state.upper())
        if search.ref:
            # A literal piece of the reference: LIKE's wildcards in it match only themselves.
            escaped = search.ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(ComparisonRow.ref.like(f"%{escaped}%", escape="\\"))
        if search.day is not None:
            start = dt.datetime.combine(search.day, dt.time(), dt.UTC)
            query = query.where(
                ComparisonRow.created_at >= start,
                ComparisonRow.created_at < start + dt.timedelta(days=1),
            )
        with self._transaction() as session:
            return summaries(session, query)

    # ---------------------------------------------------------------- notes
    def add_note(self, ref: str, author: User, text: str) -> Note:
        """Add ``author``'s note to comparison ``ref``."""
        text = text.strip()
        if not text or len(text) > 5000:
            raise InvalidAccount("a note is 1 to 5000 characters")
        now = self._clock()
        with self._transaction() as session:
            comparison_id = self._comparison_id(session, ref)
            session.add(
                NoteRow(comparison_id=comparison_id, author_id=author.id, text=text, created_at=now)
            )
        return Note(author.username, text, now)

    def notes(self, ref: str) -> list[Note]:
        """The notes on comparison ``ref``, oldest first."""
        with self._transaction() as session:
            comparison_id = self._comparison_id(session, ref)
            rows = session.execute(
                select(UserRow.username, NoteRow.text, NoteRow.created_at)
                .join(UserRow, UserRow.id == NoteRow.author_id)
                .where(NoteRow.comparison_id == comparison_id)
                .order_by(NoteRow.created_at, NoteRow.id)
            ).all()
        return [Note(author, text, when) for author, text, when in rows]
