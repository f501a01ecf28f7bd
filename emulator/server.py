"""The emulator's HTTPS server: one aiohttp application on loopback serving every service.

``Emulator`` runs it on a background thread (tests, the embedded ``--env local`` target);
``Emulator.serve_forever`` runs it in the foreground (``realtime-emulator serve``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import admin, clock, connection, errors, seed, tls
from emulator.admin_client import AdminClient
from emulator.config import EmulatorConfig
from emulator.connection import Principal
from emulator.entra import principals
from emulator.entra import routes as entra_routes
from emulator.entra.tokens import TokenError, TokenService
from emulator.faults import Faults
from emulator.http import RequestContext, Route, find_route, normalize_path
from emulator.resources import providers
from emulator.stats import RequestStats
from emulator.store import Store

log = logging.getLogger("emulator")

ARM_AUDIENCES = ["https://management.azure.com", "https://management.core.windows.net"]
STATE_DB = "state.sqlite"


def all_routes() -> list[Route]:
    """Every service's URL table, in match order."""
    from emulator.arm import urls as arm_urls
    from emulator.cloud import metadata as cloud_routes
    from emulator.graph import routes as graph_routes
    from emulator.realtime import urls as realtime_urls

    return [
        *admin.ROUTES,
        *entra_routes.ROUTES,
        *cloud_routes.ROUTES,
        *graph_routes.ROUTES,
        *realtime_urls.ROUTES,
        *arm_urls.ROUTES,
    ]


class App:
    """Request dispatch with the cross-cutting behaviour: ids, ARM auth, faults (ARM and
    realtime handshakes; never Entra or admin), stats."""

    def __init__(self, state_dir: Path, config: EmulatorConfig) -> None:
        self.state_dir = state_dir
        self.config = config
        self.store = Store(state_dir / STATE_DB)
        seed.ensure_seeded(self.store)
        self.tokens = TokenService(state_dir, self.store.get_meta("tenant_id"))
        self.faults = Faults(config)
        self.stats = RequestStats()
        self.routes = all_routes()
        # The admin API can mint Owner tokens: only holders of connection.json (0600) may call it.
        self.admin_key = secrets.token_urlsafe(32)
        self.services: dict[str, Any] = {
            "tokens": self.tokens,
            "faults": self.faults,
            "stats": self.stats,
            "state_dir": state_dir,
        }

    def web_app(self) -> web.Application:
        """The aiohttp application (a single catch-all route; our table does the routing)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_shutdown.append(self._end_webrtc_calls)  # owner G: live calls end with the server
        return app

    async def _end_webrtc_calls(self, _app: web.Application) -> None:
        from emulator.realtime.webrtc.peer import close_calls

        await close_calls(self.services)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Route one request and answer in the target service's wire format."""
        request_id = str(uuid.uuid4())
        path = normalize_path(request.path)
        service = "unknown"
        try:
            found = find_route(self.routes, request.method, path)
            if found is None:
                raise errors.not_found(
                    "NotFound", f"No HTTP resource was found that matches the request URI '{path}'."
                )
            route, params = found
            service = route.service
            ctx = RequestContext(
                request=request,
                path=path,
                params=params,
                store=self.store,
                config=self.config,
                base_url=f"https://{request.host}",
                request_id=request_id,
                services=self.services,
            )
            if service == "arm":
                await self._arm_preamble(ctx)
            elif service == "dataplane":
                self._dataplane_preamble(ctx)
            elif service == "admin":
                self._admin_preamble(ctx)
            clock_token = clock.bind(self.config.clock_offset_seconds)
            try:
                response = await route.handler(ctx)
            finally:
                clock.unbind(clock_token)
        except errors.ServiceError as exc:
            response = exc.response()
        except web.HTTPException:
            raise
        except Exception:  # a bug in the emulator: answer like Azure, keep the trace in the log
            log.error("unhandled error for %s %s\n%s", request.method, path, traceback.format_exc())
            response = errors.ServiceError(
                500, "InternalServerError", "The emulator hit an internal error."
            ).response()
        self.stats.record(service, request.method, path, response.status)
        # The path only: query strings can carry an api-key (browser-style realtime clients).
        log.info("%s %s %s -> %d", service, request.method, path, response.status)
        if not response.prepared:
            self._add_headers(response, service, request_id)
        return response

    async def _arm_preamble(self, ctx: RequestContext) -> None:
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if ctx.query("api-version") is None and not ctx.path.lower().startswith("/metadata/"):
            raise errors.missing_api_version()
        fault = self.faults.http_fault(ctx.request.method, ctx.path)
        if fault is not None:
            raise fault
        if not ctx.path.lower().startswith("/metadata/"):
            ctx.principal = self._authenticate(ctx)
            providers.require_registered(ctx)

    def _dataplane_preamble(self, ctx: RequestContext) -> None:
        # Throttling refuses the upgrade itself, as Azure does: no socket is ever opened.
        fault = self.faults.dataplane_fault(ctx.request.method, ctx.path)
        if fault is not None:
            raise fault

    def _admin_preamble(self, ctx: RequestContext) -> None:
        scheme, _, key = ctx.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            key.strip().encode(), self.admin_key.encode()
        ):
            raise errors.ServiceError(
                401,
                "AdminAuthenticationRequired",
                "The admin API needs 'Authorization: Bearer <admin_key>' with the admin_key "
                "of this emulator's connection.json.",
            )

    def _authenticate(self, ctx: RequestContext) -> principals.PrincipalRecord:
        header = ctx.request.headers.get("Authorization", "")
        if not header:
            raise errors.authentication_missing()
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.invalid_token("the 'Authorization' header must be 'Bearer <token>'")
        try:
            claims = self.tokens.verify(token.strip(), ARM_AUDIENCES)
        except TokenError as exc:
            raise errors.invalid_token(str(exc)) from None
        record = principals.by_object_id(self.store, claims.object_id)
        if record is None:
            raise errors.invalid_token("the principal no longer exists")
        return record

    @staticmethod
    def _add_headers(response: web.StreamResponse, service: str, request_id: str) -> None:
        response.headers.setdefault("x-ms-request-id", request_id)
        if service == "arm":
            response.headers.setdefault("x-ms-correlation-request-id", str(uuid.uuid4()))
            response.headers.setdefault("x-ms-routing-request-id", f"LOCAL:{request_id}")
            response.headers.setdefault("x-ms-ratelimit-remaining-subscription-reads", "249")
            response.headers.setdefault("x-ms-ratelimit-remaining-subscription-writes", "199")


