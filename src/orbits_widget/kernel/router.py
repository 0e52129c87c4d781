"""Dynamo's worker-selection rule (KV router), as the kernel applies it.

Costs are lower-is-better. ``tau = 0`` picks the minimum, ties uniformly at random;
``tau > 0`` samples a softmax over *range-normalised* costs,
``p_i ∝ exp(-(c_i - c_min) / ((c_max - c_min) * tau))`` (uniform when all costs are equal),
by inverse-CDF with one uniform draw — so the best worker is ``e^(1/tau)`` times as likely as
the worst, whatever the scale of the costs.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..workload.rng import ROUTING, uniform
from . import prefix_cache as kvc
from .decode_runs import cut_run, next_boundary
from .layout import (
    DR_DYNAMO,
    DR_PAPER,
    DR_V090,
    DWF_DIRECT_PENDING,
    DWF_POST_AT,
    DWI_ASSIGNED,
    DWI_DIRECT_ASSIGNED,
    DWI_DIRECT_OWN,
    DWI_KV_RESERVED,
    DWI_OWN_BLOCKS,
    DWI_PHASE,
    DWI_POSTS,
    DWI_RUN_PASSES,
    DWI_STATE,
    DWI_SUM_BLOCKS,
    I_BLOCK_SIZE,
    I_CACHE_LIMIT,
    I_DECODE_ROUTING,
    I_HANDOFF_HOLD,
    I_KV_BLOCKS,
    I_PREFIX_CACHING,
    IDLE,
    IN_PASS,
    P_ACTIVE_REQUEST_WEIGHT,
    P_HANDOVER_POST,
    P_OMEGA,
    P_TAU,
    PWF_PASS_END,
    PWF_PENDING_TOKENS,
    PWI_PHASE,
    PWI_QHEAD,
    PWI_QLEN,
    PWI_QTAIL,
    PWI_STATE,
    RF_ROUTED,
    RI_BLOCK_KEYS,
    RI_DECODE_WORKER,
    RI_ISL,
    RI_LOCAL_PREFILL,
    RI_N_BLOCKS,
    RI_N_KEYS,
    RI_PREFILL_WORKER,
    RI_STAGE,
    RI_TRANSFER_TOKENS,
    RQ_DECODE,
    RQ_HEAD,
    RQ_PREFILL,
    RQ_TAIL,
    S_PREFILL_Q,
    S_ROUTER_D,
    S_ROUTER_P,
    S_TRANSFER,
    SI_DECODE_HI,
    SI_DECODE_HIT_TOKENS,
    SI_DECODE_PROMPT_TOKENS,
    SI_DIRECT,
    SI_EVICTED,
    SI_PREFILL_HI,
    SI_ROUTER_DECODE_LEN,
    SI_ROUTER_PREFILL_LEN,
    W_ACTIVE,
    WAKING,
)
from .poa import poa_route
from .request_blocks import cache_blocks, prefill_hits, prefix_hits, reusable_tokens, shareable_blocks, shareable_keys
from .structures import q_pop, q_push, xheap_push
from .transfer import start_transfer

TIE_EPS = 1e-9   # costs this close (in blocks) are ties: they are sums of block counts and weights
MIN_SPREAD = 1e-300     # cost spread x tau below which the softmax is taken as its limit, the argmin


@njit(cache=True, _nrt=False)
def select(route_costs, eligible, n, tau, rng, stream):
    """Index of the chosen worker among ``costs[:n]`` where ``eligible`` is true, or -1."""
    cmin = math.inf
    cmax = -math.inf
    m = 0
    for j in range(n):
        if eligible[j]:
            m += 1
            c = route_costs[j]
            if c < cmin:
                cmin = c
            if c > cmax:
                cmax = c
    if m == 0:
        return -1
    # tau -> 0 is the argmin; so is a tau so small that the softmax's scale 1 / (spread x tau) would overflow
    greedy = tau <= 0.0 or (cmax - cmin) * tau < MIN_SPREAD
    if greedy or cmax - cmin <= TIE_EPS:
        if greedy:
            # argmin; count the ties, then take the k-th of them uniformly
            ties = 0
            for j in range(n):
                if eligible[j] and route_costs[j] - cmin <= TIE_EPS:
                    ties += 1
            pick = int(uniform(rng, stream) * ties)
            if pick >= ties:
                pick = ties - 1
            for j in range(n):
                if eligible[j] and route_costs[j] - cmin <= TIE_EPS:
                    if pick == 0:
                        return j
                    pick -= 1
        # all equal under tau > 0: uniform over the eligible workers
        pick = int(uniform(rng, stream) * m)
        if pick >= m:
            pick = m - 1
        for j in range(n):
            if eligible[j]:
                if pick == 0:
                    return j
                pick -= 1
        return -1
    scale = 1.0 / ((cmax - cmin) * tau)
    total = 0.0
    for j in range(n):
        if eligible[j]:
            total += math.exp(-(route_costs[j] - cmin) * scale)
    u = uniform(rng, stream) * total
    acc = 0.0
    last = -1
    for j in range(n):
        if eligible[j]:
            acc += math.exp(-(route_costs[j] - cmin) * scale)
            last = j
            if u < acc:
                return j
    return last


@njit(cache=True, _nrt=False)
def prefer_smaller_tree(route_costs, route_eligible, route_overlap, n, cache_meta):
    """Dynamo's tie-break at ``tau = 0``: among the cheapest workers, those whose cached tree is the
    smallest stay eligible (a worker with no overlap, ``route_overlap[j] == 0``, counts as size 0, as
    the router's indexer reports no size for it); when every tied worker has the same size, all stay
    and the draw is uniform."""
    cmin = math.inf
    for j in range(n):
        if route_eligible[j] and route_costs[j] < cmin:
            cmin = route_costs[j]
    smallest = -1
    largest = -1
    for j in range(n):
        if route_eligible[j] and route_costs[j] - cmin <= TIE_EPS:
            size = cache_meta[j, kvc.M_COUNT] if route_overlap[j] > 0 else 0
            if smallest < 0 or size < smallest:
                smallest = size
            if size > largest:
                largest = size
    if smallest == largest:
        return
    for j in range(n):
        if route_eligible[j] and route_costs[j] - cmin <= TIE_EPS:
            if route_overlap[j] > 0 and cache_meta[j, kvc.M_COUNT] > smallest:
                route_eligible[j] = False


def probabilities(route_costs, tau):
    """The selection probabilities of :func:`select` (for documentation and tests)."""
    c = np.asarray(route_costs, dtype=float)
    if tau <= 0.0:
        best = c - c.min() <= TIE_EPS
        return best / best.sum()
    rng_ = c.max() - c.min()
    if rng_ <= TIE_EPS:
        return np.full(len(c), 1.0 / len(c))
    w = np.exp(-(c - c.min()) / (rng_ * tau))
    return w / w.sum()


@njit(cache=True, _nrt=False)
def park_at_router(scalars_i, requests_i, router_queue, pool, slot):
    """No worker of ``pool`` can take the request: it waits at the router, in arrival order."""
    requests_i[RI_STAGE, slot] = S_ROUTER_P if pool == RQ_PREFILL else S_ROUTER_D
    q_push(requests_i, router_queue, RQ_HEAD, RQ_TAIL, pool, slot)
    scalars_i[SI_ROUTER_PREFILL_LEN if pool == RQ_PREFILL else SI_ROUTER_DECODE_LEN] += 1


@njit(cache=True, inline="always")
def route_prefill(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                  prefill_cache_meta, route_costs, route_eligible, route_overlap, rng, router_queue, events_t, events_i,
                  slot, t):
    """Prefill leg: Dynamo's prefill router, cost = omega * (pending + uncached prompt) blocks."""
    W = scalars_i[SI_PREFILL_HI]
    bs = iparams[I_BLOCK_SIZE]
    omega = params[P_OMEGA]
    n_el = 0
    for j in range(W):
        e = prefill_i[PWI_STATE, j] == W_ACTIVE
        route_eligible[j] = e
        if e:
            n_el += 1
            ov = 0
            if iparams[I_PREFIX_CACHING] == 1:
                ov = prefill_hits(prefill_cache, j, requests_i, slot, iparams)
            route_overlap[j] = ov       # kept for the tie-break
            route_costs[j] = omega * (prefill_f[PWF_PENDING_TOKENS, j] + requests_i[RI_ISL, slot] - ov * bs) / bs
    if n_el == 0:
        park_at_router(scalars_i, requests_i, router_queue, RQ_PREFILL, slot)
        return
    if params[P_TAU] <= 0.0 and iparams[I_PREFIX_CACHING] == 1 and n_el > 1:
        prefer_smaller_tree(route_costs, route_eligible, route_overlap, W, prefill_cache_meta)
    w = select(route_costs, route_eligible, W, params[P_TAU], rng, ROUTING)
    requests_i[RI_PREFILL_WORKER, slot] = w
    requests_i[RI_STAGE, slot] = S_PREFILL_Q
    # the router books the full prompt; refined to the uncached part at admission
    prefill_f[PWF_PENDING_TOKENS, w] += requests_i[RI_ISL, slot]
    q_push(requests_i, prefill_i, PWI_QHEAD, PWI_QTAIL, w, slot)
    prefill_i[PWI_QLEN, w] += 1
    if prefill_i[PWI_PHASE, w] == IDLE:
        # an idle worker starts its pass once every event of this instant is in (a "wake"), so
        # requests arriving together are batched together, as in Dynamo's replay
        prefill_i[PWI_PHASE, w] = WAKING
        prefill_f[PWF_PASS_END, w] = t


@njit(cache=True, inline="always")
def keep_first_cheapest(route_costs, route_eligible, n):
    """v0.9.0's last tie-break at ``tau = 0``: decode workers publish no KV events, so every tied worker's tree
    size is 0, and the first in the router's hash-map order wins — a fixed order (Dynamo PR #6253, merged after
    v0.9.0, replaced it with a random pick because it imbalanced the pool)."""
    cmin = math.inf
    for j in range(n):
        if route_eligible[j] and route_costs[j] < cmin:
            cmin = route_costs[j]
    first = True
    for j in range(n):
        if route_eligible[j] and route_costs[j] - cmin <= TIE_EPS:
            if not first:
                route_eligible[j] = False
            first = False


@njit(cache=True, inline="always")
def depth_in_set(active_blocks, row, requests_i, slot):
    """Leading blocks of the request already booked in row ``row`` of an active set (Dynamo's tracker
    matches by prefix depth). A key is booked with all its blocks: every request books whole keys."""
    depth = 0
    for k in range(requests_i[RI_N_KEYS, slot]):
        key = requests_i[RI_BLOCK_KEYS + k, slot]
        if kvc.find(active_blocks, row, key) < 0:
            break
        depth += kvc.key_blocks(key)
    return depth


@njit(cache=True, inline="always")
def route_decode(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, decode_cache,
                 decode_cache_meta, active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap, rng,
                 router_queue, transfer_heap_t, transfer_heap_slot, poa_f, poa_i, poa_ring, slot, t):
    """Decode leg of the frontend's router over the decode pool, by ``I_DECODE_ROUTING``:
    paper: c_j = omega * b^p_j + b^a_j (+ lambda * active requests); v0.9.0: distinct booked blocks + the
    request's blocks new to them, no overlap term, ties to a fixed order; dynamo: blocks per request."""
    W = scalars_i[SI_DECODE_HI]
    omega = params[P_OMEGA]
    lam = params[P_ACTIVE_REQUEST_WEIGHT]
    nblk = requests_i[RI_N_BLOCKS, slot]
    mode = iparams[I_DECODE_ROUTING]
    paper = mode == DR_PAPER
    caching = iparams[I_PREFIX_CACHING] == 1
    n_el = 0
    for j in range(W):
        e = decode_i[DWI_STATE, j] == W_ACTIVE
        route_eligible[j] = e
        if e:
            n_el += 1
            # the frontend's router does not know the requests the direct path's router sent
            load = lam * (decode_i[DWI_ASSIGNED, j] - decode_i[DWI_DIRECT_ASSIGNED, j] + 1)
            if mode != DR_DYNAMO:
                ov = 0
                if caching:
                    ov = prefix_hits(decode_cache, j, requests_i, slot)
                route_overlap[j] = ov   # the blocks j holds: they need not cross the link
                # blocks new to j's active (booked) set, by prefix depth as Dynamo's tracker does
                depth = depth_in_set(active_blocks, j, requests_i, slot)
                booked = active_blocks_meta[j, kvc.M_COUNT] + decode_i[DWI_OWN_BLOCKS, j]     # distinct blocks on j
                if paper:
                    route_costs[j] = omega * (nblk - ov) + booked + (nblk - depth) + load
                else:
                    # v0.9.0: the decode leg's override sets the overlap weight to 0, reuse is assumed (a shared
                    # prefix counts once), and no per-request term existed yet
                    route_costs[j] = booked + (nblk - depth)
            else:
                # Dynamo's disaggregated decode leg: overlap ignored, blocks counted per request
                route_costs[j] = decode_i[DWI_SUM_BLOCKS, j] + nblk + load
    if n_el == 0:
        park_at_router(scalars_i, requests_i, router_queue, RQ_DECODE, slot)
        return
    if mode == DR_V090 and params[P_TAU] <= 0.0 and n_el > 1:
        keep_first_cheapest(route_costs, route_eligible, W)
    w = select(route_costs, route_eligible, W, params[P_TAU], rng, ROUTING)
    requests_i[RI_DECODE_WORKER, slot] = w
    poa_route(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, route_eligible,
              route_overlap, poa_f, poa_i, poa_ring, W, slot, t)
    decode_i[DWI_ASSIGNED, w] += 1
    decode_i[DWI_SUM_BLOCKS, w] += nblk
    isl = requests_i[RI_ISL, slot]
    xtok = isl
    if mode != DR_DYNAMO:
        shareable = shareable_blocks(iparams, requests_i, slot)
        for k in range(shareable_keys(iparams, requests_i, slot)):
            kvc.ref_add(active_blocks, active_blocks_meta, w, requests_i[RI_BLOCK_KEYS + k, slot])
        decode_i[DWI_OWN_BLOCKS, w] += nblk - shareable
        if caching:
            # only what the decode worker does not already hold crosses the network (vLLM's connector reads
            # the blocks its local prefix cache lacks)
            xtok = isl - reusable_tokens(requests_i, iparams, slot, route_overlap[w])
        if paper and caching:
            # the blocks are on their way to w: record them now, as Dynamo's predicted-TTL
            # indexer does, so sibling requests routed before the transfer lands see them
            lim = iparams[I_KV_BLOCKS] - decode_i[DWI_KV_RESERVED, w]
            if lim > iparams[I_CACHE_LIMIT]:
                lim = iparams[I_CACHE_LIMIT]
            scalars_i[SI_EVICTED] += cache_blocks(decode_cache, decode_cache_meta, w, requests_i, slot, lim)
    scalars_i[SI_DECODE_HIT_TOKENS] += isl - xtok
    scalars_i[SI_DECODE_PROMPT_TOKENS] += isl
    t0 = t
    if iparams[I_HANDOFF_HOLD] == 1:
        # vLLM's connector starts a pull inside the decode worker's next forward step
        t0 = next_boundary(params, decode_f, decode_i, w, t)
        post = params[P_HANDOVER_POST]
        if post > 0.0:
            # ... posting its reads one by one on the host before that step's forward pass (vLLM PR #53333)
            if decode_f[DWF_POST_AT, w] != t0:
                decode_f[DWF_POST_AT, w] = t0
                decode_i[DWI_POSTS, w] = 0
            decode_i[DWI_POSTS, w] += 1
            if decode_i[DWI_PHASE, w] == IN_PASS and decode_i[DWI_RUN_PASSES, w] > 1:
                cut_run(params, decode_f, decode_i, w, t)   # the pass after t0 carries the posting
            t0 += decode_i[DWI_POSTS, w] * post
    start_transfer(params, scalars_i, requests_i, transfer_heap_t, transfer_heap_slot, slot, xtok, t0)


@njit(cache=True, _nrt=False)
def route_direct(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, decode_cache,
                 active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap, rng, router_queue,
                 transfer_heap_t, transfer_heap_slot, poa_f, poa_i, poa_ring, slot, t):
    """The adaptive controller's own router (I_DIRECT_PATH): Dynamo's Python ``KvPushRouter`` on the decode
    workers' endpoint, with the controller's per-request (tau, omega). It sends the request straight to a decode
    worker, which prefills it itself: no PrefillRouter, no KV transfer. Its cost is Dynamo's,
    omega * (prefill tokens it booked on j + the prompt) / block + distinct blocks it booked on j + the request's
    blocks new to them; it sees no cached prefix (decode workers publish no KV events), and at tau = 0 ties go to
    a fixed order, as on v0.9.0's decode leg. It knows only the requests it sent itself."""
    W = scalars_i[SI_DECODE_HI]
    Wmax = decode_i.shape[1]
    bs = iparams[I_BLOCK_SIZE]
    omega = params[P_OMEGA]
    nblk = requests_i[RI_N_BLOCKS, slot]
    isl = requests_i[RI_ISL, slot]
    caching = iparams[I_PREFIX_CACHING] == 1
    requests_i[RI_LOCAL_PREFILL, slot] = 1
    n_el = 0
    for j in range(W):
        e = decode_i[DWI_STATE, j] == W_ACTIVE
        route_eligible[j] = e
        if e:
            n_el += 1
            # what j's own prefix cache holds: the router cannot see it, the PoA-hat estimator prices with it
            route_overlap[j] = prefix_hits(decode_cache, j, requests_i, slot) if caching else 0
            depth = depth_in_set(active_blocks, Wmax + j, requests_i, slot)
            booked = active_blocks_meta[Wmax + j, kvc.M_COUNT] + decode_i[DWI_DIRECT_OWN, j]
            route_costs[j] = omega * (decode_f[DWF_DIRECT_PENDING, j] + isl) / bs + booked + (nblk - depth)
    if n_el == 0:
        park_at_router(scalars_i, requests_i, router_queue, RQ_DECODE, slot)
        return
    if params[P_TAU] <= 0.0 and n_el > 1:
        keep_first_cheapest(route_costs, route_eligible, W)
    w = select(route_costs, route_eligible, W, params[P_TAU], rng, ROUTING)
    requests_i[RI_DECODE_WORKER, slot] = w
    poa_route(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, route_eligible,
              route_overlap, poa_f, poa_i, poa_ring, W, slot, t)
    decode_i[DWI_ASSIGNED, w] += 1
    decode_i[DWI_DIRECT_ASSIGNED, w] += 1
    decode_f[DWF_DIRECT_PENDING, w] += isl
    shareable = shareable_blocks(iparams, requests_i, slot)
    for k in range(shareable_keys(iparams, requests_i, slot)):
        kvc.ref_add(active_blocks, active_blocks_meta, Wmax + w, requests_i[RI_BLOCK_KEYS + k, slot])
    decode_i[DWI_DIRECT_OWN, w] += nblk - shareable
    scalars_i[SI_DIRECT] += 1
    # on its way to w (the client's hop); it joins w's queue when it gets there, like a landed transfer
    requests_i[RI_TRANSFER_TOKENS, slot] = 0
    requests_i[RI_STAGE, slot] = S_TRANSFER
    arrive = requests_f[RF_ROUTED, slot]
    xheap_push(transfer_heap_t, transfer_heap_slot, scalars_i, arrive if arrive > t else t, slot)


@njit(cache=True, _nrt=False)
def _any_active(state_row, hi):
    for j in range(hi):
        if state_row[j] == W_ACTIVE:
            return True
    return False


@njit(cache=True, _nrt=False)
def dispatch_router_queues(params, iparams, scalars_f, scalars_i, requests, workers, caches, routing, records, t):
    """Route requests that waited at the router for lack of an active worker, oldest first."""
    requests_f, requests_i, transfer_heap_t = requests.requests_f, requests.requests_i, requests.transfer_heap_t
    transfer_heap_slot = requests.transfer_heap_slot
    prefill_f, prefill_i, decode_f, decode_i = workers.prefill_f, workers.prefill_i, workers.decode_f, workers.decode_i
    prefill_cache, prefill_cache_meta = caches.prefill_cache, caches.prefill_cache_meta
    decode_cache, decode_cache_meta, active_blocks = caches.decode_cache, caches.decode_cache_meta, caches.active_blocks
    active_blocks_meta = caches.active_blocks_meta
    rng, route_costs, route_eligible = routing.rng, routing.route_costs, routing.route_eligible
    route_overlap, router_queue = routing.route_overlap, routing.router_queue
    events_t, events_i, poa_f, poa_i = records.events_t, records.events_i, records.poa_f, records.poa_i
    poa_ring = records.poa_ring
    while scalars_i[SI_ROUTER_PREFILL_LEN] > 0 and _any_active(prefill_i[PWI_STATE], scalars_i[SI_PREFILL_HI]):
        s = q_pop(requests_i, router_queue, RQ_HEAD, RQ_TAIL, RQ_PREFILL)
        scalars_i[SI_ROUTER_PREFILL_LEN] -= 1
        route_prefill(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i,
                      prefill_cache, prefill_cache_meta, route_costs, route_eligible, route_overlap, rng, router_queue,
                      events_t, events_i, s, t)
    while scalars_i[SI_ROUTER_DECODE_LEN] > 0 and _any_active(decode_i[DWI_STATE], scalars_i[SI_DECODE_HI]):
        s = q_pop(requests_i, router_queue, RQ_HEAD, RQ_TAIL, RQ_DECODE)
        scalars_i[SI_ROUTER_DECODE_LEN] -= 1
        if requests_i[RI_LOCAL_PREFILL, s] == 1:
            route_direct(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i,
                         decode_cache, active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap,
                         rng, router_queue, transfer_heap_t, transfer_heap_slot, poa_f, poa_i, poa_ring, s, t)
        else:
            route_decode(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i,
                         decode_cache, decode_cache_meta, active_blocks, active_blocks_meta, route_costs,
                         route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, poa_f,
                         poa_i, poa_ring, s, t)
