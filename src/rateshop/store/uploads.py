"""Manual versions uploaded to the market, kept in the database so every server learns of them.

An upload is one row (see :class:`~rateshop.store.models.ManualUploadRow`): the version's files
as text and its folder in the carrier's part of the manuals folder. Rows only ever come, in
``id`` order, so a server that has seen ``id`` N has every upload up to N: asking "what came
after N?" is one indexed query, cheap enough to ask every second on every worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rateshop.store.database import transaction
from rateshop.store.errors import StoreFailure, UploadExists
from rateshop.store.models import ManualUploadRow


@dataclass(frozen=True)
class Upload:
    """One uploaded manual version: its files by path inside the carrier's folder."""

    id: int
    content_hash: str
    carrier: str
    folder: str
    files: Mapping[str, str]
    uploaded_at: dt.datetime


class Uploads:
    """The uploads of one database (made by :attr:`rateshop.store.Store.uploads`)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def record(
        self,
        *,
        content_hash: str,
        carrier: str,
        folder: str,
        files: Mapping[str, str],
        at: dt.datetime,
    ) -> int:
        """Keep one uploaded version in one transaction; its ``id`` (servers' stamp) is returned.

        Raises :class:`UploadExists` when the same content, or another version in the same
        folder of that carrier, was uploaded before (by this server or another).
        """
        row = ManualUploadRow(
            content_hash=content_hash,
            carrier=carrier,
            folder=folder,
            files=dict(files),
            uploaded_at=at,
        )
        try:
            with transaction(self._sessions) as session:
                session.add(row)
                session.flush()
                return int(row.id)
        except StoreFailure as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise UploadExists(f"{carrier}/{folder} was uploaded already") from exc
            raise

    def latest(self) -> int:
        """The highest upload id (0 when none): what a server that is up to date has seen."""
        # Asked of the table, not of the mapped class: a server's start asks it before anything
        # else of the store, and an ORM query would set up every mapped class first.
        uploads = ManualUploadRow.__table__
        with transaction(self._sessions) as session:
            return int(session.scalar(select(func.coalesce(func.max(uploads.c.id), 0))) or 0)

    def after(self, seen: int) -> list[Upload]:
        """Every upload after id ``seen``, oldest first."""
        with transaction(self._sessions) as session:
            return [_upload(row) for row in _after(session, seen)]


def _after(session: Session, seen: int) -> list[ManualUploadRow]:
    query = select(ManualUploadRow).where(ManualUploadRow.id > seen).order_by(ManualUploadRow.id)
    return list(session.scalars(query))


def _upload(row: ManualUploadRow) -> Upload:
    return Upload(
        id=row.id,
        content_hash=row.content_hash,
        carrier=row.carrier,
        folder=row.folder,
        files={str(k): str(v) for k, v in row.files.items()},
        uploaded_at=row.uploaded_at,
    )