class Emulator:
    """A running emulator on 127.0.0.1 over HTTPS, with state under ``state_dir``.

    Use as a context manager, or call ``start``/``stop``. ``port=0`` picks a free port;
    ``port=None`` reuses the port this state directory was last served on when it is free (so
    endpoints users copied stay valid across restarts), else picks a free one.
    """

    def __init__(
        self,
        state_dir: Path | str,
        port: int | None = 0,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.port = port or 0
        self._reuse_port = port is None
        self.host = host
        self.config = config or EmulatorConfig()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.app: App | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        """Start serving on a background thread; returns once the port is bound."""
        self._prepare()
        self._thread = threading.Thread(target=self._run_thread, name="emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the emulator did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the emulator could not start: {self._error}") from self._error

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and remove ``connection.json``."""
        if self._loop is not None and self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            try:
                future.result(timeout)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        self._finish()

    async def serve_forever(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Serve on the current event loop until ``stop`` is set (``realtime-emulator serve``).

        ``ready`` is set once the port is bound and ``connection.json`` is written.
        """
        self._prepare()
        await self._start_site()
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            if self._runner is not None:
                await self._runner.cleanup()
            self._finish()

    # -- what clients need ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT`` (ARM base URL and Entra authority)."""
        return f"https://{self.host}:{self.port}"

    @property
    def ca_path(self) -> Path:
        """The CA bundle clients must trust."""
        return self.state_dir / tls.CA_FILE

    @property
    def connection_file(self) -> Path:
        """Where ``connection.json`` is written."""
        return self.state_dir / connection.FILE_NAME

    @property
    def connection(self) -> connection.Connection:
        """The parsed connection details."""
        assert self.app is not None, "start the emulator first"
        store = self.app.store
        seeded = {
            p.name: connection.Principal(
                name=p.name,
                client_id=p.client_id,
                client_secret=p.client_secret,
                object_id=p.object_id,
                display_name=p.display_name,
            )
            for p in principals.all_principals(store)
        }
        return connection.Connection(
            url=self.url,
            arm_url=self.url + "/",
            authority_url=self.url,
            data_plane_url=self.url + "/dataplane",
            ca_bundle=self.ca_path,
            tenant_id=store.get_meta("tenant_id"),
            subscription_id=store.get_meta("subscription_id"),
            port=self.port,
            pid=os.getpid(),
            principals=seeded,
            graph_url=self.url + "/graph/",  # emulator.cloud.metadata.graph_url's rule
            admin_key=self.app.admin_key,
        )

    @property
    def admin(self) -> AdminClient:
        """An authenticated caller of this emulator's ``/_admin`` API."""
        return AdminClient(self.connection)

    @property
    def admin_headers(self) -> dict[str, str]:
        """Headers that authenticate a hand-made ``/_admin`` request (tests)."""
        assert self.app is not None, "start the emulator first"
        return {"Authorization": f"Bearer {self.app.admin_key}"}

    def stats(self) -> dict[str, Any]:
        """The request log (see ``/_admin/stats``)."""
        assert self.app is not None
        return self.app.stats.snapshot()

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock forward: in-flight operations and propagation delays
        progress as if ``seconds`` had passed (tests step through lifecycles without waiting)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.config.clock_offset_seconds += seconds

    def reset_stats(self) -> None:
        """Forget the request log."""
        assert self.app is not None
        self.app.stats.reset()

    def add_principal(self, name: str) -> Principal:
        """Register a new service principal (no roles)."""
        assert self.app is not None
        record = principals.add(self.app.store, name)
        return connection.Principal(
            name=record.name,
            client_id=record.client_id,
            client_secret=record.client_secret,
            object_id=record.object_id,
            display_name=record.display_name,
        )

    def mint_token(self, principal: str, audience: str, lifetime: int = 3600) -> str:
        """A token for a named principal, possibly expired (negative lifetime)."""
        assert self.app is not None
        record = principals.by_name(self.app.store, principal)
        if record is None:
            raise KeyError(principal)
        return self.app.tokens.issue(record, audience, self.url, lifetime)[0]

    # -- internals ---------------------------------------------------------------------------
    def _prepare(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        tls.ensure_certificates(self.state_dir)
        self.app = App(self.state_dir, self.config)

    def _run_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_site())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _start_site(self) -> None:
        assert self.app is not None
        self._runner = web.AppRunner(
            self.app.web_app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = await self._bind(self._preferred_port())
        server = site._server  # aiohttp keeps the asyncio.Server private; it has the sockets
        sockets = server.sockets if isinstance(server, asyncio.Server) else []
        self.port = sockets[0].getsockname()[1]
        self.app.store.set_meta("last_port", self.port)
        connection.write(self.connection_file, self.connection)

    def _preferred_port(self) -> int:
        if self._reuse_port and self.app is not None:
            return int(self.app.store.get_meta("last_port") or 0)
        return self.port

    async def _bind(self, port: int) -> web.TCPSite:
        assert self._runner is not None
        ssl_context = tls.server_context(self.state_dir)
        site = web.TCPSite(self._runner, self.host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except OSError:
            if not (self._reuse_port and port):
                raise
            # The last port is taken now: any free port will do.
            site = web.TCPSite(self._runner, self.host, 0, ssl_context=ssl_context)
            await site.start()
        return site

    def _finish(self) -> None:
        try:
            current = connection.load(self.connection_file)
            if current.pid == os.getpid() and current.port == self.port:
                self.connection_file.unlink()
        except (ValueError, FileNotFoundError):
            pass
        if self.app is not None:
            self.app.store.close()
