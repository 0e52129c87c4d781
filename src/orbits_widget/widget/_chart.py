"""The bqplot figure beside the stage: "TTFT p99 vs. concurrency".

Static and adaptive curves from ``sweep``, the "+1 Decode" and "+1 Prefill" curves, theta1/theta2
and C* of the running simulation (from the page's schema), the shaded cost of not adapting and the
live operating point. Curves are computed on a worker thread of the chart's own (their runs two at a
time: the kernel releases the GIL) whenever the model on the stage (a hypothesis of the bench), N_p, N_d
or the router (tau, omega: the static twin's, the adaptive controller's BELOW row) change, and kept per
(model, pools, router): once the model has been switched, the thread also computes the other models'
curves in the background, so every later switch redraws at once.
"""
from __future__ import annotations

import math
import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..api.sweep import sweep
from ..control import DEFAULT_TABLE

CHART_GRID = [int(c) for c in np.linspace(8, 256, 16)]
CHART_SECONDS = 120.0
X_RANGE = (CHART_GRID[0], CHART_GRID[-1])
Y_RANGE = (30.0, 30_000.0)                 # TTFT p99, ms (log scale)
Y_TICKS = [30, 100, 300, 1000, 3000, 10_000, 30_000]   # shown as plain numbers of ms (",.0f": 1,000 not 1e+3)
Y_TICK_FORMAT = ",.0f"
X_LABEL = "concurrency C (clients)"
Y_LABEL = "TTFT p99 (ms)"
POINT_EVERY = 0.2                          # the live point moves at most 5 times a second


def fmt_ms(ms: float) -> str:
    """300.0 -> "300ms", 2000.0 -> "2s" (the chart's labels)."""
    return f"{ms / 1e3:g}s" if ms >= 1e3 else f"{ms:g}ms"


def static_label(tau: float, omega: float) -> str:
    """The static curve's legend: Dynamo's router at its defaults, else the router's setting."""
    return "Dynamo (static)" if (tau, omega) == (0.0, 1.0) else f"static (τ {tau:g}, ω {omega:g})"


def curves(profile, n_p: int, n_d: int, max_workers: int, tau: float = 0.0, omega: float = 1.0,
           executor=None) -> dict:
    """TTFT p99 (ms) over ``CHART_GRID`` for static (router at ``tau``, ``omega``), adaptive (them as
    its BELOW row) and adaptive with one more decode or one more prefill worker (empty where a pool
    has no worker, an outage, and where the extra worker would exceed ``max_workers``).

    ``profile``: the Profile the twins run (or a profile's name): the curves are simulated with the
    same model, its options included (the Saturation Detector's signal among them), at every call;
    nothing is stored between calls. ``executor``: runs the points (``sweep``'s; the same numbers)."""
    out = {"c": list(CHART_GRID)}
    if n_p == 0 or n_d == 0:
        return dict(out, static=[], adaptive=[], plus1_decode=[], plus1_prefill=[])
    router: dict[str, Any] = {"tau": tau, "omega": omega, "regime_table": dict(DEFAULT_TABLE, BELOW=(tau, omega))}
    df = sweep(profile, concurrency=CHART_GRID, policy=["static", "adaptive"], seconds=CHART_SECONDS,
               n_prefill=n_p, n_decode=n_d, executor=executor, progress=False, **router)
    for pol in ("static", "adaptive"):
        out[pol] = df[df.policy == pol].ttft_p99_ms.tolist()

    def adaptive_with(n_prefill, n_decode):
        if max(n_prefill, n_decode) > max_workers:
            return []
        return sweep(profile, concurrency=CHART_GRID, policy=["adaptive"], seconds=CHART_SECONDS,
                     n_prefill=n_prefill, n_decode=n_decode, executor=executor, progress=False,
                     **router).ttft_p99_ms.tolist()

    out["plus1_decode"] = adaptive_with(n_p, n_d + 1)
    out["plus1_prefill"] = adaptive_with(n_p + 1, n_d)
    return out


