"""The grid a plan searches and the runs that measure it.

A *configuration* is a prefill/decode split of the GPU budget, a router setting (tau, omega), a
policy and the Planner on or off. Each is measured at every load of the workload (closed-loop
concurrencies for the paper's workload, arrival-rate scales for a trace or a Poisson rate), the
mean over ``seeds`` at each load. One task per configuration: it is what an executor ships.
"""
from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_number
from ..api.simulation import Overloaded, Simulation
from ..api.sweep import as_axis
from ..control.detector import DEFAULT_TABLE
from ..control.planner import PlannerConfig
from ..control.router_grid import OMEGAS, TAUS
from ..workload.traces import Trace, load_trace
from .shared import resolve

PAPER_LOADS = (8, 16, 32, 64, 96, 128, 192, 256)   # the paper's chart spans C = 8 ... 256
ROUTER_GRID = tuple(itertools.product(TAUS, OMEGAS))  # the paper's 4 x 4 (tau, omega) grid
# what each run keeps (the mean over seeds): the SLA's quantities, the row's figures, and what
# locates the bottleneck (where requests queue)
METRICS = ("ttft_p50_ms", "ttft_p99_ms", "itl_p50_ms", "itl_p99_ms", "throughput_rps", "poa_hat", "completed",
           "mean_in_flight", "mean_queue_router", "mean_queue_prefill", "mean_queue_decode", "prefill_util",
           "decode_util", "overloaded")


@dataclass(frozen=True)
class Workload:
    """What a plan serves: ``kind`` "paper" (the paper's synthetic prompts, closed loop; a load is a
    concurrency), "trace" (a Mooncake trace, open loop at its timestamps; a load scales its arrival
    rate) or "rate" (the paper's prompts, open-loop Poisson at ``rate`` req/s; a load scales it)."""

    kind: str
    trace: Trace | None = None      # a SharedTrace (``shared``) in the tasks of a process pool
    rate: float | None = None
    # load -> the trace at that load, made once (not part of the workload's identity)
    _scaled: dict[Any, Trace] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self):
        # a task ships the workload, not the scaled traces it made
        return {k: v for k, v in self.__dict__.items() if k != "_scaled"}

    def __setstate__(self, state):
        self.__dict__.update(state, _scaled={})

    def trace_at(self, load) -> Trace:
        """The trace with its arrival rate scaled by ``load``: the same object at every call, so what
        it derives once (its block size, the kernel's arrays) serves every run at that load."""
        tr = self._scaled.get(load)
        if tr is None:
            trace = self._trace()
            tr = self._scaled[load] = trace if load == 1.0 else trace.scaled(load)
        return tr

    def _trace(self) -> Trace:
        if self.trace is None:
            raise ValueError(f"workload: a {self.kind!r} workload has no trace")
        return self.trace

    @property
    def load_name(self) -> str:
        return "concurrency" if self.kind == "paper" else "scale"

    def describe(self) -> str:
        if self.kind == "paper":
            return "the paper's workload (5 templates, 128-token prompts), closed loop"
        if self.kind == "rate":
            return f"the paper's prompts, open loop at {self.rate:g} req/s (Poisson)"
        trace = self._trace()
        return f"trace {os.path.basename(trace.path)} ({len(trace):,} requests), open loop"

    def sim_kwargs(self, load) -> dict:
        """The Simulation keywords of this workload at ``load``."""
        if self.kind == "paper":
            return {"concurrency": int(load)}
        if self.kind == "rate":
            return {"concurrency": None, "rate": self.rate * load}
        return {"concurrency": None, "trace": self.trace_at(load)}

    def widget_spec(self, load) -> dict:
        """``Plan.config``'s workload entry (what ``OrbitsWidget.load_config`` reads)."""
        if self.kind == "paper":
            return {"kind": "paper", "concurrency": int(load)}
        if self.kind == "rate":
            return {"kind": "rate", "rate": self.rate * load}
        return {"kind": "trace", "trace": self.sim_kwargs(load)["trace"], "scale": float(load)}


