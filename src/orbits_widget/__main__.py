"""``python -m orbits_widget reproduce --out DIR [--profile NAME ...] [--seeds N]``"""
from __future__ import annotations

import argparse
import sys

from . import profiles as _profiles


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m orbits_widget",
                                 description="Reproduce the paper's results headlessly.")
    sub = ap.add_subparsers(dest="command", required=True)
    rp = sub.add_parser("reproduce", help="write the tables of notebooks/02_paper_figures.ipynb as CSV + summary.md")
    rp.add_argument("--out", required=True, help="output directory (created if missing)")
    rp.add_argument("--profile", action="append", metavar="NAME",
                    help=f"a profile to include (repeatable; default all: {', '.join(_profiles.names())})")
    rp.add_argument("--seeds", type=int, default=3, help="seeds per point, 1-20 (default 3)")
    rp.add_argument("--no-progress", action="store_true", help="no progress bars")
    a = ap.parse_args(argv)
    bad = sorted(set(a.profile or ()) - set(_profiles.names()))
    if bad:
        ap.error(f"--profile: unknown {', '.join(bad)}; allowed: {', '.join(_profiles.names())}")
    if not 1 <= a.seeds <= 20:
        ap.error(f"--seeds: must be an integer in [1, 20], got {a.seeds}")
    from .paper.reproduce import write
    try:
        paths = write(a.out, profiles=a.profile, seeds=a.seeds, progress=False if a.no_progress else True)
    except OSError as e:
        print(f"python -m orbits_widget: error: --out: cannot write {a.out!r}: {e.strerror}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
