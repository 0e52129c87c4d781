"""Side by side with NVIDIA Dynamo's own simulator: the same trace through Dynamo's offline
replay (its "mocker" engine, package ``ai-dynamo``) and through our ``dynamo-mocker-1p2d`` profile.

``python -m orbits_widget.parity`` prints the comparison table on the paper's workload (Markdown);
``python -m orbits_widget.parity --trace FILE ...`` replays real traces (open loop at their timestamps,
or ``--concurrency C``) on ``--prefill``/``--decode`` workers and prints both sides, the error and the
speed ratio; ``--families`` replays the generated trace families (workload/families.py) on eight
deployments. Dynamo is optional:
install it with ``pip install --no-deps ai-dynamo==1.6.1 ai-dynamo-runtime==1.6.1`` and
``pip install "pydantic<=2.13.5,>=2.10.6" uvloop typing_extensions msgspec pyyaml zstandard numpy``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from ..api.simulation import Simulation
from ..profiles import get as get_profile
from ..workload.traces import load_trace, synthetic_trace

KEYS = ("median_ttft_ms", "p99_ttft_ms", "median_itl_ms", "p99_itl_ms", "request_throughput_rps",
        "completed_requests", "duration_ms")
GRID = (8, 32, 64, 96, 128, 256)


def dynamo_status() -> tuple[bool, str]:
    """(available, why not) for Dynamo's offline replay in this environment."""
    try:
        os.environ.setdefault("DYN_LOG", "warn")
        import dynamo._core  # noqa: F401
        import dynamo.llm  # noqa: F401
        import dynamo.replay  # noqa: F401
    except Exception as e:  # ImportError, or a broken install
        return False, f"ai-dynamo is not importable ({type(e).__name__}: {e})"
    return True, ""


def run_dynamo(trace_path, concurrency, n_prefill=1, n_decode=2, block=64, trace_block=None,
               num_gpu_blocks=None, per_request=False) -> dict:
    """Dynamo's offline disaggregated replay with its default mocker engines (KV blocks of ``block``
    tokens, ``num_gpu_blocks`` of them per worker, default the engine's) and KV router; ``trace_block``:
    tokens per trace hash id (default: what the trace says). ``per_request`` has the replay record
    each request (slower; off for speed races) and adds ``preemptions``: its readmissions."""
    ok, why = dynamo_status()
    if not ok:
        raise ImportError(why)
    import dynamo._core
    import dynamo.llm
    import dynamo.replay

    def engine(kind):
        args = {"worker_type": kind, "block_size": block}
        if num_gpu_blocks is not None:
            args["num_gpu_blocks"] = num_gpu_blocks
        return dynamo._core._normalize_mocker_config({"engine": args})

    t0 = time.perf_counter()
    rep = dynamo.replay.run_trace_replay(
        [os.fspath(trace_path)], prefill_engine_args=engine("prefill"), decode_engine_args=engine("decode"),
        num_prefill_workers=n_prefill, num_decode_workers=n_decode, router_mode="kv_router",
        router_config=dynamo.llm.KvRouterConfig(), replay_concurrency=concurrency, trace_format="mooncake",
        trace_block_size=trace_block or load_trace(trace_path).block_size, replay_mode="offline",
        capture_per_request=per_request)
    wall = time.perf_counter() - t0
    summ = rep.summary() if callable(getattr(rep, "summary", None)) else rep.summary
    get = summ.get if isinstance(summ, dict) else (lambda k: getattr(summ, k))
    out = {k: float(get(k)) for k in KEYS}
    out["wall_s"] = wall
    if per_request:
        out["preemptions"] = float(sum(r.get("readmission_count", 0) for r in rep.per_request or ()))
    return out


