"""Smoke wall time per deployment against the emulator, and how it scales with concurrency.

    python bench/smoke_scaling.py [--deployments 8] [--fast] [--no-text] [--timeout 120]

Starts the emulator in-process on a temporary state directory, provisions one account with N
``gpt-realtime`` deployments (plus the app principal's role) through ``provision up``, then runs
the smoke scenarios over 1, 2, 4 … N deployments checked concurrently (concurrency = count) and
prints wall time, per-deployment time and first-audio latency. Results vary with the machine:
the emulator's speech recognition and synthesis share the same cores as the client.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
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


def run_round(env_dir: Path, count: int, args: argparse.Namespace) -> dict[str, float]:
    from smoke.targets import targets_for_environment

    with ExitStack() as resources:  # reuses the bench's running emulator
        targets = targets_for_environment("bench", env_dir=env_dir, resources=resources).targets
        return _timed_round(targets[:count], count, args)


def _timed_round(targets: list, count: int, args: argparse.Namespace) -> dict[str, float]:
    from smoke.prompts import DEFAULT_TEXT_PROMPT, default_prompt
    from smoke.readiness import ReadinessPolicy
    from smoke.run import SmokeOptions, run_smoke
    from smoke.scenarios import ScenarioOptions

    options = SmokeOptions(
        prompts=(default_prompt(),),
        text_prompt=None if args.no_text else DEFAULT_TEXT_PROMPT,
        scenario=ScenarioOptions(timeout_s=args.timeout, pace=0 if args.fast else 1),
        readiness=ReadinessPolicy(budget_s=10),
        concurrency=count,
    )
    started = time.monotonic()
    report = asyncio.run(run_smoke(targets, options))
    wall = time.monotonic() - started
    per = [r.duration_s for r in report.results]
    first = [r.scenarios[0].metrics.first_audio_s or float("nan") for r in report.results]
    return {
        "count": count,
        "passed": sum(r.passed for r in report.results),
        "wall_s": wall,
        "per_deployment_s": statistics.mean(per),
        "first_audio_s": statistics.median(first),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=8)
    parser.add_argument("--fast", action="store_true", help="send audio as fast as possible")
    parser.add_argument("--no-text", action="store_true", help="skip the text scenario")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    from emulator.api import Emulator, EmulatorConfig

    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "environments"
        env_dir.mkdir()
        write_env(env_dir, args.deployments)
        state = Path(tmp) / "emu"
        with Emulator(state_dir=state, port=0, config=EmulatorConfig(timing="instant")):
            os.environ["PROVISION_EMULATOR_STATE"] = str(state)
            provision_up(env_dir)
            counts = [c for c in (1, 2, 4, 8, 16) if c <= args.deployments]
            mode = "fast" if args.fast else "real-time"
            print(f"smoke against the emulator, audio sent {mode}, cpus={os.cpu_count()}")
            print(
                f"{'n':>3} {'passed':>6} {'wall s':>8} {'s/deployment':>13} "
                f"{'wall/n s':>9} {'1st audio s':>11}"
            )
            for count in counts:
                row = run_round(env_dir, count, args)
                print(
                    f"{row['count']:>3} {row['passed']:>6} {row['wall_s']:>8.2f} "
                    f"{row['per_deployment_s']:>13.2f} {row['wall_s'] / count:>9.2f} "
                    f"{row['first_audio_s']:>11.2f}"
                )


if __name__ == "__main__":
    main()
