"""PlanView in a real JupyterLab page (Chromium): a small real plan, a hover shows a point's tooltip,
a click on a frontier point loads its configuration into the widget, in the kernel (traits and both
twins) and on the page (the stage's pool counts, the panel's τ and ω, the line under the chart).

It shares the session's JupyterLab and browser (a second tab, a kernel of its own, shut down at the
end). Screenshot: test-artifacts/planview.png."""
import json
import re

import harness
import pytest
from harness import ARTIFACTS, open_notebook
from test_widget_browser import wait_for

NAME = "planview_test.ipynb"
# the widget starts on a configuration the plan does not search (1P/1D, tau 0.4, omega 0.5): any row
# loaded changes a pool count and both router figures
CELLS = [
    "from orbits_widget import OrbitsWidget\n"
    "from orbits_widget.planning import plan\n"
    "from orbits_widget.widget import PlanView\n"
    "p = plan('paper', gpus=12, sla={'ttft_p99_ms': 1000, 'itl_p99_ms': 100}, profile='llama-70b-1p2d',\n"
    "         loads=(8, 64), router_grid=[(0.0, 1.0), (0.8, 0.1)], seconds=20, progress=False)\n"
    "w = OrbitsWidget(profile='llama-70b-1p2d', speed=10.0, n_prefill=1, n_decode=1, tau=0.4, omega=0.5)\n"
    "view = PlanView(p, w)\n"
    "view",
]

# the frontier dots the mouse can reach: the point's name (its tooltip) and its centre on the screen,
# for dots drawn on top at their centre (a static circle under an adaptive triangle is not)
FRONTIER_DOTS = """(names) => {
  const chart = document.querySelector('.orbits-plan-view .orbits-plan-chart');
  if (!chart) return [];
  return [...chart.querySelectorAll('path.dot')].filter((d) => d.__data__ && names.includes(d.__data__.name))
    .map((d) => {
      const r = d.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
      return { name: d.__data__.name, x, y, top: r.width > 0 && document.elementFromPoint(x, y) === d };
    }).filter((d) => d.top);
}"""


def text_of(page, selector):
    return " ".join(page.locator(f".orbits-plan-view {selector}").first.inner_text().split())


@pytest.fixture(scope="module")
def planview(lab, session):
    """(page, kernel, page errors): the notebook open in a second tab of the session's browser."""
    (lab.root / NAME).write_text(json.dumps(harness.notebook(CELLS)))
    ctx = session[0].context
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        open_notebook(ctx, lab, NAME, page=page, ready=".orbits-plan-view .orbits-plan-chart path.dot")
        kernel = lab.kernel_for(NAME)
    except Exception:
        page.close()
        raise
    try:
        yield page, kernel, errors
    finally:
        try:
            kernel.run("w.close()")
        finally:
            kernel.close()
            page.close()
            for s in lab.api("GET", "/api/sessions"):          # its kernel too: no CPU left to the next tests
                if s.get("path", "").endswith(NAME):
                    lab.api("DELETE", f"/api/sessions/{s['id']}")


def test_a_click_on_a_frontier_point_loads_it_into_the_widget(planview):
    page, kernel, errors = planview
    page.locator(".orbits-plan-view .ow-root canvas").wait_for(state="visible", timeout=60_000)
    # the starting configuration, on the page
    wait_for(lambda: "N_p = 1" in text_of(page, "[data-planet=prefill]")
             and "N_d = 1" in text_of(page, "[data-planet=decode]")
             and "τ 0.4 ω 0.5" in text_of(page, "[data-panel=controller]"), what="the starting configuration",
             page=page)
    names = kernel.value("[view.tooltip_text(label) for label in view.frontier_labels]")
    assert names and kernel.value("len(p[p.pareto])") == len(names)
    dots = wait_for(lambda: page.evaluate(FRONTIER_DOTS, names), what="a frontier point on screen", page=page)
    dot = dots[0]

    # hover: bqplot's tooltip shows the point's configuration, as text
    page.mouse.move(dot["x"], dot["y"])
    # (bqplot puts its tooltip outside the chart's element: found by its text)
    tip = page.locator(".bqplot_tooltip_div", has_text=dot["name"].split("\n")[0]).first
    tip.wait_for(state="visible", timeout=30_000)
    shown = tip.inner_text()
    for line in dot["name"].split("\n"):
        assert line in shown
    assert "NaN" not in shown and "undefined" not in shown

    page.mouse.click(dot["x"], dot["y"])
    label = wait_for(lambda: kernel.value("view.selected"), what="the click to reach the kernel")
    row = kernel.value(f"[[int(r.n_prefill), int(r.n_decode), float(r.tau), float(r.omega), r.policy, "
                       f"bool(r.planner), int(r.load)] for r in [p.loc[{label!r}]]][0]")
    n_p, n_d, tau, omega, policy, planner, load = row
    assert kernel.value(f"view.tooltip_text({label!r})") == dot["name"]          # the point clicked is that row
    assert kernel.value(f"bool(view.plan.pareto[{label!r}])") is True
    # in Python: the traits and both twins
    traits = kernel.value("[w.n_prefill, w.n_decode, w.tau, w.omega, w.adaptive, w.planner, w.concurrency]")
    assert traits == [n_p, n_d, tau, omega, policy == "adaptive", planner, load]
    twins = kernel.value("[[s.n_prefill, s.n_decode] for s in (w.twins.static, w.twins.adaptive)]"
                         " + [[w.twins.static.tau, w.twins.static.omega],"
                         " list(w.twins.adaptive.detector_config.table['BELOW'])]")
    assert twins == [[n_p, n_d], [n_p, n_d], [tau, omega], [tau, omega]]
    # on the page: the stage's pools, the panel's (tau, omega) of the twin on stage (BELOW at this load), the line
    wait_for(lambda: f"N_p = {n_p}" in text_of(page, "[data-planet=prefill]")
             and f"N_d = {n_d}" in text_of(page, "[data-planet=decode]"), what="the new pool counts", page=page)
    controller = wait_for(lambda: re.search(rf"τ {tau:g} ω {omega:g}\b", text_of(page, "[data-panel=controller]")),
                          what="the panel's new τ and ω", page=page)
    assert controller
    assert f"Loaded row {label}: " in text_of(page, ".orbits-plan-status")
    assert (n_p, n_d, tau, omega) != (1, 1, 0.4, 0.5)
    # tall enough for the chart, the line and the whole widget inside the notebook's scrolling panel
    page.set_viewport_size({"width": 1280, "height": 1900})
    view = page.locator(".orbits-plan-view").first
    view.scroll_into_view_if_needed()
    wait_for(lambda: f"N_p = {n_p}" in text_of(page, "[data-planet=prefill]"), what="the stage after resizing",
             page=page)
    view.screenshot(path=str(ARTIFACTS / "planview.png"))
    assert errors == []
