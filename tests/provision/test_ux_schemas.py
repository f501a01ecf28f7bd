"""The shipped JSON Schemas (docs/schemas) accept what provision prints and reject mutations.

Documents come from the real planner over every plan case, real lifecycle rules and real
errors; the CLI end-to-end test (test_ux_cli_e2e.py) validates the documents the commands print.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from provision.changes import Create, Ref
from provision.documents import error_document, plan_document, status_document
from provision.errors import (
    ApplyError,
    AzureApiError,
    ConfigError,
    PlanError,
    PreflightError,
    UsageError,
)
from provision.lifecycle import DeployedModel, LifecycleError, check
from provision.model import CatalogModel, CatalogSku
from provision.plan import diff
from provision.preflight import PreflightFailure
from provision.teardown import plan_down
from tests.provision.prov_helpers import actual_from_dict, make_desired

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
CASES = sorted((Path(__file__).parent / "plan_cases").glob("*.json"))
FAILURE = PreflightFailure("quota", "gpt-realtime needs 10", "5 free", "lower capacity")
CATALOG = [
    CatalogModel(
        "OpenAI",
        "gpt-realtime",
        "2025-08-28",
        (CatalogSku("GlobalStandard", "OpenAI.GlobalStandard.gpt-realtime", 1000),),
        "Deprecating",
        "2027-01-15T00:00:00Z",
    ),
    CatalogModel("OpenAI", "gpt-realtime", "2026-02-23", (), "GenerallyAvailable", None),
]
WARNINGS = check(
    [DeployedModel("gpt-realtime", "gpt-realtime", "2025-08-28")], CATALOG, today=date(2026, 12, 1)
)


def validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def planned(path: Path) -> Any:
    case = json.loads(path.read_text())
    desired = make_desired(case.get("environment"))
    actual = actual_from_dict(case.get("actual", {}), desired)
    if "down" in case:
        return plan_down(desired, actual, purge=case["down"]["purge"])
    return diff(desired, actual)


def test_every_schema_is_strict() -> None:
    names = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert {"plan.schema.json", "status.schema.json", "outputs.schema.json"} <= set(names)
    for path in SCHEMAS.glob("*.schema.json"):
        if path.name == "smoke-report.schema.json":
            continue  # smoke's, tested in tests/smoke
        schema = json.loads(path.read_text())
        assert schema["additionalProperties"] is False, path.name
        assert "format_version" in schema["required"], path.name


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_and_status_documents_of_every_plan_case_validate(path: Path) -> None:
    try:
        plan = planned(path)
    except PlanError as exc:  # cases that stop the plan: the error document instead
        validator("error").validate(error_document(exc, exc.exit_code))
        return
    validator("plan").validate(plan_document(plan, [FAILURE], WARNINGS))
    validator("status").validate(status_document(plan, WARNINGS))


MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("missing format_version", lambda d: d.pop("format_version")),
    ("unknown field", lambda d: d.update(extra=1)),
    ("wrong type", lambda d: d.update(environment=7)),
    ("unknown action", lambda d: d["changes"][0].update(action="rename")),
    ("unknown warning kind", lambda d: d["lifecycle"][0].update(kind="soon")),
    ("bad date", lambda d: d["lifecycle"][0].update(retires_on="next year")),
    ("newer format", lambda d: d.update(format_version=2)),
]


@pytest.mark.parametrize("mutate", [m for _, m in MUTATIONS], ids=[n for n, _ in MUTATIONS])
def test_a_mutated_plan_document_fails(mutate: Callable[[dict[str, Any]], None]) -> None:
    doc = plan_document(planned(CASES[0]), [FAILURE], WARNINGS)
    validator("plan").validate(doc)
    bad = copy.deepcopy(doc)
    mutate(bad)
    with pytest.raises(jsonschema.ValidationError):
        validator("plan").validate(bad)


CHANGE = Create(Ref("deployment", "gpt-realtime"), "missing")
ERRORS = [
    (ConfigError("environments/dev.toml", [("deployments[0].capcity", "unknown key")]), 2),
    (UsageError("--raw nope: unknown output"), 2),
    (PreflightError([FAILURE]), 1),
    (ApplyError(CHANGE, AzureApiError("boom", status=500), (CHANGE,), (CHANGE,)), 1),
    (LifecycleError(WARNINGS), 6),
    (KeyboardInterrupt(), 130),
    (RuntimeError(), 7),
]


@pytest.mark.parametrize(("exc", "code"), ERRORS, ids=[type(e).__name__ for e, _ in ERRORS])
def test_error_documents_validate_and_a_mutation_fails(exc: BaseException, code: int) -> None:
    doc = error_document(exc, code)
    validator("error").validate(doc)
    assert doc["error"]["exit_code"] == code and doc["error"]["message"]
    bad = copy.deepcopy(doc)
    del bad["error"]["exit_code"]
    with pytest.raises(jsonschema.ValidationError):
        validator("error").validate(bad)


def test_error_document_details() -> None:
    config = error_document(ERRORS[0][0], 2)["error"]
    assert config["problems"] == [{"key": "deployments[0].capcity", "message": "unknown key"}]
    applied = error_document(ERRORS[3][0], 1)["error"]
    assert applied["applied"] == ["create deployment gpt-realtime"]
    lifecycle = error_document(ERRORS[4][0], 6)["error"]
    assert [w["kind"] for w in lifecycle["lifecycle"]] == [w.kind for w in WARNINGS]
