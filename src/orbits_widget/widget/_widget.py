"""``OrbitsWidget``: "The orbits of Anarchy" in a notebook cell, in two-way sync with Python.

The kernel advances the simulation (a background thread; every access to the simulation holds
one lock, so a cell running other code, the page's writes and the thread never interleave) and
sends binary frames (``frames.py``) at most ``MAX_FPS`` times per second; the page interpolates
between them. The stage shows one of two ``Twins`` (static and adaptive on common random
numbers): the Static/Adaptive switch chooses which, and "Adaptive vs. static" always shows both.
"""
from __future__ import annotations

import collections
import math
import pathlib
import re
import threading
import time

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets as T

from .. import profiles as _profiles
from ..control.detector import REGIMES
from ._demo import AutoDemo
from ._frames import encode_frame
from ..control.planner import PREDICTORS
from ..api.sweep import sweep
from ..api.twins import Twins

MODES = ("idle", "normal", "busy", "saturation")
# load level each mode tab sets, and the band of loads that counts as that mode (C_max = 256:
# idle C = 13, normal 64, busy 115 just under the knee C* = 128, saturation 256 far past it)
MODE_LOAD = {"idle": 0.05, "normal": 0.25, "busy": 0.45, "saturation": 1.0}
MODE_BANDS = (("idle", 0.15), ("normal", 0.35), ("busy", 0.5), ("saturation", math.inf))
SPEED_RANGE = (0.25, 50.0)      # simulated seconds per wall second
MAX_FPS = 30.0
LOG_KEEP = 200                  # mission-log lines kept in Python
LOG_SEND = 60                   # ... and sent to the page
CHART_GRID = [int(c) for c in np.linspace(8, 256, 16)]
CHART_SECONDS = 120.0
STATIC = pathlib.Path(__file__).parent / "static"


def mode_for_load(load: float) -> str:
    for name, upper in MODE_BANDS:
        if load < upper:
            return name
    return MODES[-1]


