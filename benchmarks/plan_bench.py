"""How long a deployment search takes: issue 14's target, the 70B search on the paper's workload
(6 splits x 16 router settings x 2 policies x 8 loads, 120 s measured each) in <= 60 s on 2 cores,
and issue 22's, notebook 04's trace search in <= 5 s.

    python benchmarks/plan_bench.py [--workers 2] [--only NAME[,NAME]] [--out benchmarks/plan-bench.json]

Searches (kernel JIT cache warm; a 2-process pool, started and warmed before the clock):

* ``six_splits``: 28 GPUs of llama-70b (TP 4: 7 workers, the six splits 1P/6D ... 6P/1D), the
  target's exact grid: 6 x 16 x 2 x 8 = 1,536 runs, less those pruning skips (loads above a
  saturated miss, ``plan(prune=True)``, the default);
* ``six_splits_every_load``: the same with ``prune=False``, every one of the 1,536 runs;
* ``notebook``: 24 GPUs (six workers, the five splits 1P/5D ... 5P/1D) as notebook 04 runs it,
  1,280 runs, with its marginal analysis.

These three at the notebook's loads (concurrency 64 ... 1536: past every split's knee, the costly
part of the range) with the notebook's SLA, 120 s measured after 30 s of warm-up per run.

* ``notebook_trace``: notebook 04's trace search, 24 GPUs on Mooncake's first 1,000 requests (5 splits
  x 2 router settings x 2 policies x 3 scales: 60 replays, then the marginal analysis's 6), and where
  its time goes (``split``): in the parent, the argument check (one simulation built), the
  configurations' tasks and the marginal analysis (wall seconds); per run in the workers, building
  the simulation and replaying the trace (wall and CPU ms); per task, the rest (unpickling its
  arguments, mapping the shared trace, averaging) and the bytes it ships.

Prints JSON and writes it to ``--out``; with ``--only`` the file keeps the other searches' entries.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs

import orbits_widget as ow
from orbits_widget.api import simulation as _simulation
from orbits_widget.planning import marginal as _marginal
from orbits_widget.planning import search as _search
from orbits_widget.planning import solve as _solve

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "llama-70b-1p2d"
LOADS = (64, 128, 256, 384, 512, 768, 1024, 1536)
SLA = {"ttft_p99_ms": 1000.0, "itl_p99_ms": 15.0}
TARGET_S = 60.0
TRACE = ROOT / "tests" / "data" / "mooncake_synthetic.jsonl"
TRACE_SLA = {"ttft_p99_ms": 3000.0, "itl_p99_ms": 8.0}
TRACE_TARGET_S = 5.0
SEARCHES = ("six_splits", "six_splits_every_load", "notebook", "notebook_trace")


def _warm(_=None):
    """A worker's first run loads the kernel from the numba cache: do it before the clock."""
    ow.Simulation(PROFILE, concurrency=8, history=16).step(1.0)
    return os.getpid()


def search(gpus, ex, marginal, prune=True) -> dict:
    t0 = time.perf_counter()
    p = ow.plan("paper", gpus, SLA, profile=PROFILE, loads=LOADS, executor=ex, progress=False, marginal=marginal,
                prune=prune)
    wall = time.perf_counter() - t0
    best = p.loc[p.best.index]
    return dict(gpus=gpus, splits=len(p.search["splits"]), configurations=len(p), prune=prune, runs=len(p.runs),
                wall_s=round(wall, 2), ms_per_run=round(1e3 * wall / len(p.runs), 2),
                best=f"{best.n_prefill}P/{best.n_decode}D {best.policy} tau={best.tau:g} omega={best.omega:g}",
                best_goodput_rps=round(float(best.goodput_rps), 1), target_s=TARGET_S, met=wall <= TARGET_S)


# ---------------------------------------------------------------- the trace search's split ----
_LOG = os.path.join(tempfile.gettempdir(), f"plan-bench-{os.getpid()}.jsonl")   # the tasks' clocks, one line each
_CLOCKS: dict = {}


def _clocked(fn, key, into):
    """``fn``, its wall (and CPU) seconds added to ``into[key]`` (and ``into[key + '_cpu']``)."""
    def clocked(*a, **kw):
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **kw)
        finally:
            into[key] = into.get(key, 0.0) + time.perf_counter() - t
            into[key + "_cpu"] = into.get(key + "_cpu", 0.0) + time.process_time() - c
    clocked.bench_clock = True
    return clocked


