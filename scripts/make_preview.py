"""The README's animated preview: the Auto-demo recorded, played in Chromium, captured as a GIF.

    python scripts/make_preview.py [--out docs/preview.gif] [--frames 48] [--every 300] [--width 640]

Steps: ``OrbitsWidget.record_demo()`` (static at saturation, adaptive, the Planner; seed 0), then
``save_html`` to a temporary file, which Debian's Chromium (``/usr/bin/chromium``, through
Playwright) opens from a ``file://`` URL with no server. A screenshot is taken of the stage every
``--every`` milliseconds of playback and the screenshots become an animated GIF with Pillow (PyPI:
``pip install "orbits-widget[preview]"``). Nothing is downloaded; every frame comes from the
recording, so the same seed makes the same story.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))


def capture(html_path: Path, frames: int, every_ms: int, width: int) -> list[bytes]:
    from harness import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        page.goto(html_path.as_uri())
        page.wait_for_function("() => document.querySelector('.ow-root')?.dataset.source === 'recording'",
                               timeout=30000)
        page.wait_for_timeout(1500)              # the first seconds: the stage fills
        stage = page.locator(".ow-root")
        for _ in range(frames):
            shots.append(stage.screenshot())
            page.wait_for_timeout(every_ms)
        browser.close()
    return shots


def to_gif(shots: list[bytes], out: Path, width: int, every_ms: int):
    from PIL import Image
    images = []
    for png in shots:
        im = Image.open(io.BytesIO(png)).convert("RGB")
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
        images.append(im.quantize(colors=64, method=Image.Quantize.MEDIANCUT))
    images[0].save(out, save_all=True, append_images=images[1:], duration=every_ms, loop=0, optimize=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/make_preview.py", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "preview.gif"))
    ap.add_argument("--frames", type=int, default=48, help="screenshots (default 48)")
    ap.add_argument("--every", type=int, default=300, help="milliseconds of playback between them (default 300)")
    ap.add_argument("--width", type=int, default=640, help="the GIF's width in pixels (default 640)")
    a = ap.parse_args(argv)
    from orbits_widget import OrbitsWidget
    w = OrbitsWidget(autoplay=False, chart=False)
    try:
        w.record_demo()
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(w.save_html(Path(tmp) / "demo.html", title="The orbits of Anarchy · Auto-demo"))
            shots = capture(page, a.frames, a.every, a.width)
    finally:
        w.close()
    to_gif(shots, Path(a.out), a.width, a.every)
    print(f"{a.out}: {len(shots)} frames, {Path(a.out).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
