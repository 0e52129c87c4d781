"""Browser benchmark of OrbitsWidget at saturation (C = 256, adaptive, Planner on).

Starts JupyterLab on 127.0.0.1 and Debian's Chromium (headless, 1280x800), renders the widget,
warms up and waits until the chart has nothing left to compute (its background runs of the other
models' curves share the 2 cores with the stage for about 25 s), then for ``--seconds`` (10)
measures in the page the interval between animation frames (median, p95, and how many exceed
50 ms), the widget's own drawing time per frame, and in the kernel the Python cost of each
published frame (simulation step + encoding). Prints JSON and writes
``benchmarks/browser-bench.json``; with ``--screenshot PATH`` (default ``docs/screenshot.png``;
``--no-screenshot`` for none) it then also takes the README's picture the way
``scripts/make_screenshot.py`` does (``shoot``: the widget put back to t = 0 and stepped to a fixed
simulated time, the widget and its chart side by side at 1680x1050, stamped with the model's
fingerprint), so that the picture does not depend on how fast this machine ran the benchmark.

With ``--models H4 H1+H4 ...`` it measures the same scenario once per row of the hypothesis bench on the
stage (the drawings a mechanism adds: direct shuttles, posting marks, the Frontend's waiting ring), takes no
screenshot and writes ``benchmarks/browser-bench-models.json`` (one entry per model).

    python benchmarks/browser_bench.py
    python benchmarks/browser_bench.py --models today H4 H1+H4 H2+H3+H4 H4+H5
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from _report import emit  # beside this script: benchmarks/ is on sys.path when it runs

ROOT = Path(__file__).resolve().parents[1]

CELL = ("from orbits_widget import OrbitsWidget\n"
        "w = OrbitsWidget(mode='saturation', adaptive=True, planner=True, speed={speed}, hypothesis={model!r})\n"
        "w")

# rAF intervals over `ms` milliseconds, measured by the page itself
MEASURE_JS = """(ms) => new Promise((done) => {
  const gaps = []; let last = null; const end = performance.now() + ms;
  const f = (t) => { if (last !== null) gaps.push(t - last); last = t;
    if (t < end) requestAnimationFrame(f); else done(gaps); };
  requestAnimationFrame(f);
})"""


def _quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))] if xs else float("nan")


def run(seconds=10.0, warmup=5.0, speed=4.0, screenshot: Path | None = ROOT / "docs" / "screenshot.png",
        model: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    import harness  # the browser tests' JupyterLab and Chromium

    import orbits_widget as ow

    model = model or ow.hypotheses.DEFAULT
    root = Path(tempfile.mkdtemp(prefix="orbits-bench-"))
    (root / "bench.ipynb").write_text(json.dumps(harness.notebook([CELL.format(speed=speed, model=model)])))
    with harness.Lab(root) as lab, sync_playwright() as p:
        ctx = harness.launch_browser(p)
        try:
            console = []
            ctx.pages[0].on("console", lambda m: console.append((m.type, m.text)))
            page = harness.open_notebook(ctx, lab, "bench.ipynb")
            kernel = lab.kernel_for("bench.ipynb")
            page.keyboard.press("Control+b")            # hide the file browser, as a user would
            page.locator(".ow-root").scroll_into_view_if_needed()
            page.wait_for_timeout(int(warmup * 1000))
            # steady state: the chart's runs (its curves, then every other model's once the widget plays, about
            # 25 s on 2 cores) share the CPU with the stage; measure after them
            chart_busy_s = time.perf_counter()
            deadline = chart_busy_s + 300
            while time.perf_counter() < deadline and not kernel.value("w.chart is None or w.chart.idle()"):
                time.sleep(1.0)
            chart_busy_s = time.perf_counter() - chart_busy_s
            kernel.run("w.runner.costs.clear(); _n0 = w.runner.frames_sent; _t0 = w.simulation.time")
            t0 = time.perf_counter()
            gaps = page.evaluate(MEASURE_JS, seconds * 1000)
            wall = time.perf_counter() - t0
            # the widget's own drawing time per animation frame, over the last 600 frames
            draw = page.evaluate("() => { const d = document.querySelector('.ow-root').orbitsDrawMs;"
                                 " return Array.from(d.ring.slice(0, Math.min(d.n, d.ring.length))); }")
            py = kernel.value("dict(costs=[c * 1e3 for c in w.frame_costs()], frames=w.runner.frames_sent - _n0, "
                              "sim_s=w.simulation.time - _t0, C=w.concurrency, adaptive=w.adaptive, "
                              "planner=w.planner, n_decode=w.n_decode)")
            agent = page.evaluate("navigator.userAgent")
            if screenshot is not None:
                sys.path.insert(0, str(ROOT / "scripts"))
                from make_screenshot import shoot  # the README's picture, as scripts/make_screenshot.py takes it
                shoot(page, kernel, screenshot)
            kernel.close()
        finally:
            ctx.close()
    costs = py.pop("costs")
    long_frames = sum(g > 50.0 for g in gaps)
    return {
        "scenario": f"saturation C = {py['C']}, adaptive, Planner on, speed {speed} simulated s per s, 1280x800",
        "model": model,
        "waited_for_the_chart_s": round(chart_busy_s, 1),
        "seconds": round(wall, 2),
        "frames": len(gaps),
        "frame_ms_median": round(_quantile(gaps, 0.5), 2),
        "frame_ms_p95": round(_quantile(gaps, 0.95), 2),
        "frame_ms_max": round(max(gaps), 2) if gaps else None,
        "long_frames_over_50ms": long_frames,
        "draw_ms_median": round(_quantile(draw, 0.5), 2),
        "draw_ms_p95": round(_quantile(draw, 0.95), 2),
        "python_frames_sent": py["frames"],
        "python_frames_per_s": round(py["frames"] / wall, 1),
        "python_ms_per_frame_median": round(_quantile(costs, 0.5), 3),
        "python_ms_per_frame_p95": round(_quantile(costs, 0.95), 3),
        "simulated_s": round(py["sim_s"], 1),
        "n_decode_at_end": py["n_decode"],
        "console_errors": [m for m in console if m[0] == "error"],
        "targets": {"frame_ms_median": 16.7, "long_frames_over_50ms": 0, "python_ms_per_frame": 5.0},
        "browser": agent,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "browser-bench.json")
    ap.add_argument("--screenshot", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--no-screenshot", action="store_true")
    ap.add_argument("--models", nargs="+", metavar="NAME",
                    help="rows of the hypothesis bench to measure in turn (no screenshot; default output "
                         "benchmarks/browser-bench-models.json)")
    a = ap.parse_args(argv)
    if a.models:
        res = {"models": {m: run(a.seconds, speed=a.speed, screenshot=None, model=m) for m in a.models}}
        out = a.out if a.out != ap.get_default("out") else ROOT / "benchmarks" / "browser-bench-models.json"
        emit(res, out, indent=2, ensure_ascii=False)
        return
    res = run(a.seconds, speed=a.speed, screenshot=None if a.no_screenshot else a.screenshot)
    emit(res, a.out, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
