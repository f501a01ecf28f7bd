"""Environment files: validation errors name the file, the key path and the expectation."""

from __future__ import annotations

from pathlib import Path

import pytest
from prov_helpers import APP, BASE_ENV, ME, SUB, deep_merge, make_desired

from provision.config import LoadedEnvironment, load_environment, parse_environment
from provision.errors import ConfigError
from provision.model import assignment_name, is_owned

GOOD = """
target = "emulator"
resource_group = "rg-local"
location = "swedencentral"

[account]
name = "aoai-local"

[[deployments]]
name = "gpt-realtime"
model = "gpt-realtime"
version = "2025-08-28"
capacity = 1

[[role_assignments]]
principal = "emulator:app"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    envs = tmp_path / "environments"
    envs.mkdir(exist_ok=True)
    path = envs / f"{name}.toml"
    path.write_text(text)
    return path


def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_environment(data, source="env.toml")
    return info.value.problems


def test_defaults_are_resolved(tmp_path: Path) -> None:
    _write(tmp_path, "local", GOOD)
    loaded = load_environment("local", env_dir=tmp_path / "environments")
    cfg = loaded.config
    assert cfg.name == "local"
    assert cfg.account.kind == "OpenAI" and cfg.account.sku == "S0"
    assert cfg.account.disable_local_auth is True
    assert cfg.account.subdomain == "aoai-local"
    dep = cfg.deployments[0]
    assert (dep.sku, dep.version_upgrade_option) == ("GlobalStandard", "NoAutoUpgrade")
    assert cfg.role_assignments[0].role == "Cognitive Services User"
    assert cfg.soft_delete == "fail" and cfg.protection.prevent_destroy is False
    assert loaded.project_dir == tmp_path.resolve()


def test_unquoted_version_is_a_toml_date_and_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "local", GOOD.replace('"2025-08-28"', "2025-08-28"))
    with pytest.raises(ConfigError) as info:
        load_environment(env_file=path)
    text = str(info.value)
    assert str(path) in text
    assert "deployments[0].version" in text
    assert 'version = "2025-08-28"' in text


def test_error_names_file_key_path_and_expectation(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "local",
        GOOD.replace('name = "aoai-local"', 'name = "aoai-local"\nkind = "Speech"'),
    )
    with pytest.raises(ConfigError) as info:
        load_environment(env_file=path)
    ((key, msg),) = info.value.problems
    assert key == "account.kind"
    assert "'OpenAI'" in msg and "'AIServices'" in msg
    assert str(info.value).startswith(f"{path}: account.kind:")


def test_all_problems_reported_at_once() -> None:
    data = deep_merge(BASE_ENV, {"location": None, "account": {"sku": 0}})
    data["deployments"][1]["capacity"] = "1"
    problems = dict(_problems(data))
    assert problems["location"] == "required key is missing"
    assert "account.sku" in problems and "deployments[1].capacity" in problems


def test_unknown_key_is_rejected_with_a_suggestion() -> None:
    data = deep_merge(BASE_ENV, {"account": {"subdomain": "x"}})
    assert _problems(data) == [
        ("account.subdomain", "unknown key (did you mean 'custom_subdomain'?)")
    ]
    data = deep_merge(BASE_ENV, {"account": {"zzz": "x"}})
    assert _problems(data) == [
        (
            "account.zzz",
            "unknown key (check spelling); expected one of: custom_subdomain, "
            "disable_local_auth, kind, name, public_network_access, sku, tags",
        )
    ]


def test_unreadable_and_empty_files_are_config_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="the file is empty"):
        load_environment(env_file=empty)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_environment(env_file=binary)
    with pytest.raises(ConfigError, match="is a directory"):
        load_environment(env_file=tmp_path)


def test_strict_types_no_coercion() -> None:
    data = deep_merge(BASE_ENV, {"account": {"disable_local_auth": "yes"}})
    ((key, msg),) = _problems(data)
    assert key == "account.disable_local_auth" and "str" in msg


def test_azure_target_needs_subscription() -> None:
    data = deep_merge(BASE_ENV, {"target": "azure", "subscription": None, "role_assignments": []})
    assert "subscription is required" in _problems(data)[0][1]


def test_emulator_principals_only_on_emulator_target() -> None:
    data = deep_merge(BASE_ENV, {"target": "azure"})
    assert "only valid with target 'emulator'" in _problems(data)[0][1]


def test_guid_principal_needs_type() -> None:
    data = deep_merge(BASE_ENV, {})
    data["role_assignments"] = [{"principal": "33333333-3333-3333-3333-333333333333"}]
    ((key, msg),) = _problems(data)
    assert key == "role_assignments[0]" and "PrincipalNotFound" in msg


def test_bad_principal_form() -> None:
    data = deep_merge(BASE_ENV, {})
    data["role_assignments"] = [{"principal": "alice@example.com"}]
    ((key, msg),) = _problems(data)
    assert key == "role_assignments[0].principal" and "GUID" in msg


def test_duplicate_deployment_names_name_the_key_path() -> None:
    data = deep_merge(BASE_ENV, {})
    data["deployments"].append(dict(data["deployments"][0], name="GPT-Realtime"))
    ((key, msg),) = _problems(data)
    assert key == "deployments[2].name"
    assert "repeats deployments[0].name" in msg


def test_reserved_tags() -> None:
    data = deep_merge(BASE_ENV, {"tags": {"managed-by": "me"}})
    assert "reserved" in _problems(data)[0][1]


def test_smoke_section_follows_smokes_rules() -> None:
    data = deep_merge(BASE_ENV, {"smoke": {"timeout_seconds": 5, "pace": "burst"}})
    cfg = parse_environment(data)
    assert cfg.smoke.timeout_seconds == 5.0 and cfg.smoke.pace == "burst"
    typo = deep_merge(BASE_ENV, {"smoke": {"timout_seconds": 5}})
    ((key, msg),) = _problems(typo)
    assert key == "smoke.timout_seconds" and "did you mean 'timeout_seconds'" in msg
    bad = deep_merge(BASE_ENV, {"smoke": {"timeout_seconds": -1}})
    assert _problems(bad)[0][0] == "smoke.timeout_seconds"
    unknown = deep_merge(BASE_ENV, {"smoke": {"deployments": ["nope"]}})
    assert "nope" in _problems(unknown)[0][1]


def test_missing_file_lists_available(tmp_path: Path) -> None:
    _write(tmp_path, "local", GOOD)
    with pytest.raises(ConfigError) as info:
        load_environment("dev", env_dir=tmp_path / "environments")
    assert "available: local" in str(info.value)


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, "local", "target = \n")
    with pytest.raises(ConfigError) as info:
        load_environment(env_file=path)
    assert "invalid TOML" in str(info.value)


def test_name_must_match_file(tmp_path: Path) -> None:
    _write(tmp_path, "local", 'name = "other"\n' + GOOD)
    with pytest.raises(ConfigError) as info:
        load_environment("local", env_dir=tmp_path / "environments")
    assert info.value.problems[0][0] == "name"


def test_desired_state_resolution() -> None:
    desired = make_desired()
    assert desired.subscription_id == SUB
    assert is_owned(desired.account.tags, "dev") and is_owned(desired.deployments[0].tags, "dev")
    app, me = desired.role_assignments
    assert (app.principal_id, me.principal_id) == (APP.object_id, ME.object_id)
    assert app.principal_type == "ServicePrincipal"
    assert app.scope.endswith(
        "/resourceGroups/rg-dev/providers/Microsoft.CognitiveServices/accounts/aoai-dev"
    )
    assert app.name == assignment_name(app.scope, APP.object_id, app.role_definition_guid)
    # Deterministic: the same inputs give the same names on every run.
    assert make_desired().role_assignments == desired.role_assignments


@pytest.mark.parametrize("env", ["local", "dev", "staging", "prod"])
def test_shipped_environments_validate(env: str) -> None:
    root = Path(__file__).resolve().parents[2]
    loaded = load_environment(env, env_dir=root / "environments")
    assert loaded.config.deployments
    if env == "prod":
        assert loaded.config.protection.prevent_destroy
    if env == "local":
        assert loaded.config.target == "emulator"


def test_capacity_must_fit_a_32_bit_integer() -> None:
    data = deep_merge(BASE_ENV, {})
    data["deployments"][0]["capacity"] = 10**12
    ((key, msg),) = _problems(data)
    assert key == "deployments[0].capacity" and "2147483647" in msg


def test_account_name_that_cannot_be_a_subdomain_needs_custom_subdomain() -> None:
    data = deep_merge(BASE_ENV, {"account": {"name": "aoai_dev", "custom_subdomain": None}})
    ((key, msg),) = _problems(data)
    assert key == "account.name" and "account.custom_subdomain" in msg
    ok = deep_merge(BASE_ENV, {"account": {"name": "aoai_dev", "custom_subdomain": "aoai-dev"}})
    assert parse_environment(ok).account.subdomain == "aoai-dev"


def test_account_name_and_subdomain_lengths() -> None:
    long_name = deep_merge(BASE_ENV, {"account": {"name": "a" * 65}})
    assert _problems(long_name)[0][0] == "account.name"
    short_sub = deep_merge(BASE_ENV, {"account": {"custom_subdomain": "a"}})
    assert _problems(short_sub)[0][0] == "account.custom_subdomain"
    edge = deep_merge(BASE_ENV, {"account": {"custom_subdomain": "ab-"}})
    assert _problems(edge)[0][0] == "account.custom_subdomain"


def test_tag_limits_name_the_table() -> None:
    many = deep_merge(BASE_ENV, {"tags": {f"t{i}": "x" for i in range(30)}})
    many["account"]["tags"] = {f"a{i}": "x" for i in range(20)}
    problems = dict(_problems(many))
    assert "Azure allows 50 per resource" in problems["account.tags"]
    bad_name = deep_merge(BASE_ENV, {"tags": {"a/b": "x"}})
    assert _problems(bad_name) == [("tags.a/b", "tag names may not contain '/'")]
    long_value = deep_merge(BASE_ENV, {"tags": {"k": "v" * 257}})
    assert _problems(long_value) == [("tags.k", "tag values are at most 256 characters")]


def test_the_readiness_marker_tag_is_reserved() -> None:
    data = deep_merge(BASE_ENV, {"tags": {"realtime-toolkit-readiness": "x"}})
    assert "reserved" in _problems(data)[0][1]


def test_subscription_override_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from provision.config import with_subscription

    azure = deep_merge(BASE_ENV, {"target": "azure", "role_assignments": []})
    loaded = LoadedEnvironment(parse_environment(azure), tmp_path / "dev.toml")
    flag, env_sub = "12345678-1234-1234-1234-123456789abc", "87654321-4321-4321-4321-cba987654321"
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", env_sub)
    assert with_subscription(loaded, flag).config.subscription == flag
    from_env = with_subscription(loaded)
    assert from_env.config.subscription == env_sub
    assert from_env.subscription_source == "AZURE_SUBSCRIPTION_ID"
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    assert with_subscription(loaded).config.subscription == BASE_ENV["subscription"]
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "not-a-guid")
    with pytest.raises(ConfigError) as info:
        with_subscription(loaded)
    assert info.value.problems[0][0] == "AZURE_SUBSCRIPTION_ID"


def test_placeholder_subscription_warns(tmp_path: Path) -> None:
    from provision.config import config_warnings

    zero = "00000000-0000-0000-0000-000000000000"
    azure = deep_merge(BASE_ENV, {"target": "azure", "subscription": zero, "role_assignments": []})
    (warning,) = config_warnings(LoadedEnvironment(parse_environment(azure), tmp_path / "d.toml"))
    assert "looks like a placeholder" in warning and "--subscription" in warning
    real = deep_merge(BASE_ENV, {"target": "azure", "role_assignments": []})
    assert config_warnings(LoadedEnvironment(parse_environment(real), tmp_path / "d.toml")) == []
