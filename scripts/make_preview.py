"""The README's animated preview: the Auto-demo recorded, played in Chromium, captured as a GIF.

    python scripts/make_preview.py [--out docs/preview.gif] [--frames 48] [--every MS] [--width 640]

Steps: ``OrbitsWidget.record_demo()`` (static at saturation, adaptive, the Planner; seed 0), then
``save_html`` to a temporary file, which Debian's Chromium (``/usr/bin/chromium``, through
Playwright) opens from a ``file://`` URL with no server. The page's clock is Playwright's
(``page.clock``): it moves only when the script says, so a slow machine takes the same pictures. After
1.5 s of playback a screenshot is taken of the stage each time the playback has reached the next
recorded frame due, every ``--every`` milliseconds of playback (by default the ``--frames`` spread
over the whole recording, so that the GIF tells the whole story in real time; the page's ``data-seq``
says which frame it shows), and the screenshots become an animated GIF with Pillow (PyPI:
``pip install "orbits-widget[preview]"``). Nothing is downloaded; every frame comes from the
recording, so the same seed makes the same story. The GIF carries the model's fingerprint
(``widget/_fingerprint.py``) in a comment extension, which ``tests/test_images.py`` checks.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))


LEAD_MS = 1500                                   # playback before the first screenshot: the stage fills


def capture(html_path: Path, targets: list[int], fps: float) -> list[bytes]:
    """A screenshot of the stage when the playback has shown each recorded frame of ``targets`` (indexes, the
    page's ``data-seq``), the page's clock run forward by hand between them."""
    from harness import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        page.clock.install(time=0)               # the page's timers and animation frames: Playwright's,
        page.clock.pause_at(1000)                # paused (no natural flow), moved only by run_for below
        page.goto(html_path.as_uri())
        page.clock.run_for(100)
        page.wait_for_function("() => document.querySelector('.ow-root')?.dataset.source === 'recording'",
                               timeout=30000, polling=100)
        stage = page.locator(".ow-root")
        shown = "() => { const s = document.querySelector('.ow-root').dataset.seq; return s ? +s : -1; }"
        for target in targets:
            for _ in range(100_000):
                if page.evaluate(shown) >= target:
                    break
                page.clock.run_for(1000.0 / fps)
            shots.append(stage.screenshot())
        browser.close()
    return shots


def targets_for(recording: dict, frames: int, every_ms: int | None) -> tuple[list[int], int]:
    """The recorded frames to take (after ``LEAD_MS`` of playback, every ``every_ms`` of it, or by default spread
    over the whole recording) and the milliseconds of playback between them."""
    n, fps = recording["frames"], recording["fps"]
    lead = min(n - 1, round(LEAD_MS * fps / 1000))
    step = (every_ms * fps / 1000) if every_ms is not None else (n - 1 - lead) / max(1, frames - 1)
    targets = [min(n - 1, round(lead + i * step)) for i in range(frames)]
    return targets, max(1, round(1000 * step / fps))


def to_gif(shots: list[bytes], out: Path, width: int, every_ms: int, fingerprint: str | None = None):
    """The screenshots as an animated GIF, with ``fingerprint`` (the model's) in a comment extension."""
    from PIL import Image

    from orbits_widget.widget._fingerprint import gif_comment
    images = []
    for png in shots:
        im = Image.open(io.BytesIO(png)).convert("RGB")
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
        images.append(im.quantize(colors=64, method=Image.Quantize.MEDIANCUT))
    extra = {} if fingerprint is None else {"comment": gif_comment(fingerprint)}
    images[0].save(out, save_all=True, append_images=images[1:], duration=every_ms, loop=0, optimize=True, **extra)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/make_preview.py", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "preview.gif"))
    ap.add_argument("--frames", type=int, default=48, help="screenshots (default 48)")
    ap.add_argument("--every", type=int, default=None,
                    help="milliseconds of playback between them (default: the frames spread over the whole demo)")
    ap.add_argument("--width", type=int, default=640, help="the GIF's width in pixels (default 640)")
    a = ap.parse_args(argv)
    from orbits_widget import OrbitsWidget
    from orbits_widget.widget._fingerprint import model_fingerprint
    fp = model_fingerprint()                     # the model the demo below runs (the default profile)
    w = OrbitsWidget(autoplay=False, chart=False)
    try:
        w.record_demo()
        for _, kind, text in w.log():
            if kind == "demo":
                print(text)
        targets, every = targets_for(w.recording, a.frames, a.every)
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(w.save_html(Path(tmp) / "demo.html", title="The orbits of Anarchy · Auto-demo"))
            shots = capture(page, targets, w.recording["fps"])
    finally:
        w.close()
    to_gif(shots, Path(a.out), a.width, every, fp)
    print(f"{a.out}: {len(shots)} frames {every} ms apart, {Path(a.out).stat().st_size:,} bytes, "
          f"model fingerprint {fp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
