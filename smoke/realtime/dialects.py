"""URL, header and payload rules for the two realtime dialects on Azure OpenAI.

The one dialect and URL rule of the project: :func:`choose_dialect` (GA for every model unless
preview is requested) and :func:`realtime_url` (deployment name URL-quoted). provision's
outputs and readiness call these; nobody keeps a copy.

- GA: ``{endpoint}/openai/v1/realtime?model={deployment}``; never an ``api-version`` (Azure answers
  401 to one); nested session shape; ``response.output_audio.*`` event names.
- Preview (beta): ``{endpoint}/openai/realtime?api-version=2025-04-01-preview&deployment={d}``;
  flat session shape; ``response.audio.*`` event names.

Auth is a header on the upgrade: ``Authorization: Bearer <Entra token>`` or ``api-key: <key>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from smoke.errors import UsageError

__all__ = [
    "PREVIEW_API_VERSION",
    "PREVIEW_DEPRECATION",
    "Dialect",
    "SessionSettings",
    "auth_header",
    "canonical_type",
    "choose_dialect",
    "dialect_warning",
    "foreign_event_name",
    "realtime_url",
    "response_create_payload",
    "session_update_payload",
    "text_message_item",
    "wire_type",
]

PREVIEW_API_VERSION = "2025-04-01-preview"


class Dialect(StrEnum):
    """Which flavour of the realtime protocol a deployment speaks."""

    GA = "ga"
    PREVIEW = "preview"


PREVIEW_DEPRECATION = (
    "the preview realtime protocol is deprecated since 2026-04-30; "
    "GA serves every realtime model, -preview ones included: drop --dialect preview / "
    '[smoke] dialect = "preview"'
)


def choose_dialect(model: str | None, requested: str | Dialect | None = None) -> Dialect:
    """The dialect for a deployment of ``model``: GA, unless ``preview`` is requested.

    Microsoft's GA realtime articles list the ``-preview`` models among those served on the GA
    protocol, and the preview protocol is deprecated since 2026-04-30, so the model name no
    longer picks the dialect (``model`` is kept for callers and future rules). ``requested`` is
    ``--dialect`` / ``[smoke] dialect``: ``"ga"``, ``"preview"``, or ``None``/``""``/``"auto"``.
    """
    del model  # the GA protocol serves every realtime model
    if requested in (None, "", "auto"):
        return Dialect.GA
    try:
        return Dialect(str(getattr(requested, "value", requested)).lower())
    except ValueError:
        raise UsageError(f"unknown dialect {requested!r}; use ga or preview") from None


def dialect_warning(dialect: Dialect) -> str | None:
    """The deprecation warning reports carry when ``dialect`` is preview, else None."""
    return PREVIEW_DEPRECATION if dialect is Dialect.PREVIEW else None


def realtime_url(endpoint: str, deployment: str, dialect: Dialect) -> str:
    """The WebSocket URL for ``deployment`` behind the account ``endpoint`` (https/wss/http/ws)."""
    parts = urlsplit(endpoint.strip())
    scheme = {"https": "wss", "wss": "wss", "http": "ws", "ws": "ws"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise UsageError(f"endpoint {endpoint!r} is not an http(s) or ws(s) URL")
    try:
        _ = parts.port  # urllib raises ValueError for a port outside 0..65535
    except ValueError:
        raise UsageError(f"endpoint {endpoint!r} has an invalid port (use 1..65535)") from None
    if parts.query or parts.fragment:
        raise UsageError(f"endpoint {endpoint!r} must not carry a query or fragment")
    if not deployment:
        raise UsageError("a deployment name is required")
    base = parts.path.rstrip("/")
    name = quote(deployment, safe="")
    if dialect is Dialect.GA:
        path, query = f"{base}/openai/v1/realtime", f"model={name}"
    else:
        path = f"{base}/openai/realtime"
        query = f"api-version={PREVIEW_API_VERSION}&deployment={name}"
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def auth_header(kind: str, secret: str) -> tuple[str, str]:
    """The handshake header for ``kind`` ``entra`` (Bearer token) or ``key`` (``api-key``)."""
    if kind == "entra":
        return "Authorization", f"Bearer {secret}"
    if kind == "key":
        return "api-key", secret
    raise UsageError(f"unknown auth kind {kind!r}; use entra or key")


# Beta server event names → GA names. Everything else is spelled the same in both dialects.
_BETA_TO_GA = {
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
}
_GA_TO_BETA = {ga: beta for beta, ga in _BETA_TO_GA.items()}
# Names that exist only in GA (the beta dialect has conversation.item.created instead).
_GA_ONLY = frozenset({"conversation.item.added", "conversation.item.done", *_GA_TO_BETA})


def canonical_type(name: str, dialect: Dialect) -> str:
    """The GA name of a server event received on a ``dialect`` connection."""
    return _BETA_TO_GA.get(name, name) if dialect is Dialect.PREVIEW else name


def wire_type(canonical: str, dialect: Dialect) -> str:
    """How a server event named ``canonical`` (GA) is spelled in ``dialect``."""
    return _GA_TO_BETA.get(canonical, canonical) if dialect is Dialect.PREVIEW else canonical


def foreign_event_name(name: str, dialect: Dialect) -> bool:
    """True when ``name`` belongs to the other dialect (a server mixing dialects)."""
    if dialect is Dialect.GA:
        return name in _BETA_TO_GA
    return name in _GA_ONLY


@dataclass(frozen=True, kw_only=True)
class SessionSettings:
    """What the smoke client asks of a session, in dialect-neutral terms."""

    voice: str = "alloy"
    rate: int = 24000
    transcription_model: str | None = None
    instructions: str | None = None
    vad_threshold: float = 0.5
    vad_prefix_padding_ms: int = 300
    vad_silence_ms: int = 500


def _turn_detection(s: SessionSettings) -> dict[str, Any]:
    return {
        "type": "server_vad",
        "threshold": s.vad_threshold,
        "prefix_padding_ms": s.vad_prefix_padding_ms,
        "silence_duration_ms": s.vad_silence_ms,
        "create_response": True,
    }


def session_update_payload(dialect: Dialect, s: SessionSettings) -> dict[str, Any]:
    """The ``session`` object of ``session.update`` in the shape ``dialect`` expects."""
    transcription = {"model": s.transcription_model} if s.transcription_model else None
    if dialect is Dialect.GA:
        fmt = {"type": "audio/pcm", "rate": s.rate}
        session: dict[str, Any] = {
            "type": "realtime",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": fmt,
                    "transcription": transcription,
                    "turn_detection": _turn_detection(s),
                },
                "output": {"format": fmt, "voice": s.voice},
            },
        }
    else:
        session = {
            "modalities": ["audio", "text"],
            "voice": s.voice,
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_transcription": transcription,
            "turn_detection": _turn_detection(s),
        }
    if s.instructions:
        session["instructions"] = s.instructions
    return session


def response_create_payload(dialect: Dialect) -> dict[str, Any]:
    """The ``response`` object of ``response.create`` asking for spoken output."""
    if dialect is Dialect.GA:
        return {"output_modalities": ["audio"]}
    return {"modalities": ["audio", "text"]}


def text_message_item(text: str) -> dict[str, Any]:
    """A user message item carrying ``text`` (same shape in both dialects)."""
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