class OrbitsWidget(anywidget.AnyWidget):
    """The stage (this object, with the synced traits) and the bqplot chart, shown together.

    Parameters: ``profile`` (a name of ``profiles.names()``), ``seed``, ``autoplay`` (start
    playing), ``c_max`` (concurrency at load 1.0), ``mode`` or ``load``, ``speed``, ``planner``
    (on at start), ``predictor`` (the Planner's load predictor), ``chart`` (build the bqplot
    figure). A background thread advances the simulation until ``close()``."""

    _esm = STATIC / "widget.js"

    load = T.Float(MODE_LOAD["idle"], help="offered load 0..1, concurrency = round(load * c_max)").tag(sync=True)
    mode = T.Unicode("idle", help="one of MODES; setting it sets load").tag(sync=True)
    n_prefill = T.Int(1, help="prefill workers (0 = outage)").tag(sync=True)
    n_decode = T.Int(2, help="decode workers (0 = outage)").tag(sync=True)
    adaptive = T.Bool(False, help="the stage shows the adaptive twin").tag(sync=True)
    planner = T.Bool(False, help="the Planner scales both twins").tag(sync=True)
    playing = T.Bool(False).tag(sync=True)
    speed = T.Float(4.0, help="simulated seconds per wall second").tag(sync=True)
    demo = T.Bool(False, help="the Auto-demo is running; set False to stop it").tag(sync=True)
    c_max = T.Int(256).tag(sync=True)
    max_workers = T.Int(8).tag(sync=True)
    _frame = T.Bytes(b"").tag(sync=True)
    _info = T.Dict().tag(sync=True)

    def __init__(self, profile="nemotron-340b-1p2d", seed=0, autoplay=True, c_max=256, mode="idle", speed=4.0,
                 planner=False, predictor="kalman", chart=True, load=None, **kwargs):
        prof = _profiles.get(profile)
        if predictor not in PREDICTORS:
            raise T.TraitError(f"predictor: must be one of {list(PREDICTORS)}, got {predictor!r}")
        if isinstance(c_max, bool) or not isinstance(c_max, int) or not 1 <= c_max <= 100_000:
            raise T.TraitError(f"c_max: must be an integer in [1, 100000], got {c_max!r}")
        self._lock = threading.RLock()
        self._profile, self._seed, self._predictor = prof, int(seed), predictor
        self._twins = None
        self._chart = None
        kwargs.setdefault("n_prefill", prof.n_prefill)
        kwargs.setdefault("n_decode", prof.n_decode)
        super().__init__(c_max=c_max, max_workers=prof.max_workers, **kwargs)
        self._log = collections.deque(maxlen=LOG_KEEP)
        self._build()
        self.speed = speed
        if load is None:
            self.mode = mode
            self.load = MODE_LOAD[mode]
        else:
            self.load = load            # the mode tab follows the load's band
        self.planner = planner
        self._costs = collections.deque(maxlen=600)     # Python seconds per published frame
        self._frames_sent = 0
        self._last_sent = -math.inf
        self._dirty = True
        self._stop = threading.Event()
        self._chart = _Chart(self) if chart else None
        self._thread = threading.Thread(target=self._run, name="orbits-widget", daemon=True)
        self._thread.start()
        self.playing = bool(autoplay)

    # ------------------------------------------------------------------ state ----
    def _build(self):
        """Fresh twins at t = 0 with the current controls."""
        with self._lock:
            self._twins = Twins(self._profile, concurrency=self.concurrency, seed=self._seed,
                                planner=self._predictor, n_prefill=self.n_prefill, n_decode=self.n_decode)
            for sim in (self._twins.static, self._twins.adaptive):
                sim.planner.enabled = self.planner
            self._log_seen = {"static": (-math.inf, set()), "adaptive": (-math.inf, set())}
            self._prev = None           # counters at the previous frame (for shuttle counts)
            self._rate = collections.deque()
            self._pbusy = np.zeros(self._profile.max_workers)
            self._demo = None
            self._dirty = True

    @property
    def twins(self) -> Twins:
        return self._twins

    @property
    def simulation(self):
        """The simulation on the stage: the adaptive twin or the static one."""
        return self._twins.adaptive if self.adaptive else self._twins.static

    @property
    def concurrency(self) -> int:
        return round(self.load * self.c_max)

    def log(self, last: int | None = None) -> list[tuple[float, str, str]]:
        """The mission log: (simulated time s, kind, text), oldest first (at most 200 lines)."""
        with self._lock:
            out = list(self._log)
        return out if last is None else out[-last:]

    def narrate(self, text: str, kind: str = "demo"):
        with self._lock:
            self._log.append((self._twins.time, kind, text))
            self._send_info()

    # ------------------------------------------------------------- validation ----
    @T.validate("load")
    def _v_load(self, proposal):
        v = proposal["value"]
        if not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0):
            raise T.TraitError(f"load: must be a number in [0, 1], got {v!r}")
        return float(v)

    @T.validate("mode")
    def _v_mode(self, proposal):
        if proposal["value"] not in MODES:
            raise T.TraitError(f"mode: must be one of {list(MODES)}, got {proposal['value']!r}")
        return proposal["value"]

    @T.validate("n_prefill", "n_decode")
    def _v_pool(self, proposal):
        v, name = proposal["value"], proposal["trait"].name
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= self.max_workers:
            raise T.TraitError(f"{name}: must be an integer in [0, {self.max_workers}] (0 = outage), got {v!r}")
        return v

    @T.validate("speed")
    def _v_speed(self, proposal):
        v = proposal["value"]
        lo, hi = SPEED_RANGE
        if not (isinstance(v, (int, float)) and lo <= v <= hi):
            raise T.TraitError(f"speed: must be in [{lo}, {hi}] simulated seconds per second, got {v!r}")
        return float(v)

    # -------------------------------------------------------------- observers ----
    @T.observe("load")
    def _on_load(self, change):
        with self._lock:
            if self._twins is None:
                return
            self._twins.set_concurrency(self.concurrency)
            m = mode_for_load(self.load)
            if m != self.mode:
                self.mode = m
            self._dirty = True

    @T.observe("mode")
    def _on_mode(self, change):
        with self._lock:
            if mode_for_load(self.load) != self.mode:
                self.load = MODE_LOAD[self.mode]
            if self._twins is not None:
                self.narrate(f"mode {self.mode.upper()}: C = {self.concurrency} clients", kind="mode")

    @T.observe("n_prefill", "n_decode")
    def _on_pool(self, change):
        with self._lock:
            if self._twins is None:
                return
            # the Planner's moves come back here through _sync_pools: nothing to apply then
            if getattr(self.simulation, change["name"]) != change["new"]:
                self._twins.set_workers(**{change["name"]: change["new"]})
            if self._chart is not None:
                self._chart.request(self.n_prefill, self.n_decode)
            self._dirty = True

    @T.observe("adaptive")
    def _on_adaptive(self, change):
        with self._lock:
            if self._twins is None:
                return
            self.narrate("stage shows the adaptive twin: the Saturation Detector sets (τ, ω)" if change["new"]
                         else "stage shows the static twin: Dynamo's router keeps (τ, ω)", kind="switch")
            self._sync_pools()

    @T.observe("planner")
    def _on_planner(self, change):
        with self._lock:
            if self._twins is None:
                return
            for sim in (self._twins.static, self._twins.adaptive):
                sim.planner.enabled = change["new"]
            self.narrate(f"Planner {'on' if change['new'] else 'off'} ({self._predictor} predictor)", kind="planner")

    @T.observe("playing")
    def _on_playing(self, change):
        self._dirty = True

    @T.observe("demo")
    def _on_demo(self, change):
        with self._lock:
            if change["new"] and self._demo is None:
                demo = AutoDemo(self)
                demo.start()        # resets the twins, which clears self._demo
                self._demo = demo
            elif not change["new"] and self._demo is not None:
                if self._demo.phase != "done":
                    self.narrate("Auto-demo stopped")
                self._demo = None
            self._dirty = True

    # ---------------------------------------------------------------- methods ----
    def play(self):
        self.playing = True
        return self

    def pause(self):
        self.playing = False
        return self

    def step(self, seconds: float):
        """Advance both twins by ``seconds`` of simulated time now (also while paused)."""
        with self._lock:
            self._advance(float(seconds))
            self._publish(time.monotonic())
        return self

    def reset(self, keep_demo=False):
        """Back to t = 0 with the current controls (stops the Auto-demo)."""
        with self._lock:
            if not keep_demo and self.demo:
                self.demo = False
            self._log.clear()
            self._build()
            self._send_info()
            self._publish(time.monotonic(), force=True)
        return self

    def run_demo(self, play=True):
        """Start the Auto-demo (stop it with ``stop_demo()`` or ``demo = False``)."""
        with self._lock:
            if self.demo:
                self.demo = False
            self.demo = True
        if play:
            self.play()
        return self

    def stop_demo(self):
        self.demo = False
        return self

    @property
    def demo_phase(self):
        d = self._demo
        return None if d is None else d.phase

    def frame_costs(self) -> np.ndarray:
        """Python seconds spent per published frame (advance + encode), the last 600."""
        with self._lock:
            return np.array(self._costs)

    def close(self):
        if hasattr(self, "_stop"):          # absent when __init__ raised
            self._stop.set()
        if getattr(self, "_chart", None) is not None:
            self._chart.close()
        super().close()

    # ------------------------------------------------------------------ loop ----
    def _run(self):
        last = time.monotonic()
        while not self._stop.is_set():
            t0 = time.monotonic()
            wall = min(0.25, t0 - last)     # a stalled kernel resumes, it does not jump ahead
            last = t0
            try:
                with self._lock:
                    if self.playing:
                        self._advance(self.speed * wall)
                    if self.playing or self._dirty:
                        self._publish(t0)
            except Exception as exc:        # keep animating; the traceback goes to the log once
                if not getattr(self, "_loop_error", None):
                    self._loop_error = repr(exc)
                    self.narrate(f"error in the simulation loop: {exc!r}", kind="error")
            self._stop.wait(max(0.005, 1.0 / MAX_FPS - (time.monotonic() - t0)))

    def _advance(self, seconds):
        if seconds <= 0:
            return
        c0 = time.perf_counter()
        self._twins.step(seconds)
        if self._demo is not None and not self._demo.update():
            self._demo = None
            self.demo = False
        self._sync_pools()
        self._collect_log()
        self._pending_cost = getattr(self, "_pending_cost", 0.0) + time.perf_counter() - c0
        self._dirty = True

    def _sync_pools(self):
        sim = self.simulation
        if self.n_prefill != sim.n_prefill:
            self.n_prefill = sim.n_prefill
        if self.n_decode != sim.n_decode:
            self.n_decode = sim.n_decode

    def _collect_log(self):
        new = []
        for name in ("static", "adaptive"):
            sim = getattr(self._twins, name)
            t_last, seen = self._log_seen[name]
            entries = [e for e in sim.log(since=t_last) if not (e[0] == t_last and e in seen)]
            if entries:
                t_new = entries[-1][0]
                self._log_seen[name] = (t_new, {e for e in entries if e[0] == t_new}
                                        | (seen if t_new == t_last else set()))
                new += [(t, kind, name, text) for t, kind, text in entries]
        if not new:
            return
        new.sort(key=lambda e: e[0])
        both = collections.Counter((t, kind, text) for t, kind, _, text in new)
        shown = set()
        for t, kind, name, text in new:
            key = (t, kind, text)
            if both[key] == 2:          # the same event in both twins (a pool change by hand)
                if key not in shown:
                    shown.add(key)
                    self._log.append((t, kind, text))
            else:
                self._log.append((t, kind, f"{name} · {text}"))
        self._send_info()

    def _send_info(self):
        p = self._profile
        size = re.search(r"(\d+B)", p.model)
        self._info = dict(
            log=[[round(t, 2), k, s] for t, k, s in list(self._log)[-LOG_SEND:]],
            model=p.model.replace("-", "\u2011"), deployment=f"{size.group(1) if size else p.model} "
                                                             f"{p.n_prefill}P/{p.n_decode}D",
            tp=p.tp, predictor=self._predictor, max_seqs=p.max_num_seqs, regimes=list(REGIMES),
            speed_range=list(SPEED_RANGE), modes=list(MODES), mode_load=MODE_LOAD,
            demo_phase=self.demo_phase or "",
        )

    def _publish(self, now, force=False):
        """Send a frame unless one went out less than 1/MAX_FPS ago (the loop sends the rest)."""
        if not force and now - self._last_sent < 1.0 / MAX_FPS:
            return False
        c0 = time.perf_counter()
        self._frame = self._encode()
        self._costs.append(getattr(self, "_pending_cost", 0.0) + time.perf_counter() - c0)
        self._pending_cost = 0.0
        self._last_sent = now
        self._frames_sent += 1
        self._dirty = False
        if self._chart is not None:
            self._chart.point(now, self.concurrency, self._cur["ttft_p99_ms"])
        return True

    def _encode(self) -> bytes:
        tw, sim, p = self._twins, self.simulation, self._profile
        ls, la = tw.static.live(), tw.adaptive.live()
        cur = la if self.adaptive else ls
        self._cur = cur
        det = sim.detector
        t = cur["time"]
        # requests per second over the last 5 simulated seconds
        self._rate.append((t, cur["completed"]))
        while len(self._rate) > 2 and self._rate[0][0] < t - 5.0:
            self._rate.popleft()
        (t0, c0), (t1, c1) = self._rate[0], self._rate[-1]
        rps = (c1 - c0) / (t1 - t0) if t1 > t0 else math.nan
        active_p = cur["prefill_state"] != 0
        active_d = cur["decode_state"] != 0
        # prefill busy fraction: an exponential average of the busy flag sampled every frame
        self._pbusy += 0.15 * (cur["prefill_busy"].astype(float) - self._pbusy)
        self._pbusy[~active_p] = 0.0
        routed = cur["decode_completed"] + cur["decode_assigned"]
        prev = self._prev
        regime_i = REGIMES.index(det["regime"])
        if prev is None or prev["time"] > t:
            routes = {}
            d_routed = d_done = np.zeros(len(routed), int)
        else:
            d_routed = routed - prev["routed"]
            d_done = cur["decode_completed"] - prev["decode_completed"]
            probes = det["polls"] - prev["polls"]
            if sim.planner is not None and sim.planner.enabled:
                probes += len(sim.planner.history) - prev["ticks"]
            kv = int(np.sum(np.clip(cur["prefill_completed"] - prev["prefill_completed"], 0, None)))
            kv += int((cur["kvbm_onboards"] - prev["kvbm_onboards"]).sum())
            kv += int((cur["kvbm_offloads"] - prev["kvbm_offloads"]).sum())
            other = "static · " if self.adaptive else "adaptive · "     # the twin not on stage
            control = sum(1 for e in self._log if e[0] > prev["time"] and e[1] in ("controller", "planner", "pool")
                          and not e[2].startswith(other))
            routes = dict(request_prefill=cur["issued"] - prev["issued"],
                          request_decode=int(np.clip(d_routed, 0, None).sum()),
                          tokens_home=int(np.clip(d_done, 0, None).sum()),
                          kv_freighter=kv, metrics_probe=probes, control_signal=control)
        self._prev = dict(time=t, routed=routed, decode_completed=cur["decode_completed"].copy(),
                          prefill_completed=cur["prefill_completed"].copy(), issued=cur["issued"],
                          polls=det["polls"], ticks=len(sim.planner.history) if sim.planner else 0,
                          kvbm_onboards=cur["kvbm_onboards"], kvbm_offloads=cur["kvbm_offloads"])
        slot = cur["decode_slot_util"]
        scalars = dict(
            tau=sim.tau, omega=sim.omega, concurrency=self.concurrency, rps=rps, in_flight=cur["in_flight"],
            queue=cur["queued_router"] + cur["queued_prefill"] + cur["queued_decode"],
            ttft_p50_ms=cur["ttft_p50_ms"], ttft_p99_ms=cur["ttft_p99_ms"], ewma_ms=det["ewma_ms"],
            theta1_ms=det["theta1_ms"], theta2_ms=det["theta2_ms"], poa_hat=cur["poa_hat"],
            static_ttft_p99_ms=ls["ttft_p99_ms"], adaptive_ttft_p99_ms=la["ttft_p99_ms"],
            static_poa_hat=ls["poa_hat"], adaptive_poa_hat=la["poa_hat"],
            prefill_util=float(self._pbusy[active_p].mean()) if active_p.any() else 0.0,
            decode_util=float(slot[active_d].mean()) if active_d.any() else 0.0,
            gpus_prefill=sim.n_prefill * p.tp, gpus_decode=sim.n_decode * p.tp,
        )
        for i, (b, c) in enumerate(zip(cur["kvbm_blocks"], cur["kvbm_capacity_blocks"])):
            scalars[f"kvbm_g{i + 1}"], scalars[f"kvbm_cap_g{i + 1}"] = float(b), float(c)
        flags = dict(adaptive=self.adaptive, playing=self.playing, planner=self.planner,
                     demo=self._demo is not None, stable=det["stable"])
        prefill = dict(state=cur["prefill_state"], queue=cur["prefill_queue"], busy=cur["prefill_busy"],
                       util=self._pbusy)
        decode = dict(state=cur["decode_state"], running=cur["decode_running"], waiting=cur["decode_waiting"],
                      slot_util=slot, util=cur["decode_util"])
        return encode_frame(t, self._frames_sent, regime_i, det["k"], det["hysteresis"], flags, scalars,
                            prefill, decode, routes, d_routed, d_done)

    # --------------------------------------------------------------- display ----
    def _repr_mimebundle_(self, **kwargs):
        box = self._box()
        bundle = box._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle["text/plain"] = repr(self)
        return bundle

    def _box(self):
        if self._chart is None:
            return widgets.Box([self])
        self.layout = widgets.Layout(flex="1 1 760px", min_width="640px")
        return widgets.Box([self, self._chart.figure],
                           layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="stretch",
                                                 width="100%", gap="8px"))

    def __repr__(self):
        return (f"OrbitsWidget(profile={self._profile.name!r}, seed={self._seed}, mode={self.mode!r}, "
                f"load={self.load:g}, C={self.concurrency}, n_prefill={self.n_prefill}, n_decode={self.n_decode}, "
                f"adaptive={self.adaptive}, planner={self.planner}, speed={self.speed:g})")


