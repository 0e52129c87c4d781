"""The headless API: one run (``Simulation``), a static/adaptive pair (``Twins``), grids
(``sweep``), the saturation decomposition (``decompose``) and a trace replayed while it is read
(``replay``)."""
from .decompose import decompose
from .replay import replay
from .simulation import SUMMARY_KEYS, Result, Simulation
from .sweep import sweep
from .twins import Twins

__all__ = ["Simulation", "Result", "SUMMARY_KEYS", "Twins", "sweep", "decompose", "replay"]
