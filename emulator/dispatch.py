"""Request dispatch: the route table of every service and the cross-cutting behaviour (request
ids, ARM authentication and provider registration, admin credential, faults, stats).

``emulator.server.Emulator`` serves an ``App`` over HTTPS.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import traceback
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import admin, clock, errors, seed
from emulator.config import EmulatorConfig
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
        # The WebRTC sample's backend mints client secrets: same rule, its own narrower key.
        self.sample_token = secrets.token_urlsafe(32)
        self.services: dict[str, Any] = {
            "tokens": self.tokens,
            "faults": self.faults,
            "stats": self.stats,
            "state_dir": state_dir,
            "sample_token": self.sample_token,
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
