"""Helpers of the tests that run the page's JavaScript (node) or its tools (esbuild, eslint). A tool
missing is a failure when ORBITS_REQUIRE_BROWSER=1 (the test command sets it), a skip otherwise."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
BIN = ROOT / "node_modules" / ".bin"
BUNDLE = ROOT / "src" / "orbits_widget" / "widget" / "static" / "widget.js"


def require(what: str, found) -> None:
    """Fail (ORBITS_REQUIRE_BROWSER=1) or skip when a tool the test needs is missing."""
    if not found:
        if os.environ.get("ORBITS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"this test needs {what}")
        pytest.skip(f"this test needs {what}")


def node_bin(name: str) -> str:
    """A tool of package.json's devDependencies (``npm ci`` installs them)."""
    path = BIN / name
    require(f"{path} (run `npm ci`)", path.exists())
    return str(path)


def run_node(script: str, tmp_path: Path):
    """Run an ES module in node; what it printed, as JSON."""
    exe = shutil.which("node")
    require("node", exe)
    (tmp_path / "script.mjs").write_text(script)
    out = subprocess.run([exe, str(tmp_path / "script.mjs")], check=False, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def js_path(path: Path) -> str:
    """``path`` as a string literal for ``import`` in a script that node runs."""
    return json.dumps(path.as_uri())
