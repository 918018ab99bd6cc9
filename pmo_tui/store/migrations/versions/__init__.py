"""Store migration scripts."""
