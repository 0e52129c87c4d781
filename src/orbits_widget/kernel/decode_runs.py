"""Runs: decode passes during which nothing can change, taken as one event, and where a run stands.

The first pass of a run may cost more than a plain decode pass: it can prefill requests sent straight to
the worker and carry the host time of posting NIXL reads before its forward pass. Its duration is fixed when
the run starts (DWF_FIRST_DT, ``start_decode_pass``); ``pass_time`` reads it, and the later passes of a run
are plain decode passes."""
from __future__ import annotations

from numba import njit

from ..profiles.perf_model import decode_pass_time
from .layout import (
    DWF_FIRST_DT,
    DWF_PASS_END,
    DWF_PASS_EXTRA,
    DWF_PASS_START,
    DWF_TOKENS,
    DWI_PASS,
    DWI_PASS_PREFILL,
    DWI_PHASE,
    DWI_RUN_PASSES,
    DWI_RUNNING,
    DWI_SUM_FIRST_PASS,
    DWI_SUM_ISL,
    H_ITL,
    IN_PASS,
    SI_DECODE_HI,
    SI_WIN_TOKENS,
)
from .metrics import hist_add


@njit(cache=True, inline="always")
def pass_time(params, decode_f, w, n, kv, i):
    """Seconds of pass ``i`` of worker w's current run (n running, kv KV tokens at the pass's start)."""
    return decode_f[DWF_FIRST_DT, w] if i == 0 else decode_pass_time(params, n, kv)


@njit(cache=True, inline="always")
def current_pass(params, iparams, decode_f, decode_i, w, t):
    """The index of the pass worker w is in at time t: within a run of passes, DWI_PASS is the
    run's first pass until the run is settled (``settle_runs``) or ends."""
    p = decode_i[DWI_PASS, w]
    k = decode_i[DWI_RUN_PASSES, w]
    if decode_i[DWI_PHASE, w] != IN_PASS or k <= 1:
        return p
    n = decode_i[DWI_RUNNING, w]
    kv = decode_i[DWI_SUM_ISL, w] + n * p - decode_i[DWI_SUM_FIRST_PASS, w]
    end = decode_f[DWF_PASS_START, w]
    j = 0
    while j < k - 1:
        end += pass_time(params, decode_f, w, n, kv + j * n, j)
        if end > t:
            break
        j += 1
    return p + j


@njit(cache=True, _nrt=False)
def settle_runs(params, iparams, scalars_i, decode_f, decode_i, latency_hist, t):
    """Account for the passes of each decode run that have ended by time t (tokens, ITL), so
    that metrics read between steps are exact; the rest of the run continues unchanged."""
    for w in range(scalars_i[SI_DECODE_HI]):
        j = current_pass(params, iparams, decode_f, decode_i, w, t) - decode_i[DWI_PASS, w]
        if j == 0:
            continue
        n = decode_i[DWI_RUNNING, w]
        kv = decode_i[DWI_SUM_ISL, w] + n * decode_i[DWI_PASS, w] - decode_i[DWI_SUM_FIRST_PASS, w]
        end = decode_f[DWF_PASS_START, w]
        for i in range(j):
            dt = pass_time(params, decode_f, w, n, kv + i * n, i)
            end += dt
            hist_add(latency_hist, H_ITL, dt, n)
        # the run goes on from a plain decode pass: its first pass's prefills and postings are spent
        decode_f[DWF_FIRST_DT, w] = decode_pass_time(params, n, kv + j * n)
        decode_i[DWI_PASS_PREFILL, w] = 0
        decode_f[DWF_PASS_EXTRA, w] = 0.0
        scalars_i[SI_WIN_TOKENS] += n * j
        decode_f[DWF_TOKENS, w] += n * j
        decode_i[DWI_PASS, w] += j
        decode_i[DWI_RUN_PASSES, w] -= j
        decode_f[DWF_PASS_START, w] = end


@njit(cache=True, inline="always")
def cut_run(params, decode_f, decode_i, w, t):
    """A request landed on worker w during a run of passes: end the run at the first pass
    boundary at or after t, where the request can be admitted."""
    n = decode_i[DWI_RUNNING, w]
    kv = decode_i[DWI_SUM_ISL, w] + n * decode_i[DWI_PASS, w] - decode_i[DWI_SUM_FIRST_PASS, w]
    end = decode_f[DWF_PASS_START, w]
    i = 0
    while True:
        end += pass_time(params, decode_f, w, n, kv + i * n, i)
        i += 1
        if end >= t or i == decode_i[DWI_RUN_PASSES, w]:
            break
    decode_i[DWI_RUN_PASSES, w] = i
    decode_f[DWF_PASS_END, w] = end


@njit(cache=True, inline="always")
def next_boundary(params, decode_f, decode_i, w, t):
    """The first pass boundary of decode worker w at or after t (t itself when it is not in a pass)."""
    if decode_i[DWI_PHASE, w] != IN_PASS:
        return t
    n = decode_i[DWI_RUNNING, w]
    kv = decode_i[DWI_SUM_ISL, w] + n * decode_i[DWI_PASS, w] - decode_i[DWI_SUM_FIRST_PASS, w]
    end = decode_f[DWF_PASS_START, w]
    for i in range(decode_i[DWI_RUN_PASSES, w]):
        end += pass_time(params, decode_f, w, n, kv + i * n, i)
        if end >= t:
            return end
    return decode_f[DWF_PASS_END, w]
