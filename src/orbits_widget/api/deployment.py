"""A deployment configuration as one typed record: what ``Plan.config`` gives and
``OrbitsWidget.load_config`` takes.

``DeploymentConfig`` names the profile, the two pools, the router (tau, omega), the policy, whether
the Planner runs and the workload (``None`` or a workload dict as ``OrbitsWidget.set_workload``
reads it). Its fields are checked by one rule table (``_validate``), whether it is built directly
or read from a dict with ``from_dict``; ``as_dict`` gives the dict back.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .._validate import BOOL, CHOICE, INTEGER, NUMBER, Rule, check_fields
from .simulation import POLICIES

MAX_WORKERS = 64        # the most workers a pool may have (Profile.max_workers' range)
ROUTER_MAX = 1e6        # tau and omega, as Simulation.set_router allows


def _rules(label: Callable[[str], str]) -> tuple[Rule, ...]:
    """The table for one record; ``label`` names a field in messages. ``max_workers`` is not a field:
    it is the bound the caller checks the pools against (a widget's, or the most any profile has)."""
    return (Rule("max_workers", INTEGER, 1, MAX_WORKERS),
            Rule(label("n_prefill"), INTEGER, 0, "max_workers"),
            Rule(label("n_decode"), INTEGER, 0, "max_workers"),
            Rule(label("tau"), NUMBER, 0.0, ROUTER_MAX),
            Rule(label("omega"), NUMBER, 0.0, ROUTER_MAX),
            Rule(label("policy"), CHOICE, choices=POLICIES),
            Rule(label("planner"), BOOL))


_CHECKED = ("n_prefill", "n_decode", "tau", "omega", "policy", "planner")     # the fields the rules check


def _plain(value: Any) -> Any:
    # a DataFrame row gives numpy scalars: numpy.bool_ is not bool, so take the Python value
    return value.item() if isinstance(value, np.generic) else value


def _checked(values: Mapping[str, Any], max_workers: int, label: Callable[[str], str]) -> dict[str, Any]:
    """``values`` (every field) checked and coerced, or ValueError naming the first bad field."""
    if not isinstance(values["profile"], str) or not values["profile"]:
        raise ValueError(f"{label('profile')}: must be a profile's name, got {values['profile']!r}")
    workload = values["workload"]
    if workload is not None and not isinstance(workload, Mapping):
        raise ValueError(f"{label('workload')}: must be None or a workload dict, got {workload!r}")
    # the rules read a field under its label; max_workers comes from the caller
    by_label = {label(k): _plain(v) for k, v in values.items()} | {"max_workers": max_workers}
    out = check_fields(_rules(label), by_label)
    return {"profile": values["profile"], **{k: out[label(k)] for k in _CHECKED},
            "workload": None if workload is None else dict(workload)}


@dataclass(frozen=True)
class DeploymentConfig:
    """One deployment: ``profile`` (a profile's name), ``n_prefill``/``n_decode`` workers (0 to
    ``MAX_WORKERS``; 0 is an outage), the router ``tau``/``omega`` (0 to 1e6; the static twin's, and
    the adaptive controller's BELOW row), ``policy`` ("static" or "adaptive"), ``planner`` (True or
    False) and ``workload`` (None: the closed loop at the widget's load; else ``{"kind": "paper",
    "concurrency": C}``, ``{"kind": "trace", "trace": Trace, "scale": s}`` or ``{"kind": "rate",
    "rate": r}``). A bad field raises ValueError naming it."""

    profile: str
    n_prefill: int
    n_decode: int
    tau: float
    omega: float
    policy: str
    planner: bool
    workload: dict[str, Any] | None = field(default=None, hash=False)     # a dict is not hashable

    def __post_init__(self) -> None:
        for k, v in _checked(self.as_dict(), MAX_WORKERS, str).items():
            object.__setattr__(self, k, v)      # frozen: the checked, coerced values replace the given

    @classmethod
    def from_dict(cls, cfg: Mapping[str, Any], *, max_workers: int = MAX_WORKERS) -> DeploymentConfig:
        """The record of ``cfg``, a dict with exactly the keys ``FIELDS`` (as ``Plan.config`` gives
        it), its pools at most ``max_workers``. Errors name the key: ``cfg['n_prefill']: must be ...``,
        or the keys missing and unknown."""
        if not isinstance(cfg, Mapping):
            raise ValueError(f"cfg: must be a dict with the keys {list(FIELDS)}, got {type(cfg).__name__}")
        missing, extra = [k for k in FIELDS if k not in cfg], sorted(map(str, set(cfg) - set(FIELDS)))
        if missing or extra:
            raise ValueError(f"cfg: needs exactly the keys {list(FIELDS)}; missing {missing}, unknown {extra}")
        return cls(**_checked(cfg, max_workers, lambda k: f"cfg[{k!r}]"))

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict, the form ``from_dict`` reads (the workload dict copied, its trace not)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["workload"] is not None:
            out["workload"] = dict(out["workload"])
        return out


FIELDS = tuple(f.name for f in fields(DeploymentConfig))
