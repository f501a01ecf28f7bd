"""Benchmark ``provision`` against the embedded emulator.

Prints, for a converged environment (1 account, 4 deployments, 2 role assignments): the ARM
requests made by ``plan`` and by a no-op ``up`` and their wall times; for a cold ``up`` with
emulated operation latency: wall time against the critical path (resource group -> account ->
deployments, which ARM serializes per account -> role assignments); the readiness wait after
``up`` against the emulated role propagation delay; and two independent environments applied
concurrently (``up --env a --env b``) against the sum of their critical paths.

First, issue 13's figures: ``plan``, ``status`` and ``outputs`` as new processes against a
running emulator: wall time (median of ``--runs``), CPU time (user+sys: robust on a loaded
machine), ARM and Entra requests, and TLS handshakes (TCP connects, counted with an audit hook
in the child); with the ARM token from the encrypted cache, and ``status`` once more signing in
(cache removed before each run); anchored on the Azure CLI making the same three reads
(account, deployment list, role assignments) in the same run, if az is available
(``bench/az_cli.py`` caches it).

    python bench/provision_bench.py [--runs 5] [--no-az] [--lro-seconds 2.0] [--propagation 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from emulator.api import Emulator, EmulatorConfig  # noqa: E402
from provision.cli import cli  # noqa: E402

# Runs ``python -m provision ...`` counting TCP connects (socket audit events) and TLS
# handshakes (ssl wraps), reported on stderr at exit. One TCP connect is the liveness probe of
# the running emulator (targets._alive: no TLS, no request).
_COUNTING = """
import atexit, runpy, ssl, sys
connects, handshakes = [], []
def hook(event, args):
    if event == "socket.connect":
        connects.append(args[1])
sys.addaudithook(hook)
wrap = ssl.SSLContext.wrap_socket
def counted(self, *args, **kwargs):
    handshakes.append(1)
    return wrap(self, *args, **kwargs)
ssl.SSLContext.wrap_socket = counted
atexit.register(lambda: print(f"BENCH-CONNECTS {len(connects)} {len(handshakes)}", file=sys.stderr))
sys.argv = ["provision", *sys.argv[1:]]
runpy.run_module("provision", run_name="__main__", alter_sys=True)
"""


def _first_env(doc: dict) -> dict:
    """``up --json``: one environment's document (the multi-environment shape, or the old one)."""
    return doc["environments"][0] if "environments" in doc else doc


def _arm(emu: Emulator) -> list[dict]:
    return [r for r in emu.stats()["requests"] if r["service"] == "arm"]


def _timed_cli(
    emu: Emulator, envs: Path, *args: str, env: tuple[str, ...] = ("local",)
) -> tuple[float, list[dict], int, str]:
    emu.reset_stats()
    start = time.perf_counter()
    names = [a for name in env for a in ("--env", name)]
    result = CliRunner().invoke(cli, [*args, *names, "--env-dir", str(envs)])
    wall = time.perf_counter() - start
    return wall, _arm(emu), result.exit_code, result.stdout


def _describe(requests: list[dict]) -> str:
    counts: dict[str, int] = {}
    for r in requests:
        parts = [p for p in r["path"].split("/") if p][2:]  # drop /subscriptions/{id}
        what = "/".join(parts)
        for prefix in ("resourcegroups/", "resourceGroups/"):
            what = what.split("/providers/", 1)[-1] if "/providers/" in what else what
            what = what.removeprefix(prefix)
        key = f"{r['method']} {what}"
        counts[key] = counts.get(key, 0) + 1
    return "\n".join(f"      {n} x {k}" for k, n in counts.items())


def _write_env(envs: Path, name: str, rg: str, account: str) -> None:
    text = (ROOT / "environments" / "local.toml").read_text()
    text = text.replace("rg-realtime-local", rg).replace("aoai-realtime-local", account)
    (envs / f"{name}.toml").write_text(text)


