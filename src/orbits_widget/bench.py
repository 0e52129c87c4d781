"""``python -m orbits_widget.bench``: kept as a command; the code is ``paper/bench.py``."""
import sys

from .paper.bench import main

if __name__ == "__main__":
    sys.exit(main())
