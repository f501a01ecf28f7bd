"""The emulator's HTTPS server: one aiohttp application on loopback serving every service.

``Emulator`` runs it on a background thread (tests, the embedded ``--env local`` target);
``Emulator.serve_forever`` runs it in the foreground (``realtime-emulator serve``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import connection, tls
from emulator.admin_client import AdminClient
from emulator.config import EmulatorConfig
from emulator.connection import Principal
from emulator.dispatch import STATE_DB, App, all_routes
from emulator.entra import principals
from emulator.speech_warmup import warm_speech_stack

log = logging.getLogger("emulator")

__all__ = ["STATE_DB", "App", "Emulator", "all_routes"]


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

    def start(self, timeout: float = 30.0, *, warm_speech: bool = False) -> None:
        """Start serving on a background thread; returns once the port is bound.

        ``warm_speech`` starts the speech stack (recogniser processes, model load, ≈1 s of
        another core) now, beside the rest of start-up, instead of at the first realtime
        session: for a caller that is about to open sessions (``smoke run --env local``).
        """
        if warm_speech:
            warm_speech_stack()
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
        warm_speech_stack()  # a server: its first session should not wait for the model
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
            sample_token=self.app.sample_token,
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
