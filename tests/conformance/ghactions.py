"""Run a GitHub Actions job's steps locally: the `run:` steps for real, `uses:` steps stubbed.

Just enough of the runner to prove a workflow's commands work: ``${{ }}`` expressions (contexts
``inputs``, ``env``, ``vars``, ``steps.<id>.outputs``, functions ``always()``/``success()``/
``failure()``, operators ``== != && || !`` with GitHub's semantics: ``&&``/``||`` yield an
operand, string comparison ignores case), step ``if:`` conditions, ``$GITHUB_OUTPUT`` and
``$GITHUB_STEP_SUMMARY`` files, and ``bash --noprofile --norc -eo pipefail`` as the shell.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<name>[A-Za-z_][\w.-]*(?:\(\))?))"
)


class ExpressionError(Exception):
    """An expression this runner does not understand (the test then fails loudly)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"cannot read {text!r} at {position}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _truthy(value: Any) -> bool:
    return value not in (None, "", False, 0)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if isinstance(left, bool) or isinstance(right, bool):
        return str(left).lower() == str(right).lower()
    return bool(left == right)


class _Evaluator:
    def __init__(self, text: str, lookup: Callable[[str], Any]) -> None:
        self.tokens, self.index, self.lookup = _tokens(text), 0, lookup

    def run(self) -> Any:
        value = self._or()
        if self.index != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.index][1]!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self.index += 1
            right = self._and()
            value = value if _truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == "&&":
            self.index += 1
            right = self._compare()
            value = right if _truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            operator = self.tokens[self.index][1]
            self.index += 1
            same = _equal(value, self._unary())
            value = same if operator == "==" else not same
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self.index += 1
            return not _truthy(self._unary())
        if self._peek() == "(":
            self.index += 1
            value = self._or()
            if self._peek() != ")":
                raise ExpressionError("missing ')'")
            self.index += 1
            return value
        if self.index >= len(self.tokens):
            raise ExpressionError("unexpected end")
        kind, text = self.tokens[self.index]
        self.index += 1
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        return self.lookup(text)


def evaluate(text: str, lookup: Callable[[str], Any]) -> Any:
    """The value of one expression (without ``${{ }}``)."""
    return _Evaluator(text, lookup).run()


def substitute(text: str, lookup: Callable[[str], Any]) -> str:
    """Replace every ``${{ expr }}`` in a string, as the runner does before a step starts."""

    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), lookup)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


@dataclass
class StepRecord:
    """What happened to one step."""

    name: str
    step_id: str | None
    ran: bool
    exit_code: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    output: str = ""
    seconds: float = 0.0


UsesStub = Callable[[str, Mapping[str, str], Path], int]


@dataclass
class JobRunner:
    """Runs steps in order in ``workspace`` with a base environment."""

    workspace: Path
    base_env: dict[str, str]
    inputs: dict[str, Any]
    uses_stubs: dict[str, UsesStub]
    vars: dict[str, str] = field(default_factory=dict)
    records: list[StepRecord] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    step_timeout_s: float = 600

    def _lookup(self, name: str) -> Any:
        if name == "always()":
            return True
        if name == "success()":
            return all(r.exit_code == 0 for r in self.records)
        if name == "failure()":
            return any(r.exit_code != 0 for r in self.records)
        head, _, rest = name.partition(".")
        if head == "inputs":
            return self.inputs.get(rest)
        if head == "env":
            return self.env.get(rest)
        if head == "vars":
            return self.vars.get(rest, "")
        if head == "steps":
            step_id, _, tail = rest.partition(".")
            record = next((r for r in self.records if r.step_id == step_id), None)
            if tail.startswith("outputs."):
                return record.outputs.get(tail.removeprefix("outputs.")) if record else None
            if tail == "outcome":
                return (
                    None if record is None else ("success" if record.exit_code == 0 else "failure")
                )
        if head == "runner":
            return {"os": "Linux", "temp": str(self.workspace / ".runner-temp")}.get(rest)
        if head == "github":
            return {"workspace": str(self.workspace), "action_path": str(self.workspace)}.get(rest)
        raise ExpressionError(f"unknown context {name!r}")

    def set_job_env(self, env: Mapping[str, Any], overrides: Mapping[str, str]) -> None:
        """The job's ``env:`` after expressions, with test overrides on top."""
        for key, value in env.items():
            self.env[key] = substitute(str(value), self._lookup)
        self.env.update(overrides)

    def run_steps(self, steps: list[dict[str, Any]], default_shell: str = "bash") -> None:
        """Every step in order; stops scheduling ``success()`` steps after a failure."""
        for index, step in enumerate(steps):
            name = str(step.get("name") or step.get("uses") or f"step {index}")
            condition = str(step.get("if", "success()"))
            condition = condition.removeprefix("${{").removesuffix("}}").strip()
            if "always()" not in condition and "failure()" not in condition:
                condition = f"success() && ({condition})"
            if not _truthy(evaluate(condition, self._lookup)):
                self.records.append(StepRecord(name, step.get("id"), ran=False))
                continue
            started = time.perf_counter()
            record = self._run_one(name, step, default_shell)
            record.seconds = time.perf_counter() - started
            self.records.append(record)

    def _run_one(self, name: str, step: dict[str, Any], default_shell: str) -> StepRecord:
        step_env = {k: substitute(str(v), self._lookup) for k, v in (step.get("env") or {}).items()}
        if "uses" in step:
            action = str(step["uses"]).split("@")[0].lower()
            with_args = {
                k: substitute(str(v), self._lookup) for k, v in (step.get("with") or {}).items()
            }
            stub = self.uses_stubs.get(action)
            if stub is None:
                raise AssertionError(f"no stub for action {action!r} (step {name!r})")
            return StepRecord(
                name, step.get("id"), ran=True, exit_code=stub(action, with_args, self.workspace)
            )
        script = str(step["run"])
        if "${{" in script:
            raise AssertionError(f"step {name!r}: expressions inside run: (pass them through env:)")
        shell = str(step.get("shell", default_shell))
        if shell != "bash":
            raise AssertionError(f"step {name!r}: only bash steps are run here, not {shell!r}")
        outputs_file = self.workspace / ".runner-temp" / f"output-{len(self.records)}"
        outputs_file.parent.mkdir(parents=True, exist_ok=True)
        outputs_file.write_text("")
        env = {
            **self.base_env,
            **self.env,
            **step_env,
            "GITHUB_OUTPUT": str(outputs_file),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=self.step_timeout_s,
        )
        outputs = dict(
            line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line
        )
        return StepRecord(
            name,
            step.get("id"),
            ran=True,
            exit_code=proc.returncode,
            outputs=outputs,
            output=proc.stdout + proc.stderr,
        )


def workflow_triggers(document: Mapping[Any, Any]) -> Any:
    """``on:`` (YAML 1.1 reads the bare word as ``True``)."""
    return document.get("on", document.get(True))


def clean_environment() -> dict[str, str]:
    """The test process's environment minus anything that would point the tools elsewhere."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZURE_", "PROVISION_", "SMOKE_", "GITHUB_", "PYTEST_"))
    }
