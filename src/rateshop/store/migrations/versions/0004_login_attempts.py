"""Log-in attempts counted in the database, per username and per client address.

Revision ID: 0004
Revises: 0003
Created: 2026-12-01

Every worker process and every server on one database shares these counts, so the log-in limit
holds however many of them serve. Types are written out here rather than imported from the models,
so this revision keeps creating the same schema when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``login_attempts``: one row per username or address, its count and window start."""
    op.create_table(
        "login_attempts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
        sa.UniqueConstraint("kind", "key", name="uq_login_attempts_kind_key"),
        sa.CheckConstraint("kind IN ('user', 'address')", name="ck_login_attempts_kind"),
    )
    op.create_index("ix_login_attempts_window_start", "login_attempts", ["window_start"])


def downgrade() -> None:
    """Drop ``login_attempts`` (the counts are only ever minutes old)."""
    op.drop_table("login_attempts")
