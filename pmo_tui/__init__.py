"""pmo-tui: a keyboard-driven terminal app in which a PMO watches its portfolio live."""

__version__ = "0.1.0"
