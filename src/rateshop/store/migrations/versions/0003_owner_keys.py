"""The shopper's owner key of a comparison, and the version of the consent wording agreed to.

Revision ID: 0003
Revises: 0002
Created: 2026-12-01

A comparison's reference lets its holder read the quotes; deleting the comparison or consenting to
be contacted needs the owner key handed to the shopper when it was made. Only the key's SHA-256 is
kept. Comparisons stored before this revision have none: they can be read, and they go at the end
of the retention period, but nobody can delete them early through the API.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the owner key's hash to comparisons and the consent version to contacts."""
    with op.batch_alter_table("comparisons") as table:
        table.add_column(sa.Column("owner_key_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("contacts") as table:
        table.add_column(sa.Column("consent_version", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("contacts") as table:
        table.drop_column("consent_version")
    with op.batch_alter_table("comparisons") as table:
        table.drop_column("owner_key_hash")
