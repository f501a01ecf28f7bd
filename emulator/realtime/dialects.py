"""The two wire dialects of one realtime engine: GA (``/openai/v1/realtime``) and preview (beta).

A ``Dialect`` owns everything that differs between them: event names, the session
object's shape and defaults, ``session.update`` / ``response.create`` validation, and the
content-part type names. The session engine speaks in dialect-neutral terms.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from emulator.realtime import session_schemas as schemas

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, witty, and friendly AI. Your voice and personality should be warm "
    "and engaging. Talk quickly and keep answers short."
)
SERVER_VAD_DEFAULTS = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,  # Azure's captures show 200, not the documented 500
    "create_response": True,
    "interrupt_response": True,
}
SEMANTIC_VAD_DEFAULTS = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}
_GA_TO_BETA_FORMAT = {"audio/pcm": "pcm16", "audio/pcmu": "g711_ulaw", "audio/pcma": "g711_alaw"}
_BETA_TO_GA_FORMAT = {v: k for k, v in _GA_TO_BETA_FORMAT.items()}


@dataclass(frozen=True)
class OutputSettings:
    """What one response produces, after session defaults and ``response.create`` overrides."""

    audio: bool
    audio_format: str  # "pcm16" | "g711_ulaw" | "g711_alaw"
    voice: str
    max_output_tokens: int | str
    instructions: str
    metadata: dict[str, str] | None
    conversation: str  # "auto" | "none"
    tools: list[dict[str, Any]]
    tool_choice: Any  # "auto" | "none" | "required" | {"type": "function", "name": …}


def _fill_turn_detection(value: dict[str, Any] | None, ga: bool) -> dict[str, Any] | None:
    if value is None or value["type"] == "none":
        return None  # preview's {"type": "none"} means what null means: no turn detection
    defaults = SERVER_VAD_DEFAULTS if value["type"] == "server_vad" else SEMANTIC_VAD_DEFAULTS
    filled = {**defaults, **value}
    if ga and filled["type"] == "server_vad":
        filled.setdefault("idle_timeout_ms", None)
    return filled


class Dialect:
    """Base: names shared by both dialects; subclasses fill in the differences."""

    name = ""
    text_delta = text_done = audio_delta = audio_done = ""
    transcript_delta = transcript_done = ""
    text_part = audio_part = ""  # content types of assistant items

    def default_session(self, session_id: str, model: str, expires_at: int) -> dict[str, Any]:
        """The session object of ``session.created``."""
        raise NotImplementedError

    def validate_update(self, session: Any) -> dict[str, Any]:
        """The checked ``session.update`` payload; raises ``ParamError``."""
        raise NotImplementedError

    def merge(self, state: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        """The session after applying a validated patch (only present fields change)."""
        raise NotImplementedError

    def validate_response(self, response: Any) -> dict[str, Any]:
        """The checked ``response.create`` ``response`` object; raises ``ParamError``."""
        raise NotImplementedError

    def output_settings(self, state: dict[str, Any], params: dict[str, Any]) -> OutputSettings:
        """Resolve one response's output from the session and its overrides."""
        raise NotImplementedError

    def input_format(self, state: dict[str, Any]) -> str:
        """``pcm16``, ``g711_ulaw`` or ``g711_alaw``."""
        raise NotImplementedError

    def turn_detection(self, state: dict[str, Any]) -> dict[str, Any] | None:
        """The effective turn detection settings, or None (manual commit)."""
        raise NotImplementedError

    def transcription(self, state: dict[str, Any]) -> dict[str, Any] | None:
        """Input transcription settings, or None when the client did not ask for them."""
        raise NotImplementedError

    def response_shape(self, settings: OutputSettings) -> dict[str, Any]:
        """The dialect-specific output fields of a ``realtime.response`` object."""
        raise NotImplementedError


