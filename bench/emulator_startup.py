"""New-process start time of `realtime-emulator --help` / `--version` (issue 13 target: <= 0.25 s).

Prints each command's median wall time over N runs beside its anchor, a bare interpreter start
(`python -c pass`) measured in the same run, as a ratio. No emulator is started (no timing
profile involved). Run from a checkout:

    python bench/emulator_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

TARGET_S = 0.25
COMMANDS = [["--help"], ["--version"], ["serve", "--help"], ["principal", "--help"]]


def wall(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` as a new process."""
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
    print(f"anchor  python -c pass                         {anchor * 1000:7.1f} ms")
    script = shutil.which("realtime-emulator")
    launchers = [([sys.executable, "-m", "emulator"], "python -m emulator")]
    if script:
        launchers.append(([script], "realtime-emulator"))
    for prefix, label in launchers:
        for command in COMMANDS:
            took = wall([*prefix, *command], args.runs)
            name = f"{label} {' '.join(command)}"
            verdict = "ok" if took <= TARGET_S else "OVER"
            print(
                f"        {name:<38} {took * 1000:7.1f} ms  x{took / anchor:4.1f} anchor  "
                f"(target {TARGET_S * 1000:.0f} ms: {verdict})"
            )


if __name__ == "__main__":
    main()
