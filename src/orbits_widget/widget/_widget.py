"""``OrbitsWidget``: "The orbits of Anarchy" in a notebook cell, in two-way sync with Python.

This module holds the traits (the controls the page and Python share; their types in ``_traits``),
their validation, the observers that apply them and the public methods; the work is done
elsewhere: ``_runner`` advances the twins on a thread and publishes frames (``_assembly``,
``_frames``), ``_schema`` is the contract with the page, ``_chart`` the bqplot chart beside it,
``_demo`` the Auto-demo, ``_workload`` the workload (the paper's closed loop or an open loop) and
``load_config``, ``_recording`` the recordings. The stage shows one of two ``Twins`` (static and
adaptive on common random numbers): ``adaptive`` chooses which, and "Adaptive vs. static" always
shows both. ``load_config`` puts any configuration of ``ow.plan`` on the stage.
"""
from __future__ import annotations

import contextlib
import math
import threading

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets as T

from .. import profiles as _profiles
from .._validate import check_number
from ..api.deployment import ROUTER_MAX
from ..api.simulation import DEFAULT_OMEGA, DEFAULT_TAU
from ..api.twins import Twins
from ..control.planner import PREDICTORS
from ..hypotheses.catalog import DEFAULT as DEFAULT_HYPOTHESIS
from ..hypotheses.catalog import HYPOTHESES, choices, profile_for
from . import _workload
from ._chart import Chart
from ._recording import STATIC, Recording
from ._runner import Runner
from ._schema import MODE_LOAD, MODES, SPEED_RANGE, mode_for_load
from ._traits import Bool, Enum, Float, Int, applies

C_MAX_RANGE = (1, _workload.MAX_CONCURRENCY)


