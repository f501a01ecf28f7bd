"""Load and validate ``environments/<env>.toml`` (no network).

Every problem is reported as ``FILE: key.path[0].sub: what was expected``; all problems of a
file are reported at once. Model versions must be TOML strings: an unquoted ``2025-08-28`` is
a TOML date and is rejected with a hint instead of being silently converted.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from provision import config_checks as checks
from provision.environment_files import find_environment_file
from provision.errors import ConfigError
from provision.model import ENVIRONMENT_TAG, MANAGED_BY_TAG, MARKER_TAG
from smoke.errors import SettingsError
from smoke.settings import SmokeDefaults, parse_smoke_table

DEFAULT_ROLE = "Cognitive Services User"
SUBSCRIPTION_VARIABLE = "AZURE_SUBSCRIPTION_ID"
# Ids that are obviously placeholders (shipped examples, documentation).
_PLACEHOLDER_SUBSCRIPTIONS = re.compile(r"^(0{8}-0{4}-0{4}-0{4}-0{12}|(.)\2{7}-(\2{4}-){3}\2{12})$")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ACCOUNT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")  # 2-64 characters (ARM)
# A DNS label: <subdomain>.openai.azure.com; 2-63 characters, no leading or trailing hyphen.
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")
INT32_MAX = 2**31 - 1  # deployment sku.capacity is a 32-bit integer in the ARM schema
# ARM's own pattern; the length is a separate bound: a {1,90} repetition of the Unicode \w
# class costs pydantic-core's regex compiler ~35 ms on every start (issue 13), `+` ~1 ms.
_RG_NAME = re.compile(r"^[-\w._()]+$")
_RG_MAX = 90
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _reject_toml_date(value: Any) -> Any:
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        raise ValueError(
            f"must be a string, got the TOML date {value.isoformat()}; quote it: "
            f'version = "{value.isoformat()}"'
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AccountConfig(_Strict):
    """``[account]``: the Cognitive Services account."""

    name: str = Field(pattern=_ACCOUNT_NAME.pattern)
    kind: Literal["OpenAI", "AIServices"] = "OpenAI"
    sku: str = "S0"
    custom_subdomain: str | None = Field(default=None, pattern=_SUBDOMAIN.pattern)
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    disable_local_auth: bool = True
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def subdomain(self) -> str:
        """The custom subdomain, defaulting to the lower-cased account name."""
        return self.custom_subdomain or self.name.lower()


class DeploymentConfig(_Strict):
    """``[[deployments]]``: one model deployment."""

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$")
    model: str = Field(min_length=1)
    version: str = Field(min_length=1)
    model_format: str = "OpenAI"
    sku: str = "GlobalStandard"
    capacity: int = Field(ge=1, le=INT32_MAX)
    version_upgrade_option: Literal[
        "NoAutoUpgrade", "OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired"
    ] = "NoAutoUpgrade"
    rai_policy: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    _no_dates = field_validator("version", "name", "model", mode="before")(_reject_toml_date)


class RoleAssignmentConfig(_Strict):
    """``[[role_assignments]]``: a role for a principal at the account scope."""

    principal: str
    principal_type: (
        Literal["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] | None
    ) = None
    role: str = DEFAULT_ROLE

    @field_validator("principal")
    @classmethod
    def _principal_form(cls, value: str) -> str:
        if value == "self" or value.startswith("emulator:") or _GUID.match(value):
            return value
        raise ValueError(
            "expected an object id (GUID), 'self' (the signed-in identity) or "
            "'emulator:<name>' (a principal of the emulator)"
        )

    @model_validator(mode="after")
    def _guid_needs_type(self) -> RoleAssignmentConfig:
        if _GUID.match(self.principal) and self.principal_type is None:
            raise ValueError(
                "principal_type is required for an object id (User, Group or ServicePrincipal); "
                "without it new principals fail with PrincipalNotFound"
            )
        return self


class ProtectionConfig(_Strict):
    """``[protection]``: guard rails for valuable environments."""

    prevent_destroy: bool = False


DEFAULT_WAIT_SECONDS = {"azure": 600.0, "emulator": 60.0}


class ReadinessConfig(_Strict):
    """``[readiness]``: how ``up`` waits for the data plane to accept the granted identities."""

    wait: bool = True
    timeout_seconds: float | None = Field(default=None, gt=0, le=86400)


class LifecycleConfig(_Strict):
    """``[lifecycle]``: how early ``plan``/``status`` warn about retiring model versions."""

    warn_days: int = Field(default=90, ge=0, le=3650)


class EnvironmentConfig(_Strict):
    """One environment file, validated, with defaults resolved."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )

    name: str = Field(pattern=_ENV_NAME.pattern)
    target: Literal["azure", "emulator"]
    subscription: str | None = Field(default=None, pattern=_GUID.pattern)
    resource_group: str = Field(pattern=_RG_NAME.pattern, min_length=1, max_length=_RG_MAX)
    location: str = Field(pattern=r"^[a-z0-9]+$")
    tags: dict[str, str] = Field(default_factory=dict)
    soft_delete: Literal["purge", "restore", "fail"] = "fail"
    account: AccountConfig
    deployments: list[DeploymentConfig] = Field(default_factory=list)
    role_assignments: list[RoleAssignmentConfig] = Field(default_factory=list)
    protection: ProtectionConfig = Field(default_factory=ProtectionConfig)
    readiness: ReadinessConfig = Field(default_factory=ReadinessConfig)
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    # ``[smoke]`` is smoke's table: its rules live in ``smoke.settings`` (parsed before this
    # model is validated, see ``parse_environment``).
    smoke: SmokeDefaults = Field(default_factory=SmokeDefaults)

    @model_validator(mode="after")
    def _cross_checks(self) -> EnvironmentConfig:
        if self.target == "azure" and self.subscription is None:
            raise ValueError("subscription is required when target = 'azure'")
        names = [d.name for d in self.deployments]
        for tags in (self.tags, self.account.tags, *(d.tags for d in self.deployments)):
            reserved = {MANAGED_BY_TAG, ENVIRONMENT_TAG, MARKER_TAG} & set(tags)
            if reserved:
                raise ValueError(f"tags {sorted(reserved)} are reserved for ownership tracking")
        for ra in self.role_assignments:
            if ra.principal.startswith("emulator:") and self.target != "emulator":
                raise ValueError(f"principal {ra.principal!r} is only valid with target 'emulator'")
        unknown = set(self.smoke.deployments or ()) - set(names)
        if unknown:
            raise ValueError(f"smoke.deployments names undeclared deployments: {sorted(unknown)}")
        return self

    @property
    def wait_timeout(self) -> float:
        """Seconds ``up`` waits for data-plane readiness (600 on Azure, 60 on the emulator)."""
        return self.readiness.timeout_seconds or DEFAULT_WAIT_SECONDS[self.target]


