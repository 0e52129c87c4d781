"""Why adaptive routing helps: the hypothesis bench (``ow.hypotheses.evaluate()``, ``python -m orbits_widget
explain``). See docs/hypotheses.md."""
from .catalog import HYPOTHESES, MECHANISMS, TODAY, Hypothesis, Mechanism
from .observations import OBSERVATIONS
from .scorecard import Scorecard, calibrate, evaluate

__all__ = ["HYPOTHESES", "MECHANISMS", "OBSERVATIONS", "TODAY", "Hypothesis", "Mechanism", "Scorecard", "calibrate",
           "evaluate"]
