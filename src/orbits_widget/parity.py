"""``python -m orbits_widget.parity``: kept as a command; the code is ``paper/parity.py``."""
import sys

from .paper.parity import main

if __name__ == "__main__":
    sys.exit(main())
