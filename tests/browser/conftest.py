"""Fixtures for the real-browser tests: JupyterLab on 127.0.0.1, Chromium, the notebook's kernel.

Skipped (not failed) only when Chromium or Playwright is absent; set ORBITS_REQUIRE_BROWSER=1 to
make their absence an error (the set-up script does)."""
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import harness

ARTIFACTS = harness.ARTIFACTS
NOTEBOOK = "widget_test.ipynb"
CELLS = [
    ("from orbits_widget import OrbitsWidget\n"
     "w = OrbitsWidget(speed=10.0)\n"
     "changes = []\n"
     "w.observe(lambda ch: changes.append([ch['name'], ch['new']]),\n"
     "          names=['load', 'mode', 'n_prefill', 'n_decode', 'adaptive', 'planner', 'playing', 'speed', 'demo'])\n"
     "w"),
    "w  # a second view of the same widget",
]


def _require():
    missing = []
    if not os.path.exists(harness.CHROMIUM):
        missing.append(harness.CHROMIUM)
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        if os.environ.get("ORBITS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests need {', '.join(missing)}")
        pytest.skip(f"browser tests need {', '.join(missing)}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    _require()
    root = tmp_path_factory.mktemp("lab")
    (root / NOTEBOOK).write_text(json.dumps(harness.notebook(CELLS)))
    with harness.Lab(root) as lab:
        yield lab


@pytest.fixture(scope="session")
def session(lab):
    """(page, kernel, console messages, outside requests) with the widget rendered."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        ctx = harness.launch_browser(p)
        console, outside = [], []
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
            (lab.url, "data:", "blob:", "about:")) else None)
        page = harness.open_notebook(ctx, lab, NOTEBOOK)
        kernel = lab.kernel_for(NOTEBOOK)
        try:
            yield page, kernel, console, outside
        finally:
            kernel.close()
            ctx.close()