class GADialect(Dialect):
    """GA: nested ``audio`` config, ``output_*`` event names, ``conversation.item.added``."""

    name = "ga"
    text_delta, text_done = "response.output_text.delta", "response.output_text.done"
    audio_delta, audio_done = "response.output_audio.delta", "response.output_audio.done"
    transcript_delta = "response.output_audio_transcript.delta"
    transcript_done = "response.output_audio_transcript.done"
    text_part, audio_part = "output_text", "output_audio"

    def default_session(self, session_id: str, model: str, expires_at: int) -> dict[str, Any]:
        pcm = {"type": "audio/pcm", "rate": 24000}
        return {
            "type": "realtime",
            "object": "realtime.session",
            "id": session_id,
            "model": model,
            "output_modalities": ["audio"],
            "instructions": DEFAULT_INSTRUCTIONS,
            "tools": [],
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": None,
            "truncation": "auto",
            "prompt": None,
            "expires_at": expires_at,
            "audio": {
                "input": {
                    "format": dict(pcm),
                    "transcription": None,
                    "noise_reduction": None,
                    "turn_detection": _fill_turn_detection({"type": "server_vad"}, True),
                },
                "output": {"format": dict(pcm), "voice": "marin", "speed": 1.0},
            },
            "include": None,
        }

    def validate_update(self, session: Any) -> dict[str, Any]:
        return schemas.GA_SESSION(session, "session")

    def merge(self, state: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        merged = copy.deepcopy(state)
        for key, value in patch.items():
            if key in ("type", "model"):
                continue  # the type is fixed and the model is immutable
            if key != "audio":
                merged[key] = value
                continue
            for side in ("input", "output"):
                for field, item in value.get(side, {}).items():
                    if field == "turn_detection":
                        item = _fill_turn_detection(item, True)
                    merged["audio"][side][field] = item
        return merged

    def validate_response(self, response: Any) -> dict[str, Any]:
        return schemas.GA_RESPONSE(response, "response")

    def output_settings(self, state: dict[str, Any], params: dict[str, Any]) -> OutputSettings:
        out = state["audio"]["output"]
        override = params.get("audio", {}).get("output", {})
        fmt = override.get("format", out["format"])
        return OutputSettings(
            audio=params.get("output_modalities", state["output_modalities"]) == ["audio"],
            audio_format=_GA_TO_BETA_FORMAT[fmt["type"]],
            voice=override.get("voice", out["voice"]),
            max_output_tokens=params.get("max_output_tokens", state["max_output_tokens"]),
            instructions=params.get("instructions", state["instructions"]),
            metadata=params.get("metadata"),
            conversation=params.get("conversation", "auto"),
            tools=params.get("tools", state["tools"]),
            tool_choice=params.get("tool_choice", state["tool_choice"]),
        )

    def input_format(self, state: dict[str, Any]) -> str:
        return _GA_TO_BETA_FORMAT[state["audio"]["input"]["format"]["type"]]

    def turn_detection(self, state: dict[str, Any]) -> dict[str, Any] | None:
        return state["audio"]["input"]["turn_detection"]

    def transcription(self, state: dict[str, Any]) -> dict[str, Any] | None:
        return state["audio"]["input"]["transcription"]

    def response_shape(self, settings: OutputSettings) -> dict[str, Any]:
        fmt: dict[str, Any] = {"type": _BETA_TO_GA_FORMAT[settings.audio_format]}
        if fmt["type"] == "audio/pcm":
            fmt["rate"] = 24000
        return {
            "output_modalities": ["audio"] if settings.audio else ["text"],
            "max_output_tokens": settings.max_output_tokens,
            "audio": {"output": {"format": fmt, "voice": settings.voice}},
        }


class BetaDialect(Dialect):
    """Preview: flat session, ``response.audio.*`` names, ``conversation.item.created``."""

    name = "beta"
    text_delta, text_done = "response.text.delta", "response.text.done"
    audio_delta, audio_done = "response.audio.delta", "response.audio.done"
    transcript_delta = "response.audio_transcript.delta"
    transcript_done = "response.audio_transcript.done"
    text_part, audio_part = "text", "audio"

    def default_session(self, session_id: str, model: str, expires_at: int) -> dict[str, Any]:
        return {
            "id": session_id,
            "object": "realtime.session",
            "expires_at": expires_at,
            "input_audio_noise_reduction": None,
            "turn_detection": _fill_turn_detection({"type": "server_vad"}, False),
            "input_audio_format": "pcm16",
            "input_audio_transcription": None,
            "client_secret": None,
            "include": None,
            "model": model,
            "modalities": ["audio", "text"],
            "instructions": DEFAULT_INSTRUCTIONS,
            "voice": "alloy",
            "output_audio_format": "pcm16",
            "tool_choice": "auto",
            "temperature": 0.8,
            "max_response_output_tokens": "inf",
            "speed": 1.0,
            "tracing": None,
            "tools": [],
        }

    def validate_update(self, session: Any) -> dict[str, Any]:
        return schemas.BETA_SESSION(session, "session")

    def merge(self, state: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        merged = copy.deepcopy(state)
        for key, value in patch.items():
            if key == "model":
                continue
            merged[key] = _fill_turn_detection(value, False) if key == "turn_detection" else value
        return merged

    def validate_response(self, response: Any) -> dict[str, Any]:
        return schemas.BETA_RESPONSE(response, "response")

    def output_settings(self, state: dict[str, Any], params: dict[str, Any]) -> OutputSettings:
        modalities = params.get("modalities", state["modalities"])
        return OutputSettings(
            audio="audio" in modalities,
            audio_format=params.get("output_audio_format", state["output_audio_format"]),
            voice=params.get("voice", state["voice"]),
            max_output_tokens=params.get(
                "max_response_output_tokens", state["max_response_output_tokens"]
            ),
            instructions=params.get("instructions", state["instructions"]),
            metadata=params.get("metadata"),
            conversation=params.get("conversation", "auto"),
            tools=params.get("tools", state["tools"]),
            tool_choice=params.get("tool_choice", state["tool_choice"]),
        )

    def input_format(self, state: dict[str, Any]) -> str:
        return str(state["input_audio_format"])

    def turn_detection(self, state: dict[str, Any]) -> dict[str, Any] | None:
        return state["turn_detection"]

    def transcription(self, state: dict[str, Any]) -> dict[str, Any] | None:
        return state["input_audio_transcription"]

    def response_shape(self, settings: OutputSettings) -> dict[str, Any]:
        return {
            "modalities": ["audio", "text"] if settings.audio else ["text"],
            "max_output_tokens": settings.max_output_tokens,
            "voice": settings.voice,
            "output_audio_format": settings.audio_format,
        }


GA = GADialect()
BETA = BetaDialect()
