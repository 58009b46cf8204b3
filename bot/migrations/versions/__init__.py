"""Alembic revisions. Present so packaging ships the revisions with the ``bot`` package."""
