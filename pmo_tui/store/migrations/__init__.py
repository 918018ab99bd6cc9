"""Alembic migrations of the triage store."""
