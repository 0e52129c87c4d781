"""The kernel side of one ``OrbitsWidget``: the twins, the thread that advances them, the lock
around every access to them, the mission log merged from both twins, and publishing frames.

Every access to the twins holds ``lock`` (an RLock, the widget's): a trait write holds it from
validation through the observers that apply the value, and the thread holds it for each turn of
its loop, so a cell running other code, the page's writes and the thread never interleave. The
loop writes a trait only from the simulation's own doing: the pool sizes the Planner changed
(``sync_pools``), the Auto-demo's script, ``demo`` when the script ends.

The thread advances both twins by ``speed`` simulated seconds per wall second while ``playing``
and publishes a frame at most ``MAX_FPS`` times per second, and once after something changed
while paused; none while paused and unchanged. ``clock`` (``time.monotonic``) is the only wall
time the runner reads, so a test can drive ``tick`` with a clock of its own.
"""
from __future__ import annotations

import collections
import math
import threading
import time
from typing import TYPE_CHECKING

from ..api.twins import Twins
from ..control import DEFAULT_TABLE, PlannerConfig
from ._assembly import FrameAssembler
from ._demo import AutoDemo
from ._schema import page_schema
from ._workload import twin_kwargs

if TYPE_CHECKING:
    from ._chart import Chart

MAX_FPS = 30.0
LOG_KEEP = 200                  # mission-log lines kept in Python
LOG_SEND = 60                   # ... and sent to the page
COSTS_KEEP = 600                # Python seconds per published frame, the last this many
MAX_WALL_STEP = 0.25            # a stalled kernel resumes, it does not jump ahead


class MissionLog(collections.deque):
    """The mission log's last lines, and how many were ever appended (a recording takes the new ones)."""

    def __init__(self, maxlen: int):
        super().__init__(maxlen=maxlen)
        self.appended = 0

    def append(self, entry):
        super().append(entry)
        self.appended += 1


