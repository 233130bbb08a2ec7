"""Manual versions uploaded to the market, with their files, shared by every server.

Revision ID: 0005
Revises: 0004
Created: 2026-12-01

An upload on one server is one row here: the manual's files as text and where they go in the
manuals folder. Every worker of every server compares the highest ``id`` it has seen with the
table's and installs what it lacks, so all of them quote the same versions within seconds.
Rows are never deleted: stored comparisons name the versions they were rated with. Types are
written out rather than imported from the models, so this revision keeps making the same schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``manual_uploads``: one row per uploaded version, its files and folder."""
    op.create_table(
        "manual_uploads",
        sa.Column("id", ID, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("files", JSON, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manual_uploads"),
        sa.UniqueConstraint("content_hash", name="uq_manual_uploads_content_hash"),
        sa.UniqueConstraint("carrier", "folder", name="uq_manual_uploads_carrier_folder"),
    )


def downgrade() -> None:
    """Drop ``manual_uploads`` (the installed folders stay where they are)."""
    op.drop_table("manual_uploads")
