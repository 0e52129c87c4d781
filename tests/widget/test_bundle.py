"""The page's build: the committed bundle is built from js/, it fetches nothing, and js/ passes the
linter (ESLint, ``eslint.config.mjs``: lines of at most 120 characters, no HTML from strings)."""
import json
import re
import shutil
import subprocess

from page_tools import BUNDLE, JS, ROOT, node_bin, require


def test_committed_bundle_is_built_from_js_sources(tmp_path):
    esbuild = node_bin("esbuild")
    out = tmp_path / "widget.js"
    build = json.loads((ROOT / "package.json").read_text())["scripts"]["build"]
    committed = "--outfile=src/orbits_widget/widget/static/widget.js"
    assert committed in build
    cmd = build.replace("esbuild", esbuild, 1).replace(committed, f"--outfile={out}")
    subprocess.run(cmd, shell=True, cwd=ROOT, check=True, capture_output=True)
    assert out.read_bytes() == BUNDLE.read_bytes(), \
        "run `npm run build` and commit src/orbits_widget/widget/static/widget.js"


def test_the_bundle_fetches_nothing():
    text = BUNDLE.read_text()
    assert not re.search(r"https?://", text), "no remote requests (CDN, fonts): everything is in the bundle"
    assert not re.search(r"\bimport\s*\(|\bfetch\s*\(|innerHTML|insertAdjacentHTML", text)
    assert text.count("export {") == 1 and "as default" in text     # one ES module, the anywidget entry


def test_js_passes_the_linter():
    require("node", shutil.which("node"))
    eslint = node_bin("eslint")
    out = subprocess.run([eslint, "--max-warnings=0", "."], check=False, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "lint" in json.loads((ROOT / "package.json").read_text())["scripts"]
    assert all(len(line) <= 120 for p in JS.rglob("*.js") for line in p.read_text().splitlines())
