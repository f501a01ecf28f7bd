"""One exit-code table for provision, smoke and the emulator: the README's "Exit codes" table
and each CLI's EXIT_* constants agree, and no code means two things."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import emulator.cli_common
import provision.errors
import provision.lifecycle
import smoke.exits

README = Path(__file__).resolve().parents[2] / "README.md"

# Constant name (without EXIT_) -> a word the README row of its code must contain.
MEANING = {
    "OK": "success",
    "FAILURE": "failure",
    "FAILED": "failure",
    "ERROR": "failure",
    "REJECTED": "failure",  # an emulator admin call the emulator rejects is a plain failure
    "BAD_INPUT": "bad input",
    "USAGE": "bad input",
    "CHANGES_PENDING": "changes pending",
    "NOT_READY": "readiness",
    "AUTH": "authentication",
    "LIFECYCLE": "lifecycle",
    "INTERNAL": "internal",
    "SERVE": "cannot serve",
    "STATE": "state directory",
    "UNREACHABLE": "not reachable",
    "INTERRUPTED": "interrupted",
}

CLIS: dict[str, list[ModuleType]] = {
    "provision": [provision.errors, provision.lifecycle],
    "smoke": [smoke.exits],
    "emulator": [emulator.cli_common],
}


def readme_table() -> dict[int, str]:
    """The rows under the README heading "Exit codes": code -> meaning."""
    lines = README.read_text(encoding="utf-8").splitlines()
    heading = (i for i, line in enumerate(lines) if re.match(r"^#+\s*Exit codes\s*$", line))
    start = next(heading, None)
    assert start is not None, "README.md has no 'Exit codes' heading"
    rows: dict[int, str] = {}
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"`?\d+`?", cells[0]):
            code = int(cells[0].strip("`"))
            assert code not in rows, f"README lists exit code {code} twice"
            rows[code] = cells[1].lower()
    return rows


def constants(modules: list[ModuleType]) -> dict[str, int]:
    found: dict[str, int] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("EXIT_") and isinstance(value, int) and not isinstance(value, bool):
                found[name.removeprefix("EXIT_")] = value
    return found


def test_readme_has_the_table_with_every_shared_code() -> None:
    rows = readme_table()
    assert {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 130} <= set(rows), sorted(rows)


def test_every_cli_constant_matches_its_readme_row() -> None:
    rows = readme_table()
    problems = []
    for cli, modules in CLIS.items():
        found = constants(modules)
        assert found, f"{cli}: no EXIT_* constants found"
        for name, code in sorted(found.items()):
            word = MEANING.get(name)
            if word is None:
                problems.append(f"{cli}: EXIT_{name} = {code} has no meaning in this test's table")
            elif code not in rows:
                problems.append(f"{cli}: EXIT_{name} = {code} is not in the README table")
            elif word not in rows[code]:
                problems.append(
                    f"{cli}: EXIT_{name} = {code} means {word!r}, README says {rows[code]!r}"
                )
    assert not problems, "\n".join(problems)


def test_no_code_has_two_meanings_across_the_clis() -> None:
    meanings: dict[int, set[str]] = {}
    for modules in CLIS.values():
        for name, code in constants(modules).items():
            meanings.setdefault(code, set()).add(MEANING.get(name, name))
    doubled = {code: sorted(m) for code, m in meanings.items() if len(m) > 1}
    assert not doubled, doubled


def test_the_shared_codes_have_the_boards_values() -> None:
    provision_codes = constants(CLIS["provision"])
    smoke_codes = constants(CLIS["smoke"])
    assert provision_codes["CHANGES_PENDING"] == 3 and provision_codes["NOT_READY"] == 4
    for codes in (provision_codes, smoke_codes):
        assert codes["AUTH"] == 5 and codes["LIFECYCLE"] == 6 and codes["INTERNAL"] == 7
        assert codes["INTERRUPTED"] == 130
    emulator_codes = constants(CLIS["emulator"])
    assert (emulator_codes["SERVE"], emulator_codes["STATE"], emulator_codes["UNREACHABLE"]) == (
        8,
        9,
        10,
    )
