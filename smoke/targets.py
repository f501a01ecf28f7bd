"""Resolve what to check: from an environment file (via ``provision``) or from an endpoint.

This is the only module that knows about ``provision``; it imports it lazily so the rest of the
smoke package works (and is tested) without it. On the emulator target the endpoint and the
Entra credential come from the emulator's ``connection.json`` — read here as plain JSON, since
smoke imports nothing from ``emulator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke.auth import Credential, EntraCredential, KeyCredential, default_entra, key_from_env
from smoke.errors import UsageError
from smoke.realtime.dialects import choose_dialect
from smoke.run import Target

__all__ = [
    "EnvironmentTargets",
    "targets_for_endpoint",
    "targets_for_environment",
]

DEFAULT_KEY_VARIABLE = "AZURE_OPENAI_API_KEY"


@dataclass(frozen=True, kw_only=True)
class EnvironmentTargets:
    """Targets of one environment plus its ``[smoke]`` settings."""

    environment: str
    targets: list[Target]
    timeout_s: float | None = None
    wait_for_access_s: float | None = None
    prompts: tuple[str, ...] = ()
    transcription_model: str | None = None


def targets_for_endpoint(
    endpoint: str,
    deployments: Sequence[str],
    *,
    model: str | None = None,
    dialect: str | None = None,
    auth: str = "entra",
    api_key_env: str = DEFAULT_KEY_VARIABLE,
    ca_path: Path | None = None,
) -> list[Target]:
    """Targets for ``--endpoint URL --deployment D`` without any environment file."""
    if not deployments:
        raise UsageError("--endpoint needs at least one --deployment")
    credential = _credential(auth, api_key_env)
    return [
        Target(
            name=name,
            endpoint=endpoint,
            deployment=name,
            model=model or name,
            dialect=choose_dialect(model or name, dialect),
            credential=credential,
            ca_path=ca_path,
        )
        for name in deployments
    ]


def _credential(auth: str, api_key_env: str) -> Credential:
    if auth == "key":
        return key_from_env(api_key_env)
    if auth == "entra":
        return default_entra()
    raise UsageError(f"unknown --auth {auth!r}; use entra or key")


def targets_for_environment(
    env: str,
    *,
    env_dir: Path | None = None,
    deployments: Sequence[str] = (),
    auth: str | None = None,
    dialect: str | None = None,
    api_key_env: str | None = None,
    principal: str = "app",
    ca_path: Path | None = None,
    endpoint: str | None = None,
    resources: ExitStack | None = None,
) -> EnvironmentTargets:
    """Every deployment of environment ``env`` (or the named subset) as a target.

    On the emulator target, a running emulator (found through its ``connection.json``) is
    reused; otherwise the embedded one is started and kept alive until ``resources`` closes.
    """
    try:
        from provision.config import load_environment
        from provision.errors import ProvisionError
    except ImportError as exc:  # pragma: no cover - provision ships with smoke
        raise UsageError(f"--env needs the provision package ({exc})") from None
    try:
        loaded = load_environment(env, env_dir=env_dir)
    except ProvisionError as exc:
        raise UsageError(str(exc)) from None
    config = loaded.config
    smoke_cfg = config.smoke
    chosen = _select(config, deployments or smoke_cfg.deployments or ())
    auth = auth or smoke_cfg.auth
    if config.target == "emulator":
        conn = _open_emulator(loaded, resources)
        endpoint = endpoint or f"{conn['data_plane_url'].rstrip('/')}/{config.account.subdomain}/"
        ca_path = ca_path or Path(conn["ca_bundle"])
        credential = _emulator_credential(conn, principal, auth, api_key_env, loaded)
    else:
        endpoint = endpoint or f"https://{config.account.subdomain}.openai.azure.com/"
        credential = _azure_credential(auth, api_key_env, loaded)
    targets = [
        Target(
            name=d.name,
            endpoint=endpoint,
            deployment=d.name,
            model=d.model,
            dialect=choose_dialect(d.model, dialect),
            credential=credential,
            ca_path=ca_path,
        )
        for d in chosen
    ]
    return EnvironmentTargets(
        environment=config.name,
        targets=targets,
        timeout_s=smoke_cfg.timeout_seconds,
        wait_for_access_s=smoke_cfg.wait_for_access_seconds,
        prompts=tuple(smoke_cfg.prompts),
        transcription_model=_optional_text(getattr(smoke_cfg, "transcription_model", None)),
    )


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _select(config: Any, names: Sequence[str]) -> list[Any]:
    if not config.deployments:
        raise UsageError(f"environment {config.name!r} declares no deployments")
    if not names:
        return list(config.deployments)
    by_name = {d.name: d for d in config.deployments}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UsageError(
            f"environment {config.name!r} has no deployment {', '.join(map(repr, unknown))}; "
            f"declared: {', '.join(by_name)}"
        )
    return [by_name[n] for n in names]


def _open_emulator(loaded: Any, resources: ExitStack | None) -> dict[str, Any]:
    """The emulator's connection details, starting the embedded emulator when none runs."""
    from provision.errors import ProvisionError
    from provision.targets import open_target

    if resources is None:
        raise UsageError("the emulator target needs a resource scope to keep it running")
    try:
        target = resources.enter_context(open_target(loaded))
    except ProvisionError as exc:
        raise UsageError(f"could not reach the emulator: {exc}") from None
    return target.connection.to_dict()


def _emulator_credential(
    conn: dict[str, Any], principal: str, auth: str, api_key_env: str | None, loaded: Any
) -> Credential:
    if auth == "key":
        return _key_credential(api_key_env, loaded)
    if auth != "entra":
        raise UsageError(f"unknown auth {auth!r}; use entra or key")
    entry = conn["principals"].get(principal)
    if not isinstance(entry, dict):
        known = ", ".join(conn["principals"]) or "none"
        raise UsageError(f"the emulator has no principal {principal!r} (known: {known})")
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(
        conn["tenant_id"],
        entry["client_id"],
        entry["client_secret"],
        authority=conn["authority_url"],
        disable_instance_discovery=True,
        connection_verify=str(conn["ca_bundle"]),
    )
    return EntraCredential(credential, f"emulator principal '{principal}'")


def _azure_credential(auth: str, api_key_env: str | None, loaded: Any) -> Credential:
    if auth == "key":
        return _key_credential(api_key_env, loaded)
    if auth == "entra":
        return default_entra()
    raise UsageError(f"unknown auth {auth!r}; use entra or key")


def _key_credential(api_key_env: str | None, loaded: Any) -> Credential:
    """A key from ``--api-key-env``, else the account's ``listKeys`` through provision's target."""
    if api_key_env:
        return key_from_env(api_key_env)
    from provision.errors import ProvisionError
    from provision.targets import open_target

    config = loaded.config
    account = config.account.name
    try:
        with open_target(loaded) as target:
            key1, _ = target.backend.list_keys(config.resource_group, account)
    except ProvisionError as exc:
        if getattr(config.account, "disable_local_auth", False):
            raise UsageError(
                f"--auth key: key authentication is disabled on account {account} "
                f"(disable_local_auth = true in {loaded.path.name}), so it has no usable keys; "
                "use --auth entra, or set disable_local_auth = false and run `provision up` "
                f"(could not list the keys of {account}: {exc})"
            ) from None
        raise UsageError(f"could not list the keys of {account}: {exc}") from None
    return KeyCredential(key1, f"listKeys of {account}")
