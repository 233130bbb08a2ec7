"""Every query of the store: save, read, list, export, delete and purge comparisons; record consent.

A little over 500 lines on purpose: it is the one class, :class:`Store`, whose methods are each
one transaction over the same tables; how a comparison becomes rows and is read back lives in
:mod:`rateshop.store.comparison_rows`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker

from rateshop.compare.service import Comparison, request_facts
from rateshop.config import Settings, settings
from rateshop.errors import FieldProblem, RateshopError, RiskError
from rateshop.rating.quote import ManualRef
from rateshop.store.cipher import ContactCipher, check_contact
from rateshop.store.comparison_rows import (
    answer_row,
    consent_record,
    manuals_of,
    stored_comparison,
    summaries,
    summary_query,
)
from rateshop.store.database import connect, transaction
from rateshop.store.errors import (
    CarrierNotInComparison,
    ComparisonNotFound,
    OwnerKeyRejected,
    StoreError,
)
from rateshop.store.models import AnswerRow, ComparisonRow, ContactRow, ManualVersionRow
from rateshop.store.privacy import storable_risk
from rateshop.store.records import (
    ComparisonSummary,
    ConsentRecord,
    StoredComparison,
)
from rateshop.store.uploads import Uploads

log = logging.getLogger(__name__)

REF_BYTES = 24  # 192 random bits: a reference cannot be guessed, so it can be a link's only secret
OWNER_KEY_BYTES = 32


def new_ref() -> str:
    """A fresh comparison reference: 32 URL-safe characters from the operating system's CSPRNG."""
    return secrets.token_urlsafe(REF_BYTES)


def new_owner_key() -> str:
    """A fresh owner key: the shopper's second secret, needed to delete or to consent to contact."""
    return secrets.token_urlsafe(OWNER_KEY_BYTES)