def converged(emu: Emulator, envs: Path) -> None:
    wall, _, code, out = _timed_cli(emu, envs, "up", "--yes", "--json")
    assert code == 0, "cold up failed"
    ready = _first_env(json.loads(out))["readiness"]
    print(
        f"cold up (instant operations): {wall:.2f}s, of which readiness {ready['seconds']:.2f}s "
        f"({len(ready['checks'])} realtime handshakes, deployment x identity)"
    )
    for label, args in (("plan", ("plan",)), ("no-op up", ("up", "--yes"))):
        wall, reqs, code, _ = _timed_cli(emu, envs, *args)
        assert code == 0, f"{label} exit {code}"
        print(f"{label:>9}: {len(reqs)} ARM requests, {wall:.3f}s wall (in-process, incl. token)")
        print(_describe(reqs))


def cold_with_latency(emu: Emulator, envs: Path, lro: float) -> None:
    CliRunner().invoke(cli, ["down", "--yes", "--purge", "--env", "local", "--env-dir", str(envs)])
    emu.config.lro_seconds = lro
    wall, reqs, code, _ = _timed_cli(emu, envs, "up", "--yes", "--no-wait")
    assert code == 0, "cold up failed"
    # Operations on the critical path: account LRO, then 4 serialized deployment LROs
    # (resource group and role assignments are synchronous ARM calls).
    critical = lro * (1 + 4)
    print(
        f"cold up, every operation takes {lro:g}s: {wall:.2f}s wall, critical path "
        f"{critical:.2f}s ({wall / critical:.2f}x), {len(reqs)} ARM requests"
    )


def readiness_wait(emu: Emulator, envs: Path, propagation: float) -> None:
    CliRunner().invoke(cli, ["down", "--yes", "--purge", "--env", "local", "--env-dir", str(envs)])
    emu.config.lro_seconds, emu.config.role_propagation_seconds = 0.0, propagation
    wall, _, code, out = _timed_cli(emu, envs, "up", "--yes", "--json")
    assert code == 0, f"up exit {code}"
    ready = _first_env(json.loads(out))["readiness"]
    refused = sum(len(c["refusals"]) for c in ready["checks"])
    print(
        f"readiness with {propagation:g}s role propagation: waited {ready['seconds']:.2f}s "
        f"({ready['seconds'] - propagation:+.2f}s over the delay), {refused} refused handshakes "
        f"over {len(ready['checks'])} checks; up wall {wall:.2f}s"
    )
    emu.config.role_propagation_seconds = 0.0


def concurrent_envs(emu: Emulator, envs: Path, lro: float) -> None:
    for name in ("a", "b"):
        _write_env(envs, name, f"rg-bench-{name}", f"aoai-bench-{name}")
    emu.config.lro_seconds = lro
    wall, _, code, out = _timed_cli(emu, envs, "up", "--yes", "--no-wait", "--json", env=("a", "b"))
    assert code == 0, f"up exit {code}"
    assert all(e["exit_code"] == 0 for e in json.loads(out)["environments"])
    one = lro * 5
    print(
        f"`up --env a --env b`: {wall:.2f}s wall vs {2 * one:.2f}s if sequential "
        f"(critical path of one: {one:.2f}s)"
    )


def _child(argv: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall, cpu user+sys) of one child process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def reads_as_processes(emu: Emulator, envs: Path, runs: int) -> dict[str, float]:
    """Median wall and CPU, requests and handshakes of plan/status/outputs as new processes
    (the ARM token comes from the encrypted cache), then ``status`` signing in afresh."""
    import shutil
    import statistics

    from provision.backends.connect import token_dir_of

    tokens = token_dir_of(emu.connection)
    walls: dict[str, float] = {}
    print(f"\nreads as new processes against a running emulator (median of {runs}):")
    head = f"  {'command':<20} {'wall s':>7} {'cpu s':>6} {'ARM':>4} {'Entra':>6}"
    print(f"{head} {'TCP':>4} {'TLS':>4}")
    rows = [(c, c, False) for c in ("plan", "status", "outputs")]
    rows.append(("status (no token)", "status", True))
    argv = ["--env", "local", "--env-dir", str(envs)]
    for label, command, sign_in in rows:

        def one(*prefix: str, command: str = command, sign_in: bool = sign_in) -> Any:
            if sign_in:
                shutil.rmtree(tokens, ignore_errors=True)
            return _child([sys.executable, *prefix, command, *argv], envs.parent)

        samples = [one("-m", "provision") for _ in range(runs)]
        assert all(p.returncode == 0 for _, _, p in samples), samples[0][2].stderr
        emu.reset_stats()
        _, _, counted = one("-c", _COUNTING)
        by_service = emu.stats().get("by_service", {})
        line = [ln for ln in counted.stderr.splitlines() if ln.startswith("BENCH-CONNECTS")]
        tcp, handshakes = (int(n) for n in line[-1].split()[1:3]) if line else (-1, -1)
        wall = statistics.median(w for w, _, _ in samples)
        cpu = statistics.median(c for _, c, _ in samples)
        walls[label] = wall
        print(
            f"  {label:<20} {wall:>7.3f} {cpu:>6.3f} {by_service.get('arm', 0):>4} "
            f"{by_service.get('entra', 0):>6} {tcp:>4} {handshakes:>4}"
        )
    return walls


