"""Every query about agencies: members, clients and their search, notes, comparisons.

Leads are in :mod:`rateshop.store.agency_leads`; policies, renewal checks and the audit log in
:mod:`rateshop.store.agency_book`. Every read of
a client takes a :class:`~rateshop.store.agency_records.Scope`, so an agent's query can only ever
return their own clients and nothing of another agency: the rule lives in the SQL, not in callers.

Clients are searched without decrypting anyone, through keyed hashes (see
:mod:`rateshop.store.client_index`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased, sessionmaker

from rateshop.config import Settings
from rateshop.store.accounts import NoteRow, UserRow
from rateshop.store.agency_models import (
    MEMBER_ROLES,
    AgencyRow,
    ClientComparisonRow,
    ClientIndexRow,
    ClientNoteRow,
    ClientRow,
    MemberRow,
)
from rateshop.store.agency_records import (
    Agency,
    Client,
    ClientComparison,
    ClientNote,
    ClientSearch,
    Identity,
    Member,
    Scope,
)
from rateshop.store.cipher import ContactCipher, secret_from
from rateshop.store.client_index import SearchIndex, index_key
from rateshop.store.database import transaction
from rateshop.store.errors import (
    AgencyNotFound,
    ClientNotFound,
    ComparisonNotFound,
    InvalidAgencyData,
    NotAMember,
)
from rateshop.store.models import ComparisonRow
from rateshop.store.repository import utcnow


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AgencyStore:
    """Agencies, their members, leads and clients, over the store's database (schema at head)."""

    def __init__(
        self,
        engine: Engine,
        cipher: ContactCipher,
        search_key: bytes,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.cipher = cipher
        self.index = SearchIndex(search_key)
        self.clock = clock

    @classmethod
    def over(cls, engine: Engine, config: Settings) -> AgencyStore:
        """The agency store on ``engine`` with the cipher and search key of the settings' secret."""
        secret = secret_from(config)
        return cls(engine, ContactCipher(secret), index_key(secret))

    def transaction(self) -> AbstractContextManager[Session]:
        """One transaction on the store's database (for the book's queries too)."""
        return transaction(self._sessions)

    # ---------------------------------------------------------------- agencies and members
    def create_agency(self, name: str, licence: str) -> Agency:
        """A new agency; its name is unique and both name and licence number are required."""
        name, licence = name.strip(), licence.strip()
        if not 1 <= len(name) <= 200 or not 1 <= len(licence) <= 64:
            raise InvalidAgencyData("an agency has a name (1-200) and a licence number (1-64)")
        row = AgencyRow(name=name, licence=licence, created_at=self.clock())
        with self.transaction() as session:
            if session.scalar(select(AgencyRow.id).where(AgencyRow.name == name)) is not None:
                raise InvalidAgencyData(f"an agency named {name!r} exists already")
            session.add(row)
        return Agency(row.id, row.name, row.licence)

    def agencies(self) -> list[Agency]:
        """Every agency, by name (what a shopper picks from)."""
        with self.transaction() as session:
            rows = session.scalars(select(AgencyRow).order_by(AgencyRow.name)).all()
        return [Agency(r.id, r.name, r.licence) for r in rows]

    def agency(self, agency_id: int) -> Agency:
        """The agency with this id; :class:`AgencyNotFound` if none."""
        with self.transaction() as session:
            row = session.get(AgencyRow, agency_id)
        if row is None:
            raise AgencyNotFound(f"no agency has id {agency_id}")
        return Agency(row.id, row.name, row.licence)

    def agency_named(self, name: str) -> Agency:
        """The agency with this name; :class:`AgencyNotFound` if none."""
        with self.transaction() as session:
            row = session.scalar(select(AgencyRow).where(AgencyRow.name == name))
        if row is None:
            raise AgencyNotFound(f"no agency is named {name!r}")
        return Agency(row.id, row.name, row.licence)

    def add_member(self, agency_id: int, user_id: int, role: str) -> None:
        """Make a user an agent or admin of the agency (a user works for one agency at a time)."""
        if role not in MEMBER_ROLES:
            raise InvalidAgencyData(f"an agency role is one of {', '.join(MEMBER_ROLES)}")
        self.agency(agency_id)
        with self.transaction() as session:
            row = session.get(MemberRow, user_id)
            if row is None:
                session.add(MemberRow(user_id=user_id, agency_id=agency_id, role=role))
            else:
                row.agency_id, row.role = agency_id, role

    def membership(self, user_id: int) -> Member | None:
        """The user's agency and role, or None for a user of no agency."""
        with self.transaction() as session:
            found = session.execute(
                select(MemberRow, AgencyRow, UserRow.username)
                .join(AgencyRow, AgencyRow.id == MemberRow.agency_id)
                .join(UserRow, UserRow.id == MemberRow.user_id)
                .where(MemberRow.user_id == user_id)
            ).first()
        if found is None:
            return None
        member, agency, username = found
        return Member(
            user_id, username, Agency(agency.id, agency.name, agency.licence), member.role
        )

    def members(self, agency_id: int) -> list[tuple[int, str, str]]:
        """The agency's members as (user id, username, role), by username."""
        with self.transaction() as session:
            rows = session.execute(
                select(UserRow.id, UserRow.username, MemberRow.role)
                .join(MemberRow, MemberRow.user_id == UserRow.id)
                .where(MemberRow.agency_id == agency_id)
                .order_by(UserRow.username)
            ).all()
        return [(i, n, r) for i, n, r in rows]

    def check_member(self, session: Session, agency_id: int, user_id: int) -> None:
        """Raise :class:`NotAMember` unless the user is a member of the agency."""
        found = session.scalar(
            select(MemberRow.user_id).where(
                MemberRow.user_id == user_id, MemberRow.agency_id == agency_id
            )
        )
        if found is None:
            raise NotAMember(f"user {user_id} is not a member of agency {agency_id}")

    # ---------------------------------------------------------------- clients
    def create_client(
        self, agency_id: int, agent_id: int | None, identity: Identity, zip_code: str = ""
    ) -> Client:
        """A new client of the agency, held by ``agent_id`` (None: not yet given to an agent)."""
        with self.transaction() as session:
            if agent_id is not None:
                self.check_member(session, agency_id, agent_id)
            row = self.new_client(session, agency_id, agent_id, identity, zip_code)
            client_id = row.id
        return self.client(Scope(agency_id, None), client_id)

    def new_client(
        self,
        session: Session,
        agency_id: int,
        agent_id: int | None,
        identity: Identity,
        zip_code: str,
    ) -> ClientRow:
        """Add a client in ``session`` (the caller's transaction), with their search hashes."""
        name = identity.name.strip()
        if not 1 <= len(name) <= 200:
            raise InvalidAgencyData("a client has a name of 1 to 200 characters")
        zip_code = zip_code.strip()[:10]
        row = ClientRow(
            agency_id=agency_id,
            agent_id=agent_id,
            reference="C-" + secrets.token_hex(4).upper(),
            identity=self.cipher.encrypt(identity.fields()),
            zip=zip_code or None,
            created_at=self.clock(),
        )
        session.add(row)
        session.flush()
        session.execute(insert(ClientIndexRow), self.index.rows(agency_id, row.id, identity))
        return row

    def _clients(self, scope: Scope) -> Select[ClientRow, str]:
        agent = aliased(UserRow)
        query = (
            select(ClientRow, agent.username)
            .outerjoin(agent, agent.id == ClientRow.agent_id)
            .where(ClientRow.agency_id == scope.agency_id)
            .order_by(ClientRow.created_at.desc(), ClientRow.id.desc())
        )
        if scope.agent_id is not None:
            query = query.where(ClientRow.agent_id == scope.agent_id)
        return query

    @staticmethod
    def _client(row: ClientRow, agent: str | None) -> Client:
        return Client(
            row.id, row.agency_id, row.reference, row.agent_id, agent, row.zip, row.created_at
        )

    def clients(self, scope: Scope, search: ClientSearch, limit: int = 200) -> list[Client]:
        """The clients in ``scope`` matching every field of ``search`` given, newest first.

        A name matches when every word of it is a word of the client's name; e-mail and phone
        match exactly after normalising; the reference and ZIP by their start.
        """
        query = self._clients(scope).limit(limit)
        for condition in self.index.matching(scope.agency_id, search):
            query = query.where(ClientRow.id.in_(condition))
        if search.reference.strip():
            start = _escaped(search.reference.strip().upper())
            query = query.where(ClientRow.reference.like(f"{start}%", escape="\\"))
        if search.zip.strip():
            query = query.where(ClientRow.zip.like(f"{_escaped(search.zip.strip())}%", escape="\\"))
        with self.transaction() as session:
            return [self._client(r, a) for r, a in session.execute(query)]

    def client(self, scope: Scope, client_id: int) -> Client:
        """One client in ``scope``; :class:`ClientNotFound` for any other, whoever holds it."""
        with self.transaction() as session:
            found = session.execute(self._clients(scope).where(ClientRow.id == client_id)).first()
        if found is None:
            raise ClientNotFound(f"no client {client_id} for this user")
        return self._client(*found)

    def identity(self, scope: Scope, client_id: int) -> Identity:
        """Who the client is, decrypted (callers write the view to the audit log)."""
        with self.transaction() as session:
            token = session.scalar(
                select(ClientRow.identity).where(
                    ClientRow.id.in_(self._clients(scope).with_only_columns(ClientRow.id)),
                    ClientRow.id == client_id,
                )
            )
        if token is None:
            raise ClientNotFound(f"no client {client_id} for this user")
        fields = self.cipher.decrypt(token)
        return Identity(
            fields.get("name", ""),
            fields.get("email", ""),
            fields.get("phone", ""),
            fields.get("household", ""),
        )

    def update_identity(self, scope: Scope, client_id: int, identity: Identity) -> None:
        """Replace who the client is, and their search hashes."""
        if not 1 <= len(identity.name.strip()) <= 200:
            raise InvalidAgencyData("a client has a name of 1 to 200 characters")
        client = self.client(scope, client_id)
        with self.transaction() as session:
            row = session.get_one(ClientRow, client_id)
            row.identity = self.cipher.encrypt(identity.fields())
            session.execute(delete(ClientIndexRow).where(ClientIndexRow.client_id == client_id))
            session.execute(
                insert(ClientIndexRow), self.index.rows(client.agency_id, client_id, identity)
            )

    def delete_client(self, scope: Scope, client_id: int) -> int:
        """Delete a client with their notes, policies and comparisons; returns comparisons deleted."""
        self.client(scope, client_id)
        with self.transaction() as session:
            ids = list(
                session.scalars(
                    select(ClientComparisonRow.comparison_id).where(
                        ClientComparisonRow.client_id == client_id
                    )
                )
            )
            session.execute(delete(ClientRow).where(ClientRow.id == client_id))
            if ids:
                session.execute(delete(ComparisonRow).where(ComparisonRow.id.in_(ids)))
        return len(ids)

    # ---------------------------------------------------------------- a client's comparisons
    def _comparison_id(self, session: Session, ref: str) -> int:
        found = session.scalar(select(ComparisonRow.id).where(ComparisonRow.ref == ref))
        if found is None:
            raise ComparisonNotFound(ref)
        return found

    def add_comparison(
        self, scope: Scope, client_id: int, ref: str, previous_ref: str | None = None
    ) -> None:
        """File comparison ``ref`` with the client; ``previous_ref`` is the one it re-rates."""
        self.client(scope, client_id)
        with self.transaction() as session:
            comparison_id = self._comparison_id(session, ref)
            previous = None if previous_ref is None else self._comparison_id(session, previous_ref)
            session.add(
                ClientComparisonRow(
                    comparison_id=comparison_id,
                    client_id=client_id,
                    previous_id=previous,
                    added_at=self.clock(),
                )
            )

    def client_of(self, scope: Scope, ref: str) -> Client:
        """The client in ``scope`` whose comparison ``ref`` is; :class:`ClientNotFound` otherwise."""
        with self.transaction() as session:
            client_id = session.scalar(
                select(ClientComparisonRow.client_id)
                .join(ComparisonRow, ComparisonRow.id == ClientComparisonRow.comparison_id)
                .where(ComparisonRow.ref == ref)
            )
        if client_id is None:
            raise ClientNotFound("no client of this user has this comparison")
        return self.client(scope, client_id)

    def comparisons(self, scope: Scope, client_id: int) -> list[ClientComparison]:
        """The client's comparisons, newest first, each with the one it was re-rated from."""
        self.client(scope, client_id)
        previous = aliased(ComparisonRow)
        with self.transaction() as session:
            rows = session.execute(
                select(ComparisonRow, previous.ref)
                .join(ClientComparisonRow, ClientComparisonRow.comparison_id == ComparisonRow.id)
                .outerjoin(previous, previous.id == ClientComparisonRow.previous_id)
                .where(ClientComparisonRow.client_id == client_id)
                .order_by(ComparisonRow.created_at.desc(), ComparisonRow.id.desc())
            )
            return [
                ClientComparison(c.ref, c.created_at, c.line, c.state, c.effective, prev)
                for c, prev in rows
            ]

    def copy_comparison_notes(self, from_ref: str, to_ref: str) -> int:
        """Give comparison ``to_ref`` the notes of ``from_ref`` (a re-rating keeps its notes)."""
        with self.transaction() as session:
            source, target = (
                self._comparison_id(session, from_ref),
                self._comparison_id(session, to_ref),
            )
            notes = session.scalars(
                select(NoteRow).where(NoteRow.comparison_id == source).order_by(NoteRow.id)
            ).all()
            for note in notes:
                session.add(
                    NoteRow(
                        comparison_id=target,
                        author_id=note.author_id,
                        text=note.text,
                        created_at=note.created_at,
                    )
                )
        return len(notes)

    # ---------------------------------------------------------------- notes on a client
    def add_note(self, scope: Scope, client_id: int, author: Member, text: str) -> ClientNote:
        """Add ``author``'s note on the client."""
        text = text.strip()
        if not 1 <= len(text) <= 5000:
            raise InvalidAgencyData("a note is 1 to 5000 characters")
        self.client(scope, client_id)
        now = self.clock()
        with self.transaction() as session:
            session.add(
                ClientNoteRow(
                    client_id=client_id,
                    author_id=author.user_id,
                    author=author.username,
                    text=text,
                    created_at=now,
                )
            )
        return ClientNote(author.username, text, now)

    def notes(self, scope: Scope, client_id: int) -> list[ClientNote]:
        """The notes on the client, oldest first."""
        self.client(scope, client_id)
        with self.transaction() as session:
            rows = session.scalars(
                select(ClientNoteRow)
                .where(ClientNoteRow.client_id == client_id)
                .order_by(ClientNoteRow.created_at, ClientNoteRow.id)
            ).all()
        return [ClientNote(r.author, r.text, r.created_at) for r in rows]
