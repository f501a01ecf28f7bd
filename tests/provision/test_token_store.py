"""The encrypted token cache: never plain text, 0600, keyed by the secret; a corrupt, expired
or foreign file is ignored, never a traceback. Against the emulator: one Entra request to sign
in, none while the cached token is good, one more when a cached token is refused."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.api import Emulator, EmulatorConfig
from provision.backends.connect import emulator_backend, token_dir_of
from provision.backends.http import HttpsPool
from provision.backends.token_store import (
    REFRESH_MARGIN_S,
    CachedToken,
    ClientIdentity,
    TokenStore,
)
from provision.backends.tokens import ClientSecretTokens
from provision.errors import AuthError

SCOPE = "https://management.azure.com/.default"
IDENTITY = ClientIdentity("https://login.example", "tenant-1", "client-1", "s3cret-value")
TOKEN = "eyJhbGciOi.the-token-text-that-must-not-appear.sig"


def _store(tmp_path: Path, identity: ClientIdentity = IDENTITY) -> TokenStore:
    return TokenStore(tmp_path / "tokens", identity)


def _fresh() -> CachedToken:
    return CachedToken(TOKEN, time.time() + 3600)


def test_the_file_is_encrypted_and_private(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(SCOPE, _fresh())
    blob = store.path(SCOPE).read_bytes()
    assert TOKEN.encode() not in blob and b"the-token-text" not in blob
    assert IDENTITY.secret.encode() not in blob and IDENTITY.client_id.encode() not in blob
    assert stat.S_IMODE(store.path(SCOPE).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert IDENTITY.client_id not in store.path(SCOPE).name
    loaded = store.load(SCOPE)
    assert loaded is not None and loaded.token == TOKEN


@pytest.mark.parametrize(
    "other",
    [
        ClientIdentity(IDENTITY.authority, IDENTITY.tenant_id, IDENTITY.client_id, "another"),
        ClientIdentity(
            "https://login.other", IDENTITY.tenant_id, IDENTITY.client_id, "s3cret-value"
        ),
    ],
    ids=["other-secret", "other-authority"],
)
def test_another_credential_cannot_read_it(tmp_path: Path, other: ClientIdentity) -> None:
    _store(tmp_path).save(SCOPE, _fresh())
    foreign = _store(tmp_path, other)
    # Same file name for the same client (the secret is not part of it): decryption must fail.
    if other.authority == IDENTITY.authority:
        assert foreign.path(SCOPE) == _store(tmp_path).path(SCOPE)
    assert foreign.load(SCOPE) is None


@pytest.mark.parametrize(
    "blob", [b"", b"RTKT1", b"RTKT1" + b"\x00" * 40, b"not ours at all", b"\xff" * 200]
)
def test_a_corrupt_file_is_ignored_then_replaced(tmp_path: Path, blob: bytes) -> None:
    store = _store(tmp_path)
    store.directory.mkdir(parents=True)
    store.path(SCOPE).write_bytes(blob)
    assert store.load(SCOPE) is None
    store.save(SCOPE, _fresh())
    loaded = store.load(SCOPE)
    assert loaded is not None and loaded.token == TOKEN


def test_a_tampered_file_is_ignored(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(SCOPE, _fresh())
    blob = bytearray(store.path(SCOPE).read_bytes())
    blob[-1] ^= 0x01
    store.path(SCOPE).write_bytes(bytes(blob))
    assert store.load(SCOPE) is None


def test_a_token_near_its_expiry_is_not_used(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(SCOPE, CachedToken(TOKEN, time.time() + REFRESH_MARGIN_S - 5))
    assert store.path(SCOPE).exists()
    assert store.load(SCOPE) is None
    store.save(SCOPE, CachedToken(TOKEN, time.time() - 10))
    assert store.load(SCOPE) is None


def test_an_unwritable_cache_is_only_a_miss(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = TokenStore(blocker / "tokens", IDENTITY)  # a directory under a regular file
    store.save(SCOPE, _fresh())  # no exception
    assert store.load(SCOPE) is None


# -- against the emulator ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    state = tmp_path_factory.mktemp("tokens") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as running:
        yield running


def _entra_posts(emu: Emulator) -> int:
    return sum(
        1 for r in emu.stats()["requests"] if r["service"] == "entra" and r["method"] == "POST"
    )


def _entra(emu: Emulator) -> int:
    return sum(1 for r in emu.stats()["requests"] if r["service"] == "entra")


def test_one_entra_request_to_sign_in_none_when_cached(emu: Emulator) -> None:
    tokens_dir = token_dir_of(emu.connection)
    for cached in tokens_dir.glob("*.token"):
        cached.unlink()
    emu.reset_stats()
    first = emulator_backend(emu.connection)
    first.signed_in_principal()
    assert first.get_resource_group("no-such-group") is None
    first.close()
    assert (_entra(emu), _entra_posts(emu)) == (1, 1)  # no OpenID discovery either
    files = list(tokens_dir.glob("*.token"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    emu.reset_stats()
    second = emulator_backend(emu.connection)  # a new command: reads the encrypted cache
    assert second.get_resource_group("no-such-group") is None
    second.close()
    assert _entra(emu) == 0


def test_a_refused_cached_token_is_replaced_once(emu: Emulator) -> None:
    backend = emulator_backend(emu.connection)
    store = TokenStore(token_dir_of(emu.connection), _identity(emu))
    store.save(SCOPE, CachedToken("not.a-valid.token", time.time() + 3600))
    emu.reset_stats()
    assert backend.get_resource_group("no-such-group") is None  # 401, new token, then 404
    backend.close()
    assert _entra_posts(emu) == 1
    arm = [r for r in emu.stats()["requests"] if r["service"] == "arm"]
    assert len(arm) == 2
    replaced = store.load(SCOPE)
    assert replaced is not None and replaced.token != "not.a-valid.token"


def test_a_wrong_secret_is_one_line_exit_5_without_the_secret(emu: Emulator) -> None:
    real = _identity(emu)
    wrong = ClientIdentity(real.authority, real.tenant_id, real.client_id, "wrong-secret-XYZ")
    pool = HttpsPool(str(emu.connection.ca_bundle))
    tokens = ClientSecretTokens(pool, wrong, None)
    with pytest.raises(AuthError) as caught:
        tokens.access(SCOPE)
    pool.close()
    error = caught.value
    assert error.exit_code == 5 and "\n" not in str(error)
    assert "invalid_client" in str(error)
    assert "wrong-secret-XYZ" not in str(error) and "wrong-secret-XYZ" not in (error.detail or "")


def _identity(emu: Emulator) -> ClientIdentity:
    c = emu.connection
    p = c.principals["deployer"]
    return ClientIdentity(c.authority_url, c.tenant_id, p.client_id, p.client_secret)


def test_a_service_principal_from_the_environment_is_cached_in_the_user_cache(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Azure target with AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET (here: the emulator's
    Entra as the authority, its CA trusted through REQUESTS_CA_BUNDLE, which the reads honour as
    the SDK's requests transport does) signs in with one request and
    caches the token encrypted under $XDG_CACHE_HOME; a second command makes none."""
    from provision.backends.connect import azure_backend

    identity = _identity(emu)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emu.connection.ca_bundle))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    environ = {
        "AZURE_TENANT_ID": identity.tenant_id,
        "AZURE_CLIENT_ID": identity.client_id,
        "AZURE_CLIENT_SECRET": identity.secret,
        "AZURE_AUTHORITY_HOST": identity.authority,
    }
    emu.reset_stats()
    first = azure_backend(emu.connection.subscription_id, environ)
    assert first.signed_in_principal().object_id == emu.connection.principals["deployer"].object_id
    first.close()
    assert _entra_posts(emu) == 1
    files = list((tmp_path / "cache" / "realtime-toolkit" / "tokens").glob("*.token"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    emu.reset_stats()
    second = azure_backend(emu.connection.subscription_id, environ)
    second.signed_in_principal()
    second.close()
    assert _entra(emu) == 0
