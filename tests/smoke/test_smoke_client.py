"""The client and scenarios against scripted loopback servers: every misbehaviour is a failed
check with a clear reason, within the timeout, never a hang or a traceback."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smoke_fakeserver import FakeRealtimeServer, Script

from smoke.auth import EntraCredential, KeyCredential
from smoke.client import ConnectSettings, RealtimeClient
from smoke.errors import AuthError, ProtocolViolation, TransportError
from smoke.readiness import DATA_PLANE_ROLE, ReadinessPolicy
from smoke.realtime.dialects import Dialect, SessionSettings, realtime_url
from smoke.realtime.protocol import RealtimeProtocol
from smoke.run import SmokeOptions, Target, run_smoke
from smoke.scenarios import ScenarioOptions


class FakeTokenCredential:
    def __init__(self, token: str = "eyJ.fake.token", fail: bool = False) -> None:
        self.token, self.fail, self.scopes = token, fail, []

    def get_token(self, scope: str):
        self.scopes.append(scope)
        if self.fail:
            raise RuntimeError("no credential available\nsecond line")
        return SimpleNamespace(token=self.token)


def options(prompt, timeout=5.0, wait=0.0, transcription="whisper-1", text=True) -> SmokeOptions:
    from smoke.prompts import DEFAULT_TEXT_PROMPT

    return SmokeOptions(
        prompts=(prompt,),
        text_prompt=DEFAULT_TEXT_PROMPT if text else None,
        scenario=ScenarioOptions(
            settings=SessionSettings(transcription_model=transcription), timeout_s=timeout
        ),
        readiness=ReadinessPolicy(budget_s=wait, first_delay_s=0.05),
        wait_explicit=True,
        timeout_s=timeout,
    )


def target(server, dialect=Dialect.GA, credential=None, ca_path=None, deployment="gpt-realtime"):
    return Target(
        name=f"{deployment}-{dialect.value}",
        endpoint=server.endpoint,
        deployment=deployment,
        dialect=dialect,
        credential=credential or KeyCredential("k-123-0123456789abcdef", "test"),
        ca_path=ca_path,
    )


async def run_one(script, prompt, dialect=Dialect.GA, **kw):
    async with FakeRealtimeServer(script) as server:
        report = await run_smoke(
            [target(server, dialect, kw.pop("credential", None))], options(prompt, **kw)
        )
        return report.results[0], server


def failed(result) -> dict[str, str]:
    return {f"{s.name}/{c.name}": c.reason() for s in result.scenarios for c in s.failures()}


@pytest.mark.parametrize("dialect", list(Dialect))
async def test_well_behaved_server_passes_both_scenarios(tone_prompt, dialect):
    credential = FakeTokenCredential()
    result, server = await run_one(
        Script(), tone_prompt, dialect, credential=EntraCredential(credential, "test")
    )
    assert failed(result) == {}
    assert [s.name for s in result.scenarios] == ["audio", "text"]
    expected_path = (
        "/openai/v1/realtime?model=" if dialect is Dialect.GA else "/openai/realtime?api-version="
    )
    assert all(p.startswith(expected_path) for p in server.seen.paths)
    assert server.seen.headers[0]["authorization"] == "Bearer eyJ.fake.token"
    assert credential.scopes[0] == "https://cognitiveservices.azure.com/.default"
    metrics = result.scenarios[0].metrics
    assert metrics.connect_s is not None and metrics.first_audio_s is not None
    assert metrics.audio_s == pytest.approx(1.05, abs=0.01)
    assert "eyJ.fake.token" in result.secrets


async def test_key_auth_sends_api_key_header(tone_prompt):
    result, server = await run_one(Script(), tone_prompt, text=False)
    assert result.passed
    assert server.seen.headers[0]["api-key"] == "k-123-0123456789abcdef"
    assert "authorization" not in server.seen.headers[0]


async def test_malformed_frames_fail_the_protocol_check(tone_prompt):
    result, _ = await run_one(Script(malformed=True), tone_prompt, text=False)
    reasons = failed(result)
    assert "malformed_json" in reasons["audio/protocol"]
    assert "audio/session" not in reasons  # the session itself completed


async def test_binary_frame_is_a_protocol_failure(tone_prompt):
    result, _ = await run_one(Script(binary_frame=True), tone_prompt, text=False)
    assert "binary_frame" in failed(result)["audio/protocol"]


async def test_missing_session_created_times_out_with_a_reason(tone_prompt):
    started = time.monotonic()
    result, _ = await run_one(
        Script(skip_session_created=True), tone_prompt, timeout=1.0, text=False
    )
    assert time.monotonic() - started < 5
    reasons = failed(result)
    assert "waiting for session.created" in reasons["audio/session"]
    assert reasons["audio/session.created"].endswith("no events received")


async def test_ignored_session_update_times_out(tone_prompt):
    result, _ = await run_one(
        Script(ignore_session_update=True), tone_prompt, timeout=1.0, text=False
    )
    assert "waiting for session.updated" in failed(result)["audio/session"]


async def test_rejected_session_update_names_the_error(tone_prompt):
    result, _ = await run_one(Script(reject_session_update=True), tone_prompt, text=False)
    reasons = failed(result)
    assert "session.update rejected: unknown_parameter" in reasons["audio/session"]
    assert "unknown_parameter" in reasons["audio/session.updated"]


async def test_failed_response_is_reported_with_its_error(tone_prompt):
    result, _ = await run_one(Script(response_status="failed"), tone_prompt)
    reasons = failed(result)
    assert "internal_error: The model crashed." in reasons["audio/response.done"]
    assert "text/response.done" in reasons


async def test_dropped_connection_fails_fast_with_a_reason(tone_prompt):
    started = time.monotonic()
    result, _ = await run_one(Script(drop_after_update=True), tone_prompt, timeout=10.0, text=False)
    assert time.monotonic() - started < 5
    assert "connection closed" in failed(result)["audio/session"]


async def test_endless_stream_is_bounded_by_the_timeout(tone_prompt):
    started = time.monotonic()
    result, _ = await run_one(Script(endless=True), tone_prompt, timeout=1.5, text=False)
    assert time.monotonic() - started < 6
    reasons = failed(result)
    assert "timed out after 1.5s waiting for response.done" in reasons["audio/session"]
    assert "no response.done" in reasons["audio/response.done"]


@pytest.mark.parametrize(
    ("script", "auth", "fragment"),
    [
        (
            Script(reject_status=401),
            "entra",
            f"needs the '{DATA_PLANE_ROLE}' role (or 'Cognitive Services User')",
        ),
        (
            Script(reject_status=403),
            "entra",
            f"needs the '{DATA_PLANE_ROLE}' role (or 'Cognitive Services User')",
        ),
        (Script(reject_status=401), "key", "the API key was refused"),
        (
            Script(reject_status=404, reject_body='{"error":{"code":"DeploymentNotFound"}}'),
            "entra",
            "deployment 'gpt-realtime' not found",
        ),
        (
            Script(reject_status=429, retry_after="7"),
            "key",
            "throttled by the service; retry after 7s",
        ),
    ],
)
async def test_handshake_refusals_are_clear_failed_checks(tone_prompt, script, auth, fragment):
    credential = EntraCredential(FakeTokenCredential(), "test") if auth == "entra" else None
    result, server = await run_one(script, tone_prompt, credential=credential)
    reasons = failed(result)
    assert list(reasons) == ["audio/connect"]  # nothing else runs without a connection
    assert fragment in reasons["audio/connect"]
    assert server.seen.handshakes == 1  # budget 0: no retries


async def test_readiness_waits_out_role_propagation_and_reports_it(tone_prompt):
    credential = EntraCredential(FakeTokenCredential(), "test")
    result, server = await run_one(
        Script(reject_first=2), tone_prompt, wait=5.0, text=False, credential=credential
    )
    assert result.passed
    assert server.seen.handshakes == 3
    assert [a.status for a in result.readiness.attempts] == [403, 403]
    assert "2 refused attempt(s)" in result.readiness.summary()


async def test_readiness_honours_retry_after_on_429_and_reports_the_wait(tone_prompt):
    script = Script(
        reject_first=2,
        reject_first_status=429,
        retry_after_ms="60",
        reject_body='{"error":{"code":"429","message":"Rate limit exceeded."}}',
    )
    result, server = await run_one(script, tone_prompt, wait=5.0, text=False)
    assert result.passed
    assert server.seen.handshakes == 3
    assert [(a.status, a.waited_s) for a in result.readiness.attempts] == [(429, 0.06)] * 2
    assert "waited 0.1s: 429 x2 (throttled by the service)" in result.readiness.summary()


async def test_a_refused_key_is_not_retried_and_marks_the_result(tone_prompt):
    result, server = await run_one(Script(reject_first=2), tone_prompt, wait=5.0, text=False)
    assert not result.passed and result.auth_refused
    assert server.seen.handshakes == 1 and result.readiness.waited_s == 0
    assert "the API key was refused" in failed(result)["audio/connect"]


async def test_every_scenario_handshake_runs_under_readiness(tone_prompt):
    """A 429 on the text scenario's handshake (not the first) is waited out too."""
    script = Script(reject_handshakes=(2,), reject_first_status=429, retry_after_ms="50")
    result, server = await run_one(script, tone_prompt, wait=5.0)
    assert failed(result) == {}
    assert [s.name for s in result.scenarios] == ["audio", "text"]
    assert [a.status for a in result.readiness.attempts] == [429]
    assert server.seen.handshakes == 3


