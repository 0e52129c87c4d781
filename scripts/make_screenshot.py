"""The README's picture: the widget and its chart in JupyterLab, at saturation, adaptive, Planner on.

    python scripts/make_screenshot.py [--out docs/screenshot.png] [--seconds 50]

Starts JupyterLab on 127.0.0.1 and Debian's Chromium (``/usr/bin/chromium`` through Playwright, the
browser tests' ``harness.py``; nothing is downloaded), runs one cell that shows
``OrbitsWidget(mode="saturation", adaptive=True, planner=True)`` (seed 0), then puts the widget in a
fixed state from the kernel: back to t = 0 with the profile's pools, ``--seconds`` simulated seconds
stepped by hand (50 s on the default profile: the Saturation Detector has called SATURATED, the adaptive
controller has flipped (τ, ω) and rebalanced the decode pool, and TTFT p99 has barely moved; the Planner
has not acted yet, so the chart's curves are the profile's own pools', with "+1 Prefill" the one that
stays low), the chart's curves computed, then play at 1 simulated second per second so that the
shuttles fly. The cell's output (the widget and its chart side by side) is
saved at 1680x1050 as a PNG stamped with the model's fingerprint (``widget/_fingerprint.py``), which
``tests/test_images.py`` checks. ``benchmarks/browser_bench.py`` takes the same picture after its
measurement (``shoot`` below) unless given ``--no-screenshot``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

CELL = ("from orbits_widget import OrbitsWidget\n"
        "w = OrbitsWidget(mode='saturation', adaptive=True, planner=True, speed={speed})\n"
        "w")
# the picture's state, from the kernel (``w`` the cell's widget): deterministic up to the last simulated second
STAGE = """
w.pause()
_p = w.simulation.profile
w.mode, w.adaptive, w.planner, w.tau, w.omega = "saturation", True, True, 0.0, 1.0
w.n_prefill, w.n_decode = _p.n_prefill, _p.n_decode
w.reset()
w.step({seconds})
assert w.chart.computed.wait(600), "the chart's curves"
w.speed = 1.0
w.play()
"""
VIEWPORT = {"width": 1680, "height": 1050}


def shoot(page, kernel, out: Path, seconds: float = 50.0) -> str:
    """Put the cell's widget ``w`` in the picture's state and save the cell's output to ``out``, stamped
    with the model's fingerprint; returns the fingerprint."""
    from orbits_widget.widget._fingerprint import model_fingerprint, stamp_png

    kernel.run(STAGE.format(seconds=float(seconds)), timeout=900)
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(2500)                  # the frames of the last seconds, the chart redrawn
    area = page.locator(".jp-OutputArea-output").first
    area.scroll_into_view_if_needed()
    png = area.screenshot()
    fp = model_fingerprint()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(stamp_png(png, fp))
    return fp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/make_screenshot.py", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--seconds", type=float, default=50.0, help="simulated seconds before the picture (default 50)")
    a = ap.parse_args(argv)
    import harness
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="orbits-screenshot-"))
    (root / "shot.ipynb").write_text(json.dumps(harness.notebook([CELL.format(speed=1.0)])))
    with harness.Lab(root) as lab, sync_playwright() as p:
        ctx = harness.launch_browser(p)
        try:
            page = harness.open_notebook(ctx, lab, "shot.ipynb")
            page.keyboard.press("Control+b")            # hide the file browser, as a user would
            kernel = lab.kernel_for("shot.ipynb")
            fp = shoot(page, kernel, a.out, a.seconds)
            state = kernel.value("dict(t=w.simulation.time, n_prefill=w.n_prefill, n_decode=w.n_decode, "
                                 "regime=w.simulation.detector['regime'])")
        finally:
            ctx.close()
    print(f"{a.out}: {a.out.stat().st_size:,} bytes, model fingerprint {fp}, widget at {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
