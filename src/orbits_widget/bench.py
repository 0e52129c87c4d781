"""Speed figures of the engine: ``python -m orbits_widget.bench --json``.

Measures (kernel JIT cache warm, one thread, best of ``--repeat`` runs):

* ``sim_requests_per_s`` / ``sim_seconds_per_wall_s``: nemotron-340b-1p2d, static router,
  closed loop C = 256, 600 simulated seconds, wall time of ``Simulation.step(600)``;
* ``sweep_static_s``: wall time of ``sweep`` over C in {8, 16, 32, 64, 96, 128, 192, 256} with
  120 s measured per point (plus the default warm-up), static policy, one seed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time


def _machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba
    import numpy
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                numba=numba.__version__, numpy=numpy.__version__, platform=platform.platform())


def run(repeat: int = 3) -> dict:
    import numba
    numba.set_num_threads(1)
    import orbits_widget as ow

    ow.Simulation(concurrency=8).run(1.0, warmup=0.0)          # load / compile the kernel
    best = None
    for _ in range(repeat):
        sim = ow.Simulation(profile="nemotron-340b-1p2d", concurrency=256, policy="static")
        t0 = time.perf_counter()
        sim.step(600.0)
        wall = time.perf_counter() - t0
        done = sim.counters()["completed"]
        if best is None or wall < best[0]:
            best = (wall, done)
    wall, done = best
    sweeps = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ow.sweep(profile="nemotron-340b-1p2d", concurrency=[8, 16, 32, 64, 96, 128, 192, 256],
                 policy=["static"], seeds=[0], seconds=120.0)
        sweeps.append(time.perf_counter() - t0)
    return dict(
        sim_requests_per_s=round(done / wall),
        sim_seconds_per_wall_s=round(600.0 / wall, 1),
        sim_wall_s=round(wall, 4),
        sim_completed_requests=int(done),
        sweep_static_s=round(min(sweeps), 4),
        repeat=repeat,
        machine=_machine(),
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m orbits_widget.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is kept (default 3)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat: must be an integer >= 1")
    res = run(args.repeat)
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:26s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