class Runner:
    """Owns the twins of ``widget`` (built from ``profile``, ``seed`` and the Planner's
    ``predictor``) and reads the widget's traits (controls) and writes its page-facing ones:
    ``_frame``, ``_mission_log``, ``_schema`` and the pool sizes the Planner changed."""

    def __init__(self, widget, profile, seed: int, predictor: str, lock=None, clock=time.monotonic):
        self.w = widget
        self.lock = lock if lock is not None else threading.RLock()
        self.profile, self.seed, self.predictor = profile, int(seed), predictor
        self.twins: Twins               # set by build() below
        self.demo: AutoDemo | None = None       # the running AutoDemo
        self.chart: Chart | None = None         # the bqplot chart beside the stage, if any
        self.log = MissionLog(LOG_KEEP)
        self.costs: collections.deque[float] = collections.deque(maxlen=COSTS_KEEP)
        self.frames_sent = 0
        self.last_sent = -math.inf
        self.dirty = True
        self.pending_cost = 0.0         # seconds spent advancing since the last frame
        self.loop_error: str | None = None
        self.syncing = False            # True while sync_pools copies the simulation's pool sizes to the traits
        self.loading = False            # True while load_config sets the traits of twins it has built itself
        self.open_loop: dict | None = None      # the open-loop workload (_workload.normalize), None for the closed loop
        self.replay_over = False        # a trace replay has finished in both twins (narrated once)
        self.planner_budget: int | None = None  # workers the Planner may run in all (None: PlannerConfig's default)
        # (n_prefill, n_decode) of the twin on stage, as the traits last had them
        self._pools: tuple[int, int] | None = None
        self._last_tick: float | None = None    # clock() at the loop's previous turn
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.build()

    # ------------------------------------------------------------------ state ----
    @property
    def simulation(self):
        """The simulation on the stage: the adaptive twin or the static one."""
        return self.twins.adaptive if self.w.adaptive else self.twins.static

    def make_twins(self, n_prefill, n_decode, tau, omega, open_loop, concurrency, planner_budget=None) -> Twins:
        """Twins at t = 0 (not yet on the stage): the static one routes with (``tau``, ``omega``), the
        adaptive one has them as its controller's BELOW row; ``open_loop`` (None: the closed loop at
        ``concurrency``) is the workload; ``planner_budget`` the Planner's workers in all (None: the
        current one). Raises what ``Simulation`` raises (e.g. a trace that does not fit)."""
        table = dict(DEFAULT_TABLE, BELOW=(tau, omega))
        budget = self.planner_budget if planner_budget is None else planner_budget
        planner = PlannerConfig(predictor=self.predictor, **({} if budget is None else {"budget_workers": budget}))
        return Twins(self.profile, seed=self.seed, planner=planner, n_prefill=n_prefill, n_decode=n_decode,
                     tau=tau, omega=omega, regime_table=table, **twin_kwargs(open_loop, concurrency))

    def build(self, twins: Twins | None = None):
        """Fresh twins at t = 0 with the widget's current controls (or ``twins``, made by ``make_twins``
        from the values the traits are being given)."""
        w = self.w
        with self.lock:
            if twins is None:
                twins = self.make_twins(w.n_prefill, w.n_decode, w.tau, w.omega, self.open_loop, w.concurrency)
            self.twins = twins
            self.replay_over = False
            self.set_planner(w.planner)
            self.log_seen: dict[str, tuple[float, set]] = {"static": (-math.inf, set()), "adaptive": (-math.inf, set())}
            self.assembler = FrameAssembler(self.profile.max_workers)
            self.demo = None
            self.dirty = True
            self.pools_seen()

    def schema(self) -> dict:
        """The page's schema (``_schema.page_schema``): the widget's profile (its C*, as deployed:
        not moved by later pool changes) and the detector configuration of the twin on stage."""
        return page_schema(self.profile, self.simulation.detector_config, self.predictor)

    def set_planner(self, enabled: bool):
        for sim in (self.twins.static, self.twins.adaptive):
            assert sim.planner is not None      # the widget's twins always carry a Planner, on or off
            sim.planner.enabled = enabled

    def set_router(self, tau: float, omega: float):
        """Now: the static twin's router and the adaptive twin's BELOW row (its router too while BELOW)."""
        self.twins.static.set_router(tau, omega)
        self.twins.adaptive.set_regime_row("BELOW", tau, omega)

    # -------------------------------------------------------------------- log ----
    def narrate(self, text: str, kind: str = "demo"):
        with self.lock:
            self.log.append((self.twins.time, kind, text))
            self.send_log()

    def send_log(self):
        self.w._mission_log = [[round(t, 2), k, s] for t, k, s in list(self.log)[-LOG_SEND:]]

    def collect_log(self):
        """Append both twins' new log entries in time order: an event both twins logged alike (a
        pool change by hand) once, any other prefixed with the twin's name."""
        new = []
        for name in ("static", "adaptive"):
            sim = getattr(self.twins, name)
            t_last, seen = self.log_seen[name]
            entries = [e for e in sim.log(since=t_last) if not (e[0] == t_last and e in seen)]
            if entries:
                t_new = entries[-1][0]
                self.log_seen[name] = (t_new, {e for e in entries if e[0] == t_new}
                                       | (seen if t_new == t_last else set()))
                new += [(t, kind, name, text) for t, kind, text in entries]
        if not new:
            return
        new.sort(key=lambda e: e[0])
        both = collections.Counter((t, kind, text) for t, kind, _, text in new)
        shown = set()
        for t, kind, name, text in new:
            key = (t, kind, text)
            if both[key] == 2:
                if key not in shown:
                    shown.add(key)
                    self.log.append((t, kind, text))
            else:
                self.log.append((t, kind, f"{name} · {text}"))
        self.send_log()

    # ---------------------------------------------------------------- advance ----
    def advance(self, seconds: float):
        """Both twins ``seconds`` further (the caller holds the lock); then the Auto-demo's script,
        the Planner's pool changes back to the traits, and the new log lines."""
        if seconds <= 0:
            return
        c0 = time.perf_counter()
        self.twins.step(seconds)
        if self.open_loop is not None and self.open_loop["kind"] == "trace" and not self.replay_over:
            self.check_replay()
        if self.demo is not None and not self.demo.update():
            self.demo = None
            self.w.demo = False
        self.sync_pools()
        self.collect_log()
        self.pending_cost += time.perf_counter() - c0
        self.dirty = True

    def check_replay(self):
        """Once both twins have replayed every line of the trace: say so and pause (their clocks have
        stopped at their last completions; stepping on would change nothing)."""
        tw = self.twins
        if tw.static.finished and tw.adaptive.finished:
            self.replay_over = True
            n = len(self.open_loop["trace"])
            self.narrate(f"trace replay finished: {n:,} requests at t = {tw.static.time:.1f} s (static) / "
                         f"{tw.adaptive.time:.1f} s (adaptive); play replays it from t = 0", kind="mode")
            if self.w.playing:
                self.w.playing = False

    def pools_seen(self):
        """Remember the stage twin's pool sizes as the traits have them (after a write applied them)."""
        sim = self.simulation
        self._pools = (sim.n_prefill, sim.n_decode)

    def sync_pools(self, switched: bool = False):
        """Copy the pool sizes of the twin on stage into the traits when the simulation changed them
        itself (a Planner move), or when the stage has ``switched`` twins; never otherwise, so a
        value written from Python or the page is never overwritten from an older one. The caller
        holds the lock."""
        w, sim = self.w, self.simulation
        now = (sim.n_prefill, sim.n_decode)
        if now == self._pools and not switched:
            return
        self.syncing = True
        try:
            if w.n_prefill != now[0]:
                w.n_prefill = now[0]
            if w.n_decode != now[1]:
                w.n_decode = now[1]
        finally:
            self.syncing = False
        self._pools = now

    def start_demo(self):
        demo = AutoDemo(self.w)
        demo.start()            # resets the twins, which clears self.demo
        self.demo = demo

    # ----------------------------------------------------------------- frames ----
    def encode(self, assembler=None, seq=None, playing=None) -> bytes:
        """The next frame (the caller holds the lock); a recording passes an assembler of its own,
        its frame number and ``playing`` (its frames play, though the clock is paused meanwhile)."""
        w = self.w
        flags = {"adaptive": w.adaptive, "playing": w.playing if playing is None else playing, "planner": w.planner,
                 "demo": self.demo is not None}
        return (assembler or self.assembler).frame(self.twins, w.adaptive, w.concurrency,
                                                   self.frames_sent if seq is None else seq, flags, self.log)

    @property
    def log_count(self) -> int:
        """Mission-log lines ever appended."""
        return self.log.appended

    def publish(self, now: float, force: bool = False) -> bool:
        """Send a frame unless one went out less than 1/MAX_FPS ago (the loop sends the rest)."""
        if not force and now - self.last_sent < 1.0 / MAX_FPS:
            return False
        c0 = time.perf_counter()
        self.w._frame = self.encode()
        self.costs.append(self.pending_cost + time.perf_counter() - c0)
        self.pending_cost = 0.0
        self.last_sent = now
        self.frames_sent += 1
        self.dirty = False
        if self.chart is not None:
            # x: the frame's concurrency (in an open loop the measured mean in-flight, _assembly.py)
            self.chart.point(now, self.assembler.concurrency, self.assembler.cur["ttft_p99_ms"])
        return True

    @property
    def clock(self):
        """The wall clock (seconds) of the loop and the frame rate limit: ``time.monotonic``, or a
        test's own (set it once the thread is stopped; the loop's memory of time starts afresh)."""
        return self._clock

    @clock.setter
    def clock(self, clock):
        with self.lock:
            self._clock = clock
            self._last_tick = None
            self.last_sent = -math.inf

    # ----------------------------------------------------------------- thread ----
    def start(self):
        self._thread = threading.Thread(target=self._run, name="orbits-widget", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """The loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = None):
        """Stop the thread and wait for it (at most ``timeout`` s): once it has ended, no frame is
        published but by ``step``, ``reset`` or a call of ``publish`` or ``tick``."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def tick(self, now: float):
        """One turn of the loop at ``now`` (``clock()`` seconds): while playing, advance by
        ``speed`` x the wall time since the previous turn (at most ``MAX_WALL_STEP``) and publish
        (rate-limited); while paused, publish only if something changed."""
        w = self.w
        wall = 0.0 if self._last_tick is None else min(MAX_WALL_STEP, max(0.0, now - self._last_tick))
        self._last_tick = now
        with self.lock:
            if w.playing:
                self.advance(w.speed * wall)
            if w.playing or self.dirty:
                self.publish(now)

    def _run(self):
        while not self._stop.is_set():
            t0 = self.clock()
            try:
                self.tick(t0)
            except Exception as exc:        # keep animating; the error goes to the log once
                if not self.loop_error:
                    self.loop_error = repr(exc)
                    self.narrate(f"error in the simulation loop: {exc!r}", kind="error")
            self._stop.wait(max(0.005, 1.0 / MAX_FPS - (self.clock() - t0)))
