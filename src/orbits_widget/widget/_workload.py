"""The widget's workload: the paper's closed loop (C clients, set by the load slider) or an open loop
(a trace replayed at its timestamps, or Poisson arrivals at a rate).

A workload is ``None`` (the closed loop at the widget's load) or one of the dicts ``Plan.config``
gives: ``{"kind": "paper", "concurrency": C}``, ``{"kind": "trace", "trace": Trace, "scale": s}``
(the trace already scaled: ``s`` only names the factor) or ``{"kind": "rate", "rate": r}``.
``normalize`` checks one and returns it in the form the runner keeps: ``None`` for the closed loop
(a paper workload's C becomes the load), else the open loop's dict.

``Loading`` is ``OrbitsWidget``'s side: ``set_workload`` and ``load_config`` (a ``DeploymentConfig``)
restart both twins at t = 0 with the new workload or configuration.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._validate import check_number
from ..api.deployment import DeploymentConfig
from ..workload.traces import Trace, load_trace

if TYPE_CHECKING:
    from ._runner import Runner

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


class Loading:
    """``OrbitsWidget``'s methods that put a workload or a whole configuration on the stage, from
    t = 0 (a mixin: the widget's traits and runner are its own)."""

    if TYPE_CHECKING:       # what the widget provides
        _runner: Runner
        _schema: dict
        _workload: dict
        load: float
        c_max: int
        n_prefill: int
        n_decode: int
        tau: float
        omega: float
        demo: bool
        max_workers: int

    def set_workload(self, workload: dict | None):
        """Run ``workload`` from t = 0 (the controls kept): None or ``{"kind": "paper", "concurrency": C}``
        for the paper's closed loop (C sets the load, raising ``c_max`` when C exceeds it), or an open
        loop: ``{"kind": "trace", "trace": Trace, "scale": s}`` replays the trace (already scaled: ``s``
        only names the factor; a path to a Mooncake JSONL file also does) at its timestamps, ``{"kind":
        "rate", "rate": r}`` sends Poisson arrivals at r req/s. In an open loop the load and the mode
        tabs do not apply: the page shows them disabled and writing ``load`` or ``mode`` raises
        ``TraitError``; ``concurrency`` is None and the frame and the chart's live point carry the
        measured mean in-flight requests instead. A finished replay pauses the widget."""
        self._set_workload(workload)
        return self

    def _set_workload(self, workload: dict | None, keep_demo: bool = False) -> None:
        wl = normalize(workload)
        self._install({}, wl, f"workload: {self._describe(wl)}", keep_demo=keep_demo)

    def load_config(self, cfg: DeploymentConfig | Mapping[str, Any]):
        """Put one configuration on the stage, from t = 0: ``cfg`` is a ``DeploymentConfig`` or a dict
        with its fields, as ``Plan.config(label)`` gives it: ``{"profile", "n_prefill", "n_decode",
        "tau", "omega", "policy", "planner", "workload"}``. Sets the pools, the router (the static
        twin's (tau, omega), the adaptive controller's BELOW row), ``adaptive`` (policy ==
        "adaptive": the stage shows the adaptive twin), ``planner`` and the workload (see
        ``set_workload``), and says what it loaded in the mission log. The profile must be the
        widget's; anything missing or out of range raises ValueError and changes nothing."""
        r = self._runner
        # one check for both forms: the record's fields, the pools within this widget's max_workers
        c = DeploymentConfig.from_dict(cfg.as_dict() if isinstance(cfg, DeploymentConfig) else cfg,
                                       max_workers=self.max_workers)
        if c.profile != r.profile.name:
            raise ValueError(f"cfg['profile']: this widget simulates {r.profile.name!r}, got {c.profile!r}; "
                             f"load it into OrbitsWidget(profile={c.profile!r})")
        wl = normalize(c.workload)
        adaptive = c.policy == "adaptive"
        router = f"(τ, ω) = ({c.tau:g}, {c.omega:g})" + (" as the controller's BELOW row" if adaptive else "")
        text = (f"loaded {c.policy} {c.n_prefill}P/{c.n_decode}D, {router}, Planner {'on' if c.planner else 'off'}, "
                f"{self._describe(wl)}")
        # the plan's Planner moves the configuration's own workers between the pools: so does this one
        self._install(dict(n_prefill=c.n_prefill, n_decode=c.n_decode, tau=c.tau, omega=c.omega, adaptive=adaptive,
                           planner=c.planner), wl, text, planner_budget=max(2, c.n_prefill + c.n_decode))
        return self

    def _describe(self, wl: tuple | dict | None) -> str:
        if wl is None:
            return f"closed loop, C = {round(self.load * self.c_max)} clients"
        if isinstance(wl, tuple):
            return f"closed loop, C = {wl[1]} clients"
        return "open loop, " + describe(wl)["text"]

    def _install(self, values: dict, wl: tuple | dict | None, text: str, keep_demo: bool = False,
                 planner_budget: int | None = None) -> None:
        """Set the traits ``values`` and the workload ``wl`` (``_workload.normalize``'s) and restart both
        twins at t = 0 with them. The twins are built first: if that fails (a trace that does not fit
        the profile) nothing has changed."""
        r = self._runner
        with r.lock:
            c_max, load = self.c_max, self.load
            open_loop = wl if isinstance(wl, dict) else None
            if isinstance(wl, tuple):                   # the paper's closed loop at exactly C clients
                c = wl[1]
                c_max = max(c_max, c)
                load = c / c_max
            v = {"n_prefill": self.n_prefill, "n_decode": self.n_decode, "tau": self.tau, "omega": self.omega, **values}
            twins = r.make_twins(v["n_prefill"], v["n_decode"], v["tau"], v["omega"], open_loop,
                                 round(load * c_max), planner_budget)
            if self.demo and not keep_demo:
                self.demo = False
            r.loading = True            # the observers leave the twins alone: the new ones have these values
            try:
                r.open_loop = open_loop
                if planner_budget is not None:
                    r.planner_budget = planner_budget
                self._workload = describe(open_loop)
                self.c_max = c_max
                self.load = load
                for name, value in values.items():
                    setattr(self, name, value)
            finally:
                r.loading = False
            r.log.clear()
            r.build(twins)
            self._schema = r.schema()
            r.collect_log()             # the new twins' own t = 0 lines first: what was loaded is said last
            r.narrate(text, kind="config")
            r.publish(r.clock(), force=True)
