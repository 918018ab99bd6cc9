"""The triage and annotation store (the one place pmo-tui writes)."""
