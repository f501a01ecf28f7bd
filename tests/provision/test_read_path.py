"""The REST read path against the emulator: ARM paging through ``nextLink``, the errors the
SDK path raised (status, ARM code, request id, Retry-After; 401/403/404), the one retry policy
on top, one TLS handshake per host, and one conversion shared with the SDK writer."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.api import Emulator, EmulatorConfig, FaultRule
from provision.backends.arm import ArmBackend
from provision.backends.connect import emulator_backend
from provision.backends.retry import Retrier, RetryingBackend, RetryPolicy
from provision.errors import AuthError, AuthorizationError, AzureApiError, ThrottledError
from provision.model import AccountSpec, DeploymentSpec

RG, ACCOUNT = "rg-read-path", "aoai-read-path"
NAMES = ("dep-a", "dep-b", "dep-c")


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One account with three deployments, written through the SDK writer."""
    state = tmp_path_factory.mktemp("read-path") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as running:
        backend = emulator_backend(running.connection)
        backend.put_resource_group(RG, "swedencentral", {"owner": "test"})
        spec = AccountSpec(
            ACCOUNT, "swedencentral", "OpenAI", "S0", ACCOUNT, "Enabled", True, {"t": "1"}
        )
        backend.put_account(RG, spec)
        for name in NAMES:
            dep = DeploymentSpec(
                name, "gpt-realtime", "2025-08-28", "GlobalStandard", 1, "NoAutoUpgrade"
            )
            backend.put_deployment(RG, ACCOUNT, dep)
        backend.close()
        yield running


@pytest.fixture
def backend(emu: Emulator) -> Iterator[ArmBackend]:
    emu.config.faults = []
    emu.config.page_size = 50
    arm = emulator_backend(emu.connection)
    yield arm
    arm.close()
    emu.config.faults = []
    emu.config.page_size = 50


def _arm(emu: Emulator, needle: str = "") -> list[dict[str, Any]]:
    return [r for r in emu.stats()["requests"] if r["service"] == "arm" and needle in r["path"]]


def test_lists_follow_next_link(emu: Emulator, backend: ArmBackend) -> None:
    emu.config.page_size = 1
    emu.reset_stats()
    names = sorted(d.name for d in backend.list_deployments(RG, ACCOUNT))
    assert names == sorted(NAMES)
    assert len(_arm(emu, "/deployments")) == 3  # one page per deployment


