"""The Frontend: a request enters (closed loop, open loop or a trace line) and goes to the router."""
from __future__ import annotations

import math

from numba import njit

from ..workload.synthetic import draw_template, key_of
from ..workload.traces import trace_block_key
from .layout import (
    EV_ARRIVE, I_BLOCK_SIZE, I_ISL, I_OSL, I_SHARED_BLOCKS, I_TEMPLATES, I_TRACE_BLOCK_SIZE, I_TRACE_LINES,
    P_FRONTEND, RF_ARRIVAL, RF_N, RF_ROUTED, RI_ADMITTED, RI_BLOCK_KEYS, RI_CACHED_TOKENS, RI_CHUNK, RI_DECODE_WORKER,
    RI_GENERATED, RI_ISL, RI_N_BLOCKS, RI_NEXT, RI_OSL, RI_PREFILL_TOKENS, RI_PREFILL_WORKER, RI_PREFILLED, RI_SERIAL,
    RI_TEMPLATE, RI_TRANSFER_TOKENS, SI_FREE_SLOTS, SI_IN_FLIGHT, SI_ISSUED, SI_SERIAL, SI_TRACE_LINE, SI_WIN_ISSUED)
from .metrics import log_event
from .router import route_prefill


@njit(cache=True, inline="always")
def new_request(params, iparams, scalars_f, scalars_i, requests_f, requests_i, free_slots, prefill_f, prefill_i,
                prefill_cache, prefill_cache_meta, route_costs, route_eligible, route_overlap, rng, router_queue,
                events_t, events_i, trace_lines, trace_hashes, t):
    top = scalars_i[SI_FREE_SLOTS] - 1
    slot = free_slots[top]
    scalars_i[SI_FREE_SLOTS] = top
    serial = scalars_i[SI_SERIAL]
    scalars_i[SI_SERIAL] = serial + 1
    bs = iparams[I_BLOCK_SIZE]
    maxb = requests_i.shape[0] - RI_BLOCK_KEYS
    if iparams[I_TRACE_LINES] > 0:
        # the next trace line; its hash_ids name the prompt's blocks (trace blocks of I_TRACE_BLOCK_SIZE tokens)
        line = scalars_i[SI_TRACE_LINE]
        scalars_i[SI_TRACE_LINE] = line + 1
        isl = trace_lines[0, line]
        osl = trace_lines[1, line]
        off = trace_lines[2, line]
        tbs = iparams[I_TRACE_BLOCK_SIZE]
        nblk = min(isl // bs, (trace_lines[3, line] * tbs) // bs, maxb)
        for b in range(nblk):
            requests_i[RI_BLOCK_KEYS + b, slot] = trace_block_key(trace_hashes, off, b, bs, tbs)
        tpl = -1
    else:
        isl = iparams[I_ISL]
        osl = iparams[I_OSL]
        tpl = draw_template(rng, iparams[I_TEMPLATES])
        nblk = isl // bs
        sh = iparams[I_SHARED_BLOCKS]
        for b in range(nblk):
            requests_i[RI_BLOCK_KEYS + b, slot] = key_of(tpl, serial, sh, b)
    for f in range(RF_N):
        requests_f[f, slot] = math.nan
    requests_f[RF_ARRIVAL, slot] = t
    requests_f[RF_ROUTED, slot] = t + params[P_FRONTEND]
    requests_i[RI_TEMPLATE, slot] = tpl
    requests_i[RI_ISL, slot] = isl
    requests_i[RI_OSL, slot] = osl
    requests_i[RI_SERIAL, slot] = serial
    requests_i[RI_N_BLOCKS, slot] = nblk
    requests_i[RI_PREFILL_TOKENS, slot] = isl
    requests_i[RI_PREFILLED, slot] = 0
    requests_i[RI_PREFILL_WORKER, slot] = -1
    requests_i[RI_DECODE_WORKER, slot] = -1
    requests_i[RI_ADMITTED, slot] = 0
    requests_i[RI_CACHED_TOKENS, slot] = 0
    requests_i[RI_TRANSFER_TOKENS, slot] = 0
    requests_i[RI_CHUNK, slot] = 0
    requests_i[RI_GENERATED, slot] = 0
    requests_i[RI_NEXT, slot] = -1
    scalars_i[SI_ISSUED] += 1
    scalars_i[SI_WIN_ISSUED] += 1
    scalars_i[SI_IN_FLIGHT] += 1
    log_event(events_t, events_i, scalars_i, requests_i, t, EV_ARRIVE, slot, -1)
    # routed at once; the frontend's overhead delays the start of its prefill (RF_ROUTED)
    route_prefill(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                  prefill_cache_meta, route_costs, route_eligible, route_overlap, rng, router_queue, events_t, events_i,
                  slot, t)
