"""Agents and admins: users, their login sessions, the comparisons they made and their notes.

::

    users              one per person who logs in: unique username, argon2 hash, role
    login_sessions     one per login: SHA-256 of the cookie's random token (never the token), expiry
    comparison_agents  which agent made which comparison (a comparison has at most one)
    notes              an agent's notes on a comparison

Agent links and notes go with their comparison (ON DELETE CASCADE), so deleting or purging a
comparison removes them in the same statement; a user's sessions go with the user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from rateshop.store.database import transaction
from rateshop.store.errors import ComparisonNotFound, StoreError, StoreFailure
from rateshop.store.models import Base, ComparisonRow, Id
from rateshop.store.records import ComparisonSummary
from rateshop.store.repository import summaries, summary_query

ROLES = ("agent", "admin")
SESSION_HOURS = 12
TOKEN_BYTES = 32
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password
# and the response time does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


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


class Accounts:
    """Every query about users, sessions, agents' comparisons and notes, over the store's database."""

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = _now) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

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

    def log_in(self, username: str, password: str) -> tuple[User, str]:
        """Check the password and open a session; returns the user and the token for the cookie.

        :class:`BadCredentials` for an unknown user or a wrong password alike.
        """
        with self._transaction() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            try:
                _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
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
            # Sessions that ran out are of no use to anyone: drop them while we are here.
            session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at <= now))
            return User(row.id, row.username, row.role), token

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
