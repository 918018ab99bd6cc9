"""``x``: export a progress report of the scope on screen (portfolio, programme, project).

A small dialog: pick the format (md, html, xlsx, json; ``j``/``k`` or the
arrows, ``enter`` moves on to the file name), check the file name (a default
``./pmo-report-<scope>-<as-of>.<ext>`` that follows the format until you edit
it), ``enter`` writes it. An existing file is never overwritten without asking:
the dialog says so and a second ``enter`` on the same name overwrites.
``escape`` cancels.

The report is written in a thread worker from the snapshot already on screen
(the same ``Portfolio`` and ``Metrics``, and the open triage store for the
decisions and notes of the period) by :func:`pmo_tui.report.write_report`, so
every format shows the figures the screen shows. A toast gives the path.
Exporting does not write the data, so it works with ``--read-only``; the kiosk
refuses it (no files are written from a wall display).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pmo_tui.errors import describe
from pmo_tui.screens.snapshot import Snapshot
from pmo_tui.text import one_line
from pmo_tui.widgets.plaintext import PlainInput

if TYPE_CHECKING:
    from pmo_tui.app import PmoApp

FORMATS: tuple[tuple[str, str], ...] = (
    ("md", "Markdown: for mail, a wiki or a ticket"),
    ("html", "HTML: one self-contained file with the charts, for a browser or print"),
    ("xlsx", "Excel: a sheet per section, real numbers"),
    ("json", "JSON: every figure, machine-readable"),
)
EXTENSIONS = {fmt: f".{fmt}" for fmt, _ in FORMATS}


@dataclass(frozen=True)
class ExportScope:
    """What the report covers: ``portfolio``, or a programme or project id, and a title."""

    level: str
    key: str | None
    title: str
    #: why the scope is wider than the screen (e.g. projects without a programme)
    note: str = ""

    @property
    def scope(self) -> str:
        return self.level if self.key is None else f"{self.level}:{self.key}"

    @property
    def slug(self) -> str:
        text = self.level if self.key is None else f"{self.level}-{self.key}"
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "report"
        return safe[:80]


def scope_on_screen(app: PmoApp) -> ExportScope:
    """The scope of the topmost data screen (under any dialog); the portfolio otherwise."""
    for screen in reversed(app.screen_stack):
        scope = getattr(screen, "chart_scope", None)
        if scope is None:
            continue
        level, key, title = scope
        if level == "programme" and not key:
            return ExportScope(
                "portfolio",
                None,
                "Portfolio",
                note="projects without a programme are reported with the whole portfolio",
            )
        return ExportScope(level, key, one_line(title, 80))
    return ExportScope("portfolio", None, "Portfolio")


def default_path(scope: ExportScope, as_of: str, fmt: str) -> str:
    return f"./pmo-report-{scope.slug}-{as_of}{EXTENSIONS[fmt]}"


def with_extension(path: str, fmt: str) -> str:
    """``path`` with its report extension swapped for ``fmt``'s (other names: appended)."""
    for ext in EXTENSIONS.values():
        if path.lower().endswith(ext):
            return path[: -len(ext)] + EXTENSIONS[fmt]
    return path + EXTENSIONS[fmt]


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str
    scope: ExportScope


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Format and file name for ``x``; dismissed with the request, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    DEFAULT_CSS = """
    ExportDialog { align: center middle; background: $background 60%; }
    ExportDialog > #export-box {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ExportDialog #export-formats { height: auto; max-height: 6; }
    ExportDialog #export-message { height: auto; color: $rag-amber; text-style: bold; }
    ExportDialog #export-message.-error { color: $rag-red; }
    ExportDialog .export-help { color: $muted; height: auto; }
    """

    def __init__(self, scope: ExportScope, as_of: str, fmt: str = "md") -> None:
        super().__init__()
        self.scope = scope
        self.as_of = as_of
        self.fmt = fmt
        self._default = default_path(scope, as_of, fmt)
        #: the path the officer was warned about (a second enter on it overwrites)
        self._confirm: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(Content("Export a progress report"), classes="modal-title")
            scope = f"{self.scope.title}" + (f" ({self.scope.scope})" if self.scope.key else "")
            yield Static(
                Content.assemble(
                    ("Scope: ", "$muted"),
                    (one_line(scope, 70), "bold"),
                    ("   as of ", "$muted"),
                    (self.as_of, "bold"),
                ),
                id="export-scope",
            )
            if self.scope.note:
                yield Static(Content(one_line(self.scope.note)), classes="export-help")
            options = [
                Option(Content.assemble((f"{fmt:<5}", "bold"), f" {text}"), id=fmt)
                for fmt, text in FORMATS
            ]
            formats = OptionList(*options, id="export-formats")
            formats.highlighted = [f for f, _ in FORMATS].index(self.fmt)
            yield formats
            yield PlainInput(value=self._default, id="export-path", select_on_focus=False)
            yield Static(id="export-message")
            yield Static(
                Content("↑↓ format · enter: next / export · escape: cancel"),
                classes="export-help",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    # -- choosing -------------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.set_format(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.set_format(event.option.id)
        self.query_one(Input).focus()

    def set_format(self, fmt: str) -> None:
        if fmt == self.fmt or fmt not in EXTENSIONS:
            return
        self.fmt = fmt
        path_input = self.query_one(Input)
        current = path_input.value
        new_default = default_path(self.scope, self.as_of, fmt)
        path_input.value = new_default if current == self._default else with_extension(current, fmt)
        self._default = new_default
        self._say("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._confirm = None
        self._say("")

    # -- exporting ------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._say("Give a file name.", error=True)
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        folder = path.parent
        if not folder.is_dir():
            self._say(f"The folder {folder} does not exist.", error=True)
            return
        if path.is_dir():
            self._say(f"{path} is a folder; give a file name.", error=True)
            return
        if path.exists() and self._confirm != path:
            self._confirm = path
            self._say(f"{path.name} exists. Press enter again to overwrite it, or change the name.")
            return
        self.dismiss(ExportRequest(path=path, fmt=self.fmt, scope=self.scope))

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#export-message", Static)
        message.set_class(error, "-error")
        message.update(Content(one_line(text)))

    def action_cancel(self) -> None:
        self.dismiss(None)


def open_export(app: PmoApp) -> None:
    """``x``: ask for format and file, then write the report in a worker."""
    snapshot = app.snapshot
    if snapshot is None:
        app.notify_plain("No data yet: nothing to export.", severity="warning", timeout=4)
        return
    if any(isinstance(screen, ExportDialog) for screen in app.screen_stack):
        return
    scope = scope_on_screen(app)

    def chosen(request: ExportRequest | None) -> None:
        if request is not None:
            export_in_worker(app, snapshot, request)

    app.push_screen(ExportDialog(scope, snapshot.as_of.isoformat()), chosen)


def export_in_worker(app: PmoApp, snapshot: Snapshot, request: ExportRequest) -> None:
    app.notify_plain(
        f"Writing the {request.fmt} report of {request.scope.title} to {request.path}…",
        title="Export",
        timeout=3,
    )

    def write() -> None:
        from pmo_tui.report import write_report

        try:
            written = write_report(
                request.path,
                request.fmt,
                portfolio=snapshot.portfolio,
                metrics=snapshot.metrics,
                scope=request.scope.scope,
                config=app.config,
                source=app.source.description,
                store=getattr(app, "store", None),
            )
        except Exception as exc:  # a failed export is a toast, never a crash
            app._log_exception(exc)
            app.call_from_thread(
                app.notify_plain,
                f"The report was not written: {describe(exc)}",
                title="Export failed",
                severity="error",
                timeout=15,
            )
            return
        app.call_from_thread(
            app.notify_plain,
            f"Report written: {written} ({request.fmt}, {request.scope.title})",
            title="Export",
            timeout=10,
        )

    app.run_worker(write, thread=True, group="export", exit_on_error=False, description="export")
