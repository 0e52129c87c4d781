"""Decode workers: admission (max_num_seqs, KV reserved), continuous batching, first tokens, completions;
and, for requests sent straight to a decode worker (I_DIRECT_PATH), their prefill in the worker's own passes."""
from __future__ import annotations

import math

from numba import njit

from ..profiles.perf_model import decode_pass_time, mixed_pass_time
from . import prefix_cache as kvc
from .decode_kv import (
    blocks_at,
    bound_blocks,
    count_exactly,
    count_running,
    first_pass_over,
    hold_blocks,
    new_shared_blocks,
    preempt_latest,
    release_blocks,
    shared_blocks,
)
from .decode_runs import pass_time
from .layout import (
    DF_ARRIVAL,
    DF_DECODE_ARRIVAL,
    DF_DONE,
    DF_FIRST_TOKEN,
    DF_FRONTEND,
    DF_PREFILL_END,
    DF_PREFILL_START,
    DF_TRANSFER_END,
    DI_CACHED_TOKENS,
    DI_DECODE_WORKER,
    DI_ISL,
    DI_LOCAL_PREFILL,
    DI_OSL,
    DI_PREFILL_WORKER,
    DI_SERIAL,
    DI_TEMPLATE,
    DI_TRANSFER_TOKENS,
    DR_DYNAMO,
    DR_PAPER,
    DWF_DIRECT_PENDING,
    DWF_FIRST_DT,
    DWF_PASS_END,
    DWF_PASS_EXTRA,
    DWF_PASS_START,
    DWF_POST_AT,
    DWF_TOKENS,
    DWI_ADMITTED,
    DWI_ASSIGNED,
    DWI_COMPLETED,
    DWI_DIRECT_ASSIGNED,
    DWI_DIRECT_OWN,
    DWI_HEAP_LEN,
    DWI_KV_BOUND,
    DWI_KV_EXACT,
    DWI_KV_RESERVED,
    DWI_OWN_BLOCKS,
    DWI_PASS,
    DWI_PASS_PREFILL,
    DWI_PHASE,
    DWI_POSTS,
    DWI_RUN_PASSES,
    DWI_RUNNING,
    DWI_STATE,
    DWI_SUM_BLOCKS,
    DWI_SUM_FIRST_PASS,
    DWI_SUM_ISL,
    DWI_WAIT_HEAD,
    DWI_WAIT_LEN,
    DWI_WAIT_TAIL,
    EV_COMPLETE,
    EV_FIRST_TOKEN,
    H_E2E,
    H_ITL,
    H_TTFT,
    I_BATCHED_TOKENS,
    I_BLOCK_SIZE,
    I_CACHE_LIMIT,
    I_DECODE_KV_GROW,
    I_DECODE_PROMPT_BUDGET,
    I_DECODE_ROUTING,
    I_KV_BLOCKS,
    I_MAX_SEQS,
    I_MULTI_PASS,
    I_PREFIX_CACHING,
    IDLE,
    IN_PASS,
    P_HANDOVER_POST,
    RF_ARRIVAL,
    RF_DECODE_ARRIVAL,
    RF_DONE,
    RF_FIRST_TOKEN,
    RF_FRONTEND,
    RF_LAST_TOKEN,
    RF_PREFILL_END,
    RF_PREFILL_START,
    RF_TRANSFER_END,
    RI_ADMIT_SEQ,
    RI_BLOCK_KEYS,
    RI_CACHED_TOKENS,
    RI_FIRST_PASS,
    RI_GENERATED,
    RI_ISL,
    RI_KV_RESERVED,
    RI_LOCAL_PREFILL,
    RI_N_BLOCKS,
    RI_OSL,
    RI_PREFILL_WORKER,
    RI_SERIAL,
    RI_STAGE,
    RI_TEMPLATE,
    RI_TRANSFER_TOKENS,
    S_DECODE_RUN,
    S_FREE,
    SF_SUM_E2E,
    SF_SUM_TTFT,
    SI_ADMIT_SEQ,
    SI_COMPLETED,
    SI_CONNECTIONS,
    SI_DECODE_HIT_TOKENS,
    SI_DECODE_PROMPT_TOKENS,
    SI_DONE_HEAD,
    SI_EVICTED,
    SI_FREE_SLOTS,
    SI_IN_FLIGHT,
    SI_TTFT_HEAD,
    SI_WIN_COMPLETED,
    SI_WIN_TOKENS,
    TTFT_RING,
    W_DRAINING,
    W_OFF,
)
from .metrics import hist_add, log_event
from .poa import poa_first_token
from .request_blocks import cache_blocks, prefix_hits, reusable_tokens, shareable_blocks, shareable_keys
from .structures import dheap_pop, dheap_push, q_pop


