"""The Saturation Detector and the adaptive controller (paper section 6), as configured from Python:
``DetectorConfig``, its validation, and the regime table.

The poll itself runs inside the event loop, so it lives in ``kernel/detector.py`` (the mechanism is
described there); its names are re-exported here for the modules above the kernel.

Regime table (``DEFAULT_TABLE``): BELOW = Dynamo's defaults (0.0, 1.0); SATURATED = the paper's
(0.8, 0.1); TRANSITION = (0.4, 0.5), our choice — half-way on both knobs: the softmax already makes
the worst worker e^(1/0.4) = 12x less likely than the best (not 22 000x, as at tau = 0.1) so a pool
starts to spread before it saturates, while cache affinity keeps half its weight.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .._validate import INTEGER, NUMBER, Rule, check_number, check_record
from ..kernel.detector import (
    DYNAMO_TTFT_BUCKETS,
    REGIMES,
    detector_signal,
    detector_update,
    histogram_quantile,
    log_buckets,
    window_p99,
    window_prometheus_p99,
)

__all__ = ["DetectorConfig", "DEFAULT_TABLE", "MIN_POLL_INTERVAL", "DYNAMO_TTFT_BUCKETS", "REGIMES",
           "detector_signal", "detector_update", "histogram_quantile", "log_buckets", "window_p99",
           "window_prometheus_p99"]

MIN_POLL_INTERVAL = 0.1   # seconds
DEFAULT_TABLE = {"BELOW": (0.0, 1.0), "TRANSITION": (0.4, 0.5), "SATURATED": (0.8, 0.1)}


# What each DetectorConfig setting may hold; the regime table's rows are checked after it
DETECTOR_RULES: tuple[Rule, ...] = (
    Rule("theta1", NUMBER, 0.0, 1e6, lo_open=True),
    Rule("theta2", NUMBER, 0.0, 1e6, lo_open=True),
    Rule("hysteresis", INTEGER, 1, 1000),
    # a poll faster than 0.1 s sees nothing new (a decode pass lasts 5-50 ms) and costs an event each
    Rule("poll_interval", NUMBER, MIN_POLL_INTERVAL, 1e6),
    Rule("ewma_alpha", NUMBER, 0.0, 1.0, lo_open=True),
)


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds in seconds, poll interval in simulated seconds."""

    theta1: float = 0.3
    theta2: float = 2.0
    hysteresis: int = 3
    poll_interval: float = 5.0
    ewma_alpha: float = 0.3
    table: dict = field(default_factory=lambda: dict(DEFAULT_TABLE))

    def __post_init__(self):
        check_record(DETECTOR_RULES, self)
        if not self.theta1 < self.theta2:
            raise ValueError(f"theta1: must be below theta2 ({self.theta2!r}), got {self.theta1!r}")
        if not isinstance(self.table, dict):
            raise ValueError(f"table: must be a dict with keys {list(REGIMES)}, got {self.table!r}")
        missing = [r for r in REGIMES if r not in self.table]
        extra = [r for r in self.table if r not in REGIMES]
        if missing or extra:
            raise ValueError(f"table: needs exactly the regimes {list(REGIMES)}; missing {missing}, unknown {extra}")
        for r in REGIMES:
            row = self.table[r]
            if not (isinstance(row, (tuple, list)) and len(row) == 2):
                raise ValueError(f"table: the {r} row must be a (tau, omega) pair, got {row!r}")
            check_number(f"table[{r!r}] tau", row[0], 0.0, 1e6)
            check_number(f"table[{r!r}] omega", row[1], 0.0, 1e6)

    def row(self, regime: str) -> tuple[float, float]:
        tau, omega = self.table[regime]
        return float(tau), float(omega)
