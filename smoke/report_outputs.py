"""Write every output ``smoke run`` was asked for: console table, JSON, JUnit, step summary,
artifacts. The paths were proven writable before the run (:mod:`smoke.inputs`).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from smoke.report import render_console, step_summary, to_json, to_junit, write_artifacts

if TYPE_CHECKING:
    from smoke.cli_execute import RunRequest
    from smoke.run import SmokeReport

__all__ = ["emit"]


def emit(report: SmokeReport, req: RunRequest) -> None:
    """Write every requested output for ``report``."""
    body = to_json(report)
    if req.json_output:
        render_console(report, sys.stderr)
        click.echo(json.dumps(body, indent=2))
    else:
        render_console(report, sys.stdout)
    if req.json_file is not None:
        req.json_file.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    if req.junit is not None:
        req.junit.parent.mkdir(parents=True, exist_ok=True)
        req.junit.write_text(to_junit(report), encoding="utf-8")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as out:
            out.write(step_summary(report))
    if req.artifacts is not None:
        written = write_artifacts(report, req.artifacts)
        click.echo(f"artifacts: {len(written)} file(s) in {req.artifacts}", err=True)
