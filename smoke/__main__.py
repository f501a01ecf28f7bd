"""``python -m smoke`` → the ``smoke`` command line."""

from smoke.cli import main

if __name__ == "__main__":
    main()
