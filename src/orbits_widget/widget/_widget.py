"""``OrbitsWidget``: "The orbits of Anarchy" in a notebook cell, in two-way sync with Python.

This module holds the traits (the controls the page and Python share), their validation and the
public methods; the work is done elsewhere: ``_runner`` advances the twins on a thread and
publishes frames (``_assembly``, ``_frames``), ``_schema`` is the contract with the page,
``_chart`` the bqplot chart beside it, ``_demo`` the Auto-demo and ``_workload`` the workload (the
paper's closed loop or an open loop). The stage shows one of two ``Twins`` (static and adaptive on
common random numbers): ``adaptive`` chooses which, and "Adaptive vs. static" always shows both.
``load_config`` puts any configuration of ``ow.plan`` on the stage.
"""
from __future__ import annotations

import contextlib
import math
import os
import pathlib
import threading

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets as T

from .. import profiles as _profiles
from .._validate import check_number
from ..api.simulation import DEFAULT_OMEGA, DEFAULT_TAU, POLICIES
from ..api.twins import Twins
from ..control.planner import PREDICTORS
from ..hypotheses.catalog import DEFAULT as DEFAULT_HYPOTHESIS
from ..hypotheses.catalog import HYPOTHESES, choices, profile_for
from . import _recording, _workload
from ._chart import Chart, curves
from ._runner import Runner
from ._schema import MODE_LOAD, MODES, SPEED_RANGE, mode_for_load

STATIC = pathlib.Path(__file__).parent / "static"
RECORD_MAX_SECONDS = 3600.0     # simulated seconds in one recording
DEMO_MAX_SECONDS = 900.0        # the Auto-demo ends on what the simulation does; this only keeps it finite
C_MAX_RANGE = (1, _workload.MAX_CONCURRENCY)
ROUTER_MAX = 1e6                # tau and omega, as Simulation.set_router allows
CONFIG_KEYS = ("profile", "n_prefill", "n_decode", "tau", "omega", "policy", "planner", "workload")


class _Explained:
    """Mixin for a trait type of the widget.

    A value it rejects (wrong type, a bool where a number is asked, NaN or infinity, outside
    ``min``/``max`` or the ``Enum``'s values) raises ``TraitError("<name>: must be <allowed>, got
    <value>")``; ``allowed`` may name the widget's other attributes, e.g. ``{obj.max_workers}``.

    ``set`` (every write: ``w.x = v``, ``set_trait``, the page's ``set_state``) holds the widget's
    lock, which the runner's loop holds too, across validation, storing and the observers that
    apply the value to the simulation: the loop never sees a trait that its observer has not
    applied yet, and a rejected value changes nothing."""

    def __init__(self, *args, allowed: str, reject_bool: bool = False, **kwargs):
        self.allowed, self.reject_bool = allowed, reject_bool
        super().__init__(*args, **kwargs)

    def explain(self, obj, value) -> T.TraitError:
        return T.TraitError(f"{self.name}: must be {self.allowed.format(obj=obj)}, got {value!r}")

    def validate(self, obj, value):
        try:
            if self.reject_bool and isinstance(value, (bool, np.bool_)):
                raise T.TraitError
            v = super().validate(obj, value)
            lo, hi = getattr(self, "min", None), getattr(self, "max", None)
            if (lo is not None and not lo <= v) or (hi is not None and not v <= hi):     # NaN too
                raise T.TraitError
            if isinstance(v, float) and not math.isfinite(v):
                raise T.TraitError
        except T.TraitError:
            raise self.explain(obj, value) from None
        return v

    def set(self, obj, value):
        with obj._lock:
            super().set(obj, value)


class _Float(_Explained, T.Float):
    pass


class _Int(_Explained, T.Int):
    pass


class _Enum(_Explained, T.Enum):
    pass


class _Bool(_Explained, T.Bool):
    """True or False only (not 0/1, not strings)."""

    def validate(self, obj, value):
        if not isinstance(value, (bool, np.bool_)):
            raise self.explain(obj, value)
        return bool(value)