def test_one_tls_handshake_per_host(
    emu: Emulator, backend: ArmBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    handshakes: list[str] = []
    wrap = ssl.SSLContext.wrap_socket

    def counted(self: ssl.SSLContext, sock: Any, *args: Any, **kwargs: Any) -> Any:
        handshakes.append(str(kwargs.get("server_hostname")))
        return wrap(self, sock, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", counted)
    emu.config.page_size = 1
    emu.reset_stats()
    backend.signed_in_principal()
    backend.get_resource_group(RG)
    backend.get_account(RG, ACCOUNT)
    backend.list_deployments(RG, ACCOUNT)
    backend.list_role_assignments(_scope(emu))
    backend.list_models("swedencentral")
    assert handshakes == ["127.0.0.1"]  # token, ARM and every page over one connection
    seen = [r for r in emu.stats()["requests"] if r["service"] in ("arm", "entra")]
    assert backend.pool.connects == 1 and backend.pool.requests == len(seen) >= 7


def test_reads_and_writes_share_one_conversion(backend: ArmBackend) -> None:
    spec = DeploymentSpec(
        "dep-d", "gpt-realtime", "2025-08-28", "GlobalStandard", 2, "NoAutoUpgrade"
    )
    written = backend.put_deployment(RG, ACCOUNT, spec)  # SDK model -> wire -> convert
    read = {d.name: d for d in backend.list_deployments(RG, ACCOUNT)}["dep-d"]
    backend.delete_deployment(RG, ACCOUNT, "dep-d")
    assert written == read
    assert (read.capacity, read.sku, read.version) == (2, "GlobalStandard", "2025-08-28")
    account = backend.get_account(RG, ACCOUNT)
    assert account is not None and account.tags == {"t": "1"} and account.id.endswith(ACCOUNT)


def test_a_missing_resource_is_none(backend: ArmBackend) -> None:
    assert backend.get_account(RG, "no-such-account") is None
    assert backend.get_resource_group("no-such-group") is None
    assert backend.get_deleted_account("swedencentral", RG, "no-such-account") is None


def test_throttling_carries_retry_after_and_request_id(emu: Emulator, backend: ArmBackend) -> None:
    emu.config.faults = [
        FaultRule(match="/deployments$", status=429, code="TooManyRequests", retry_after=7)
    ]
    with pytest.raises(ThrottledError) as caught:
        backend.list_deployments(RG, ACCOUNT)
    error = caught.value
    assert (error.status, error.code, error.retry_after) == (429, "TooManyRequests", 7.0)
    assert error.request_id and error.request_id in str(error)


def test_server_errors_keep_status_code_and_message(emu: Emulator, backend: ArmBackend) -> None:
    emu.config.faults = [FaultRule(match=f"/accounts/{ACCOUNT}$", status=503, code="ServiceBusy")]
    with pytest.raises(AzureApiError) as caught:
        backend.get_account(RG, ACCOUNT)
    assert (caught.value.status, caught.value.code) == (503, "ServiceBusy")
    assert "Injected fault." in str(caught.value)


def test_403_authorization_failed_names_the_missing_permission(
    emu: Emulator, backend: ArmBackend
) -> None:
    emu.config.faults = [
        FaultRule(match="/roleAssignments$", status=403, code="AuthorizationFailed")
    ]
    with pytest.raises(AuthorizationError) as caught:
        backend.list_role_assignments(_scope(emu))
    assert "403 AuthorizationFailed" in str(caught.value) and "Owner" in str(caught.value)


def test_401_is_a_sign_in_error_exit_5(emu: Emulator, backend: ArmBackend) -> None:
    emu.config.faults = [
        FaultRule(match="/resourcegroups/", status=401, code="InvalidAuthenticationToken", times=-1)
    ]
    emu.reset_stats()
    with pytest.raises(AuthError) as caught:
        backend.get_resource_group(RG)
    assert caught.value.exit_code == 5 and "credentials rejected" in str(caught.value)
    # The cached token was refused, so one new token was tried (then refused too): no loop.
    assert len(_arm(emu, "/resourcegroups/")) == 2


def test_the_retry_policy_retries_reads(emu: Emulator, backend: ArmBackend) -> None:
    emu.config.faults = [
        FaultRule(
            match="/deployments$", status=429, code="TooManyRequests", retry_after=1, times=2
        ),
        FaultRule(match="/models$", status=500, times=1),
    ]
    slept: list[float] = []
    retrying = RetryingBackend(backend, Retrier(RetryPolicy(), sleep=slept.append))
    assert len(retrying.list_deployments(RG, ACCOUNT)) == 3
    assert retrying.list_models("swedencentral")
    assert slept[:2] == [1.0, 1.0] and len(slept) == 3
    assert dict(retrying.stats.by_reason) == {"429": 2, "500": 1}


def _scope(emu: Emulator) -> str:
    sub = emu.connection.subscription_id
    cs = "providers/Microsoft.CognitiveServices"
    return f"/subscriptions/{sub}/resourceGroups/{RG}/{cs}/accounts/{ACCOUNT}"


@pytest.mark.parametrize(
    ("host", "env", "expected"),
    [
        ("127.0.0.1", {"HTTPS_PROXY": "http://proxy:3128"}, None),  # loopback: always direct
        ("localhost", {"HTTPS_PROXY": "http://proxy:3128"}, None),
        ("management.azure.com", {}, None),
        ("management.azure.com", {"HTTPS_PROXY": "http://proxy:3128"}, ("proxy", 3128)),
        ("management.azure.com", {"https_proxy": "proxy.corp"}, ("proxy.corp", 8080)),
        ("management.azure.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".azure.com"}, None),
        ("management.azure.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        (
            "login.microsoftonline.com",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "azure.com"},
            ("p", 1),
        ),
    ],
)
def test_proxy_choice_follows_the_environment(
    host: str,
    env: dict[str, str],
    expected: tuple[str, int] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from provision.backends.http import _proxy_for

    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _proxy_for(host) == expected


def test_a_closed_keep_alive_connection_is_reopened_once(tmp_path: Path) -> None:
    """The emulator restarts on the same port between two reads (as after a long readiness
    wait): the reused connection is dead, the read goes out again on a new one, no error."""
    state = tmp_path / "emu"
    config = EmulatorConfig(timing="instant")
    with Emulator(state_dir=state, config=config) as first:
        backend = emulator_backend(first.connection)
        assert backend.get_resource_group("no-such-group") is None
        port = first.connection.port
    with Emulator(state_dir=state, port=None, config=config) as second:
        assert second.connection.port == port
        assert backend.get_resource_group("no-such-group") is None
        assert [r["path"] for r in second.stats()["requests"] if r["service"] == "arm"]
    backend.close()
    assert backend.pool.connects == 2


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_azure_reads_trust_what_the_sdk_transport_trusts(emu: Emulator, variable: str) -> None:
    """Behind a TLS-inspecting proxy users point REQUESTS_CA_BUNDLE at its CA; the REST reads
    must then trust it as the SDK's requests transport does (here: the emulator's CA)."""
    from provision.backends.http import HttpsPool, TransportError

    url = emu.connection.arm_url.rstrip("/") + "/metadata/endpoints?api-version=2022-09-01"
    ca = str(emu.connection.ca_bundle)
    trusted = HttpsPool(environ={variable: ca})
    assert trusted.request("GET", url, {}).status == 200
    trusted.close()
    default = HttpsPool(environ={})
    with pytest.raises(TransportError):
        default.request("GET", url, {})
    default.close()