@pytest.mark.parametrize("status", [401, 403, 404, 429])
async def test_timeout_bounds_readiness_unless_wait_is_explicit(tone_prompt, status):
    """Without an explicit --wait-ready, a server that keeps refusing is given up within
    --timeout, not the readiness default (the campaign saw 108-124 s for --timeout 15)."""
    credential = EntraCredential(FakeTokenCredential(), "test")
    started = time.monotonic()
    script = Script(reject_status=status, retry_after="0.2" if status == 429 else None)
    async with FakeRealtimeServer(script) as server:
        opts = options(tone_prompt, timeout=1.0, text=False)
        opts = replace(opts, wait_explicit=False, readiness=ReadinessPolicy(first_delay_s=0.05))
        report = await run_smoke([target(server, credential=credential)], opts)
    assert time.monotonic() - started < 4
    result = report.results[0]
    assert not result.passed and result.readiness.waited_s <= 1.0
    assert "refused attempt(s)" in failed(result)["audio/connect"]


async def test_readiness_gives_up_and_says_how_long_it_waited(tone_prompt):
    credential = EntraCredential(FakeTokenCredential(), "test")
    result, server = await run_one(
        Script(reject_status=403), tone_prompt, wait=0.2, credential=credential
    )
    reason = failed(result)["audio/connect"]
    assert DATA_PLANE_ROLE in reason and "waited" in reason
    assert server.seen.handshakes >= 2


