"""Role-based access control: who may do what where (ARM actions and data actions).

STUB: the authorization helper replaces these bodies with the real evaluation.
"""

from __future__ import annotations

from emulator.http import RequestContext
from emulator.store import Store


def authorize(ctx: RequestContext, action: str, scope: str) -> None:
    """Raise 403 ``AuthorizationFailed`` unless the caller's roles grant ``action`` at ``scope``."""
    return None


def has_data_action(store: Store, principal_id: str, scope: str, action: str, now: float,
                    propagation_seconds: float = 0.0) -> bool:
    """Whether the principal holds an *effective* assignment granting the data action at scope."""
    return True
