"""``python -m orbits_widget.workload OUT.jsonl --requests N [--rate R] [--seed S] [--mix k=share,...]``:
write a Mooncake trace of the mixed generated families (``workload/generate.py``)."""
from __future__ import annotations

import argparse
import sys
import time

from . import generate


def _mix(text):
    out = {}
    for item in text.split(","):
        name, _, share = item.partition("=")
        if name not in generate.FAMILIES or not share:
            raise argparse.ArgumentTypeError(f"expected name=share with a name of {list(generate.FAMILIES)}, "
                                             f"got {item!r}")
        out[name] = float(share)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m orbits_widget.workload", description=__doc__.split("\n")[0])
    ap.add_argument("out", help="the JSONL file to write")
    ap.add_argument("--requests", "-n", type=int, required=True, help="requests (lines) to write")
    ap.add_argument("--rate", type=float, default=generate.DEFAULT_RATE,
                    help=f"requests/s of the whole mix (default {generate.DEFAULT_RATE:g}, the families' own)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mix", type=_mix, default=None,
                    help="shares, e.g. long_prompts=1,multi_turn=2 (default: the families' own rates)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        generate.write_trace(a.out, a.requests, seed=a.seed, rate=a.rate, mix=a.mix)
    except ValueError as e:
        ap.error(str(e))
    print(f"{a.out}: {a.requests:,} requests in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
