"""The widget in Notebook 7 (the classic-notebook successor): it renders and stays in two-way sync."""
import json

import harness
import pytest
from conftest import ARTIFACTS, _require

NAME = "nb7_test.ipynb"
CELLS = ["from orbits_widget import OrbitsWidget\nw = OrbitsWidget(speed=10.0, chart=False)\nw"]


@pytest.fixture(scope="module")
def nb7(tmp_path_factory):
    _require()
    import notebook  # in the test extra: Notebook 7 is a target, not an option
    assert int(notebook.__version__.split(".")[0]) >= 7, notebook.__version__
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("nb7")
    (root / NAME).write_text(json.dumps(harness.notebook(CELLS)))
    ARTIFACTS.mkdir(exist_ok=True)
    with harness.Lab(root, app="notebook") as server, sync_playwright() as p:
        ctx = harness.launch_browser(p)
        errors = []
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.on("pageerror", lambda e: errors.append(f"{e} {e.stack}"))
        page = harness.open_notebook(ctx, server, NAME)
        kernel = server.kernel_for(NAME)
        try:
            yield page, kernel, errors
        finally:
            kernel.close()
            ctx.close()


def wait_for(pred, what, tries=150):
    import time
    for _ in range(tries):
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_renders_and_syncs_both_ways_in_notebook_7(nb7):
    page, kernel, errors = nb7
    root = page.locator(".ow-root").first
    for planet in ("frontend", "router", "prefill", "decode", "kvbm", "planner", "detector"):
        assert root.locator(f"[data-planet={planet}]").is_visible(), planet
    n = kernel.value("w.n_decode")
    root.locator("[data-role=decode-plus]").click()
    wait_for(lambda: kernel.value("[w.n_decode, w.simulation.n_decode]") == [n + 1, n + 1], "n_decode + 1")
    kernel.run("w.mode = 'saturation'")
    wait_for(lambda: "ow-on" in root.locator("[data-role=tab-saturation]").get_attribute("class"), "saturation tab")
    root.screenshot(path=str(ARTIFACTS / "notebook7.png"))
    # Notebook 7 itself raises one settings error ("reading 'schema'") in this fresh headless profile,
    # even for a notebook that only prints: errors thrown from its own bundle are not the widget's
    ours = [e for e in errors if "/static/notebook/" not in e]
    assert ours == []
