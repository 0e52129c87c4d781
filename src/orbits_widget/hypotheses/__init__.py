"""Why adaptive routing helps: the hypothesis bench (``ow.hypotheses.evaluate()``, ``python -m orbits_widget
explain``). See docs/hypotheses.md."""
from .catalog import DEFAULT, HYPOTHESES, MECHANISMS, TODAY, Hypothesis, Mechanism, choices, profile_for
from .observations import OBSERVATIONS
from .scorecard import Scorecard, calibrate, evaluate

__all__ = ["DEFAULT", "HYPOTHESES", "MECHANISMS", "OBSERVATIONS", "TODAY", "Hypothesis", "Mechanism", "Scorecard",
           "calibrate", "choices", "evaluate", "profile_for"]
