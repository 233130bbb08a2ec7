"""The migrations make the schema the models describe, on both backends, and can be undone."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from storekit import raw

from rateshop.store import accounts, agency_models, upgrade
from rateshop.store.database import connect
from rateshop.store.migrate import (
    HEAD,
    MIGRATIONS,
    current,
    downgrade,
    head,
    upgrade_with_migrations,
)
from rateshop.store.models import Base

TABLES = {"comparisons", "answers", "manual_versions", "manual_uploads", "contacts"}
ACCOUNT_TABLES = {"users", "login_sessions", "comparison_agents", "notes", "login_attempts"}
AGENCY_TABLES = {
    "agencies",
    "agency_members",
    "agency_leads",
    "clients",
    "client_index",
    "client_comparisons",
    "client_notes",
    "policies",
    "renewal_checks",
    "audit_log",
}


def _tables(url: str) -> set[str]:
    engine = connect(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_brings_an_empty_database_to_head(empty_url: str) -> None:
    assert current(empty_url) is None
    assert upgrade(empty_url) == head() == HEAD == "0006"
    assert _tables(empty_url) == TABLES | ACCOUNT_TABLES | AGENCY_TABLES | {"alembic_version"}
    assert upgrade(empty_url) == head(), "upgrading a database at head changes nothing"


@pytest.fixture
def migrated_url(empty_url: str) -> str:
    """A database brought to head by running the migrations (a new SQLite file would otherwise
    be given the shipped schema script, held to the migrations by test_sqlite_schema)."""
    upgrade_with_migrations(empty_url)
    return empty_url


def test_the_migrated_schema_matches_the_models(migrated_url: str) -> None:
    engine = connect(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            # The account and agency tables join Base.metadata when their modules are imported.
            assert accounts.UserRow.__table__.metadata is agency_models.AgencyRow.__table__.metadata
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_the_store(migrated_url: str) -> None:
    downgrade(migrated_url, "base")
    assert _tables(migrated_url) <= {"alembic_version"}
    assert current(migrated_url) is None
    upgrade(migrated_url)
    assert raw(migrated_url, "SELECT count(*) FROM comparisons") == [(0,)]


def test_the_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert sorted(p.name for p in (MIGRATIONS / "versions").glob("0*.py")) == [
        "0001_initial.py",
        "0002_accounts.py",
        "0003_owner_keys.py",
        "0004_login_attempts.py",
        "0005_manual_uploads.py",
        "0006_agency.py",
    ]
