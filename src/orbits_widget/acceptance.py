"""``python -m orbits_widget.acceptance``: kept as a command; the code is ``paper/acceptance.py``."""
import sys

from .paper.acceptance import main

if __name__ == "__main__":
    sys.exit(main())
