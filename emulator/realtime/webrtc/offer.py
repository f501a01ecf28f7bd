"""Reading a calls request: the SDP offer (raw ``application/sdp`` or the multipart form's
``sdp`` part) and the optional ``session`` part, with the checks Azure answers 400 for."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.errors import ServiceError

MAX_OFFER_BYTES = 256 * 1024


@dataclass(frozen=True)
class CallRequest:
    """An offer and the session configuration sent with it (multipart only)."""

    sdp: str
    session: dict[str, Any] | None


def invalid_request(message: str, param: str | None = None) -> ServiceError:
    """The data plane's 400 (OpenAI-style v1 error fields in the shared error envelope)."""
    return ServiceError(400, "invalid_request_error", message, target=param)


async def read_call_request(request: web.Request) -> CallRequest:
    """The offer and session from either body form; ``ServiceError`` 400/415 otherwise."""
    content_type = request.content_type.lower()
    if content_type == "application/sdp":
        return CallRequest(check_offer(await _text(request)), None)
    if content_type == "multipart/form-data":
        return await _multipart(request)
    raise ServiceError(
        415,
        "UnsupportedMediaType",
        f"Unsupported Content-Type '{content_type or 'none'}': send the SDP offer as "
        "application/sdp, or as the 'sdp' part of multipart/form-data.",
    )


def check_offer(sdp: str) -> str:
    """A structurally valid WebRTC offer (session line, an audio section, ICE and DTLS
    credentials), with line endings normalised to CRLF."""
    lines = [line.strip() for line in sdp.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines or lines[0] != "v=0":
        raise invalid_request("Invalid SDP offer: it must start with 'v=0'.", "sdp")
    if not any(line.startswith("m=audio ") for line in lines):
        raise invalid_request("Invalid SDP offer: no audio media section (m=audio).", "sdp")
    for attribute, meaning in (
        ("a=ice-ufrag:", "ICE credentials"),
        ("a=ice-pwd:", "ICE credentials"),
        ("a=fingerprint:", "a DTLS fingerprint"),
    ):
        if not any(line.startswith(attribute) for line in lines):
            raise invalid_request(f"Invalid SDP offer: missing {meaning} ({attribute}).", "sdp")
    return "\r\n".join(lines) + "\r\n"


async def _text(request: web.Request) -> str:
    body = await request.read()
    if len(body) > MAX_OFFER_BYTES:
        raise invalid_request("The SDP offer is too large.", "sdp")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("Invalid SDP offer: not UTF-8 text.", "sdp") from None


async def _multipart(request: web.Request) -> CallRequest:
    try:
        form = await request.post()
    except ValueError:
        raise invalid_request("The multipart form could not be read.") from None
    sdp = _form_text(form.get("sdp"))
    if sdp is None:
        raise invalid_request("Missing required parameter: 'sdp'.", "sdp")
    raw_session = _form_text(form.get("session"))
    session: dict[str, Any] | None = None
    if raw_session is not None:
        try:
            session = json.loads(raw_session)
        except ValueError:
            raise invalid_request("The 'session' part is not valid JSON.", "session") from None
        if not isinstance(session, dict):
            raise invalid_request("The 'session' part must be a JSON object.", "session")
    return CallRequest(check_offer(sdp), session)


def _form_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):  # a part with a non-text Content-Type
        return bytes(value).decode("utf-8", "replace")
    file = getattr(value, "file", None)
    if file is None:
        return None
    data = file.read()
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
