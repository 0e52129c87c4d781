"""Grids of headless runs, one DataFrame row per run, serially or on any executor."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from ..profiles import Profile
from .simulation import DEFAULT_WARMUP, SUMMARY_KEYS, Simulation


def as_axis(name: str, v: Any, default: Any) -> list:
    """A grid axis: None (the default), one value, or any iterable of values (list, range, numpy
    array; numpy scalars become Python numbers)."""
    if v is None:
        return [default]
    if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
        values = [v]
    else:
        values = list(v)
        if len(values) == 0:
            raise ValueError(f"{name}: must not be empty")
    return [x.item() if isinstance(x, np.generic) else x for x in values]


def run_point(profile: str | Profile, c: int | None, policy: str, seed: int, tau: float | None, omega: float | None,
              seconds: float, warmup: float, overrides: dict[str, Any]) -> dict:
    """One grid point (a module-level function, so process pools and Dask can ship it)."""
    # a sweep reads summaries only: keep a short per-request history
    sim = Simulation(profile=profile, concurrency=c, policy=policy, tau=tau, omega=omega, seed=seed, history=256,
                     **overrides)
    return sim.run(seconds=seconds, warmup=warmup).summary()


PROGRESS_MIN_POINTS = 64     # progress=None shows a bar from this many points on


def progress_bar(total: int, progress: bool | None, desc: str) -> Any:
    """A tqdm.auto bar (a widget in notebooks, text in a terminal) or None."""
    show = total >= PROGRESS_MIN_POINTS if progress is None else bool(progress)
    if not show:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="run", leave=False)


def sweep(profile: str | Profile = "nemotron-340b-1p2d", concurrency: Any = (8, 16, 32, 64, 96, 128, 192, 256),
          policy: Any = ("static",), seeds: Any = (0,), seconds: float = 120.0, tau: Any = None, omega: Any = None,
          warmup: float = DEFAULT_WARMUP, executor: Executor | None = None, progress: bool | None = None,
          **overrides: Any) -> pd.DataFrame:
    """Run every combination of ``concurrency`` x ``policy`` x ``seeds`` x ``tau`` x ``omega``
    (scalars or lists; ``tau``/``omega`` None = Dynamo's defaults 0.0 / 1.0) for ``seconds``
    measured after ``warmup``; one row per run with the columns of ``SUMMARY_KEYS``, in grid order.

    ``executor``: any ``concurrent.futures.Executor`` (a process pool, Dask's
    ``Client.get_executor()``) runs the points in parallel with identical results; None (default)
    runs them here, which is fastest for small grids (each point takes milliseconds).
    ``progress``: None (default) shows a progress bar on grids of 64 points or more, True always,
    False never."""
    if progress not in (None, True, False):
        raise ValueError(f"progress: must be None, True or False, got {progress!r}")
    axes = (as_axis("concurrency", concurrency, 128), as_axis("policy", policy, "static"),
            as_axis("seeds", seeds, 0), as_axis("tau", tau, 0.0), as_axis("omega", omega, 1.0))
    grid = list(itertools.product(*axes))
    # validate every value of every axis here, before any work is shipped (each with the other
    # axes at their first value: a simulation checks each argument on its own)
    first = grid[0]
    for axis, values in enumerate(axes):
        for v in values:
            c, pol, seed, t, w = first[:axis] + (v,) + first[axis + 1:]
            Simulation(profile=profile, concurrency=c, policy=pol, tau=t, omega=w, seed=seed, history=1,
                       **overrides)
    args = [(profile, c, pol, seed, t, w, seconds, warmup, overrides) for c, pol, seed, t, w in grid]
    rows = run_tasks(run_point, args, executor, progress, "sweep")
    return pd.DataFrame(rows, columns=list(SUMMARY_KEYS))


def run_tasks(fn: Callable[..., Any], args: list[tuple], executor: Executor | None, progress: bool | None,
              desc: str) -> list:
    """``[fn(*a) for a in args]``, here or on ``executor`` (results in the order of ``args``), with
    a progress bar (``progress_bar``)."""
    if executor is not None and not hasattr(executor, "submit"):
        raise ValueError(f"executor: must be a concurrent.futures.Executor (or None), got {executor!r}")
    bar = progress_bar(len(args), progress, desc)
    try:
        if executor is None:
            out = []
            for a in args:
                out.append(fn(*a))
                if bar is not None:
                    bar.update()
            return out
        futures = [executor.submit(fn, *a) for a in args]
        if bar is not None:
            for f in futures:
                f.add_done_callback(lambda _: bar.update())
        return [f.result() for f in futures]
    finally:
        if bar is not None:
            bar.close()
