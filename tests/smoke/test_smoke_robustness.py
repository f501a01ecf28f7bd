"""Hostile input never escapes as an exception: every mutated frame of the recorded sessions goes
through the protocol, the checks, the metrics and the report writers; the worst it may do is
fail a check.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE_CASES, load_lines, to_log

from smoke.checks import ScenarioSpec, run_checks
from smoke.metrics import scenario_metrics
from smoke.realtime.dialects import SessionSettings
from smoke.realtime.protocol import PARSER_GAP, ProtocolError, RealtimeProtocol

ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x",
    "%%not base64%%",
    [],
    [1, "a", None],
    {},
    {"type": 1},
    10**40,
    float("nan"),
]


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key/index path inside a JSON value."""
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for key, value in items:
        out.append((*prefix, key))
        out += paths(value, (*prefix, key))
    return out


def replaced(frame: dict, path: tuple, value: Any) -> dict:
    out = copy.deepcopy(frame)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def spliced(base: list, index: int, frame: Any, dialect) -> list:
    """``base`` (a recorded log, one entry per fixture line) with line ``index`` re-received as
    ``frame``: only the mutated frame goes through a fresh protocol, which keeps this fast."""
    protocol = RealtimeProtocol(dialect)
    protocol.receive_text(json.dumps(frame, allow_nan=True), base[index].t)
    for entry in protocol.log:
        json.dumps(entry.frame(), allow_nan=True)  # what the artifacts writer will do
    return [*base[:index], *protocol.log, *base[index + 1 :]]


def exercise(log: list, dialect, kind: str) -> None:
    # The protocol's catch-all is a safety net only: the typed readers must handle all of this.
    assert not [e for e in log if isinstance(e.item, ProtocolError) and e.item.kind == PARSER_GAP]
    spec = ScenarioSpec(
        kind=kind,
        dialect=dialect,
        settings=SessionSettings(transcription_model="whisper-1"),
        prompt_text="repeat after me blue harbor seven",
        expected_words=("blue", "harbor", "seven"),
    )
    results = run_checks(log, spec)
    assert results and all(isinstance(r.reason(), str) for r in results)
    scenario_metrics(log)


def recorded(name: str, dialect) -> tuple[list[dict], list, list[int]]:
    """Fixture lines (reply audio shrunk to one sample per delta: decoding is not under test
    here, and full audio would make thousands of replays slow) and their recorded log."""
    lines = load_lines(name)
    for line in lines:
        frame = line["frame"]
        if line["dir"] == "recv" and str(frame.get("type", "")).endswith("audio.delta"):
            frame["delta"] = "AAA="
    base = to_log(lines, dialect)
    assert len(base) == len(lines)  # one entry per line, so indexes line up
    received = [i for i, line in enumerate(lines) if line["dir"] == "recv"]
    return lines, base, received


@pytest.mark.parametrize(("name", "dialect", "kind"), FIXTURE_CASES)
def test_random_field_mutations_never_raise(name, dialect, kind):
    lines, base, received = recorded(name, dialect)
    rng = random.Random(name)
    for _ in range(150):
        index = rng.choice(received)
        frame = lines[index]["frame"]
        path = rng.choice(paths(frame))
        mutated = replaced(frame, path, rng.choice(ODD_VALUES))
        exercise(spliced(base, index, mutated, dialect), dialect, kind)


@pytest.mark.conformance  # exhaustive field sweep (~9 s); core keeps the random mutations
@pytest.mark.parametrize(("name", "dialect", "kind"), FIXTURE_CASES)
def test_every_field_of_every_event_type_replaced_by_every_odd_value(name, dialect, kind):
    lines, base, received = recorded(name, dialect)
    seen: set[str] = set()
    for index in received:
        frame = lines[index]["frame"]
        if frame.get("type") in seen:  # one frame per event type: exhaustive per type, fast
            continue
        seen.add(frame.get("type"))
        for path in paths(frame):
            for value in ODD_VALUES:
                exercise(spliced(base, index, replaced(frame, path, value), dialect), dialect, kind)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # deep nesting: RecursionError inside json
        '{"type":' + "[" * 50_000,
        '{"type": "session.created", "session": ' + '{"a":' * 20_000 + "1" + "}" * 20_001,
        '{"type": "response.done", "response": {"id": "r", "status": "completed", '
        '"output": [5, "x", {"content": 7}, {"content": [1, {"transcript": 2}]}]}}',
        '{"type": "session.created", "session": {"audio": {"input": 3, "output": []}, '
        '"output_modalities": 5}}',
        '{"type": "session.created", "session": {"modalities": "audio", "voice": 4}}',
        '{"type": "error", "error": {"code": 429, "message": ["x"]}}',
        "1" * 5000,  # exceeds int digit limit
        '"\ud800"',
        "\x00",
    ],
)
def test_pathological_frames_become_protocol_errors_or_events(text):
    protocol = RealtimeProtocol(FIXTURE_CASES[0][1])
    protocol.receive_text(text, 0.0)
    received = protocol.events_received()
    assert received  # recorded as something: an event or a protocol error
    assert not [e for e in received if isinstance(e, ProtocolError) and e.kind == PARSER_GAP]
    if isinstance(received[0], ProtocolError):
        assert received[0].message and len(received[0].excerpt) <= 200


def test_fixture_files_exist():
    assert all(
        (Path(__file__).parent / "fixtures" / f"{n}.jsonl").is_file() for n, *_ in FIXTURE_CASES
    )
