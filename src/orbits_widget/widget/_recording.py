"""Recordings: a run kept in one binary buffer, to be played where no kernel is.

``capture`` steps the twins in simulated time (the widget's clock is paused meanwhile) and keeps
one frame per ``speed / FPS`` simulated seconds, exactly as the live loop would send them, with
the mission-log lines of the run and the chart's curves. ``encode`` packs them; the page's player
(``js/view/playback.js``, with the decoder ``js/protocol/recording.js``) and ``decode`` read them back.

Layout, version 1, little-endian::

    offset  type                  field
    0       4 bytes               magic b"ORBR"
    4       uint16                version (1)
    6       uint16                reserved (0)
    8       uint32                frames N
    12      uint32                JSON length J (bytes)
    16      float32               frames per wall second of playback (30)
    20      float32               simulated seconds per wall second (the speed)
    24      uint32 x (N + 1)      frame offsets from the first frame's start (the last one is the end)
    ...     N frames              each a live frame (``_frames.py``), back to back
    ...     J bytes               UTF-8 JSON: schema, log, chart, traits, meta (sorted keys, no NaN)

Nothing in a recording depends on wall time: the same widget state and seed give the same bytes.

``Recording`` is ``OrbitsWidget``'s side of it: ``record``, ``record_demo``, ``save_html`` and the
display that plays the recording in an HTML export.
"""
from __future__ import annotations

import base64
import html
import json
import math
import os
import pathlib
import re
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_number
from ._assembly import FrameAssembler
from ._chart import curves
from ._schema import SPEED_RANGE

if TYPE_CHECKING:
    from ._runner import Runner

MAGIC = b"ORBR"
VERSION = 1
FPS = 30.0
HEAD = struct.Struct("<4sHHIIff")
MAX_FRAMES = 200_000         # about 1.9 hours of playback at 30 frames/s (~100 MB): beyond, refuse
STATIC = pathlib.Path(__file__).parent / "static"     # the page's bundle and the standalone loader
RECORD_MAX_SECONDS = 3600.0     # simulated seconds in one recording
DEMO_MAX_SECONDS = 900.0        # the Auto-demo ends on what the simulation does; this only keeps it finite


