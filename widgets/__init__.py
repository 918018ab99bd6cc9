"""Widgets of the pmo-tui app (installed as pmo_tui.widgets)."""
