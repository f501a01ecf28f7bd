"""The one place the WebRTC adapter reaches into the shared realtime core (session, runner,
speech stack, handshake directory), so a move in the core is a change here only."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.dialects import GA
from emulator.realtime.handshake import SessionTarget
from emulator.realtime.validation import ParamError

__all__ = ["ParamError", "directory", "start_session"]


def directory(ctx: RequestContext) -> handshake.Directory:
    """ARM state, tokens and RBAC for a handshake-style check."""
    from emulator.realtime.directory import StoreDirectory

    return StoreDirectory(ctx)


def start_session(
    ctx: RequestContext, target: SessionTarget, session_config: dict[str, Any] | None, link: Any
) -> Any:
    """Start a GA session (WebRTC speaks GA for every model) in track mode over ``link``;
    returns its ``SessionRunner``. ``session_config`` is applied before ``session.created``."""
    from emulator.realtime import session_runner
    from emulator.realtime.session import RealtimeSession

    session_runner.warm_up()
    session = RealtimeSession(
        dataclasses.replace(target, dialect=GA),
        session_runner.speech_stack(),
        now=time.time(),
        session_seconds=ctx.config.realtime_session_seconds,
        media="track",
        session_config=session_config,
    )
    return session_runner.SessionRunner(session, link)
