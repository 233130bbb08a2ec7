"""The agency: agencies and members, leads, clients and their search index, policies, renewals, audit.

Revision ID: 0006
Revises: 0005
Created: 2026-12-01

Types are written out here rather than imported from the models, so this revision keeps creating
the same schema when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    """Create the agency's ten tables; all of them go with their agency (ON DELETE CASCADE)."""
    op.create_table(
        "agencies",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("licence", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agencies"),
        sa.UniqueConstraint("name", name="uq_agencies_name"),
    )
    op.create_table(
        "agency_members",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_agency_members"),
        _fk("agency_members", "user_id", "users.id", "CASCADE"),
        _fk("agency_members", "agency_id", "agencies.id", "CASCADE"),
        sa.CheckConstraint("role IN ('agent', 'admin')", name="ck_agency_members_role"),
    )
    _index("agency_members", "agency_id")
    op.create_table(
        "clients",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("zip", sa.String(10), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        _fk("clients", "agency_id", "agencies.id", "CASCADE"),
        _fk("clients", "agent_id", "users.id", "SET NULL"),
        sa.UniqueConstraint("agency_id", "reference", name="uq_clients_agency_id_reference"),
    )
    _index("clients", "agency_id")
    _index("clients", "agent_id")
    _index("clients", "zip")
    op.create_table(
        "client_index",
        sa.Column("id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("field", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client_index"),
        _fk("client_index", "client_id", "clients.id", "CASCADE"),
        sa.CheckConstraint("field IN ('name', 'email', 'phone')", name="ck_client_index_field"),
    )
    _index("client_index", "client_id")
    _index("client_index", "field", "digest")
    op.create_table(
        "agency_leads",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("consented_at", MOMENT, nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("consent_version", sa.String(32), nullable=False),
        sa.Column("assigned_to", ID, nullable=True),
        sa.Column("client_id", ID, nullable=True),
        sa.Column("assigned_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agency_leads"),
        _fk("agency_leads", "agency_id", "agencies.id", "CASCADE"),
        _fk("agency_leads", "comparison_id", "comparisons.id", "CASCADE"),
        _fk("agency_leads", "assigned_to", "users.id", "SET NULL"),
        _fk("agency_leads", "client_id", "clients.id", "SET NULL"),
        sa.UniqueConstraint(
            "agency_id", "comparison_id", name="uq_agency_leads_agency_id_comparison_id"
        ),
    )
    _index("agency_leads", "agency_id")
    _index("agency_leads", "comparison_id")
    _index("agency_leads", "assigned_to")
    op.create_table(
        "client_comparisons",
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("previous_id", ID, nullable=True),
        sa.Column("added_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("comparison_id", name="pk_client_comparisons"),
        _fk("client_comparisons", "comparison_id", "comparisons.id", "CASCADE"),
        _fk("client_comparisons", "client_id", "clients.id", "CASCADE"),
        _fk("client_comparisons", "previous_id", "comparisons.id", "SET NULL"),
    )
    _index("client_comparisons", "client_id")
    op.create_table(
        "client_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_client_notes"),
        _fk("client_notes", "client_id", "clients.id", "CASCADE"),
        _fk("client_notes", "author_id", "users.id", "SET NULL"),
    )
    _index("client_notes", "client_id")
    op.create_table(
        "policies",
        sa.Column("id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("premium_cents", sa.BigInteger(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("comparison_id", ID, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policies"),
        _fk("policies", "client_id", "clients.id", "CASCADE"),
        _fk("policies", "comparison_id", "comparisons.id", "SET NULL"),
        sa.CheckConstraint("expiry > effective", name="ck_policies_term"),
        sa.CheckConstraint("premium_cents > 0", name="ck_policies_premium"),
    )
    _index("policies", "client_id")
    _index("policies", "expiry")
    op.create_table(
        "renewal_checks",
        sa.Column("id", ID, nullable=False),
        sa.Column("policy_id", ID, nullable=False),
        sa.Column("checked_at", MOMENT, nullable=False),
        sa.Column("comparison_id", ID, nullable=True),
        sa.Column("current_cents", sa.BigInteger(), nullable=True),
        sa.Column("best_carrier", sa.String(64), nullable=True),
        sa.Column("best_cents", sa.BigInteger(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_renewal_checks"),
        _fk("renewal_checks", "policy_id", "policies.id", "CASCADE"),
        _fk("renewal_checks", "comparison_id", "comparisons.id", "SET NULL"),
    )
    _index("renewal_checks", "policy_id")
    op.create_table(
        "audit_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        _fk("audit_log", "agency_id", "agencies.id", "CASCADE"),
        _fk("audit_log", "user_id", "users.id", "SET NULL"),
    )
    _index("audit_log", "agency_id")
    _index("audit_log", "at")


def downgrade() -> None:
    """Drop the agency's tables, and everything in them."""
    for table in (
        "audit_log",
        "renewal_checks",
        "policies",
        "client_notes",
        "client_comparisons",
        "agency_leads",
        "client_index",
        "clients",
        "agency_members",
        "agencies",
    ):
        op.drop_table(table)