async def test_token_failure_stops_the_run_once_before_any_handshake(tone_prompt):
    credential = EntraCredential(FakeTokenCredential(fail=True), "DefaultAzureCredential")
    with pytest.raises(AuthError, match="could not get an Entra token for DefaultAzureCredential"):
        await run_one(Script(), tone_prompt, credential=credential)


@pytest.mark.parametrize(
    ("script", "check", "fragment"),
    [
        (Script(wrong_voice=True), "audio/session.updated", "voice is 'shimmer'"),
        (Script(silent_audio=True), "audio/output.audio.level", "silent"),
        (Script(beta_names_on_ga=True), "audio/dialect", "beta event names"),
        (Script(no_usage=True), "audio/response.done", "without usage"),
        (Script(reply="purple owl"), "audio/expected.words", "missing: blue, harbor, seven"),
        (Script(transcript="hello world"), "audio/input.transcription", "WER"),
    ],
)
async def test_content_problems_fail_the_right_check(tone_prompt, script, check, fragment):
    result, _ = await run_one(script, tone_prompt, text=False)
    assert fragment in failed(result)[check]


async def test_connection_refused_is_a_transport_error():
    async with FakeRealtimeServer() as server:
        port = server.port
    settings = ConnectSettings(
        url=f"ws://127.0.0.1:{port}/openai/v1/realtime?model=x", open_timeout=2
    )
    with pytest.raises(TransportError, match="cannot connect to 127.0.0.1"):
        await RealtimeClient.connect(settings, RealtimeProtocol(Dialect.GA), time.monotonic)


