"""The Planner: capacity, the other half of the paper's saturation decomposition.

Like Dynamo's planner it acts at ticks between engine steps, reading the same metrics as the
Saturation Detector. Every ``interval`` (30 s, as in the paper) it

1. measures each pool's demand: decode — the requests decoding or waiting for decode (at the
   router or at a worker) now, against ``n_decode x max_num_seqs`` slots (the analogue of
   Dynamo's load planner's scheduled + queued decode KV over capacity; a request rate would not
   do, since in a saturated closed loop it only ever equals capacity); prefill — the requests per
   second issued in the interval, against ``n_prefill`` x the rate one prefill worker sustains on
   cache-hit prompts, its hand-offs following one decode worker's pass clock (the conservative case,
   ``Profile.prefill_request_rate(pass_clock=True)``);
2. forecasts each demand for the next interval with its own load predictor: ``constant`` (last
   value), ``arima`` (ARIMA(1,1,0) fitted by least squares once 5 points exist; the last value
   before), or ``kalman`` (local linear trend, Q = diag(1, 0.1), R = 10, P0 = 1000·I, Dynamo's
   defaults, used once 5 points exist);
3. moves the pool with the higher forecast utilisation by +1 when it exceeds ``scale_up_at``
   (0.85), or a pool by -1 when even with one worker fewer it would stay under
   ``scale_down_below`` (0.6) (Dynamo's consolidation-aware check), within ``budget_workers`` in
   all and the profile's ``max_workers`` per pool, never below one worker (a pool at 0, an outage,
   counts as infinitely loaded, so the Planner restores it at its next tick); workers still
   starting count as capacity (they are on their way);
4. never shrinks a pool within ``cooldown`` intervals (5) of growing it, and never holds back
   growth. Under a constant load it cannot flap: after -1 the utilisation is below
   ``scale_down_below`` < ``scale_up_at``, after +1 it stays above ``scale_down_below``. Added
   workers serve after ``startup_delay`` (30 s); removed ones drain, never drop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import CHOICE, INTEGER, NUMBER, Rule, check_record

PREDICTORS = ("constant", "arima", "kalman")
MIN_INTERVAL = 0.5       # seconds


class ConstantPredictor:
    def __init__(self):
        self.x = []

    def add(self, v):
        self.x.append(float(v))

    def predict(self):
        return self.x[-1] if self.x else 0.0


class ArimaPredictor(ConstantPredictor):
    """ARIMA(1,1,0): the differences follow d_t = c + phi d_(t-1) + e, fitted by least squares."""

    def predict(self):
        x = np.asarray(self.x)
        if len(x) < 5:
            return float(x[-1]) if len(x) else 0.0
        d = np.diff(x)
        A = np.column_stack([np.ones(len(d) - 1), d[:-1]])
        (c, phi), *_ = np.linalg.lstsq(A, d[1:], rcond=None)
        phi = float(np.clip(phi, -0.99, 0.99))
        return max(0.0, float(x[-1] + c + phi * d[-1]))


class KalmanPredictor(ConstantPredictor):
    """Local linear trend: state (level, trend), F = [[1,1],[0,1]], H = [1,0]."""

    def __init__(self, q_level=1.0, q_trend=0.1, r=10.0, min_points=5):
        super().__init__()
        self.F = np.array([[1.0, 1.0], [0.0, 1.0]])
        self.Q = np.diag([q_level, q_trend])
        self.R = r
        self.min_points = min_points
        self.s = None
        self.params = np.eye(2) * 1000.0

    def add(self, v):
        super().add(v)
        if self.s is None:
            self.s = np.array([float(v), 0.0])
            return
        s = self.F @ self.s
        P = self.F @ self.params @ self.F.T + self.Q
        k = P[:, 0] / (P[0, 0] + self.R)
        self.s = s + k * (float(v) - s[0])
        self.params = P - np.outer(k, P[0, :])

    def predict(self):
        if len(self.x) < self.min_points:
            return self.x[-1] if self.x else 0.0
        return max(0.0, float((self.F @ self.s)[0]))


def make_predictor(name):
    if name not in PREDICTORS:
        raise ValueError(f"predictor: must be one of {list(PREDICTORS)}, got {name!r}")
    return {"constant": ConstantPredictor, "arima": ArimaPredictor, "kalman": KalmanPredictor}[name]()


# What each PlannerConfig setting may hold
PLANNER_RULES: tuple[Rule, ...] = (
    Rule("predictor", CHOICE, choices=PREDICTORS),
    # the Planner starts and drains whole workers: deciding more often than twice a second only adds ticks
    Rule("interval", NUMBER, MIN_INTERVAL, 1e6),
    Rule("startup_delay", NUMBER, 0.0, 1e6),
    Rule("scale_up_at", NUMBER, 0.0, 10.0, lo_open=True),
    Rule("scale_down_below", NUMBER, 0.0, "scale_up_at"),
    Rule("budget_workers", INTEGER, 2, 10_000),
    Rule("cooldown", INTEGER, 0, 10_000),
)


@dataclass(frozen=True)
class PlannerConfig:
    predictor: str = "kalman"
    interval: float = 30.0
    startup_delay: float = 30.0
    scale_up_at: float = 0.85
    scale_down_below: float = 0.6
    budget_workers: int = 8
    cooldown: int = 5

    def __post_init__(self):
        check_record(PLANNER_RULES, self)


class Planner:
    """Attach to a Simulation with ``Simulation(planner=True | "kalman" | PlannerConfig(...))``."""

    def __init__(self, sim, config: PlannerConfig):
        self.sim = sim
        self.cfg = config
        self.predictors = {"prefill": make_predictor(config.predictor), "decode": make_predictor(config.predictor)}
        self.next_tick = sim.time + config.interval
        self.enabled = True
        self.last = None            # (time, issued) at the previous tick
        self.history = []           # (time, {pool: demand}, {pool: forecast}, action)
        self._last_move = {}        # pool -> (tick index, +1/-1)
        self._ticks = 0
        p = sim.profile
        self.decode_slots_per_worker = p.max_num_seqs
        self.prefill_rps_per_worker = p.prefill_request_rate(pass_clock=True)

    def tick(self):
        sim, cfg = self.sim, self.cfg
        t = sim.time
        c = sim.counters()
        self._ticks += 1
        if self.last is None:
            self.last = (t, c["issued"])
            return
        t0, i0 = self.last
        self.last = (t, c["issued"])
        waiting_for_decode = sim.router_queues()["decode"] + c["queued_decode"] + c["decoding"]
        demand = {"prefill": (c["issued"] - i0) / max(1e-9, t - t0), "decode": float(waiting_for_decode)}
        forecast = {}
        for pool in ("prefill", "decode"):
            self.predictors[pool].add(demand[pool])
            forecast[pool] = self.predictors[pool].predict()
        per = {"prefill": self.prefill_rps_per_worker, "decode": float(self.decode_slots_per_worker)}
        n = {"prefill": sim.n_prefill, "decode": sim.n_decode}
        util = {k: forecast[k] / (n[k] * per[k]) if n[k] else math.inf for k in n}
        action = None
        pool = max(util, key=util.get)
        if (util[pool] > cfg.scale_up_at and n["prefill"] + n["decode"] < cfg.budget_workers
                and n[pool] < sim.profile.max_workers):
            action = (pool, +1)
        else:
            for pool in ("decode", "prefill"):
                if (n[pool] > 1 and forecast[pool] / ((n[pool] - 1) * per[pool]) < cfg.scale_down_below
                        and self._may(pool, -1)):
                    action = (pool, -1)
                    break
        if action:
            pool, d = action
            sim.record_planner_move(pool, d, n[pool] + d, forecast[pool], util[pool])
            sim.set_workers(**{f"n_{pool}": n[pool] + d}, startup_delay=cfg.startup_delay if d > 0 else 0.0)
            self._last_move[pool] = (self._ticks, d)
        self.history.append((t, demand, forecast, action))

    def _may(self, pool, d):
        """Growing is never held back; shrinking waits ``cooldown`` ticks after a pool grew."""
        if d > 0:
            return True
        last = self._last_move.get(pool)
        return last is None or last[1] < 0 or self._ticks - last[0] >= self.cfg.cooldown
