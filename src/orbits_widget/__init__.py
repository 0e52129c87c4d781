"""orbits-widget: simulate and watch NVIDIA Dynamo's disaggregated inference routing at saturation.

Companion to "The Price of Anarchy in Disaggregated Inference" (arXiv 2606.17081).
"""
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from ._numba_cache import keyed_cache

with keyed_cache():     # every jitted module is imported (and decorated) in here
    from . import hypotheses, profiles
    from .api import SUMMARY_KEYS, Result, Simulation, Twins, decompose, replay, sweep
    from .api.deployment import DeploymentConfig
    from .control import DEFAULT_TABLE, REGIMES, DetectorConfig, PlannerConfig
    from .planning import Plan, plan
    from .widget import OrbitsWidget, PlanView
    from .workload import Trace, load_trace, synthetic_trace

try:
    __version__ = _version("orbits-widget")
except PackageNotFoundError:        # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["profiles", "Simulation", "Result", "SUMMARY_KEYS", "sweep", "Trace", "load_trace", "synthetic_trace",
           "DetectorConfig", "DEFAULT_TABLE", "REGIMES", "Twins", "decompose", "PlannerConfig", "OrbitsWidget",
           "plan", "Plan", "PlanView", "DeploymentConfig", "hypotheses", "replay"]
