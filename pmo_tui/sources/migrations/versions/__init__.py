"""Source schema migration scripts."""
