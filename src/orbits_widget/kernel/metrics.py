"""What the kernel records, in bounded space: latency histograms, the request-event and mission-log
rings, the time integrals behind mean queue lengths (``integrate``), a new measurement window
(``reset_stats``); and, in Python, reading them back (histogram quantiles, the rolling TTFT)."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .layout import (
    DWF_BUSY_TIME,
    DWI_PHASE,
    DWI_RUNNING,
    DWI_STATE,
    DWI_WAIT_LEN,
    EI_KIND,
    EI_SERIAL,
    EI_TEMPLATE,
    EI_WORKER,
    EV_RING,
    H_BINS,
    H_EMAX,
    H_EMIN,
    H_SUB,
    HANDING_OFF,
    IN_PASS,
    PWF_BUSY_TIME,
    PWI_PASS_REQUESTS,
    PWI_PHASE,
    PWI_QLEN,
    RI_SERIAL,
    RI_TEMPLATE,
    SF_AREA_DECODE_MAX,
    SF_AREA_DECODE_MIN,
    SF_AREA_IN_FLIGHT,
    SF_AREA_QUEUE_DECODE,
    SF_AREA_QUEUE_PREFILL,
    SF_AREA_QUEUE_ROUTER,
    SF_POA_OPT,
    SF_POA_REAL,
    SF_SUM_E2E,
    SF_SUM_PREFILL_WAIT,
    SF_SUM_TTFT,
    SF_TIME,
    SF_TIME_DECODE_SERVING,
    SF_WINDOW_START,
    SI_DECODE_HI,
    SI_DECODE_HIT_TOKENS,
    SI_DECODE_PROMPT_TOKENS,
    SI_EV_HEAD,
    SI_HIT_TOKENS,
    SI_IN_FLIGHT,
    SI_LOG_HEAD,
    SI_PREFILL_HI,
    SI_PROMPT_TOKENS,
    SI_ROUTER_DECODE_LEN,
    SI_ROUTER_PREFILL_LEN,
    SI_WIN_COMPLETED,
    SI_WIN_ISSUED,
    SI_WIN_PREFILL_STARTS,
    SI_WIN_TOKENS,
    W_OFF,
    W_STARTING,
)


def _edges():
    b = np.arange(H_BINS + 1)
    octave, sub = b // H_SUB + H_EMIN, b % H_SUB
    return (0.5 + sub / (2.0 * H_SUB)) * np.exp2(octave.astype(float))


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


@njit(cache=True, _nrt=False)
def hist_add(latency_hist, h, seconds, weight):
    m, e = math.frexp(seconds * 1e3)
    if e < H_EMIN:
        b = 0
    elif e > H_EMAX:
        b = H_BINS - 1
    else:
        b = (e - H_EMIN) * H_SUB + int((m - 0.5) * (2 * H_SUB))
    latency_hist[h, b] += weight


@njit(cache=True, _nrt=False)
def log_event(events_t, events_i, scalars_i, requests_i, t, kind, slot, worker):
    i = scalars_i[SI_EV_HEAD] % EV_RING
    events_t[i] = t
    events_i[i, EI_KIND] = kind
    events_i[i, EI_SERIAL] = requests_i[RI_SERIAL, slot]
    events_i[i, EI_WORKER] = worker
    events_i[i, EI_TEMPLATE] = requests_i[RI_TEMPLATE, slot]
    scalars_i[SI_EV_HEAD] += 1


@njit(cache=True, _nrt=False)
def mission_log(scalars_i, log_t, log_codes, log_values, t, kind, a, b, v0, v1, v2, v3):
    """Append one entry to the bounded mission log (the oldest are overwritten)."""
    i = scalars_i[SI_LOG_HEAD] % log_t.shape[0]
    log_t[i] = t
    log_codes[i, 0] = kind
    log_codes[i, 1] = a
    log_codes[i, 2] = b
    log_values[i, 0] = v0
    log_values[i, 1] = v1
    log_values[i, 2] = v2
    log_values[i, 3] = v3
    scalars_i[SI_LOG_HEAD] += 1


@njit(cache=True, inline="always")
def integrate(scalars_f, scalars_i, prefill_f, prefill_i, decode_f, decode_i, dt):
    if dt <= 0.0:
        return
    scalars_f[SF_AREA_IN_FLIGHT] += scalars_i[SI_IN_FLIGHT] * dt
    scalars_f[SF_AREA_QUEUE_ROUTER] += (scalars_i[SI_ROUTER_PREFILL_LEN] + scalars_i[SI_ROUTER_DECODE_LEN]) * dt
    qp = 0
    for j in range(scalars_i[SI_PREFILL_HI]):
        if prefill_i[PWI_PHASE, j] == IN_PASS or prefill_i[PWI_PHASE, j] == HANDING_OFF:
            prefill_f[PWF_BUSY_TIME, j] += dt
        qp += prefill_i[PWI_QLEN, j] - prefill_i[PWI_PASS_REQUESTS, j]
    scalars_f[SF_AREA_QUEUE_PREFILL] += qp * dt
    dmax = -1
    dmin = 1 << 60
    nw = 0
    qd = 0
    for j in range(scalars_i[SI_DECODE_HI]):
        state = decode_i[DWI_STATE, j]
        if state == W_OFF or state == W_STARTING:
            continue
        nw += 1
        c = decode_i[DWI_WAIT_LEN, j] + decode_i[DWI_RUNNING, j]
        qd += decode_i[DWI_WAIT_LEN, j]
        if c > dmax:
            dmax = c
        if c < dmin:
            dmin = c
        if decode_i[DWI_PHASE, j] == IN_PASS:
            decode_f[DWF_BUSY_TIME, j] += dt
    scalars_f[SF_AREA_QUEUE_DECODE] += qd * dt
    if nw > 0:
        scalars_f[SF_AREA_DECODE_MAX] += dmax * dt
        scalars_f[SF_AREA_DECODE_MIN] += dmin * dt
        scalars_f[SF_TIME_DECODE_SERVING] += dt


@njit(cache=True, _nrt=False)
def reset_stats(st):
    """Start a new measurement window at the current time (warm-up ends here)."""
    st.latency_hist[:, :] = 0.0
    for f in (SF_AREA_IN_FLIGHT, SF_AREA_DECODE_MAX, SF_AREA_DECODE_MIN, SF_AREA_QUEUE_ROUTER, SF_AREA_QUEUE_PREFILL,
              SF_AREA_QUEUE_DECODE, SF_SUM_TTFT, SF_SUM_E2E, SF_SUM_PREFILL_WAIT, SF_TIME_DECODE_SERVING, SF_POA_REAL,
              SF_POA_OPT):
        st.scalars_f[f] = 0.0
    st.scalars_f[SF_WINDOW_START] = st.scalars_f[SF_TIME]
    for f in (SI_WIN_COMPLETED, SI_WIN_TOKENS, SI_HIT_TOKENS, SI_PROMPT_TOKENS, SI_DECODE_HIT_TOKENS,
              SI_DECODE_PROMPT_TOKENS, SI_WIN_ISSUED, SI_WIN_PREFILL_STARTS):
        st.scalars_i[f] = 0
    st.prefill_f[PWF_BUSY_TIME, :] = 0.0
    st.decode_f[DWF_BUSY_TIME, :] = 0.0