def _finite(x):
    """JSON has no NaN or Infinity: a missing number is null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, np.generic):
        return _finite(x.item())
    return x


def encode(frames: list[bytes], meta: dict, fps: float = FPS, speed: float = 1.0) -> bytes:
    body = json.dumps(_finite(meta), sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False).encode("utf-8")
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in frames])]).astype("<u4")
    return b"".join((HEAD.pack(MAGIC, VERSION, 0, len(frames), len(body), fps, speed), offsets.tobytes(),
                     *frames, body))


def decode(buf: bytes) -> dict:
    """{"frames": [bytes, ...], "meta": dict, "fps": float, "speed": float} (the inverse of ``encode``)."""
    buf = bytes(buf)
    if len(buf) < HEAD.size:
        raise ValueError(f"recording: {len(buf)} bytes is shorter than the {HEAD.size}-byte header")
    magic, version, _, n, j, fps, speed = HEAD.unpack_from(buf, 0)
    if magic != MAGIC:
        raise ValueError(f"recording: bad magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise ValueError(f"recording: version {version} is not supported (only {VERSION})")
    off = np.frombuffer(buf, "<u4", count=n + 1, offset=HEAD.size).astype(np.int64)
    start = HEAD.size + 4 * (n + 1)
    if len(buf) != start + int(off[-1]) + j:
        raise ValueError(f"recording: {len(buf)} bytes, expected {start + int(off[-1]) + j}")
    frames = [buf[start + off[i]:start + off[i + 1]] for i in range(n)]
    meta = json.loads(buf[start + int(off[-1]):].decode("utf-8"))
    return {"frames": frames, "meta": meta, "fps": float(fps), "speed": float(speed)}


def capture(runner, seconds: float, speed: float, meta: dict, until=None) -> bytes:
    """Advance the runner's twins ``seconds`` simulated seconds (or until ``until()`` is true, then
    at most ``seconds``) in steps of ``speed / FPS`` and encode a frame after each, plus one of the
    state it starts from. The caller holds the runner's lock and has paused the widget. The frames
    come from an assembler of their own, so the frames the live loop sent before do not change them."""
    dt = speed / FPS
    n = max(1, round(seconds / dt))
    if n + 1 > MAX_FRAMES:
        raise ValueError(f"seconds: {seconds:g} s at speed {speed:g} is {n + 1:,} frames, more than "
                         f"{MAX_FRAMES:,}; record less or faster")
    assembler = FrameAssembler(runner.profile.max_workers)
    t0 = runner.twins.time
    log = [list(e) for e in runner.log]              # what the log held when the recording starts
    seen = runner.log_count
    frames = [runner.encode(assembler=assembler, seq=0, playing=True)]
    for i in range(1, n + 1):
        runner.advance(dt)
        new = runner.log_count - seen
        if new:
            log += [list(e) for e in list(runner.log)[-min(new, len(runner.log)):]]
            seen = runner.log_count
        frames.append(runner.encode(assembler=assembler, seq=i, playing=True))
        if until is not None and until():
            break
    meta = dict(meta, log=[[round(t, 3), k, s] for t, k, s in log], t0=t0, t1=runner.twins.time,
                frames=len(frames))
    return encode(frames, meta, FPS, speed)


# The standalone page: nothing may leave it (scripts inline, the bundle imported from a blob: URL,
# system fonts); the policy makes the browser refuse anything else.
CSP = "default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; img-src data: blob:"
PAGE_STYLE = ("html,body{margin:0;background:#050817;color:#c9d1f5;"
              "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}"
              "#orbits-player{max-width:1400px;margin:0 auto;padding:12px}")
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _inline(text: str) -> str:
    """Text safe inside a <script> element: an end tag in it is written ``<\\/script`` (the
    loader undoes it for the bundle; in JavaScript source it means the same)."""
    return _SCRIPT_END.sub(r"<\\/\1", text)


def standalone_html(recording: bytes, bundle: str, loader: str, title: str | None = None) -> str:
    """One HTML file that plays ``recording`` with the widget's own page code (``bundle``, an ES
    module) through ``loader`` (``static/standalone.js``)."""
    if title is None:
        title = decode(recording)["meta"].get("title") or "The orbits of Anarchy"
    return "\n".join((
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{PAGE_STYLE}</style>",
        "</head><body>",
        '<div id="orbits-player"></div>',
        f'<script type="text/plain" id="orbits-bundle">{_inline(bundle)}</script>',
        '<script type="application/octet-stream" id="orbits-recording">'
        f'{base64.b64encode(recording).decode("ascii")}</script>',
        f"<script>{_inline(loader)}</script>",
        "</body></html>", ""))


def offline_output(model_id: str, loader: str) -> dict:
    """The second output of a displayed widget (mimetype text/html only): in an HTML export of the
    notebook, where no kernel runs and the widget manager is not loaded, the loader finds the
    widget's saved state and plays its recording here; in a live notebook it finds no saved state
    and does nothing."""
    mid = html.escape(model_id, quote=True)
    return {"text/html": f'<div class="orbits-offline" data-model-id="{mid}"></div><script>{_inline(loader)}</script>',
            "text/plain": ""}


class Recording:
    """``OrbitsWidget``'s recording methods (a mixin: the widget's traits and runner are its own)."""

    if TYPE_CHECKING:       # what the widget provides
        _runner: Runner
        _recording: bytes
        _schema: dict
        _workload: dict
        model_id: str
        mode: str
        load: float
        c_max: int
        n_prefill: int
        n_decode: int
        adaptive: bool
        planner: bool
        playing: bool
        speed: float
        demo: bool
        tau: float
        omega: float
        max_workers: int
        hypothesis: str

        def _repr_mimebundle_(self, **kwargs: Any) -> dict: ...

    def record(self, seconds: float, speed: float | None = None):
        """Run the twins ``seconds`` simulated seconds from now, with the clock paused (the time it
        takes is the computer's, not the wall's), and keep the run in ``_recording``: a frame every
        ``speed / 30`` simulated seconds (``speed``: simulated seconds per second of playback,
        default the widget's), the mission log and the chart's curves, in one binary buffer
        (``_recording.py``). Saving the notebook with its widget state keeps it; the page replays it
        on demand, or plays it where no kernel runs (an HTML export, ``save_html``). The widget goes
        on from where the recording ends. The same seed and controls give the same bytes."""
        seconds = check_number("seconds", seconds, 0.0, RECORD_MAX_SECONDS, lo_open=True)
        self._record(seconds, speed)
        return self

    def record_demo(self, speed: float | None = 8.0):
        """Record the Auto-demo (static at saturation, then adaptive, then the Planner) with its
        narration, to its end (at most 900 simulated seconds), at ``speed`` (default 8)."""
        r = self._runner
        with r.lock:
            self.demo = False
            self.demo = True            # starts the script: fresh twins at saturation
            self._record(DEMO_MAX_SECONDS, speed, until=lambda: r.demo is None, demo=True)
        return self

    def _record(self, seconds: float, speed: float | None, until: Callable[[], bool] | None = None,
                demo: bool = False) -> None:
        speed = self.speed if speed is None else check_number("speed", speed, *SPEED_RANGE)
        r = self._runner
        with r.lock:
            playing = self.playing
            self.playing = False
            try:
                traits = {k: getattr(self, k) for k in ("mode", "load", "c_max", "n_prefill", "n_decode", "adaptive",
                                                        "planner", "speed", "tau", "omega", "max_workers",
                                                        "hypothesis")}
                traits.update(playing=True, _workload=dict(self._workload), speed=speed)
                meta = dict(schema=self._schema, traits=traits, chart=self._recorded_chart(), profile=r.profile.name,
                            seed=r.seed, demo=demo, title=f"The orbits of Anarchy · {r.profile.name}")
                self._recording = capture(r, seconds, speed, meta, until=until)
                r.publish(r.clock(), force=True)
            finally:
                self.playing = playing

    def _recorded_chart(self) -> dict:
        """The chart's curves for the pools and router on stage (the page draws them itself when
        it plays a recording: the bqplot chart needs a kernel)."""
        return curves(self._runner.profile, self.n_prefill, self.n_decode, self.max_workers, self.tau, self.omega)

    @property
    def recording(self) -> dict | None:
        """The recording's size and extent, or None: bytes, frames, fps, speed, simulated t0 and t1."""
        if not self._recording:
            return None
        rec = decode(self._recording)
        m = rec["meta"]
        return {"bytes": len(self._recording), "frames": len(rec["frames"]), "fps": rec["fps"],
                "speed": rec["speed"], "t0": m["t0"], "t1": m["t1"], "log_lines": len(m["log"]), "demo": m["demo"]}

    def save_html(self, path: str | os.PathLike[str], title: str | None = None) -> str:
        """Write the recording as one standalone HTML file that plays it in any browser: the page's
        code and the recording inline, system fonts, and a Content-Security-Policy that lets no
        request leave the file. Returns the path. Record first (``record``, ``record_demo``)."""
        if not self._recording:
            raise ValueError("save_html: nothing recorded yet; call record(seconds) or record_demo() first")
        if title is not None and not isinstance(title, str):
            raise ValueError(f"title: must be a string, got {title!r}")
        page = standalone_html(self._recording, (STATIC / "widget.js").read_text(encoding="utf-8"),
                               (STATIC / "standalone.js").read_text(encoding="utf-8"), title)
        path = os.fspath(path)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page)
        return path

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Two outputs: the widget, and the player an HTML export of the notebook shows in its place
        where no kernel runs (``offline_output``; in a live notebook it does nothing)."""
        from IPython.display import publish_display_data
        publish_display_data(self._repr_mimebundle_())
        publish_display_data(offline_output(self.model_id, (STATIC / "standalone.js").read_text(encoding="utf-8")))