class OrbitsWidget(anywidget.AnyWidget):
    """The stage (this object, with the synced traits) and the bqplot chart, shown together.

    Parameters: ``profile`` (a name of ``profiles.names()``), ``seed``, ``autoplay`` (start
    playing), ``c_max`` (concurrency at load 1.0), ``mode`` or ``load``, ``speed``, ``planner``
    (on at start), ``predictor`` (the Planner's load predictor), ``chart`` (build the bqplot
    figure), ``tau``/``omega`` (the router), ``workload`` (None: the paper's closed loop at
    ``load``; or ``{"kind": "paper", "concurrency": C}``, ``{"kind": "trace", "trace": Trace,
    "scale": s}``, ``{"kind": "rate", "rate": r}``, see ``set_workload``). A background thread
    advances the simulation until ``close()``."""

    _esm = STATIC / "widget.js"

    load = _Float(MODE_LOAD["idle"], min=0.0, max=1.0, allowed="a number in [0, 1]", reject_bool=True,
                  help="offered load 0..1: concurrency = round(load * c_max); the mode tab follows").tag(sync=True)
    mode = _Enum(MODES, default_value="idle", allowed=f"one of {list(MODES)}",
                 help="load regime tab; setting it sets load to MODE_LOAD[mode]").tag(sync=True)
    n_prefill = _Int(1, min=0, allowed="an integer in [0, {obj.max_workers}] (0 = outage)", reject_bool=True,
                     help="prefill workers of both twins, 0..max_workers (0 = outage)").tag(sync=True)
    n_decode = _Int(2, min=0, allowed="an integer in [0, {obj.max_workers}] (0 = outage)", reject_bool=True,
                    help="decode workers of both twins, 0..max_workers (0 = outage)").tag(sync=True)
    adaptive = _Bool(False, allowed="True or False",
                     help="the stage shows the adaptive twin (else the static one)").tag(sync=True)
    planner = _Bool(False, allowed="True or False", help="the Planner scales the pools of both twins").tag(sync=True)
    playing = _Bool(False, allowed="True or False",
                    help="the simulation advances (speed simulated seconds per second)").tag(sync=True)
    speed = _Float(4.0, min=SPEED_RANGE[0], max=SPEED_RANGE[1],
                   allowed=f"in [{SPEED_RANGE[0]}, {SPEED_RANGE[1]}] simulated seconds per second", reject_bool=True,
                   help="simulated seconds per wall second while playing").tag(sync=True)
    demo = _Bool(False, allowed="True or False", help="the Auto-demo is running; set False to stop it").tag(sync=True)
    tau = _Float(DEFAULT_TAU, min=0.0, max=ROUTER_MAX, allowed=f"a number in [0, {ROUTER_MAX:.0f}]", reject_bool=True,
                 help="router temperature (0 = argmin): the static twin's, and the adaptive controller's BELOW "
                      "row").tag(sync=True)
    omega = _Float(DEFAULT_OMEGA, min=0.0, max=ROUTER_MAX, allowed=f"a number in [0, {ROUTER_MAX:.0f}]",
                   reject_bool=True, help="router overlap weight: the static twin's, and the adaptive controller's "
                                          "BELOW row").tag(sync=True)
    hypothesis = _Enum(list(HYPOTHESES), default_value=DEFAULT_HYPOTHESIS, allowed=f"one of {list(HYPOTHESES)}",
                       help="the model on the stage: a row of the hypothesis bench (ow.hypotheses.HYPOTHESES; the "
                            "default is the bench's choice, 'today' the model before it); switching restarts both "
                            "twins at t = 0 on the same seed").tag(sync=True)
    c_max = _Int(256, min=C_MAX_RANGE[0], max=C_MAX_RANGE[1], allowed=f"an integer in [{C_MAX_RANGE[0]}, "
                 f"{C_MAX_RANGE[1]}]", reject_bool=True, help="concurrency (clients) at load 1.0").tag(sync=True)
    max_workers = _Int(8, min=1, max=255, reject_bool=True,
                       allowed="the profile's max_workers, an integer in [{obj._max_workers}, {obj._max_workers}] "
                               "(read-only)",
                       help="the most workers a pool can have: the profile's (read-only)").tag(sync=True)
    _frame = T.Bytes(b"", help="the newest binary frame (_frames.py)").tag(sync=True)
    _schema = T.Dict(help="the contract the page reads (_schema.page_schema)").tag(sync=True)
    _mission_log = T.List(help="the last mission-log lines: [time s, kind, text]").tag(sync=True)
    _recording = T.Bytes(b"", help="the last recording (record(), _recording.py): frames, log and chart in one "
                                   "buffer, saved with the notebook's widget state").tag(sync=True)
    _workload = T.Dict({"kind": "paper", "text": ""},
                       help="the workload as the page shows it: kind (paper, trace, rate) and a line of text "
                            "(_workload.describe)").tag(sync=True)

    def __init__(self, profile="nemotron-340b-1p2d", seed=0, autoplay=True, c_max=256, mode="idle", speed=4.0,
                 planner=False, predictor="kalman", chart=True, load=None, workload=None,
                 hypothesis=DEFAULT_HYPOTHESIS, **kwargs):
        base = _profiles.get(profile)
        if not isinstance(hypothesis, str) or hypothesis not in HYPOTHESES:
            raise T.TraitError(f"hypothesis: must be one of {list(HYPOTHESES)}, got {hypothesis!r}")
        self._base_profile = base
        prof = profile_for(hypothesis, base)
        if not isinstance(predictor, str) or predictor not in PREDICTORS:
            raise T.TraitError(f"predictor: must be one of {list(PREDICTORS)}, got {predictor!r}")
        seed = check_number("seed", seed, 0, 2**63 - 1, integer=True)
        wl = _workload.normalize(workload)
        if isinstance(wl, tuple) and load is not None:
            raise ValueError("load: give the load or a paper workload's concurrency, not both")
        self._runner = None
        self._chart = None
        # one lock for every trait write (validate, store, apply) and the runner's loop
        self._lock = threading.RLock()
        self._max_workers = prof.max_workers
        kwargs.setdefault("n_prefill", prof.n_prefill)
        kwargs.setdefault("n_decode", prof.n_decode)
        super().__init__(c_max=c_max, max_workers=prof.max_workers, hypothesis=hypothesis, **kwargs)
        self._runner = Runner(self, prof, seed, predictor, lock=self._lock)
        self._schema = self._runner.schema()
        self.speed = speed
        if load is None:
            self.mode = mode
            self.load = MODE_LOAD[mode]
        else:
            self.load = load            # the mode tab follows the load's band
        self.planner = planner
        if wl is not None:
            self.set_workload(workload)
        if chart:
            self._chart = self._runner.chart = Chart(prof, self._schema, self.max_workers,
                                                     lambda: self.adaptive, self.n_prefill, self.n_decode,
                                                     self.tau, self.omega,
                                                     others=[profile_for(h, base) for h in HYPOTHESES])
        self._runner.start()
        self.playing = bool(autoplay)

    # ----------------------------------------------------------------- readers ----
    @property
    def runner(self) -> Runner:
        """The loop behind the stage: its lock, the frames it encodes and sends, their cost (for
        tests and benchmarks; the traits are the way to drive the widget)."""
        return self._runner

    @property
    def chart(self) -> Chart | None:
        """The bqplot chart beside the stage (None when built with ``chart=False``)."""
        return self._chart

    @property
    def twins(self) -> Twins:
        return self._runner.twins

    @property
    def simulation(self):
        """The simulation on the stage: the adaptive twin or the static one."""
        return self._runner.simulation

    @property
    def concurrency(self) -> int | None:
        """Closed-loop clients C = round(load x c_max); None in an open loop (a trace or a rate)."""
        if self._runner is not None and self._runner.open_loop is not None:
            return None
        return round(self.load * self.c_max)

    @property
    def workload(self) -> dict:
        """The workload on the stage: ``{"kind": "paper", "concurrency": C}`` (the closed loop the load
        sets), ``{"kind": "trace", "trace": Trace, "scale": s}`` or ``{"kind": "rate", "rate": r}``."""
        ol = self._runner.open_loop
        return {"kind": "paper", "concurrency": self.concurrency} if ol is None else dict(ol)

    @property
    def demo_phase(self):
        d = self._runner.demo if self._runner is not None else None
        return None if d is None else d.phase

    def log(self, last: int | None = None) -> list[tuple[float, str, str]]:
        """The mission log: (simulated time s, kind, text), oldest first (at most 200 lines); with
        ``last`` (an integer >= 0) only the last ``last`` lines."""
        if last is not None:
            last = check_number("last", last, 0, math.inf, integer=True)
        with self._runner.lock:
            out = list(self._runner.log)
        return out if last is None else out[len(out) - min(last, len(out)):]

    def narrate(self, text: str, kind: str = "demo"):
        """Add a line to the mission log at the current simulated time."""
        self._runner.narrate(text, kind)

    def frame_costs(self) -> np.ndarray:
        """Python seconds spent per published frame (advance + encode), the last 600."""
        with self._runner.lock:
            return np.array(self._runner.costs)

    # ------------------------------------------------------------- validation ----
    # Every trait write holds the widget's lock (``_Explained.set``; the page's writes through
    # ``set_state`` and ``hold_trait_notifications`` below) from validation to the end of the
    # observers, which apply the value to both twins: the loop thread holds the same lock, so it
    # sees either the old value everywhere or the new one everywhere.

    def set_state(self, sync_data):
        """The page's writes: validated and applied under the lock, like Python's."""
        with self._lock:
            super().set_state(sync_data)

    @contextlib.contextmanager
    def hold_trait_notifications(self):
        with self._lock, super().hold_trait_notifications():
            yield

    @T.validate("n_prefill", "n_decode")
    def _v_pool(self, proposal):
        v, trait = proposal["value"], proposal["trait"]
        if not v <= self.max_workers:
            raise trait.explain(self, v)
        return v

    @T.validate("load", "mode")
    def _v_closed_loop(self, proposal):
        # in an open loop the arrivals set the load: the slider and the tabs have nothing to move
        r, trait, v = self._runner, proposal["trait"], proposal["value"]
        if r is not None and r.open_loop is not None and v != getattr(self, trait.name):
            raise T.TraitError(f"{trait.name}: the widget runs an open loop ({self._workload['text']}), whose "
                               f"arrivals set the load; set_workload(None) or load_config() with a paper "
                               f"workload returns to the closed loop of C clients, got {v!r}")
        return v

    @T.validate("max_workers")
    def _v_max_workers(self, proposal):
        if proposal["value"] != self._max_workers:
            raise proposal["trait"].explain(self, proposal["value"])
        return proposal["value"]

    # -------------------------------------------------------------- observers ----
    # They run with the lock held (by the write that changed the trait).
    @T.observe("load", "c_max")
    def _on_load(self, change):
        r = self._runner
        if r is None:
            return
        if r.open_loop is None and not r.loading:       # (c_max may change in an open loop: nothing to apply)
            r.twins.set_concurrency(self.concurrency)
        m = mode_for_load(self.load)
        if m != self.mode:
            self.mode = m
        r.dirty = True

    @T.observe("mode")
    def _on_mode(self, change):
        if mode_for_load(self.load) != self.mode:
            self.load = MODE_LOAD[self.mode]
        r = self._runner
        if r is not None:
            r.narrate(f"mode {self.mode.upper()}: C = {self.concurrency} clients", kind="mode")

    @T.observe("n_prefill", "n_decode")
    def _on_pool(self, change):
        r = self._runner
        if r is None:
            return
        if not r.syncing and not r.loading:     # a write from Python or the page: both twins, now
            r.twins.set_workers(**{change["name"]: change["new"]})
            r.pools_seen()
        # else the runner is copying the simulation's own move (the Planner's) into the trait, or
        # load_config is setting the traits of twins it has built with them
        self._request_chart()
        r.dirty = True

    @T.observe("adaptive")
    def _on_adaptive(self, change):
        r = self._runner
        if r is None:
            return
        if r.loading:
            return
        r.narrate("stage shows the adaptive twin: the Saturation Detector sets (τ, ω)" if change["new"]
                  else "stage shows the static twin: Dynamo's router keeps (τ, ω)", kind="switch")
        r.sync_pools(switched=True)
        r.dirty = True

    def _request_chart(self):
        if self._chart is not None:
            self._chart.request(self.n_prefill, self.n_decode, self.tau, self.omega)

    @T.observe("tau", "omega")
    def _on_router(self, change):
        r = self._runner
        if r is None:
            return
        self._request_chart()           # its curves are of this router (also while load_config sets it)
        if r.loading:
            return
        r.set_router(self.tau, self.omega)
        r.narrate(f"router (τ, ω) = ({self.tau:g}, {self.omega:g}): the static twin's, and the adaptive "
                  "controller's BELOW row", kind="router")
        r.dirty = True

    @T.observe("hypothesis")
    def _on_hypothesis(self, change):
        r = self._runner
        if r is None or r.loading:
            return
        r.profile = profile_for(change["new"], self._base_profile)
        self.reset()                    # both twins from t = 0, same seed; stops the Auto-demo
        if self._chart is not None:
            self._chart.set_profile(r.profile)
        label = next(c["label"] for c in choices() if c["name"] == change["new"])
        r.narrate(f"model {change['new']} ({label}): both twins restart at t = 0 on seed {r.seed}", kind="config")

    @T.observe("planner")
    def _on_planner(self, change):
        r = self._runner
        if r is None or r.loading:
            return
        r.set_planner(change["new"])
        r.narrate(f"Planner {'on' if change['new'] else 'off'} ({r.predictor} predictor)", kind="planner")
        r.dirty = True

    @T.observe("playing")
    def _on_playing(self, change):
        r = self._runner
        if r is None:
            return
        if change["new"] and r.replay_over:     # play after a finished trace replay: replay it from t = 0
            self.reset()
        r.dirty = True

    @T.observe("demo")
    def _on_demo(self, change):
        r = self._runner
        if r is None:
            return
        if change["new"] and r.demo is None:
            r.start_demo()
        elif not change["new"] and r.demo is not None:
            if r.demo.phase != "done":
                r.narrate("Auto-demo stopped")
            r.demo = None
        r.dirty = True

    # ---------------------------------------------------------------- methods ----
    def play(self):
        self.playing = True
        return self

    def pause(self):
        self.playing = False
        return self

    def step(self, seconds: float):
        """Advance both twins by ``seconds`` of simulated time now (also while paused)."""
        seconds = check_number("seconds", seconds, 0.0, 1e9)
        r = self._runner
        with r.lock:
            r.advance(seconds)
            r.publish(r.clock())
        return self

    def reset(self, keep_demo=False):
        """Back to t = 0 with the current controls (stops the Auto-demo)."""
        r = self._runner
        with r.lock:
            if not keep_demo and self.demo:
                self.demo = False
            r.log.clear()
            r.build()
            self._schema = r.schema()
            r.send_log()
            r.publish(r.clock(), force=True)
        return self

    def set_workload(self, workload):
        """Run ``workload`` from t = 0 (the controls kept): None or ``{"kind": "paper", "concurrency": C}``
        for the paper's closed loop (C sets the load, raising ``c_max`` when C exceeds it), or an open
        loop: ``{"kind": "trace", "trace": Trace, "scale": s}`` replays the trace (already scaled: ``s``
        only names the factor; a path to a Mooncake JSONL file also does) at its timestamps, ``{"kind":
        "rate", "rate": r}`` sends Poisson arrivals at r req/s. In an open loop the load and the mode
        tabs do not apply: the page shows them disabled and writing ``load`` or ``mode`` raises
        ``TraitError``; ``concurrency`` is None and the frame and the chart's live point carry the
        measured mean in-flight requests instead. A finished replay pauses the widget."""
        self._set_workload(workload)
        return self

    def _set_workload(self, workload, keep_demo=False):
        wl = _workload.normalize(workload)
        self._install({}, wl, f"workload: {self._describe(wl)}", keep_demo=keep_demo)

    def load_config(self, cfg: dict):
        """Put one configuration on the stage, from t = 0: ``cfg`` as ``Plan.config(label)`` gives it,
        ``{"profile", "n_prefill", "n_decode", "tau", "omega", "policy", "planner", "workload"}``. Sets
        the pools, the router (the static twin's (tau, omega), the adaptive controller's BELOW row),
        ``adaptive`` (policy == "adaptive": the stage shows the adaptive twin), ``planner`` and the
        workload (see ``set_workload``), and says what it loaded in the mission log. The profile must
        be the widget's; anything missing or out of range raises ValueError and changes nothing."""
        r = self._runner
        if not isinstance(cfg, dict):
            raise ValueError(f"cfg: must be a dict with the keys {list(CONFIG_KEYS)}, got {type(cfg).__name__}")
        missing, extra = [k for k in CONFIG_KEYS if k not in cfg], sorted(set(cfg) - set(CONFIG_KEYS))
        if missing or extra:
            raise ValueError(f"cfg: needs exactly the keys {list(CONFIG_KEYS)}; missing {missing}, unknown {extra}")
        if cfg["profile"] != r.profile.name:
            raise ValueError(f"cfg['profile']: this widget simulates {r.profile.name!r}, got {cfg['profile']!r}; "
                             f"load it into OrbitsWidget(profile={cfg['profile']!r})")
        mw = self.max_workers
        n_p = check_number("cfg['n_prefill']", cfg["n_prefill"], 0, mw, integer=True)
        n_d = check_number("cfg['n_decode']", cfg["n_decode"], 0, mw, integer=True)
        tau = check_number("cfg['tau']", cfg["tau"], 0.0, ROUTER_MAX)
        omega = check_number("cfg['omega']", cfg["omega"], 0.0, ROUTER_MAX)
        if cfg["policy"] not in POLICIES:
            raise ValueError(f"cfg['policy']: must be one of {list(POLICIES)}, got {cfg['policy']!r}")
        if not isinstance(cfg["planner"], (bool, np.bool_)):
            raise ValueError(f"cfg['planner']: must be True or False, got {cfg['planner']!r}")
        wl = _workload.normalize(cfg["workload"])
        adaptive, planner = cfg["policy"] == "adaptive", bool(cfg["planner"])
        router = f"(τ, ω) = ({tau:g}, {omega:g})" + (" as the controller's BELOW row" if adaptive else "")
        text = (f"loaded {cfg['policy']} {n_p}P/{n_d}D, {router}, Planner {'on' if planner else 'off'}, "
                f"{self._describe(wl)}")
        # the plan's Planner moves the configuration's own workers between the pools: so does this one
        self._install(dict(n_prefill=n_p, n_decode=n_d, tau=tau, omega=omega, adaptive=adaptive, planner=planner),
                      wl, text, planner_budget=max(2, n_p + n_d))
        return self

    def _describe(self, wl) -> str:
        if wl is None:
            return f"closed loop, C = {round(self.load * self.c_max)} clients"
        if isinstance(wl, tuple):
            return f"closed loop, C = {wl[1]} clients"
        return "open loop, " + _workload.describe(wl)["text"]

    def _install(self, values: dict, wl, text: str, keep_demo=False, planner_budget=None):
        """Set the traits ``values`` and the workload ``wl`` (``_workload.normalize``'s) and restart both
        twins at t = 0 with them. The twins are built first: if that fails (a trace that does not fit
        the profile) nothing has changed."""
        r = self._runner
        with r.lock:
            c_max, load = self.c_max, self.load
            open_loop = wl if isinstance(wl, dict) else None
            if isinstance(wl, tuple):                   # the paper's closed loop at exactly C clients
                c = wl[1]
                c_max = max(c_max, c)
                load = c / c_max
            v = {"n_prefill": self.n_prefill, "n_decode": self.n_decode, "tau": self.tau, "omega": self.omega, **values}
            twins = r.make_twins(v["n_prefill"], v["n_decode"], v["tau"], v["omega"], open_loop,
                                 round(load * c_max), planner_budget)
            if self.demo and not keep_demo:
                self.demo = False
            r.loading = True            # the observers leave the twins alone: the new ones have these values
            try:
                r.open_loop = open_loop
                if planner_budget is not None:
                    r.planner_budget = planner_budget
                self._workload = _workload.describe(open_loop)
                self.c_max = c_max
                self.load = load
                for name, value in values.items():
                    setattr(self, name, value)
            finally:
                r.loading = False
            r.log.clear()
            r.build(twins)
            self._schema = r.schema()
            r.collect_log()             # the new twins' own t = 0 lines first: what was loaded is said last
            r.narrate(text, kind="config")
            r.publish(r.clock(), force=True)

    # -------------------------------------------------------------- recording ----
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

    def _record(self, seconds, speed, until=None, demo=False):
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
                self._recording = _recording.capture(r, seconds, speed, meta, until=until)
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
        rec = _recording.decode(self._recording)
        m = rec["meta"]
        return {"bytes": len(self._recording), "frames": len(rec["frames"]), "fps": rec["fps"],
                "speed": rec["speed"], "t0": m["t0"], "t1": m["t1"], "log_lines": len(m["log"]), "demo": m["demo"]}

    def save_html(self, path, title: str | None = None) -> str:
        """Write the recording as one standalone HTML file that plays it in any browser: the page's
        code and the recording inline, system fonts, and a Content-Security-Policy that lets no
        request leave the file. Returns the path. Record first (``record``, ``record_demo``)."""
        if not self._recording:
            raise ValueError("save_html: nothing recorded yet; call record(seconds) or record_demo() first")
        if title is not None and not isinstance(title, str):
            raise ValueError(f"title: must be a string, got {title!r}")
        html = _recording.standalone_html(self._recording, (STATIC / "widget.js").read_text(encoding="utf-8"),
                                          (STATIC / "standalone.js").read_text(encoding="utf-8"), title)
        path = os.fspath(path)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(html)
        return path

    def run_demo(self, play=True):
        """Start the Auto-demo (stop it with ``stop_demo()`` or ``demo = False``)."""
        with self._runner.lock:
            if self.demo:
                self.demo = False
            self.demo = True
        if play:
            self.play()
        return self

    def stop_demo(self):
        self.demo = False
        return self

    def close(self):
        """Stop the simulation thread and the chart's, and close the widget."""
        if getattr(self, "_runner", None) is not None:      # absent when __init__ raised
            self._runner.stop(timeout=2.0)
        if getattr(self, "_chart", None) is not None:
            self._chart.close()
        super().close()

    # --------------------------------------------------------------- display ----
    def _ipython_display_(self, **kwargs):
        """Two outputs: the widget, and the player an HTML export of the notebook shows in its place
        where no kernel runs (``_recording.offline_output``; in a live notebook it does nothing)."""
        from IPython.display import publish_display_data
        publish_display_data(self._repr_mimebundle_())
        publish_display_data(_recording.offline_output(self.model_id,
                                                       (STATIC / "standalone.js").read_text(encoding="utf-8")))

    def _repr_mimebundle_(self, **kwargs):
        box = self._box()
        bundle = box._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle["text/plain"] = repr(self)
        return bundle

    def _box(self):
        # the stage reflows itself down to 560 px (a container query in js/view/style.js, which gives the
        # widget no width of its own: the box gives it the row's); the chart goes beside it when there is
        # room for both at their comfortable widths, else below it
        self.layout = widgets.Layout(flex="1 1 900px", min_width="0")
        row = widgets.Layout(display="flex", flex_flow="row wrap", align_items="stretch", width="100%", gap="8px")
        if self._chart is None:
            return widgets.Box([self], layout=row)
        return widgets.Box([self, self._chart.figure], layout=row)

    def __repr__(self):
        r = self._runner
        load = (f"mode={self.mode!r}, load={self.load:g}, C={self.concurrency}" if r.open_loop is None
                else f"workload={self._workload['text']!r}")
        return (f"OrbitsWidget(profile={r.profile.name!r}, hypothesis={self.hypothesis!r}, seed={r.seed}, {load}, "
                f"n_prefill={self.n_prefill}, "
                f"n_decode={self.n_decode}, tau={self.tau:g}, omega={self.omega:g}, adaptive={self.adaptive}, "
                f"planner={self.planner}, speed={self.speed:g})")
