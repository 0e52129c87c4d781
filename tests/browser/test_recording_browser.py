"""Recordings in a real browser (Debian's Chromium), with no kernel and with one:

1. ``jupyter nbconvert --to html`` of a notebook whose saved widget state holds a recording, opened
   from a ``file://`` URL with no server: the stage animates from the recorded frames (their
   sequence numbers advance), the mission log gains lines, no console errors. The page nbconvert
   writes asks a CDN for require.js, MathJax and the widget manager; this machine has no internet, so those
   requests are answered empty, as a failed download would leave them, minus the console noise;
   the player needs neither;
2. the ``save_html`` file does the same and requests nothing at all;
3. in a live notebook the recording replays on demand, and live play resumes after it.
Screenshots: test-artifacts/recording-*.png."""
import json
import subprocess
import sys

import harness
import pytest
from harness import ARTIFACTS, open_notebook
from test_widget_browser import wait_for

ROOT = ".orbits-offline .ow-root"
STATE = """(sel) => { const r = document.querySelector(sel); if (!r) return null;
  return { source: r.dataset.source, seq: Number(r.dataset.seq), log: r.querySelectorAll('.ow-log li').length }; }"""


def watch(page):
    """Console errors, page errors and every request that is not the file itself."""
    seen = {"errors": [], "requests": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url) if not r.url.startswith(("file:", "data:", "blob:"))
            else None)
    return seen


def assert_it_plays(page, selector, seen, shot):
    first = wait_for(lambda: (s := page.evaluate(STATE, selector)) and s["source"] == "recording" and s,
                     timeout=30, page=page, what="the recording playing")
    page.wait_for_timeout(2500)
    later = page.evaluate(STATE, selector)
    assert later["source"] == "recording"
    assert later["seq"] > first["seq"] or later["seq"] < first["seq"] - 10        # advanced (or looped)
    assert later["log"] > 0
    assert "NaN" not in page.locator(selector).inner_text() and "Infinity" not in page.locator(selector).inner_text()
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert seen["errors"] == [], seen["errors"]


