"""A real JupyterLab on 127.0.0.1, Debian's Chromium driven by Playwright, and a second client
of the page's own kernel (jupyter_server's kernel websocket) to run code and read values back.

Shared by the browser tests and ``benchmarks/browser_bench.py``. Never downloads a browser:
Chromium comes from ``/usr/bin/chromium`` (or ``$ORBITS_CHROMIUM``).
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"   # screenshots (git-ignored)
CHROMIUM = os.environ.get("ORBITS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook(cells: list[str]) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                       "source": src} for i, src in enumerate(cells)],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


class Lab:
    """``with Lab(root) as lab:`` a JupyterLab server on a free port with a random token."""

    def __init__(self, root: Path, app: str = "jupyterlab"):
        self.app = app                      # "jupyterlab" or "notebook" (Notebook 7)
        self.root = Path(root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        args = [sys.executable, "-m", self.app, "--no-browser", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        # a private config dir that switches off JupyterLab's news plugin (it would ask to go online)
        conf = self.root / ".jupyter-config"
        (conf / "labconfig").mkdir(parents=True, exist_ok=True)
        if self.app == "jupyterlab":
            (conf / "labconfig" / "page_config.json").write_text(json.dumps(
                {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(conf))
        self.log = open(self.root / "jupyter-server.log", "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {(self.root / 'jupyter-server.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                self.api("GET", "/api/status")
                return self
            time.sleep(0.3)
        raise RuntimeError("JupyterLab did not start within 90 s")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(Exception):
                for s in self.api("GET", "/api/sessions"):
                    self.api("DELETE", f"/api/sessions/{s['id']}")
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()

    def api(self, method, path, body=None):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            data = r.read()
        return json.loads(data) if data else None

    def kernel_for(self, notebook_name: str) -> Kernel:
        deadline = time.time() + 60
        while time.time() < deadline:
            for s in self.api("GET", "/api/sessions"):
                if s.get("path", "").endswith(notebook_name) and s.get("kernel"):
                    return Kernel(self, s["kernel"]["id"])
            time.sleep(0.3)
        raise RuntimeError(f"no kernel session for {notebook_name}")


class Kernel:
    """Run code in the page's kernel as a second client; outputs come back on iopub.

    Each ``run`` opens a connection of its own and closes it: a connection left open between runs
    fills with the widget's frames, which nobody reads, and the server drops it (a session's tests
    can leave its kernel alone for minutes while other notebooks run)."""

    def __init__(self, lab: Lab, kernel_id: str):
        self.url = f"ws://127.0.0.1:{lab.port}/api/kernels/{kernel_id}/channels?token={lab.token}"
        self.session = uuid.uuid4().hex
        self._connect().close()         # the kernel answers now, or this fails here

    def _connect(self):
        import websocket
        return websocket.create_connection(self.url, timeout=60)

    def run(self, code: str, timeout: float = 60.0) -> str:
        """Execute ``code``; return its stdout; raise on an error in the kernel."""
        self.ws = self._connect()
        try:
            return self._run(code, timeout)
        finally:
            with contextlib.suppress(Exception):
                self.ws.close()

    def _run(self, code: str, timeout: float) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": self.session, "msg_type": "execute_request",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, deadline, done = [], time.time() + timeout, False
        while time.time() < deadline:
            raw = self.ws.recv()
            if isinstance(raw, bytes):      # comm messages with buffers (the widget's frames)
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise RuntimeError("kernel error: " + "\n".join(msg["content"]["traceback"])[-3000:])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                done = True
            if done:
                return "".join(out)
        raise TimeoutError(f"no reply within {timeout} s for: {code[:80]}")

    def value(self, expr: str):
        """A JSON-able Python expression, evaluated in the kernel."""
        return json.loads(self.run(f"import json as _j; print(_j.dumps({expr}))").strip().splitlines()[-1])

    def close(self):
        """Nothing stays open between runs."""


def launch_browser(playwright, user_data_dir: str | None = None):
    """Debian's Chromium, headless, with a fresh profile; returns (context, cleanup)."""
    udd = user_data_dir or tempfile.mkdtemp(prefix="orbits-chromium-")
    ctx = playwright.chromium.launch_persistent_context(
        udd, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800})
    return ctx


def dismiss_dialogs(page, timeout_ms: int = 10_000) -> list[str]:
    """Close JupyterLab's modal dialogs (Escape = their cancel) and return what they said. On a loaded
    machine the server can answer late and Lab then asks, e.g., about a lost connection; the dialog would
    swallow the clicks that run the cells. What it said is printed, so a failing test's log shows it."""
    said = []
    dialogs = page.locator(".jp-Dialog")
    while dialogs.count() > 0 and dialogs.first.is_visible():
        said.append(dialogs.first.inner_text())
        print(f"JupyterLab dialog dismissed: {said[-1]!r}")
        page.keyboard.press("Escape")
        try:
            dialogs.first.wait_for(state="hidden", timeout=timeout_ms)
        except Exception:
            break
    return said


def open_notebook(ctx, lab: Lab, name: str, timeout_ms: int = 120_000, page=None, ready: str = ".ow-root canvas"):
    """Open ``name`` in JupyterLab (or Notebook 7), run every cell, and wait for ``ready`` (a selector:
    by default the widget's stage), in ``page`` or the context's first page."""
    page = page or (ctx.pages[0] if ctx.pages else ctx.new_page())
    where = f"/lab/tree/{name}?token={lab.token}&reset" if lab.app == "jupyterlab" else \
        f"/notebooks/{name}?token={lab.token}"
    page.goto(f"{lab.url}{where}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    # the kernel indicator says idle once the kernel is up; key presses before that can be lost
    if lab.app == "jupyterlab":
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status=idle]", timeout=timeout_ms)
    else:                                   # Notebook 7 has no such indicator: ask the server
        deadline = time.time() + timeout_ms / 1000
        while not any(s.get("path", "").endswith(name) and s.get("kernel", {}).get("execution_state") == "idle"
                      for s in lab.api("GET", "/api/sessions")):
            if time.time() > deadline:
                raise TimeoutError(f"no idle kernel for {name}")
            time.sleep(0.3)
    for attempt in range(3):
        dismiss_dialogs(page)
        try:
            page.locator(".jp-Notebook .jp-Cell").first.click(timeout=timeout_ms // 4)
        except Exception:
            if attempt == 2:
                raise
            continue            # a dialog came up meanwhile: dismiss it and try again
        page.keyboard.press("Escape")
        page.keyboard.press("Control+a")     # command mode: select every cell, run them
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_selector(ready, timeout=timeout_ms // 3)
            break
        except Exception:
            if attempt == 2:
                raise
    return page
