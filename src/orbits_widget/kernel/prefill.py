"""Prefill workers: FCFS chunked passes within the token budget (vLLM's scheduler), at most
``prefill_max_num_seqs`` requests a pass, and — with ``handoff_hold`` — a worker that serves its
requests until the decode workers have pulled their KV (``handoff_done`` releases it)."""
from __future__ import annotations

from numba import njit

from ..profiles.perf_model import prefill_pass_time
from . import kvbm
from .layout import (
    EV_PREFILL_END,
    EV_PREFILL_START,
    HANDING_OFF,
    I_BATCHED_TOKENS,
    I_BLOCK_SIZE,
    I_CACHE_LIMIT,
    I_HANDOFF_HOLD,
    I_KVBM,
    I_PREFILL_MAX_SEQS,
    I_PREFIX_CACHING,
    I_TRACE_RUNS,
    IDLE,
    IN_PASS,
    P_KV_BYTES_PER_TOKEN,
    P_KVBM,
    PWF_PASS_END,
    PWF_PENDING_TOKENS,
    PWI_COMPLETED,
    PWI_HANDOFFS,
    PWI_PASS_REQUESTS,
    PWI_PHASE,
    PWI_QHEAD,
    PWI_QLEN,
    PWI_QTAIL,
    PWI_STATE,
    RF_PREFILL_END,
    RF_PREFILL_START,
    RF_ROUTED,
    RI_ADMITTED,
    RI_BLOCK_KEYS,
    RI_CACHED_TOKENS,
    RI_CHUNK,
    RI_HOLDS_PREFILL,
    RI_ISL,
    RI_N_KEYS,
    RI_NEXT,
    RI_PREFILL_TOKENS,
    RI_PREFILL_WORKER,
    RI_PREFILLED,
    RI_STAGE,
    S_PREFILLING,
    S_TRANSFER,
    SF_SUM_PREFILL_WAIT,
    SI_EVICTED,
    SI_HIT_TOKENS,
    SI_KVBM_OFFLOADS,
    SI_KVBM_ONBOARDS,
    SI_PREFILL_PASSES,
    SI_PROMPT_TOKENS,
    SI_WIN_PREFILL_STARTS,
    W_DRAINING,
    W_OFF,
    WAKING,
)
from .metrics import log_event
from .request_blocks import cache_blocks, prefix_hits, prompt_block_keys, reusable_tokens
from .router import route_decode
from .structures import q_pop


@njit(cache=True, _nrt=True)
def kvbm_admit(params, iparams, scalars_i, requests_i, prefill_cache, prefill_cache_meta, W, w, s, t):
    """Request ``s``'s prompt against KVBM tiers of prefill worker ``w`` (of ``W``): its prefix match, then its blocks
    registered in G1. Returns (matched blocks, seconds to onboard them). The tiers keep a key per block,
    so a request keyed by runs spells its blocks out, in an array of its own: this function keeps
    reference counting (the kernel runs without it, ``borrow.py``) so the array is freed."""
    per = iparams[I_TRACE_RUNS]
    if per > 0:
        keys = prompt_block_keys(requests_i, s, per)
    else:
        keys = requests_i[RI_BLOCK_KEYS:RI_BLOCK_KEYS + requests_i[RI_N_KEYS, s], s]
    nb = keys.shape[0]
    matched, secs = kvbm.match(params, P_KVBM, scalars_i, SI_KVBM_ONBOARDS, prefill_cache, W, w, keys, nb,
                               iparams[I_BLOCK_SIZE] * params[P_KV_BYTES_PER_TOKEN], t)
    scalars_i[SI_EVICTED] += kvbm.register(params, P_KVBM, scalars_i, SI_KVBM_OFFLOADS, prefill_cache,
                                           prefill_cache_meta, W, w, keys, nb, t)
    return matched, secs


@njit(cache=True, inline="always")
def start_prefill_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i,
                       prefill_cache, prefill_cache_meta, events_t, events_i, w, t):
    """Schedule one prefill pass on worker w: FCFS, chunked, within the token budget."""
    budget = iparams[I_BATCHED_TOKENS]
    maxk = iparams[I_PREFILL_MAX_SEQS]
    T = 0
    A = 0.0
    onboard = 0.0      # seconds to bring the pass's KVBM hits up to HBM before it can run
    k = 0
    ncomp = 0
    s = prefill_i[PWI_QHEAD, w]
    while s >= 0 and budget > 0 and k < maxk:
        if requests_f[RF_ROUTED, s] > t:
            break  # still in the frontend
        if requests_i[RI_ADMITTED, s] == 0:
            requests_i[RI_ADMITTED, s] = 1
            hit = 0
            if iparams[I_PREFIX_CACHING] == 1:
                # registered at admission (vLLM allocates and hashes the blocks when it schedules
                # them), so a later request of the same prefix in this very pass reuses them
                if iparams[I_KVBM] == 1:
                    matched, secs = kvbm_admit(params, iparams, scalars_i, requests_i, prefill_cache,
                                               prefill_cache_meta, prefill_i.shape[1], w, s, t)
                    onboard += secs
                else:
                    matched = prefix_hits(prefill_cache, w, requests_i, s)
                    scalars_i[SI_EVICTED] += cache_blocks(prefill_cache, prefill_cache_meta, w, requests_i, s,
                                                          iparams[I_CACHE_LIMIT])
                hit = reusable_tokens(requests_i, iparams, s, matched)
            requests_i[RI_CACHED_TOKENS, s] = hit
            requests_i[RI_PREFILL_TOKENS, s] = requests_i[RI_ISL, s] - hit
            prefill_f[PWF_PENDING_TOKENS, w] -= hit
            scalars_i[SI_HIT_TOKENS] += hit
            scalars_i[SI_PROMPT_TOKENS] += requests_i[RI_ISL, s]
            requests_f[RF_PREFILL_START, s] = t
            scalars_f[SF_SUM_PREFILL_WAIT] += t - requests_f[RF_ROUTED, s]
            scalars_i[SI_WIN_PREFILL_STARTS] += 1
            requests_i[RI_STAGE, s] = S_PREFILLING
            log_event(events_t, events_i, scalars_i, requests_i, t, EV_PREFILL_START, s, w)
        rem = requests_i[RI_PREFILL_TOKENS, s] - requests_i[RI_PREFILLED, s]
        c = rem if rem < budget else budget
        requests_i[RI_CHUNK, s] = c
        ctx = requests_i[RI_CACHED_TOKENS, s] + requests_i[RI_PREFILLED, s]
        A += c * (ctx + 0.5 * c)
        T += c
        budget -= c
        if c == rem:
            ncomp += 1
        k += 1
        s = requests_i[RI_NEXT, s]
    if k == 0:
        prefill_i[PWI_PHASE, w] = IDLE
        h = prefill_i[PWI_QHEAD, w]
        if h >= 0:
            # the head is still in the frontend: wake when it reaches the router
            prefill_i[PWI_PHASE, w] = WAKING
            prefill_f[PWF_PASS_END, w] = requests_f[RF_ROUTED, h]
        return
    dt = prefill_pass_time(params, T, A, ncomp) + onboard
    prefill_i[PWI_PHASE, w] = IN_PASS
    scalars_i[SI_PREFILL_PASSES] += 1
    prefill_i[PWI_PASS_REQUESTS, w] = k
    prefill_f[PWF_PASS_END, w] = t + dt


