"""Progress on stderr: plain lines (pipes, CI, --json) and the live display's final state."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from provision.apply import Event
from provision.changes import Create, Delete, Ref
from provision.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Check:
    deployment: str
    identity: str
    ready: bool
    error: str | None = None

    def line(self) -> str:
        return f"{self.deployment} as {self.identity}: {'ready' if self.ready else 'NOT ready'}"


DEPLOYMENT = Create(Ref("deployment", "gpt-realtime"), "missing")
ACCOUNT = Delete(Ref("account", "aoai-dev"), "owned by dev")


def plain() -> tuple[Progress, io.StringIO, Clock]:
    out, clock = io.StringIO(), Clock()
    return Progress(stream=out, live=False, clock=clock), out, clock


def test_plain_lines_carry_elapsed_time_and_retry_count() -> None:
    progress, out, clock = plain()
    progress(Event("dev", DEPLOYMENT, "start"))
    progress(Event("dev", DEPLOYMENT, "retry", "RequestConflict; retrying in 1s (1/5)"))
    progress(Event("dev", DEPLOYMENT, "retry", "429; retrying in 2s (2/5)"))
    clock.now += 4.25
    progress(Event("dev", DEPLOYMENT, "done"))
    assert out.getvalue().splitlines() == [
        "… [dev] create deployment gpt-realtime",
        "↻ [dev] create deployment gpt-realtime ↻ 1: RequestConflict; retrying in 1s (1/5)",
        "↻ [dev] create deployment gpt-realtime ↻ 2: 429; retrying in 2s (2/5)",
        "✓ [dev] create deployment gpt-realtime (4.2s, 2 retried)",
    ]


def test_plain_readiness_shows_the_wait_reason_then_the_outcome() -> None:
    progress, out, clock = plain()
    progress.check_started("dev", "gpt-realtime", "emulator:app")
    progress.waiting(
        "dev", "gpt-realtime", "emulator:app", "401 role not effective yet; retry in 1s"
    )
    clock.now += 2.0
    progress.check("dev", Check("gpt-realtime", "emulator:app", True))
    progress.check("dev", Check("mini", "self", False, "still refused: 401"))  # never started
    assert out.getvalue().splitlines() == [
        "… [dev] readiness gpt-realtime as emulator:app",
        "⋯ [dev] readiness gpt-realtime as emulator:app: waiting, 401 role not effective yet; "
        "retry in 1s",
        "✓ [dev] readiness gpt-realtime as emulator:app ready (2.0s, 1 refused)",
        "✗ [dev] readiness mini as self: NOT ready",
    ]


def test_steps_and_quiet() -> None:
    progress, out, _ = plain()
    progress.step("starting local emulator…")
    assert out.getvalue() == "i starting local emulator…\n"
    silent = io.StringIO()
    quiet = Progress(stream=silent, live=False, quiet=True)
    quiet.step("x")
    quiet(Event("dev", DEPLOYMENT, "start"))
    quiet.check("dev", Check("a", "b", True))
    assert silent.getvalue() == ""


def test_live_display_ends_with_one_finished_line_per_resource() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(stream=out, live=True, clock=clock) as progress:
        progress(Event("dev", DEPLOYMENT, "start"))
        progress(Event("dev", ACCOUNT, "start"))
        progress(Event("dev", DEPLOYMENT, "retry", "429"))
        progress(Event("dev", DEPLOYMENT, "done"))
        progress(Event("dev", ACCOUNT, "done"))
    text = out.getvalue()
    assert "✓ [dev] create deployment gpt-realtime (1 retried)" in text
    assert "✓ [dev] delete account aoai-dev" in text
    assert "…" not in text.replace("...", "")  # no line left in its running state


def test_events_from_several_threads_are_all_drawn() -> None:
    progress, out, _ = plain()

    def env(name: str) -> None:
        for _ in range(20):
            progress(Event(name, DEPLOYMENT, "start"))
            progress(Event(name, DEPLOYMENT, "done"))

    threads = [threading.Thread(target=env, args=(f"e{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 160 and all(line[0] in "…✓" for line in lines)


def test_activity_spins_only_in_the_live_display() -> None:
    progress, out, _ = plain()
    with progress.activity("reading dev…"):
        pass
    assert out.getvalue() == ""
    live_out = io.StringIO()
    with Progress(stream=live_out, live=True) as live, live.activity("reading dev…"):
        assert live._bar is not None and len(live._bar.tasks) == 1
    assert live._bar is None  # closed