def run_ours(trace_path, concurrency, profile="dynamo-mocker-1p2d", n_prefill=1, n_decode=2, block=None,
             seed=0, num_gpu_blocks=None, block_keys="runs") -> dict:
    """The same replay through our engine; quantiles over every request (exact percentiles).
    ``block``: tokens per trace hash id (default: what the trace says); ``num_gpu_blocks``: KV blocks
    per worker (default the profile's); ``block_keys``: see ``Simulation``."""
    t0 = time.perf_counter()
    trace = load_trace(trace_path)
    kv = {} if num_gpu_blocks is None else dict(kv_capacity_tokens=num_gpu_blocks * get_profile(profile).block_size)
    sim = Simulation(profile=profile, trace=trace, concurrency=concurrency, trace_block_size=block, seed=seed,
                     n_prefill=n_prefill, n_decode=n_decode, history=max(1, len(trace)), block_keys=block_keys, **kv)
    s = sim.run(seconds=None).summary()
    wall = time.perf_counter() - t0
    r = sim.requests()
    c = sim.counters()
    ttft = (r["first_token"] - r["arrival"]) * 1e3
    return dict(median_ttft_ms=float(np.percentile(ttft, 50)), p99_ttft_ms=float(np.percentile(ttft, 99)),
                median_itl_ms=s["itl_p50_ms"], p99_itl_ms=s["itl_p99_ms"],
                request_throughput_rps=s["throughput_rps"], completed_requests=float(s["completed"]),
                duration_ms=sim.time * 1e3, issued=float(c["issued"]), in_flight=float(c["in_flight"]),
                preemptions=float(c["decode_preemptions"]), wall_s=wall)


def make_traces(n=5000, templates=5, isl=128, osl=256, block=64, seed=0, directory=None) -> str:
    """The parity workload: ``n`` requests from ``templates`` shared prompts, as a Mooncake file."""
    directory = directory or tempfile.mkdtemp(prefix="orbits-parity-")
    return synthetic_trace(n, templates=templates, isl=isl, osl=osl, block=block, seed=seed,
                           path=os.path.join(directory, f"parity-{n}x{isl}x{osl}.jsonl"))


def compare(concurrency=GRID, n=5000, templates=5, isl=128, osl=256, seed=0, with_dynamo=True):
    """One row per concurrency: Dynamo's and our figures and their ratios (a pandas DataFrame)."""
    import pandas as pd

    path = make_traces(n, templates, isl, osl, seed=seed)
    rows = []
    ok, why = dynamo_status()
    for c in concurrency:
        ours = run_ours(path, c)
        row = {"concurrency": c}
        for k in KEYS[:5]:
            row[f"ours_{k}"] = ours[k]
        row["ours_completed"] = ours["completed_requests"]
        if with_dynamo and ok:
            dyn = run_dynamo(path, c)
            for k in KEYS[:5]:
                row[f"dynamo_{k}"] = dyn[k]
                row[f"ratio_{k}"] = ours[k] / dyn[k] if dyn[k] else float("nan")
            row["dynamo_completed"] = dyn["completed_requests"]
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["dynamo"] = "ai-dynamo 1.6.1 offline replay" if ok else why
    df.attrs["trace"] = path
    return df


def markdown(df) -> str:
    """The comparison as a Markdown table: Dynamo / ours for each figure."""
    cols = [("TTFT p50 ms", "median_ttft_ms", 2), ("TTFT p99 ms", "p99_ttft_ms", 2),
            ("ITL p50 ms", "median_itl_ms", 3), ("ITL p99 ms", "p99_itl_ms", 3),
            ("req/s", "request_throughput_rps", 3)]
    has = "dynamo_median_ttft_ms" in df.columns
    head = "| C | " + " | ".join(f"{name} (Dynamo / ours)" if has else f"{name} (ours)" for name, _, _ in cols) + \
           " | completed (Dynamo / ours) |"
    lines = [head, "|" + "---:|" * (len(cols) + 2)]
    for _, r in df.iterrows():
        cells = []
        for _, k, d in cols:
            cells.append(f"{r['dynamo_' + k]:.{d}f} / {r['ours_' + k]:.{d}f}" if has else f"{r['ours_' + k]:.{d}f}")
        done = f"{int(r['dynamo_completed'])} / {int(r['ours_completed'])}" if has else f"{int(r['ours_completed'])}"
        lines.append(f"| {int(r['concurrency'])} | " + " | ".join(cells) + f" | {done} |")
    return "\n".join(lines)