def _clocked_measure(*args):
    """``search.measure`` with its simulations' construction and runs clocked (a line of ``_LOG``)."""
    sim = _simulation.Simulation
    if not getattr(sim.run, "bench_clock", False):          # in a worker, once
        sim.__init__, sim.run = _clocked(sim.__init__, "build", _CLOCKS), _clocked(sim.run, "replay", _CLOCKS)
    _CLOCKS.clear()
    t = time.perf_counter()
    out = _search.measure(*args)
    with open(_LOG, "a") as fh:
        fh.write(json.dumps(dict(_CLOCKS, task=time.perf_counter() - t, runs=len(out) * len(args[4]))) + "\n")
    return out


class Pool(ProcessPoolExecutor):
    """A process pool that keeps the size of each search task it ships (pickled)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.shipped = []

    def submit(self, fn, /, *args, **kwargs):
        if fn is _clocked_measure:
            self.shipped.append(len(pickle.dumps((fn, args, kwargs))))
        return super().submit(fn, *args, **kwargs)


def trace_search(ex) -> dict:
    """Notebook 04's trace search on ``ex`` (its workers warm), and where its time goes."""
    trace = ow.load_trace(TRACE).head(1000)
    parent = {}
    saved = _solve.measure, _marginal.measure, _solve.Simulation, _solve.run_tasks, _marginal.analyse
    _solve.measure = _marginal.measure = _clocked_measure
    _solve.Simulation = _clocked(_solve.Simulation, "check_s", parent)
    _solve.run_tasks = _clocked(_solve.run_tasks, "configurations_s", parent)
    _marginal.analyse = _clocked(_marginal.analyse, "marginal_s", parent)
    ex.shipped.clear()
    try:
        t0 = time.perf_counter()
        q = ow.plan(trace, 24, TRACE_SLA, profile=PROFILE, router_grid=[(0.0, 1.0), (0.8, 0.1)], loads=(1, 2, 3),
                    executor=ex, progress=False)
        wall = time.perf_counter() - t0
    finally:
        _solve.measure, _marginal.measure, _solve.Simulation, _solve.run_tasks, _marginal.analyse = saved
    with open(_LOG) as fh:
        tasks = [json.loads(line) for line in fh]
    os.remove(_LOG)
    runs = sum(t["runs"] for t in tasks)
    tot = {k: sum(t.get(k, 0.0) for t in tasks) for k in ("build", "build_cpu", "replay", "replay_cpu", "task")}
    best = q.loc[q.best.index]
    return dict(gpus=24, configurations=len(q), runs=runs, tasks=len(tasks), wall_s=round(wall, 2),
                ms_per_run=round(1e3 * wall / runs, 1),
                best=f"{best.n_prefill}P/{best.n_decode}D {best.policy} tau={best.tau:g} omega={best.omega:g}",
                best_goodput_rps=round(float(best.goodput_rps), 2), target_s=TRACE_TARGET_S,
                met=wall <= TRACE_TARGET_S,
                split=dict(**{k: round(v, 3) for k, v in parent.items() if not k.endswith("_cpu")},
                           run_build_ms=round(1e3 * tot["build"] / runs, 1),
                           run_build_cpu_ms=round(1e3 * tot["build_cpu"] / runs, 1),
                           run_replay_ms=round(1e3 * tot["replay"] / runs, 1),
                           run_replay_cpu_ms=round(1e3 * tot["replay_cpu"] / runs, 1),
                           task_rest_ms=round(1e3 * (tot["task"] - tot["build"] - tot["replay"]) / len(tasks), 1),
                           workers_busy_s=round(tot["task"], 2),
                           bytes_per_task=round(sum(ex.shipped) / len(ex.shipped)),
                           trace_pickled_bytes=len(pickle.dumps(trace))))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/plan_bench.py", description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2, the target's cores)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "plan-bench.json"), help="JSON written here too")
    ap.add_argument("--only", default=",".join(SEARCHES), metavar="NAME[,NAME]",
                    help=f"run only these searches, among {', '.join(SEARCHES)}")
    a = ap.parse_args(argv)
    names = a.only.split(",")
    if set(names) - set(SEARCHES):
        ap.error(f"--only: names among {', '.join(SEARCHES)}, got {a.only!r}")
    runs = {"six_splits": lambda ex: search(28, ex, marginal=False),
            "six_splits_every_load": lambda ex: search(28, ex, marginal=False, prune=False),
            "notebook": lambda ex: search(24, ex, marginal=True),
            "notebook_trace": trace_search}
    out = {}
    if set(names) != set(SEARCHES) and a.out and os.path.exists(a.out):
        with open(a.out) as fh:
            out = json.load(fh)
    _warm()
    with Pool(a.workers) as ex:
        list(ex.map(_warm, range(4 * a.workers)))
        out.update(machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(),
                                python=platform.python_version()), workers=a.workers,
                   profile=PROFILE, loads=LOADS, sla=SLA, seconds=120.0, warmup=30.0)
        for name in SEARCHES:
            if name in names:
                out[name] = runs[name](ex)
    emit(out, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
