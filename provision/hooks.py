"""Post-``up`` hooks, kept apart from the engine: ``up --smoke`` runs the smoke CLI in-process.

The smoke run happens while the environment's target is still open, so an embedded emulator
started by ``up`` keeps serving (smoke finds it through its ``connection.json``).
"""

from __future__ import annotations

from typing import Any

from provision.errors import EXIT_FAILURE, UsageError


def run_smoke(session: Any) -> int:
    """Run ``smoke run`` for the session's environment; returns its exit code."""
    try:
        from smoke.cli import main as smoke_cli
    except ImportError as exc:
        raise UsageError(f"--smoke needs the smoke package ({exc})") from exc
    loaded = session.loaded
    args = ["run", "--env", loaded.name, "--env-dir", str(loaded.path.parent)]
    try:
        smoke_cli.main(args=args, prog_name="smoke", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception:  # smoke reports its own failures; map to a failure exit here
        return EXIT_FAILURE
    return 0
