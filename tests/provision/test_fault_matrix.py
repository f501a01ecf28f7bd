"""A flaky cloud: ``up`` and ``down`` under 30% 429 (with ``Retry-After``) and 5% 500 on every ARM
request, over several seeds. Every run converges with exit 0, and the retries are counted.

The emulator draws faults from one seeded generator, so each seed is one repeatable schedule of
faults; reads (facts, pre-flight, the final read) and writes go through the same retry policy.
"""

from __future__ import annotations

import pytest
from e2e_helpers import ACCOUNT, RG, Project

SEEDS = [1, 2, 3, 4, 5]


@pytest.mark.conformance
@pytest.mark.parametrize("seed", SEEDS)
def test_up_and_down_converge_under_throttling_and_server_errors(
    project: Project, seed: int
) -> None:
    cfg = project.emu.config
    cfg.throttle_rate, cfg.error_rate, cfg.seed = 0.30, 0.05, seed

    up = project.run("up", "--yes", "--json")
    assert up.exit_code == 0, up.output
    statuses = project.arm_statuses()
    assert statuses.count(429) >= 3, statuses  # the faults really happened
    assert "retry" in up.stderr or "↻" in up.stderr  # and were reported as retries

    down = project.run("down", "--yes", "--purge", "--json")
    assert down.exit_code == 0, down.output

    cfg.throttle_rate = cfg.error_rate = 0.0
    backend = project.backend()
    assert backend.get_resource_group(RG) is None  # converged: nothing left, nothing orphaned
    assert backend.get_deleted_account("swedencentral", RG, ACCOUNT) is None
