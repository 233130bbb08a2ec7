"""An agency's book: policies sold, renewal checks before they expire, and the audit log.

Like :mod:`rateshop.store.agency`, every read of a client's policies takes a
:class:`~rateshop.store.agency_records.Scope`; the renewal job alone reads across agencies, since it
runs for the whole platform from a scheduler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from rateshop.store.accounts import UserRow
from rateshop.store.agency import AgencyStore
from rateshop.store.agency_models import AuditRow, ClientRow, PolicyRow, RenewalCheckRow
from rateshop.store.agency_records import (
    AuditEntry,
    Client,
    Member,
    Policy,
    Renewal,
    RenewalCheck,
    Scope,
)
from rateshop.store.errors import InvalidAgencyData
from rateshop.store.models import ComparisonRow

AUDIT_ACTIONS = (
    "view_contact",
    "export_csv",
    "export_xlsx",
    "export_pdf",
    "delete_client",
    "edit_contact",
)


class AgencyBook:
    """Policies, renewal checks and the audit log, over an :class:`AgencyStore`'s database."""

    def __init__(self, agencies: AgencyStore) -> None:
        self.agencies = agencies

    # ---------------------------------------------------------------- policies
    def add_policy(
        self,
        scope: Scope,
        client_id: int,
        carrier: str,
        premium_cents: int,
        effective: dt.date,
        expiry: dt.date,
        comparison_ref: str | None = None,
    ) -> Policy:
        """Record a policy sold to the client (premium for the whole term, in cents)."""
        if premium_cents <= 0 or expiry <= effective or not 1 <= len(carrier) <= 64:
            raise InvalidAgencyData(
                "a policy has a carrier, a premium above zero and an expiry after its start"
            )
        self.agencies.client(scope, client_id)
        with self.agencies.transaction() as session:
            comparison_id = None
            if comparison_ref:
                comparison_id = session.scalar(
                    select(ComparisonRow.id).where(ComparisonRow.ref == comparison_ref)
                )
            row = PolicyRow(
                client_id=client_id,
                carrier=carrier,
                premium_cents=premium_cents,
                effective=effective,
                expiry=expiry,
                comparison_id=comparison_id,
                created_at=self.agencies.clock(),
            )
            session.add(row)
            session.flush()
            policy_id = row.id
        return self.policy(scope, policy_id)

    def _policies(self) -> Select[PolicyRow, str]:
        return (
            select(PolicyRow, ComparisonRow.ref)
            .outerjoin(ComparisonRow, ComparisonRow.id == PolicyRow.comparison_id)
            .order_by(PolicyRow.expiry, PolicyRow.id)
        )

    @staticmethod
    def _policy(row: PolicyRow, ref: str | None) -> Policy:
        return Policy(
            row.id, row.client_id, row.carrier, row.premium_cents, row.effective, row.expiry, ref
        )

    def policy(self, scope: Scope, policy_id: int) -> Policy:
        """One policy of a client in scope; :class:`InvalidAgencyData` for any other."""
        with self.agencies.transaction() as session:
            found = session.execute(self._policies().where(PolicyRow.id == policy_id)).first()
        if found is None:
            raise InvalidAgencyData(f"no policy {policy_id}")
        policy = self._policy(*found)
        self.agencies.client(scope, policy.client_id)
        return policy

    def policies(self, scope: Scope, client_id: int) -> list[Policy]:
        """The client's policies, soonest expiry first."""
        self.agencies.client(scope, client_id)
        with self.agencies.transaction() as session:
            rows = session.execute(self._policies().where(PolicyRow.client_id == client_id))
            return [self._policy(p, r) for p, r in rows]

    # ---------------------------------------------------------------- renewals
    def due(self, scope: Scope | None, today: dt.date, days: int) -> list[Renewal]:
        """Policies expiring from ``today`` to ``days`` later, soonest first, with their last check.

        ``scope`` None reads every agency's (the scheduled job); otherwise the member's scope.
        """
        agent = aliased(UserRow)
        query = (
            self._policies()
            .add_columns(ClientRow, agent.username)
            .join(ClientRow, ClientRow.id == PolicyRow.client_id)
            .outerjoin(agent, agent.id == ClientRow.agent_id)
            .where(PolicyRow.expiry >= today, PolicyRow.expiry <= today + dt.timedelta(days=days))
        )
        if scope is not None:
            query = query.where(ClientRow.agency_id == scope.agency_id)
            if scope.agent_id is not None:
                query = query.where(ClientRow.agent_id == scope.agent_id)
        with self.agencies.transaction() as session:
            rows = session.execute(query).all()
            checks = self._last_checks(session, [p.id for p, *_ in rows])
        return [
            Renewal(
                self._policy(p, ref),
                Client(c.id, c.agency_id, c.reference, c.agent_id, name, c.zip, c.created_at),
                checks.get(p.id),
            )
            for p, ref, c, name in rows
        ]

    @staticmethod
    def _last_checks(session: Session, policy_ids: Sequence[int]) -> dict[int, RenewalCheck]:
        if not policy_ids:
            return {}
        latest = (
            select(func.max(RenewalCheckRow.id))
            .where(RenewalCheckRow.policy_id.in_(policy_ids))
            .group_by(RenewalCheckRow.policy_id)
        )
        rows = session.execute(
            select(RenewalCheckRow, ComparisonRow.ref)
            .outerjoin(ComparisonRow, ComparisonRow.id == RenewalCheckRow.comparison_id)
            .where(RenewalCheckRow.id.in_(latest))
        )
        return {
            r.policy_id: RenewalCheck(
                r.policy_id,
                r.checked_at,
                ref,
                r.current_cents,
                r.best_carrier,
                r.best_cents,
                r.flagged,
            )
            for r, ref in rows
        }

    def record_check(self, check: RenewalCheck) -> None:
        """Keep the result of re-rating a policy before its renewal."""
        with self.agencies.transaction() as session:
            comparison_id = None
            if check.comparison_ref:
                comparison_id = session.scalar(
                    select(ComparisonRow.id).where(ComparisonRow.ref == check.comparison_ref)
                )
            session.add(
                RenewalCheckRow(
                    policy_id=check.policy_id,
                    checked_at=check.checked_at,
                    comparison_id=comparison_id,
                    current_cents=check.current_cents,
                    best_carrier=check.best_carrier,
                    best_cents=check.best_cents,
                    flagged=check.flagged,
                )
            )

    # ---------------------------------------------------------------- audit
    def audit(self, member: Member, action: str, subject: str) -> None:
        """Write one entry: ``member`` did ``action`` (see :data:`AUDIT_ACTIONS`) on ``subject``."""
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with self.agencies.transaction() as session:
            session.add(
                AuditRow(
                    agency_id=member.agency.id,
                    user_id=member.user_id,
                    username=member.username,
                    action=action,
                    subject=subject[:200],
                    at=self.agencies.clock(),
                )
            )

    def audit_log(self, agency_id: int, limit: int = 500) -> list[AuditEntry]:
        """The agency's audit log, newest first."""
        with self.agencies.transaction() as session:
            rows = session.scalars(
                select(AuditRow)
                .where(AuditRow.agency_id == agency_id)
                .order_by(AuditRow.at.desc(), AuditRow.id.desc())
                .limit(limit)
            ).all()
        return [AuditEntry(r.at, r.username, r.action, r.subject) for r in rows]
