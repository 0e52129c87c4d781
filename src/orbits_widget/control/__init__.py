"""The control plane, Python side: the Saturation Detector's config, the Planner, PoA-hat's readout,
the paper's router grid. The detector's poll and the PoA-hat estimator run in ``kernel/``."""
from .detector import DEFAULT_TABLE, REGIMES, DetectorConfig
from .planner import PREDICTORS, PlannerConfig

__all__ = ["DetectorConfig", "DEFAULT_TABLE", "REGIMES", "PlannerConfig", "PREDICTORS"]
