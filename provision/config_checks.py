"""Rules across an environment file's values that Azure would refuse later (no network).

Run after the schema (``provision.config``) accepted the file; each problem is a
``(key_path, message)`` pair like the schema's. Limits follow Azure's: 50 tags per resource,
tag names <= 512 and values <= 256 characters, names without ``< > % & \\ ? /``; a custom
subdomain is a DNS label (the account name is used when none is given).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provision.config import EnvironmentConfig

MAX_TAGS = 50
OWN_TAGS = 3  # managed-by, environment, and the readiness marker
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
TAG_NAME_FORBIDDEN = frozenset("<>%&\\?/")
SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")

Problem = tuple[str, str]


def cross_checks(config: EnvironmentConfig) -> list[Problem]:
    """Every cross-value problem of ``config`` (empty when none)."""
    return [*_duplicates(config), *_subdomain(config), *_all_tags(config)]


def _duplicates(config: EnvironmentConfig) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, dep in enumerate(config.deployments):
        key = dep.name.lower()  # ARM names are case-insensitive
        if key in seen:
            problems.append(
                (
                    f"deployments[{index}].name",
                    f"{dep.name!r} repeats deployments[{seen[key]}].name; names must be unique",
                )
            )
        else:
            seen[key] = index
    return problems


def _subdomain(config: EnvironmentConfig) -> list[Problem]:
    acct = config.account
    if acct.custom_subdomain is not None or SUBDOMAIN.match(acct.subdomain):
        return []
    return [
        (
            "account.name",
            f"{acct.name!r} cannot be the subdomain <name>.openai.azure.com (lower-case "
            "letters, digits and hyphens only); set account.custom_subdomain",
        )
    ]


def _all_tags(config: EnvironmentConfig) -> list[Problem]:
    problems = _tags("tags", config.tags, {})
    problems += _tags("account.tags", config.account.tags, config.tags)
    for index, dep in enumerate(config.deployments):
        problems += _tags(f"deployments[{index}].tags", dep.tags, config.tags)
    return problems


def _tags(path: str, tags: dict[str, str], inherited: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in tags.items():
        if not name or len(name) > MAX_TAG_NAME:
            problems.append((f"{path}.{name[:40]}", f"tag names are 1-{MAX_TAG_NAME} characters"))
        elif TAG_NAME_FORBIDDEN & set(name):
            bad = "".join(sorted(TAG_NAME_FORBIDDEN & set(name)))
            problems.append((f"{path}.{name}", f"tag names may not contain {bad!r}"))
        if len(value) > MAX_TAG_VALUE:
            problems.append(
                (f"{path}.{name[:40]}", f"tag values are at most {MAX_TAG_VALUE} characters")
            )
    total = len({**inherited, **tags})
    if total > MAX_TAGS - OWN_TAGS:
        problems.append(
            (
                path,
                f"{total} tags (with the top-level tags); Azure allows {MAX_TAGS} per resource "
                f"and {OWN_TAGS} are provision's own: use at most {MAX_TAGS - OWN_TAGS}",
            )
        )
    return problems
