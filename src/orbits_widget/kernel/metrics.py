"""Reading the kernel's bounded metrics: log-histogram quantiles and the rolling TTFT ring."""
from __future__ import annotations

import math

import numpy as np

from . import engine as E

def _edges():
    b = np.arange(E.H_BINS + 1)
    octave, sub = b // E.H_SUB + E.H_EMIN, b % E.H_SUB
    return (0.5 + sub / (2.0 * E.H_SUB)) * np.exp2(octave.astype(float))


_EDGES_MS = _edges()   # bin b spans [_EDGES_MS[b], _EDGES_MS[b + 1])


def hist_quantile(counts: np.ndarray, q: float) -> float:
    """Quantile (milliseconds) of the kernel's histogram, interpolated linearly in the bin.
    NaN when the histogram is empty."""
    total = counts.sum()
    if total <= 0:
        return math.nan
    target = q * total
    cum = np.cumsum(counts)
    b = int(np.searchsorted(cum, target, side="left"))
    b = min(b, len(counts) - 1)
    before = cum[b] - counts[b]
    frac = 0.0 if counts[b] <= 0 else min(1.0, max(0.0, (target - before) / counts[b]))
    lo, hi = _EDGES_MS[b], _EDGES_MS[b + 1]
    return float(lo + (hi - lo) * frac)


def rolling_ttft(ring: np.ndarray, now: float, window: float) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, n) of the TTFTs whose first token came in the last ``window`` seconds."""
    t, v = ring[0], ring[1]
    sel = np.isfinite(t) & (t > now - window) & (t <= now)
    n = int(sel.sum())
    if n == 0:
        return math.nan, math.nan, 0
    x = v[sel] * 1e3
    return float(np.percentile(x, 50)), float(np.percentile(x, 99)), n
