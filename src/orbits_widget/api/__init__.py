"""The headless API: one run (``Simulation``), a static/adaptive pair (``Twins``), grids
(``sweep``) and the saturation decomposition (``decompose``)."""
from .decompose import decompose
from .simulation import SUMMARY_KEYS, Result, Simulation
from .sweep import sweep
from .twins import Twins

__all__ = ["Simulation", "Result", "SUMMARY_KEYS", "Twins", "sweep", "decompose"]