@dataclass(frozen=True)
class LoadedEnvironment:
    """A validated environment and the file it came from."""

    config: EnvironmentConfig
    path: Path
    subscription_source: str = "file"  # or "--subscription" / "AZURE_SUBSCRIPTION_ID"

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def project_dir(self) -> Path:
        """The directory holding ``environments/`` (used for the emulator state dir)."""
        return self.path.resolve().parent.parent


def load_environment(
    env: str | None = None, env_file: Path | None = None, env_dir: Path | None = None
) -> LoadedEnvironment:
    """Find, parse and validate an environment file. Raises ConfigError."""
    path = find_environment_file(env, env_file, env_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [("", f"invalid TOML: {exc}")]) from exc
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        raise ConfigError(str(path), [("", problem)]) from None
    except OSError as exc:
        raise ConfigError(str(path), [("", f"cannot read: {exc.strerror or exc}")]) from None
    config = parse_environment(data, source=str(path), default_name=path.stem)
    if env and env_file is None and config.name != env:
        problem = f"is {config.name!r} but the file is {path.name}; make them agree"
        raise ConfigError(str(path), [("name", problem)])
    return LoadedEnvironment(config=config, path=path)


def parse_environment(
    data: dict[str, Any], *, source: str = "<memory>", default_name: str | None = None
) -> EnvironmentConfig:
    """Validate an already-parsed TOML document. Raises ConfigError naming key paths."""
    if not data:
        required = "target, resource_group, location and an [account] table"
        raise ConfigError(source, [("", f"the file is empty; expected at least {required}")])
    if default_name is not None and "name" not in data:
        data = {"name": default_name, **data}
    problems: list[tuple[str, str]] = []
    data = _with_smoke_table(data, problems)
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_problem(err) for err in exc.errors()] + problems) from None
    problems += checks.cross_checks(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def _with_smoke_table(data: dict[str, Any], problems: list[tuple[str, str]]) -> dict[str, Any]:
    """Replace the raw ``[smoke]`` table by smoke's parsed form (its rules, its key paths)."""
    if "smoke" not in data:
        return data
    try:
        return {**data, "smoke": parse_smoke_table(data["smoke"])}
    except SettingsError as exc:
        problems.append((exc.key_path, exc.message))
        return {k: v for k, v in data.items() if k != "smoke"}


def _problem(err: Any) -> tuple[str, str]:
    path = _key_path(err["loc"])
    kind = err["type"]
    if kind == "missing":
        return path, "required key is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(err["loc"][:-1])
        close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1)
        if close:
            return path, f"unknown key (did you mean {close[0]!r}?)"
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return path, f"unknown key (check spelling){hint}"
    msg = err["msg"].removeprefix("Value error, ")
    if kind in {"string_type", "int_type", "bool_type", "float_type", "dict_type", "list_type"}:
        msg = f"{msg} (got {type(err.get('input')).__name__})"
    return path, msg


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the table at ``loc`` accepts (list indexes skipped)."""
    model: Any = EnvironmentConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        inner = [a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)]
        model = annotation if isinstance(annotation, type) else (inner[0] if inner else None)
        if model is None or not issubclass(model, BaseModel):
            return []
    return sorted(model.model_fields)


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def with_subscription(loaded: LoadedEnvironment, flag: str | None = None) -> LoadedEnvironment:
    """Apply the subscription override: ``--subscription`` wins, then ``$AZURE_SUBSCRIPTION_ID``
    (Azure targets only: the emulator serves its own subscription), then the file.

    Raises ConfigError naming the source when the override is not a GUID.
    """
    source, value = "--subscription", flag
    if value is None and loaded.config.target == "azure":
        source, value = SUBSCRIPTION_VARIABLE, os.environ.get(SUBSCRIPTION_VARIABLE) or None
    if value is None:
        return loaded
    value = value.strip()
    if not _GUID.match(value):
        problem = f"must be a subscription id (GUID), got {value[:60]!r}"
        raise ConfigError("<command line>" if flag else "<environment>", [(source, problem)])
    config = loaded.config.model_copy(update={"subscription": value})
    return LoadedEnvironment(config=config, path=loaded.path, subscription_source=source)


def config_warnings(loaded: LoadedEnvironment) -> list[str]:
    """Problems that do not stop ``validate`` but will fail later (e.g. a placeholder id)."""
    warnings: list[str] = []
    sub = loaded.config.subscription
    if loaded.config.target == "azure" and sub and _PLACEHOLDER_SUBSCRIPTIONS.match(sub):
        warnings.append(
            f"{loaded.path}: subscription: {sub} looks like a placeholder; set your subscription "
            f"id in the file, or pass --subscription / set {SUBSCRIPTION_VARIABLE} "
            "(`az account show --query id -o tsv` prints it)"
        )
    return warnings
