"""`provision outputs` forms: JSON (schema), .env (python-dotenv), table, --raw; no keys ever."""

from __future__ import annotations

import copy
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from dotenv import dotenv_values

from provision import outputs
from provision.errors import UsageError
from provision.model import AccountState, ActualState, DeploymentState
from tests.provision.prov_helpers import make_desired

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
ENDPOINT = "https://aoai-dev.openai.azure.com/"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def data(*, provisioned: bool = True, local: dict[str, Any] | None = None) -> dict[str, Any]:
    desired = make_desired(
        {
            "deployments": [
                {
                    "name": "gpt-realtime",
                    "model": "gpt-realtime",
                    "version": "2025-08-28",
                    "capacity": 1,
                },
                {
                    "name": "voice.v2",
                    "model": "gpt-realtime-mini",
                    "version": "2025-10-06",
                    "capacity": 1,
                },
                {
                    "name": "voice-v2",
                    "model": "gpt-realtime-mini",
                    "version": "2025-10-06",
                    "capacity": 1,
                },
            ]
        }
    )
    actual = ActualState()
    if provisioned:
        spec = desired.account
        account = AccountState(
            spec.name,
            spec.location,
            spec.kind,
            spec.sku,
            spec.custom_subdomain,
            "Enabled",
            True,
            endpoint=ENDPOINT,
        )
        deployed = (
            DeploymentState("gpt-realtime", "gpt-realtime", "2025-08-28", "GlobalStandard", 1),
        )
        actual = ActualState(account=account, deployments=deployed)
    return outputs.build(desired, actual, local=local)


def test_json_form_validates_and_a_mutation_fails() -> None:
    doc = json.loads(outputs.render(data(), "json"))
    jsonschema.validate(doc, schema("outputs"))
    assert doc["format_version"] == 1
    for mutate in (
        lambda d: d.pop("endpoint"),
        lambda d: d.update(api_key="secret"),
        lambda d: d["deployments"][0].update(dialect="beta"),
        lambda d: d.update(format_version=2),
    ):
        bad = copy.deepcopy(doc)
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema("outputs"))


def test_env_form_parses_with_python_dotenv_and_follows_the_naming_rule() -> None:
    d = data()
    values = dotenv_values(stream=io.StringIO(outputs.env_text(d)))
    assert values == outputs.env_variables(d)
    assert values["AZURE_OPENAI_ENDPOINT"] == ENDPOINT
    # the first deployment in the file is the default ...
    assert values["AZURE_OPENAI_REALTIME_DEPLOYMENT"] == "gpt-realtime"
    assert values["AZURE_OPENAI_REALTIME_URL"] == (
        "wss://aoai-dev.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
    )
    assert values["AZURE_OPENAI_REALTIME_DIALECT"] == "ga"
    # ... plus one variable per deployment; colliding suffixes are numbered in file order
    assert values["AZURE_OPENAI_REALTIME_DEPLOYMENT_VOICE_V2"] == "voice.v2"
    assert values["AZURE_OPENAI_REALTIME_DEPLOYMENT_VOICE_V2_2"] == "voice-v2"
    assert values["AZURE_OPENAI_REALTIME_URL_VOICE_V2"].endswith("?model=voice.v2")
    assert values["AZURE_OPENAI_REALTIME_DEPLOYMENTS"] == "gpt-realtime,voice.v2,voice-v2"
    assert not [k for k in values if "KEY" in k or "TOKEN" in k or "SECRET" in k]


def test_env_form_of_an_unprovisioned_environment_says_so() -> None:
    text = outputs.env_text(data(provisioned=False))
    assert "# not provisioned: run `provision up` first" in text.splitlines()
    assert dotenv_values(stream=io.StringIO(text))["AZURE_OPENAI_ENDPOINT"] == ""


def test_local_endpoint_lifetime_is_explained_in_every_form() -> None:
    local = outputs.local_endpoint(True, ".emulator/local", "/tmp/ca.pem")
    d = data(local=local)
    jsonschema.validate(d, schema("outputs"))
    keep = "realtime-emulator serve --state-dir .emulator/local"
    assert keep in outputs.env_text(d) and keep in outputs.table_text(d)
    assert "stopped when this command exited" in d["local"]["note"]
    running = outputs.local_endpoint(False, ".emulator/local", None)
    assert "stopped" not in running["note"]


def test_values_that_need_quoting_survive_dotenv_and_a_posix_shell(tmp_path: Path) -> None:
    assert outputs._quote("plain-value_1.2:/x") == "plain-value_1.2:/x"
    spaced = 'C:/Program Files/$HOME "ca".pem'
    env_file = tmp_path / "app.env"
    env_file.write_text(f"K={outputs._quote(spaced)}\n")
    assert dotenv_values(env_file)["K"] == spaced
    shell = subprocess.run(
        ["sh", "-c", f'. "{env_file}"; printf %s "$K"'], capture_output=True, text=True, check=True
    )
    assert shell.stdout == spaced
    backslash = 'a\\b"c'
    assert dotenv_values(stream=io.StringIO(f"K={outputs._quote(backslash)}"))["K"] == backslash


def test_raw_by_env_name_or_json_field() -> None:
    d = data()
    assert outputs.raw_value(d, "AZURE_OPENAI_ENDPOINT") == ENDPOINT
    assert outputs.raw_value(d, "endpoint") == ENDPOINT
    assert outputs.raw_value(d, "provisioned") == "true"
    with pytest.raises(
        UsageError, match=r"--raw nope: unknown output; use one of: AZURE_OPENAI_END"
    ):
        outputs.raw_value(d, "nope")
    with pytest.raises(UsageError):
        outputs.raw_value(d, "deployments")  # not a scalar


def test_suffix_rule() -> None:
    assert outputs.env_suffix("gpt-4o.realtime_x") == "GPT_4O_REALTIME_X"
    assert outputs.unique_suffixes(["a-b", "a.b", "a_b", "c"]) == ["A_B", "A_B_2", "A_B_3", "C"]