class Chart:
    """``figure`` (a bqplot Figure) for ``profile`` (the twins' Profile, or a name); ``schema`` gives
    theta1/theta2 and C*; ``shows_adaptive()`` tells which twin is on the stage (its curve places the live
    point when the twin has no p99 yet). ``request(n_p, n_d, tau, omega)`` draws the curves of the current
    model (computing them unless kept); ``set_profile(profile)`` switches the model; ``computed`` is set once
    the curves of the last request are drawn. ``others``: the profiles of the models the stage can switch
    to, whose curves are computed in the background after the first switch."""

    def __init__(self, profile, schema: dict, max_workers: int, shows_adaptive, n_p: int, n_d: int,
                 tau: float = 0.0, omega: float = 1.0, others=()):
        import bqplot as bq

        self.profile, self.max_workers, self.shows_adaptive = profile, max_workers, shows_adaptive
        xs = bq.LinearScale(min=X_RANGE[0], max=X_RANGE[1])
        ys = bq.LogScale(min=Y_RANGE[0], max=Y_RANGE[1])
        self.scales = sc = {"x": xs, "y": ys}
        grey, text = "#8a93b8", "#c9d1f5"
        th1, th2, knee = schema["theta1_ms"], schema["theta2_ms"], schema["knee_concurrency"]
        knee_shown = X_RANGE[0] <= knee <= X_RANGE[1]
        ticks = sorted({X_RANGE[0], 64, 192, X_RANGE[1]} | ({knee} if knee_shown else set()))
        ticks = [t for t in ticks if t == knee or abs(t - knee) >= 24]       # no tick crowding the knee's
        ax = bq.Axis(scale=xs, label=X_LABEL, tick_values=ticks, tick_format="d", color=text, label_color=text,
                     label_offset="34px", grid_lines="none", tick_style={"fill": text, "font-size": "12px"})
        ay = bq.Axis(scale=ys, orientation="vertical", label=Y_LABEL, tick_values=Y_TICKS, tick_format=Y_TICK_FORMAT,
                     color=grey, label_color=text, label_offset="48px", grid_lines="none",
                     tick_style={"fill": text, "font-size": "12px"})
        self.band = bq.Lines(x=[], y=[], scales=sc, fill="between", colors=["#f59e0b", "#f59e0b"],
                             fill_colors=["#f59e0b"], fill_opacities=[0.18], stroke_width=0, opacities=[0, 0])
        self.static = bq.Lines(x=[], y=[], scales=sc, colors=["#ff6b6b"], stroke_width=2.5,
                               labels=["Dynamo (static)"], display_legend=True)
        self.adaptive = bq.Lines(x=[], y=[], scales=sc, colors=["#4ade80"], stroke_width=2.5,
                                 labels=["Adaptive"], display_legend=True)
        self.plus1_decode = bq.Lines(x=[], y=[], scales=sc, colors=["#60a5fa"], stroke_width=1.5,
                                     line_style="dashed", labels=["+1 Decode"], display_legend=True)
        self.plus1_prefill = bq.Lines(x=[], y=[], scales=sc, colors=["#e879f9"], stroke_width=1.5,
                                      line_style="dashed", labels=["+1 Prefill"], display_legend=True)
        thetas = bq.Lines(x=list(X_RANGE), y=[[th1, th1], [th2, th2]], scales=sc, colors=["#fbbf24", "#f97316"],
                          line_style="dotted", stroke_width=1)
        cstar = bq.Lines(x=[knee, knee] if knee_shown else [], y=list(Y_RANGE) if knee_shown else [], scales=sc,
                         colors=["#a78bfa"], line_style="dash_dotted", stroke_width=1)
        # the threshold labels above the left end of their lines (the curves are low there, the legend
        # above them), C* beside its line at the bottom
        lx, ly = [X_RANGE[0] + 2] * 2, [1.12 * th1, 1.12 * th2]
        lt, lc = [f"θ₁ {fmt_ms(th1)}", f"θ₂ {fmt_ms(th2)}"], ["#fbbf24", "#f97316"]
        if knee_shown:
            lx, ly, lt, lc = lx + [knee + 3], ly + [40], lt + [f"C* {knee}"], lc + ["#a78bfa"]
        self.labels = bq.Label(x=lx, y=ly, text=lt, colors=lc, scales=sc, default_size=12, font_weight="normal")
        self.band_label = bq.Label(x=[], y=[], text=[], colors=["#f59e0b"], scales=sc, default_size=12,
                                   align="middle", font_weight="normal")
        self.op = bq.Scatter(x=[], y=[], scales=sc, colors=["#ffffff"], stroke="#ffd166",
                             default_size=90, labels=["operating point"])
        self.figure = bq.Figure(
            marks=[self.band, thetas, cstar, self.static, self.adaptive, self.plus1_decode, self.plus1_prefill,
                   self.labels, self.band_label, self.op],
            axes=[ax, ay], title="TTFT p99 vs. concurrency  ·  y: log scale",
            title_style={"fill": "#ffd166", "font-size": "14px"}, background_style={"fill": "#070b1a"},
            # top left: the curves start at the bottom there (low C, low TTFT), far from theta2
            legend_location="top-left", legend_style={"fill": "#0d1330", "stroke": "#2a3366"},
            legend_text={"fill": text}, fig_margin={"top": 40, "bottom": 52, "left": 70, "right": 14},
            layout=widgets.Layout(flex="1 1 380px", min_width="360px", height="440px"))
        self.figure.add_class("orbits-chart")
        self._want = None
        self._have = None
        self.data = None                # the curves drawn, once computed
        self.kept: dict[tuple, dict] = {}       # (profile, n_p, n_d, tau, omega) -> curves
        self.others = list(others)
        self._prefetch = False          # the stage has switched models: compute the others' curves too
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="orbits-chart-run")
        self._last_point = 0.0
        self._cond = threading.Condition()
        self._stop = False
        self.computed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="orbits-chart", daemon=True)
        self._thread.start()
        self.request(n_p, n_d, tau, omega)

    def request(self, n_p, n_d, tau=0.0, omega=1.0):
        with self._cond:
            self._want = (self.profile, n_p, n_d, float(tau), float(omega))
            self.computed.clear()
            self._cond.notify()

    def set_profile(self, profile):
        """Draw the curves of another model (the same pools and router); from now on the others' are
        computed in the background too."""
        with self._cond:
            self.profile = profile
            self._prefetch = True
            want = self._want
        if want is not None:
            self.request(*want[1:])

    def start_prefetch(self):
        """Compute the other models' curves whenever the thread is idle (the widget plays: a user may switch)."""
        with self._cond:
            self._prefetch = True
            self._cond.notify()

    def idle(self) -> bool:
        """Nothing left to compute: the wanted curves are drawn and, once prefetching, every model's are kept."""
        with self._cond:
            return self._want == self._have and self._next_prefetch() is None

    def close(self):
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _compute(self, key, background=False):
        """The curves of ``key``: kept, or computed (the runs of the one wanted now two at a time, a background
        one's one at a time, to leave the stage its core)."""
        profile, n_p, n_d, tau, omega = key
        if key not in self.kept:
            self.kept[key] = curves(profile, n_p, n_d, self.max_workers, tau, omega,
                                    executor=None if background else self._pool)
        return self.kept[key]

    def _next_prefetch(self):
        """A model whose curves for the drawn pools and router are not kept yet (None: nothing to do)."""
        if not self._prefetch or self._have is None:
            return None
        for profile in self.others:
            key = (profile,) + self._have[1:]
            if key not in self.kept:
                return key
        return None

    def _run(self):
        while True:
            with self._cond:
                while not self._stop and self._want == self._have and self._next_prefetch() is None:
                    self._cond.wait()
                if self._stop:
                    return
                want = self._want
            if want != self._have:
                try:
                    cv = self._compute(want)
                except (RuntimeError, CancelledError):
                    if self._stop:      # closed mid-computation: its executor refuses or cancels runs
                        return
                    raise
                self._draw(*want[1:], cv)
                self._have = want
                if self._want == want:
                    self.computed.set()
                continue
            key = self._next_prefetch()           # idle: one other model's curves, then look again
            if key is not None:
                try:
                    self._compute(key, background=True)
                except (RuntimeError, CancelledError):
                    if self._stop:
                        return
                    raise

    def _draw(self, n_p, n_d, tau, omega, cv):
        c = np.array(cv["c"], float)

        def clip(ys):
            return np.clip(np.array(ys, float), *Y_RANGE) if len(ys) else np.array([])

        s, a = clip(cv["static"]), clip(cv["adaptive"])
        plus_d, plus_p = clip(cv["plus1_decode"]), clip(cv["plus1_prefill"])
        with self.figure.hold_sync():
            self.static.x, self.static.y = (c, s) if len(s) else ([], [])
            self.adaptive.x, self.adaptive.y = (c, a) if len(a) else ([], [])
            self.plus1_decode.x, self.plus1_decode.y = (c, plus_d) if len(plus_d) else ([], [])
            self.plus1_prefill.x, self.plus1_prefill.y = (c, plus_p) if len(plus_p) else ([], [])
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
            self.static.labels = [static_label(tau, omega)]
        self.data = dict(cv, n_prefill=n_p, n_decode=n_d, tau=tau, omega=omega)

    def point(self, now, c, p99):
        """Move the live operating point (at most 5 times a second: it is an ordinary bqplot sync)."""
        if now - self._last_point < POINT_EVERY:
            return
        self._last_point = now
        if not math.isfinite(p99):
            data = self.data
            curve = (data["adaptive"] if self.shows_adaptive() else data["static"]) if data else []
            if not len(curve):
                return
            p99 = float(np.interp(c, data["c"], curve))
        x, y = [float(min(X_RANGE[1], max(X_RANGE[0], c)))], [float(min(Y_RANGE[1], max(Y_RANGE[0], p99)))]
        if list(self.op.x) != x or list(self.op.y) != y:
            with self.op.hold_sync():
                self.op.x, self.op.y = x, y
