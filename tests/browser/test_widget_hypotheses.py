"""The model selector in a real JupyterLab page (Chromium): choosing a row of the hypothesis bench in the page
switches Python's ``hypothesis`` trait and both twins' model (restarted at t = 0 on the same seed), the chart's
curves are recomputed for it, Python's choice moves the page, the stage shows the mechanisms of the model chosen
(drawn from the frame's counters), and the layout still fits at window widths 1000, 1280 and 1600 with the file
browser open. Its own notebook and kernel (the widget of conftest's session stays as the other tests expect it).
Screenshots: test-artifacts/hypothesis-live-*.png, hypothesis-layout-*.png."""
import json

import harness
import pytest
from harness import ARTIFACTS, open_notebook
from test_widget_browser import wait_for
from test_widget_layout import BOXES, WIDTHS

NAME = "hypotheses_test.ipynb"
CELL = ("from orbits_widget import OrbitsWidget\n"
        "w = OrbitsWidget(mode='saturation', adaptive=True, speed=10.0)\n"
        "w")
# the chart's curves, JSON-able (a point the chart could not place is NaN: null)
CURVES = "{k: [None if v != v else v for v in w.chart.data[k]] for k in ('static', 'adaptive')}"


@pytest.fixture(scope="module")
def lab_model(lab, session):
    """(page, kernel) of a notebook of its own showing ``w``: at saturation, the adaptive twin on the stage."""
    (lab.root / NAME).write_text(json.dumps(harness.notebook([CELL])))
    ctx = session[0].context
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" or "orbits-widget" in m.text else None)
    kernel = None
    try:
        open_notebook(ctx, lab, NAME, page=page)
        kernel = lab.kernel_for(NAME)
        yield page, kernel, errors
    finally:
        if kernel is not None:
            kernel.run("w.close()")             # its thread and chart stop: the other tests' kernel has the CPU
        page.close()


def stage_text(page, role):
    """A stage label's text, or None while it is hidden."""
    el = page.locator(f".ow-root [data-role={role}]")
    return el.inner_text() if el.is_visible() else None


def test_choosing_a_model_in_the_page_switches_python_the_twins_and_the_chart(lab_model):
    page, kernel, errors = lab_model
    select = page.locator(".ow-root [data-role=hypothesis]")
    wait_for(lambda: kernel.value("w.chart.computed.is_set() and w.chart.data is not None"), timeout=180, every=1,
             what="the chart's first curves")
    before = kernel.value(CURVES)
    assert select.input_value() == "H4" and kernel.value("w.hypothesis") == "H4"
    options = select.locator("option")
    assert options.count() == 13 and options.first.get_attribute("value") == "today"
    assert "Assumes:" in select.get_attribute("title") and "Sources:" in select.get_attribute("title")
    assert page.locator(".ow-root [data-role=model-badge]").inner_text().split("\n")[0] == "MODEL H4"
    # the default model reads Prometheus: the detector's last poll both ways, once it has polled
    wait_for(lambda: "Prometheus" in (stage_text(page, "detector-p99") or "")
             and "exact" in stage_text(page, "detector-p99") and "—" not in stage_text(page, "detector-p99"),
             timeout=60, page=page, what="the detector's poll P99s")
    assert stage_text(page, "decode-mech") is None and stage_text(page, "frontend-waiting") is None
    assert page.locator(".ow-root [data-leg=request_direct]").count() == 0

    # page -> Python: the controller's direct path with the Prometheus reading
    select.select_option("H1+H4")
    wait_for(lambda: kernel.value("[w.hypothesis, w.simulation.profile.adaptive_path, "
                                  "w.twins.static.profile.adaptive_path]") == ["H1+H4", "direct", "direct"],
             what="Python's trait and both twins' model")
    assert kernel.value("[c for c in w.log() if c[1] == 'config'][-1][2]").startswith(
        "model H1+H4 (override path skips the PrefillRouter + the controller reads Prometheus): both twins restart "
        "at t = 0 on seed 0")
    log = page.locator(".ow-root [data-role=log]")
    wait_for(lambda: "model H1+H4" in log.inner_text(), page=page, what="the mission log's line")
    wait_for(lambda: kernel.value(f"w.chart.computed.is_set() and {CURVES} != {before!r}"), timeout=240, every=1,
             what="the chart's curves for H1+H4")
    after = kernel.value(CURVES)
    assert after != before and len(after["static"]) == len(before["static"]) == 16
    # the page: the badge, the manifest's direct row, then the direct path at work once the controller has acted
    assert page.locator(".ow-root [data-role=model-badge]").inner_text().split("\n")[0] == "MODEL H1+H4"
    assert page.locator(".ow-root [data-leg=request_direct]").inner_text().split("\n")[:2] == [
        "Request · direct", "FE → DEC"]
    wait_for(lambda: (t := stage_text(page, "decode-mech")) and t.startswith("direct ") and not t.startswith(
        "direct 0 "), timeout=90, page=page, what="direct requests on the decode workers")
    page.locator(".ow-root").screenshot(path=str(ARTIFACTS / "hypothesis-live-H1+H4.png"))

    # Python -> page: the client's connection cap, its ring and count at the Frontend
    kernel.run("w.hypothesis = 'H4+H5'")
    wait_for(lambda: select.input_value() == "H4+H5", page=page, what="the selector following Python")
    assert kernel.value("w.simulation.profile.client_connections") == 100
    wait_for(lambda: (t := stage_text(page, "frontend-waiting")) and t.startswith("connections 100 · waiting ")
             and int(t.split()[-1]) > 0, timeout=60, page=page, what="clients waiting at the Frontend")
    assert page.locator(".ow-root [data-leg=request_direct]").count() == 0
    page.locator(".ow-root").screenshot(path=str(ARTIFACTS / "hypothesis-live-H4+H5.png"))
    text = page.locator(".ow-root").inner_text()
    assert "NaN" not in text and "Infinity" not in text and "undefined" not in text
    assert errors == [], errors


@pytest.mark.parametrize("width", WIDTHS)
def test_every_model_fits_at_every_width(lab_model, width):
    """The rows the bench adds (the manifest's direct route, the stage's lines, the selector in the controller card)
    leave every part inside its box, with the file browser open."""
    page, kernel, errors = lab_model
    browser = page.locator(".jp-FileBrowser")
    if not browser.is_visible():
        page.locator(".jp-SideBar [data-id=filebrowser]").click()
    browser.wait_for(state="visible")
    page.set_viewport_size({"width": width, "height": 900})
    try:
        # every mechanism's line on the stage at once: H1 + H3 + H4 here, then H2 + H3 + H4, then H4 + H5
        for model in ("H1+H3+H4", "H2+H3+H4", "H4+H5"):
            page.locator(".ow-root [data-role=hypothesis]").select_option(model)
            wait_for(lambda m=model: kernel.value("w.hypothesis") == m, what=model)
            kernel.run("w.step(40.0)")            # the controller has acted: the stage's lines at their longest
            page.wait_for_timeout(800)            # frames, the labels' fit, the container query
            root = page.locator(".ow-root").first
            root.scroll_into_view_if_needed()
            problems = page.evaluate(BOXES)
            assert problems == [], f"{model} at {width}:\n" + "\n".join(problems)
        root.screenshot(path=str(ARTIFACTS / f"hypothesis-layout-{width}.png"))
        assert errors == [], errors
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
