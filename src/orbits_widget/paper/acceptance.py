"""The acceptance tables: ``python -m orbits_widget.acceptance [--out FILE]``.

Prints (and optionally writes) Markdown tables, 120 s per point after the default warm-up, mean
over seeds 0-2:

0. the knee of each of the paper's three deployments (static TTFT P99 over C = 8 ... 256, the grid
   point of its steepest rise, with one more decode and one more prefill worker);
1. static vs adaptive TTFT P99 and throughput per concurrency on each of them, with issue 11's
   targets (<= 2 % apart for C <= 64; adaptive 1.5-20x lower past the knee: not met by any sourced
   mechanism, see the hypothesis bench, ``python -m orbits_widget explain``), and the decomposition
   at C = 256 on 340B and 70B 1P/5D (resource part > routing part);
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
import pandas as pd

from ..api.decompose import decompose
from ..api.simulation import Simulation
from ..api.sweep import sweep
from ..profiles.catalog import get as get_profile
from . import reproduce

TARGET_CONCURRENCY = (16, 32, 64, 96, 128, 192, 256)
GRID_CONCURRENCY = (8, 16, 32, 64, 96, 128, 256)
KNEE_GRID = reproduce.CONCURRENCY
PAPER_DEPLOYMENTS = reproduce.PAPER_DEPLOYMENTS


def steepest_rise(p99) -> int:
    return reproduce.steepest_rise(pd.Series(np.asarray(p99, float), index=KNEE_GRID))


def knee_rows(seconds=120.0):
    rows = []
    for name in PAPER_DEPLOYMENTS:
        p = get_profile(name)
        curves = {}
        for label, kw in (("base", {}), ("decode", dict(n_decode=p.n_decode + 1)),
                          ("prefill", dict(n_prefill=p.n_prefill + 1))):
            df = sweep(profile=name, concurrency=KNEE_GRID, policy=["static"], seeds=[0, 1, 2], seconds=seconds,
                       progress=False, **kw)
            curves[label] = df.groupby("concurrency").ttft_p99_ms.mean().reindex(KNEE_GRID).to_numpy()
        base = curves["base"]
        rows.append(dict(profile=name, p99=base, knee=steepest_rise(base), below_ok=bool((base[:5] <= 300.0).all()),
                         knee_plus_decode=steepest_rise(curves["decode"]),
                         knee_plus_prefill=steepest_rise(curves["prefill"]), estimate=p.knee_concurrency))
    return rows


def controller_rows(seconds=120.0, profile=reproduce.PAPER_PROFILE):
    curves = reproduce.ttft_vs_concurrency([profile], seeds=3, seconds=seconds).set_index("concurrency")
    rows = []
    for c in TARGET_CONCURRENCY:
        r = curves.loc[c]
        ratio = r["adaptive_ttft_p99_ms"] / r["static_ttft_p99_ms"]
        cost = 1.0 - r["adaptive_rps"] / r["static_rps"]
        poa_ratio = r["adaptive_poa_hat"] / r["static_poa_hat"]
        if c <= 64:
            target, ok = "|ratio - 1| <= 2 %", abs(ratio - 1.0) <= 0.02
        elif c >= 128:
            target, ok = "1/20 <= ratio, PoA ratio <= 1/1.5", 0.05 <= ratio <= 1 / 1.5 and 0.05 <= poa_ratio <= 1 / 1.5
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
        if grown_at is None and sim.n_prefill + sim.n_decode > 3:
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
    out = ["## The knee of each deployment (static, mean of seeds 0-2, 120 s per point)", "",
           "| deployment | TTFT p99 ms at C = " + " / ".join(map(str, KNEE_GRID)) + " | knee | P99 <= 300 ms "
           "for C <= 96 | knee with +1 decode | knee with +1 prefill | C* estimate |", "|---|---|---|---|---|---|---|"]
    for r in knee_rows(seconds=seconds):
        out.append(f"| {r['profile']} | {' / '.join(f'{v:,.0f}' for v in r['p99'])} | {r['knee']} | "
                   f"{_fmt(r['below_ok'])} | {r['knee_plus_decode']} | {r['knee_plus_prefill']} | {r['estimate']} |")
    for name in PAPER_DEPLOYMENTS:
        out += ["", f"## Static vs adaptive ({name}, mean of seeds 0-2, 120 s per point)", "",
                "| C | static TTFT p99 ms | adaptive TTFT p99 ms | ratio | throughput cost | PoA-hat static | "
                "PoA-hat adaptive | target | met |", "|---|---|---|---|---|---|---|---|---|"]
        for r in controller_rows(seconds=seconds, profile=name):
            out.append(f"| {r['C']} | {_fmt(r['static_ms'])} | {_fmt(r['adaptive_ms'])} | {r['ratio']:.3f} | "
                       f"{100 * r['throughput_cost']:.1f} % | {_fmt(r['static_poa'], 3)} | "
                       f"{_fmt(r['adaptive_poa'], 3)} | {r['target']} | {_fmt(r['ok'])} |")
    out += ["", "## Saturation decomposition at C = 256 (seed 0, 120 s)", "",
            "| deployment | excess ms | routing ms | resource ms | residual ms | bottleneck pool "
            "| resource > routing |",
            "|---|---|---|---|---|---|---|"]
    for name in ("nemotron-340b-1p2d", "llama-70b-1p5d"):
        d = decompose(name, 256, seconds=seconds)
        out.append(f"| {name} | {_fmt(d['excess_ms'])} | {_fmt(d['routing_ms'])} | {_fmt(d['resource_ms'])} | "
                   f"{_fmt(d['residual_ms'])} | {d['bottleneck_pool']} | "
                   f"{_fmt(d['resource_ms'] > d['routing_ms'])} |")
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
                f"(target < 0.5 %); plateau {plateau:.3f} (the paper's 18.7 comes from its uncalibrated "
                f"cost model; ours prices OPT with the engine's own timings, see docs/model.md)",
            f"- C = 256: {by_c[256]['mean'] / plateau:.1f}x the plateau (target >= 10x; the paper: 284 at deep "
            f"saturation); spread "
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
