"""The toolkit's version, as a constant: ``provision --version`` must not pay ~0.1 s for
``importlib.metadata`` scanning site-packages. ``tests/provision/test_ux_startup.py`` checks it
against ``pyproject.toml``."""

VERSION = "0.2.0"
