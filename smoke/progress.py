"""Live progress of a smoke run: a rich status table at a terminal, plain lines otherwise.

:func:`make_progress` picks the form for the stream: at a terminal every deployment × transport
gets a row with a spinner, its state and elapsed time, updated live; when not a terminal (CI
logs, pipes, ``--json``) one plain line per deployment start and end. Nothing here prints a
secret: rows show names, states and durations only.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from smoke.run import DeploymentResult
    from smoke.targets import Target

__all__ = ["PlainProgress", "Progress", "make_progress"]


class Progress(Protocol):
    """What :func:`smoke.run.run_smoke` reports while it runs."""

    def started(self, target: Target, transport: str) -> None: ...

    def finished(self, result: DeploymentResult) -> None: ...

    def close(self) -> None: ...


def _verdict(result: DeploymentResult) -> str:
    if result.passed:
        return "PASS"
    from smoke.report import first_failure

    return f"FAIL {first_failure(result)}"


class PlainProgress:
    """One line per deployment start and end (for logs)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def started(self, target: Target, transport: str) -> None:
        self._line(f"smoke: {target.name} [{transport}] checking…")

    def finished(self, result: DeploymentResult) -> None:
        verdict = _verdict(result)[:200]
        name, kind = result.target.name, result.transport
        self._line(f"smoke: {name} [{kind}] {verdict} ({result.duration_s:.1f}s)")

    def close(self) -> None:
        self._stream.flush()

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()


class LiveProgress:
    """A rich Live table: spinner while a deployment runs, its verdict when done."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=stream)
        self._rows: dict[tuple[str, str], list[Any]] = {}
        self._live = Live(
            self._render(),
            console=self._console,
            refresh_per_second=8,
            transient=False,
            get_renderable=self._render,
        )
        self._live.start()

    def _render(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        for (name, kind), (began, verdict) in self._rows.items():
            elapsed = f"{time.monotonic() - began:.1f}s" if verdict is None else ""
            state: Any = Spinner("dots", text="checking") if verdict is None else verdict
            # Text, not markup: "[websocket]" (or a name with brackets) is not a style tag.
            table.add_row(Text(name), Text(f"[{kind}]"), state, Text(elapsed))
        return table

    def started(self, target: Target, transport: str) -> None:
        self._rows[(target.name, transport)] = [time.monotonic(), None]

    def finished(self, result: DeploymentResult) -> None:
        verdict = _verdict(result)
        colour = "green" if result.passed else "red"
        from rich.text import Text

        shown = Text(f"{verdict[:120]} ({result.duration_s:.1f}s)", style=colour)
        self._rows[(result.target.name, result.transport)] = [0.0, shown]

    def close(self) -> None:
        self._live.stop()


def make_progress(stream: TextIO, *, live: bool | None = None) -> Progress:
    """Live progress at a terminal, plain lines otherwise (``live`` forces either)."""
    isatty = getattr(stream, "isatty", None)
    use_live = live if live is not None else bool(isatty and isatty())
    return LiveProgress(stream) if use_live else PlainProgress(stream)
