"""Progress on stderr while ``up``/``down`` work: a live rich display at a terminal, plain lines
otherwise (pipes, CI logs, ``--json``).

At a terminal every resource being applied and every readiness probe is one line with a
spinner, its elapsed time, its retries and what it is waiting for; finished lines stay. Plain
mode prints one line per event, so a CI log shows the same story without control codes.
Results never go here: they are printed once, on stdout, by the command.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any

_LABEL = {"start": "…", "done": "✓", "retry": "↻", "wait": "⋯", "note": "i", "failed": "✗"}
_STYLE = {
    "start": "cyan",
    "done": "green",
    "retry": "yellow",
    "wait": "dim",
    "note": "dim",
    "failed": "red",
}


def _elapsed(seconds: float) -> str:
    return f"{seconds:.1f}s"


class Progress:
    """Receives apply events (``__call__``), readiness callbacks and steps; draws them.

    ``live=None`` picks the live display when stderr is a terminal and ``plain`` is False.
    Safe to call from several threads (``up`` applies environments concurrently).
    """

    def __init__(
        self,
        *,
        quiet: bool = False,
        plain: bool = False,
        live: bool | None = None,
        stream: IO[str] | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self._stream = stream or sys.stderr
        self._console: Any = None
        self.live = (self._is_terminal() and not plain) if live is None else live
        self.clock = clock
        self._lock = threading.Lock()
        self._started: dict[Any, float] = {}
        self._retries: dict[Any, int] = {}
        self._tasks: dict[Any, Any] = {}
        self._bar: Any = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the live display (finished lines stay on screen)."""
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None

    def _display(self) -> Any:
        if self._bar is None:
            from rich.progress import Progress as Bar
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Bar(
                SpinnerColumn(finished_text=" "),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.start()
        return self._bar

    # -- drawing -----------------------------------------------------------------------------
    @property
    def console(self) -> Any:
        """The rich console, created on first use (import ≈ 40 ms: read commands in a pipe
        never need it, issue 13)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self._stream, highlight=False, soft_wrap=True)
        return self._console

    def _is_terminal(self) -> bool:
        if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_INTERACTIVE"):
            return bool(self.console.is_terminal)  # rich's own rules for forced terminals
        isatty = getattr(self._stream, "isatty", None)
        return bool(isatty is not None and isatty())

    def _line(self, phase: str, text: str) -> None:
        label = _LABEL.get(phase, "·")
        if not self.live and not self._is_terminal():
            # A pipe or a log: the same line rich would print there, without loading rich.
            self._stream.write(f"{label} {text}\n")
            self._stream.flush()
            return
        from rich.markup import escape

        color = _STYLE.get(phase, "dim")
        self.console.print(f"[{color}]{label}[/{color}] {escape(text)}", markup=True)

    def _begin(self, key: Any, text: str) -> None:
        self._started[key] = self.clock()
        if self.live:
            from rich.markup import escape

            self._tasks[key] = self._display().add_task(escape(text), total=None)
        else:
            self._line("start", text)

    def _update(self, key: Any, phase: str, text: str) -> None:
        if self.live and key in self._tasks:
            from rich.markup import escape

            self._display().update(self._tasks[key], description=escape(text))
        else:
            self._line(phase, text)

    def _finish(self, key: Any, phase: str, text: str) -> None:
        seconds = self.clock() - self._started.pop(key, self.clock())
        retries = self._retries.pop(key, 0)
        # apply retries a request; a readiness probe is refused and tries again
        word = "refused" if key[0] == "ready" else "retried"
        extra = f", {retries} {word}" if retries else ""
        line = f"{text} ({_elapsed(seconds)}{extra})"
        if self.live and key in self._tasks:
            from rich.markup import escape

            color = _STYLE[phase]
            task = self._tasks.pop(key)
            # the elapsed column shows the time; the description keeps the retry count
            shown = f"{text} ({retries} {word})" if retries else text
            description = f"[{color}]{_LABEL[phase]}[/{color}] {escape(shown)}"
            self._display().update(task, description=description, total=1, completed=1)
        else:
            self._line(phase, line)

    # -- steps -------------------------------------------------------------------------------
    @contextmanager
    def activity(self, text: str) -> Iterator[None]:
        """A spinner while a read runs (live display only; the line goes away afterwards, so a
        command's result is not interleaved with stale progress)."""
        if self.quiet or not self.live:
            yield
            return
        from rich.markup import escape

        with self._lock:
            task = self._display().add_task(escape(text), total=None)
        try:
            yield
        finally:
            with self._lock:
                self._display().remove_task(task)

    def step(self, message: str) -> None:
        """A stage worth telling (``starting local emulator…``, ``reading actual state``)."""
        if self.quiet:
            return
        with self._lock:
            self._line("note", message)

    # -- apply events ------------------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        """An apply event: ``phase`` is start | done | retry | wait | note."""
        if self.quiet:
            return
        key = ("apply", event.environment, event.change.ref)
        text = f"[{event.environment}] {event.change.describe()}"
        detail = f": {event.detail}" if event.detail else ""
        with self._lock:
            if event.phase == "start":
                self._begin(key, text)
            elif event.phase == "done":
                self._finish(key, "done", text)
            elif event.phase == "retry":
                self._retries[key] = self._retries.get(key, 0) + 1
                self._update(key, "retry", f"{text} ↻ {self._retries[key]}{detail}")
            else:
                self._update(key, event.phase, f"{text}{detail}")

    # -- readiness ---------------------------------------------------------------------------
    def check_started(self, environment: str, deployment: str, identity: str) -> None:
        """A readiness probe (one deployment as one identity) started."""
        if self.quiet:
            return
        key = ("ready", environment, deployment, identity)
        with self._lock:
            self._begin(key, f"[{environment}] readiness {deployment} as {identity}")

    def waiting(self, environment: str, deployment: str, identity: str, reason: str) -> None:
        """A readiness probe was refused and backs off; ``reason`` says why."""
        if self.quiet:
            return
        key = ("ready", environment, deployment, identity)
        with self._lock:
            if key not in self._started:
                self._started[key] = self.clock()
            self._retries[key] = self._retries.get(key, 0) + 1
            text = f"[{environment}] readiness {deployment} as {identity}: waiting, {reason}"
            self._update(key, "wait", text)

    def check(self, environment: str, result: Any) -> None:
        """A readiness probe finished (``provision.readiness.CheckResult``)."""
        if self.quiet:
            return
        key = ("ready", environment, result.deployment, result.identity)
        phase = "done" if result.ready else "failed"
        with self._lock:
            if key in self._started:
                state = "ready" if result.ready else f"NOT ready: {result.error}"
                text = f"[{environment}] readiness {result.deployment} as {result.identity}"
                self._finish(key, phase, f"{text} {state}")
            else:
                self._line(phase, f"[{environment}] readiness {result.line()}")
