"""Identifiers in the shapes Azure's realtime service uses (``event_…``, ``sess_…``, ``resp_…``)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 21  # captures show 21 base62 characters after the prefix


def new_id(prefix: str) -> str:
    """A fresh random id such as ``event_C9G5RJeJ2gF77mV7f2B1j`` (``prefix`` without ``_``)."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def event(kind: str, **fields: object) -> dict[str, object]:
    """A server event: ``type``, a fresh ``event_id``, then the fields."""
    return {"type": kind, "event_id": new_id("event"), **fields}
