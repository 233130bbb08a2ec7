"""Leads: a shopper's consent to be contacted by ONE agency about one comparison, and assignment.

A lead's contact details are encrypted with the store's cipher; assigning a lead to an agent makes
the shopper that agent's client (see :mod:`rateshop.store.agency`), with the comparison filed under
them. Only the holder of the comparison's owner key can make a lead.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from sqlalchemy import Select, func, select

from rateshop.store.accounts import UserRow
from rateshop.store.agency import AgencyStore
from rateshop.store.agency_models import ClientComparisonRow, ClientRow, LeadRow
from rateshop.store.agency_records import Client, Identity, Lead, Scope
from rateshop.store.errors import ComparisonNotFound, LeadNotFound, OwnerKeyRejected
from rateshop.store.models import ComparisonRow
from rateshop.store.repository import key_hash


class AgencyLeads:
    """The agencies' lead inboxes, over an :class:`AgencyStore`'s database."""

    def __init__(self, agencies: AgencyStore) -> None:
        self.agencies = agencies

    def add_lead(
        self,
        agency_id: int,
        ref: str,
        contact: dict[str, str],
        *,
        owner_key: str,
        wording: str,
        consent_version: str,
    ) -> Lead:
        """Put a shopper's request to be contacted in the agency's inbox, with its consent.

        Only the holder of the comparison's owner key may ask (:class:`OwnerKeyRejected`); asking
        the same agency again about the same comparison replaces the details given before.
        """
        token = self.agencies.cipher.encrypt(contact)
        now = self.agencies.clock()
        self.agencies.agency(agency_id)
        with self.agencies.transaction() as session:
            found = session.execute(
                select(ComparisonRow.id, ComparisonRow.owner_key_hash).where(
                    ComparisonRow.ref == ref
                )
            ).one_or_none()
            if found is None:
                raise ComparisonNotFound(ref)
            comparison_id, stored = found
            if stored is None or not hmac.compare_digest(stored, key_hash(owner_key)):
                raise OwnerKeyRejected(ref)
            row = session.scalar(
                select(LeadRow).where(
                    LeadRow.agency_id == agency_id, LeadRow.comparison_id == comparison_id
                )
            )
            if row is None:
                row = LeadRow(agency_id=agency_id, comparison_id=comparison_id)
                session.add(row)
            row.contact, row.consented_at = token, now
            row.wording, row.consent_version = wording, consent_version
            session.flush()
            lead_id = row.id
        return self.lead(agency_id, lead_id)

    def _lead_query(self) -> Select[LeadRow, str, str, str, str]:
        return (
            select(
                LeadRow,
                ComparisonRow.ref,
                ComparisonRow.line,
                ComparisonRow.state,
                UserRow.username,
            )
            .join(ComparisonRow, ComparisonRow.id == LeadRow.comparison_id)
            .outerjoin(UserRow, UserRow.id == LeadRow.assigned_to)
            .order_by(LeadRow.consented_at.desc(), LeadRow.id.desc())
        )

    @staticmethod
    def _lead(found: tuple[LeadRow, str, str, str, str | None]) -> Lead:
        row, ref, line, state, agent = found
        return Lead(
            row.id,
            ref,
            line,
            state,
            row.consented_at,
            row.wording,
            row.consent_version,
            agent,
            row.client_id,
        )

    def leads(self, agency_id: int, limit: int = 200) -> list[Lead]:
        """The agency's inbox, newest first: assigned and not yet assigned."""
        with self.agencies.transaction() as session:
            rows = session.execute(
                self._lead_query().where(LeadRow.agency_id == agency_id).limit(limit)
            ).all()
        return [self._lead(r) for r in rows]

    def lead(self, agency_id: int, lead_id: int) -> Lead:
        """One lead of the agency; :class:`LeadNotFound` for an unknown or another agency's."""
        with self.agencies.transaction() as session:
            found = session.execute(
                self._lead_query().where(LeadRow.agency_id == agency_id, LeadRow.id == lead_id)
            ).first()
        if found is None:
            raise LeadNotFound(f"agency {agency_id} has no lead {lead_id}")
        return self._lead(found)

    def assign_lead(self, agency_id: int, lead_id: int, agent_id: int) -> Client:
        """Give a lead to one of the agency's agents: it becomes their client, with its comparison.

        Assigning it again moves the client (and the lead) to the new agent.
        """
        now = self.agencies.clock()
        with self.agencies.transaction() as session:
            self.agencies.check_member(session, agency_id, agent_id)
            row = session.scalar(
                select(LeadRow).where(LeadRow.agency_id == agency_id, LeadRow.id == lead_id)
            )
            if row is None:
                raise LeadNotFound(f"agency {agency_id} has no lead {lead_id}")
            risk = session.scalar(
                select(ComparisonRow.risk).where(ComparisonRow.id == row.comparison_id)
            )
            if row.client_id is None:
                given = self.agencies.cipher.decrypt(row.contact)
                identity = Identity(
                    name=given.get("name", "") or "(no name given)",
                    email=given.get("email", ""),
                    phone=given.get("phone", ""),
                )
                client = self.agencies.new_client(
                    session, agency_id, agent_id, identity, _zip_of(risk)
                )
                session.add(
                    ClientComparisonRow(
                        comparison_id=row.comparison_id, client_id=client.id, added_at=now
                    )
                )
                row.client_id = client.id
            else:
                client = session.get_one(ClientRow, row.client_id)
                client.agent_id = agent_id
            row.assigned_to, row.assigned_at = agent_id, now
            client_id = client.id
        return self.agencies.client(Scope(agency_id, None), client_id)

    def counts(self, agency_id: int) -> dict[str, int]:
        """How many clients and unassigned leads the agency has (for its front page)."""
        with self.agencies.transaction() as session:
            clients = session.scalar(
                select(func.count()).select_from(ClientRow).where(ClientRow.agency_id == agency_id)
            )
            waiting = session.scalar(
                select(func.count())
                .select_from(LeadRow)
                .where(LeadRow.agency_id == agency_id, LeadRow.assigned_to.is_(None))
            )
        return {"clients": clients or 0, "waiting": waiting or 0}


def _zip_of(risk: object) -> str:
    """The first ZIP code in a stored risk (the dwelling's, the first vehicle's, the applicant's)."""
    for value in _walk(risk):
        if isinstance(value, tuple) and value[0].endswith("zip") and isinstance(value[1], str):
            return value[1]
    return ""


def _walk(value: object) -> Iterable[object]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (str(key), item)
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
