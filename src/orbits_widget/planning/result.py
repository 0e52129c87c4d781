"""What a plan returns: one row per configuration, its goodput, the frontier and the winner.

**Goodput** is DistServe's: the most requests per second a configuration completes while its
latencies meet the SLA. A run meets ``sla`` when its TTFT p99 and ITL p99 are both within their
targets; a configuration's goodput is the highest throughput among the loads whose runs meet it
(its *operating load*), 0 when none does. The row's latencies are those of the operating load (of
the lowest load when none meets the SLA), so ``goodput_rps <= throughput_rps <= max_throughput_rps``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_number
from ..api.deployment import DeploymentConfig

SLA_KEYS = ("ttft_p99_ms", "itl_p99_ms")
SLA_NAMES = {"ttft_p99_ms": "TTFT p99", "itl_p99_ms": "ITL p99"}
CONFIG_COLUMNS = ("n_prefill", "n_decode", "gpus", "tau", "omega", "policy", "planner")
COLUMNS = CONFIG_COLUMNS + (
    "load", "goodput_rps", "goodput_per_gpu", "throughput_rps", "max_throughput_rps", "ttft_p50_ms", "ttft_p99_ms",
    "itl_p50_ms", "itl_p99_ms", "poa_hat", "bottleneck", "meets_sla", "binding", "pareto")
QUEUE_FLOOR = 0.5       # mean requests waiting: below this in both pools, neither pool is queueing


def check_sla(sla) -> dict:
    """{"ttft_p99_ms": X, "itl_p99_ms": Y} (either may be left out: no bound on it)."""
    if not isinstance(sla, dict):
        raise ValueError(f"sla: must be a dict with keys {list(SLA_KEYS)}, got {sla!r}")
    extra = sorted(set(sla) - set(SLA_KEYS))
    if extra or not sla:
        raise ValueError(f"sla: allowed keys are {list(SLA_KEYS)} (at least one), got {sorted(sla)}")
    return {k: check_number(f"sla[{k!r}]", sla[k], 0.0, 1e9, lo_open=True) if k in sla else math.inf
            for k in SLA_KEYS}


def failing(run: dict, sla: dict) -> tuple:
    """The SLA's quantities a run misses (a latency never measured misses; an overloaded run, one
    that filled the request table, misses TTFT: its queue grows without end)."""
    fails = tuple(k for k in SLA_KEYS if not (run[k] <= sla[k]))     # NaN fails the comparison
    if run.get("overloaded", 0.0) > 0 and "ttft_p99_ms" not in fails:
        fails = ("ttft_p99_ms",) + fails
    return fails


def bottleneck(run: dict, fails: tuple) -> str:
    """The pool that limits a run. A missed ITL is the decode pool's (its passes are too slow).
    Otherwise the pool where requests queue: in a closed network, customers pile up in front of
    the slowest station; "none" when neither queues."""
    if fails == ("itl_p99_ms",):
        return "decode"
    qp = run["mean_queue_prefill"] + run["mean_queue_router"]
    qd = run["mean_queue_decode"]
    if not (max(qp, qd) >= QUEUE_FLOOR):
        return "decode" if "itl_p99_ms" in fails else "none"
    return "prefill" if qp >= qd else "decode"


def summarise(cfg, tp: int, loads, runs: list[dict], sla: dict) -> dict:
    """A configuration's row from its runs at ``loads`` (ascending; the runs may stop short of the
    last loads, past a saturated miss)."""
    loads = loads[:len(runs)]
    fails = [failing(r, sla) for r in runs]
    ok = [i for i, f in enumerate(fails) if not f]
    thr = [r["throughput_rps"] for r in runs]
    if ok:
        op = max(ok, key=lambda i: (thr[i], -i))
        above = [i for i in range(op + 1, len(runs)) if fails[i]]
        if above:
            limit = above[0]
            binding = "+".join(fails[limit])
        else:
            limit = len(runs) - 1
            binding = "loads" if op == len(runs) - 1 else "capacity"
        goodput = thr[op]
    else:
        op = limit = 0
        binding = "+".join(fails[0])
        goodput = 0.0
    run = runs[op]
    gpus = (cfg.n_prefill + cfg.n_decode) * tp
    return dict(n_prefill=cfg.n_prefill, n_decode=cfg.n_decode, gpus=gpus, tau=cfg.tau, omega=cfg.omega,
                policy=cfg.policy, planner=cfg.planner, load=loads[op], goodput_rps=goodput,
                goodput_per_gpu=goodput / gpus, throughput_rps=thr[op],
                max_throughput_rps=max((t for t in thr if math.isfinite(t)), default=0.0),
                ttft_p50_ms=run["ttft_p50_ms"], ttft_p99_ms=run["ttft_p99_ms"], itl_p50_ms=run["itl_p50_ms"],
                itl_p99_ms=run["itl_p99_ms"], poa_hat=run["poa_hat"],
                bottleneck=bottleneck(runs[limit], fails[limit]), meets_sla=bool(ok), binding=binding)


def pareto(goodput_per_gpu, ttft_p99_ms, eligible) -> np.ndarray:
    """True where an eligible row is not dominated by another eligible row: none has at least its
    goodput per GPU and at most its TTFT p99, better in one."""
    g = np.asarray(goodput_per_gpu, float)
    t = np.asarray(ttft_p99_ms, float)
    e = np.asarray(eligible, bool) & np.isfinite(g) & np.isfinite(t)
    ge = g[None, :] >= g[:, None]
    le = t[None, :] <= t[:, None]
    strict = (g[None, :] > g[:, None]) | (t[None, :] < t[:, None])
    dominated = (ge & le & strict & e[None, :]).any(axis=1)
    return e & ~dominated


@dataclass(frozen=True)
class Winner:
    """The best configuration: ``index`` (its row label), ``config`` (``Plan.config``'s dict), the
    constraint that ``binding`` holds it where it is, and ``reason``, a sentence saying so."""

    index: int
    config: dict
    binding: str
    reason: str

    def __str__(self):
        return self.reason


def describe_config(row) -> str:
    planner = ", Planner on" if row["planner"] else ""
    return (f"{row['n_prefill']}P/{row['n_decode']}D, {row['policy']} router (τ = {row['tau']:g}, "
            f"ω = {row['omega']:g}){planner}")


def winner_reason(row, runs: pd.DataFrame, sla: dict, load_name: str) -> str:
    head = (f"{describe_config(row)}: {row['goodput_rps']:.1f} req/s within the SLA "
            f"({row['goodput_per_gpu']:.2f} per GPU on {row['gpus']} GPUs) at {load_name} {row['load']:g}")
    b = row["binding"]
    if b == "loads":
        return head + ("; the SLA still holds at the highest load tried, so the load range binds, not the SLA "
                       "(try higher loads)")
    if b == "capacity":
        return head + "; higher loads complete no more requests: the deployment's capacity binds"
    mine = runs[runs.config == row.name]
    nxt = mine[(mine.load > row["load"]) & ~mine.meets_sla].iloc[0]
    parts = [f"{SLA_NAMES[k]} reaches {nxt[k]:,.0f} ms against {sla[k]:g} ms" for k in b.split("+")]
    names = " and ".join(SLA_NAMES[k] for k in b.split("+"))
    return head + f"; at {load_name} {nxt['load']:g} " + " and ".join(parts) + f": {names} binds"


def no_winner_reason(runs: pd.DataFrame, sla: dict) -> tuple[tuple, str]:
    """Which constraints fail in every run, and a sentence saying so."""
    fails = [failing(r, sla) for r in runs.to_dict("records")]
    everywhere = tuple(k for k in SLA_KEYS if all(k in f for f in fails))
    if everywhere:
        parts = [f"{SLA_NAMES[k]} never meets {sla[k]:g} ms"
                 + (f" (best {runs[k].min():,.1f} ms)" if runs[k].notna().any() else " (nothing completed)")
                 for k in everywhere]
        return everywhere, "No configuration meets the SLA at any load: " + "; ".join(parts) + "."
    return (), ("No configuration meets the SLA at any load: each constraint holds somewhere, never both "
                "together in one run.")


class Plan(pd.DataFrame):
    """``ow.plan``'s result: a DataFrame, one row per configuration (columns ``COLUMNS``), with

    * ``best``: the ``Winner`` (highest goodput per GPU among the rows that meet the SLA; ties go
      to the lower TTFT p99, then fewer GPUs, static before adaptive, Planner off before on), or
      None when no row meets it; ``verdict`` says either way, ``infeasible`` names the SLA
      constraints that fail in every run;
    * ``marginal``: the measured gain from one more prefill vs one more decode worker at the best
      split (``marginal.py``), or None;
    * ``runs``: every run (configuration x load, mean over seeds) the rows come from;
    * ``deployment(label)``: a row's configuration, a ``DeploymentConfig``; ``config(label)`` the same
      as a dict; ``OrbitsWidget.load_config`` takes either;
    * ``profile``, ``sla``, ``workload``, ``gpus`` (the budget), ``tp``."""

    _metadata = ["profile", "sla", "workload", "budget_gpus", "tp", "best", "verdict", "infeasible", "marginal",
                 "runs", "search"]

    @property
    def _constructor(self):
        return Plan

    @property
    def frontier(self) -> pd.DataFrame:
        """The Pareto rows, by TTFT p99."""
        return self[self.pareto].sort_values(["ttft_p99_ms", "goodput_per_gpu"])

    def deployment(self, label: Any) -> DeploymentConfig:
        """Row ``label``'s configuration as a ``DeploymentConfig``: profile, pools, router, policy,
        Planner and workload (at the row's operating load)."""
        if label not in self.index:
            raise KeyError(f"label: no row {label!r} in this plan (rows {self.index.min()}..{self.index.max()})")
        r = self.loc[label]
        return DeploymentConfig(profile=self.profile, n_prefill=int(r.n_prefill), n_decode=int(r.n_decode),
                                tau=float(r.tau), omega=float(r.omega), policy=str(r.policy),
                                planner=bool(r.planner), workload=self.workload.widget_spec(r.load))

    def config(self, label: Any) -> dict[str, Any]:
        """Row ``label``'s configuration as a dict (``deployment(label).as_dict()``), the form
        ``OrbitsWidget.load_config`` takes and notebooks index and edit."""
        return self.deployment(label).as_dict()
