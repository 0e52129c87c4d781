"""The Frontend: a request enters (closed loop, open loop or a trace line) and goes to the router.

Two harness mechanisms sit in front of it (both off by default, see ``profiles.Profile``):

* ``I_CLIENT_CONNECTIONS``: the load generator's HTTP connection pool. A request sent while every
  connection is busy waits in the client (its client-side TTFT is running) until a request ends and frees one.
* ``I_DIRECT_PATH``: while the adaptive controller overrides Dynamo's default (tau, omega), it sends each
  request through its own Python router straight to a decode worker (``router.route_direct``), not through
  the HTTP frontend: no connection, no PrefillRouter.
"""
from __future__ import annotations

import math

from numba import njit

from ..workload.synthetic import draw_template, key_of
from .layout import (
    EV_ARRIVE,
    I_ADAPTIVE,
    I_BLOCK_SIZE,
    I_CLIENT_CONNECTIONS,
    I_DIRECT_PATH,
    I_ISL,
    I_OSL,
    I_SHARED_BLOCKS,
    I_TEMPLATES,
    I_TRACE_BLOCK_SIZE,
    I_TRACE_LINES,
    I_TRACE_RUNS,
    P_FRONTEND,
    P_OMEGA,
    P_TAU,
    RF_ARRIVAL,
    RF_FRONTEND,
    RF_N,
    RF_ROUTED,
    RI_ADMITTED,
    RI_BLOCK_KEYS,
    RI_CACHED_TOKENS,
    RI_CHUNK,
    RI_DECODE_WORKER,
    RI_GENERATED,
    RI_ISL,
    RI_LOCAL_PREFILL,
    RI_N_BLOCKS,
    RI_N_KEYS,
    RI_NEXT,
    RI_OSL,
    RI_PREFILL_TOKENS,
    RI_PREFILL_WORKER,
    RI_PREFILLED,
    RI_SERIAL,
    RI_STAGE,
    RI_TEMPLATE,
    RI_TRANSFER_TOKENS,
    RQ_CLIENT,
    RQ_HEAD,
    RQ_TAIL,
    S_CLIENT_WAIT,
    SI_CLIENT_WAITING,
    SI_CONNECTIONS,
    SI_FREE_SLOTS,
    SI_IN_FLIGHT,
    SI_ISSUED,
    SI_SERIAL,
    SI_TRACE_LINE,
    SI_WIN_ISSUED,
)
from .metrics import log_event
from .router import route_direct, route_prefill
from .structures import q_pop, q_push
from .trace_runs import line_blocks, line_keys

# Dynamo's router defaults (router_temperature, overlap_score_weight): a controller that asks for these needs no
# per-request override, so it can send through the HTTP frontend like any client
DEFAULT_TAU, DEFAULT_OMEGA = 0.0, 1.0


@njit(cache=True, inline="always")
def goes_direct(params, iparams):
    """I_DIRECT_PATH: the adaptive controller overrides the router now, which Dynamo v0.9.0's HTTP frontend
    cannot carry (no ``router_config_override`` in ``nvext``), so the request takes the controller's own path."""
    return (iparams[I_DIRECT_PATH] == 1 and iparams[I_ADAPTIVE] == 1
            and (params[P_TAU] != DEFAULT_TAU or params[P_OMEGA] != DEFAULT_OMEGA))


@njit(cache=True, inline="always")
def enter(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
          prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta, route_costs,
          route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, events_t, events_i,
          poa_f, poa_i, poa_ring, slot, t):
    """The request leaves its client at ``t``: to the frontend (holding a connection), or straight to a decode
    worker; the hop costs the frontend's overhead either way."""
    requests_f[RF_FRONTEND, slot] = t
    requests_f[RF_ROUTED, slot] = t + params[P_FRONTEND]
    if requests_i[RI_LOCAL_PREFILL, slot] == 1:
        route_direct(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, decode_cache,
                     active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap, rng, router_queue,
                     transfer_heap_t, transfer_heap_slot, poa_f, poa_i, poa_ring, slot, t)
        return
    scalars_i[SI_CONNECTIONS] += 1
    # routed at once; the frontend's overhead delays the start of its prefill (RF_ROUTED)
    route_prefill(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                  prefill_cache_meta, route_costs, route_eligible, route_overlap, rng, router_queue, events_t, events_i,
                  slot, t)


@njit(cache=True, _nrt=False)
def admit_waiting_clients(params, iparams, scalars_f, scalars_i, requests, workers, caches, routing, records, t):
    """Requests that waited for a client connection take the ones freed, oldest first."""
    requests_f, requests_i, transfer_heap_t = requests.requests_f, requests.requests_i, requests.transfer_heap_t
    transfer_heap_slot = requests.transfer_heap_slot
    prefill_f, prefill_i, decode_f, decode_i = workers.prefill_f, workers.prefill_i, workers.decode_f, workers.decode_i
    prefill_cache, prefill_cache_meta = caches.prefill_cache, caches.prefill_cache_meta
    decode_cache, active_blocks = caches.decode_cache, caches.active_blocks
    active_blocks_meta = caches.active_blocks_meta
    rng, route_costs, route_eligible = routing.rng, routing.route_costs, routing.route_eligible
    route_overlap, router_queue = routing.route_overlap, routing.router_queue
    events_t, events_i, poa_f, poa_i = records.events_t, records.events_i, records.poa_f, records.poa_i
    poa_ring = records.poa_ring
    while scalars_i[SI_CLIENT_WAITING] > 0 and scalars_i[SI_CONNECTIONS] < iparams[I_CLIENT_CONNECTIONS]:
        s = q_pop(requests_i, router_queue, RQ_HEAD, RQ_TAIL, RQ_CLIENT)
        scalars_i[SI_CLIENT_WAITING] -= 1
        enter(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
              prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta, route_costs,
              route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, events_t,
              events_i, poa_f, poa_i, poa_ring, s, t)


