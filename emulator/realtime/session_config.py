"""The session object: its dialect, its current configuration and ``session.update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.dialects import Dialect
from emulator.realtime.ids import event, new_id
from emulator.realtime.outbox import Outbox


class SessionConfig:
    """Owns ``session`` as the client sees it; other parts read it through the dialect."""

    def __init__(
        self,
        dialect: Dialect,
        model: str,
        expires_at: int,
        outbox: Outbox,
        *,
        voice_locked: Callable[[], bool],
        on_turn_detection_changed: Callable[[], None],
    ) -> None:
        self.dialect = dialect
        self.current = dialect.default_session(new_id("sess"), model, expires_at)
        self._outbox = outbox
        self._voice_locked = voice_locked
        self._on_turn_detection_changed = on_turn_detection_changed

    def preset(self, session: Any) -> None:
        """Apply a ``session`` given at call or client-secret creation (before
        ``session.created``); raises ``ParamError`` like ``session.update``."""
        self.current = self.dialect.merge(self.current, self.dialect.validate_update(session))

    def announce(self) -> None:
        """``session.created``: the first event of every session."""
        self._outbox.emit(event("session.created", session=self.current))

    def update(self, body: dict[str, Any]) -> None:
        """``session.update``: validate, merge, answer ``session.updated``."""
        patch = self.dialect.validate_update(body["session"])
        merged = self.dialect.merge(self.current, patch)
        if self._voice_locked() and self.voice(merged) != self.voice(self.current):
            param = "session.audio.output.voice" if self.dialect.name == "ga" else "session.voice"
            raise p.ParamError(
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                param,
            )
        changed = self.dialect.turn_detection(merged) != self.dialect.turn_detection(self.current)
        self.current = merged
        if changed:
            self._on_turn_detection_changed()
        self._outbox.emit(event("session.updated", session=self.current))

    # -- what the other parts read -------------------------------------------------------------
    def voice(self, config: dict[str, Any] | None = None) -> str:
        """The output voice of ``config`` (default: the current session)."""
        config = self.current if config is None else config
        if self.dialect.name == "ga":
            return str(config["audio"]["output"]["voice"])
        return str(config["voice"])

    def input_format(self) -> str:
        """``pcm16``, ``g711_ulaw`` or ``g711_alaw``."""
        return self.dialect.input_format(self.current)

    def turn_detection(self) -> dict[str, Any] | None:
        """Effective turn detection, or None (the client commits)."""
        return self.dialect.turn_detection(self.current)

    def transcribes_input(self) -> bool:
        """Whether the client asked for input transcription events."""
        return self.dialect.transcription(self.current) is not None