TRACE_FIGURES = (("TTFT p50 ms", "median_ttft_ms"), ("TTFT p99 ms", "p99_ttft_ms"), ("ITL p50 ms", "median_itl_ms"),
                 ("ITL p99 ms", "p99_itl_ms"), ("req/s", "request_throughput_rps"),
                 ("completed", "completed_requests"), ("wall s", "wall_s"))


def faster_trace(path, factor, dest) -> str:
    """Write the trace at ``path`` to ``dest`` with its arrivals ``factor`` times as fast (timestamps
    divided by it; prompts, outputs and hash ids unchanged) and return ``dest``."""
    with open(path, encoding="utf-8") as src, open(dest, "w", encoding="utf-8") as out:
        for line in src:
            row = json.loads(line)
            row["timestamp"] = row["timestamp"] / factor
            out.write(json.dumps(row) + "\n")
    return os.fspath(dest)


def compare_trace(path, n_prefill=1, n_decode=2, concurrency=None, runs=5, num_gpu_blocks=None) -> dict:
    """One real trace through both replays, ``runs`` times each: {"dynamo": ..., "ours": ...} hold the
    mean of every figure over the runs, "dynamo_runs"/"ours_runs" each run's figures, "speedup" the
    ratio of mean wall times (an open loop at the trace's timestamps unless ``concurrency`` is given).

    Both sides break routing ties at random: Dynamo's router draws from an unseeded generator (so no
    two of its replays are alike), ours from the run's seed (seeds 0 .. runs - 1). One run of either
    is a sample; at 2P/2D on Mooncake's trace, single runs of Dynamo's P99 TTFT spread over +-5 %."""
    ok, why = dynamo_status()
    if not ok:
        raise ImportError(why)
    if runs < 1:
        raise ValueError(f"runs: an integer >= 1, got {runs!r}")
    dyn = [run_dynamo(path, concurrency, n_prefill, n_decode, num_gpu_blocks=num_gpu_blocks) for _ in range(runs)]
    ours = [run_ours(path, concurrency, n_prefill=n_prefill, n_decode=n_decode, seed=s, num_gpu_blocks=num_gpu_blocks)
            for s in range(runs)]
    dyn_mean, ours_mean = _mean_figures(dyn), _mean_figures(ours)
    return dict(trace=os.fspath(path), pools=f"{n_prefill}P/{n_decode}D", concurrency=concurrency, runs=runs,
                dynamo=dyn_mean, ours=ours_mean, dynamo_runs=dyn, ours_runs=ours,
                speedup=dyn_mean["wall_s"] / ours_mean["wall_s"])


def _mean_figures(runs) -> dict:
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def trace_markdown(r) -> str:
    """One trace's comparison: Dynamo's and our mean over the runs, each side's range over them,
    our error on the means, and the speed ratio."""
    load = "open loop at its timestamps" if r["concurrency"] is None else f"closed loop, C = {r['concurrency']}"
    lines = [f"{os.path.basename(r['trace'])}, {r['pools']}, {load}, mean of {r['runs']} runs a side:", "",
             "| | Dynamo | ours | error | Dynamo's range | our range |", "|---|---:|---:|---:|---:|---:|"]
    for name, k in TRACE_FIGURES:
        d, o = r["dynamo"][k], r["ours"][k]
        err = "" if k == "wall_s" else f"{100 * (o / d - 1):+.1f} %" if d else "-"
        spans = [f"{min(x[k] for x in r[side]):,.2f} - {max(x[k] for x in r[side]):,.2f}"
                 for side in ("dynamo_runs", "ours_runs")]
        lines.append(f"| {name} | {d:,.2f} | {o:,.2f} | {err} | {spans[0]} | {spans[1]} |")
    lines.append(f"\nours is {r['speedup']:.1f}x faster")
    return "\n".join(lines)


