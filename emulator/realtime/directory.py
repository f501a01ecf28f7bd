"""``handshake.Directory`` over the emulator's store, token service and RBAC (the lookups a
realtime handshake needs, for the WebSocket and the WebRTC endpoints alike)."""

from __future__ import annotations

from typing import Any

from emulator import clock
from emulator.http import RequestContext
from emulator.realtime import handshake


class StoreDirectory:
    """``handshake.Directory`` over the emulator's store, token service and RBAC."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    def account(self, subdomain: str) -> Any | None:
        from emulator.cognitiveservices.accounts.models import find_account_by_subdomain

        return find_account_by_subdomain(self.ctx.store, subdomain)

    def deployment(self, account_id: str, name: str) -> Any | None:
        from emulator.cognitiveservices.deployments.models import get_deployment

        return get_deployment(self.ctx.store, account_id, name)

    def verify_token(self, token: str) -> str:
        from emulator.entra.tokens import TokenError

        try:
            return self.ctx.services["tokens"].verify(token, handshake.TOKEN_AUDIENCES).object_id
        except TokenError as exc:
            raise ValueError(str(exc)) from None

    def may_use_realtime(self, principal_id: str, scope: str) -> bool:
        from emulator.authorization import rbac

        return rbac.has_data_action(
            self.ctx.store,
            principal_id,
            scope,
            handshake.REALTIME_DATA_ACTION,
            self.now(),
            self.ctx.config.role_propagation_seconds,
        )

    def now(self) -> float:
        return clock.now()
