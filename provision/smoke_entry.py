"""The ``smoke`` console script: smoke's CLI with provision's environments plugged in.

This thin command layer is the only place that joins the two packages on the command line:
``smoke`` (the library, and ``python -m smoke``) knows nothing of environment files; here
``smoke run --env NAME`` gets provision's ``EnvironmentSource``. provision itself is imported
only when an environment is opened, so ``smoke --help`` stays fast.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smoke.environments import EnvironmentRequest, ResolvedEnvironment


class LazyEnvironments:
    """Imports ``provision.smoke_source`` on the first :meth:`open`."""

    def __init__(self) -> None:
        self._source: Any = None

    def open(self, request: EnvironmentRequest) -> AbstractContextManager[ResolvedEnvironment]:
        if self._source is None:
            # before provision's heavy imports: an emulator this run will start begins
            # loading its speech stack now (see provision.embedded)
            from provision.embedded import warm_speech_if_embedded

            warm_speech_if_embedded(request.name, request.env_file, request.env_dir)
            from provision.smoke_source import ProvisionEnvironments

            self._source = ProvisionEnvironments()
        opened: AbstractContextManager[ResolvedEnvironment] = self._source.open(request)
        return opened


def main() -> None:
    """Console-script entry point (``[project.scripts] smoke``)."""
    from smoke.cli import make_cli

    make_cli(environments=LazyEnvironments())(prog_name="smoke")
