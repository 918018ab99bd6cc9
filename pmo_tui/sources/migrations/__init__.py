"""Alembic migrations of the database source schema."""
