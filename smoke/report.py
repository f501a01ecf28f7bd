"""Render a :class:`~smoke.run.SmokeReport`: console table, JSON, JUnit XML, GitHub step summary,
and artifacts (received audio as WAV, session events as JSONL with audio elided and secrets
redacted).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smoke.audio import write_wav
from smoke.auth import MIN_KEY_LENGTH
from smoke.metrics import ANCHORS
from smoke.run import DeploymentResult, SmokeReport
from smoke.scenarios import ScenarioResult

__all__ = [
    "FORMAT_VERSION",
    "REDACTED",
    "redact",
    "render_console",
    "step_summary",
    "to_json",
    "to_junit",
    "write_artifacts",
]

REDACTED = "[REDACTED]"
# The JSON report's shape version (docs/schemas/smoke-report.schema.json); bump on a change
# that could break a reader (a removed or retyped field), not on an added optional field.
FORMAT_VERSION = 1
_SECRET_KEYS = re.compile(
    r"^(api[-_]?key|authorization|(access_|refresh_|id_)?token|(client_)?secret|password)$",
    re.IGNORECASE,
)
_AUDIO_KEYS = {"audio", "delta"}


# A cut-off copy of a secret (an excerpt ending inside it) is redacted from this many chars on.
_MIN_PARTIAL = 8
MIN_SECRET_LENGTH = MIN_KEY_LENGTH


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of ``value`` with secret-named fields and every occurrence of a secret replaced.

    Truncated copies count too: any run of a secret's first ``_MIN_PARTIAL`` or more characters
    (what an excerpt cut inside the secret leaves) is replaced as well.
    """
    # Secrets shorter than a real credential are not scrubbed by value (KeyCredential refuses
    # them): replacing a 1-character "key" everywhere would rewrite unrelated text.
    known = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def scrub_text(text: str) -> str:
        for secret in known:
            text = text.replace(secret, REDACTED)
            if len(secret) > _MIN_PARTIAL:
                text = _scrub_prefixes(text, secret)
        return text

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if isinstance(node, str):
            if _SECRET_KEYS.search(key) and node:
                return REDACTED
            return scrub_text(node)
        return node

    return walk(value)


def _scrub_prefixes(text: str, secret: str) -> str:
    head = secret[:_MIN_PARTIAL]
    parts, start = [], 0
    while (at := text.find(head, start)) != -1:
        end = at + _MIN_PARTIAL
        while end < len(text) and end - at < len(secret) and text[end] == secret[end - at]:
            end += 1
        parts += [text[start:at], REDACTED]
        start = end
    return "".join(parts) + text[start:]


def _elide_audio(frame: dict[str, Any]) -> dict[str, Any]:
    """Replace base64 audio payloads by a size note (artifacts hold the audio as WAV)."""
    kind = str(frame.get("type", ""))
    out = dict(frame)
    for key in _AUDIO_KEYS & out.keys():
        carries_audio = key == "audio" or kind.endswith("audio.delta")
        if carries_audio and isinstance(out[key], str) and len(out[key]) > 16:
            out[key] = f"<{len(out[key]) * 3 // 4} bytes of base64 audio elided>"
    return out


# --------------------------------------------------------------------------- JSON


def _scenario_json(s: ScenarioResult) -> dict[str, Any]:
    return {
        "name": s.name,
        "transport": s.transport,
        "passed": s.passed,
        "metrics": s.metrics.as_dict(),
        "checks": [
            {
                "name": c.name,
                "passed": c.passed,
                "expected": c.expected,
                "observed": c.observed,
                "detail": c.detail,
            }
            for c in s.checks
        ],
    }


def _deployment_json(r: DeploymentResult) -> dict[str, Any]:
    t = r.target
    return {
        "name": t.name,
        "deployment": t.deployment,
        "model": t.model,
        "transport": r.transport,
        "dialect": t.dialect.value,
        "auth": t.credential.describe(),
        "endpoint": t.endpoint,
        "url": t.url,
        "passed": r.passed,
        "auth_refused": r.auth_refused,
        "duration_s": r.duration_s,
        "readiness": {
            "waited_s": r.readiness.waited_s,
            "summary": r.readiness.summary(),
            "attempts": [vars(a) for a in r.readiness.attempts],
        },
        "metrics": r.scenarios[0].metrics.as_dict() if r.scenarios else {},
        "scenarios": [_scenario_json(s) for s in r.scenarios],
    }


def to_json(report: SmokeReport) -> dict[str, Any]:
    """The whole report as a JSON-ready object, secrets redacted."""
    failed = sum(not r.passed for r in report.results)
    body = {
        "format_version": FORMAT_VERSION,
        "passed": report.passed,
        "exit_code": report.exit_code,
        "started_at": report.started_at,
        "duration_s": report.duration_s,
        "warnings": list(report.warnings),
        "latency_anchors": dict(ANCHORS),
        "summary": {
            "deployments": len(report.results),
            "passed": len(report.results) - failed,
            "failed": failed,
        },
        "deployments": [_deployment_json(r) for r in report.results],
    }
    redacted: dict[str, Any] = redact(body, report.secrets())
    return redacted


# --------------------------------------------------------------------------- console


