"""orbits-widget: simulate and watch NVIDIA Dynamo's disaggregated inference routing at saturation.

Companion to "The Price of Anarchy in Disaggregated Inference" (arXiv 2606.17081).
"""
from . import profiles
from .controller import DEFAULT_TABLE, REGIMES, DetectorConfig
from .simulation import Simulation, Result, SUMMARY_KEYS
from .sweep import sweep
from .trace import Trace, load_trace, synthetic_trace
from .twins import Twins
from .decompose import decompose
from .planner import PlannerConfig
from .widget import OrbitsWidget

__all__ = ["profiles", "Simulation", "Result", "SUMMARY_KEYS", "sweep", "Trace", "load_trace", "synthetic_trace",
           "DetectorConfig", "DEFAULT_TABLE", "REGIMES", "Twins", "decompose", "PlannerConfig"]
__version__ = "0.1.0"
