"""The control plane: Saturation Detector and adaptive controller, Planner, PoA-hat estimator."""
from .detector import DEFAULT_TABLE, REGIMES, DetectorConfig
from .planner import PREDICTORS, PlannerConfig

__all__ = ["DetectorConfig", "DEFAULT_TABLE", "REGIMES", "PlannerConfig", "PREDICTORS"]
