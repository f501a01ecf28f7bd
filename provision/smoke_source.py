"""Environments -> realtime targets: provision's implementation of smoke's ``EnvironmentSource``.

The one place where an environment becomes smoke targets, always from an already-open session:
the endpoint from facts (one account read), the credential of the session's own target (the
emulator's named principal, or ``DefaultAzureCredential``; ``--auth key`` lists the keys through
the same backend), dialect and URL from smoke's one rule (``smoke.realtime.dialects``).
``smoke run --env`` parses the environment file once and opens its target once
(:class:`ProvisionEnvironments`); ``up --smoke`` reuses the session ``up`` already holds
(:func:`smoke_after_up`). Our errors are translated into smoke's (exit codes per the shared table).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from provision.config import DeploymentConfig, load_environment, with_subscription
from provision.errors import AuthError, ConfigError, ProvisionError, TargetError, UsageError
from provision.outputs import openai_endpoint
from provision.session import Session, open_loaded
from smoke.auth import Credential, EntraCredential, KeyCredential, default_entra, key_from_env
from smoke.environments import EnvironmentRequest, ResolvedEnvironment
from smoke.errors import AuthError as SmokeAuthError
from smoke.errors import SmokeError, SourceError
from smoke.errors import UsageError as SmokeUsageError
from smoke.realtime.dialects import choose_dialect
from smoke.settings import SmokeDefaults
from smoke.targets import Target

EXIT_EMULATOR_UNREACHABLE = 10
DEFAULT_DATA_PLANE_PRINCIPAL = "app"  # the emulator identity that *uses* the deployments


class ProvisionEnvironments:
    """``EnvironmentSource`` over provision's environment files and targets.

    ``opened`` and ``parsed`` count what :meth:`open` did (tests assert once each per run).
    """

    def __init__(self) -> None:
        self.parsed = 0
        self.opened = 0

    @contextmanager
    def open(self, request: EnvironmentRequest) -> Iterator[ResolvedEnvironment]:
        with translated_errors():
            loaded = load_environment(request.name, request.env_file, request.env_dir)
            self.parsed += 1
            loaded = with_subscription(loaded, request.subscription)
            with open_loaded(loaded, principal=None, warm_speech=True) as session:
                self.opened += 1
                yield resolve(session, request)


def resolve(session: Session, request: EnvironmentRequest) -> ResolvedEnvironment:
    """The targets of an open session for ``request`` (no file read, no new target)."""
    config = session.loaded.config
    defaults: SmokeDefaults = config.smoke
    chosen = _select(session, request.deployments or defaults.deployments or ())
    endpoint = request.endpoint or _endpoint(session)
    credential = _credential(session, request, defaults)
    ca_path = request.ca_bundle or session.target.ca_bundle
    dialect_choice = request.dialect or defaults.dialect
    targets = [
        Target(
            name=d.name,
            endpoint=endpoint,
            deployment=d.name,
            model=d.model,
            dialect=choose_dialect(d.model, dialect_choice),
            credential=credential,
            ca_path=ca_path,
        )
        for d in chosen
    ]
    label = f"{config.name} ({session.target.kind})"
    return ResolvedEnvironment(targets=targets, defaults=defaults, label=label)


def _select(session: Session, names: Sequence[str]) -> list[DeploymentConfig]:
    config = session.loaded.config
    if not config.deployments:
        raise SmokeUsageError(f"environment {config.name!r} declares no deployments")
    if not names:
        return list(config.deployments)
    by_name = {d.name: d for d in config.deployments}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SmokeUsageError(
            f"environment {config.name!r} has no deployment {', '.join(map(repr, unknown))}; "
            f"declared: {', '.join(by_name)}"
        )
    return [by_name[n] for n in names]


def _endpoint(session: Session) -> str:
    """The account's realtime endpoint, read once from ARM (facts, not a guess)."""
    desired = session.desired
    account = session.backend.get_account(desired.resource_group.name, desired.account.name)
    endpoint = openai_endpoint(account.endpoints, account.endpoint) if account else None
    if not endpoint:
        raise SourceError(
            f"account {desired.account.name} of environment {desired.environment} is not "
            f"provisioned; run `provision up --env {desired.environment}` first"
        )
    return endpoint


def _credential(
    session: Session, request: EnvironmentRequest, defaults: SmokeDefaults
) -> Credential:
    auth = request.auth or defaults.auth or "entra"
    if auth == "key":
        return _key(session, request.api_key_env)
    target = session.target
    if target.kind == "emulator":
        name = request.principal or DEFAULT_DATA_PLANE_PRINCIPAL
        if name not in target.connection.principals:
            known = ", ".join(sorted(target.connection.principals)) or "none"
            raise SmokeUsageError(f"the emulator has no principal {name!r} (known: {known})")
        return EntraCredential(target.data_plane_credential(name), f"emulator principal '{name}'")
    return default_entra()


def _key(session: Session, api_key_env: str | None) -> Credential:
    """A key from ``--api-key-env``, else ``listKeys`` through the session's own backend."""
    if api_key_env:
        return key_from_env(api_key_env)
    config = session.loaded.config
    account = config.account.name
    if config.account.disable_local_auth:
        raise SmokeUsageError(
            f"--auth key: key authentication is disabled on account {account} "
            f"(disable_local_auth = true in {session.loaded.path.name}); use --auth entra, or set "
            "disable_local_auth = false and run `provision up`"
        )
    key1, _ = session.backend.list_keys(config.resource_group, account)
    return KeyCredential(key1, f"listKeys of {account}")


@contextmanager
def translated_errors() -> Iterator[None]:
    """provision's expected errors as smoke's, keeping their exit codes."""
    try:
        yield
    except (ConfigError, UsageError) as exc:
        raise SmokeUsageError(str(exc)) from None
    except AuthError as exc:
        raise SmokeAuthError(str(exc), debug_detail=exc.detail or "") from None
    except TargetError as exc:
        raise SourceError(str(exc), exit_code=EXIT_EMULATOR_UNREACHABLE) from None
    except ProvisionError as exc:
        raise SourceError(str(exc), exit_code=exc.exit_code) from None


def smoke_after_up(session: Session) -> tuple[Any, int]:
    """``up --smoke``: run smoke's library on the session ``up`` holds; (report, exit code)."""
    from smoke.run import smoke_environment

    try:
        resolved = resolve(session, EnvironmentRequest(name=session.environment))
        report = smoke_environment(resolved)
    except SmokeAuthError as exc:
        raise AuthError(f"--smoke: {exc}", detail=exc.debug_detail) from None
    except SmokeError as exc:  # e.g. --auth key on an account without keys, bad prompts
        raise UsageError(f"--smoke: {exc}") from None
    return report, int(report.exit_code)
