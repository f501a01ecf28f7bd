"""Sign-in failures as one line that names the fix (exit 5); the credential chain is kept for
``--debug`` only.

``DefaultAzureCredential`` reports every credential it tried (a dozen lines); users need to
know what to do: ``az login`` (and ``az account set``) on a workstation, the workload-identity
variables in CI. Which advice applies is decided from the environment (``CI``,
``GITHUB_ACTIONS``, ``TF_BUILD``), never from secrets.
"""

from __future__ import annotations

import os

from provision.errors import AuthError

CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "TF_BUILD")
WORKLOAD_IDENTITY = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE")
SIGN_IN_FIX = "sign in with `az login` (then `az account set --subscription <id>`)"
CI_FIX = (
    "in CI, sign in with azure/login (OIDC) or set "
    + ", ".join(WORKLOAD_IDENTITY)
    + " for workload identity"
)


def in_ci(environ: dict[str, str] | None = None) -> bool:
    """True on a CI runner (GitHub Actions, Azure Pipelines, or ``CI`` set)."""
    env = os.environ if environ is None else environ
    return any(env.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_VARIABLES)


def fix_advice(environ: dict[str, str] | None = None) -> str:
    """The one fix to suggest here."""
    return CI_FIX if in_ci(environ) else SIGN_IN_FIX


def signin_error(what: str, exc: BaseException) -> AuthError:
    """One line: what failed and the fix; ``detail`` holds the full chain for ``--debug``."""
    detail = getattr(exc, "message", None) or str(exc)
    unavailable = type(exc).__name__ == "CredentialUnavailableError" or (
        "DefaultAzureCredential failed" in detail
    )
    problem = "no Azure sign-in found" if unavailable else "Azure sign-in failed"
    return AuthError(f"{what}: {problem}; {fix_advice()}", detail=detail)


SUBSCRIPTION_CODES = frozenset({"SubscriptionNotFound", "InvalidAuthenticationTokenTenant"})


def subscription_error(what: str, code: str) -> AuthError:
    """The signed-in identity cannot see the subscription (wrong tenant or id)."""
    return AuthError(
        f"{what}: the subscription is not visible to the signed-in identity ({code}); "
        "run `az account set --subscription <id>`, or pass --subscription / set "
        "AZURE_SUBSCRIPTION_ID to a subscription you can use"
    )
