"""Errors raised by the provisioner, and the exit codes the CLI maps them to.

Hierarchy::

    ProvisionError                      base of every expected error (exit 1 unless noted)
    ├── ConfigError                     environment file missing or invalid (exit 2)
    ├── UsageError                      command used in a way that cannot proceed (exit 2)
    │   └── ProtectedEnvironmentError   destructive action on a protected environment (exit 2)
    ├── PreflightError                  the cloud cannot satisfy the desired state (quota,
    │                                   region/model/SKU, subdomain, soft-deleted name); lists
    │                                   every failed check with a fix
    ├── PlanError                       desired and actual state cannot be reconciled
    │                                   (e.g. a foreign resource holds a name we need)
    ├── ApplyError(change, cause)       a change failed; carries what was and was not applied
    ├── AuthError                       credentials missing or rejected (401/403, token errors)
    ├── AzureApiError(status, code,     an ARM call failed; raised by backends only
    │   request_id)
    │   ├── NotFoundError               404
    │   ├── ConflictError               409 (RequestConflict, FlagMustBeSetForRestore, ...)
    │   └── ThrottledError              429
    ├── TargetError                     the target (emulator) could not be started or reached
    ├── AbortedError                    the user declined a confirmation prompt
    └── ReadinessError                  applied, but the data plane did not accept the granted
                                        identities within the wait timeout (exit 4)

Exit codes (documented in the CLI help too):

    0  success (``plan``: no changes pending)
    1  failure (cloud, apply, pre-flight, plan, auth, aborted)
    2  bad input or usage (invalid environment file, bad flags, protected environment)
    3  ``plan``/``status``: changes are pending
    4  ``up``: changes applied, but the data plane did not accept the identities in time
       (role assignments or deployments not effective yet; check later with ``smoke run``)

Messages never contain secrets: backends build them from ARM error codes and messages only.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_CHANGES_PENDING = 3
EXIT_NOT_READY = 4
EXIT_AUTH = 5
EXIT_LIFECYCLE = 6
EXIT_INTERNAL = 7
EXIT_INTERRUPTED = 130


class ProvisionError(Exception):
    """Base class of every expected provisioner error."""

    exit_code = EXIT_FAILURE


class ConfigError(ProvisionError):
    """An environment file is missing or invalid.

    ``problems`` holds one ``(key_path, message)`` pair per problem found.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {key or '<file>'}: {msg}" for key, msg in problems]
        super().__init__("\n".join(lines))


class UsageError(ProvisionError):
    """The command cannot proceed as invoked (missing flag, non-interactive prompt...)."""

    exit_code = EXIT_BAD_INPUT


class ProtectedEnvironmentError(UsageError):
    """A destructive action was requested on a protected environment without the override."""


class PreflightError(ProvisionError):
    """One or more pre-flight checks failed; ``failures`` lists each with its fix."""

    def __init__(self, failures: list[Any]) -> None:
        self.failures = failures
        text = "; ".join(str(f) for f in failures)
        super().__init__(f"pre-flight failed ({len(failures)} problem(s)): {text}")


class PlanError(ProvisionError):
    """Desired and actual state cannot be reconciled safely."""


class AuthError(ProvisionError):
    """Credentials are missing, expired or rejected (exit 5).

    ``detail`` keeps the underlying credential chain's text for ``--debug``; the message itself
    is one line naming the fix.
    """

    exit_code = EXIT_AUTH

    def __init__(self, message: str, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(message)


class AuthorizationError(ProvisionError):
    """Signed in, but the identity lacks a permission (403 AuthorizationFailed; exit 1)."""


class InterruptedRunError(ProvisionError):
    """Ctrl-C (SIGINT) stopped ``up`` or ``down`` (exit 130); ``applied`` lists the changes
    that completed before the interruption, ``environment`` names where."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, environment: str, applied: tuple[Any, ...] = ()) -> None:
        self.environment = environment
        self.applied = applied
        done = "; ".join(c.describe() for c in applied) or "nothing"
        super().__init__(
            f"interrupted: {environment}: applied before the interruption: {done}; "
            "re-run the command to converge"
        )


class TargetError(ProvisionError):
    """The target could not be started or reached."""


class AbortedError(ProvisionError):
    """The user declined a confirmation prompt."""


class ReadinessError(ProvisionError):
    """``up`` applied its changes but the data plane kept refusing within the wait timeout.

    ``report`` is the ``provision.readiness.ReadinessReport`` with every check and wait.
    """

    exit_code = EXIT_NOT_READY

    def __init__(self, message: str, report: Any = None) -> None:
        self.report = report
        super().__init__(message)


class AzureApiError(ProvisionError):
    """An ARM request failed.

    ``status`` is the HTTP status (0 when no response arrived), ``code`` the ARM error code
    (e.g. ``RequestConflict``), ``request_id`` the ``x-ms-request-id`` for support tickets.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.request_id = request_id
        self.message = message
        suffix = f" (request id {request_id})" if request_id else ""
        label = f"{status} {code}".strip()
        super().__init__(f"{label}: {message}{suffix}" if label else f"{message}{suffix}")


class NotFoundError(AzureApiError):
    """404: the resource does not exist."""


class ConflictError(AzureApiError):
    """409: e.g. ``RequestConflict`` (another write in progress) or ``FlagMustBeSetForRestore``."""


class ThrottledError(AzureApiError):
    """429: ARM throttled the request; retry after a delay."""


class ApplyError(ProvisionError):
    """A change failed while applying a plan.

    ``change`` is the failing change, ``cause`` the underlying error, ``applied`` the changes
    that completed before it and ``pending`` the ones never attempted.
    """

    def __init__(
        self,
        change: Any,
        cause: BaseException,
        applied: tuple[Any, ...] = (),
        pending: tuple[Any, ...] = (),
    ) -> None:
        self.change = change
        self.cause = cause
        self.applied = applied
        self.pending = pending
        super().__init__(
            f"{change.describe()} failed: {cause} "
            f"({len(applied)} change(s) applied, {len(pending)} not attempted; {self.advice})"
        )

    @property
    def advice(self) -> str:
        """What to do next, only when it can work: a value the service refused (400) will be
        refused again, so re-running is advised only for the other failures."""
        cause = self.cause
        if (
            isinstance(cause, AzureApiError)
            and cause.status == 400
            and cause.code not in ("PrincipalNotFound",)
        ):
            return (
                "the service refused a value: fix it in the environment file (or the quota) "
                "first; re-running as is fails the same way"
            )
        return "re-run `provision up` to converge"
