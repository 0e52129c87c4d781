"""The widget's workload: the paper's closed loop (C clients, set by the load slider) or an open loop
(a trace replayed at its timestamps, or Poisson arrivals at a rate).

A workload is ``None`` (the closed loop at the widget's load) or one of the dicts ``Plan.config``
gives: ``{"kind": "paper", "concurrency": C}``, ``{"kind": "trace", "trace": Trace, "scale": s}``
(the trace already scaled: ``s`` only names the factor) or ``{"kind": "rate", "rate": r}``.
``normalize`` checks one and returns it in the form the runner keeps: ``None`` for the closed loop
(a paper workload's C becomes the load), else the open loop's dict.
"""
from __future__ import annotations

import os

from .._validate import check_number
from ..workload.traces import Trace, load_trace

KINDS = ("paper", "trace", "rate")
KEYS = {"paper": {"kind", "concurrency"}, "trace": {"kind", "trace", "scale"}, "rate": {"kind", "rate"}}
MAX_CONCURRENCY = 100_000           # the widget's c_max range
MAX_RATE = 1e7                      # requests per second, as Simulation allows


def normalize(workload):
    """``workload`` checked: ``None``, ``("paper", C)`` or the open loop's dict; ValueError naming the
    field and what it allows otherwise."""
    if workload is None:
        return None
    if not isinstance(workload, dict):
        raise ValueError(f"workload: must be None or a dict with 'kind' in {list(KINDS)}, got {workload!r}")
    kind = workload.get("kind")
    if kind not in KINDS:
        raise ValueError(f"workload: 'kind' must be one of {list(KINDS)}, got {kind!r}")
    extra = set(workload) - KEYS[kind]
    missing = KEYS[kind] - set(workload) - ({"scale"} if kind == "trace" else set())
    if extra or missing:
        raise ValueError(f"workload: a {kind!r} workload has the keys {sorted(KEYS[kind])}; "
                         f"missing {sorted(missing)}, unknown {sorted(extra)}")
    if kind == "paper":
        return ("paper", check_number("workload['concurrency']", workload["concurrency"], 0, MAX_CONCURRENCY,
                                      integer=True))
    if kind == "rate":
        return {"kind": "rate", "rate": check_number("workload['rate']", workload["rate"], 0.0, MAX_RATE,
                                                     lo_open=True)}
    trace = workload["trace"]
    if isinstance(trace, (str, os.PathLike)):
        trace = load_trace(trace)
    if not isinstance(trace, Trace):
        raise ValueError(f"workload['trace']: must be a Trace (orbits_widget.workload.traces) or a path to a "
                         f"Mooncake JSONL file, got {type(trace).__name__}")
    scale = check_number("workload['scale']", workload.get("scale", 1.0), 0.0, 1e6, lo_open=True)
    return {"kind": "trace", "trace": trace, "scale": scale}


def twin_kwargs(open_loop, concurrency: int) -> dict:
    """``Twins``' workload keywords: the closed loop at ``concurrency`` or the open loop."""
    if open_loop is None:
        return {"concurrency": concurrency}
    if open_loop["kind"] == "rate":
        return {"concurrency": None, "rate": open_loop["rate"]}
    return {"concurrency": None, "trace": open_loop["trace"]}     # open loop at the trace's timestamps


def describe(open_loop) -> dict:
    """What the page shows of the workload (plain text, set with textContent)."""
    if open_loop is None:
        return {"kind": "paper", "text": ""}
    if open_loop["kind"] == "rate":
        return {"kind": "rate", "text": f"Poisson arrivals at {open_loop['rate']:g} req/s"}
    n = len(open_loop["trace"])
    return {"kind": "trace", "text": f"trace replay ×{open_loop['scale']:g} · {n:,} request{'s' if n != 1 else ''}"}
