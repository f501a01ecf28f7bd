"""The read side of provisioning: open an environment on its target, read facts, plan.

``plan``, ``status`` and ``outputs`` need only this module: it imports neither readiness, nor
apply, nor smoke (issue 13: those commands import only what they use). The write side
(``up``/``down``) lives in ``provision.orchestrate``. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provision import facts, outputs, preflight
from provision.changes import Plan
from provision.config import LoadedEnvironment, load_environment, with_subscription
from provision.model import ActualState, DesiredState
from provision.plan import diff
from provision.resolve import desired_state
from provision.targets import Target, open_target

if TYPE_CHECKING:
    from provision.backends.base import Backend

__all__ = [
    "Session",
    "build_outputs",
    "check_preflight",
    "make_plan",
    "open_loaded",
    "open_session",
]


@dataclass
class Session:
    """An environment opened on its target, with its desired state resolved."""

    loaded: LoadedEnvironment
    target: Target
    desired: DesiredState

    @property
    def backend(self) -> Backend:
        return self.target.backend

    @property
    def environment(self) -> str:
        return self.desired.environment


@contextmanager
def open_session(
    env: str | None = None,
    env_file: Path | None = None,
    env_dir: Path | None = None,
    *,
    principal: str | None = None,
    subscription: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Iterator[Session]:
    """Load and validate the environment, open its target and resolve the desired state.

    ``principal`` (emulator only) names the connection.json principal to act as;
    ``subscription`` (``--subscription``) overrides ``AZURE_SUBSCRIPTION_ID`` and the file.
    Raises ConfigError, UsageError, TargetError or AuthError.
    """
    loaded = with_subscription(load_environment(env, env_file, env_dir), subscription)
    with open_loaded(loaded, principal=principal, on_step=on_step) as session:
        yield session


@contextmanager
def open_loaded(
    loaded: LoadedEnvironment,
    *,
    principal: str | None = None,
    on_step: Callable[[str], None] | None = None,
    warm_speech: bool = False,
) -> Iterator[Session]:
    """Open an already-loaded environment (the file is not read again).

    ``warm_speech``: a caller about to open realtime sessions (smoke) has an emulator that
    this call starts load its speech stack at once, beside the rest of the start-up.
    """
    with open_target(loaded, principal, on_step, warm_speech=warm_speech) as target:
        yield Session(loaded, target, desired_state(loaded.config, target.backend))


def make_plan(session: Session) -> tuple[Plan, ActualState]:
    """Read actual state (four concurrent requests) and diff it against the desired state."""
    actual = facts.gather(session.backend, session.desired)
    return diff(session.desired, actual), actual


def check_preflight(session: Session, plan: Plan) -> list[preflight.PreflightFailure]:
    """Run pre-flight for ``plan`` (reads usages/catalog/subdomain only when needed)."""
    discovery = facts.gather_discovery(session.backend, session.desired, plan)
    return preflight.check(session.desired, plan, discovery)


def build_outputs(session: Session, actual: ActualState | None = None) -> dict[str, Any]:
    """Endpoint, deployments with realtime URL and dialect, role assignments.

    Pass ``actual`` when the caller has just read it (no duplicate reads).
    """
    if actual is None:
        actual = facts.gather(session.backend, session.desired)
    return outputs.build(session.desired, actual)
