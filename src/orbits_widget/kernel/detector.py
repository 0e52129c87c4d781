"""The Saturation Detector and the adaptive controller (paper section 6), as the kernel runs them.

``detector_update`` runs inside the event loop at every poll (DETECTOR_POLLS), so it lives in the
kernel, below ``control/``; its configuration, validation and regime table (``DetectorConfig``,
``DEFAULT_TABLE``) are in ``control/detector.py``.

* Polls every ``poll_interval`` simulated seconds (5 s, as the paper's controller polls Prometheus).
* Signal: an EWMA (``ewma_alpha`` = 0.3, so a sustained change shows within about three polls) of
  the median of the last three polls' TTFT P99. Each poll's P99 is taken over the first tokens of
  that poll (a poll with none leaves the signal unchanged). The three-poll median is our addition:
  it makes a one-poll spike, however large, invisible to the signal.
* Regimes: ``BELOW`` (signal < theta1 = 300 ms), ``TRANSITION`` (theta1 <= signal < theta2 = 2 s),
  ``SATURATED`` (>= theta2). The regime changes only after ``hysteresis`` = 3 consecutive polls
  agree on the same new regime (the visualisation's "k = i/3").
* Controller: ``policy="adaptive"`` applies the regime's (tau, omega) to every request routed after
  the switch (what Dynamo's per-request ``router_config_override`` does); ``policy="static"`` keeps
  the router fixed while the detector still runs, so its state can be shown.

Signal source (``Profile.detector_signal``): ``"exact"`` takes the P99 of every request's TTFT as its client saw
it; ``"prometheus"`` reads it the way the paper's controller could, from Dynamo's frontend histogram
``dynamo_frontend_time_to_first_token_seconds`` through ``histogram_quantile(0.99, ...)`` over the poll's
observations: only requests that went through the HTTP frontend, timed from when they reached it (a wait for a
client connection is not in it), and interpolated linearly inside buckets about 2.2x wide
(``DYNAMO_TTFT_BUCKETS``; Dynamo's ``lib/llm/src/http/service/metrics.rs`` at v0.9.0, Prometheus's
``promql/quantile.go``). A poll with no observation returns NaN in Prometheus: the signal holds.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .layout import (
    I_ADAPTIVE,
    I_DETECTOR_PROMETHEUS,
    I_HYSTERESIS,
    LOG_FLIP,
    LOG_REGIME,
    P_EWMA_ALPHA,
    P_OMEGA,
    P_POLL_INTERVAL,
    P_REGIME_TABLE,
    P_TAU,
    P_THETA1,
    P_THETA2,
    P_TTFT_BUCKETS,
    P_TTFT_BUCKETS_N,
    SF_EWMA,
    SF_P99,
    SF_P99_LAG0,
    SF_P99_LAG1,
    SF_P99_LAG2,
    SI_CANDIDATE,
    SI_CANDIDATE_POLLS,
    SI_P99_SAMPLES,
    SI_POLLS,
    SI_REGIME,
    SI_SWITCHES,
)
from .metrics import mission_log

# in the order of their codes (R_* below); params.py packs the regime table in this order
REGIMES = ("BELOW", "TRANSITION", "SATURATED")


def log_buckets(lo: float, hi: float, count: int) -> list[float]:
    """Dynamo's histogram bounds (``generate_log_buckets`` in ``lib/llm/src/http/service/metrics.rs``): 0, then
    ``count - 1`` points spaced evenly in log between ``lo`` and ``hi`` (``lo`` itself excluded), each rounded
    to two significant figures, repeats dropped."""
    out = [0.0]
    for i in range(1, count):
        x = math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * i / (count - 1))
        x = float(f"{x:.2g}")
        if x != out[-1]:
            out.append(x)
    return out


# the frontend's TTFT histogram at v0.9.0: log_buckets(0.001, 480, 18) seconds, then +Inf
DYNAMO_TTFT_BUCKETS = tuple(log_buckets(0.001, 480.0, 18)) + (math.inf,)
assert len(DYNAMO_TTFT_BUCKETS) == P_TTFT_BUCKETS_N


# the regimes' codes in the kernel (SI_REGIME): indices into REGIMES
R_BELOW, R_TRANSITION, R_SATURATED = 0, 1, 2


@njit(cache=True, _nrt=True)
def window_p99(ttft_ring, t, width):
    """P99 (linear interpolation, as numpy) of the TTFTs whose first token came in (t - width, t];
    -1 when there were none."""
    n = 0
    buf = np.empty(ttft_ring.shape[1])
    for j in range(ttft_ring.shape[1]):
        tj = ttft_ring[0, j]
        if tj > t - width and tj <= t:
            buf[n] = ttft_ring[1, j]
            n += 1
    if n == 0:
        return -1.0
    x = np.sort(buf[:n])
    pos = 0.99 * (n - 1)
    lo = int(pos)
    hi = lo + 1 if lo + 1 < n else lo
    return x[lo] + (x[hi] - x[lo]) * (pos - lo)


@njit(cache=True, _nrt=False)
def histogram_quantile(q, counts, bounds):
    """Prometheus's ``histogram_quantile`` over classic buckets: ``counts[i]`` observations in
    (bounds[i - 1], bounds[i]], the last bound +inf. Linear inside the bucket holding rank q * total, the
    first bucket starting at 0; a rank in the +inf bucket reads as the highest finite bound. -1 when empty."""
    n = len(counts)
    total = 0.0
    for i in range(n):
        total += counts[i]
    if total <= 0.0:
        return -1.0
    rank = q * total
    cum = 0.0
    for i in range(n):
        before = cum
        cum += counts[i]
        if cum >= rank and counts[i] > 0.0:
            if i == n - 1:
                return bounds[n - 2]
            if i == 0 and bounds[0] <= 0.0:
                return bounds[0]
            start = bounds[i - 1] if i > 0 else 0.0
            return start + (bounds[i] - start) * (rank - before) / counts[i]
    return bounds[n - 2]


@njit(cache=True, _nrt=True)
def window_prometheus_p99(ttft_ring, t, width, bounds):
    """The P99 a Prometheus query reads from the frontend's TTFT histogram over (t - width, t]: the
    frontend-measured TTFTs (ring row 2; NaN for requests that never went through the frontend), bucketed by
    ``bounds``, then ``histogram_quantile``. -1 when the frontend saw no first token in the window."""
    counts = np.zeros(len(bounds))
    for j in range(ttft_ring.shape[1]):
        tj = ttft_ring[0, j]
        v = ttft_ring[2, j]
        if tj > t - width and tj <= t and v == v:
            b = 0
            while b < len(bounds) - 1 and v > bounds[b]:
                b += 1
            counts[b] += 1.0
    return histogram_quantile(0.99, counts, bounds)


@njit(cache=True, _nrt=False)
def detector_signal(params, iparams, ttft_ring, t):
    """This poll's TTFT P99 (seconds; < 0 when there is nothing to read), from the source the profile names."""
    width = params[P_POLL_INTERVAL]
    if iparams[I_DETECTOR_PROMETHEUS] == 1:
        return window_prometheus_p99(ttft_ring, t, width, params[P_TTFT_BUCKETS:P_TTFT_BUCKETS + P_TTFT_BUCKETS_N])
    return window_p99(ttft_ring, t, width)


