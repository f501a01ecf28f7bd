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

from provision.errors import ConfigError
from provision.model import ENVIRONMENT_TAG, MANAGED_BY_TAG

DEFAULT_ROLE = "Cognitive Services User"
ENV_DIR_VARIABLE = "PROVISION_ENV_DIR"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ACCOUNT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")
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
    capacity: int = Field(ge=1)
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


class SmokeConfig(BaseModel):
    """``[smoke]``: settings read by ``smoke run``; known keys are validated, others kept."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    deployments: list[str] | None = None
    prompts: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(default=60.0, gt=0)
    auth: Literal["entra", "key"] = "entra"
    wait_for_access_seconds: float = Field(default=600.0, ge=0)


class EnvironmentConfig(_Strict):
    """One environment file, validated, with defaults resolved."""

    name: str = Field(pattern=_ENV_NAME.pattern)
    target: Literal["azure", "emulator"]
    subscription: str | None = Field(default=None, pattern=_GUID.pattern)
    resource_group: str = Field(pattern=_RG_NAME.pattern)
    location: str = Field(pattern=r"^[a-z0-9]+$")
    tags: dict[str, str] = Field(default_factory=dict)
    soft_delete: Literal["purge", "restore", "fail"] = "fail"
    account: AccountConfig
    deployments: list[DeploymentConfig] = Field(default_factory=list)
    role_assignments: list[RoleAssignmentConfig] = Field(default_factory=list)
    protection: ProtectionConfig = Field(default_factory=ProtectionConfig)
    readiness: ReadinessConfig = Field(default_factory=ReadinessConfig)
    smoke: SmokeConfig = Field(default_factory=SmokeConfig)

    @model_validator(mode="after")
    def _cross_checks(self) -> EnvironmentConfig:
        if self.target == "azure" and self.subscription is None:
            raise ValueError("subscription is required when target = 'azure'")
        names = [d.name for d in self.deployments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"deployment names must be unique; repeated: {', '.join(dupes)}")
        for tags in (self.tags, self.account.tags, *(d.tags for d in self.deployments)):
            reserved = {MANAGED_BY_TAG, ENVIRONMENT_TAG} & set(tags)
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

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def project_dir(self) -> Path:
        """The directory holding ``environments/`` (used for the emulator state dir)."""
        return self.path.resolve().parent.parent


def find_environment_file(
    env: str | None, env_file: Path | None = None, env_dir: Path | None = None
) -> Path:
    """Locate the environment file: ``env_file``, else ``<env_dir>/<env>.toml``.

    ``env_dir`` defaults to ``$PROVISION_ENV_DIR`` or ``./environments``.
    Raises ConfigError when nothing is found.
    """
    if env_file is not None:
        if env_file.is_dir():
            raise ConfigError(str(env_file), [("", "is a directory, not an environment file")])
        if not env_file.is_file():
            raise ConfigError(str(env_file), [("", "file not found")])
        return env_file
    if not env:
        raise ConfigError("<command line>", [("--env", "give --env NAME or --env-file PATH")])
    directory = env_dir or Path(os.environ.get(ENV_DIR_VARIABLE, "environments"))
    if "/" in env or "\\" in env or env.startswith("."):
        problem = f"{env!r} is not an environment name; use --env-file PATH for a file"
        raise ConfigError("<command line>", [("--env", problem)])
    path = directory / f"{env}.toml"
    if path.is_dir():
        raise ConfigError(str(path), [("", "is a directory, not an environment file")])
    if not path.is_file():
        available = sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []
        hint = f"available: {', '.join(available)}" if available else f"no *.toml in {directory}"
        raise ConfigError(str(path), [("", f"environment file not found ({hint})")])
    return path


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
    try:
        return EnvironmentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_problem(err) for err in exc.errors()]) from None


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
