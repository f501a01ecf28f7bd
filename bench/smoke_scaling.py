"""Smoke wall time against the emulator, beside its anchor: the prompt's real-time duration.

    python bench/smoke_scaling.py [--deployments 8] [--pace burst|realtime] [--no-text] [--runs 3]

Starts the emulator in-process (timing profile ``instant``: the bench measures smoke, not ARM
write delays) on a temporary state directory, provisions one account with N realtime
deployments (alternating ``gpt-realtime`` and ``gpt-4o-realtime-preview``) through
``provision up``, then:

1. runs ``smoke run --env bench`` as a NEW PROCESS over the first 4 deployments against the
   running emulator (what a user types; issue 13's target: ≤ 2.5 s wall over WebSocket),
   median of ``--runs``;
2. runs the smoke scenarios in-process over 1, 2, 4 … N deployments checked concurrently, and
   prints wall time, per-deployment time and the first-audio latency;
3. after stopping that emulator, runs the same ``smoke run`` as a new process that starts the
   EMBEDDED emulator itself (no running one: server start, speech worker spawn, model load);
4. times ``smoke --help`` / ``--version`` as new processes (target ≤ 0.25 s) beside
   ``python -c pass``.

The emulator decodes identical utterances once (its speech memo, see
``emulator/realtime/speech/memo.py``): every deployment gets the same prompt WAV, so N sessions
cost one recognition and one synthesis. Rounds 1 and 2 are run twice: "first hearing" (memo and
TTS cache emptied before each run: the cost the first time the emulator hears the prompt, N
sessions sharing one decode) and "repeat" (a running emulator that heard the prompt before,
e.g. CI's second smoke run). Round 2 prints the memo's counters (decodes started / joined a
decode in flight / served finished).

Every wall figure is printed with its anchor — the prompt's real-time duration (speech plus
the trailing silence smoke sends) — as a ratio: below 1.0 means faster than saying it. With
``--pace burst`` (the default) first audio is measured from ``input_audio_buffer.speech_stopped``;
with ``--pace realtime`` from the end of speech. The emulator's speech recognition and
synthesis share the machine's cores with the client, so figures vary with load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENV_TEMPLATE = """\
target = "emulator"
resource_group = "rg-smoke-bench"
location = "swedencentral"
soft_delete = "purge"

[account]
name = "aoai-smoke-bench"
custom_subdomain = "aoai-smoke-bench"

{deployments}
[[role_assignments]]
principal = "emulator:app"
principal_type = "ServicePrincipal"
role = "Cognitive Services User"
"""

DEPLOYMENT = """\
[[deployments]]
name = "rt-{i}"
model = "{model}"
version = "{version}"
capacity = 1

"""
SMOKE = "from provision.smoke_entry import main; main()"


def write_env(directory: Path, count: int) -> None:
    models = [("gpt-realtime", "2025-08-28"), ("gpt-4o-realtime-preview", "2024-12-17")]
    blocks = "".join(
        DEPLOYMENT.format(i=i, model=models[i % 2][0], version=models[i % 2][1])
        for i in range(count)
    )
    (directory / "bench.toml").write_text(ENV_TEMPLATE.format(deployments=blocks))


def provision_up(env_dir: Path) -> None:
    from click.testing import CliRunner

    from provision.cli import cli

    result = CliRunner().invoke(cli, ["up", "--env", "bench", "--env-dir", str(env_dir), "--yes"])
    if result.exit_code != 0:
        raise SystemExit(f"provision up failed:\n{result.output}")


def anchor_seconds() -> float:
    """The default prompt's real-time duration: its speech plus the trailing silence sent."""
    from smoke.prompts import default_prompt
    from smoke.scenarios import ScenarioOptions

    return default_prompt().seconds + ScenarioOptions().trailing_silence_ms / 1000


def forget_speech() -> None:
    """Empty the in-process emulator's recognition memo and TTS cache (a first hearing)."""
    from emulator.realtime.offline_speech import shared
    from emulator.realtime.speech.tts import default_synthesizer

    memo = shared().recognizer().memo
    if memo is not None:
        memo.clear()
    default_synthesizer().forget()


def memo_counts() -> tuple[int, int, int]:
    """(decodes started, joined in flight, served finished) of the recognition memo so far."""
    from emulator.realtime.offline_speech import shared

    memo = shared().recognizer().memo
    return (memo.misses, memo.joins, memo.hits) if memo is not None else (0, 0, 0)


def wall(
    argv: list[str],
    runs: int,
    env: dict[str, str] | None = None,
    before: Callable[[], None] | None = None,
) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        code = code or done.returncode
    return statistics.median(times), code


