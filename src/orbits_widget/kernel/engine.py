"""The discrete-event kernel: a Dynamo disaggregated deployment, advanced in simulated time.

Everything lives in numpy arrays (struct of arrays, one row per field) bundled in the
``State`` namedtuple; ``advance(st, t_end)`` runs events until ``t_end`` and is
``njit(cache=True)``. Set ``NUMBA_DISABLE_JIT=1`` to run the same code as plain Python.

Request path (times in seconds):
  client -> Frontend (+frontend overhead) -> Smart Router picks a prefill worker ->
  prefill FCFS queue -> chunked/batched prefill passes -> Router picks a decode worker ->
  NIXL transfer (latency + bytes/bandwidth of the blocks the decode worker lacks) ->
  decode admission queue (max_num_seqs, KV reserved for prompt + output) ->
  continuous-batching decode passes, one token per pass -> last token home -> client's next request.

Decode bookkeeping is O(1) per pass: every running request gains one token per pass, so a
request admitted at pass index p0 emits its k-th token at the end of pass p0 + k - 1 and
completes at pass p0 + osl - 1; a per-worker min-heap keyed by that pass index yields the
completions, and KV use is sum(isl) + n * pass - sum(p0). When nothing can change on a decode
worker before its next completion, those passes are one event (a "run"), cut at the next pass
boundary if a request lands meanwhile and settled at the end of every ``advance``.

Ties: at one instant, real events (arrivals, transfers, pass ends) come first; an idle worker's
"wake" (start of its next pass) and the Saturation Detector's poll come last, so requests that
arrive together are batched together and the detector sees the instant's final state.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from . import prefix_cache as kvc
from . import kvbm
from ..control import poa
from .borrow import borrow
from .router import select
from ..workload.rng import WORKLOAD, ROUTING, uniform

# ---------------------------------------------------------------- layout constants ----
# float parameters P[...]
(P_FRONTEND, P_PF_FIXED, P_PF_WEIGHTS, P_PF_LIN, P_PF_QUAD, P_PF_ATTN, P_PF_REQ,
 P_DC_FIXED, P_DC_WEIGHTS, P_DC_LIN, P_DC_KV, P_DC_P1, P_DC_P2, P_DC_FLOOR,
 P_XFER_LAT, P_XFER_BW, P_KV_BYTES, P_TAU, P_OMEGA, P_RATE, P_ACTIVE_W,
 P_POLL, P_THETA1, P_THETA2, P_ALPHA, P_TAB) = range(26)
P_TAB_N = 6          # the controller's table: P[P_TAB + 2*regime] = tau, P[P_TAB + 2*regime + 1] = omega
P_KV = P_TAB + P_TAB_N   # KVBM tier parameters, laid out as kvbm.py says
P_NP = P_KV + kvbm.N_PARAMS
# int parameters IP[...]
(I_BS, I_MAX_SEQS, I_MBT, I_KV_BLOCKS, I_PREFIX, I_ISL, I_OSL, I_TEMPLATES, I_SHARED_BLOCKS,
 I_CONCURRENCY, I_OPEN_LOOP, I_PAPER, I_CACHE_LIMIT, I_TRACE_N, I_TRACE_BS, I_DEC_BUDGET, I_RUNS,
 I_ADAPTIVE, I_HYST, I_KVBM, I_NI) = range(21)

# request float fields rf[F, slot]
(RF_ARRIVAL, RF_ROUTED, RF_PSTART, RF_PEND, RF_XEND, RF_FIRST, RF_DONE, RF_DARRIVE, RF_OPT, RF_N) = range(10)
# request int fields ri[F, slot]
(RI_STAGE, RI_TEMPLATE, RI_ISL, RI_OSL, RI_TODO, RI_DONE, RI_PW, RI_DW, RI_P0, RI_SERIAL,
 RI_NEXT, RI_NBLK, RI_CHUNK, RI_RESV, RI_PCACHED, RI_XTOK, RI_PROBED, RI_PA_WIN, RI_PA_POS, RI_N) = range(20)
RI_KEY = RI_N   # rows RI_KEY + b hold the hash of prompt block b (filled when the request is created)
# request stages
(S_FREE, S_ROUTER_P, S_PREFILL_Q, S_PREFILLING, S_ROUTER_D, S_TRANSFER, S_DECODE_WAIT,
 S_DECODE_RUN) = range(8)
# worker states
W_OFF, W_STARTING, W_ACTIVE, W_DRAINING = 0, 1, 2, 3
# prefill worker fields
(PWF_PASS_END, PWF_BUSY_TIME, PWF_READY_AT, PWF_PENDING_TOK, PWF_N) = range(5)
(PWI_STATE, PWI_QHEAD, PWI_QTAIL, PWI_QLEN, PWI_BUSY, PWI_K, PWI_DONE, PWI_N) = range(8)
# decode worker fields
(DWF_PASS_END, DWF_BUSY_TIME, DWF_READY_AT, DWF_PASS_START, DWF_TOKENS, DWF_N) = range(6)
(DWI_STATE, DWI_WHEAD, DWI_WTAIL, DWI_WLEN, DWI_NRUN, DWI_PASS, DWI_HEAPN, DWI_ASSIGNED,
 DWI_NNEW, DWI_RESV, DWI_SUM_ISL, DWI_SUM_P0, DWI_BUSY, DWI_SUM_BLK, DWI_DONE, DWI_RUN, DWI_N) = range(17)
# scalar floats sf[...]
(SF_TIME, SF_NEXT_ARRIVAL, SF_T0, SF_INT_INFLIGHT, SF_INT_DMAX, SF_INT_DMIN, SF_INT_QROUTER,
 SF_INT_QPREFILL, SF_INT_QDECODE, SF_SUM_TTFT, SF_SUM_E2E, SF_SUM_PWAIT,
 SF_INT_TIME_D, SF_NEXT_POLL, SF_EWMA, SF_RAW0, SF_RAW1, SF_RAW2, SF_P99, SF_POA_REAL, SF_POA_OPT,
 SF_N) = range(22)
# scalar ints si[...]
(SI_ISSUED, SI_COMPLETED, SI_FREE_TOP, SI_SERIAL, SI_IN_FLIGHT,
 SI_RQP_LEN, SI_RQD_LEN, SI_XN, SI_WIN_COMPLETED, SI_WIN_TOKENS,
 SI_HIT_TOK, SI_PROMPT_TOK, SI_DHIT_TOK, SI_DPROMPT_TOK, SI_TTFT_HEAD, SI_DONE_HEAD,
 SI_EV_HEAD, SI_WIN_ISSUED, SI_WIN_PSTART, SI_EVICTED, SI_EVENTS, SI_PF_PASSES, SI_PW_HI, SI_DW_HI,
 SI_LINE, SI_REGIME, SI_CAND, SI_CAND_K, SI_NRAW, SI_POLLS, SI_LOG_HEAD, SI_SWITCHES,
 SI_PA_M, SI_PA_K, SI_PA_WIN, SI_PA_HEAD) = range(36)
SI_KV_ON = 36        # si[SI_KV_ON + g]: blocks onboarded from tier g; si[SI_KV_OFF + g]: offloaded into it
SI_KV_OFF = SI_KV_ON + kvbm.TIERS
SI_N = SI_KV_OFF + kvbm.TIERS
# Saturation Detector regimes
R_BELOW, R_TRANSITION, R_SATURATED = 0, 1, 2
REGIME_NAMES = ("BELOW", "TRANSITION", "SATURATED")
# mission log ring: lg_t[i] time, lg_i[i] = (kind, a, b), lg_v[i] = 4 values
LOG_RING = 512
(LOG_REGIME, LOG_FLIP, LOG_POOL, LOG_READY, LOG_ROUTER, LOG_PLANNER) = range(6)
# router queues rq[RQ_HEAD|RQ_TAIL, RQ_PREFILL|RQ_DECODE]: requests waiting for any worker of a pool
RQ_HEAD, RQ_TAIL = 0, 1
RQ_PREFILL, RQ_DECODE = 0, 1
# histograms hist[H, bin] of milliseconds: bin = octave * H_SUB + linear sub-bin of the mantissa
# (frexp, no log on the hot path); bins are at most 1/H_SUB of a value wide (< 0.8 %)
H_TTFT, H_ITL, H_E2E = 0, 1, 2
H_SUB = 128
H_EMIN, H_EMAX = -9, 24          # 2^-10 ms ... 2^24 ms (1 ns ... 4.6 h)
H_BINS = (H_EMAX - H_EMIN + 1) * H_SUB
# completed-request ring fields
(DF_ARRIVAL, DF_PSTART, DF_PEND, DF_XEND, DF_FIRST, DF_DONE, DF_DARRIVE, DF_N) = range(8)
(DI_SERIAL, DI_PW, DI_DW, DI_TEMPLATE, DI_ISL, DI_OSL, DI_PCACHED, DI_XTOK, DI_N) = range(9)
# event ring
(EV_ARRIVE, EV_PREFILL_START, EV_PREFILL_END, EV_TRANSFER_END, EV_FIRST_TOKEN, EV_COMPLETE) = range(6)
EVENT_NAMES = ("arrive", "prefill_start", "prefill_end", "transfer_end", "first_token", "complete")
(EI_KIND, EI_SERIAL, EI_WORKER, EI_TEMPLATE, EI_N) = range(5)

OK, NEED_SLOTS, FINISHED = 0, 1, 2
TTFT_RING = 4096
DONE_RING = 1 << 16
EV_RING = 4096
TEMPLATE_KEY = 1 << 20           # template block key = (template + 1) * TEMPLATE_KEY + block
UNIQUE_KEY = 1 << 40             # unique block key = UNIQUE_KEY + serial * 65536 + block

State = namedtuple("State", [
    "P", "IP", "sf", "si", "rf", "ri", "free", "xh_t", "xh_s",
    "pw_f", "pw_i", "dw_f", "dw_i", "dh", "dnew",
    "pc", "pcm", "dc", "dcm", "ac", "acm",
    "hist", "ttft_ring", "done_f", "done_i", "ev_f", "ev_i",
    "rng", "costs", "elig", "ovl", "rq", "tr_i", "tr_t", "tr_h", "lg_t", "lg_i", "lg_v",
    "pa_f", "pa_i", "pa_ring",
])


def allocate(P, IP, rng, slots, max_workers, max_seqs, table, max_blocks, trace=None, history=DONE_RING,
             active_table=None, tiers=False):
    """A fresh State with ``slots`` request slots, ``max_workers`` per pool, prompts of at most
    ``max_blocks`` blocks and optionally a trace ``(tr_i, tr_t, tr_h)`` (see ``trace.py``);
    ``tiers`` adds the KVBM rows G2-G4 to the prefill cache table."""
    i64 = np.int64
    W = max_workers
    pc, pcm = kvc.new_lru(3 * W + 1, table, kvbm.PLANES) if tiers else kvc.new_lru(W, table)
    dc, dcm = kvc.new_lru(W, table)
    # the router's active-block sets hold every distinct block booked on a worker: the caller sizes
    # them from that bound (and grows them with the request table), so they never fill
    ac, acm = kvc.new_refset(W, active_table or table)
    ri = np.zeros((RI_N + max(1, max_blocks), slots), i64)
    ri[RI_NEXT, :] = -1
    pw_i = np.zeros((PWI_N, W), i64)
    pw_i[PWI_QHEAD, :] = -1
    pw_i[PWI_QTAIL, :] = -1
    dw_i = np.zeros((DWI_N, W), i64)
    dw_i[DWI_WHEAD, :] = -1
    dw_i[DWI_WTAIL, :] = -1
    sf = np.zeros(SF_N)
    sf[SF_NEXT_ARRIVAL] = math.inf
    si = np.zeros(SI_N, i64)
    si[SI_FREE_TOP] = slots
    pa_f, pa_i, pa_ring = poa.new_state(W)
    return State(
        P=P, IP=IP, sf=sf, si=si, rf=np.zeros((RF_N, slots)), ri=ri,
        free=np.arange(slots - 1, -1, -1, dtype=i64),
        xh_t=np.zeros(slots), xh_s=np.zeros(slots, i64),
        pw_f=np.zeros((PWF_N, W)), pw_i=pw_i, dw_f=np.zeros((DWF_N, W)), dw_i=dw_i,
        dh=np.zeros((2, W, max_seqs), i64), dnew=np.zeros((W, max_seqs), i64),
        pc=pc, pcm=pcm, dc=dc, dcm=dcm, ac=ac, acm=acm,
        hist=np.zeros((3, H_BINS)), ttft_ring=np.full((2, TTFT_RING), np.nan),
        # rings are record-major: one record = one or two cache lines
        done_f=np.full((history, DF_N), np.nan), done_i=np.full((history, DI_N), -1, i64),
        ev_f=np.full(EV_RING, np.nan), ev_i=np.full((EV_RING, EI_N), -1, i64),
        rng=rng, costs=np.zeros(W), elig=np.zeros(W, np.bool_), ovl=np.zeros(W, i64),
        rq=np.full((2, 2), -1, i64),
        tr_i=trace[0] if trace else np.zeros((4, 1), i64), tr_t=trace[1] if trace else np.zeros(1),
        tr_h=trace[2] if trace else np.zeros(1, i64),
        lg_t=np.full(LOG_RING, np.nan), lg_i=np.zeros((LOG_RING, 3), i64), lg_v=np.zeros((LOG_RING, 4)),
        pa_f=pa_f, pa_i=pa_i, pa_ring=pa_ring,
    )


def grow(st, slots, active_table=0):
    """A copy of ``st`` with more request slots (open loop under overload: never drop) and, if
    ``active_table`` is larger than now, larger active-block sets."""
    old = st.rf.shape[1]
    rf = np.zeros((RF_N, slots)); rf[:, :old] = st.rf
    ri = np.zeros((st.ri.shape[0], slots), np.int64); ri[:, :old] = st.ri; ri[RI_NEXT, old:] = -1
    free = np.zeros(slots, np.int64)
    top = st.si[SI_FREE_TOP]
    free[:top] = st.free[:top]
    new = np.arange(slots - 1, old - 1, -1, dtype=np.int64)
    free[top:top + len(new)] = new
    xh_t = np.zeros(slots); xh_t[:old] = st.xh_t
    xh_s = np.zeros(slots, np.int64); xh_s[:old] = st.xh_s
    st.si[SI_FREE_TOP] = top + len(new)
    st = st._replace(rf=rf, ri=ri, free=free, xh_t=xh_t, xh_s=xh_s)
    if active_table > st.ac.shape[2]:
        ac, acm = kvc.new_refset(st.ac.shape[1], active_table)
        kvc.ref_rehash(st.ac, st.acm, ac, acm)
        st = st._replace(ac=ac, acm=acm)
    return st


# =========================================================================================
# Hot-path helpers. They take arrays, never the State tuple: Numba passes array arguments
# borrowed, whereas every attribute read of a tuple of arrays inside a branchy function
# costs an atomic incref/decref pair (measured: it was 85 % of the run time).
# =========================================================================================
@njit(cache=True, inline="always")
def key_of(template, serial, shared_blocks, b):
    """Hash of prompt block b: template blocks are shared, the rest unique to the request."""
    if b < shared_blocks:
        return (template + 1) * TEMPLATE_KEY + b
    return UNIQUE_KEY + serial * 65536 + b


@njit(cache=True)
def hist_add(hist, h, seconds, weight):
    m, e = math.frexp(seconds * 1e3)
    if e < H_EMIN:
        b = 0
    elif e > H_EMAX:
        b = H_BINS - 1
    else:
        b = (e - H_EMIN) * H_SUB + int((m - 0.5) * (2 * H_SUB))
    hist[h, b] += weight


@njit(cache=True)
def log_event(ev_f, ev_i, si, ri, t, kind, slot, worker):
    i = si[SI_EV_HEAD] % EV_RING
    ev_f[i] = t
    ev_i[i, EI_KIND] = kind
    ev_i[i, EI_SERIAL] = ri[RI_SERIAL, slot]
    ev_i[i, EI_WORKER] = worker
    ev_i[i, EI_TEMPLATE] = ri[RI_TEMPLATE, slot]
    si[SI_EV_HEAD] += 1


@njit(cache=True)
def mission_log(si, lg_t, lg_i, lg_v, t, kind, a, b, v0, v1, v2, v3):
    """Append one entry to the bounded mission log (the oldest are overwritten)."""
    i = si[SI_LOG_HEAD] % lg_t.shape[0]
    lg_t[i] = t
    lg_i[i, 0] = kind
    lg_i[i, 1] = a
    lg_i[i, 2] = b
    lg_v[i, 0] = v0
    lg_v[i, 1] = v1
    lg_v[i, 2] = v2
    lg_v[i, 3] = v3
    si[SI_LOG_HEAD] += 1


@njit(cache=True)
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


@njit(cache=True)
def detector_update(P, IP, sf, si, lg_t, lg_i, lg_v, p99, t):
    """One poll of the Saturation Detector with this poll's TTFT P99 (seconds; < 0 = no sample).

    signal = EWMA(alpha) of the median of the last three polls' P99 (the median drops one-poll
    spikes); regime from the signal against theta1 / theta2; the regime changes only after
    I_HYST consecutive polls agree on a new one. The adaptive controller then applies the
    regime's (tau, omega) to every request routed from now on."""
    si[SI_POLLS] += 1
    if p99 < 0.0:
        return                       # nothing observed this poll: the signal holds
    sf[SF_P99] = p99
    sf[SF_RAW2] = sf[SF_RAW1]
    sf[SF_RAW1] = sf[SF_RAW0]
    sf[SF_RAW0] = p99
    n = si[SI_NRAW] + 1 if si[SI_NRAW] < 3 else 3
    si[SI_NRAW] = n
    if n == 1:
        med = p99
    elif n == 2:
        med = 0.5 * (sf[SF_RAW0] + sf[SF_RAW1])
    else:
        a, b, c = sf[SF_RAW0], sf[SF_RAW1], sf[SF_RAW2]
        med = max(min(a, b), min(max(a, b), c))
    if n == 1:
        sf[SF_EWMA] = med
    else:
        sf[SF_EWMA] = P[P_ALPHA] * med + (1.0 - P[P_ALPHA]) * sf[SF_EWMA]
    e = sf[SF_EWMA]
    r = R_BELOW if e < P[P_THETA1] else (R_TRANSITION if e < P[P_THETA2] else R_SATURATED)
    cur = si[SI_REGIME]
    if r == cur:
        si[SI_CAND_K] = 0
        si[SI_CAND] = cur
        return
    if r == si[SI_CAND]:
        si[SI_CAND_K] += 1
    else:
        si[SI_CAND] = r
        si[SI_CAND_K] = 1
    if si[SI_CAND_K] >= IP[I_HYST]:
        si[SI_REGIME] = r
        si[SI_CAND_K] = 0
        si[SI_SWITCHES] += 1
        mission_log(si, lg_t, lg_i, lg_v, t, LOG_REGIME, cur, r, e, P[P_THETA1], P[P_THETA2], 0.0)
        if IP[I_ADAPTIVE] == 1:
            tau = P[P_TAB + 2 * r]
            om = P[P_TAB + 2 * r + 1]
            if tau != P[P_TAU] or om != P[P_OMEGA]:
                mission_log(si, lg_t, lg_i, lg_v, t, LOG_FLIP, cur, r, P[P_TAU], P[P_OMEGA], tau, om)
                P[P_TAU] = tau
                P[P_OMEGA] = om


