"""The three pmo-tui themes and the extra colour variables every theme gets.

RAG colours are theme variables (``$rag-red`` ...), so a light or high-contrast
theme can choose readable shades; any other Textual theme the officer picks
from the palette falls back to :data:`VARIABLE_DEFAULTS`. Colour is never the
only signal: every RAG value is also written as a symbol and a word.
"""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "pmo-dark"

#: fallbacks for themes that do not define pmo-tui's own variables
VARIABLE_DEFAULTS: dict[str, str] = {
    "rag-red": "#ff5f5f",
    "rag-amber": "#ffaf00",
    "rag-green": "#5fd75f",
    "rag-grey": "#a8a8a8",
    #: secondary text (labels, ids); opaque, so it reads the same in every widget
    "muted": "#9e9e9e",
    "changed-background": "#5f5f00",
    "banner-background": "#870000",
    "banner-foreground": "#ffffff",
}

THEMES: tuple[Theme, ...] = (
    Theme(
        name="pmo-dark",
        primary="#5f87d7",
        secondary="#5f5faf",
        accent="#d7af5f",
        warning="#ffaf00",
        error="#ff5f5f",
        success="#5fd75f",
        foreground="#e4e4e4",
        background="#121212",
        surface="#1c1c1c",
        panel="#262626",
        dark=True,
        variables={
            "rag-red": "#ff5f5f",
            "rag-amber": "#ffaf00",
            "rag-green": "#5fd75f",
            "rag-grey": "#a8a8a8",
            "muted": "#9e9e9e",
            "changed-background": "#5f5f00",
            "block-cursor-background": "#303f6f",
            "block-cursor-foreground": "#ffffff",
            "footer-key-foreground": "#87afff",
        },
    ),
    Theme(
        name="pmo-light",
        primary="#005faf",
        secondary="#5f5f87",
        accent="#875f00",
        warning="#875f00",
        error="#af0000",
        success="#005f00",
        foreground="#1c1c1c",
        background="#f5f5f5",
        surface="#e4e4e4",
        panel="#d0d0d0",
        dark=False,
        variables={
            "rag-red": "#af0000",
            "rag-amber": "#875f00",
            "rag-green": "#005f00",
            "rag-grey": "#585858",
            "muted": "#4e4e4e",
            "changed-background": "#ffff87",
            "block-cursor-background": "#005faf",
            "block-cursor-foreground": "#ffffff",
            "footer-key-foreground": "#005faf",
            "banner-background": "#af0000",
        },
    ),
    Theme(
        name="pmo-contrast",
        primary="#ffffff",
        secondary="#ffff00",
        accent="#00ffff",
        warning="#ffff00",
        error="#ff0000",
        success="#00ff00",
        foreground="#ffffff",
        background="#000000",
        surface="#000000",
        panel="#000000",
        boost="#ffffff",
        dark=True,
        luminosity_spread=0.0,
        text_alpha=1.0,
        variables={
            "rag-red": "#ff0000",
            "rag-amber": "#ffff00",
            "rag-green": "#00ff00",
            "rag-grey": "#ffffff",
            "muted": "#d0d0d0",
            "changed-background": "#0000af",
            "block-cursor-background": "#ffffff",
            "block-cursor-foreground": "#000000",
            "block-cursor-text-style": "bold",
            "footer-key-foreground": "#ffff00",
            "footer-background": "#000000",
            "footer-description-foreground": "#ffffff",
            "border": "#ffffff",
            "border-blurred": "#808080",
            "banner-background": "#ff0000",
        },
    ),
)

THEME_NAMES: tuple[str, ...] = tuple(t.name for t in THEMES)
