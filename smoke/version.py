"""smoke's version, as a constant (``--version`` must not pay for ``importlib.metadata``).

It is the toolkit's version; ``tests/smoke/test_smoke_cli_ux.py`` checks it against
``pyproject.toml``.
"""

__all__ = ["VERSION"]

VERSION = "0.2.0"