async def test_oversized_frame_is_a_protocol_violation_naming_the_cap():
    async with FakeRealtimeServer(Script()) as server:
        url = realtime_url(server.endpoint, "d", Dialect.GA)
        settings = ConnectSettings(url=url, max_size=64)
        client = await RealtimeClient.connect(
            settings, RealtimeProtocol(Dialect.GA), time.monotonic
        )
        with pytest.raises(ProtocolViolation, match="frame over the 64-byte cap"):
            await client.wait_until(lambda r: False, 3.0, "anything")
        await client.close()
        assert any(getattr(e.item, "name", None) == "frame_too_large" for e in client.protocol.log)


# --------------------------------------------------------------------------- TLS


def _make_tls(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smoke test CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return ca_path, context


async def test_tls_with_the_given_ca_bundle_passes_and_without_it_fails(tmp_path, tone_prompt):
    ca_path, context = _make_tls(tmp_path)
    async with FakeRealtimeServer(Script(), ssl_context=context) as server:
        assert server.endpoint.startswith("https://")
        good = await run_smoke([target(server, ca_path=ca_path)], options(tone_prompt, text=False))
        bad = await run_smoke([target(server)], options(tone_prompt, text=False))
    assert good.passed
    reason = failed(bad.results[0])["audio/connect"]
    assert "TLS certificate not trusted for 127.0.0.1" in reason


async def test_concurrency_is_bounded(tone_prompt):
    async with FakeRealtimeServer(Script()) as server:
        targets = [target(server, deployment=f"d{i}") for i in range(5)]
        base = options(tone_prompt, text=False)
        opts = SmokeOptions(
            prompts=base.prompts,
            text_prompt=None,
            scenario=ScenarioOptions(
                settings=base.scenario.settings,
                pace="realtime",
                timeout_s=10,
                trailing_silence_ms=600,
            ),
            readiness=base.readiness,
            concurrency=2,
        )
        report = await asyncio.wait_for(run_smoke(targets, opts), 60)
    assert report.passed
    assert [r.target.deployment for r in report.results] == [f"d{i}" for i in range(5)]
    assert server.seen.max_active == 2


async def test_an_unexpected_error_while_reading_ends_the_session_with_a_reason(monkeypatch):
    """A bug in frame handling must not kill the reader silently and leave waiters hanging."""
    async with FakeRealtimeServer(Script()) as server:
        protocol = RealtimeProtocol(Dialect.GA)

        def broken(text: str, at: float = 0.0) -> None:
            raise TypeError("bug")

        monkeypatch.setattr(protocol, "receive_text", broken)
        url = realtime_url(server.endpoint, "gpt-realtime", Dialect.GA)
        client = await RealtimeClient.connect(ConnectSettings(url=url), protocol, time.monotonic)
        started = time.monotonic()
        with pytest.raises(ProtocolViolation, match="could not process a frame"):
            await client.wait_until(lambda received: False, 10, "anything")
        await client.close()
    assert time.monotonic() - started < 5
