"""Every ``__all__`` in the smoke package resolves, and the facades re-export their parts."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import smoke

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(smoke.__path__, "smoke.") if m.name != "smoke.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    assert exported, f"{name} has no __all__"
    assert [n for n in exported if not hasattr(module, n)] == []
    assert len(set(exported)) == len(exported)


@pytest.mark.parametrize(
    ("facade", "parts", "internal"),
    [
        (
            "smoke.realtime.events",
            [
                "smoke.realtime.server_events",
                "smoke.realtime.client_events",
                "smoke.realtime.values",
            ],
            {"FieldReader"},
        ),
        (
            "smoke.checks",
            ["smoke.checks.session", "smoke.checks.audio", "smoke.checks.response"],
            {
                "MAX_EXTRA_SECONDS",
                "MAX_SECONDS_PER_WORD",
                "MIN_SECONDS_PER_WORD",
                "MIN_SPEECH_DBFS",
            },
        ),
    ],
)
def test_facades_re_export_every_public_name_of_their_parts(facade, parts, internal):
    exported = set(importlib.import_module(facade).__all__)
    for part in parts:
        missing = set(importlib.import_module(part).__all__) - internal - exported
        assert missing == set(), f"{facade} does not re-export {sorted(missing)} from {part}"