@njit(cache=True, inline="always")
def new_request(params, iparams, scalars_i, requests_f, requests_i, free_slots, rng, events_t, events_i, trace_lines,
                trace_hashes, trace_split, t):
    """A client sends a request at ``t``: its row of the request table (prompt, sizes, block keys). Returns its
    slot; ``send`` takes it on (numba inlines at most 30 arguments, so the two are apart)."""
    top = scalars_i[SI_FREE_SLOTS] - 1
    slot = free_slots[top]
    scalars_i[SI_FREE_SLOTS] = top
    serial = scalars_i[SI_SERIAL]
    scalars_i[SI_SERIAL] = serial + 1
    bs = iparams[I_BLOCK_SIZE]
    if iparams[I_TRACE_LINES] > 0:
        # the next trace line; its hash_ids name the prompt's blocks (trace blocks of I_TRACE_BLOCK_SIZE tokens)
        line = scalars_i[SI_TRACE_LINE]
        scalars_i[SI_TRACE_LINE] = line + 1
        isl = trace_lines[0, line]
        osl = trace_lines[1, line]
        tbs = iparams[I_TRACE_BLOCK_SIZE]
        nblk = line_blocks(trace_lines, line, bs, tbs)
        nkeys = line_keys(requests_i, RI_BLOCK_KEYS, slot, trace_hashes, trace_split, trace_lines[2, line], nblk, bs,
                          tbs, iparams[I_TRACE_RUNS])
        tpl = -1
    else:
        isl = iparams[I_ISL]
        osl = iparams[I_OSL]
        tpl = draw_template(rng, iparams[I_TEMPLATES])
        nblk = isl // bs
        sh = iparams[I_SHARED_BLOCKS]
        for b in range(nblk):
            requests_i[RI_BLOCK_KEYS + b, slot] = key_of(tpl, serial, sh, b)
        nkeys = nblk
    for f in range(RF_N):
        requests_f[f, slot] = math.nan
    requests_f[RF_ARRIVAL, slot] = t
    requests_i[RI_TEMPLATE, slot] = tpl
    requests_i[RI_ISL, slot] = isl
    requests_i[RI_OSL, slot] = osl
    requests_i[RI_SERIAL, slot] = serial
    requests_i[RI_N_BLOCKS, slot] = nblk
    requests_i[RI_N_KEYS, slot] = nkeys
    requests_i[RI_PREFILL_TOKENS, slot] = isl
    requests_i[RI_PREFILLED, slot] = 0
    requests_i[RI_PREFILL_WORKER, slot] = -1
    requests_i[RI_DECODE_WORKER, slot] = -1
    requests_i[RI_ADMITTED, slot] = 0
    requests_i[RI_CACHED_TOKENS, slot] = 0
    requests_i[RI_TRANSFER_TOKENS, slot] = 0
    requests_i[RI_CHUNK, slot] = 0
    requests_i[RI_GENERATED, slot] = 0
    requests_i[RI_LOCAL_PREFILL, slot] = 1 if goes_direct(params, iparams) else 0
    requests_i[RI_NEXT, slot] = -1
    scalars_i[SI_ISSUED] += 1
    scalars_i[SI_WIN_ISSUED] += 1
    scalars_i[SI_IN_FLIGHT] += 1
    log_event(events_t, events_i, scalars_i, requests_i, t, EV_ARRIVE, slot, -1)
    return slot


@njit(cache=True, inline="always")
def send(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
         prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta, route_costs,
         route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, events_t, events_i,
         poa_f, poa_i, poa_ring, slot, t):
    """The new request in ``slot`` leaves its client, or waits for one of the client's connections."""
    conns = iparams[I_CLIENT_CONNECTIONS]
    if conns > 0 and requests_i[RI_LOCAL_PREFILL, slot] == 0 and (
            scalars_i[SI_CONNECTIONS] >= conns or scalars_i[SI_CLIENT_WAITING] > 0):
        # every connection of the client's pool is busy (or others wait already): it waits, in order
        requests_i[RI_STAGE, slot] = S_CLIENT_WAIT
        q_push(requests_i, router_queue, RQ_HEAD, RQ_TAIL, RQ_CLIENT, slot)
        scalars_i[SI_CLIENT_WAITING] += 1
        return
    enter(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
          prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta, route_costs,
          route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, events_t, events_i,
          poa_f, poa_i, poa_ring, slot, t)