@njit(cache=True, _nrt=False)
def maybe_retire_decode(decode_i, w):
    if decode_i[DWI_STATE, w] == W_DRAINING and decode_i[DWI_ASSIGNED, w] == 0 and decode_i[DWI_PHASE, w] == IDLE:
        decode_i[DWI_STATE, w] = W_OFF


@njit(cache=True, inline="always")
def admission_blocks(iparams, requests_i, held, s, w, bs, exact):
    """Blocks a waiting request needs to be admitted: counted exactly for growing KV, for its first
    pass (its prompt blocks not held already, the tokens it had generated before a preemption and
    the one the pass writes), or else its prompt + output (reserved, or a bound)."""
    if exact:
        total = (requests_i[RI_ISL, s] + requests_i[RI_GENERATED, s] + bs) // bs
        return total - shared_blocks(iparams, requests_i, s) + new_shared_blocks(iparams, requests_i, held, w, s)
    return bound_blocks(requests_i, s, bs)


@njit(cache=True, inline="always")
def start_decode_pass(params, iparams, scalars_i, requests_f, requests_i, decode_f, decode_i, completion_heap,
                      admitted, decode_cache, decode_cache_meta, held_blocks, held_blocks_meta, w, t):
    """Admit waiting requests (max_num_seqs and KV), run one pass. KV: prompt + output reserved at
    admission, or with I_DECODE_KV_GROW the blocks as the tokens need them (decode_kv.py): if the
    running requests' next tokens do not fit, the latest admitted are preempted and no request is
    admitted in that pass (the mocker's rule); a waiting request is admitted when its blocks fit.
    With I_DECODE_PROMPT_BUDGET (Dynamo's mocker) an admitted prompt also spends its uncached tokens
    (and a preempted request its generated ones) from the pass's token budget, after one token per
    running request; it costs no time.
    """
    bs = iparams[I_BLOCK_SIZE]
    maxs = iparams[I_MAX_SEQS]
    cap = iparams[I_KV_BLOCKS]
    p = decode_i[DWI_PASS, w]
    grow = iparams[I_DECODE_KV_GROW] == 1
    preempted = False
    if grow and decode_i[DWI_KV_EXACT, w] == 0 and decode_i[DWI_KV_BOUND, w] > cap:
        count_exactly(iparams, requests_i, completion_heap, decode_i, held_blocks, held_blocks_meta, w)
    if grow and decode_i[DWI_KV_EXACT, w] == 0:
        # all the running requests can ever hold fits: no preemption, admission on the same bound
        decode_i[DWI_KV_RESERVED, w] = decode_i[DWI_KV_BOUND, w]
    elif grow:
        decode_i[DWI_KV_RESERVED, w] = blocks_at(decode_i, held_blocks_meta, w, p, bs)
        while decode_i[DWI_KV_RESERVED, w] > cap and decode_i[DWI_RUNNING, w] > 1:
            preempt_latest(iparams, scalars_i, requests_f, requests_i, decode_i, completion_heap, held_blocks,
                           held_blocks_meta, w, p, bs, t)
            preempted = True
            decode_i[DWI_KV_RESERVED, w] = blocks_at(decode_i, held_blocks_meta, w, p, bs)
    nnew = 0
    budget = iparams[I_BATCHED_TOKENS] - decode_i[DWI_RUNNING, w]
    caching = iparams[I_PREFIX_CACHING] == 1
    dyn_cache = iparams[I_DECODE_ROUTING] != DR_PAPER and caching
    local_budget = budget        # vLLM's token budget, for prompts this worker prefills itself
    T = 0                        # prompt tokens this pass prefills (requests sent straight here)
    A = 0.0
    while not preempted and decode_i[DWI_WAIT_LEN, w] > 0 and decode_i[DWI_RUNNING, w] < maxs:
        s = decode_i[DWI_WAIT_HEAD, w]
        gen = requests_i[RI_GENERATED, s]
        exact = grow and decode_i[DWI_KV_EXACT, w] == 1
        need = admission_blocks(iparams, requests_i, held_blocks, s, w, bs, exact)
        if grow and not exact and (decode_i[DWI_KV_RESERVED, w] + need > cap
                                   or (dyn_cache and cap - decode_i[DWI_KV_RESERVED, w] - need
                                       < iparams[I_CACHE_LIMIT])):
            # the bound no longer fits, or no longer leaves the prefix cache its whole room: count
            # exactly from here on
            count_exactly(iparams, requests_i, completion_heap, decode_i, held_blocks, held_blocks_meta, w)
            exact = True
            decode_i[DWI_KV_RESERVED, w] = blocks_at(decode_i, held_blocks_meta, w, p, bs)
            need = admission_blocks(iparams, requests_i, held_blocks, s, w, bs, exact)
        if decode_i[DWI_KV_RESERVED, w] + need > cap:
            break  # KV full: wait for admission
        if iparams[I_DECODE_PROMPT_BUDGET] == 1:
            tok = requests_i[RI_ISL, s] + gen
            if dyn_cache:
                tok -= reusable_tokens(requests_i, iparams, s, prefix_hits(decode_cache, w, requests_i, s))
            if tok > budget and nnew > 0:
                break  # the budget of this pass is spent: the rest wait for the next one
            budget -= tok
        local = requests_i[RI_LOCAL_PREFILL, s] == 1 and gen == 0
        if local:
            # it came without KV: this worker prefills it in this pass (vLLM's mixed batch), its cached prefix
            # excepted (vLLM's rule); a prompt larger than the budget is not split over passes here
            cached = 0
            if caching:
                cached = reusable_tokens(requests_i, iparams, s, prefix_hits(decode_cache, w, requests_i, s))
            tok = requests_i[RI_ISL, s] - cached
            if tok > local_budget and nnew > 0:
                break
            local_budget -= tok
            requests_i[RI_CACHED_TOKENS, s] = cached
            scalars_i[SI_DECODE_HIT_TOKENS] += cached
            scalars_i[SI_DECODE_PROMPT_TOKENS] += requests_i[RI_ISL, s]
            A += tok * (cached + 0.5 * tok)
            T += tok
        q_pop(requests_i, decode_i, DWI_WAIT_HEAD, DWI_WAIT_TAIL, w)
        decode_i[DWI_WAIT_LEN, w] -= 1
        if caching and (dyn_cache or local):
            # the decode worker keeps the prompt's blocks (its own prefix cache, not routed on)
            room = min(cap - decode_i[DWI_KV_RESERVED, w] - need, iparams[I_CACHE_LIMIT])
            scalars_i[SI_EVICTED] += cache_blocks(decode_cache, decode_cache_meta, w, requests_i, s, room)
        if exact:
            hold_blocks(iparams, requests_i, held_blocks, held_blocks_meta, w, s)
        if grow:
            decode_i[DWI_KV_BOUND, w] += bound_blocks(requests_i, s, bs)
        requests_i[RI_KV_RESERVED, s] = need
        decode_i[DWI_KV_RESERVED, w] += need
        # a preempted request resumes where it was: its pass index counts its generated tokens
        first = p - gen
        requests_i[RI_FIRST_PASS, s] = first
        requests_i[RI_ADMIT_SEQ, s] = scalars_i[SI_ADMIT_SEQ]
        scalars_i[SI_ADMIT_SEQ] += 1
        requests_i[RI_STAGE, s] = S_DECODE_RUN
        count_running(iparams, requests_i, decode_i, held_blocks_meta, w, s, bs, 1)
        dheap_push(completion_heap, decode_i, w, first + requests_i[RI_OSL, s] - 1, s)
        admitted[w, nnew] = s
        nnew += 1
    decode_i[DWI_ADMITTED, w] = nnew
    # NIXL reads the router asked this worker to post at this boundary: host work before the forward pass
    extra = 0.0
    if decode_i[DWI_POSTS, w] > 0 and decode_f[DWF_POST_AT, w] == t:
        extra = decode_i[DWI_POSTS, w] * params[P_HANDOVER_POST]
        decode_i[DWI_POSTS, w] = 0
    n = decode_i[DWI_RUNNING, w]
    if n == 0:
        decode_i[DWI_PHASE, w] = IDLE
        maybe_retire_decode(decode_i, w)
        return
    decode_i[DWI_PASS_PREFILL, w] = T
    decode_f[DWF_PASS_EXTRA, w] = extra
    kv = decode_i[DWI_SUM_ISL, w] + n * p - decode_i[DWI_SUM_FIRST_PASS, w]
    # Until its next completion nothing changes on this worker unless a request can join:
    # then the passes up to that completion run as one event (a "run"), cut short by
    # transfer_done if a request lands meanwhile. End times are summed pass by pass, exactly
    # as single passes would be, so the results do not depend on this shortcut.
    k = 1
    if nnew == 0 and iparams[I_MULTI_PASS] == 1:
        blocked = decode_i[DWI_WAIT_LEN, w] == 0 or n >= maxs
        if not blocked:
            # held blocks only grow until the next completion: a request that does not fit now
            # does not fit before it
            exact = grow and decode_i[DWI_KV_EXACT, w] == 1
            need = admission_blocks(iparams, requests_i, held_blocks, decode_i[DWI_WAIT_HEAD, w], w, bs, exact)
            blocked = decode_i[DWI_KV_RESERVED, w] + need > cap
        if blocked:
            k = completion_heap[0, w, 0] - p + 1
            if grow and decode_i[DWI_KV_EXACT, w] == 1 and k > 1:
                # ... and the run ends before a pass that would preempt
                k = first_pass_over(decode_i, held_blocks_meta, w, p, k, bs, cap) - p
    # the first pass: a plain decode pass, or one that also prefills requests sent here and follows the posting
    # of reads (its end is fixed now: nothing can join it)
    dt0 = decode_pass_time(params, n, kv) if T == 0 else mixed_pass_time(params, n, kv, T, A)
    decode_f[DWF_FIRST_DT, w] = dt0 + extra if extra > 0.0 else dt0
    end = t
    for i in range(k):
        end += pass_time(params, decode_f, w, n, kv + i * n, i)
    decode_i[DWI_PHASE, w] = IN_PASS
    decode_i[DWI_RUN_PASSES, w] = k
    decode_f[DWF_PASS_START, w] = t
    decode_f[DWF_PASS_END, w] = end


