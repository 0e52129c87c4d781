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
the queue in front of it; the Saturation Detector reads TTFT P99 as the paper's controller read it
(``Profile.detector_signal="prometheus"``: ``histogram_quantile(0.99)`` over the frontend's TTFT
histogram, polled every few seconds), calls the regime SATURATED and the adaptive controller flips
(τ, ω); the decode pool rebalances (the herding goes away) but TTFT P99 barely moves, since no router
setting shortens that queue (the paper measured a 7.6x gain on 70B 1P/2D, which no sourced mechanism
of the hypothesis bench reproduces: docs/hypotheses.md); the Planner's extra prefill worker brings
TTFT P99 back. Every number in the lines is read from the twins (the paper's gain from
``_schema.PAPER_GAIN``), never assumed.

Each phase ends on what the simulation did, never on a timer alone; the caps only keep the
demo finite when a profile never saturates.
"""
from __future__ import annotations

import math

from ..api.simulation import DEFAULT_OMEGA, DEFAULT_TAU
from ._schema import PAPER_GAIN

PHASES = ("static", "adaptive", "planner", "done")


def _ms(v):
    return "—" if not math.isfinite(v) else (f"{v / 1e3:.1f} s" if v >= 1e3 else f"{v:.0f} ms")


def _queued(live) -> int:
    """Requests waiting in front of the prefill pool (``live()``'s per-worker queues)."""
    return int(sum(live["prefill_queue"]))


def _held_by_decode(sim, live) -> str:
    """Requests each decode worker holds now ("35 / 70"): how evenly the router spreads them."""
    return " / ".join(str(int(n)) for n in live["decode_assigned"][:sim.n_decode])


def _prefill_workers(n: int) -> str:
    return "the prefill worker" if n == 1 else f"the {n} prefill workers"


def _mechanisms(sim, live) -> str:
    """What the hypothesis bench's mechanisms switched on in this model are doing now, read from the kernel's
    counters ("" for the default model): clients waiting for a connection, reads posted before decode steps,
    v0.9.0's decode leg, batched prefill."""
    p, out = sim.profile, []
    if p.client_connections:
        out.append(f"{live['waiting_for_connection']} clients wait at the Frontend for one of their "
                   f"{p.client_connections} connections (their TTFT is running, the frontend's is not)")
    if p.handover_post_ms > 0:
        out.append(f"each hand-over posts its NIXL reads on the decode worker before a step "
                   f"({p.handover_post_ms:g} ms each; {int(live['decode_posting'].sum())} waiting now)")
    if p.decode_routing == "v090":
        out.append("v0.9.0's decode leg counts distinct blocks and sends ties to one worker")
    if p.prefill_batch > 1:
        out.append(f"the prefill worker batches up to {p.prefill_batch} requests a pass")
    return "".join(f"; {x}" for x in out)


def _signal(sim) -> str:
    """Where the Saturation Detector reads TTFT P99 (``Profile.detector_signal``)."""
    return ("the frontend's Prometheus histogram" if sim.profile.detector_signal == "prometheus"
            else "every client's TTFT")


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
                              f"C* = {p.knee_concurrency}, model {w.hypothesis}): the prefill pool saturates and "
                              "cache affinity herds requests onto one decode worker")

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
                sim, live, det = tw.static, tw.static.live(), tw.static.detector
                w.narrate(f"static: TTFT p99 {_ms(live['ttft_p99_ms'])} at the clients, "
                          f"{_ms(det['last_p99_ms'])} read from {_signal(sim)} (regime {det['regime']}); "
                          f"{_queued(live)} requests queued for prefill, decode workers hold "
                          f"{_held_by_decode(sim, live)}; the router keeps (τ, ω) = ({sim.tau:g}, {sim.omega:g})"
                          f"{_mechanisms(sim, live)}")
                w.adaptive = True
                cfg, regime = tw.adaptive.detector_config, tw.adaptive.detector["regime"]
                row = "(τ, ω) = ({:g}, {:g})".format(*cfg.table["SATURATED"])
                what = (f"calls it SATURATED and the controller sets {row}: the decode pool rebalances"
                        if regime == "SATURATED" else
                        f"reads {regime}; at SATURATED the controller sets {row} and the decode pool rebalances")
                self._enter("adaptive", f"Auto-demo 2/3 · adaptive: polling {_signal(tw.adaptive)} every "
                                        f"{cfg.poll_interval:g} s, the Saturation Detector {what}")
        elif self.phase == "adaptive":
            # once the controller has left Dynamo's defaults (SATURATED in the default model; a model whose
            # detector reads nothing new after the switch stays in TRANSITION)
            if self._held(tw.adaptive.detector["regime"] != "BELOW", self.max_phase):
                sim, s, a = tw.adaptive, tw.static.live(), tw.adaptive.live()
                gain = s["ttft_p99_ms"] / a["ttft_p99_ms"] if a["ttft_p99_ms"] > 0 else math.nan
                paper = f"the paper measured {PAPER_GAIN['ttft_p99']:g}x on {PAPER_GAIN['deployment']}"
                if sim.profile.adaptive_path == "direct" and a["sent_direct"] > 0:
                    where = (f"the controller sent {a['sent_direct']:,} requests around the prefill worker, straight "
                             f"to decode workers that prefilled them ({_queued(a)} left in the prefill queue)")
                else:
                    where = (f"but {_queued(a)} requests still queue for {_prefill_workers(sim.n_prefill)}, which "
                             "no router setting shortens")
                w.narrate(f"adaptive: TTFT p99 {_ms(a['ttft_p99_ms'])} vs static {_ms(s['ttft_p99_ms'])} on the "
                          f"same clients ({gain:.2f}x; {paper}); "
                          f"decode workers hold {_held_by_decode(sim, a)}, {where}{_mechanisms(sim, a)}")
                self.pool0 = (w.simulation.n_prefill, w.simulation.n_decode)
                self.p99_0 = a["ttft_p99_ms"]
                w.planner = True
                startup = w.simulation.planner.cfg.startup_delay
                short = ("the prefill pool, past the knee" if _queued(a) > 0
                         else "whichever its forecast says (the prefill worker has no queue now)")
                self._enter("planner", f"Auto-demo 3/3 · the Planner scales the pool it forecasts short: {short} "
                                       f"(+1 worker, {startup:g} s start-up)")
        elif self.phase == "planner":
            sim = w.simulation
            grown = (sim.n_prefill, sim.n_decode) != self.pool0
            online = grown and any(k == "worker_ready" for _, k, _ in sim.log(since=self.t_phase))
            if self._held(online, self.max_planner):
                a = tw.adaptive.live()["ttft_p99_ms"]
                what = (f"pool now {sim.n_prefill}P/{sim.n_decode}D" if grown
                        else "the Planner saw no reason to scale")
                why = (": one more prefill worker, not the router, brought it back"
                       if sim.n_prefill > self.pool0[0] and a < self.p99_0 else "")
                w.narrate(f"Auto-demo done: {what}; adaptive TTFT p99 {_ms(a)} "
                          f"({_ms(self.p99_0)} before the Planner){why}")
                self.phase = "done"
                return False
        return self.phase != "done"
