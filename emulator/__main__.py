"""``python -m emulator``: the emulator command line."""

from emulator.cli import main

raise SystemExit(main())