@njit(cache=True, inline="always")
def complete(iparams, scalars_f, scalars_i, requests_f, requests_i, free_slots, decode_i, active_blocks,
             active_blocks_meta, held_blocks, held_blocks_meta, latency_hist, completed_f, completed_i, events_t,
             events_i, s, w, t):
    requests_f[RF_DONE, s] = t
    count_running(iparams, requests_i, decode_i, held_blocks_meta, w, s, iparams[I_BLOCK_SIZE], -1)
    decode_i[DWI_KV_RESERVED, w] -= requests_i[RI_KV_RESERVED, s]
    decode_i[DWI_ASSIGNED, w] -= 1
    decode_i[DWI_COMPLETED, w] += 1
    if requests_i[RI_LOCAL_PREFILL, s] == 1:
        # booked by the direct path's own router (rows W.. of the active sets); it held no client connection
        shareable = shareable_blocks(iparams, requests_i, s)
        row = decode_i.shape[1] + w
        for k in range(shareable_keys(iparams, requests_i, s)):
            kvc.ref_remove(active_blocks, active_blocks_meta, row, requests_i[RI_BLOCK_KEYS + k, s])
        decode_i[DWI_DIRECT_OWN, w] -= requests_i[RI_N_BLOCKS, s] - shareable
        decode_i[DWI_DIRECT_ASSIGNED, w] -= 1
    else:
        scalars_i[SI_CONNECTIONS] -= 1
        decode_i[DWI_SUM_BLOCKS, w] -= requests_i[RI_N_BLOCKS, s]
        if iparams[I_DECODE_ROUTING] != DR_DYNAMO:
            # the frontend's decode router books distinct blocks (paper, v0.9.0)
            shareable = shareable_blocks(iparams, requests_i, s)
            for k in range(shareable_keys(iparams, requests_i, s)):
                kvc.ref_remove(active_blocks, active_blocks_meta, w, requests_i[RI_BLOCK_KEYS + k, s])
            decode_i[DWI_OWN_BLOCKS, w] -= requests_i[RI_N_BLOCKS, s] - shareable
    if iparams[I_DECODE_KV_GROW] == 1:
        decode_i[DWI_KV_BOUND, w] -= bound_blocks(requests_i, s, iparams[I_BLOCK_SIZE])
        if decode_i[DWI_KV_EXACT, w] == 1:
            release_blocks(iparams, requests_i, held_blocks, held_blocks_meta, w, s)
    e2e = t - requests_f[RF_ARRIVAL, s]
    hist_add(latency_hist, H_E2E, e2e, 1.0)
    scalars_f[SF_SUM_E2E] += e2e
    scalars_i[SI_COMPLETED] += 1
    scalars_i[SI_WIN_COMPLETED] += 1
    scalars_i[SI_IN_FLIGHT] -= 1
    log_event(events_t, events_i, scalars_i, requests_i, t, EV_COMPLETE, s, w)
    i = scalars_i[SI_DONE_HEAD] % completed_f.shape[0]
    completed_f[i, DF_ARRIVAL] = requests_f[RF_ARRIVAL, s]
    completed_f[i, DF_PREFILL_START] = requests_f[RF_PREFILL_START, s]
    completed_f[i, DF_PREFILL_END] = requests_f[RF_PREFILL_END, s]
    completed_f[i, DF_TRANSFER_END] = requests_f[RF_TRANSFER_END, s]
    completed_f[i, DF_FIRST_TOKEN] = requests_f[RF_FIRST_TOKEN, s]
    completed_f[i, DF_DONE] = t
    completed_f[i, DF_DECODE_ARRIVAL] = requests_f[RF_DECODE_ARRIVAL, s]
    completed_f[i, DF_FRONTEND] = requests_f[RF_FRONTEND, s]
    completed_i[i, DI_SERIAL] = requests_i[RI_SERIAL, s]
    completed_i[i, DI_PREFILL_WORKER] = requests_i[RI_PREFILL_WORKER, s]
    completed_i[i, DI_DECODE_WORKER] = w
    completed_i[i, DI_TEMPLATE] = requests_i[RI_TEMPLATE, s]
    completed_i[i, DI_ISL] = requests_i[RI_ISL, s]
    completed_i[i, DI_OSL] = requests_i[RI_OSL, s]
    completed_i[i, DI_CACHED_TOKENS] = requests_i[RI_CACHED_TOKENS, s]
    completed_i[i, DI_TRANSFER_TOKENS] = requests_i[RI_TRANSFER_TOKENS, s]
    completed_i[i, DI_LOCAL_PREFILL] = requests_i[RI_LOCAL_PREFILL, s]
    scalars_i[SI_DONE_HEAD] += 1
    requests_i[RI_STAGE, s] = S_FREE
    top = scalars_i[SI_FREE_SLOTS]
    free_slots[top] = s
    scalars_i[SI_FREE_SLOTS] = top + 1
    maybe_retire_decode(decode_i, w)