def _seconds(value: float | None, unit_ms: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if unit_ms else f"{value:.2f} s"


def first_failure(r: DeploymentResult) -> str:
    """``scenario/check: reason`` of the first failed check, or ``""``."""
    for scenario in r.scenarios:
        for check in scenario.failures():
            return f"{scenario.name}/{check.name}: {check.reason()}"
    return "" if r.scenarios else "not run"


def render_console(report: SmokeReport, stream: TextIO) -> None:
    """A table per deployment plus every failed check with its reason."""
    console = Console(file=stream, width=140, soft_wrap=False)
    table = Table(title="Realtime smoke", title_justify="left")
    columns = ("deployment", "transport", "dialect", "auth", "result", "connect", "session")
    for column in (*columns, "1st audio"):
        table.add_column(column)
    for column in ("total", "audio", "waited"):
        table.add_column(column, justify="right")
    secrets = report.secrets()
    for r in report.results:
        m = r.scenarios[0].metrics if r.scenarios else None
        table.add_row(
            r.target.name,
            r.transport,
            r.target.dialect.value,
            r.target.credential.kind,
            "[green]PASS[/]" if r.passed else "[red]FAIL[/]",
            _seconds(m.connect_s if m else None),
            _seconds(m.session_created_s if m else None),
            _seconds(m.first_audio_s if m else None),
            _seconds(r.duration_s, unit_ms=False),
            _seconds(m.audio_s if m else None, unit_ms=False),
            _seconds(r.readiness.waited_s, unit_ms=False) if r.readiness.waited_s else "-",
        )
    console.print(table)
    for r in report.results:
        for scenario in r.scenarios:
            for check in scenario.failures():
                reason = redact(check.reason(), secrets)
                where = escape(f"{r.target.name} [{r.transport}] {scenario.name}/{check.name}")
                console.print(
                    f"[red]✗[/] {where}: {escape(reason)}",
                    markup=True,
                    highlight=False,
                    soft_wrap=True,
                )
    anchors = {s.metrics.first_audio_from for r in report.results for s in r.scenarios[:1]}
    for anchor in sorted(a for a in anchors if a):
        console.print(f"1st audio: {ANCHORS[anchor]}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    passed = sum(r.passed for r in report.results)
    console.print(
        f"{passed}/{len(report.results)} deployment(s) passed in {report.duration_s:.1f}s"
    )


# --------------------------------------------------------------------------- JUnit


def to_junit(report: SmokeReport) -> str:
    """JUnit XML: one testsuite per deployment, one testcase per scenario check."""
    secrets = report.secrets()
    root = ET.Element("testsuites", name="smoke", time=f"{report.duration_s:.3f}")
    total = failures = 0
    for r in report.results:
        cases = [(s, c) for s in r.scenarios for c in s.checks]
        bad = sum(not c.passed for _, c in cases)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"smoke.{r.target.name}.{r.transport}",
            tests=str(len(cases)),
            failures=str(bad),
            errors="0",
            time=f"{r.duration_s:.3f}",
            timestamp=report.started_at,
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("deployment", r.target.deployment),
            ("transport", r.transport),
            ("dialect", r.target.dialect.value),
            ("auth", r.target.credential.describe()),
            ("url", r.target.url),
            ("readiness", r.readiness.summary()),
        ):
            ET.SubElement(props, "property", name=key, value=redact(str(value), secrets))
        for scenario, check in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"smoke.{r.target.name}.{r.transport}.{scenario.name}",
                name=check.name,
            )
            if not check.passed:
                failure = ET.SubElement(
                    case, "failure", message=redact(check.reason(), secrets), type="CheckFailed"
                )
                failure.text = redact(
                    f"expected: {check.expected}\nobserved: {check.observed}\n{check.detail}",
                    secrets,
                )
        total += len(cases)
        failures += bad
    root.set("tests", str(total))
    root.set("failures", str(failures))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


# --------------------------------------------------------------------------- step summary


def step_summary(report: SmokeReport) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``."""
    secrets = report.secrets()
    status = "passed" if report.passed else "FAILED"
    lines = [
        f"### Realtime smoke {status}",
        "",
        "| deployment | transport | dialect | auth | result | first audio | total | reason |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report.results:
        m = r.scenarios[0].metrics if r.scenarios else None
        reason = redact(first_failure(r), secrets).replace("|", "\\|")
        lines.append(
            f"| {r.target.name} | {r.transport} | {r.target.dialect.value} | "
            f"{r.target.credential.kind} | "
            f"{'✅' if r.passed else '❌'} | {_seconds(m.first_audio_s if m else None)} | "
            f"{r.duration_s:.1f} s | {reason} |"
        )
    lines += [f"\n> **warning:** {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- artifacts


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "deployment"


def write_artifacts(report: SmokeReport, directory: Path) -> list[Path]:
    """Write per deployment and scenario ``<scenario>.wav`` and ``<scenario>.events.jsonl``,
    plus ``report.json``; returns the paths written."""
    secrets = report.secrets()
    written: list[Path] = []
    directory.mkdir(parents=True, exist_ok=True)
    for r in report.results:
        folder = directory / _slug(r.target.name)
        if r.transport != "websocket":
            folder = folder / _slug(r.transport)
        folder.mkdir(parents=True, exist_ok=True)
        for scenario in r.scenarios:
            if scenario.audio:
                rate = scenario.spec.settings.rate
                even = scenario.audio[: len(scenario.audio) // 2 * 2]
                written.append(write_wav(folder / f"{scenario.name}.wav", even, rate))
            events = folder / f"{scenario.name}.events.jsonl"
            with events.open("w", encoding="utf-8") as out:
                for entry in scenario.log:
                    line = {"t": round(entry.t, 4), "dir": entry.direction}
                    line["frame"] = redact(_elide_audio(entry.frame()), secrets)
                    out.write(json.dumps(line, separators=(",", ":")) + "\n")
            written.append(events)
    report_path = directory / "report.json"
    report_path.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    written.append(report_path)
    return written
