"""``plan``: the P/D resource game played out on a workload."""
from __future__ import annotations

import math

import pandas as pd

from .. import profiles as _profiles
from .._validate import check_number
from ..api.simulation import DEFAULT_WARMUP, POLICIES, Simulation
from ..api.sweep import run_tasks
from . import marginal as _marginal
from .result import COLUMNS, Plan, Winner, check_sla, failing, no_winner_reason, pareto, summarise, winner_reason
from .search import (
    METRICS,
    as_workload,
    check_choices,
    check_loads,
    check_router_grid,
    check_seeds,
    check_splits,
    grid,
    measure,
)
from .shared import prestart, shared_with


def _rank(row):
    """The winner's order: goodput per GPU, then lower TTFT p99, fewer GPUs, static, Planner off."""
    return (-row.goodput_per_gpu, row.ttft_p99_ms, row.gpus, row.policy != "static", bool(row.planner))


def plan(workload, gpus, sla, profile="nemotron-340b-1p2d", policies=("static", "adaptive"), router_grid=None,
         loads=None, executor=None, progress=None, planner=(False,), splits=None, seeds=(0,), seconds=120.0,
         warmup=DEFAULT_WARMUP, marginal=True, prune=True, **overrides) -> Plan:
    """Search the deployments of a GPU budget for ``workload`` under ``sla``; one row per configuration.

    Parameters
    ----------
    workload : "paper", str, path, Trace or {"rate": r}
        The paper's synthetic workload (closed loop, swept over ``loads`` = concurrencies, default
        8 ... 256), a Mooncake trace (open loop at its timestamps; ``loads`` scale its arrival rate,
        default 1), or an open-loop Poisson rate of the paper's prompts (``loads`` scale it).
    gpus : int
        The budget: ``gpus // profile.tp`` whole workers shared by the two pools.
    sla : dict
        ``{"ttft_p99_ms": X, "itl_p99_ms": Y}`` (leave one out to not bound it).
    profile : str or Profile
        The deployment's hardware and model (``ow.profiles.names()``).
    policies : iterable of "static", "adaptive"
        Under "adaptive", a router setting is the controller's BELOW row (it flips to the regime
        table's TRANSITION and SATURATED rows as the Saturation Detector sees saturation).
    router_grid : iterable of (tau, omega)
        Default: the paper's 4 x 4 grid (tau 0, 0.25, 0.5, 0.8 x omega 0.1, 0.4, 0.7, 1.0).
    loads : iterable
        See ``workload``.
    executor : concurrent.futures.Executor, optional
        Runs the configurations, and the marginal analysis's runs, in parallel (a process pool,
        Dask's ``Client.get_executor()``); the rows are identical to a serial search. A
        ``ProcessPoolExecutor`` gets a trace once, through shared memory (``shared``), not with
        each task.
    progress : None, True or False
        A tqdm bar: None shows one from 64 configurations on.
    planner : iterable of bool
        Search with the Planner off (default), on (it moves the configuration's own workers
        between the pools every 30 s), or both.
    splits : iterable of (n_prefill, n_decode), optional
        Default: every split of the whole budget with at least one worker per pool.
    seeds : iterable of int
        Each run is the mean over these seeds (default one seed).
    seconds, warmup : float
        Measured and unmeasured simulated seconds per run (a trace runs to its end, all measured).
    marginal : bool
        Run the marginal analysis at the winner (``Plan.marginal``).
    prune : bool
        Skip a configuration's loads above a saturated miss: a load that misses the TTFT target
        while completing at most 2 % more than the load below it (``search.saturated_miss``: no
        higher load can meet the target, by Little's law). ``Plan.runs`` then lacks those loads;
        the rows' goodput, operating load, binding constraint and bottleneck are the same as
        without pruning (``max_throughput_rps`` is over the loads run). False runs every load.
    **overrides
        Profile fields (as for ``Simulation``).

    Returns
    -------
    Plan
        A DataFrame with the columns of ``result.COLUMNS``; see ``Plan``.
    """
    prof = _profiles.get(profile, **overrides)
    wl = as_workload(workload)
    gpus = check_number("gpus", gpus, 2 * prof.tp, 1_000_000, integer=True)
    workers = gpus // prof.tp
    sla = check_sla(sla)
    loads = check_loads(wl, loads)
    splits = check_splits(splits, workers)
    routers = check_router_grid(router_grid)
    policies = check_choices("policies", policies, POLICIES)
    planners = check_choices("planner", planner, (False, True))
    seeds = check_seeds(seeds)
    seconds = check_number("seconds", seconds, 0.0, 1e7, lo_open=True)
    warmup = check_number("warmup", warmup, 0.0, 1e7)
    for name, flag in (("marginal", marginal), ("prune", prune)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name}: must be True or False, got {flag!r}")
    if progress not in (None, True, False):
        raise ValueError(f"progress: must be None, True or False, got {progress!r}")
    if executor is not None and not hasattr(executor, "submit"):      # checked before the first simulation
        raise ValueError(f"executor: must be a concurrent.futures.Executor (or None), got {executor!r}")
    configs = grid(splits, routers, policies, planners)
    prestart(executor, len(configs))    # a process pool's new workers start (import the package) meanwhile
    # every argument checked here, before any work is shipped: one simulation of the first
    # configuration at the first load (the trace must fit a decode worker, and so on)
    Simulation(profile=prof, seed=seeds[0], history=1, **configs[0].sim_kwargs(), **wl.sim_kwargs(loads[0]))

    stop = sla["ttft_p99_ms"] if prune else math.inf
    # on a process pool the tasks name a trace written once to shared memory (``shared``)
    with shared_with(wl, executor) as task_wl:
        args: list[tuple] = [(prof, task_wl, cfg, loads, seeds, seconds, warmup, {}, stop) for cfg in configs]
        measured = run_tasks(measure, args, executor, progress, "plan")

        rows = [summarise(cfg, prof.tp, loads, runs, sla) for cfg, runs in zip(configs, measured)]
        out = Plan(pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "pareto"]))
        out["pareto"] = pareto(out.goodput_per_gpu, out.ttft_p99_ms, out.meets_sla)
        run_rows = []
        for label, (cfg, runs) in enumerate(zip(configs, measured)):
            for load, run in zip(loads, runs):
                run_rows.append(dict(config=label, n_prefill=cfg.n_prefill, n_decode=cfg.n_decode, tau=cfg.tau,
                                     omega=cfg.omega, policy=cfg.policy, planner=cfg.planner, load=load, **run,
                                     meets_sla=not failing(run, sla)))
        runs_df = pd.DataFrame(run_rows, columns=["config", "n_prefill", "n_decode", "tau", "omega", "policy",
                                                  "planner", "load", *METRICS, "meets_sla"])
        out.profile, out.sla, out.workload, out.budget_gpus, out.tp = prof.name, sla, wl, gpus, prof.tp
        out.runs, out.marginal = runs_df, None
        out.search = dict(splits=splits, router_grid=routers, policies=policies, planner=planners, loads=loads,
                          seeds=seeds, seconds=seconds, warmup=warmup, prune=bool(prune),
                          skipped_runs=len(configs) * len(loads) - len(runs_df))
        feasible = out[out.meets_sla]
        if len(feasible):
            label = min(feasible.index, key=lambda i: _rank(out.loc[i]))
            row = out.loc[label]
            reason = winner_reason(row, runs_df, sla, wl.load_name)
            out.best = Winner(index=int(label), config=out.config(label), binding=row.binding, reason=reason)
            out.verdict, out.infeasible = reason, ()
            if marginal:
                op = loads.index(row.load)
                out.marginal = _marginal.analyse(prof, task_wl, configs[label], row, measured[label][op], loads,
                                                 seeds, seconds, warmup, {}, sla, prof.tp, executor=executor)
        else:
            out.best = None
            out.infeasible, out.verdict = no_winner_reason(runs_df, sla)
    return out
