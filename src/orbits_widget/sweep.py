"""Grids of headless runs, one DataFrame row per run."""
from __future__ import annotations

import itertools

import pandas as pd

from .simulation import Simulation, DEFAULT_WARMUP, SUMMARY_KEYS


def _as_list(name, v, default):
    if v is None:
        return [default]
    if isinstance(v, (list, tuple)):
        if len(v) == 0:
            raise ValueError(f"{name}: must not be an empty list")
        return list(v)
    return [v]


def sweep(profile="nemotron-340b-1p2d", concurrency=(8, 16, 32, 64, 96, 128, 192, 256), policy=("static",),
          seeds=(0,), seconds=120.0, tau=None, omega=None, warmup=DEFAULT_WARMUP, **overrides) -> pd.DataFrame:
    """Run every combination of ``concurrency`` x ``policy`` x ``seeds`` x ``tau`` x ``omega``
    (scalars or lists; ``tau``/``omega`` None = Dynamo's defaults 0.0 / 1.0) for ``seconds``
    measured after ``warmup``, and return one row per run with the columns of ``SUMMARY_KEYS``."""
    rows = []
    grid = itertools.product(_as_list("concurrency", concurrency, 128), _as_list("policy", policy, "static"),
                             _as_list("seeds", seeds, 0), _as_list("tau", tau, 0.0), _as_list("omega", omega, 1.0))
    for c, pol, seed, t, w in grid:
        # a sweep reads summaries only: keep a short per-request history
        sim = Simulation(profile=profile, concurrency=c, policy=pol, tau=t, omega=w, seed=seed, history=256,
                         **overrides)
        rows.append(sim.run(seconds=seconds, warmup=warmup).summary())
    return pd.DataFrame(rows, columns=list(SUMMARY_KEYS))