def key_hash(key: str) -> str:
    """What the store keeps of a key: its SHA-256, so a leaked database gives no key away."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def utcnow() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


# What :meth:`Store.save` takes: the comparison, its risk, its data made already (or None), the
# reference and the owner key (or None).
Save = tuple[Comparison, Mapping[str, Any], "Mapping[str, Any] | None", "str | None", "str | None"]


# A save's statements on the tables themselves, built once: without the ORM's bookkeeping per row
# and without building and compiling a statement per save, which cost more than the inserts.
_COMPARISONS = cast(Table, ComparisonRow.__table__)
_INSERT_COMPARISON = insert(_COMPARISONS).returning(_COMPARISONS.c.id)
# Many comparisons at once, their ids in the order given (one statement where the driver can).
_INSERT_COMPARISONS = insert(_COMPARISONS).returning(
    _COMPARISONS.c.id, sort_by_parameter_order=True
)
_INSERT_ANSWERS = insert(cast(Table, AnswerRow.__table__))


@dataclass
class _Prepared:
    """A comparison made into the rows a save writes, before any database work."""

    ref: str
    comparison: dict[str, Any]
    answers: list[dict[str, Any]]
    manuals: list[ManualRef]


class Store:
    """Saved comparisons in a SQL database (SQLite or PostgreSQL) whose schema is at head.

    Create the schema first with :func:`rateshop.store.migrate.upgrade`. Every method runs in its
    own transaction and either does all its work or raises and changes nothing.
    """

    def __init__(
        self,
        url: str,
        cipher: ContactCipher,
        *,
        retention_days: int = 365,
        clock: Callable[[], dt.datetime] = utcnow,
        pause_mid_save: float = 0.0,
    ) -> None:
        self.engine = connect(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._cipher = cipher
        self.retention_days = retention_days
        self._clock = clock
        self._pause_mid_save = pause_mid_save
        # Content hashes of manual versions this store has seen committed: a save citing only
        # these skips the insert-or-ignore, a round trip. Versions are never deleted.
        self._known_manuals: set[str] = set()
        self.uploads = Uploads(self.engine)

    @classmethod
    def open(cls, config: Settings | None = None) -> Store:
        """The store the settings describe (``RATESHOP_DATABASE_URL`` and friends).

        Raises :class:`~rateshop.store.errors.SecretKeyMissing` before touching the database when
        ``RATESHOP_SECRET_KEY`` is missing outside dev mode.
        """
        config = config or settings()
        cipher = ContactCipher.from_settings(config)
        return cls(
            config.database_url,
            cipher,
            retention_days=config.retention_days,
            pause_mid_save=config.test_pause_mid_save,
        )

    def close(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions)

    def save(
        self,
        comparison: Comparison,
        risk: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
        *,
        ref: str | None = None,
        owner_key: str | None = None,
    ) -> str:
        """Store ``comparison`` of ``risk`` whole, in one transaction, and return its new reference.

        ``ref`` is a reference made beforehand with :func:`new_ref` (a new one by default);
        ``owner_key`` (from :func:`new_owner_key`) is the shopper's key to delete the comparison and
        to consent to contact: only its hash is kept. Without one, neither can be done through
        :meth:`delete` or :meth:`record_contact` (the retention purge still removes it).

        The risk is kept without identity fields (see :mod:`rateshop.store.privacy`); it must be the
        one compared (same line, state and effective date) or this raises
        :class:`~rateshop.errors.RiskError`. ``data``, when given, is ``comparison.to_dict()``
        already made by the caller: the answers are kept as it says rather than serialised again
        (worksheets make that the costliest part of a save).
        """
        item = self._prepared(comparison, risk, data, ref=ref, owner_key=owner_key)
        now = self._clock()
        with self._transaction() as session:
            self._note_manuals(session, self._new_manuals([item]), now)
            self._write(session, item, now)
        self._known_manuals.update(m.content_hash for m in item.manuals)
        return item.ref

    def save_many(self, saves: Sequence[Save]) -> list[str | RateshopError]:
        """Store several comparisons in ONE transaction, so a database that syncs each commit to
        disk (SQLite) syncs once for all of them; each one's reference, or its own error.

        Each is checked as :meth:`save` checks it; one that fails its checks is that one's error
        and the others are stored. If the transaction itself fails, each is saved alone, so one
        comparison's failure is never another's.
        """
        out: list[str | RateshopError] = []
        items: list[_Prepared] = []
        for save in saves:
            try:
                item = self._prepared(*save)
            except (StoreError, RiskError) as exc:
                out.append(exc)
                continue
            items.append(item)
            out.append(item.ref)
        if not items:
            return out
        now = self._clock()
        try:
            with self._transaction() as session:
                self._note_manuals(session, self._new_manuals(items), now)
                self._write_all(session, items, now)
        except StoreError:
            if len(items) == 1:
                raise
            return [
                r if isinstance(r, RateshopError) else self._save_alone(saves[i])
                for i, r in enumerate(out)
            ]
        self._known_manuals.update(m.content_hash for item in items for m in item.manuals)
        return out

    def _save_alone(self, save: Save) -> str | RateshopError:
        comparison, risk, data, ref, owner_key = save
        try:
            return self.save(comparison, risk, data, ref=ref, owner_key=owner_key)
        except (StoreError, RiskError) as exc:
            return exc

    def _prepared(
        self,
        comparison: Comparison,
        risk: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
        ref: str | None = None,
        owner_key: str | None = None,
    ) -> _Prepared:
        """A comparison checked and made into the rows a save writes (no database work)."""
        _check_same_request(comparison, risk)
        made = data if data is not None else comparison.to_dict(worksheet=True)
        answers = [
            *(("quote", a, b) for a, b in zip(comparison.quotes, made["quotes"], strict=True)),
            *(
                ("decline", a, b)
                for a, b in zip(comparison.declines, made["declines"], strict=True)
            ),
            *(("error", a, b) for a, b in zip(comparison.errors, made["errors"], strict=True)),
        ]
        return _Prepared(
            ref=ref or new_ref(),
            comparison={
                "line": comparison.line,
                "state": comparison.state,
                "effective": comparison.effective,
                "risk": storable_risk(risk),
                "owner_key_hash": key_hash(owner_key) if owner_key else None,
            },
            answers=[answer_row(i, kind, a, body) for i, (kind, a, body) in enumerate(answers)],
            manuals=manuals_of(comparison),
        )

    def _new_manuals(self, items: Sequence[_Prepared]) -> list[ManualRef]:
        found = {m.content_hash: m for item in items for m in item.manuals}
        return [m for h, m in found.items() if h not in self._known_manuals]

    def _write_all(self, session: Session, items: Sequence[_Prepared], now: dt.datetime) -> None:
        """Insert prepared comparisons and all their answers in two statements (the test hook's
        pause, when set, applies to each comparison as in :meth:`_write`)."""
        if self._pause_mid_save or len(items) == 1:
            for item in items:
                self._write(session, item, now)
            return
        ids = session.execute(
            _INSERT_COMPARISONS,
            [{"ref": i.ref, "created_at": now, **i.comparison} for i in items],
        ).scalars()
        rows = []
        for item, comparison_id in zip(items, ids, strict=True):
            for row in item.answers:
                row["comparison_id"] = comparison_id
                rows.append(row)
        session.execute(_INSERT_ANSWERS, rows)

    def _write(self, session: Session, item: _Prepared, now: dt.datetime) -> None:
        """Insert one prepared comparison and its answers in ``session``'s transaction."""
        comparison_id = session.execute(
            _INSERT_COMPARISON, {"ref": item.ref, "created_at": now, **item.comparison}
        ).scalar_one()
        rows = item.answers
        for row in rows:
            row["comparison_id"] = comparison_id
        # Every answer in one statement (executemany): one round trip however many carriers.
        if self._pause_mid_save:
            half = max(1, len(rows) // 2)
            session.execute(_INSERT_ANSWERS, rows[:half])
            self._pause(half, len(rows))
            session.execute(_INSERT_ANSWERS, rows[half:])
        else:
            session.execute(_INSERT_ANSWERS, rows)

    def _pause(self, written: int, total: int) -> None:
        # The crash test kills the process here: the transaction is open and holds some answers.
        log.warning(
            "test hook: pausing %.1f s mid-save, %d of %d answers written, not committed",
            self._pause_mid_save,
            written,
            total,
        )
        time.sleep(self._pause_mid_save)

    def _note_manuals(self, session: Session, manuals: list[ManualRef], now: dt.datetime) -> None:
        """Record the manual versions answers came from; ones seen before keep their first date."""
        if not manuals:
            return
        values = [
            {
                "carrier": m.carrier,
                "line": m.line,
                "state": m.state,
                "effective": m.effective,
                "version": m.version,
                "content_hash": m.content_hash,
                "first_seen": now,
            }
            for m in manuals
        ]
        dialect = session.get_bind().dialect.name
        # Insert-or-ignore in one statement, so two saves citing a new manual at once don't clash.
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql  # imported by a PostgreSQL store only

            pg = postgresql.insert(ManualVersionRow).values(values)
            session.execute(pg.on_conflict_do_nothing(index_elements=["content_hash"]))
        elif dialect == "sqlite":
            lite = sqlite.insert(ManualVersionRow).values(values)
            session.execute(lite.on_conflict_do_nothing(index_elements=["content_hash"]))
        else:
            known = set(
                session.scalars(
                    select(ManualVersionRow.content_hash).where(
                        ManualVersionRow.content_hash.in_([m.content_hash for m in manuals])
                    )
                )
            )
            session.add_all(ManualVersionRow(**v) for v in values if v["content_hash"] not in known)

    def get(self, ref: str, *, consents: bool = False) -> StoredComparison:
        """The comparison saved under ``ref``; :class:`ComparisonNotFound` if there is none.

        With ``consents`` it carries the shopper's consents to be contacted, never the contact
        details in them: those go only to the carrier chosen (:meth:`leads`).
        """
        with self._transaction() as session:
            row = session.scalar(
                select(ComparisonRow)
                .where(ComparisonRow.ref == ref)
                .options(selectinload(ComparisonRow.answers))
            )
            if row is None:
                raise ComparisonNotFound(ref)
            if not consents:
                return stored_comparison(row, ())
            contacts = session.scalars(
                select(ContactRow)
                .where(ContactRow.comparison_id == row.id)
                .order_by(ContactRow.consented_at, ContactRow.id)
            ).all()
            return stored_comparison(
                row,
                tuple(consent_record(c, ref) for c in contacts),
            )

    def recent(self, limit: int = 20) -> list[ComparisonSummary]:
        """The latest ``limit`` comparisons, newest first, with their answer counts and best price."""
        with self._transaction() as session:
            return summaries(session, summary_query().limit(limit))

    def export(self, ref: str) -> dict[str, Any]:
        """All that is kept about comparison ``ref`` as JSON-ready data, for the shopper or an agent.

        Consents are listed (carrier, moment, wording); the contact details in them never are.
        """
        return self.get(ref, consents=True).export()

    def delete(self, ref: str, *, owner_key: str) -> None:
        """Delete comparison ``ref`` with its answers and contacts, for the holder of its owner key.

        Unknown refs raise :class:`ComparisonNotFound`; a wrong key (or a comparison made without
        one) raises :class:`OwnerKeyRejected` and deletes nothing.
        """
        with self._transaction() as session:
            comparison_id = self._owned(session, ref, owner_key)
            _deleted(session, ComparisonRow.id == comparison_id)
        log.info("comparison %d deleted by its owner", comparison_id)

    @staticmethod
    def _owned(session: Session, ref: str, owner_key: str) -> int:
        """The id of comparison ``ref`` if ``owner_key`` is its owner key; raises otherwise."""
        row = session.execute(
            select(ComparisonRow.id, ComparisonRow.owner_key_hash).where(ComparisonRow.ref == ref)
        ).one_or_none()
        if row is None:
            raise ComparisonNotFound(ref)
        comparison_id, stored = row
        if stored is None or not hmac.compare_digest(stored, key_hash(owner_key)):
            raise OwnerKeyRejected(ref)
        return int(comparison_id)

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete every comparison older than the retention period; returns how many went."""
        now = now or self._clock()
        if now.tzinfo is None:
            raise ValueError("purge needs a timezone-aware moment")
        cutoff = now - dt.timedelta(days=self.retention_days)
        with self._transaction() as session:
            gone = _deleted(session, ComparisonRow.created_at < cutoff)
        if gone:
            log.info("purged %d comparisons older than %s", gone, cutoff.isoformat())
        return gone

    def record_contact(
        self,
        ref: str,
        carrier: str,
        contact: Mapping[str, str],
        *,
        owner_key: str,
        wording: str,
        consent_version: str,
    ) -> ConsentRecord:
        """Record the shopper's consent to give ``contact`` to ONE carrier of comparison ``ref``.

        Only the holder of the comparison's owner key may consent (:class:`OwnerKeyRejected`
        otherwise); the carrier must have answered in the comparison (:class:`CarrierNotInComparison`
        otherwise). The details are stored encrypted; ``wording`` is the server's consent text the
        shopper agreed to, in version ``consent_version``. Consenting again to the same carrier
        replaces the details given before.
        """
        check_contact(contact)
        now = self._clock()
        with self._transaction() as session:
            comparison_id = self._owned(session, ref, owner_key)
            carriers = list(
                session.scalars(
                    select(AnswerRow.carrier)
                    .where(AnswerRow.comparison_id == comparison_id)
                    .order_by(AnswerRow.position)
                )
            )
            # Exactly one carrier, by its id: a list or a group of carriers is never accepted.
            if not isinstance(carrier, str) or carrier not in carriers:
                raise CarrierNotInComparison(ref, str(carrier), carriers)
            # One lead per carrier and comparison: consenting again replaces the details (a
            # corrected e-mail), it never sends the carrier a second lead.
            row = session.scalar(
                select(ContactRow).where(
                    ContactRow.comparison_id == comparison_id, ContactRow.carrier == carrier
                )
            )
            if row is None:
                row = ContactRow(comparison_id=comparison_id, carrier=carrier)
                session.add(row)
            row.contact = self._cipher.encrypt(contact)
            row.consented_at = now
            row.wording = wording
            row.consent_version = consent_version
        return ConsentRecord(
            ref=ref,
            carrier=carrier,
            consented_at=now,
            wording=wording,
            consent_version=consent_version,
        )

    def leads(
        self, carrier: str, *, since: dt.datetime | None = None, limit: int = 100
    ) -> list[ConsentRecord]:
        """The contact details shoppers gave ``carrier`` with consent, decrypted, oldest first.

        Only for the carrier itself (the caller has authenticated it): the one place contact
        details leave the store in clear. ``since`` skips consents given at or before it.
        """
        query = (
            select(ContactRow, ComparisonRow.ref)
            .join(ComparisonRow, ComparisonRow.id == ContactRow.comparison_id)
            .where(ContactRow.carrier == carrier)
            .order_by(ContactRow.consented_at, ContactRow.id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(ContactRow.consented_at > since)
        with self._transaction() as session:
            rows = session.execute(query).all()
            return [consent_record(c, ref, self._cipher.decrypt(c.contact)) for c, ref in rows]


def _deleted(session: Session, where: ColumnElement[bool]) -> int:
    """Delete the comparisons matching ``where``; the database cascades to answers and contacts."""
    result = session.execute(
        delete(ComparisonRow).where(where).execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def _check_same_request(comparison: Comparison, risk: Mapping[str, Any]) -> None:
    line, state, effective = request_facts(risk)
    problems = [
        FieldProblem(name, f"the risk says {asked} but the comparison is for {compared}")
        for name, asked, compared in (
            ("line", line, comparison.line),
            ("state", state, comparison.state),
            ("effective_date", effective, comparison.effective),
        )
        if asked != compared
    ]
    if problems:
        raise RiskError(problems)
