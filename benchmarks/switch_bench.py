"""How long switching the stage's model takes: the twins restarted and a frame published, then the chart's
curves drawn, for every row of the hypothesis bench: on a paused widget that never played (each model's
curves computed at its switch), and on a widget that plays and has switched once (its chart then computes
every model's curves in the background; measured after that, when they are kept).

    python benchmarks/switch_bench.py [--profile nemotron-340b-1p2d] [--out FILE.json]

Runs a widget headless (no page; the kernel side of a switch is all Python: the page redraws from the next
frame), paused, at saturation. Prints JSON: per model the seconds to the stage's first frame and to the
chart's curves, and the medians and maxima.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs


def run(profile: str) -> dict:
    import orbits_widget as ow

    out = {}
    names = [n for n in ow.hypotheses.HYPOTHESES if n != ow.hypotheses.DEFAULT] + [ow.hypotheses.DEFAULT]

    def switches(w, rnd):
        for name in names:
            sent = w.runner.frames_sent
            t0 = time.perf_counter()
            w.hypothesis = name
            t_stage = time.perf_counter() - t0
            assert w.runner.frames_sent > sent and w.twins.time == 0.0
            assert w.chart.computed.wait(600)
            t_chart = time.perf_counter() - t0
            out.setdefault(name, {})[rnd] = dict(stage_s=round(t_stage, 4), chart_s=round(t_chart, 4))

    cold = ow.OrbitsWidget(profile=profile, autoplay=False, mode="saturation")
    try:
        assert cold.chart.computed.wait(600)
        switches(cold, "first")
    finally:
        cold.close()
    live = ow.OrbitsWidget(profile=profile, autoplay=True, mode="saturation")
    try:
        t0 = time.perf_counter()
        live.hypothesis = names[0]          # the first switch: from now on the chart computes every model's curves
        deadline = t0 + 900
        while len(live.chart.kept) < len(names) and time.perf_counter() < deadline:
            time.sleep(0.2)
        ready_s = time.perf_counter() - t0
        live.pause()
        switches(live, "kept")
    finally:
        live.close()

    def summary(rnd, key):
        v = [r[rnd][key] for r in out.values()]
        return dict(median=round(statistics.median(v), 4), max=round(max(v), 4))

    return dict(profile=profile, models=out, every_model_kept_after_s=round(ready_s, 1),
                first=dict(stage_s=summary("first", "stage_s"), chart_s=summary("first", "chart_s")),
                kept=dict(stage_s=summary("kept", "stage_s"), chart_s=summary("kept", "chart_s")))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/switch_bench.py", description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="nemotron-340b-1p2d")
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args(argv)
    res = run(a.profile)
    emit(res, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
