"""A small Chrome DevTools Protocol client (over ``websockets``) and a headless Chromium
launcher: Debian's ``chromium``, a throwaway profile and HOME, nothing downloaded.

The emulator's CA is trusted the way a user would trust it on Linux: added to the NSS
database (``certutil`` from libnss3-tools) in the temporary HOME Chromium reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CERTUTIL = shutil.which("certutil") or "/usr/bin/certutil"


def trust_ca(home: Path, ca_pem: Path) -> None:
    """Create ``home/.pki/nssdb`` and trust ``ca_pem`` there for TLS servers."""
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True, exist_ok=True)
    subprocess.run([CERTUTIL, "-d", f"sql:{db}", "-N", "--empty-password"], check=True)
    subprocess.run(
        [
            CERTUTIL,
            "-d",
            f"sql:{db}",
            "-A",
            "-t",
            "C,,",
            "-n",
            "realtime-emulator",
            "-i",
            str(ca_pem),
        ],
        check=True,
    )


def chromium_args(profile: Path, fake_mic: Path) -> list[str]:
    """Headless Chromium with a fake microphone playing ``fake_mic`` once, loopback ICE."""
    return [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",  # the test may run as root in a container, where the sandbox cannot start
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_mic}%noloop",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
        # host candidates as addresses (not mDNS names): the emulator's ICE agent reads them
        "--disable-features=WebRtcHideLocalIpsWithMdns",
        "about:blank",
    ]


class Browser:
    """One headless Chromium process and a CDP session on its first page."""

    def __init__(self, process: subprocess.Popen[bytes], page: ClientConnection) -> None:
        self.process = process
        self.page = page
        self._ids = itertools.count(1)

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one CDP command and return its result (events in between are skipped)."""
        ident = next(self._ids)
        await self.page.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        while True:
            message = json.loads(await asyncio.wait_for(self.page.recv(), 30))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page."""
        result = await self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        return result.get("result", {}).get("value")


def _devtools_port(profile: Path, process: subprocess.Popen[bytes], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    marker = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(marker.read_text().splitlines()[0])
        time.sleep(0.05)  # waiting for a file another process writes (no event to wait on)
    raise TimeoutError("chromium did not open its DevTools port")


@contextlib.asynccontextmanager
async def launch(tmp: Path, ca_pem: Path, fake_mic: Path) -> AsyncIterator[Browser]:
    """Start Chromium (HOME and profile under ``tmp``) and attach to its page."""
    home, profile = tmp / "home", tmp / "profile"
    home.mkdir()
    trust_ca(home, ca_pem)
    env = {**os.environ, "HOME": str(home)}
    log = (tmp / "chromium.log").open("wb")
    process = subprocess.Popen(chromium_args(profile, fake_mic), env=env, stdout=log, stderr=log)
    try:
        port = await asyncio.to_thread(_devtools_port, profile, process, 30.0)
        page_url = await asyncio.to_thread(_page_socket, port)
        async with connect(page_url, max_size=None, proxy=None) as page:
            yield Browser(process, page)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _page_socket(port: int) -> str:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
        pages = [t for t in json.loads(resp.read()) if t.get("type") == "page"]
    return str(pages[0]["webSocketDebuggerUrl"])
