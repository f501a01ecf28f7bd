"""Identifiers in the shapes Azure's realtime service uses (``event_…``, ``sess_…``, ``resp_…``)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 21  # captures show 21 base62 characters after the prefix


def new_id(prefix: str, length: int = _LENGTH) -> str:
    """A fresh random id such as ``event_C9G5RJeJ2gF77mV7f2B1j`` (``prefix`` without ``_``);
    call ids are shorter (``call_Xz0z4X8aSYDdkTf2``: 16 characters in public error reports)."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def event(kind: str, **fields: object) -> dict[str, object]:
    """A server event: ``type``, a fresh ``event_id``, then the fields."""
    return {"type": kind, "event_id": new_id("event"), **fields}
