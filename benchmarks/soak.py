"""The soak: many random runs of tests/campaign.py (random profiles, loads, open and closed loop,
pools resized with outages, the Planner, think times, KVBM), each checked for every invariant and
for liveness.

    python benchmarks/soak.py [--runs 10000] [--workers 2] [--out benchmarks/soak.json]

Prints a JSON summary: runs, invariant violations, stalls, crashes (any other exception), the
seeds of every failure, wall time and the largest peak memory of a worker process.
"""
from __future__ import annotations

import argparse
import pathlib
import resource
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs

TESTS = pathlib.Path(__file__).resolve().parents[1] / "tests"


def _batch(seeds):
    sys.path.insert(0, str(TESTS))
    from campaign import run_scenario, scenario
    out = []
    for seed in seeds:
        try:
            run_scenario(scenario(seed))
            out.append((seed, "ok", ""))
        except AssertionError as e:
            kind = "stall" if str(e).startswith("stall") else "violation"
            out.append((seed, kind, str(e)[:300]))
        except Exception:       # noqa: BLE001 - a crash of any kind is what the soak looks for
            out.append((seed, "crash", traceback.format_exc(limit=3)[-600:]))
    return out, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/soak.py", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--out", help="write the JSON summary here too")
    a = ap.parse_args(argv)
    seeds = list(range(a.first_seed, a.first_seed + a.runs))
    batches = [seeds[i:i + 250] for i in range(0, len(seeds), 250)]
    t0 = time.perf_counter()
    results, peak = [], 0
    with ProcessPoolExecutor(max_workers=a.workers) as ex:
        for out, rss in ex.map(_batch, batches):
            results += out
            peak = max(peak, rss)
            print(f"{len(results):6d} runs, {sum(r[1] != 'ok' for r in results)} failures", file=sys.stderr)
    failures = [dict(seed=s, kind=k, detail=d) for s, k, d in results if k != "ok"]
    summary = dict(runs=len(results), violations=sum(f["kind"] == "violation" for f in failures),
                   stalls=sum(f["kind"] == "stall" for f in failures),
                   crashes=sum(f["kind"] == "crash" for f in failures), failures=failures[:50],
                   seeds=[a.first_seed, a.first_seed + a.runs - 1], wall_s=round(time.perf_counter() - t0, 1),
                   worker_peak_rss_mb=peak)
    emit(summary, a.out)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
