"""WebRTC vs WebSocket against the emulator: the milestones of a WebRTC smoke check.

    python bench/webrtc_latency.py [--runs 3]

Starts an emulator (``instant`` timing profile) in a temporary directory, provisions one
account with a ``gpt-realtime`` deployment through the ARM SDK, then runs the smoke audio
scenario ``--runs`` times over each transport, one session at a time, with the prompt paced in
real time on both (a WebRTC microphone cannot burst). Printed per transport (median over runs):

- ``secret``: client secret minted (WebRTC only), ``sdp``: SDP answer received (WebRTC only),
  ``connect``: session usable (WebSocket: upgrade done; WebRTC: ICE + DTLS + data channel open);
- ``first audio``: end of speech -> first reply audio (WebSocket: first audio delta; WebRTC:
  first RTP audio after ``output_audio_buffer.started``);
- ``total``: the whole scenario, hang-up included (WebRTC waits for the reply to finish playing).

The WebSocket figures are the anchor: each WebRTC figure is printed with its ratio to the
WebSocket one of the same run. Targets on 2 cores: WebRTC connect ≤ 1.5 s; first audio within
1.5x the WebSocket figure (both include the emulator's ASR + TTS).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ("secret_minted_s", "sdp_exchanged_s", "connect_s", "first_audio_s", "total_s")
LABELS = ("secret", "sdp", "connect", "first audio", "total")


def provision(emu: Any) -> tuple[str, str]:
    """An account with one gpt-realtime deployment; (endpoint, key)."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from emulator.api import sdk_client_options as client_options
    from emulator.api import sdk_credential

    c = emu.connection
    cred = sdk_credential(c)
    rm = ResourceManagementClient(cred, c.subscription_id, **client_options(c))
    cs = CognitiveServicesManagementClient(cred, c.subscription_id, **client_options(c))
    rm.resource_groups.create_or_update("rg-webrtc-bench", {"location": "eastus2"})
    body = {
        "location": "eastus2",
        "kind": "AIServices",
        "sku": {"name": "S0"},
        "properties": {"customSubDomainName": "webrtcbench"},
    }
    account = cs.accounts.begin_create("rg-webrtc-bench", "webrtcbench", body).result()
    deployment = {
        "sku": {"name": "GlobalStandard", "capacity": 1},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
        },
    }
    cs.deployments.begin_create_or_update(
        "rg-webrtc-bench", "webrtcbench", "gpt-realtime", deployment
    ).result()
    key = cs.accounts.list_keys("rg-webrtc-bench", "webrtcbench").key1
    return str(account.properties.endpoint), str(key)


def measure(endpoint: str, key: str, ca_path: Path, transport: str, runs: int) -> dict[str, Any]:
    """Median of each milestone over ``runs`` sequential smoke checks on ``transport``."""
    from smoke.auth import KeyCredential
    from smoke.options import RunChoices, build_options
    from smoke.realtime.dialects import Dialect
    from smoke.run import run_smoke_sync
    from smoke.targets import Target

    target = Target(
        name="gpt-realtime",
        endpoint=endpoint,
        deployment="gpt-realtime",
        dialect=Dialect.GA,
        credential=KeyCredential(key, "bench"),
        ca_path=ca_path,
    )
    choices = RunChoices(text_scenario=False, pace="realtime", transport=transport, concurrency=1)
    samples: dict[str, list[float]] = {f: [] for f in FIELDS}
    failures = 0
    for _ in range(runs):
        report = run_smoke_sync([target], build_options(choices))
        result = report.results[0]
        if not result.passed:
            failures += 1
            for scenario in result.scenarios:
                for check in scenario.checks:
                    if not check.passed:
                        print(f"  {transport} FAIL {check.name}: {check.reason()}", file=sys.stderr)
        metrics = result.scenarios[0].metrics
        for name in FIELDS:
            value = getattr(metrics, name, None)
            if value is not None:
                samples[name].append(float(value))
    medians = {n: (statistics.median(v) if v else None) for n, v in samples.items()}
    return {"medians": medians, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from emulator.api import Emulator, EmulatorConfig

    with tempfile.TemporaryDirectory() as tmp:
        config = EmulatorConfig(timing="instant")
        with Emulator(state_dir=Path(tmp) / "emu", config=config) as emu:
            endpoint, key = provision(emu)
            ws = measure(endpoint, key, emu.ca_path, "websocket", args.runs)
            rtc = measure(endpoint, key, emu.ca_path, "webrtc", args.runs)
    print(
        f"runs per transport: {args.runs}; failures: websocket {ws['failures']}, "
        f"webrtc {rtc['failures']}"
    )
    print(f"{'milestone':<12} {'websocket':>10} {'webrtc':>10} {'x anchor':>9}")
    for name, label in zip(FIELDS, LABELS, strict=True):
        anchor, value = ws["medians"][name], rtc["medians"][name]
        ratio = f"{value / anchor:>8.2f}x" if anchor and value is not None else f"{'-':>9}"
        print(f"{label:<12} {_ms(anchor):>10} {_ms(value):>10} {ratio}")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    main()