def az_anchor(emu: Emulator, work: Path) -> float | None:
    """Wall seconds the Azure CLI needs for the same three reads (after its login)."""
    try:
        from az_cli import DEFAULT_VENV, Runner, az_environment
    except ImportError:
        return None
    az = DEFAULT_VENV / "bin" / "az"
    if os.environ.get("AZ"):
        az = Path(os.environ["AZ"])
    if not az.exists():
        print("  (no Azure CLI: run bench/az_cli.py once to cache it; anchor skipped)")
        return None
    c = emu.connection
    deployer = c.principals["deployer"]
    runner = Runner(az, az_environment(work / "az", emu.ca_path), emu, [deployer.client_secret])
    runner.run("cloud register", ["cloud", "register", "-n", "LocalEmu",
                                  "--endpoint-resource-manager", c.arm_url])  # fmt: skip
    runner.run("cloud set", ["cloud", "set", "-n", "LocalEmu"])
    runner.run("login", ["login", "--service-principal", "-u", deployer.client_id,
                         "-p", deployer.client_secret, "--tenant", c.tenant_id])  # fmt: skip
    rg, account = "rg-realtime-local", "aoai-realtime-local"
    scope = (f"/subscriptions/{c.subscription_id}/resourceGroups/{rg}/providers/"
             f"Microsoft.CognitiveServices/accounts/{account}")  # fmt: skip
    first = len(runner.rows)
    runner.run("account show", ["cognitiveservices", "account", "show", "-n", account, "-g", rg])
    runner.run("deployment list", ["cognitiveservices", "account", "deployment", "list",
                                   "-n", account, "-g", rg])  # fmt: skip
    runner.run("role assignment list", ["role", "assignment", "list", "--scope", scope])
    return sum(row[1] for row in runner.rows[first:])


def help_startup() -> None:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "provision", "--help"], cwd=ROOT, check=True, capture_output=True
    )
    print(f"`python -m provision --help`: {time.perf_counter() - start:.2f}s (process start incl.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lro-seconds", type=float, default=2.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--propagation", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-az", action="store_true", help="skip the Azure CLI anchor")
    args = parser.parse_args()
    help_startup()
    with tempfile.TemporaryDirectory() as tmp:
        envs = Path(tmp) / "environments"
        envs.mkdir()
        _write_env(envs, "local", "rg-realtime-local", "aoai-realtime-local")
        config = EmulatorConfig(lro_seconds=0.0, latency_ms=args.latency_ms)
        with Emulator(state_dir=Path(tmp) / "emu", config=config) as emu:
            os.environ["PROVISION_EMULATOR_STATE"] = str(emu.state_dir)
            converged(emu, envs)
            walls = reads_as_processes(emu, envs, args.runs)
            anchor = None if args.no_az else az_anchor(emu, Path(tmp))
            if anchor is not None:
                print(
                    f"  Azure CLI, the same 3 reads (account, deployments, role assignments): "
                    f"{anchor:.2f}s wall; az / provision: "
                    + ", ".join(f"{name} {anchor / wall:.2f}x" for name, wall in walls.items())
                )
            cold_with_latency(emu, envs, args.lro_seconds)
            readiness_wait(emu, envs, args.propagation)
            concurrent_envs(emu, envs, args.lro_seconds)


if __name__ == "__main__":
    main()
