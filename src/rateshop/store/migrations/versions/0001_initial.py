"""The store's first schema: comparisons, answers, manual versions, contacts with consent.

Revision ID: 0001
Revises:
Created: 2026-01-01

Types are written out here rather than imported from the models, so this revision keeps creating
the same schema when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the four tables with their keys, checks and indexes."""
    op.create_table(
        "comparisons",
        sa.Column("id", ID, primary_key=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("risk", JSON_DATA, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comparisons"),
        sa.UniqueConstraint("ref", name="uq_comparisons_ref"),
    )
    op.create_index("ix_comparisons_created_at", "comparisons", ["created_at"])

    op.create_table(
        "manual_versions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manual_versions"),
        sa.UniqueConstraint("content_hash", name="uq_manual_versions_content_hash"),
    )

    op.create_table(
        "answers",
        sa.Column("id", ID, primary_key=True),
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("premium_cents", sa.BigInteger(), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=True),
        sa.Column("monthly_cents", sa.BigInteger(), nullable=True),
        sa.Column("manual_hash", sa.String(64), nullable=True),
        sa.Column("manual_version", sa.String(64), nullable=True),
        sa.Column("body", JSON_DATA, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name="fk_answers_comparison_id_comparisons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manual_hash"],
            ["manual_versions.content_hash"],
            name="fk_answers_manual_hash_manual_versions",
        ),
        sa.UniqueConstraint("comparison_id", "carrier", name="uq_answers_comparison_id_carrier"),
        sa.CheckConstraint("kind IN ('quote', 'decline', 'error')", name="ck_answers_kind"),
        sa.CheckConstraint(
            "kind <> 'quote' OR (premium_cents IS NOT NULL AND total_cents IS NOT NULL"
            " AND monthly_cents IS NOT NULL)",
            name="ck_answers_quote_amounts",
        ),
    )
    op.create_index("ix_answers_comparison_id", "answers", ["comparison_id"])
    op.create_index("ix_answers_manual_hash", "answers", ["manual_hash"])

    op.create_table(
        "contacts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.ForeignKeyConstraint(
            ["comparison_id", "carrier"],
            ["answers.comparison_id", "answers.carrier"],
            name="fk_contacts_comparison_id_carrier_answers",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_contacts_comparison_id_carrier", "contacts", ["comparison_id", "carrier"])


def downgrade() -> None:
    """Drop the store's tables, and everything in them."""
    op.drop_table("contacts")
    op.drop_table("answers")
    op.drop_table("manual_versions")
    op.drop_table("comparisons")
