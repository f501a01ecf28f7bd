"""``python -m emulator``: the emulator command line (``realtime-emulator``)."""

from emulator.cli import main

raise SystemExit(main())
