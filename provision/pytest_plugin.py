"""pytest fixtures for testing your own realtime apps against the local Azure emulator.

Installed with the toolkit (a ``pytest11`` entry point), so any project that depends on
``realtime-toolkit`` gets these fixtures without a conftest; importing this module costs
nothing until a fixture is used (the emulator, provision and smoke load on first use).

``realtime_emulator`` (session)
    A running emulator (``emulator.api.Emulator``) over TLS on 127.0.0.1 with its own state
    directory. Timing profile: ini ``realtime_timing`` or ``--realtime-timing``
    (``instant`` by default, ``realistic`` for Azure-like write and role-propagation delays).
``realtime_environment`` (session)
    A :class:`RealtimeEnvironment`: the environment file (ini ``realtime_env_file``, relative to
    the rootdir; default: one OpenAI account with a ``gpt-realtime`` deployment, keys enabled,
    ``emulator:app`` granted "Cognitive Services OpenAI User") provisioned on that emulator with
    ``provision up``, readiness proven. Its endpoint, deployments (realtime URL, dialect),
    tokens and key are what your app needs.
``realtime_session``
    A factory: ``async with realtime_session("gpt-realtime") as rt:`` opens a realtime WebSocket
    session (smoke's client, Entra by default) — ``await rt.send({...})``,
    ``await rt.wait_for("response.done")``, ``rt.events``.

Example (``examples/realtime-app``)::

    def test_my_app(realtime_environment):
        deployment = realtime_environment.deployments["gpt-realtime"]
        reply = my_app.ask(deployment.realtime_url, realtime_environment.token(), "hello")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from emulator.api import Connection, Emulator, TimingProfile

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
DEFAULT_ENVIRONMENT = """\
# Written by the realtime-toolkit pytest plugin (set ini `realtime_env_file` to use your own).
target = "emulator"
resource_group = "rg-pytest"
location = "swedencentral"

[account]
name = "aoai-pytest"
kind = "OpenAI"
sku = "S0"
custom_subdomain = "aoai-pytest"
disable_local_auth = false

[[deployments]]
name = "gpt-realtime"
model = "gpt-realtime"
version = "2025-08-28"
sku = "GlobalStandard"
capacity = 1

[[role_assignments]]
principal = "emulator:app"
principal_type = "ServicePrincipal"
role = "Cognitive Services OpenAI User"
"""


class RealtimeSetupError(Exception):
    """The plugin could not provision the environment (the message says why)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """``realtime_env_file`` and ``realtime_timing`` (ini) and ``--realtime-timing``."""
    parser.addini("realtime_env_file", "environment file the realtime fixtures provision", "string")
    parser.addini(
        "realtime_timing", "emulator timing for the realtime fixtures: instant|realistic", "string"
    )
    parser.addoption(
        "--realtime-timing",
        choices=("instant", "realistic"),
        default=None,
        help="emulator timing profile for the realtime fixtures (default: instant)",
    )


@dataclass(frozen=True)
class Deployment:
    """One provisioned deployment: what a realtime client connects to."""

    name: str
    model: str
    dialect: str
    realtime_url: str


@dataclass
class RealtimeEnvironment:
    """A provisioned local environment (see the module docstring)."""

    name: str
    env_file: Path
    endpoint: str
    deployments: dict[str, Deployment]
    connection: Connection = field(repr=False)
    outputs: dict[str, Any] = field(repr=False)

    @property
    def ca_bundle(self) -> Path:
        """The emulator's CA (trust it: ``ssl.create_default_context(cafile=...)``)."""
        return Path(self.connection.ca_bundle)

    def credential(self, principal: str = "app") -> Any:
        """An azure-identity credential for an emulator principal (``app`` holds the role)."""
        from emulator.api import sdk_credential

        return sdk_credential(self.connection, principal)

    def token(self, principal: str = "app", scope: str = COGNITIVE_SCOPE) -> str:
        """A data-plane Entra token (``Authorization: Bearer …``)."""
        return str(self.credential(principal).get_token(scope).token)

    def api_key(self) -> str:
        """The account's first key (only when the file enables local auth)."""
        from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

        from emulator.api import sdk_client_options, sdk_credential

        conn = self.connection
        client = CognitiveServicesManagementClient(
            sdk_credential(conn), conn.subscription_id, **sdk_client_options(conn)
        )
        keys = client.accounts.list_keys(self.outputs["resource_group"], self.outputs["account"])
        return str(keys.key1)


def _timing(config: pytest.Config) -> str:
    chosen = config.getoption("--realtime-timing") or config.getini("realtime_timing") or "instant"
    if chosen not in ("instant", "realistic"):
        raise pytest.UsageError(f"realtime_timing must be instant or realistic, not {chosen!r}")
    return str(chosen)


@pytest.fixture(scope="session")
def realtime_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator]:
    """A running emulator for the test session (stopped at the end)."""
    from emulator.api import Emulator, EmulatorConfig

    config = EmulatorConfig(timing=cast("TimingProfile", _timing(request.config)))
    with Emulator(state_dir=tmp_path_factory.mktemp("realtime-emulator"), config=config) as emu:
        yield emu