@njit(cache=True, _nrt=False)
def detector_update(params, iparams, scalars_f, scalars_i, log_t, log_codes, log_values, p99, t):
    """One poll of the Saturation Detector with this poll's TTFT P99 (seconds; < 0 = no sample).

    signal = EWMA(alpha) of the median of the last three polls' P99 (the median drops one-poll
    spikes, the start-up burst included: nothing is decided before three polls have a sample);
    regime from the signal against theta1 / theta2; the regime changes only after I_HYSTERESIS
    consecutive polls agree on a new one. The adaptive controller then applies the regime's
    (tau, omega) to every request routed from now on."""
    scalars_i[SI_POLLS] += 1
    if p99 < 0.0:
        return                       # nothing observed this poll: the signal holds
    scalars_f[SF_P99] = p99
    scalars_f[SF_P99_LAG2] = scalars_f[SF_P99_LAG1]
    scalars_f[SF_P99_LAG1] = scalars_f[SF_P99_LAG0]
    scalars_f[SF_P99_LAG0] = p99
    prev = scalars_i[SI_P99_SAMPLES]
    n = prev + 1 if prev < 3 else 3
    scalars_i[SI_P99_SAMPLES] = n
    if n < 3:
        return                       # no median of three yet: a start-up burst must not decide the regime
    a, b, c = scalars_f[SF_P99_LAG0], scalars_f[SF_P99_LAG1], scalars_f[SF_P99_LAG2]
    med = max(min(a, b), min(max(a, b), c))
    if prev == 2:
        scalars_f[SF_EWMA] = med     # the first median of three seeds the EWMA
    else:
        scalars_f[SF_EWMA] = params[P_EWMA_ALPHA] * med + (1.0 - params[P_EWMA_ALPHA]) * scalars_f[SF_EWMA]
    e = scalars_f[SF_EWMA]
    r = R_BELOW if e < params[P_THETA1] else (R_TRANSITION if e < params[P_THETA2] else R_SATURATED)
    cur = scalars_i[SI_REGIME]
    if r == cur:
        scalars_i[SI_CANDIDATE_POLLS] = 0
        scalars_i[SI_CANDIDATE] = cur
        return
    if r == scalars_i[SI_CANDIDATE]:
        scalars_i[SI_CANDIDATE_POLLS] += 1
    else:
        scalars_i[SI_CANDIDATE] = r
        scalars_i[SI_CANDIDATE_POLLS] = 1
    if scalars_i[SI_CANDIDATE_POLLS] >= iparams[I_HYSTERESIS]:
        scalars_i[SI_REGIME] = r
        scalars_i[SI_CANDIDATE_POLLS] = 0
        scalars_i[SI_SWITCHES] += 1
        mission_log(scalars_i, log_t, log_codes, log_values, t, LOG_REGIME, cur, r, e, params[P_THETA1],
                    params[P_THETA2], 0.0)
        if iparams[I_ADAPTIVE] == 1:
            tau = params[P_REGIME_TABLE + 2 * r]
            om = params[P_REGIME_TABLE + 2 * r + 1]
            if tau != params[P_TAU] or om != params[P_OMEGA]:
                mission_log(scalars_i, log_t, log_codes, log_values, t, LOG_FLIP, cur, r, params[P_TAU],
                            params[P_OMEGA], tau, om)
                params[P_TAU] = tau
                params[P_OMEGA] = om