def as_workload(workload) -> Workload:
    """``"paper"``, a trace (path or ``Trace``) or ``{"rate": r}`` as a Workload."""
    if isinstance(workload, Workload):
        return workload
    if isinstance(workload, str) and workload == "paper":
        return Workload("paper")
    if isinstance(workload, Trace):
        return Workload("trace", trace=workload)
    if isinstance(workload, (str, os.PathLike)):
        try:
            return Workload("trace", trace=load_trace(workload))
        except OSError as e:
            raise ValueError(f"workload: not 'paper', and no trace can be read at {os.fspath(workload)!r} "
                             f"({e.strerror})") from None
        except ValueError as e:
            raise ValueError(f"workload: {e}") from None
    if isinstance(workload, dict):
        extra = sorted(set(workload) - {"rate"})
        if extra or "rate" not in workload:
            raise ValueError(f"workload: an open loop is {{'rate': requests per second}}, got keys {sorted(workload)}")
        return Workload("rate", rate=check_number("workload['rate']", workload["rate"], 0.0, 1e7, lo_open=True))
    raise ValueError(f"workload: must be 'paper', a trace (path or Trace) or {{'rate': r}}, got {workload!r}")


def check_loads(workload: Workload, loads) -> tuple:
    """The loads, sorted and distinct: concurrencies (integers >= 1) or scales (> 0)."""
    if loads is None:
        return PAPER_LOADS if workload.kind == "paper" else (1.0,)
    loads = as_axis("loads", loads, None)
    if workload.kind == "paper":
        out = [check_number("loads", v, 1, 1_000_000, integer=True) for v in loads]
    else:
        out = [check_number("loads", v, 0.0, 1e6, lo_open=True) for v in loads]
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class Config:
    """One configuration of the search (a row of the plan)."""

    n_prefill: int
    n_decode: int
    tau: float
    omega: float
    policy: str
    planner: bool

    def plus(self, pool: str) -> Config:
        """The same configuration with one more worker in ``pool``."""
        return Config(self.n_prefill + (pool == "prefill"), self.n_decode + (pool == "decode"), self.tau,
                      self.omega, self.policy, self.planner)

    def sim_kwargs(self) -> dict:
        """Simulation keywords: the pools; the router; under the adaptive policy (tau, omega) is the
        controller's BELOW row (what it runs until the Saturation Detector sees saturation); with the
        Planner, its budget is the configuration's own workers (it moves them between the pools)."""
        kw = dict(n_prefill=self.n_prefill, n_decode=self.n_decode, policy=self.policy, tau=self.tau,
                  omega=self.omega)
        if self.policy == "adaptive":
            kw["regime_table"] = dict(DEFAULT_TABLE, BELOW=(self.tau, self.omega))
        if self.planner:
            kw["planner"] = PlannerConfig(budget_workers=self.n_prefill + self.n_decode)
        return kw


def check_splits(splits, workers: int) -> list[tuple[int, int]]:
    """Every (n_prefill, n_decode) with both >= 1 using the whole budget of ``workers`` (None), or
    the given pairs, each within it."""
    if splits is None:
        if workers < 2:
            raise ValueError(f"gpus: the budget must hold at least 2 workers (one per pool), it holds {workers}")
        return [(p, workers - p) for p in range(1, workers)]
    out = []
    for s in splits:
        if not (isinstance(s, (tuple, list)) and len(s) == 2):
            raise ValueError(f"splits: each split is an (n_prefill, n_decode) pair, got {s!r}")
        p = check_number("splits n_prefill", s[0], 1, workers, integer=True)
        d = check_number("splits n_decode", s[1], 1, workers, integer=True)
        if p + d > workers:
            raise ValueError(f"splits: {p}P/{d}D needs {p + d} workers, the budget holds {workers}")
        out.append((p, d))
    if not out:
        raise ValueError("splits: must not be empty")
    return list(dict.fromkeys(out))