@njit(cache=True, inline="always")
def end_decode_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, free_slots, decode_f, decode_i,
                    completion_heap, admitted, decode_cache, decode_cache_meta, active_blocks, active_blocks_meta,
                    held_blocks, held_blocks_meta, latency_hist, ttft_ring, completed_f, completed_i, events_t,
                    events_i, poa_f, poa_i, poa_ring, w, t):
    p = decode_i[DWI_PASS, w]
    n = decode_i[DWI_RUNNING, w]
    nnew = decode_i[DWI_ADMITTED, w]
    k = decode_i[DWI_RUN_PASSES, w]
    kv = decode_i[DWI_SUM_ISL, w] + n * p - decode_i[DWI_SUM_FIRST_PASS, w]
    for i in range(k):
        # one inter-token gap per request past its first token, per pass
        if n > nnew:
            hist_add(latency_hist, H_ITL, pass_time(params, decode_f, w, n, kv + i * n, i), n - nnew)
        nnew = 0
    nnew = decode_i[DWI_ADMITTED, w]
    scalars_i[SI_WIN_TOKENS] += n * k
    decode_f[DWF_TOKENS, w] += n * k
    p = p + k - 1                          # the last pass of the run
    for i in range(nnew):
        s = admitted[w, i]
        if requests_i[RI_GENERATED, s] > 0:
            # a preempted request's next token: one inter-token gap, its wait included
            hist_add(latency_hist, H_ITL, t - requests_f[RF_LAST_TOKEN, s], 1.0)
            continue
        requests_f[RF_FIRST_TOKEN, s] = t
        ttft = t - requests_f[RF_ARRIVAL, s]
        hist_add(latency_hist, H_TTFT, ttft, 1.0)
        scalars_f[SF_SUM_TTFT] += ttft
        j = scalars_i[SI_TTFT_HEAD] % TTFT_RING
        ttft_ring[0, j] = t
        ttft_ring[1, j] = ttft
        if requests_i[RI_LOCAL_PREFILL, s] == 1:
            # the direct path's router marks its prefill done; the frontend's histogram never sees it
            decode_f[DWF_DIRECT_PENDING, w] -= requests_i[RI_ISL, s]
            ttft_ring[2, j] = math.nan
        else:
            ttft_ring[2, j] = t - requests_f[RF_FRONTEND, s]
        scalars_i[SI_TTFT_HEAD] += 1
        poa_first_token(scalars_f, scalars_i, requests_f, requests_i, poa_f, poa_ring, s, t)
        log_event(events_t, events_i, scalars_i, requests_i, t, EV_FIRST_TOKEN, s, w)
    decode_i[DWI_ADMITTED, w] = 0
    while decode_i[DWI_HEAP_LEN, w] > 0 and completion_heap[0, w, 0] == p:
        s = dheap_pop(completion_heap, decode_i, w)
        complete(iparams, scalars_f, scalars_i, requests_f, requests_i, free_slots, decode_i, active_blocks,
                 active_blocks_meta, held_blocks, held_blocks_meta, latency_hist, completed_f, completed_i, events_t,
                 events_i, s, w, t)
    decode_i[DWI_PASS, w] = p + 1
    decode_i[DWI_PHASE, w] = IDLE
    decode_i[DWI_RUN_PASSES, w] = 0
    if decode_i[DWI_STATE, w] != W_OFF:
        start_decode_pass(params, iparams, scalars_i, requests_f, requests_i, decode_f, decode_i, completion_heap,
                          admitted, decode_cache, decode_cache_meta, held_blocks, held_blocks_meta, w, t)