@njit(cache=True)
def q_push(ri, arr, rh, rt, w, slot):
    """Append ``slot`` to the FIFO whose head/tail are arr[rh, w] / arr[rt, w] (linked via ri[RI_NEXT])."""
    ri[RI_NEXT, slot] = -1
    t = arr[rt, w]
    if t < 0:
        arr[rh, w] = slot
    else:
        ri[RI_NEXT, t] = slot
    arr[rt, w] = slot


@njit(cache=True)
def q_pop(ri, arr, rh, rt, w):
    h = arr[rh, w]
    n = ri[RI_NEXT, h]
    arr[rh, w] = n
    if n < 0:
        arr[rt, w] = -1
    ri[RI_NEXT, h] = -1
    return h


@njit(cache=True)
def xheap_push(xh_t, xh_s, si, t, slot):
    n = si[SI_XN]
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if xh_t[p] <= t:
            break
        xh_t[i] = xh_t[p]
        xh_s[i] = xh_s[p]
        i = p
    xh_t[i] = t
    xh_s[i] = slot
    si[SI_XN] = n + 1


@njit(cache=True)
def xheap_pop(xh_t, xh_s, si):
    n = si[SI_XN] - 1
    top = xh_s[0]
    t = xh_t[n]
    s = xh_s[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and xh_t[c + 1] < xh_t[c]:
            c += 1
        if xh_t[c] >= t:
            break
        xh_t[i] = xh_t[c]
        xh_s[i] = xh_s[c]
        i = c
    xh_t[i] = t
    xh_s[i] = s
    si[SI_XN] = n
    return top


@njit(cache=True)
def dheap_push(dh, dw_i, w, key, slot):
    """Per decode worker min-heap of (completion pass index, slot)."""
    n = dw_i[DWI_HEAPN, w]
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if dh[0, w, p] <= key:
            break
        dh[0, w, i] = dh[0, w, p]
        dh[1, w, i] = dh[1, w, p]
        i = p
    dh[0, w, i] = key
    dh[1, w, i] = slot
    dw_i[DWI_HEAPN, w] = n + 1


@njit(cache=True)
def dheap_pop(dh, dw_i, w):
    n = dw_i[DWI_HEAPN, w] - 1
    top = dh[1, w, 0]
    key = dh[0, w, n]
    s = dh[1, w, n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and dh[0, w, c + 1] < dh[0, w, c]:
            c += 1
        if dh[0, w, c] >= key:
            break
        dh[0, w, i] = dh[0, w, c]
        dh[1, w, i] = dh[1, w, c]
        i = c
    dh[0, w, i] = key
    dh[1, w, i] = s
    dw_i[DWI_HEAPN, w] = n
    return top


@njit(cache=True)
def prefix_hits(tab, w, ri, slot):
    """Leading prompt blocks of ``slot`` present in row ``w`` of a block table."""
    n = ri[RI_NBLK, slot]
    for b in range(n):
        if kvc.find(tab, w, ri[RI_KEY + b, slot]) < 0:
            return b
    return n


@njit(cache=True)
def reusable_tokens(ri, IP, slot, hit_blocks):
    """vLLM's rule: at most isl - 1 prompt tokens come from the cache, in whole blocks."""
    bs = IP[I_BS]
    cap = ((ri[RI_ISL, slot] - 1) // bs) * bs
    t = hit_blocks * bs
    return t if t < cap else cap


@njit(cache=True)
def cache_blocks(tab, meta, w, ri, slot, limit):
    """Record the request's prompt blocks in an LRU table; returns evictions."""
    ev = 0
    for b in range(ri[RI_NBLK, slot]):
        ev += kvc.lru_touch(tab, meta, w, ri[RI_KEY + b, slot], limit)
    return ev


@njit(cache=True)
def park_at_router(si, ri, rq, pool, slot):
    """No worker of ``pool`` can take the request: it waits at the router, in arrival order."""
    ri[RI_STAGE, slot] = S_ROUTER_P if pool == RQ_PREFILL else S_ROUTER_D
    q_push(ri, rq, RQ_HEAD, RQ_TAIL, pool, slot)
    si[SI_RQP_LEN if pool == RQ_PREFILL else SI_RQD_LEN] += 1


# ------------------------------------------------------------------ prefill side ----
@njit(cache=True, inline="always")
def start_prefill_pass(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, pcm, ev_f, ev_i, w, t):
    """Schedule one prefill pass on worker w: FCFS, chunked, within the token budget."""
    budget = IP[I_MBT]
    maxk = IP[I_MAX_SEQS]
    T = 0
    A = 0.0
    onboard = 0.0      # seconds to bring the pass's KVBM hits up to HBM before it can run
    k = 0
    ncomp = 0
    s = pw_i[PWI_QHEAD, w]
    while s >= 0 and budget > 0 and k < maxk:
        if rf[RF_ROUTED, s] > t:
            break  # still in the frontend
        if ri[RI_PROBED, s] == 0:
            ri[RI_PROBED, s] = 1
            hit = 0
            if IP[I_PREFIX] == 1:
                matched = prefix_hits(pc, w, ri, s)
                # registered at admission (vLLM allocates and hashes the blocks when it schedules
                # them), so a later request of the same prefix in this very pass reuses them
                if IP[I_KVBM] == 1:
                    nb = ri[RI_NBLK, s]
                    keys = ri[RI_KEY:RI_KEY + nb, s]
                    W = pw_i.shape[1]
                    matched, secs = kvbm.match(P, P_KV, si, SI_KV_ON, pc, W, w, keys, nb, matched,
                                               IP[I_BS] * P[P_KV_BYTES], t)
                    onboard += secs
                    si[SI_EVICTED] += kvbm.register(P, P_KV, si, SI_KV_OFF, pc, pcm, W, w, keys, nb, t)
                else:
                    si[SI_EVICTED] += cache_blocks(pc, pcm, w, ri, s, IP[I_CACHE_LIMIT])
                hit = reusable_tokens(ri, IP, s, matched)
            ri[RI_PCACHED, s] = hit
            ri[RI_TODO, s] = ri[RI_ISL, s] - hit
            pw_f[PWF_PENDING_TOK, w] -= hit
            si[SI_HIT_TOK] += hit
            si[SI_PROMPT_TOK] += ri[RI_ISL, s]
            rf[RF_PSTART, s] = t
            sf[SF_SUM_PWAIT] += t - rf[RF_ROUTED, s]
            si[SI_WIN_PSTART] += 1
            ri[RI_STAGE, s] = S_PREFILLING
            log_event(ev_f, ev_i, si, ri, t, EV_PREFILL_START, s, w)
        rem = ri[RI_TODO, s] - ri[RI_DONE, s]
        c = rem if rem < budget else budget
        ri[RI_CHUNK, s] = c
        ctx = ri[RI_PCACHED, s] + ri[RI_DONE, s]
        A += c * (ctx + 0.5 * c)
        T += c
        budget -= c
        if c == rem:
            ncomp += 1
        k += 1
        s = ri[RI_NEXT, s]
    if k == 0:
        pw_i[PWI_BUSY, w] = 0
        h = pw_i[PWI_QHEAD, w]
        if h >= 0:
            # the head is still in the frontend: wake when it reaches the router
            pw_i[PWI_BUSY, w] = 2
            pw_f[PWF_PASS_END, w] = rf[RF_ROUTED, h]
        return
    work = P[P_PF_LIN] * T + P[P_PF_QUAD] * T * T + P[P_PF_ATTN] * A
    dt = P[P_PF_FIXED] + max(P[P_PF_WEIGHTS], work) + P[P_PF_REQ] * ncomp + onboard
    pw_i[PWI_BUSY, w] = 1
    si[SI_PF_PASSES] += 1
    pw_i[PWI_K, w] = k
    pw_f[PWF_PASS_END, w] = t + dt


@njit(cache=True, inline="always")
def route_prefill(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i, slot, t):
    """Prefill leg: Dynamo's prefill router, cost = omega * (pending + uncached prompt) blocks."""
    W = si[SI_PW_HI]
    bs = IP[I_BS]
    omega = P[P_OMEGA]
    n_el = 0
    for j in range(W):
        e = pw_i[PWI_STATE, j] == W_ACTIVE
        elig[j] = e
        if e:
            n_el += 1
            ov = 0
            if IP[I_PREFIX] == 1:
                ov = prefix_hits(pc, j, ri, slot)
            costs[j] = omega * (pw_f[PWF_PENDING_TOK, j] + ri[RI_ISL, slot] - ov * bs) / bs
    if n_el == 0:
        park_at_router(si, ri, rq, RQ_PREFILL, slot)
        return
    w = select(costs, elig, W, P[P_TAU], rng, ROUTING)
    ri[RI_PW, slot] = w
    ri[RI_STAGE, slot] = S_PREFILL_Q
    # the router books the full prompt; refined to the uncached part at admission
    pw_f[PWF_PENDING_TOK, w] += ri[RI_ISL, slot]
    q_push(ri, pw_i, PWI_QHEAD, PWI_QTAIL, w, slot)
    pw_i[PWI_QLEN, w] += 1
    if pw_i[PWI_BUSY, w] == 0:
        # an idle worker starts its pass once every event of this instant is in (a "wake"), so
        # requests arriving together are batched together, as in Dynamo's replay
        pw_i[PWI_BUSY, w] = 2
        pw_f[PWF_PASS_END, w] = t


@njit(cache=True, inline="always")
def new_request(P, IP, sf, si, rf, ri, free, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i, tr_i, tr_h, t):
    top = si[SI_FREE_TOP] - 1
    slot = free[top]
    si[SI_FREE_TOP] = top
    serial = si[SI_SERIAL]
    si[SI_SERIAL] = serial + 1
    bs = IP[I_BS]
    maxb = ri.shape[0] - RI_KEY
    if IP[I_TRACE_N] > 0:
        # the next trace line; its hash_ids name the prompt's blocks (trace blocks of I_TRACE_BS tokens)
        line = si[SI_LINE]
        si[SI_LINE] = line + 1
        isl = tr_i[0, line]
        osl = tr_i[1, line]
        off = tr_i[2, line]
        tbs = IP[I_TRACE_BS]
        nblk = min(isl // bs, (tr_i[3, line] * tbs) // bs, maxb)
        per = tbs // bs if tbs > bs else 1
        for b in range(nblk):
            h = tr_h[off + ((b + 1) * bs - 1) // tbs]       # the trace block holding b's last token
            sub = ((b * bs) % tbs) // bs if tbs > bs else 0
            ri[RI_KEY + b, slot] = -2 - (h * per + sub)    # negative: never equal to a template key
        tpl = -1
    else:
        isl = IP[I_ISL]
        osl = IP[I_OSL]
        k = IP[I_TEMPLATES]
        tpl = int(uniform(rng, WORKLOAD) * k)
        if tpl >= k:
            tpl = k - 1
        nblk = isl // bs
        sh = IP[I_SHARED_BLOCKS]
        for b in range(nblk):
            ri[RI_KEY + b, slot] = key_of(tpl, serial, sh, b)
    for f in range(RF_N):
        rf[f, slot] = math.nan
    rf[RF_ARRIVAL, slot] = t
    rf[RF_ROUTED, slot] = t + P[P_FRONTEND]
    ri[RI_TEMPLATE, slot] = tpl
    ri[RI_ISL, slot] = isl
    ri[RI_OSL, slot] = osl
    ri[RI_SERIAL, slot] = serial
    ri[RI_NBLK, slot] = nblk
    ri[RI_TODO, slot] = isl
    ri[RI_DONE, slot] = 0
    ri[RI_PW, slot] = -1
    ri[RI_DW, slot] = -1
    ri[RI_PROBED, slot] = 0
    ri[RI_PCACHED, slot] = 0
    ri[RI_XTOK, slot] = 0
    ri[RI_CHUNK, slot] = 0
    ri[RI_NEXT, slot] = -1
    si[SI_ISSUED] += 1
    si[SI_WIN_ISSUED] += 1
    si[SI_IN_FLIGHT] += 1
    log_event(ev_f, ev_i, si, ri, t, EV_ARRIVE, slot, -1)
    # routed at once; the frontend's overhead delays the start of its prefill (RF_ROUTED)
    route_prefill(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i, slot, t)


# ------------------------------------------------------------------- decode side ----
@njit(cache=True, inline="always")
def route_decode(P, IP, sf, si, rf, ri, dw_f, dw_i, dc, dcm, ac, acm, costs, elig, ovl, rng, rq, xh_t, xh_s,
                 pa_f, pa_i, pa_ring, slot, t):
    """Decode leg: c_j = omega * b^p_j + b^a_j (+ lambda * active requests) over the decode pool."""
    W = si[SI_DW_HI]
    omega = P[P_OMEGA]
    lam = P[P_ACTIVE_W]
    nblk = ri[RI_NBLK, slot]
    paper = IP[I_PAPER] == 1
    n_el = 0
    for j in range(W):
        e = dw_i[DWI_STATE, j] == W_ACTIVE
        elig[j] = e
        if e:
            n_el += 1
            load = lam * (dw_i[DWI_ASSIGNED, j] + 1)
            if paper:
                ov = 0
                if IP[I_PREFIX] == 1:
                    ov = prefix_hits(dc, j, ri, slot)
                ovl[j] = ov   # kept for the transfer size of the chosen worker
                # blocks new to j's active (booked) set, by prefix depth as Dynamo's tracker does
                depth = 0
                for b in range(nblk):
                    if kvc.find(ac, j, ri[RI_KEY + b, slot]) < 0:
                        break
                    depth += 1
                costs[j] = omega * (nblk - ov) + acm[j, kvc.M_COUNT] + (nblk - depth) + load
            else:
                # Dynamo's disaggregated decode leg: overlap ignored, blocks counted per request
                costs[j] = dw_i[DWI_SUM_BLK, j] + nblk + load
    if n_el == 0:
        park_at_router(si, ri, rq, RQ_DECODE, slot)
        return
    w = select(costs, elig, W, P[P_TAU], rng, ROUTING)
    ri[RI_DW, slot] = w
    poa_route(P, IP, sf, si, rf, ri, dw_f, dw_i, elig, ovl, pa_f, pa_i, pa_ring, W, slot, t)
    dw_i[DWI_ASSIGNED, w] += 1
    dw_i[DWI_SUM_BLK, w] += nblk
    isl = ri[RI_ISL, slot]
    xtok = isl
    if paper:
        for b in range(nblk):
            kvc.ref_add(ac, acm, w, ri[RI_KEY + b, slot])
        if IP[I_PREFIX] == 1:
            # only what the decode worker does not already hold crosses the network
            xtok = isl - reusable_tokens(ri, IP, slot, ovl[w])
            # the blocks are on their way to w: record them now, as Dynamo's predicted-TTL
            # indexer does, so sibling requests routed before the transfer lands see them
            lim = IP[I_KV_BLOCKS] - dw_i[DWI_RESV, w]
            if lim > IP[I_CACHE_LIMIT]:
                lim = IP[I_CACHE_LIMIT]
            si[SI_EVICTED] += cache_blocks(dc, dcm, w, ri, slot, lim)
    ri[RI_XTOK, slot] = xtok
    si[SI_DHIT_TOK] += isl - xtok
    si[SI_DPROMPT_TOK] += isl
    ri[RI_STAGE, slot] = S_TRANSFER
    xheap_push(xh_t, xh_s, si, t + P[P_XFER_LAT] + xtok * P[P_KV_BYTES] / P[P_XFER_BW], slot)


# ------------------------------------------------------------ PoA-hat (see poa.py) ----
@njit(cache=True, inline="always")
def current_pass(P, IP, dw_f, dw_i, w, t):
    """The index of the pass worker w is in at time t: within a run of passes, DWI_PASS is the
    run's first pass until the run is settled (``settle_runs``) or ends."""
    p = dw_i[DWI_PASS, w]
    k = dw_i[DWI_RUN, w]
    if dw_i[DWI_BUSY, w] != 1 or k <= 1:
        return p
    n = dw_i[DWI_NRUN, w]
    kv = dw_i[DWI_SUM_ISL, w] + n * p - dw_i[DWI_SUM_P0, w]
    end = dw_f[DWF_PASS_START, w]
    j = 0
    while j < k - 1:
        end += decode_dt(P, IP, n, kv + j * n)
        if end > t:
            break
        j += 1
    return p + j


@njit(cache=True, inline="always")
def poa_route(P, IP, sf, si, rf, ri, dw_f, dw_i, elig, ovl, pa_f, pa_i, pa_ring, W, slot, t):
    """Add a just-routed request to the estimator's open window (opening one if needed: freeze
    the eligible decode workers' loads); close the window when it has m members."""
    if si[SI_PA_K] == 0:
        m = 0
        for j in range(W):
            if elig[j]:
                pa_i[poa.PAI_CAND, m] = j
                pa_f[poa.PAF_NRUN, m] = dw_i[DWI_NRUN, j]
                pa_f[poa.PAF_KV, m] = (dw_i[DWI_SUM_ISL, j] - dw_i[DWI_SUM_P0, j]
                                       + dw_i[DWI_NRUN, j] * current_pass(P, IP, dw_f, dw_i, j, t))
                m += 1
        si[SI_PA_M] = m
    m = si[SI_PA_M]
    k = si[SI_PA_K]
    isl = ri[RI_ISL, slot]
    sunk = t - rf[RF_ARRIVAL, slot]      # frontend, prefill queue and prefill: the same on every e
    overlap = IP[I_PAPER] == 1 and IP[I_PREFIX] == 1
    for c in range(m):
        e = pa_i[poa.PAI_CAND, c]
        xtok = isl
        if overlap and elig[e]:
            xtok = isl - reusable_tokens(ri, IP, slot, ovl[e])
        pa_f[poa.PAF_COST + k, c] = (sunk + P[P_XFER_LAT] + xtok * P[P_KV_BYTES] / P[P_XFER_BW]
                      + decode_dt(P, IP, pa_f[poa.PAF_NRUN, c] + 1, pa_f[poa.PAF_KV, c] + isl))
    pa_i[poa.PAI_SLOT, k] = slot
    pa_f[poa.PAF_REAL, k] = -1.0
    ri[RI_PA_WIN, slot] = si[SI_PA_WIN]
    ri[RI_PA_POS, slot] = k
    si[SI_PA_K] = k + 1
    if k + 1 < m:
        return
    c0 = poa.PAF_COST
    if m == 1:
        pa_i[poa.PAI_MATCH, 0] = 0
    elif m == 2:   # the 1P/2D case, without a call (a call per window costs more than the matching)
        swap = pa_f[c0, 1] + pa_f[c0 + 1, 0] < pa_f[c0, 0] + pa_f[c0 + 1, 1]
        pa_i[poa.PAI_MATCH, 0] = 1 if swap else 0
        pa_i[poa.PAI_MATCH, 1] = 0 if swap else 1
    else:
        poa.min_cost_matching(pa_f[c0:], m, pa_i[poa.PAI_MATCH])
    for r in range(m):
        share = pa_f[poa.PAF_COST + r, pa_i[poa.PAI_MATCH, r]]
        if pa_f[poa.PAF_REAL, r] >= 0.0:       # its first token already came
            poa.account(sf, si, pa_ring, SF_POA_REAL, SF_POA_OPT, SI_PA_HEAD, t, pa_f[poa.PAF_REAL, r], share)
        else:
            s = pa_i[poa.PAI_SLOT, r]
            rf[RF_OPT, s] = share
            ri[RI_PA_POS, s] = -1
    si[SI_PA_K] = 0
    si[SI_PA_WIN] += 1


@njit(cache=True, inline="always")
def poa_first_token(sf, si, rf, ri, pa_f, pa_ring, s, t):
    real = t - rf[RF_ARRIVAL, s]
    if ri[RI_PA_WIN, s] == si[SI_PA_WIN] and ri[RI_PA_POS, s] >= 0:
        pa_f[poa.PAF_REAL, ri[RI_PA_POS, s]] = real     # its window is still open: wait for it
    elif rf[RF_OPT, s] >= 0.0:
        poa.account(sf, si, pa_ring, SF_POA_REAL, SF_POA_OPT, SI_PA_HEAD, t, real, rf[RF_OPT, s])


@njit(cache=True)
def maybe_retire_prefill(pw_i, w):
    if pw_i[PWI_STATE, w] == W_DRAINING and pw_i[PWI_QLEN, w] == 0 and pw_i[PWI_BUSY, w] != 1:
        pw_i[PWI_STATE, w] = W_OFF
        pw_i[PWI_BUSY, w] = 0


@njit(cache=True)
def maybe_retire_decode(dw_i, w):
    if dw_i[DWI_STATE, w] == W_DRAINING and dw_i[DWI_ASSIGNED, w] == 0 and dw_i[DWI_BUSY, w] == 0:
        dw_i[DWI_STATE, w] = W_OFF


@njit(cache=True)
def decode_dt(P, IP, n, kv):
    """Seconds of one decode pass with n running requests holding kv KV tokens."""
    frac = kv / max(1, IP[I_KV_BLOCKS] * IP[I_BS])
    dt = (P[P_DC_FIXED] + max(P[P_DC_WEIGHTS], P[P_DC_LIN] * n) + P[P_DC_KV] * kv
          + P[P_DC_P1] * frac + P[P_DC_P2] * frac * frac)
    return dt if dt > P[P_DC_FLOOR] else P[P_DC_FLOOR]


@njit(cache=True, inline="always")
def start_decode_pass(P, IP, si, ri, dw_f, dw_i, dh, dnew, dc, dcm, w, t):
    """Admit waiting requests (max_num_seqs; KV reserved for prompt + output), run one pass.
    With I_DEC_BUDGET (Dynamo's mocker) an admitted prompt also spends its uncached tokens from the
    pass's token budget, after one token per running request; it costs no time."""
    bs = IP[I_BS]
    maxs = IP[I_MAX_SEQS]
    cap = IP[I_KV_BLOCKS]
    p = dw_i[DWI_PASS, w]
    nnew = 0
    budget = IP[I_MBT] - dw_i[DWI_NRUN, w]
    dyn_cache = IP[I_PAPER] == 0 and IP[I_PREFIX] == 1
    while dw_i[DWI_WLEN, w] > 0 and dw_i[DWI_NRUN, w] < maxs:
        s = dw_i[DWI_WHEAD, w]
        need = (ri[RI_ISL, s] + ri[RI_OSL, s] + bs - 1) // bs
        if dw_i[DWI_RESV, w] + need > cap:
            break  # KV full: wait for admission (no preemption)
        if IP[I_DEC_BUDGET] == 1:
            tok = ri[RI_ISL, s]
            if dyn_cache:
                tok -= reusable_tokens(ri, IP, s, prefix_hits(dc, w, ri, s))
            if tok > budget and nnew > 0:
                break  # the budget of this pass is spent: the rest wait for the next one
            budget -= tok
        if dyn_cache:
            # the decode worker keeps the prompt's blocks (its own prefix cache, not routed on)
            si[SI_EVICTED] += cache_blocks(dc, dcm, w, ri, s, min(cap - dw_i[DWI_RESV, w] - need,
                                                                   IP[I_CACHE_LIMIT]))
        q_pop(ri, dw_i, DWI_WHEAD, DWI_WTAIL, w)
        dw_i[DWI_WLEN, w] -= 1
        ri[RI_RESV, s] = need
        dw_i[DWI_RESV, w] += need
        ri[RI_P0, s] = p
        ri[RI_STAGE, s] = S_DECODE_RUN
        dw_i[DWI_NRUN, w] += 1
        dw_i[DWI_SUM_ISL, w] += ri[RI_ISL, s]
        dw_i[DWI_SUM_P0, w] += p
        dheap_push(dh, dw_i, w, p + ri[RI_OSL, s] - 1, s)
        dnew[w, nnew] = s
        nnew += 1
    dw_i[DWI_NNEW, w] = nnew
    n = dw_i[DWI_NRUN, w]
    if n == 0:
        dw_i[DWI_BUSY, w] = 0
        maybe_retire_decode(dw_i, w)
        return
    kv = dw_i[DWI_SUM_ISL, w] + n * p - dw_i[DWI_SUM_P0, w]
    # Until its next completion nothing changes on this worker unless a request can join:
    # then the passes up to that completion run as one event (a "run"), cut short by
    # transfer_done if a request lands meanwhile. End times are summed pass by pass, exactly
    # as single passes would be, so the results do not depend on this shortcut.
    k = 1
    if nnew == 0 and IP[I_RUNS] == 1:
        blocked = dw_i[DWI_WLEN, w] == 0 or n >= maxs
        if not blocked:
            s = dw_i[DWI_WHEAD, w]
            blocked = dw_i[DWI_RESV, w] + (ri[RI_ISL, s] + ri[RI_OSL, s] + bs - 1) // bs > cap
        if blocked:
            k = dh[0, w, 0] - p + 1
    end = t
    for i in range(k):
        end += decode_dt(P, IP, n, kv + i * n)
    dw_i[DWI_BUSY, w] = 1
    dw_i[DWI_RUN, w] = k
    dw_f[DWF_PASS_START, w] = t
    dw_f[DWF_PASS_END, w] = end


@njit(cache=True, inline="always")
def transfer_done(P, IP, si, rf, ri, dw_f, dw_i, dh, dnew, dc, dcm, ev_f, ev_i, s, t):
    w = ri[RI_DW, s]
    rf[RF_XEND, s] = t
    rf[RF_DARRIVE, s] = t
    ri[RI_STAGE, s] = S_DECODE_WAIT
    q_push(ri, dw_i, DWI_WHEAD, DWI_WTAIL, w, s)
    dw_i[DWI_WLEN, w] += 1
    log_event(ev_f, ev_i, si, ri, t, EV_TRANSFER_END, s, w)
    if dw_i[DWI_BUSY, w] == 0:
        dw_i[DWI_BUSY, w] = 2          # wake after the other events of this instant
        dw_f[DWF_PASS_END, w] = t
    elif dw_i[DWI_BUSY, w] == 1 and dw_i[DWI_RUN, w] > 1:
        # a run of passes is under way: end it at the first pass boundary at or after t,
        # where the new request can be admitted
        n = dw_i[DWI_NRUN, w]
        kv = dw_i[DWI_SUM_ISL, w] + n * dw_i[DWI_PASS, w] - dw_i[DWI_SUM_P0, w]
        end = dw_f[DWF_PASS_START, w]
        i = 0
        while True:
            end += decode_dt(P, IP, n, kv + i * n)
            i += 1
            if end >= t or i == dw_i[DWI_RUN, w]:
                break
        dw_i[DWI_RUN, w] = i
        dw_f[DWF_PASS_END, w] = end


@njit(cache=True, inline="always")
def complete(IP, sf, si, rf, ri, free, dw_i, ac, acm, hist, done_f, done_i, ev_f, ev_i, s, w, t):
    rf[RF_DONE, s] = t
    dw_i[DWI_NRUN, w] -= 1
    dw_i[DWI_SUM_ISL, w] -= ri[RI_ISL, s]
    dw_i[DWI_SUM_P0, w] -= ri[RI_P0, s]
    dw_i[DWI_RESV, w] -= ri[RI_RESV, s]
    dw_i[DWI_ASSIGNED, w] -= 1
    dw_i[DWI_SUM_BLK, w] -= ri[RI_NBLK, s]
    dw_i[DWI_DONE, w] += 1
    if IP[I_PAPER] == 1:
        for b in range(ri[RI_NBLK, s]):
            kvc.ref_remove(ac, acm, w, ri[RI_KEY + b, s])
    e2e = t - rf[RF_ARRIVAL, s]
    hist_add(hist, H_E2E, e2e, 1.0)
    sf[SF_SUM_E2E] += e2e
    si[SI_COMPLETED] += 1
    si[SI_WIN_COMPLETED] += 1
    si[SI_IN_FLIGHT] -= 1
    log_event(ev_f, ev_i, si, ri, t, EV_COMPLETE, s, w)
    i = si[SI_DONE_HEAD] % done_f.shape[0]
    done_f[i, DF_ARRIVAL] = rf[RF_ARRIVAL, s]
    done_f[i, DF_PSTART] = rf[RF_PSTART, s]
    done_f[i, DF_PEND] = rf[RF_PEND, s]
    done_f[i, DF_XEND] = rf[RF_XEND, s]
    done_f[i, DF_FIRST] = rf[RF_FIRST, s]
    done_f[i, DF_DONE] = t
    done_f[i, DF_DARRIVE] = rf[RF_DARRIVE, s]
    done_i[i, DI_SERIAL] = ri[RI_SERIAL, s]
    done_i[i, DI_PW] = ri[RI_PW, s]
    done_i[i, DI_DW] = w
    done_i[i, DI_TEMPLATE] = ri[RI_TEMPLATE, s]
    done_i[i, DI_ISL] = ri[RI_ISL, s]
    done_i[i, DI_OSL] = ri[RI_OSL, s]
    done_i[i, DI_PCACHED] = ri[RI_PCACHED, s]
    done_i[i, DI_XTOK] = ri[RI_XTOK, s]
    si[SI_DONE_HEAD] += 1
    ri[RI_STAGE, s] = S_FREE
    top = si[SI_FREE_TOP]
    free[top] = s
    si[SI_FREE_TOP] = top + 1
    maybe_retire_decode(dw_i, w)


@njit(cache=True, inline="always")
def end_decode_pass(P, IP, sf, si, rf, ri, free, dw_f, dw_i, dh, dnew, dc, dcm, ac, acm, hist, ttft_ring,
                    done_f, done_i, ev_f, ev_i, pa_f, pa_i, pa_ring, w, t):
    p = dw_i[DWI_PASS, w]
    n = dw_i[DWI_NRUN, w]
    nnew = dw_i[DWI_NNEW, w]
    k = dw_i[DWI_RUN, w]
    kv = dw_i[DWI_SUM_ISL, w] + n * p - dw_i[DWI_SUM_P0, w]
    for i in range(k):
        # one inter-token gap per request past its first token, per pass
        if n > nnew:
            hist_add(hist, H_ITL, decode_dt(P, IP, n, kv + i * n), n - nnew)
        nnew = 0
    nnew = dw_i[DWI_NNEW, w]
    si[SI_WIN_TOKENS] += n * k
    dw_f[DWF_TOKENS, w] += n * k
    p = p + k - 1                          # the last pass of the run
    for i in range(nnew):
        s = dnew[w, i]
        rf[RF_FIRST, s] = t
        ttft = t - rf[RF_ARRIVAL, s]
        hist_add(hist, H_TTFT, ttft, 1.0)
        sf[SF_SUM_TTFT] += ttft
        j = si[SI_TTFT_HEAD] % TTFT_RING
        ttft_ring[0, j] = t
        ttft_ring[1, j] = ttft
        si[SI_TTFT_HEAD] += 1
        poa_first_token(sf, si, rf, ri, pa_f, pa_ring, s, t)
        log_event(ev_f, ev_i, si, ri, t, EV_FIRST_TOKEN, s, w)
    dw_i[DWI_NNEW, w] = 0
    while dw_i[DWI_HEAPN, w] > 0 and dh[0, w, 0] == p:
        s = dheap_pop(dh, dw_i, w)
        complete(IP, sf, si, rf, ri, free, dw_i, ac, acm, hist, done_f, done_i, ev_f, ev_i, s, w, t)
    dw_i[DWI_PASS, w] = p + 1
    dw_i[DWI_BUSY, w] = 0
    dw_i[DWI_RUN, w] = 0
    if dw_i[DWI_STATE, w] != W_OFF:
        start_decode_pass(P, IP, si, ri, dw_f, dw_i, dh, dnew, dc, dcm, w, t)


@njit(cache=True, inline="always")
def end_prefill_pass(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, pcm, dw_f, dw_i, dc, dcm, ac, acm, costs, elig,
                     ovl, rng, rq, xh_t, xh_s, ev_f, ev_i, pa_f, pa_i, pa_ring, w, t):
    k = pw_i[PWI_K, w]
    pw_i[PWI_K, w] = 0
    for _ in range(k):
        s = pw_i[PWI_QHEAD, w]
        ri[RI_DONE, s] += ri[RI_CHUNK, s]
        ri[RI_CHUNK, s] = 0
        if ri[RI_DONE, s] < ri[RI_TODO, s]:
            break  # partially prefilled: stays at the head for the next pass
        q_pop(ri, pw_i, PWI_QHEAD, PWI_QTAIL, w)
        pw_i[PWI_QLEN, w] -= 1
        pw_f[PWF_PENDING_TOK, w] -= ri[RI_TODO, s]
        pw_i[PWI_DONE, w] += 1
        rf[RF_PEND, s] = t
        log_event(ev_f, ev_i, si, ri, t, EV_PREFILL_END, s, w)
        route_decode(P, IP, sf, si, rf, ri, dw_f, dw_i, dc, dcm, ac, acm, costs, elig, ovl, rng, rq, xh_t, xh_s,
                     pa_f, pa_i, pa_ring, s, t)
    pw_i[PWI_BUSY, w] = 0
    maybe_retire_prefill(pw_i, w)
    if pw_i[PWI_STATE, w] != W_OFF:
        start_prefill_pass(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, pcm, ev_f, ev_i, w, t)


@njit(cache=True)
def settle_runs(P, IP, si, dw_f, dw_i, hist, t):
    """Account for the passes of each decode run that have ended by time t (tokens, ITL), so
    that metrics read between steps are exact; the rest of the run continues unchanged."""
    for w in range(si[SI_DW_HI]):
        j = current_pass(P, IP, dw_f, dw_i, w, t) - dw_i[DWI_PASS, w]
        if j == 0:
            continue
        n = dw_i[DWI_NRUN, w]
        kv = dw_i[DWI_SUM_ISL, w] + n * dw_i[DWI_PASS, w] - dw_i[DWI_SUM_P0, w]
        end = dw_f[DWF_PASS_START, w]
        for i in range(j):
            dt = decode_dt(P, IP, n, kv + i * n)
            end += dt
            hist_add(hist, H_ITL, dt, n)
        si[SI_WIN_TOKENS] += n * j
        dw_f[DWF_TOKENS, w] += n * j
        dw_i[DWI_PASS, w] += j
        dw_i[DWI_RUN, w] -= j
        dw_f[DWF_PASS_START, w] = end


# ---------------------------------------------------------------- time integrals ----
@njit(cache=True, inline="always")
def integrate(sf, si, pw_f, pw_i, dw_f, dw_i, dt):
    if dt <= 0.0:
        return
    sf[SF_INT_INFLIGHT] += si[SI_IN_FLIGHT] * dt
    sf[SF_INT_QROUTER] += (si[SI_RQP_LEN] + si[SI_RQD_LEN]) * dt
    qp = 0
    for j in range(si[SI_PW_HI]):
        if pw_i[PWI_BUSY, j] == 1:
            pw_f[PWF_BUSY_TIME, j] += dt
        qp += pw_i[PWI_QLEN, j] - pw_i[PWI_K, j]
    sf[SF_INT_QPREFILL] += qp * dt
    dmax = -1
    dmin = 1 << 60
    nw = 0
    qd = 0
    for j in range(si[SI_DW_HI]):
        state = dw_i[DWI_STATE, j]
        if state == W_OFF or state == W_STARTING:
            continue
        nw += 1
        c = dw_i[DWI_WLEN, j] + dw_i[DWI_NRUN, j]
        qd += dw_i[DWI_WLEN, j]
        if c > dmax:
            dmax = c
        if c < dmin:
            dmin = c
        if dw_i[DWI_BUSY, j] == 1:
            dw_f[DWF_BUSY_TIME, j] += dt
    sf[SF_INT_QDECODE] += qd * dt
    if nw > 0:
        sf[SF_INT_DMAX] += dmax * dt
        sf[SF_INT_DMIN] += dmin * dt
        sf[SF_INT_TIME_D] += dt


@njit(cache=True)
def _any_active(state_row, hi):
    for j in range(hi):
        if state_row[j] == W_ACTIVE:
            return True
    return False


@njit(cache=True)
def dispatch_router_queues(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, dw_f, dw_i, dc, dcm, ac, acm, costs, elig,
                           ovl, rng, rq, xh_t, xh_s, ev_f, ev_i, pa_f, pa_i, pa_ring, t):
    """Route requests that waited at the router for lack of an active worker, oldest first."""
    while si[SI_RQP_LEN] > 0 and _any_active(pw_i[PWI_STATE], si[SI_PW_HI]):
        s = q_pop(ri, rq, RQ_HEAD, RQ_TAIL, RQ_PREFILL)
        si[SI_RQP_LEN] -= 1
        route_prefill(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i, s, t)
    while si[SI_RQD_LEN] > 0 and _any_active(dw_i[DWI_STATE], si[SI_DW_HI]):
        s = q_pop(ri, rq, RQ_HEAD, RQ_TAIL, RQ_DECODE)
        si[SI_RQD_LEN] -= 1
        route_decode(P, IP, sf, si, rf, ri, dw_f, dw_i, dc, dcm, ac, acm, costs, elig, ovl, rng, rq, xh_t, xh_s,
                     pa_f, pa_i, pa_ring, s, t)


# ---------------------------------------------------------------- the event loop ----
@njit(cache=True)
def _advance(P, IP, sf, si, rf, ri, free, xh_t, xh_s, pw_f, pw_i, dw_f, dw_i, dh, dnew, pc, pcm, dc, dcm,
             ac, acm, hist, ttft_ring, done_f, done_i, ev_f, ev_i, rng, costs, elig, ovl, rq, tr_i, tr_t, tr_h,
             lg_t, lg_i, lg_v, pa_f, pa_i, pa_ring, t_end):
    open_loop = IP[I_OPEN_LOOP] == 1
    n_lines = IP[I_TRACE_N]
    while True:
        t = sf[SF_TIME]
        if n_lines > 0 and si[SI_LINE] >= n_lines and si[SI_IN_FLIGHT] == 0:
            return FINISHED   # the replay is over: the clock stops at the last completion
        if si[SI_RQP_LEN] + si[SI_RQD_LEN] > 0:
            dispatch_router_queues(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, dw_f, dw_i, dc, dcm, ac, acm, costs,
                                   elig, ovl, rng, rq, xh_t, xh_s, ev_f, ev_i, pa_f, pa_i, pa_ring, t)
        if not open_loop:
            while si[SI_IN_FLIGHT] < IP[I_CONCURRENCY] and (n_lines == 0 or si[SI_LINE] < n_lines):
                if si[SI_FREE_TOP] == 0:
                    return NEED_SLOTS
                new_request(P, IP, sf, si, rf, ri, free, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i,
                            tr_i, tr_h, t)
        # the earliest next event
        tn = math.inf
        kind = -1
        idx = -1
        if open_loop and sf[SF_NEXT_ARRIVAL] < tn:
            tn = sf[SF_NEXT_ARRIVAL]
            kind = 0
        if si[SI_XN] > 0 and xh_t[0] < tn:
            tn = xh_t[0]
            kind = 1
        for j in range(si[SI_PW_HI]):
            if pw_i[PWI_BUSY, j] == 1 and pw_f[PWF_PASS_END, j] < tn:
                tn = pw_f[PWF_PASS_END, j]
                kind = 2
                idx = j
            if pw_i[PWI_STATE, j] == W_STARTING and pw_f[PWF_READY_AT, j] < tn:
                tn = pw_f[PWF_READY_AT, j]
                kind = 4
                idx = j
        for j in range(si[SI_DW_HI]):
            if dw_i[DWI_BUSY, j] == 1 and dw_f[DWF_PASS_END, j] < tn:
                tn = dw_f[DWF_PASS_END, j]
                kind = 3
                idx = j
            if dw_i[DWI_STATE, j] == W_STARTING and dw_f[DWF_READY_AT, j] < tn:
                tn = dw_f[DWF_READY_AT, j]
                kind = 5
                idx = j
        # wakes of idle workers lose ties: every real event of the same instant comes first
        for j in range(si[SI_PW_HI]):
            if pw_i[PWI_BUSY, j] == 2 and pw_f[PWF_PASS_END, j] < tn:
                tn = pw_f[PWF_PASS_END, j]
                kind = 6
                idx = j
        for j in range(si[SI_DW_HI]):
            if dw_i[DWI_BUSY, j] == 2 and dw_f[DWF_PASS_END, j] < tn:
                tn = dw_f[DWF_PASS_END, j]
                kind = 7
                idx = j
        if sf[SF_NEXT_POLL] < tn:
            tn = sf[SF_NEXT_POLL]    # the detector polls after everything else of its instant
            kind = 8
        if tn > t_end:
            integrate(sf, si, pw_f, pw_i, dw_f, dw_i, t_end - t)
            sf[SF_TIME] = t_end
            settle_runs(P, IP, si, dw_f, dw_i, hist, t_end)
            return OK
        integrate(sf, si, pw_f, pw_i, dw_f, dw_i, tn - t)
        sf[SF_TIME] = tn
        si[SI_EVENTS] += 1
        if kind == 0:
            if si[SI_FREE_TOP] == 0:
                return NEED_SLOTS
            new_request(P, IP, sf, si, rf, ri, free, pw_f, pw_i, pc, costs, elig, rng, rq, ev_f, ev_i,
                        tr_i, tr_h, tn)
            if n_lines > 0:
                sf[SF_NEXT_ARRIVAL] = tr_t[si[SI_LINE]] if si[SI_LINE] < n_lines else math.inf
            else:
                sf[SF_NEXT_ARRIVAL] = tn - math.log(1.0 - uniform(rng, WORKLOAD)) / P[P_RATE]
        elif kind == 1:
            s = xheap_pop(xh_t, xh_s, si)
            transfer_done(P, IP, si, rf, ri, dw_f, dw_i, dh, dnew, dc, dcm, ev_f, ev_i, s, tn)
        elif kind == 2:
            end_prefill_pass(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, pcm, dw_f, dw_i, dc, dcm, ac, acm, costs,
                                 elig, ovl, rng, rq, xh_t, xh_s, ev_f, ev_i, pa_f, pa_i, pa_ring, idx, tn)
        elif kind == 3:
            end_decode_pass(P, IP, sf, si, rf, ri, free, dw_f, dw_i, dh, dnew, dc, dcm, ac, acm, hist, ttft_ring,
                            done_f, done_i, ev_f, ev_i, pa_f, pa_i, pa_ring, idx, tn)
        elif kind == 4:
            pw_i[PWI_STATE, idx] = W_ACTIVE
            mission_log(si, lg_t, lg_i, lg_v, tn, LOG_READY, 0, idx, 0.0, 0.0, 0.0, 0.0)
        elif kind == 5:
            dw_i[DWI_STATE, idx] = W_ACTIVE
            mission_log(si, lg_t, lg_i, lg_v, tn, LOG_READY, 1, idx, 0.0, 0.0, 0.0, 0.0)
        elif kind == 6:
            start_prefill_pass(P, IP, sf, si, rf, ri, pw_f, pw_i, pc, pcm, ev_f, ev_i, idx, tn)
        elif kind == 7:
            start_decode_pass(P, IP, si, ri, dw_f, dw_i, dh, dnew, dc, dcm, idx, tn)
        elif kind == 8:
            detector_update(P, IP, sf, si, lg_t, lg_i, lg_v, window_p99(ttft_ring, tn, P[P_POLL]), tn)
            sf[SF_NEXT_POLL] = tn + P[P_POLL]


@njit(cache=True)
def advance(st, t_end):
    """Run events until simulated time ``t_end``. Returns OK; NEED_SLOTS when the request table
    is full (the caller grows it and calls again; nothing is dropped); FINISHED when a trace
    replay has completed every line (the clock stays at the last completion)."""
    b = borrow
    return _advance(b(st.P), b(st.IP), b(st.sf), b(st.si), b(st.rf), b(st.ri), b(st.free), b(st.xh_t),
                    b(st.xh_s), b(st.pw_f), b(st.pw_i), b(st.dw_f), b(st.dw_i), b(st.dh), b(st.dnew),
                    b(st.pc), b(st.pcm), b(st.dc), b(st.dcm), b(st.ac), b(st.acm), b(st.hist),
                    b(st.ttft_ring), b(st.done_f), b(st.done_i), b(st.ev_f), b(st.ev_i), b(st.rng),
                    b(st.costs), b(st.elig), b(st.ovl), b(st.rq), b(st.tr_i), b(st.tr_t), b(st.tr_h),
                    b(st.lg_t), b(st.lg_i), b(st.lg_v), b(st.pa_f), b(st.pa_i), b(st.pa_ring),
                    t_end)


# ---------------------------------------------------------------- pool changes ----
@njit(cache=True)
def _resize(state, ready_at, tab, meta, n, t, delay):
    """Grow or shrink one pool's state row to ``n`` serving workers; returns the count."""
    W = state.shape[0]
    cur = 0
    for j in range(W):
        if state[j] == W_ACTIVE or state[j] == W_STARTING:
            cur += 1
    if n > W:
        n = W
    while cur < n:
        j = -1
        for i in range(W):
            if state[i] == W_DRAINING:
                j = i
                break
        if j >= 0:
            state[j] = W_ACTIVE       # revive a draining worker: it still has its cache
        else:
            for i in range(W):
                if state[i] == W_OFF:
                    j = i
                    break
            if j < 0:
                break
            kvc.lru_clear(tab, meta, j)  # a cold start: a new process (node), empty caches
            if tab.shape[1] > W:         # and its KVBM DRAM and SSD tiers (G4 is shared, it stays)
                kvc.lru_clear(tab, meta, W + j)
                kvc.lru_clear(tab, meta, 2 * W + j)
            ready_at[j] = t + delay
            state[j] = W_STARTING if delay > 0.0 else W_ACTIVE
        cur += 1
    while cur > n:
        j = -1
        for i in range(W - 1, -1, -1):
            if state[i] == W_STARTING:
                j = i
                break
        if j >= 0:
            state[j] = W_OFF
        else:
            for i in range(W - 1, -1, -1):
                if state[i] == W_ACTIVE:
                    j = i
                    break
            if j < 0:
                break
            state[j] = W_DRAINING
        cur -= 1
    return cur


@njit(cache=True)
def set_pool_size(st, pool, n, delay):
    """Resize pool 0 (prefill) or 1 (decode) to ``n`` workers (0 = outage). Growing revives
    draining workers first, then cold-starts new ones (serving after ``delay`` s); shrinking
    drains the newest, which finish every request they hold before switching off."""
    t = st.sf[SF_TIME]
    before = 0
    state0 = st.pw_i[PWI_STATE] if pool == 0 else st.dw_i[DWI_STATE]
    for j in range(state0.shape[0]):
        if state0[j] == W_ACTIVE or state0[j] == W_STARTING:
            before += 1
    if pool == 0:
        cur = _resize(st.pw_i[PWI_STATE], st.pw_f[PWF_READY_AT], st.pc, st.pcm, n, t, delay)
        for j in range(st.pw_i.shape[1]):
            maybe_retire_prefill(st.pw_i, j)
    else:
        cur = _resize(st.dw_i[DWI_STATE], st.dw_f[DWF_READY_AT], st.dc, st.dcm, n, t, delay)
        for j in range(st.dw_i.shape[1]):
            maybe_retire_decode(st.dw_i, j)
    for p in range(2):
        state = st.pw_i[PWI_STATE] if p == 0 else st.dw_i[DWI_STATE]
        hi = 0
        for j in range(state.shape[0]):
            if state[j] != W_OFF:
                hi = j + 1
        st.si[SI_PW_HI if p == 0 else SI_DW_HI] = hi
    if cur != before:
        mission_log(st.si, st.lg_t, st.lg_i, st.lg_v, t, LOG_POOL, pool, cur, float(before), delay, 0.0, 0.0)
    return cur


@njit(cache=True)
def reset_stats(st):
    """Start a new measurement window at the current time (warm-up ends here)."""
    st.hist[:, :] = 0.0
    for f in (SF_INT_INFLIGHT, SF_INT_DMAX, SF_INT_DMIN, SF_INT_QROUTER, SF_INT_QPREFILL,
              SF_INT_QDECODE, SF_SUM_TTFT, SF_SUM_E2E, SF_SUM_PWAIT, SF_INT_TIME_D, SF_POA_REAL, SF_POA_OPT):
        st.sf[f] = 0.0
    st.sf[SF_T0] = st.sf[SF_TIME]
    for f in (SI_WIN_COMPLETED, SI_WIN_TOKENS, SI_HIT_TOK, SI_PROMPT_TOK, SI_DHIT_TOK,
              SI_DPROMPT_TOK, SI_WIN_ISSUED, SI_WIN_PSTART):
        st.si[f] = 0
    st.pw_f[PWF_BUSY_TIME, :] = 0.0
    st.dw_f[DWF_BUSY_TIME, :] = 0.0