class OrbitsWidget(Recording, _workload.Loading, anywidget.AnyWidget):
    """The stage (this object, with the synced traits) and the bqplot chart, shown together.

    Parameters: ``profile`` (a name of ``profiles.names()``), ``seed``, ``autoplay`` (start
    playing), ``c_max`` (concurrency at load 1.0), ``mode`` or ``load``, ``speed``, ``planner``
    (on at start), ``predictor`` (the Planner's load predictor), ``chart`` (build the bqplot
    figure), ``tau``/``omega`` (the router), ``workload`` (None: the paper's closed loop at
    ``load``; or ``{"kind": "paper", "concurrency": C}``, ``{"kind": "trace", "trace": Trace,
    "scale": s}``, ``{"kind": "rate", "rate": r}``, see ``set_workload``). A background thread
    advances the simulation until ``close()``."""

    _esm = STATIC / "widget.js"

    load = Float(MODE_LOAD["idle"], min=0.0, max=1.0, allowed="a number in [0, 1]", reject_bool=True,
                 help="offered load 0..1: concurrency = round(load * c_max); the mode tab follows").tag(sync=True)
    mode = Enum(MODES, default_value="idle", allowed=f"one of {list(MODES)}",
                help="load regime tab; setting it sets load to MODE_LOAD[mode]").tag(sync=True)
    n_prefill = Int(1, min=0, allowed="an integer in [0, {obj.max_workers}] (0 = outage)", reject_bool=True,
                    help="prefill workers of both twins, 0..max_workers (0 = outage)").tag(sync=True)
    n_decode = Int(2, min=0, allowed="an integer in [0, {obj.max_workers}] (0 = outage)", reject_bool=True,
                   help="decode workers of both twins, 0..max_workers (0 = outage)").tag(sync=True)
    adaptive = Bool(False, allowed="True or False",
                    help="the stage shows the adaptive twin (else the static one)").tag(sync=True)
    planner = Bool(False, allowed="True or False", help="the Planner scales the pools of both twins").tag(sync=True)
    playing = Bool(False, allowed="True or False",
                   help="the simulation advances (speed simulated seconds per second)").tag(sync=True)
    speed = Float(4.0, min=SPEED_RANGE[0], max=SPEED_RANGE[1],
                  allowed=f"in [{SPEED_RANGE[0]}, {SPEED_RANGE[1]}] simulated seconds per second", reject_bool=True,
                  help="simulated seconds per wall second while playing").tag(sync=True)
    demo = Bool(False, allowed="True or False", help="the Auto-demo is running; set False to stop it").tag(sync=True)
    tau = Float(DEFAULT_TAU, min=0.0, max=ROUTER_MAX, allowed=f"a number in [0, {ROUTER_MAX:.0f}]", reject_bool=True,
                help="router temperature (0 = argmin): the static twin's, and the adaptive controller's BELOW "
                     "row").tag(sync=True)
    omega = Float(DEFAULT_OMEGA, min=0.0, max=ROUTER_MAX, allowed=f"a number in [0, {ROUTER_MAX:.0f}]",
                  reject_bool=True, help="router overlap weight: the static twin's, and the adaptive controller's "
                                         "BELOW row").tag(sync=True)
    hypothesis = Enum(list(HYPOTHESES), default_value=DEFAULT_HYPOTHESIS, allowed=f"one of {list(HYPOTHESES)}",
                      help="the model on the stage: a row of the hypothesis bench (ow.hypotheses.HYPOTHESES; the "
                           "default is the bench's choice, 'today' the model before it); switching restarts both "
                           "twins at t = 0 on the same seed").tag(sync=True)
    c_max = Int(256, min=C_MAX_RANGE[0], max=C_MAX_RANGE[1], allowed=f"an integer in [{C_MAX_RANGE[0]}, "
                f"{C_MAX_RANGE[1]}]", reject_bool=True, help="concurrency (clients) at load 1.0").tag(sync=True)
    max_workers = Int(8, min=1, max=255, reject_bool=True,
                      allowed="the profile's max_workers, an integer in [{obj._max_workers}, {obj._max_workers}] "
                              "(read-only)",
                      help="the most workers a pool can have: the profile's (read-only)").tag(sync=True)
    _frame = T.Bytes(b"", help="the newest binary frame (_frames.py)").tag(sync=True)
    _schema = T.Dict(help="the contract the page reads (_schema.page_schema)").tag(sync=True)
    _mission_log: T.List[list] = T.List(help="the last mission-log lines: [time s, kind, text]").tag(sync=True)
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
    # Every trait write holds the widget's lock (``_traits.Explained.set``; the page's writes through
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
    # They run with the lock held (by the write that changed the trait); ``applies`` skips them until
    # the runner exists and, unless ``while_loading``, while load_config installs its twins.
    @applies("load", "c_max", while_loading=True)
    def _on_load(self, r: Runner, change: dict) -> None:
        c = self.concurrency        # None in an open loop, where c_max may change: nothing to apply
        if c is not None and not r.loading:
            r.twins.set_concurrency(c)
        m = mode_for_load(self.load)
        if m != self.mode:
            self.mode = m
        r.dirty = True

    @T.observe("mode")
    def _on_mode(self, change: dict) -> None:
        if mode_for_load(self.load) != self.mode:       # before the runner exists too: __init__ sets the mode
            self.load = MODE_LOAD[self.mode]
        r = self._runner
        if r is not None:
            r.narrate(f"mode {self.mode.upper()}: C = {self.concurrency} clients", kind="mode")

    @applies("n_prefill", "n_decode", while_loading=True)
    def _on_pool(self, r: Runner, change: dict) -> None:
        if not r.syncing and not r.loading:     # a write from Python or the page: both twins, now
            r.twins.set_workers(**{change["name"]: change["new"]})
            r.pools_seen()
        # else the runner is copying the simulation's own move (the Planner's) into the trait, or
        # load_config is setting the traits of twins it has built with them
        self._request_chart()
        r.dirty = True

    @applies("adaptive")
    def _on_adaptive(self, r: Runner, change: dict) -> None:
        r.narrate("stage shows the adaptive twin: the Saturation Detector sets (τ, ω)" if change["new"]
                  else "stage shows the static twin: Dynamo's router keeps (τ, ω)", kind="switch")
        r.sync_pools(switched=True)
        r.dirty = True

    def _request_chart(self) -> None:
        if self._chart is not None:
            self._chart.request(self.n_prefill, self.n_decode, self.tau, self.omega)

    @applies("tau", "omega", while_loading=True)
    def _on_router(self, r: Runner, change: dict) -> None:
        self._request_chart()           # its curves are of this router (also while load_config sets it)
        if r.loading:
            return
        r.set_router(self.tau, self.omega)
        r.narrate(f"router (τ, ω) = ({self.tau:g}, {self.omega:g}): the static twin's, and the adaptive "
                  "controller's BELOW row", kind="router")
        r.dirty = True

    @applies("hypothesis")
    def _on_hypothesis(self, r: Runner, change: dict) -> None:
        r.profile = profile_for(change["new"], self._base_profile)
        self.reset()                    # both twins from t = 0, same seed; stops the Auto-demo
        if self._chart is not None:
            self._chart.set_profile(r.profile)
        label = next(c["label"] for c in choices() if c["name"] == change["new"])
        r.narrate(f"model {change['new']} ({label}): both twins restart at t = 0 on seed {r.seed}", kind="config")

    @applies("planner")
    def _on_planner(self, r: Runner, change: dict) -> None:
        r.set_planner(change["new"])
        r.narrate(f"Planner {'on' if change['new'] else 'off'} ({r.predictor} predictor)", kind="planner")
        r.dirty = True

    @applies("playing", while_loading=True)
    def _on_playing(self, r: Runner, change: dict) -> None:
        if change["new"] and r.replay_over:     # play after a finished trace replay: replay it from t = 0
            self.reset()
        r.dirty = True

    @applies("demo", while_loading=True)
    def _on_demo(self, r: Runner, change: dict) -> None:
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