FAMILY_CONFIGS = ((1, 1, None), (1, 2, None), (2, 2, None), (2, 4, None), (1, 1, 8), (1, 2, 16), (2, 2, 32),
                  (2, 4, 64))


def family_markdown(runs=3, directory=None, configs=FAMILY_CONFIGS) -> str:
    """Every generated trace family (workload/families.py) on ``configs`` ((prefill, decode, concurrency
    or None for open loop)), ``runs`` replays a side: Dynamo's mean and our error per figure."""
    from ..workload import families

    directory = directory or tempfile.mkdtemp(prefix="orbits-families-")
    head = ("| family | pools | load | TTFT p50 ms Dynamo (ours) | TTFT p99 ms Dynamo (ours) | ITL p50 ms | ITL p99 ms "
            "| req/s | completed |")
    lines = [head, "|---|---|---|---:|---:|---:|---:|---:|---:|"]

    def cell(r, k, d):
        dyn, ours = r["dynamo"][k], r["ours"][k]
        return f"{dyn:,.{d}f} ({100 * (ours / dyn - 1):+.1f} %)" if dyn else "-"

    for name in families.FAMILIES:
        path = families.write_family(name, directory)
        for p, dd, c in configs:
            r = compare_trace(path, p, dd, c, runs)
            load = "open" if c is None else f"C = {c}"
            done = f"{r['dynamo']['completed_requests']:,.0f} / {r['ours']['completed_requests']:,.0f}"
            lines.append(f"| {name} | {p}P/{dd}D | {load} | {cell(r, 'median_ttft_ms', 1)} | "
                         f"{cell(r, 'p99_ttft_ms', 1)} | {cell(r, 'median_itl_ms', 2)} | {cell(r, 'p99_itl_ms', 2)} | "
                         f"{cell(r, 'request_throughput_rps', 3)} | {done} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m orbits_widget.parity", description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=5000, help="requests per trace (default 5000)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=None,
                    help="closed-loop concurrencies (default: the paper grid; with --trace an open loop)")
    ap.add_argument("--trace", nargs="+", default=None, help="Mooncake JSONL traces to replay instead")
    ap.add_argument("--prefill", type=int, default=1, help="prefill workers for --trace (default 1)")
    ap.add_argument("--decode", type=int, default=2, help="decode workers for --trace (default 2)")
    ap.add_argument("--runs", type=int, default=5,
                    help="replays a side for --trace, averaged (default 5; both break routing ties at random)")
    ap.add_argument("--families", action="store_true",
                    help="replay the generated trace families on eight deployments and print the table")
    args = ap.parse_args(argv)
    if args.families:
        if args.runs < 1:
            ap.error("--runs: an integer >= 1")
        ok, why = dynamo_status()
        if not ok:
            ap.error(f"--families needs Dynamo's replay: {why}")
        print(family_markdown(args.runs))
        return 0
    if args.trace:
        if args.prefill < 1 or args.decode < 1 or args.runs < 1 or any(c < 1 for c in args.concurrency or ()):
            ap.error("--prefill, --decode, --runs and --concurrency: integers >= 1")
        ok, why = dynamo_status()
        if not ok:
            ap.error(f"--trace needs Dynamo's replay: {why}")
        for path in args.trace:
            if not os.path.isfile(path):
                ap.error(f"--trace: no such file {path!r}")
            for c in args.concurrency or [None]:
                print(trace_markdown(compare_trace(path, args.prefill, args.decode, c, args.runs)) + "\n")
        return 0
    args.concurrency = args.concurrency or list(GRID)
    if args.requests < 1 or any(c < 1 for c in args.concurrency):
        ap.error("--requests and --concurrency: integers >= 1")
    df = compare(args.concurrency, n=args.requests)
    print(f"Dynamo: {df.attrs['dynamo']}; trace: {args.requests} requests, 5 templates x 128 tokens, 256 out\n")
    print(markdown(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