@pytest.fixture
def browser(session):
    """The session's browser (its pages here open files, not the lab)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return session[0].context


def test_an_html_export_plays_its_recording_without_a_kernel(browser, tmp_path):
    nb = tmp_path / "recorded.ipynb"
    nb.write_text(json.dumps(harness.notebook([
        "from orbits_widget import OrbitsWidget\n"
        "w = OrbitsWidget(autoplay=False, mode='saturation', adaptive=True)\n"
        "w.record(30, speed=3)\n"
        "w"])))
    run = [sys.executable, "-m", "jupyter", "nbconvert"]
    subprocess.run(run + ["--to", "notebook", "--execute", "--inplace", str(nb)], check=True, capture_output=True,
                   timeout=300)
    saved = json.loads(nb.read_text())["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(any(b["path"] == ["_recording"] for b in m.get("buffers", [])) for m in saved.values())
    subprocess.run(run + ["--to", "html", str(nb)], check=True, capture_output=True, timeout=300)
    page = browser.new_page()
    seen = watch(page)
    # no internet here: what nbconvert's template asks a CDN for comes back empty
    page.route("http*://**/*", lambda route: route.fulfill(status=200, body="", content_type="text/javascript"))
    try:
        page.goto((tmp_path / "recorded.html").as_uri())
        assert_it_plays(page, ROOT, seen, "recording-nbconvert.png")
        # the only outside requests are the template's own (require.js, MathJax, the widget manager), never ours
        assert all(any(k in u for k in ("require", "html-manager", "mathjax")) for u in seen["requests"]), \
            seen["requests"]
        # kernel-only controls are disabled and say why
        tips = page.evaluate("""(sel) => [...document.querySelector(sel)
                                 .querySelectorAll('button:disabled, input:disabled')].map((e) => e.title)""", ROOT)
        assert tips and all("kernel" in t for t in tips), tips
    finally:
        page.close()


def test_a_saved_html_file_plays_and_requests_nothing(browser, tmp_path):
    from orbits_widget import OrbitsWidget
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation", adaptive=True)
    try:
        w.record(30, speed=3)
        path = w.save_html(tmp_path / "run.html", title="saturation, adaptive")
    finally:
        w.close()
    page = browser.new_page()
    seen = watch(page)
    try:
        page.goto(f"file://{path}")
        assert page.title() == "saturation, adaptive"
        assert_it_plays(page, "#orbits-player .ow-root", seen, "recording-save-html.png")
        assert seen["requests"] == []
    finally:
        page.close()


NAME = "replay_test.ipynb"


def test_a_live_notebook_replays_on_demand_and_resumes_live(lab, session):
    (lab.root / NAME).write_text(json.dumps(harness.notebook([
        "from orbits_widget import OrbitsWidget\n"
        "w = OrbitsWidget(mode='saturation', speed=10.0, chart=False)\n"
        "w"])))
    ctx = session[0].context
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    kernel = None
    try:
        open_notebook(ctx, lab, NAME, page=page, ready=".ow-root[data-source]")
        kernel = lab.kernel_for(NAME)
        live_sel = ".ow-root"
        wait_for(lambda: page.evaluate(STATE, live_sel)["source"] == "live", page=page, what="live frames")
        kernel.run("w.record(6, speed=2)")      # 90 frames: 3 s of playback
        replay = page.locator(".ow-root [data-control=replay]")
        wait_for(lambda: replay.is_visible() and replay.is_enabled(), page=page, what="the replay control")
        live_seq = page.evaluate(STATE, live_sel)["seq"]
        replay.click()
        wait_for(lambda: page.evaluate(STATE, live_sel)["source"] == "recording", page=page, what="the replay")
        during = [page.evaluate(STATE, live_sel)["seq"]]
        page.wait_for_timeout(1000)
        during.append(page.evaluate(STATE, live_sel)["seq"])
        assert during[1] > during[0] and during[1] < 91          # recorded frames, numbered 0 ... 90
        page.screenshot(path=str(ARTIFACTS / "recording-replay.png"))
        wait_for(lambda: page.evaluate(STATE, live_sel)["source"] == "live", timeout=20, page=page,
                 what="live play after the replay")
        after = page.evaluate(STATE, live_sel)["seq"]
        page.wait_for_timeout(800)
        assert page.evaluate(STATE, live_sel)["seq"] > after > live_seq          # live frames again, still coming
        assert kernel.value("w.playing") is True
        assert errors == [], errors
    finally:
        if kernel is not None:
            kernel.close()
        page.close()


def _hypotheses():
    from orbits_widget.hypotheses import HYPOTHESES
    return list(HYPOTHESES)


# what the stage shows of each mechanism (the stage's lines; js/view/labels.js), by the schema's `mechanisms`
LINES = {"frontend-waiting": lambda s: s["mechanisms"]["client_connections"] > 0,
         "detector-p99": lambda s: s["detector_signal"] == "prometheus",
         "decode-mech": lambda s: s["mechanisms"]["direct"] or s["mechanisms"]["posting"],
         "router-mech": lambda s: s["mechanisms"]["v090"]}


@pytest.mark.parametrize("name", _hypotheses())
def test_a_recording_of_each_model_plays_without_a_kernel_and_shows_it(browser, tmp_path, name):
    """A recording of each row of the hypothesis bench, saved with save_html, plays in Chromium from a file: the
    selector shows the recorded model, disabled with the kernel's tooltip; the badge, the recorded chart, the
    manifest and the stage's lines show it and its mechanisms. Screenshot: test-artifacts/hypothesis-<name>.png
    (40 simulated seconds into saturation, the adaptive twin on the stage: the controller has acted)."""
    from orbits_widget import OrbitsWidget
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation", adaptive=True, hypothesis=name)
    try:
        w.step(40.0)
        w.record(4.0, speed=1.0)
        schema = w._schema
        path = w.save_html(tmp_path / "run.html", title=f"model {name}")
    finally:
        w.close()
    page = browser.new_page()
    seen = watch(page)
    sel = "#orbits-player .ow-root"
    try:
        page.goto(f"file://{path}")
        root = page.locator(sel)
        select = root.locator("[data-role=hypothesis]")
        wait_for(lambda: select.count() and select.input_value() == name, timeout=30, page=page,
                 what="the selector showing the recorded model")
        assert select.is_disabled() and "running kernel" in select.get_attribute("title")
        assert root.locator("[data-role=model-badge]").inner_text().split("\n")[0] == f"MODEL {name}"
        assert root.locator("[data-panel=chart] h4").text_content().endswith(f"· model {name}")
        assert (root.locator("[data-leg=request_direct]").count() == 1) == schema["mechanisms"]["direct"]
        for role, on in LINES.items():
            assert root.locator(f"[data-role={role}]").is_visible() == on(schema), role
        assert_it_plays(page, sel, seen, f"recording-{name}.png")
        root.screenshot(path=str(ARTIFACTS / f"hypothesis-{name}.png"))        # the mechanisms at work, mid-run
        assert seen["requests"] == []
    finally:
        page.close()
