"""Agents and admins: users, login sessions, which agent made which comparison, notes.

Revision ID: 0002
Revises: 0001
Created: 2026-02-01

Types are written out here rather than imported from the models, so this revision keeps creating
the same schema when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four tables; links and notes cascade from their comparison, sessions from users."""
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint("role IN ('agent', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_login_sessions_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_login_sessions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])
    op.create_index("ix_login_sessions_expires_at", "login_sessions", ["expires_at"])
    op.create_table(
        "comparison_agents",
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("comparison_id", name="pk_comparison_agents"),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name="fk_comparison_agents_comparison_id_comparisons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_comparison_agents_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_comparison_agents_user_id", "comparison_agents", ["user_id"])
    op.create_table(
        "notes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("comparison_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name="fk_notes_comparison_id_comparisons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_notes_author_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_notes_comparison_id", "notes", ["comparison_id"])


def downgrade() -> None:
    """Drop the four tables, and everything in them."""
    op.drop_table("notes")
    op.drop_table("comparison_agents")
    op.drop_table("login_sessions")
    op.drop_table("users")
