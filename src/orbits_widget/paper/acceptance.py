"""The control plane's acceptance table: ``python -m orbits_widget.acceptance [--out FILE]``.

Prints (and optionally writes) Markdown tables measured on ``nemotron-340b-1p2d``, 120 s per
point after the default warm-up, mean over seeds 0-2:

1. static vs adaptive TTFT P99 and throughput per concurrency, with the targets
   (<= 2 % apart for C <= 64; adaptive <= 0.5 x static at a throughput cost <= 15 % past the knee);
2. PoA-hat over the 4 x 4 (tau, omega) grid under the static policy: mean, coefficient of
   variation and spread per concurrency (plateau invariant below the knee; >= 10x and a
   >= 10x wider spread at C = 256);
3. the Planner's load step (C 32 -> 256) and a 20 s prefill outage.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ..api.simulation import Simulation
from . import reproduce

TARGET_CONCURRENCY = (16, 32, 64, 96, 128, 192, 256)
GRID_CONCURRENCY = (8, 16, 32, 64, 96, 128, 256)


def controller_rows(seconds=120.0):
    curves = reproduce.ttft_vs_concurrency([reproduce.PAPER_PROFILE], seeds=3, seconds=seconds).set_index("concurrency")
    rows = []
    for c in TARGET_CONCURRENCY:
        r = curves.loc[c]
        ratio = r["adaptive_ttft_p99_ms"] / r["static_ttft_p99_ms"]
        cost = 1.0 - r["adaptive_rps"] / r["static_rps"]
        if c <= 64:
            target, ok = "|ratio - 1| <= 2 %", abs(ratio - 1.0) <= 0.02
        elif c in (128, 256):
            target, ok = "ratio <= 0.5, cost <= 15 %", ratio <= 0.5 and cost <= 0.15
        else:
            target, ok = "(not a target)", None
        rows.append(dict(C=c, static_ms=r["static_ttft_p99_ms"], adaptive_ms=r["adaptive_ttft_p99_ms"], ratio=ratio,
                         throughput_cost=cost, static_poa=r["static_poa_hat"], adaptive_poa=r["adaptive_poa_hat"],
                         target=target, ok=ok))
    return rows


def poa_grid_rows(seconds=120.0):
    grid = reproduce.poa_hat_grid(seeds=3, seconds=seconds, concurrency=GRID_CONCURRENCY)
    return [dict(C=r.concurrency, mean=r.mean, cv=r.cv, min=r.min, max=r.max, spread=r.spread)
            for r in reproduce.poa_hat_invariance(grid).itertuples()]


def planner_step(predictor="kalman"):
    sim = Simulation(concurrency=32, policy="adaptive", planner=predictor, seed=0)
    sim.step(90.0)
    sim.concurrency = 256
    grown_at = None
    recovered_at = None
    for _ in range(60):                      # 5 s probes for 300 s
        sim.step(5.0)
        if grown_at is None and sim.n_decode > 2:
            grown_at = sim.time - 90.0
        p99 = sim.live()["ttft_p99_ms"]
        if grown_at is not None and recovered_at is None and p99 < 2000.0:
            recovered_at = sim.time - 90.0
    return dict(predictor=predictor, first_scale_up_s=grown_at, back_under_theta2_s=recovered_at,
                n_prefill=sim.n_prefill, n_decode=sim.n_decode)


def outage():
    sim = Simulation(concurrency=64, policy="adaptive", seed=0)
    sim.step(30.0)
    sim.n_prefill = 0
    sim.step(20.0)
    sim.n_prefill = 1
    sim.step(60.0)
    c = sim.counters()
    r = sim.requests()
    ttft = (r["first_token"] - r["arrival"]) * 1e3
    return dict(issued=c["issued"], completed=c["completed"], in_flight=c["in_flight"],
                conserved=c["issued"] == c["completed"] + c["in_flight"],
                worst_ttft_ms=float(ttft[(r["arrival"] > 30.0) & (r["arrival"] < 50.0)].max()),
                p99_after_ms=float(np.percentile(ttft[r["arrival"] > 90.0], 99)),
                logged=sum("prefill pool" in t for _, _, t in sim.log(since=1.0)))


def _fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "NO"
    return f"{v:,.{nd}f}"


def report(seconds=120.0) -> str:
    t0 = time.perf_counter()
    out = ["## Static vs adaptive (nemotron-340b-1p2d, mean of seeds 0-2, 120 s per point)", "",
           "| C | static TTFT p99 ms | adaptive TTFT p99 ms | ratio | throughput cost | PoA-hat static | "
           "PoA-hat adaptive | target | met |", "|---|---|---|---|---|---|---|---|---|"]
    for r in controller_rows(seconds=seconds):
        out.append(f"| {r['C']} | {_fmt(r['static_ms'])} | {_fmt(r['adaptive_ms'])} | {r['ratio']:.3f} | "
                   f"{100 * r['throughput_cost']:.1f} % | {_fmt(r['static_poa'], 3)} | {_fmt(r['adaptive_poa'], 3)} | "
                   f"{r['target']} | {_fmt(r['ok'])} |")
    grid = poa_grid_rows(seconds=seconds)
    out += ["", "## PoA-hat over the 16 (tau, omega) configurations (static, mean of seeds 0-2)", "",
            "| C | mean | CV | min | max | spread |", "|---|---|---|---|---|---|"]
    for r in grid:
        out.append(f"| {r['C']} | {r['mean']:.3f} | {100 * r['cv']:.2f} % | {r['min']:.3f} | {r['max']:.3f} | "
                   f"{r['spread']:.4f} |")
    by_c = {r["C"]: r for r in grid}
    plateau = by_c[64]["mean"]
    below_spread = max(by_c[32]["spread"], by_c[64]["spread"])
    out += ["", f"- below the knee (C = 32, 64): CV {100 * by_c[32]['cv']:.2f} % and {100 * by_c[64]['cv']:.2f} % "
                f"(target < 0.5 %); plateau {plateau:.3f} (the paper's band 7-19 comes from its uncalibrated "
                f"cost model; ours predicts TTFT with the engine's own timings, see docs/model.md)",
            f"- C = 256: {by_c[256]['mean'] / plateau:.1f}x the plateau (target >= 10x); spread "
            f"{by_c[256]['spread'] / below_spread:.0f}x the spread below the knee (target >= 10x)"]
    p = planner_step()
    o = outage()
    out += ["", "## Planner and outage", "",
            f"- load step C 32 -> 256 (adaptive, Kalman Planner): first scale-up {_fmt(p['first_scale_up_s'], 0)} s "
            f"after the step, rolling TTFT p99 back under theta2 {_fmt(p['back_under_theta2_s'], 0)} s after it, "
            f"ending at {p['n_prefill']}P/{p['n_decode']}D",
            f"- prefill outage 20 s at C = 64: issued {o['issued']} = completed {o['completed']} + in flight "
            f"{o['in_flight']} ({'conserved' if o['conserved'] else 'NOT conserved'}); worst TTFT "
            f"{o['worst_ttft_ms']:,.0f} ms during it, p99 {o['p99_after_ms']:.1f} ms after; "
            f"{o['logged']} pool changes in the mission log",
            "", f"(computed in {time.perf_counter() - t0:.1f} s)"]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m orbits_widget.acceptance", description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="also write the tables to this Markdown file")
    ap.add_argument("--seconds", type=float, default=120.0, help="measured seconds per point (default 120)")
    a = ap.parse_args(argv)
    if not a.seconds > 0:
        ap.error("--seconds: must be > 0")
    text = report(a.seconds)
    print(text)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text.rsplit("\n\n(computed", 1)[0] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
