"""The PoA-hat estimator (paper section 6.4), read from Python: ``rolling`` over the kernel's ring.

The estimator itself runs inside the event loop, so it lives in ``kernel/poa.py`` (what it computes is
described there); its jitted names are re-exported here for the modules above the kernel.
"""
from __future__ import annotations

import math

import numpy as np

from ..kernel.poa import account, match_pair, min_cost_matching, poa_first_token, poa_route

__all__ = ["LIVE_WINDOW", "rolling", "account", "match_pair", "min_cost_matching", "poa_first_token",
           "poa_route"]

LIVE_WINDOW = 10.0


def rolling(ring: np.ndarray, now: float, window: float = LIVE_WINDOW) -> tuple[float, int]:
    """(PoA-hat, n) over the requests accounted in the last ``window`` seconds; NaN when none."""
    t = ring[0]
    sel = np.isfinite(t) & (t > now - window) & (t <= now)
    n = int(sel.sum())
    opt = ring[2][sel].sum()
    return (float(ring[1][sel].sum() / opt) if n and opt > 0 else math.nan), n
