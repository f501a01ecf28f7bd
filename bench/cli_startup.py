"""New-process start time of every CLI's `--help` / `--version` (issue 13 target: <= 0.25 s).

Covers the three console scripts (`provision`, `smoke`, `realtime-emulator`) and a few
subcommands' help. Prints each command's median wall time over N runs beside its anchor, a
bare interpreter start (`python -c pass`) measured in the same run, as a ratio. Run from a
checkout with the project installed (the console scripts on PATH; else `python -m`):

    python bench/cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

TARGET_S = 0.25
COMMANDS: dict[str, list[list[str]]] = {
    "provision": [
        ["--help"],
        ["--version"],
        ["plan", "--help"],
        ["up", "--help"],
        ["outputs", "--help"],
        ["models", "--help"],
    ],
    "smoke": [["--help"], ["--version"], ["run", "--help"]],
    "realtime-emulator": [["--help"], ["--version"], ["serve", "--help"], ["principal", "--help"]],
}
MODULES = {"provision": "provision", "smoke": "smoke", "realtime-emulator": "emulator"}


def wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    anchor = wall([sys.executable, "-c", "pass"], args.runs)
    print(f"anchor: python -c pass  median {anchor * 1000:.0f} ms over {args.runs} runs")
    print(f"{'command':<34} {'median':>8} {'x anchor':>9}  target")
    slow = 0
    for script, commands in COMMANDS.items():
        exe = shutil.which(script)
        base = [exe] if exe else [sys.executable, "-m", MODULES[script]]
        for cmd in commands:
            seconds = wall(base + cmd, args.runs)
            verdict = "ok" if seconds <= TARGET_S else "SLOW"
            slow += verdict == "SLOW"
            label = f"{script} {' '.join(cmd)}"
            print(f"{label:<34} {seconds * 1000:>6.0f}ms {seconds / anchor:>8.2f}x  {verdict}")
    print(f"{slow} of {sum(map(len, COMMANDS.values()))} command(s) over {TARGET_S * 1000:.0f} ms")


if __name__ == "__main__":
    main()
