"""The Auto-demo: the A/B contrast at saturation, narrated in the mission log.

Phases (simulated time, so it behaves the same at any speed and headless):

1. ``static``   — fresh twins at saturation, the stage shows static Dynamo; lasts until the static
                  twin's Saturation Detector reports SATURATED (at least ``min_phase`` s, at most
                  ``max_phase``).
2. ``adaptive`` — the stage shows the adaptive twin (same clients, same prompts) once its
                  controller has applied the SATURATED row of the regime table.
3. ``planner``  — the Planner is switched on in both twins; lasts until the shown twin's pool has
                  changed and a new worker is online (at most ``max_planner`` s).
4. ``done``.

What the narration says is what the model does past the knee C* (``Profile.knee_concurrency``, a
prefill-side estimate): the prefill pool (one request per pass and worker) saturates and TTFT P99 is
the queue in front of it; the adaptive controller rebalances the decode pool (the herding goes
away) but no router setting shortens that queue; the Planner's extra prefill worker does. The
numbers in the lines are read from the twins, never assumed.

Each phase ends on what the simulation did, never on a timer alone; the caps only keep the
demo finite when a profile never saturates.
"""
from __future__ import annotations

import math

from ..api.simulation import DEFAULT_OMEGA, DEFAULT_TAU

PHASES = ("static", "adaptive", "planner", "done")


def _ms(v):
    return "—" if not math.isfinite(v) else (f"{v / 1e3:.1f} s" if v >= 1e3 else f"{v:.0f} ms")


def _queued(live) -> int:
    """Requests waiting in front of the prefill pool (``live()``'s per-worker queues)."""
    return int(sum(live["prefill_queue"]))


class AutoDemo:
    """Driven by the widget's runner (``_runner.py``): ``start()`` once, then ``update()`` after
    every simulation step (the runner holds its lock around both)."""

    def __init__(self, widget, min_phase=40.0, max_phase=150.0, settle=20.0, max_planner=240.0):
        self.w = widget
        self.min_phase, self.max_phase, self.settle, self.max_planner = min_phase, max_phase, settle, max_planner
        self.phase = None
        self.t_phase = 0.0
        self.t_mark = None      # when the phase's condition was first met
        self.pool0 = None
        self.p99_0 = math.nan   # the adaptive twin's TTFT p99 when the Planner was switched on

    def start(self):
        w = self.w
        p = w.twins.static.profile
        if w.runner.open_loop is not None:                    # the paper's scenario is its closed loop
            w._set_workload(None, keep_demo=True)
        w.n_prefill, w.n_decode = p.n_prefill, p.n_decode     # the paper's 1P/2D, not what was left
        w.tau, w.omega = DEFAULT_TAU, DEFAULT_OMEGA           # and Dynamo's router, as the narration says
        w.reset(keep_demo=True)
        w.planner = False
        w.adaptive = False
        w.mode = "saturation"
        self._enter("static", f"Auto-demo 1/3 · static Dynamo at saturation (C = {w.concurrency}, "
                              f"C* = {p.knee_concurrency}): the prefill pool saturates and cache affinity "
                              "herds requests onto one decode worker")

    def _enter(self, phase, text):
        self.phase = phase
        self.t_phase = self.w.simulation.time
        self.t_mark = None
        self.w.narrate(text)

    def _since(self):
        return self.w.simulation.time - self.t_phase

    def _held(self, cond, cap) -> bool:
        """True once ``cond`` has held for ``settle`` s (from the step it first held), or after ``cap`` s."""
        now = self.w.simulation.time
        if cond and self.t_mark is None:
            self.t_mark = now
        return (self.t_mark is not None and now - self.t_mark >= self.settle) or self._since() >= cap

    def update(self) -> bool:
        """Advance the script; False once it has finished."""
        w = self.w
        tw = w.twins
        if self.phase == "static":
            ready = tw.static.detector["regime"] == "SATURATED" and self._since() >= self.min_phase
            if ready or self._since() >= self.max_phase:
                live = tw.static.live()
                w.narrate(f"static: TTFT p99 {_ms(live['ttft_p99_ms'])}, regime {tw.static.detector['regime']}, "
                          f"{_queued(live)} requests queued for prefill; the router keeps (τ, ω) = (0, 1)")
                w.adaptive = True
                self._enter("adaptive", "Auto-demo 2/3 · adaptive controller kicks in: the Saturation Detector "
                                        "sets (τ, ω) from its regime and the decode pool rebalances")
        elif self.phase == "adaptive":
            if self._held(tw.adaptive.detector["regime"] == "SATURATED", self.max_phase):
                s, a = tw.static.live(), tw.adaptive.live()
                w.narrate(f"adaptive: TTFT p99 {_ms(a['ttft_p99_ms'])} vs static {_ms(s['ttft_p99_ms'])} on the "
                          f"same clients; the decode pool is rebalanced, but {_queued(a)} requests still queue "
                          "for prefill, which no router setting shortens")
                self.pool0 = (w.simulation.n_prefill, w.simulation.n_decode)
                self.p99_0 = a["ttft_p99_ms"]
                w.planner = True
                self._enter("planner", "Auto-demo 3/3 · the Planner scales the pool it forecasts short: past "
                                       "the knee, prefill (+1 worker, 30 s start-up)")
        elif self.phase == "planner":
            sim = w.simulation
            grown = (sim.n_prefill, sim.n_decode) != self.pool0
            online = grown and any(k == "worker_ready" for _, k, _ in sim.log(since=self.t_phase))
            if self._held(online, self.max_planner):
                a = tw.adaptive.live()["ttft_p99_ms"]
                what = (f"pool now {sim.n_prefill}P/{sim.n_decode}D" if grown
                        else "the Planner saw no reason to scale")
                w.narrate(f"Auto-demo done: {what}; adaptive TTFT p99 {_ms(a)} "
                          f"({_ms(self.p99_0)} before the Planner)")
                self.phase = "done"
                return False
        return self.phase != "done"