def command_round(
    env_dir: Path,
    args: argparse.Namespace,
    anchor: float,
    label: str,
    before: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    names = [f"--deployment=rt-{i}" for i in range(min(4, args.deployments))]
    argv = [sys.executable, "-c", SMOKE, "run", "-e", "bench", "--env-dir", str(env_dir)]
    argv += [*names, "--pace", args.pace] + (["--no-text"] if args.no_text else [])
    seconds, code = wall(argv, args.runs, env or dict(os.environ), before)
    verdict = "ok" if seconds <= 2.5 and code == 0 else ("FAILED" if code else "SLOW")
    print(
        f"smoke run -e bench ({len(names)} deployments, new process, websocket, {label}): "
        f"median {seconds:.2f} s over {args.runs} run(s), exit {code}; "
        f"anchor {anchor:.2f} s → {seconds / anchor:.2f}x  (target ≤ 2.5 s: {verdict})"
    )


def run_round(env_dir: Path, count: int, args: argparse.Namespace) -> dict[str, float]:
    from provision.smoke_source import ProvisionEnvironments
    from smoke.environments import EnvironmentRequest
    from smoke.options import RunChoices, build_options
    from smoke.run import run_smoke

    request = EnvironmentRequest(name="bench", env_dir=env_dir)
    with ProvisionEnvironments().open(request) as env:
        choices = RunChoices(text_scenario=not args.no_text, pace=args.pace, concurrency=count)
        options = build_options(choices, env.defaults)
        started = time.monotonic()
        report = asyncio.run(run_smoke(env.targets[:count], options))
        wall_s = time.monotonic() - started
    first = [r.scenarios[0].metrics.first_audio_s or float("nan") for r in report.results]
    return {
        "count": count,
        "passed": sum(r.passed for r in report.results),
        "wall_s": wall_s,
        "per_deployment_s": statistics.mean(r.duration_s for r in report.results),
        "first_audio_s": statistics.median(first),
    }


def startup_round(args: argparse.Namespace) -> None:
    base = [sys.executable, "-c", SMOKE]
    bare, _ = wall([sys.executable, "-c", "pass"], max(args.runs, 5))
    print(f"startup anchor: python -c pass median {bare * 1000:.0f} ms")
    for flag in ("--help", "--version"):
        seconds, _ = wall([*base, flag], max(args.runs, 5))
        verdict = "ok" if seconds <= 0.25 else "SLOW"
        print(
            f"smoke {flag:<9} median {seconds * 1000:>5.0f} ms  {seconds / bare:.2f}x anchor  "
            f"(target ≤ 250 ms: {verdict})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=8)
    parser.add_argument("--pace", choices=["burst", "realtime"], default="burst")
    parser.add_argument("--no-text", action="store_true", help="skip the text scenario")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from emulator.api import Emulator, EmulatorConfig

    anchor = anchor_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "environments"
        env_dir.mkdir()
        write_env(env_dir, args.deployments)
        state = Path(tmp) / "emu"
        with Emulator(state_dir=state, port=0, config=EmulatorConfig(timing="instant")):
            os.environ["PROVISION_EMULATOR_STATE"] = str(state)
            provision_up(env_dir)
            print(
                f"smoke against the emulator (timing profile: instant), pace {args.pace}, "
                f"cpus={os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
                f"anchor = prompt real-time duration {anchor:.2f} s"
            )
            # The emulator starts its speech workers on first use; warm them up unmeasured,
            # as a running emulator would be.
            warm = run_round(env_dir, min(2, args.deployments), args)
            print(f"warm-up round (not measured): {warm['wall_s']:.2f} s")
            command_round(env_dir, args, anchor, "running emulator, first hearing", forget_speech)
            command_round(env_dir, args, anchor, "running emulator, repeat")
            scaling_rounds(env_dir, args, anchor)
        # no emulator runs now: smoke starts the embedded one (instant timing, as tests do)
        cold = {**os.environ, "PROVISION_EMULATOR_TIMING": "instant"}
        command_round(env_dir, args, anchor, "embedded emulator started by smoke", env=cold)
    startup_round(args)


def scaling_rounds(env_dir: Path, args: argparse.Namespace, anchor: float) -> None:
    print(
        f"{'n':>3} {'passed':>6} {'wall s':>8} {'x anchor':>9} {'s/deployment':>13} "
        f"{'1st audio s':>11} {'decodes/joined/served':>22} {'repeat wall s':>14}"
    )
    for count in [c for c in (1, 2, 4, 8, 16) if c <= args.deployments]:
        forget_speech()
        before = memo_counts()
        row = run_round(env_dir, count, args)
        counts = "/".join(str(b - a) for a, b in zip(before, memo_counts(), strict=True))
        repeat = run_round(env_dir, count, args)
        print(
            f"{row['count']:>3} {row['passed']:>6} {row['wall_s']:>8.2f} "
            f"{row['wall_s'] / anchor:>9.2f} {row['per_deployment_s']:>13.2f} "
            f"{row['first_audio_s']:>11.2f} {counts:>22} {repeat['wall_s']:>14.2f}"
        )


if __name__ == "__main__":
    main()
