"""OrbitsWidget in a real JupyterLab page (Chromium): rendering, page -> Python, Python -> page,
the Auto-demo, no console errors, nothing fetched from outside 127.0.0.1.

The page's clicks reach the kernel through the widget's comm; the test reads them back by running
code in the same kernel (``kernel.value``), and ``changes`` is what ``w.observe`` recorded."""
import time

import pytest
from harness import ARTIFACTS

from orbits_widget.widget._schema import MODE_LOAD

PLANETS = ("frontend", "router", "planner", "detector", "prefill", "decode", "kvbm")
PANELS = ("throughput", "controller", "ab", "dials", "log", "manifest")


def wait_for(fn, timeout=20.0, every=0.2, what="condition", page=None):
    """Poll ``fn``; with ``page``, wait through Playwright so that its events (console) arrive."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        if page is not None:
            page.wait_for_timeout(every * 1000)
        else:
            time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last value {last!r})")


def view(page, i=0):
    """The i-th view of the widget (the notebook displays ``w`` twice)."""
    return page.locator(".ow-root").nth(i)


@pytest.fixture
def page(session):
    return session[0]


@pytest.fixture
def kernel(session):
    return session[1]


def test_renders_every_planet_panel_and_the_chart(page, kernel):
    for name in PLANETS:
        assert view(page).locator(f"[data-planet={name}]").is_visible(), name
    for name in PANELS:
        assert view(page).locator(f"[data-panel={name}]").is_visible(), name
    text = view(page).inner_text()
    for label in ("The orbits of Anarchy", "Powered by NVIDIA Dynamo", "Frontend", "INGRESS · HTTP · gRPC",
                  "— SMART ROUTER —", "Saturation Detector", "helping the smart router", "CONTROL",
                  "MEMORY · G1–G4 · NIXL", "G1 HBM", "G4 NET", "THROUGHPUT", "RPS", "in-flight", "TTFT p50",
                  "GPUs (P/D)", "P\u0302oA", "Adaptive vs. static", "Worker dials", "Mission log",
                  "Shuttle manifest", "KV freighter", "PF ↔ KVBM ↔ DEC", "Control signal", "% load"):
        assert label.lower() in text.lower(), label
    assert "NaN" not in text and "Infinity" not in text
    # the bqplot chart, with its curves computed by the kernel
    chart = page.locator(".orbits-chart").first
    chart.wait_for(state="visible", timeout=30_000)
    wait_for(lambda: kernel.value("w.chart.computed.is_set() and len(w.chart.data['static'])") == 16,
             what="the chart's curves")
    knee = kernel.value("w.simulation.profile.knee_concurrency")       # C*, marked on the chart
    # the band between static and adaptive is labelled only where it is wide: past the prefill-side
    # knee adapting barely moves TTFT, so for the default profile there is no label to show
    band = kernel.value("list(w.chart.band_label.text)")
    labels = ("TTFT p99 vs. concurrency", "θ₁ 300ms", "θ₂ 2s", f"C* {knee}", "Dynamo (static)", "Adaptive",
              "+1 Decode", "+1 Prefill", "concurrency C (clients)", "TTFT p99 (ms)", "1,000", "30,000", *band)
    # the curves reach the page a moment after the kernel computed them
    wait_for(lambda: all(label in chart.inner_text() for label in labels), what="every chart label", page=page)
    if not band:
        assert "cost of not adapting" not in chart.inner_text()
    # frames are flowing: the page's simulated time follows the kernel's
    t0 = kernel.value("w.simulation.time")
    wait_for(lambda: kernel.value("w.simulation.time") > t0 + 1, what="the kernel advancing")
    view(page).screenshot(path=str(ARTIFACTS / "stage.png"))
    chart.screenshot(path=str(ARTIFACTS / "chart.png"))


def test_mode_tabs_set_mode_and_load_in_python(page, kernel):
    for mode in ("normal", "busy", "saturation", "idle"):
        view(page).locator(f"[data-role=tab-{mode}]").click()
        wait_for(lambda m=mode: kernel.value("[w.mode, w.load]") == [m, MODE_LOAD[m]], what=f"mode {mode}")
        assert kernel.value(f"w.twins.static.concurrency == round({MODE_LOAD[mode]} * w.c_max)")
        assert view(page).locator(f"[data-role=tab-{mode}]").get_attribute("class").count("ow-on") == 1
    assert kernel.value("[c for c in changes if c[0] == 'mode'][-4:]") == [
        ["mode", "normal"], ["mode", "busy"], ["mode", "saturation"], ["mode", "idle"]]


def test_dragging_the_slider_sets_load(page, kernel):
    slider = view(page).locator("input[data-role=load]")
    slider.scroll_into_view_if_needed()
    before = kernel.value("len([c for c in changes if c[0] == 'load'])")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, y, steps=12)
    page.mouse.up()
    shown = int(slider.input_value())
    assert 60 <= shown <= 80
    wait_for(lambda: abs(kernel.value("w.load") - shown / 100) < 1e-9, what="load from the slider")
    assert kernel.value("[w.concurrency, w.twins.adaptive.concurrency]") == [round(shown / 100 * 256)] * 2
    assert view(page).locator("[data-role=load-label]").inner_text() == f"{shown}% load"
    # debounced: a drag of 12 steps reaches Python as a few writes, not one per step
    assert 1 <= kernel.value("len([c for c in changes if c[0] == 'load'])") - before <= 6


def test_plus_on_decode_raises_n_decode(page, kernel):
    n = kernel.value("w.n_decode")
    view(page).locator("[data-role=decode-plus]").click()
    wait_for(lambda: kernel.value("[w.n_decode, w.simulation.n_decode]") == [n + 1, n + 1], what="n_decode + 1")
    wait_for(lambda: view(page).locator("[data-planet=decode] b").inner_text() == f"Decode×{n + 1}",
             what="the Decode planet's count")
    view(page).locator("[data-role=decode-minus]").click()
    wait_for(lambda: kernel.value("w.n_decode") == n, what="n_decode back")


def test_static_adaptive_switch(page, kernel):
    view(page).locator("[data-role=switch-adaptive]").click()
    wait_for(lambda: kernel.value("[w.adaptive, w.simulation.policy]") == [True, "adaptive"], what="adaptive")
    view(page).locator("[data-role=switch-static]").click()
    wait_for(lambda: kernel.value("[w.adaptive, w.simulation.policy]") == [False, "static"], what="static")
    assert ["adaptive", True] in kernel.value("changes")


def test_traits_set_in_python_show_in_the_page(page, kernel):
    kernel.run("w.mode = 'busy'; w.n_prefill = 2; w.adaptive = True; w.planner = True")
    root = view(page)
    wait_for(lambda: "ow-on" in root.locator("[data-role=tab-busy]").get_attribute("class"), what="busy tab")
    wait_for(lambda: root.locator("[data-planet=prefill] b").inner_text() == "Prefill×2", what="Prefill×2")
    wait_for(lambda: "ow-on" in root.locator("[data-role=switch-adaptive]").get_attribute("class"), what="switch")
    assert root.locator("[data-role=narrative]").inner_text().startswith("BUSY")
    assert root.locator("[data-role=load-label]").inner_text() == "45% load"
    wait_for(lambda: "on" in root.locator("[data-planet=planner]").inner_text(), what="planner on")
    kernel.run("w.n_prefill = 1; w.adaptive = False; w.planner = False; w.mode = 'idle'")


def test_play_pause_and_speed(page, kernel):
    view(page).locator("[data-role=play]").click()
    wait_for(lambda: kernel.value("w.playing") is False, what="paused")
    t = kernel.value("w.simulation.time")
    page.wait_for_timeout(400)
    assert kernel.value("w.simulation.time") == t
    view(page).locator("[data-role=play]").click()
    wait_for(lambda: kernel.value("w.playing") is True, what="playing")
    wait_for(lambda: kernel.value("w.simulation.time") > t, what="time moving again")
    speed = view(page).locator("input[data-role=speed]")
    speed.fill("1000")                       # the right end of the log scale
    wait_for(lambda: kernel.value("w.speed") == 50.0, what="speed 50")
    kernel.run("w.speed = 10.0")


def test_help_dialog_is_page_state(page, kernel):
    view(page).locator("[data-role=help]").click()
    dialog = view(page).locator("[data-role=dialog]")
    assert dialog.is_visible()
    text = dialog.inner_text()
    assert "About this simulation" in text and "How to use it" in text
    # what the Saturation Detector reads, from the schema: the frontend's Prometheus histogram, bucketed
    detector = view(page).locator("[data-role=dialog-detector]")
    assert detector.is_visible()
    assert "polling Prometheus every 5 s: histogram_quantile(0.99) over the frontend's TTFT histogram" in text
    assert "(… 220 ms, 470 ms, 1 s, 2.2 s, 4.7 s …)" in text and "Only requests that went through the frontend" in text
    # after the flip TTFT P99 barely moves; the paper's 7.6x, which the hypothesis bench does not reproduce
    assert "yet TTFT P99 barely moves" in text
    gain = kernel.value("w._schema['paper_gain']")
    assert view(page).locator("[data-role=dialog-paper]").is_visible()
    assert (f"The paper measured adaptive routing lowering TTFT P99 {gain['ttft_p99']:g}× on {gain['deployment']}. "
            "This model does not reproduce that") in text
    assert "python -m orbits_widget explain" in text and "docs/hypotheses.md" in text
    # the box scrolls inside the widget rather than spilling out of it
    box = view(page).locator(".ow-dialog-box").bounding_box()
    root = view(page).bounding_box()
    assert root["y"] - 1 <= box["y"] and box["y"] + box["height"] <= root["y"] + root["height"] + 1
    view(page).locator("[data-role=dialog-close]").click()
    assert not dialog.is_visible()


def test_auto_demo_runs_to_the_end(page, kernel):
    kernel.run("w.speed = 50.0")
    view(page).locator("[data-role=demo]").click()
    wait_for(lambda: kernel.value("w.demo"), what="demo started")
    assert view(page).locator("[data-role=demo]").inner_text() == "Stop demo"
    log = view(page).locator("[data-role=log]")
    wait_for(lambda: "Auto-demo done" in log.inner_text(), timeout=120, every=0.5, what="the demo's end")
    wait_for(lambda: view(page).locator("[data-role=demo]").inner_text() == "Auto-demo", what="button reset")
    assert kernel.value("[w.demo, w.adaptive, w.planner, w.mode]") == [False, True, True, "saturation"]
    kernel.run("w.pause()")
    # one snapshot (the list is re-rendered as lines arrive), newest first in the page: reversed
    lines = log.evaluate("el => [...el.querySelectorAll('li')].map((li) => li.innerText)")[::-1]
    def first(pred):
        found = [i for i, s in enumerate(lines) if pred(s)]
        assert found, f"{len(lines)} lines:\n" + "\n".join(lines)
        return found[0]
    i_static = first(lambda s: "Auto-demo 1/3" in s and "static" in s)
    i_flip = first(lambda s: "controller: (tau, omega)" in s and "SATURATED" in s)
    i_adaptive = first(lambda s: "Auto-demo 2/3" in s)
    i_planner = first(lambda s: "planner: prefill +1" in s)       # past the knee: the prefill pool grows
    i_done = first(lambda s: "Auto-demo done" in s)
    assert i_static < i_adaptive < i_planner < i_done
    assert i_static < i_flip
    # the narration, with the twins' own figures: what the detector read off the frontend's histogram, the
    # paper's gain beside the one measured here, and the prefill worker that brought TTFT back
    assert "read from the frontend's Prometheus histogram (regime SATURATED)" in lines[first(
        lambda s: "static: TTFT p99" in s)]
    gain = kernel.value("w._schema['paper_gain']")
    assert (f"the paper measured {gain['ttft_p99']:g}x on {gain['deployment']}"
            in lines[first(lambda s: "adaptive: TTFT p99" in s)])
    assert "Prometheus histogram every 5 s" in lines[i_adaptive]
    assert "one more prefill worker, not the router, brought it back" in lines[i_done]
    view(page).screenshot(path=str(ARTIFACTS / "demo-end.png"))
    # back to the deployment as it started (the Planner has changed the pools: past the knee it adds a
    # prefill worker and may shrink the decode pool), with the Planner off so it leaves them alone
    kernel.run("w.planner = False; w.adaptive = False; w.n_prefill = w.simulation.profile.n_prefill; "
               "w.n_decode = w.simulation.profile.n_decode; w.speed = 10.0; w.reset(); w.mode = 'idle'; w.play()")


def test_no_console_errors_and_nothing_fetched_from_outside(session):
    page, _, console, outside = session
    page.wait_for_timeout(1000)         # Playwright delivers console events while it waits
    errors = [m for m in console if m[0] in ("error", "pageerror") or "orbits-widget" in m[1]]
    assert errors == []
    assert outside == []
    page.screenshot(path=str(ARTIFACTS / "page.png"))


def test_two_views_of_one_widget_stay_in_sync(page, kernel):
    assert page.locator(".ow-root").count() == 2
    view(page, 0).locator("[data-role=tab-busy]").click()
    wait_for(lambda: "ow-on" in view(page, 1).locator("[data-role=tab-busy]").get_attribute("class"),
             what="the second view's tab")
    n = kernel.value("w.n_decode")
    view(page, 1).locator("[data-role=decode-plus]").click()
    wait_for(lambda: view(page, 0).locator("[data-planet=decode] b").inner_text() == f"Decode×{n + 1}",
             what="the first view's Decode planet")
    assert kernel.value("[w.mode, w.n_decode]") == ["busy", n + 1]
    kernel.run("w.n_decode = 2; w.mode = 'idle'")


def test_a_bad_frame_is_reported_once_and_the_animation_goes_on(session):
    page, kernel, console, _ = session
    kernel.run("w._frame = b'not a frame'; w._frame = b'ORBF' + bytes(40)")
    wait_for(lambda: sum("orbits-widget" in m[1] for m in console) == 2, what="a warning per view", page=page)
    kernel.run("w.n_decode = 4")
    for i in (0, 1):
        wait_for(lambda i=i: view(page, i).locator("[data-planet=decode] b").inner_text() == "Decode×4",
                 what="frames drawn after the bad one")
    # one warning per view, however many bad frames
    page.wait_for_timeout(300)
    assert sum("orbits-widget" in m[1] for m in console) == 2
    kernel.run("w.n_decode = 2")
