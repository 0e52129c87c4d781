"""Engine speed of the working tree against a git ref, alternating on one machine.

    python benchmarks/ab_speed.py REF [--rounds 5] [--out FILE.json]

Checks out REF into a temporary git worktree and measures, in fresh processes that alternate between the two
trees (so that a busy or throttled machine hurts both alike), the figures of ``python -m orbits_widget.bench``
that time the kernel itself: ``sim_requests_per_s`` (nemotron-340b-1p2d, static, C = 256, 600 simulated
seconds, completed requests per wall second, best of 3) and ``sweep_static_s`` (8 loads, 120 s each, best of
3). Each process compiles (or loads) its tree's kernel first, outside the timing. Prints the runs and the
medians as JSON.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs

ROOT = pathlib.Path(__file__).resolve().parents[1]

MEASURE = r"""
import json, sys, time
import numba
numba.set_num_threads(1)
import orbits_widget as ow
ow.Simulation(concurrency=8).run(1.0, warmup=0.0)
best = None
for _ in range(3):
    sim = ow.Simulation(profile="nemotron-340b-1p2d", concurrency=256, policy="static")
    t0 = time.perf_counter()
    sim.step(600.0)
    wall = time.perf_counter() - t0
    done = sim.counters()["completed"]
    best = (wall, done) if best is None or wall < best[0] else best
sweeps = []
for _ in range(3):
    t0 = time.perf_counter()
    ow.sweep(profile="nemotron-340b-1p2d", concurrency=[8, 16, 32, 64, 96, 128, 192, 256], policy=["static"],
             seeds=[0], seconds=120.0, progress=False)
    sweeps.append(time.perf_counter() - t0)
print(json.dumps(dict(sim_requests_per_s=round(best[1] / best[0]), sweep_static_s=round(min(sweeps), 4))))
"""


def measure(src: pathlib.Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE], env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/ab_speed.py", description=__doc__.splitlines()[0])
    ap.add_argument("ref", help="the git ref to compare with (e.g. a commit before a change)")
    ap.add_argument("--rounds", type=int, default=5, help="alternations (default 5)")
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args(argv)
    if not 1 <= a.rounds <= 50:
        ap.error(f"--rounds: must be an integer in [1, 50], got {a.rounds}")
    with tempfile.TemporaryDirectory(prefix="ab-") as tmp:
        tree = pathlib.Path(tmp) / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), a.ref], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            sha = subprocess.run(["git", "rev-parse", "--short", a.ref], cwd=ROOT, check=True, capture_output=True,
                                 text=True).stdout.strip()
            runs = {"ref": [], "here": []}
            for _ in range(a.rounds):
                runs["ref"].append(measure(tree / "src"))
                runs["here"].append(measure(ROOT / "src"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()}
    res = dict(ref=a.ref, ref_commit=sha, rounds=a.rounds, runs=runs, median=med,
               change=round(med["here"]["sim_requests_per_s"] / med["ref"]["sim_requests_per_s"] - 1.0, 4))
    emit(res, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