def check_router_grid(router_grid) -> list[tuple[float, float]]:
    if router_grid is None:
        return list(ROUTER_GRID)
    out = []
    for s in router_grid:
        if not (isinstance(s, (tuple, list)) and len(s) == 2):
            raise ValueError(f"router_grid: each setting is a (tau, omega) pair, got {s!r}")
        out.append((check_number("router_grid tau", s[0], 0.0, 1e6), check_number("router_grid omega", s[1], 0.0, 1e6)))
    if not out:
        raise ValueError("router_grid: must not be empty")
    return list(dict.fromkeys(out))


def check_choices(name, values, allowed) -> list:
    if isinstance(values, (str, bool)) or not hasattr(values, "__iter__"):
        values = [values]
    values = list(values)
    bad = [v for v in values if not any(v is a or (type(v) is type(a) and v == a) for a in allowed)]
    if bad or not values:
        raise ValueError(f"{name}: must be a non-empty selection of {list(allowed)}, got {values!r}")
    return list(dict.fromkeys(values))


def grid(splits, router_grid, policies, planners) -> list[Config]:
    return [Config(p, d, t, w, pol, pl) for (p, d), (t, w), pol, pl in
            itertools.product(splits, router_grid, policies, planners)]


SATURATED_GAIN = 0.02     # a load that adds less than 2 % throughput over the one below: the deployment is saturated


def saturated_miss(runs: list[dict], stop_ttft_ms: float) -> bool:
    """True when the last run misses the TTFT target (or overloaded) and completed at most 2 % more
    than the run below it: past the saturation point more load only queues. By Little's law a
    closed loop's response time is N / X - Z, so at a flat throughput X it grows with the clients
    N; an open loop's queue grows with the excess of arrivals. No higher load can meet the target."""
    if len(runs) < 2:
        return False
    last, prev = runs[-1], runs[-2]
    missed = not (last["ttft_p99_ms"] <= stop_ttft_ms) or last["overloaded"] > 0
    return missed and last["throughput_rps"] <= prev["throughput_rps"] * (1.0 + SATURATED_GAIN)


def measure(profile, workload: Workload, cfg: Config, loads, seeds, seconds, warmup, overrides,
            stop_ttft_ms=math.inf) -> list[dict]:
    """One configuration at each load (a module-level function, so process pools and Dask can ship
    it): per load, the mean of ``METRICS`` over the seeds. A trace is replayed to its end (every
    request measured); the others run ``warmup`` then ``seconds`` measured. With a finite
    ``stop_ttft_ms`` the loads above a saturated miss (``saturated_miss``) are not run: the list
    then ends there. A trace may come as a ``shared.SharedTrace``, mapped once per process."""
    workload = resolve(workload)
    kw = dict(overrides, **cfg.sim_kwargs())
    # a pool may need more workers than the profile's default ceiling (a large budget)
    need = max(cfg.n_prefill, cfg.n_decode)
    if need > profile.max_workers:
        kw["max_workers"] = need
    out = []
    for load in loads:
        per_seed = []
        for seed in seeds:
            sim = Simulation(profile=profile, seed=seed, history=256, **kw, **workload.sim_kwargs(load))
            try:
                run = sim.run(seconds=None) if workload.kind == "trace" else sim.run(seconds=seconds, warmup=warmup)
                res = dict(run.summary(), overloaded=0.0)
            except Overloaded:
                # an open loop far past capacity: what completed so far, and a run that misses the SLA
                res = dict(sim.summary(), overloaded=1.0)
            per_seed.append([float(res[m]) for m in METRICS])
        with np.errstate(all="ignore"):
            a = np.array(per_seed)
            # a quantity no seed measured (nothing completed) stays NaN rather than warning
            mean = [float(np.nanmean(col)) if np.isfinite(col).any() else float("nan") for col in a.T]
        out.append(dict(zip(METRICS, mean)))
        if saturated_miss(out, stop_ttft_ms):
            break
    return out


def check_seeds(seeds) -> list[int]:
    seeds = [check_number("seeds", s, 0, 2**63 - 1, integer=True) for s in as_axis("seeds", seeds, 0)]
    return list(dict.fromkeys(seeds))