@njit(cache=True, _nrt=False)
def maybe_retire_prefill(prefill_i, w):
    if (prefill_i[PWI_STATE, w] == W_DRAINING and prefill_i[PWI_QLEN, w] == 0 and prefill_i[PWI_PHASE, w] != IN_PASS
            and prefill_i[PWI_HANDOFFS, w] == 0):
        prefill_i[PWI_STATE, w] = W_OFF
        prefill_i[PWI_PHASE, w] = IDLE


@njit(cache=True, inline="always")
def end_prefill_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                     prefill_cache_meta, decode_f, decode_i, decode_cache, decode_cache_meta, active_blocks,
                     active_blocks_meta, route_costs, route_eligible, route_overlap, rng, router_queue, transfer_heap_t,
                     transfer_heap_slot, events_t, events_i, poa_f, poa_i, poa_ring, w, t):
    k = prefill_i[PWI_PASS_REQUESTS, w]
    prefill_i[PWI_PASS_REQUESTS, w] = 0
    for _ in range(k):
        s = prefill_i[PWI_QHEAD, w]
        requests_i[RI_PREFILLED, s] += requests_i[RI_CHUNK, s]
        requests_i[RI_CHUNK, s] = 0
        if requests_i[RI_PREFILLED, s] < requests_i[RI_PREFILL_TOKENS, s]:
            break  # partially prefilled: stays at the head for the next pass
        q_pop(requests_i, prefill_i, PWI_QHEAD, PWI_QTAIL, w)
        prefill_i[PWI_QLEN, w] -= 1
        prefill_f[PWF_PENDING_TOKENS, w] -= requests_i[RI_PREFILL_TOKENS, s]
        prefill_i[PWI_COMPLETED, w] += 1
        requests_f[RF_PREFILL_END, s] = t
        log_event(events_t, events_i, scalars_i, requests_i, t, EV_PREFILL_END, s, w)
        route_decode(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, decode_cache,
                     decode_cache_meta, active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap,
                     rng, router_queue, transfer_heap_t, transfer_heap_slot, poa_f, poa_i, poa_ring, s, t)
        if iparams[I_HANDOFF_HOLD] == 1 and requests_i[RI_STAGE, s] == S_TRANSFER:
            # the worker keeps serving this request until its KV has been pulled (a request parked at
            # the router for want of a decode worker does not hold it)
            requests_i[RI_HOLDS_PREFILL, s] = 1
            prefill_i[PWI_HANDOFFS, w] += 1
    if prefill_i[PWI_HANDOFFS, w] > 0:
        prefill_i[PWI_PHASE, w] = HANDING_OFF
        return
    prefill_i[PWI_PHASE, w] = IDLE
    maybe_retire_prefill(prefill_i, w)
    if prefill_i[PWI_STATE, w] != W_OFF:
        start_prefill_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i,
                           prefill_cache, prefill_cache_meta, events_t, events_i, w, t)


@njit(cache=True, inline="always")
def handoff_done(prefill_f, prefill_i, requests_i, s, t):
    """The KV of the request in slot ``s`` has been pulled: its prefill worker may move on, once every
    request of its last pass has been pulled (it starts its next pass after this instant's events)."""
    if requests_i[RI_HOLDS_PREFILL, s] == 0:
        return
    requests_i[RI_HOLDS_PREFILL, s] = 0
    w = requests_i[RI_PREFILL_WORKER, s]
    prefill_i[PWI_HANDOFFS, w] -= 1
    if prefill_i[PWI_HANDOFFS, w] > 0 or prefill_i[PWI_PHASE, w] != HANDING_OFF:
        return
    prefill_i[PWI_PHASE, w] = IDLE
    maybe_retire_prefill(prefill_i, w)
    if prefill_i[PWI_STATE, w] != W_OFF and prefill_i[PWI_QHEAD, w] >= 0:
        prefill_i[PWI_PHASE, w] = WAKING
        prefill_f[PWF_PASS_END, w] = t