def _env_file(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = config.getini("realtime_env_file")
    if configured:
        path = Path(config.rootpath) / str(configured)
        if not path.is_file():
            raise pytest.UsageError(f"realtime_env_file: {path} does not exist")
        return path
    path = tmp_path_factory.mktemp("realtime-env") / "pytest.toml"
    path.write_text(DEFAULT_ENVIRONMENT)
    return path


@pytest.fixture(scope="session")
def realtime_environment(
    request: pytest.FixtureRequest,
    realtime_emulator: Emulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RealtimeEnvironment]:
    """The environment file provisioned on ``realtime_emulator`` (``provision up``)."""
    env_file = _env_file(request.config, tmp_path_factory)
    with pytest.MonkeyPatch.context() as patch:
        # provision's emulator target reuses the running emulator of this state directory.
        patch.setenv("PROVISION_EMULATOR_STATE", str(realtime_emulator.state_dir))
        patch.delenv("PROVISION_EMULATOR_PRINCIPAL", raising=False)
        _provision_up(env_file)
        yield _describe(env_file, realtime_emulator.connection)


def _provision_up(env_file: Path) -> None:
    from provision import orchestrate
    from provision.outcomes import EnvRef, Selection, UpOptions

    report = orchestrate.up(
        Selection((EnvRef(file=env_file),)), UpOptions(confirm=lambda _plan: True)
    )
    if report.exit_code != 0:
        reasons = [str(o.error) for o in report.environments if o.error is not None]
        raise RealtimeSetupError(
            f"provision up {env_file.name} exited {report.exit_code}: {'; '.join(reasons)}"
        )


def _describe(env_file: Path, connection: Connection) -> RealtimeEnvironment:
    from provision import session

    with session.open_session(env_file=env_file) as opened:
        outputs = session.build_outputs(opened)
    deployments = {
        d["name"]: Deployment(d["name"], d["model"], d["dialect"], d["realtime_url"])
        for d in outputs["deployments"]
    }
    return RealtimeEnvironment(
        name=str(outputs["environment"]),
        env_file=env_file,
        endpoint=str(outputs["endpoint"]),
        deployments=deployments,
        connection=connection,
        outputs=outputs,
    )


class RealtimeSession:
    """An open realtime session (smoke's WebSocket client) with dict-level helpers."""

    def __init__(self, client: Any, deployment: Deployment) -> None:
        self.client = client  # smoke.client.RealtimeClient
        self.deployment = deployment

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every server event received so far, as the JSON objects the server sent."""
        return [dict(getattr(e, "raw", {}) or {"type": e.type}) for e in self.client.received]

    async def send(self, event: dict[str, Any]) -> None:
        """Send a client event given as a JSON object (``{"type": "response.create"}``)."""
        await self.client.send(_raw_event(event))

    async def wait_for(self, event_type: str, timeout: float = 15.0) -> dict[str, Any]:
        """The first received event of ``event_type`` (GA names; preview names are mapped)."""

        def seen(received: list[Any]) -> bool:
            return any(getattr(e, "type", None) == event_type for e in received)

        await self.client.wait_until(seen, timeout, event_type)
        found = next(e for e in self.client.received if getattr(e, "type", None) == event_type)
        return dict(found.raw)


def _raw_event(body: dict[str, Any]) -> Any:
    from smoke.realtime.client_events import ClientEvent

    @dataclass(frozen=True, kw_only=True)
    class _Raw(ClientEvent):
        payload: dict[str, Any]

        def serialize(self) -> dict[str, Any]:
            return dict(self.payload)

    if not isinstance(body.get("type"), str):
        raise ValueError("a client event needs a string 'type'")
    return _Raw(payload=body)


@pytest.fixture
def realtime_session(
    realtime_environment: RealtimeEnvironment,
) -> Callable[..., AbstractAsyncContextManager[RealtimeSession]]:
    """``realtime_session(deployment=None, *, principal="app", auth="entra")``: opens a
    session (the first deployment of the file by default)."""

    @asynccontextmanager
    async def open_session(
        deployment: str | None = None, *, principal: str = "app", auth: str = "entra"
    ) -> AsyncIterator[RealtimeSession]:
        import asyncio

        from smoke.client import ConnectSettings, RealtimeClient
        from smoke.realtime.dialects import auth_header, choose_dialect
        from smoke.realtime.protocol import RealtimeProtocol

        env = realtime_environment
        chosen = env.deployments[deployment or next(iter(env.deployments))]
        secret = env.token(principal) if auth == "entra" else env.api_key()
        name, value = auth_header(auth, secret)
        settings = ConnectSettings(
            url=chosen.realtime_url, headers={name: value}, ca_path=env.ca_bundle
        )
        dialect = choose_dialect(chosen.model, chosen.dialect)
        loop = asyncio.get_running_loop()
        client = await RealtimeClient.connect(settings, RealtimeProtocol(dialect), loop.time)
        try:
            yield RealtimeSession(client, chosen)
        finally:
            await client.close()

    return open_session