class _Chart:
    """The bqplot figure "TTFT p99 vs. concurrency": static and adaptive curves from ``sweep``,
    the "+1 Decode" curve, theta1/theta2, C*, the shaded cost of not adapting and the live point.
    Curves are recomputed on a worker thread whenever N_p or N_d change."""

    def __init__(self, w: OrbitsWidget):
        import bqplot as bq

        self.w = w
        self.bq = bq
        xs = bq.LinearScale(min=8, max=256)
        ys = bq.LogScale(min=30, max=30_000)
        self.scales = dict(x=xs, y=ys)
        grey, text = "#8a93b8", "#c9d1f5"
        ax = bq.Axis(scale=xs, label="C =", tick_values=[8, 128, 256], color=text, label_color=text,
                     grid_lines="none", tick_style={"fill": text, "font-size": "12px"})
        ay = bq.Axis(scale=ys, orientation="vertical", tick_values=[30, 300, 3000, 30000], color=grey,
                     grid_lines="none", tick_format=".0f", tick_style={"font-size": "0px"})
        x = [8, 256]
        self.band = bq.Lines(x=[], y=[], scales=self.scales, fill="between", colors=["#f59e0b", "#f59e0b"],
                             fill_colors=["#f59e0b"], fill_opacities=[0.18], stroke_width=0, opacities=[0, 0])
        self.static = bq.Lines(x=[], y=[], scales=self.scales, colors=["#ff6b6b"], stroke_width=2.5,
                               labels=["Dynamo (static)"], display_legend=True)
        self.adaptive = bq.Lines(x=[], y=[], scales=self.scales, colors=["#4ade80"], stroke_width=2.5,
                                 labels=["Adaptive"], display_legend=True)
        self.plus1 = bq.Lines(x=[], y=[], scales=self.scales, colors=["#60a5fa"], stroke_width=1.5,
                              line_style="dashed", labels=["+1 Decode"], display_legend=True)
        thetas = bq.Lines(x=x, y=[[300, 300], [2000, 2000]], scales=self.scales, colors=["#fbbf24", "#f97316"],
                          line_style="dotted", stroke_width=1)
        cstar = bq.Lines(x=[128, 128], y=[30, 30_000], scales=self.scales, colors=["#a78bfa"],
                         line_style="dash_dotted", stroke_width=1)
        # y tick labels in the seed's units, and the threshold labels at the right end of their lines
        self.labels = bq.Label(x=[222, 230, 131, 10, 10, 10, 10], y=[330, 2200, 40, 33, 330, 3300, 26000],
                               text=["θ₁ 300ms", "θ₂ 2s", "C* 128", "30ms", "300ms", "3s", "30s"],
                               colors=["#fbbf24", "#f97316", "#a78bfa", text, text, text, text],
                               scales=self.scales, default_size=12, font_weight="normal")
        self.band_label = bq.Label(x=[], y=[], text=[], colors=["#f59e0b"], scales=self.scales, default_size=12,
                                   align="middle", font_weight="normal")
        self.op = bq.Scatter(x=[], y=[], scales=self.scales, colors=["#ffffff"], stroke="#ffd166",
                             default_size=90, labels=["operating point"])
        self.figure = bq.Figure(
            marks=[self.band, thetas, cstar, self.static, self.adaptive, self.plus1, self.labels, self.band_label,
                   self.op],
            axes=[ax, ay], title="TTFT p99 vs. concurrency  ·  y: log scale",
            title_style={"fill": "#ffd166", "font-size": "14px"}, background_style={"fill": "#070b1a"},
            legend_location="top", legend_style={"fill": "#0d1330", "stroke": "#2a3366"},
            legend_text={"fill": text}, fig_margin=dict(top=40, bottom=40, left=20, right=14),
            layout=widgets.Layout(flex="1 1 380px", min_width="360px", height="440px"))
        self.figure.add_class("orbits-chart")
        self._want = None
        self._have = None
        self.data = None                # the curves drawn, once computed
        self._last_point = 0.0
        self._cond = threading.Condition()
        self._stop = False
        self.computed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="orbits-chart", daemon=True)
        self._thread.start()
        self.request(w.n_prefill, w.n_decode)

    def request(self, n_p, n_d):
        with self._cond:
            self._want = (n_p, n_d)
            self.computed.clear()
            self._cond.notify()

    def close(self):
        with self._cond:
            self._stop = True
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._stop and self._want == self._have:
                    self._cond.wait()
                if self._stop:
                    return
                want = self._want
            self._draw(*want, self.curves(self.w._profile.name, *want, self.w.max_workers))
            self._have = want
            if self._want == want:
                self.computed.set()

    @staticmethod
    def curves(profile, n_p, n_d, max_workers) -> dict:
        """TTFT p99 (ms) over ``CHART_GRID`` for static, adaptive and adaptive with one more decode
        worker (NaN where nothing completed: an outage)."""
        out = {"c": list(CHART_GRID)}
        if n_p == 0 or n_d == 0:
            return dict(out, static=[], adaptive=[], plus1=[])
        df = sweep(profile, concurrency=CHART_GRID, policy=["static", "adaptive"], seconds=CHART_SECONDS,
                   n_prefill=n_p, n_decode=n_d)
        for pol in ("static", "adaptive"):
            out[pol] = df[df.policy == pol].ttft_p99_ms.tolist()
        out["plus1"] = []
        if n_d + 1 <= max_workers:
            out["plus1"] = sweep(profile, concurrency=CHART_GRID, policy=["adaptive"], seconds=CHART_SECONDS,
                                 n_prefill=n_p, n_decode=n_d + 1).ttft_p99_ms.tolist()
        return out

    def _draw(self, n_p, n_d, cv):
        c = np.array(cv["c"], float)
        clip = lambda ys: np.clip(np.array(ys, float), 30.0, 30_000.0) if len(ys) else np.array([])
        s, a, p1 = clip(cv["static"]), clip(cv["adaptive"]), clip(cv["plus1"])
        with self.figure.hold_sync():
            self.static.x, self.static.y = (c, s) if len(s) else ([], [])
            self.adaptive.x, self.adaptive.y = (c, a) if len(a) else ([], [])
            self.plus1.x, self.plus1.y = (c, p1) if len(p1) else ([], [])
            if len(s) and len(a):
                self.band.x, self.band.y = c, np.vstack([s, a])
                gap = np.log(s) - np.log(a)
                i = int(np.argmax(gap))
                if gap[i] > 0.3:    # label the band where it is widest, when there is a band at all
                    self.band_label.x, self.band_label.y = [c[i] - 40], [float(np.sqrt(s[i] * a[i]))]
                    self.band_label.text = ["cost of not adapting"]
                else:
                    self.band_label.x, self.band_label.y, self.band_label.text = [], [], []
            else:
                self.band.x, self.band.y = [], []
                self.band_label.x, self.band_label.y, self.band_label.text = [], [], []
        self.data = dict(cv, n_prefill=n_p, n_decode=n_d)

    def point(self, now, c, p99):
        """Move the live operating point (at most 5 times a second: it is an ordinary bqplot sync)."""
        if now - self._last_point < 0.2:
            return
        self._last_point = now
        if not math.isfinite(p99):
            data = self.data
            if not data or not len(data["adaptive"] if self.w.adaptive else data["static"]):
                return
            curve = data["adaptive"] if self.w.adaptive else data["static"]
            p99 = float(np.interp(c, data["c"], curve))
        x, y = [float(min(256, max(8, c)))], [float(min(30_000.0, max(30.0, p99)))]
        if list(self.op.x) != x or list(self.op.y) != y:
            with self.op.hold_sync():
                self.op.x, self.op.y = x, y
