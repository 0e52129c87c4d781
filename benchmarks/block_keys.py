"""Every parity table's replays, with a key per trace hash block (runs) and with a key per block: bit for bit.

For each replay behind docs/parity.md (our side), run it twice, ``block_keys="blocks"`` and
``block_keys="runs"``, and compare every per-request array, the summary and the counters exactly;
record the wall time of each side (kernel JIT cache warm; one run each, so the times are a guide):

* the paper workload: the 5,000-request synthetic trace at C = 8 ... 256 (one 64-token block per hash
  id, so runs do not apply and both sides are the same path, recorded to say so);
* Mooncake's trace: 2P/2D, 1P/2D and 2P/4D at 3x its rate, seeds 0-4 (``compare_trace``'s runs);
* the four generated families on ``parity.FAMILY_CONFIGS``, seeds 0-2 (``family_markdown``'s runs);
* notebook 04's trace search, whose profile (llama-70b-1p2d, 16-token blocks) runs KVBM tiers on Mooncake's
  first 1,000 requests: three of its splits at 1x and 3x the trace's rate (the prefill caches keep a key per
  block under the tiers while the rest keeps runs).

    python benchmarks/block_keys.py [--out benchmarks/block-keys.json]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _report import emit  # noqa: E402

import orbits_widget as ow  # noqa: E402
from orbits_widget.kernel import layout as L  # noqa: E402
from orbits_widget.paper import parity  # noqa: E402
from orbits_widget.paper.bench import MOONCAKE  # noqa: E402
from orbits_widget.workload import families  # noqa: E402
from orbits_widget.workload.traces import load_trace  # noqa: E402


def replay(path, concurrency, n_prefill, n_decode, seed, block_keys, profile="dynamo-mocker-1p2d"):
    trace = load_trace(path) if isinstance(path, str) else path
    t0 = time.perf_counter()
    sim = ow.Simulation(profile=profile, trace=trace, concurrency=concurrency, n_prefill=n_prefill,
                        n_decode=n_decode, seed=seed, history=max(1, len(trace)), block_keys=block_keys)
    sim.run(seconds=None)
    wall = time.perf_counter() - t0
    return sim, wall


def same(a, b) -> bool:
    ra, rb = a.requests(), b.requests()
    if ra.keys() != rb.keys():
        return False
    for k in ra:
        x, y = np.asarray(ra[k]), np.asarray(rb[k])
        if x.shape != y.shape or x.tobytes() != y.tobytes():
            return False
    ka, kb = a.kvbm(), b.kvbm()
    return (repr(a.summary()) == repr(b.summary()) and a.counters() == b.counters()
            and int(a._st.scalars_i[L.SI_EVICTED]) == int(b._st.scalars_i[L.SI_EVICTED])
            and all(np.array_equal(ka[k], kb[k]) for k in ka))


def case(name, path, concurrency, n_prefill, n_decode, seeds, profile="dynamo-mocker-1p2d", trace_name=None):
    out = dict(table=name, trace=trace_name or os.path.basename(path), pools=f"{n_prefill}P/{n_decode}D",
               load="open" if concurrency is None else f"C = {concurrency}", seeds=list(seeds), identical=True,
               blocks_s=0.0, runs_s=0.0)
    for seed in seeds:
        a, ta = replay(path, concurrency, n_prefill, n_decode, seed, "blocks", profile)
        b, tb = replay(path, concurrency, n_prefill, n_decode, seed, "runs", profile)
        out["identical"] = out["identical"] and same(a, b)
        out["runs_apply"] = int(b._st.iparams[L.I_TRACE_RUNS]) > 0
        out["kvbm_tiers"] = int(b._st.iparams[L.I_KVBM]) == 1
        out["blocks_s"] += ta
        out["runs_s"] += tb
    out["blocks_s"], out["runs_s"] = round(out["blocks_s"], 4), round(out["runs_s"], 4)
    print(f"{name:12s} {out['trace']:32s} {out['pools']} {out['load']:9s} identical={out['identical']} "
          f"blocks {out['blocks_s']:.3f} s runs {out['runs_s']:.3f} s", file=sys.stderr)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    replay(MOONCAKE, None, 1, 2, 0, "runs")          # compile once, untimed
    rows = []
    with tempfile.TemporaryDirectory() as d:
        paper = parity.make_traces(directory=d)
        for c in parity.GRID:
            rows.append(case("paper", paper, c, 1, 2, [0]))
        fast = parity.faster_trace(MOONCAKE, 3.0, os.path.join(d, "mooncake_x3.jsonl"))
        for path, n_p, n_d in ((MOONCAKE, 2, 2), (MOONCAKE, 1, 2), (fast, 2, 4)):
            rows.append(case("mooncake", path, None, n_p, n_d, range(5)))
        for fam in families.FAMILIES:
            path = families.write_family(fam, d)
            for n_p, n_d, c in parity.FAMILY_CONFIGS:
                rows.append(case("families", path, c, n_p, n_d, range(3)))
    head = load_trace(MOONCAKE).head(1000)
    for load in (1.0, 3.0):
        tr = head if load == 1.0 else head.scaled(load)
        for n_p, n_d in ((2, 4), (4, 2), (1, 5)):
            rows.append(case("plan", tr, None, n_p, n_d, [0], profile="llama-70b-1p2d",
                             trace_name=f"mooncake first 1,000 at {load:g}x"))
    res = dict(replays=sum(len(r["seeds"]) for r in rows), identical=all(r["identical"] for r in rows),
               cases=len(rows), cases_with_runs=sum(r["runs_apply"] for r in rows),
               cases_with_kvbm_tiers=sum(r["kvbm_tiers"] for r in rows),
               blocks_s=round(sum(r["blocks_s"] for r in rows), 3), runs_s=round(sum(r["runs_s"] for r in rows), 3),
               rows=rows)
    emit(res, args.out)
    return 0 if res["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
