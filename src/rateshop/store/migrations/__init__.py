"""Alembic migrations of the store's schema (run them with :func:`rateshop.store.migrate.upgrade`)."""
