"""The page's build: the committed bundles (the widget's ES module and the standalone loader of recordings) are
built from js/, they fetch nothing, and js/ passes the linter (ESLint, ``eslint.config.mjs``: lines of at most 120
characters, no HTML from strings)."""
import json
import re
import shutil
import subprocess

from page_tools import BUNDLE, JS, ROOT, node_bin, require

LOADER = BUNDLE.parent / "standalone.js"


def test_committed_bundles_are_built_from_js_sources(tmp_path):
    esbuild = node_bin("esbuild")
    build = json.loads((ROOT / "package.json").read_text())["scripts"]["build"]
    cmd = build.replace("esbuild ", f"{esbuild} ")
    for committed in (BUNDLE, LOADER):
        flag = f"--outfile={committed.relative_to(ROOT)}"
        assert flag in build
        cmd = cmd.replace(flag, f"--outfile={tmp_path / committed.name}")
    subprocess.run(cmd, shell=True, cwd=ROOT, check=True, capture_output=True)
    for committed in (BUNDLE, LOADER):
        assert (tmp_path / committed.name).read_bytes() == committed.read_bytes(), \
            f"run `npm run build` and commit {committed.relative_to(ROOT)}"


def test_the_bundles_fetch_nothing():
    text = BUNDLE.read_text()
    assert not re.search(r"https?://", text), "no remote requests (CDN, fonts): everything is in the bundle"
    assert not re.search(r"\bimport\s*\(|\bfetch\s*\(|innerHTML|insertAdjacentHTML", text)
    assert text.count("export {") == 1 and "as default" in text     # one ES module, the anywidget entry
    # the loader: a classic script (no import or export statement) whose one dynamic import is of a blob: URL
    loader = LOADER.read_text()
    assert not re.search(r"https?://|\bfetch\s*\(|XMLHttpRequest|innerHTML|insertAdjacentHTML", loader)
    assert not re.search(r"^\s*(import|export)\b", loader, re.M)
    assert re.findall(r"\bimport\s*\(\s*(\w+)", loader) == ["url"] and "URL.createObjectURL(new Blob(" in loader


def test_js_passes_the_linter():
    require("node", shutil.which("node"))
    eslint = node_bin("eslint")
    out = subprocess.run([eslint, "--max-warnings=0", "."], check=False, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "lint" in json.loads((ROOT / "package.json").read_text())["scripts"]
    assert all(len(line) <= 120 for p in JS.rglob("*.js") for line in p.read_text().splitlines())
