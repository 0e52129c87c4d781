"""The event loop: a Dynamo disaggregated deployment, advanced in simulated time.

``advance(st, t_end)`` takes the earliest next event, again and again, until ``t_end``; it is
``njit(cache=True)`` (``NUMBA_DISABLE_JIT=1`` runs the same code as plain Python) and releases the GIL while
it runs (``nogil``), so simulations on different threads (the widget's stage and its chart) run side by side.
Before each event the loop routes requests that waited at the router for a worker and, in a closed loop,
issues new requests up to the concurrency. The events, and their order when several fall on the
same instant (the scan keeps the first it finds, so this order is the tie-break):

1. ``ARRIVAL``: an open-loop or trace arrival reaches the Frontend (``frontend.py``);
   ``CLIENT_RETURNS``: a closed-loop client that was thinking (``think_time_s``) sends again.
2. ``TRANSFER_LANDS``: a request's KV has reached its decode worker (``transfer.py``); with the
   hand-off hold its prefill worker is released (``prefill.handoff_done``).
3. ``PREFILL_PASS_ENDS`` / ``PREFILL_WORKER_READY``, by worker: a prefill pass ends and its
   finished requests go to the router's decode leg (``prefill.py``); a started worker comes online.
4. ``DECODE_PASS_ENDS`` / ``DECODE_WORKER_READY``, by worker: a decode pass (or run of passes)
   ends with first tokens and completions (``decode.py``); a started worker comes online.
5. ``PREFILL_WAKES``, ``DECODE_WAKES``: an idle worker that received work starts its pass. Wakes
   lose every tie, so requests arriving at one instant are batched together, as in Dynamo's replay.
6. ``DETECTOR_POLLS``: the Saturation Detector reads the TTFT P99 last, so it sees the instant's
   final state (``detector.py``).

A request's path: Frontend -> router, prefill leg -> prefill FCFS queue and chunked passes ->
router, decode leg -> NIXL transfer -> decode admission -> continuous batching -> first token ->
completion; the closed-loop client then sends its next request.

Decode bookkeeping is O(1) per pass: every running request gains one token per pass, so a
request admitted at pass index p0 emits its k-th token at the end of pass p0 + k - 1 and
completes at pass p0 + osl - 1; a per-worker min-heap keyed by that pass index yields the
completions, and KV use is sum(isl) + n * pass - sum(p0). Passes during which nothing can change
run as one event (``decode_runs.py``).
"""
from __future__ import annotations

import math

from numba import njit

from ..workload.synthetic import next_arrival
from .borrow import borrow
from .decode import end_decode_pass, start_decode_pass
from .decode_runs import settle_runs
from .detector import detector_signal, detector_update
from .frontend import admit_waiting_clients, new_request, send
from .layout import (
    DWF_PASS_END,
    DWF_READY_AT,
    DWI_PHASE,
    DWI_STATE,
    FINISHED,
    I_CONCURRENCY,
    I_OPEN_LOOP,
    I_TRACE_LINES,
    I_TRACE_MORE,
    IN_PASS,
    LOG_READY,
    NEED_LINES,
    NEED_SLOTS,
    OK,
    P_POLL_INTERVAL,
    P_RATE,
    P_THINK_TIME,
    PWF_PASS_END,
    PWF_READY_AT,
    PWI_PHASE,
    PWI_STATE,
    SF_NEXT_ARRIVAL,
    SF_NEXT_POLL,
    SF_TIME,
    SI_CLIENT_WAITING,
    SI_COMPLETED,
    SI_DECODE_HI,
    SI_EVENTS,
    SI_FREE_SLOTS,
    SI_IN_FLIGHT,
    SI_PREFILL_HI,
    SI_ROUTER_DECODE_LEN,
    SI_ROUTER_PREFILL_LEN,
    SI_THINK_HEAD,
    SI_THINKING,
    SI_TRACE_LINE,
    SI_TRANSFERS,
    W_ACTIVE,
    W_STARTING,
    WAKING,
    Caches,
    Records,
    Requests,
    Routing,
    Trace,
    Workers,
)
from .metrics import integrate, mission_log
from .prefill import end_prefill_pass, handoff_done, start_prefill_pass
from .router import dispatch_router_queues
from .structures import xheap_pop
from .transfer import transfer_done

(ARRIVAL, CLIENT_RETURNS, TRANSFER_LANDS, PREFILL_PASS_ENDS, DECODE_PASS_ENDS, PREFILL_WORKER_READY,
 DECODE_WORKER_READY, PREFILL_WAKES, DECODE_WAKES, DETECTOR_POLLS) = range(10)
NOTHING = -1


@njit(cache=True, _nrt=False)
def _advance(params, iparams, scalars_f, scalars_i, requests, workers, caches, routing, records, trace, t_end):
    requests_f, requests_i, free_slots = requests.requests_f, requests.requests_i, requests.free_slots
    transfer_heap_t, transfer_heap_slot = requests.transfer_heap_t, requests.transfer_heap_slot
    prefill_f, prefill_i, decode_f, decode_i = workers.prefill_f, workers.prefill_i, workers.decode_f, workers.decode_i
    completion_heap, admitted = workers.completion_heap, workers.admitted
    prefill_cache, prefill_cache_meta = caches.prefill_cache, caches.prefill_cache_meta
    decode_cache, decode_cache_meta, active_blocks = caches.decode_cache, caches.decode_cache_meta, caches.active_blocks
    active_blocks_meta, held_blocks = caches.active_blocks_meta, caches.held_blocks
    held_blocks_meta = caches.held_blocks_meta
    rng, route_costs, route_eligible = routing.rng, routing.route_costs, routing.route_eligible
    route_overlap, router_queue = routing.route_overlap, routing.router_queue
    latency_hist, ttft_ring, completed_f = records.latency_hist, records.ttft_ring, records.completed_f
    completed_i, events_t, events_i, poa_f = records.completed_i, records.events_t, records.events_i, records.poa_f
    poa_i, poa_ring, log_t, log_codes = records.poa_i, records.poa_ring, records.log_t, records.log_codes
    log_values, client_returns = records.log_values, records.client_returns
    trace_lines, trace_arrival, trace_hashes = trace.trace_lines, trace.trace_arrival, trace.trace_hashes
    trace_split = trace.trace_split
    open_loop = iparams[I_OPEN_LOOP] == 1
    n_lines = iparams[I_TRACE_LINES]
    think = params[P_THINK_TIME]
    ring = client_returns.shape[0]
    while True:
        t = scalars_f[SF_TIME]
        if n_lines > 0 and scalars_i[SI_TRACE_LINE] >= n_lines:
            if iparams[I_TRACE_MORE] == 1:
                # a streamed trace (open loop): the next arrival is in lines not read yet. Nothing of this
                # iteration has happened, so the caller adds lines and calls again as if the loop went on
                return NEED_LINES
            if scalars_i[SI_IN_FLIGHT] == 0:
                return FINISHED   # the replay is over: the clock stops at the last completion
        if scalars_i[SI_ROUTER_PREFILL_LEN] + scalars_i[SI_ROUTER_DECODE_LEN] > 0:
            dispatch_router_queues(params, iparams, scalars_f, scalars_i, requests, workers, caches, routing, records,
                                   t)
        if scalars_i[SI_CLIENT_WAITING] > 0:
            admit_waiting_clients(params, iparams, scalars_f, scalars_i, requests, workers, caches, routing, records, t)
        if not open_loop:
            # C clients: each is in flight or thinking (think_time_s after its last token), or sends now
            while (scalars_i[SI_IN_FLIGHT] + scalars_i[SI_THINKING] < iparams[I_CONCURRENCY]
                   and (n_lines == 0 or scalars_i[SI_TRACE_LINE] < n_lines)):
                if scalars_i[SI_FREE_SLOTS] == 0:
                    return NEED_SLOTS
                s = new_request(params, iparams, scalars_i, requests_f, requests_i, free_slots, rng, events_t,
                                events_i, trace_lines, trace_hashes, trace_split, t)
                send(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                     prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta,
                     route_costs, route_eligible, route_overlap, rng, router_queue, transfer_heap_t,
                     transfer_heap_slot, events_t, events_i, poa_f, poa_i, poa_ring, s, t)
        # the earliest next event: the scan keeps the first it finds, so its order is the tie order
        # above (written out here, not in a helper: a helper measured ~3 % slower on sweeps)
        tn = math.inf
        kind = NOTHING
        idx = -1
        if open_loop and scalars_f[SF_NEXT_ARRIVAL] < tn:
            tn = scalars_f[SF_NEXT_ARRIVAL]
            kind = ARRIVAL
        if scalars_i[SI_THINKING] > 0 and client_returns[scalars_i[SI_THINK_HEAD]] < tn:
            tn = client_returns[scalars_i[SI_THINK_HEAD]]
            kind = CLIENT_RETURNS
        if scalars_i[SI_TRANSFERS] > 0 and transfer_heap_t[0] < tn:
            tn = transfer_heap_t[0]
            kind = TRANSFER_LANDS
        for j in range(scalars_i[SI_PREFILL_HI]):
            if prefill_i[PWI_PHASE, j] == IN_PASS and prefill_f[PWF_PASS_END, j] < tn:
                tn = prefill_f[PWF_PASS_END, j]
                kind = PREFILL_PASS_ENDS
                idx = j
            if prefill_i[PWI_STATE, j] == W_STARTING and prefill_f[PWF_READY_AT, j] < tn:
                tn = prefill_f[PWF_READY_AT, j]
                kind = PREFILL_WORKER_READY
                idx = j
        for j in range(scalars_i[SI_DECODE_HI]):
            if decode_i[DWI_PHASE, j] == IN_PASS and decode_f[DWF_PASS_END, j] < tn:
                tn = decode_f[DWF_PASS_END, j]
                kind = DECODE_PASS_ENDS
                idx = j
            if decode_i[DWI_STATE, j] == W_STARTING and decode_f[DWF_READY_AT, j] < tn:
                tn = decode_f[DWF_READY_AT, j]
                kind = DECODE_WORKER_READY
                idx = j
        for j in range(scalars_i[SI_PREFILL_HI]):
            if prefill_i[PWI_PHASE, j] == WAKING and prefill_f[PWF_PASS_END, j] < tn:
                tn = prefill_f[PWF_PASS_END, j]
                kind = PREFILL_WAKES
                idx = j
        for j in range(scalars_i[SI_DECODE_HI]):
            if decode_i[DWI_PHASE, j] == WAKING and decode_f[DWF_PASS_END, j] < tn:
                tn = decode_f[DWF_PASS_END, j]
                kind = DECODE_WAKES
                idx = j
        if scalars_f[SF_NEXT_POLL] < tn:
            tn = scalars_f[SF_NEXT_POLL]
            kind = DETECTOR_POLLS
        if tn > t_end:
            integrate(scalars_f, scalars_i, prefill_f, prefill_i, decode_f, decode_i, t_end - t)
            scalars_f[SF_TIME] = t_end
            settle_runs(params, iparams, scalars_i, decode_f, decode_i, latency_hist, t_end)
            return OK
        integrate(scalars_f, scalars_i, prefill_f, prefill_i, decode_f, decode_i, tn - t)
        scalars_f[SF_TIME] = tn
        scalars_i[SI_EVENTS] += 1
        if kind == ARRIVAL:
            if scalars_i[SI_FREE_SLOTS] == 0:
                return NEED_SLOTS
            s = new_request(params, iparams, scalars_i, requests_f, requests_i, free_slots, rng, events_t, events_i,
                            trace_lines, trace_hashes, trace_split, tn)
            send(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                 prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta, route_costs,
                 route_eligible, route_overlap, rng, router_queue, transfer_heap_t, transfer_heap_slot, events_t,
                 events_i, poa_f, poa_i, poa_ring, s, tn)
            if n_lines > 0:
                line = scalars_i[SI_TRACE_LINE]
                scalars_f[SF_NEXT_ARRIVAL] = trace_arrival[line] if line < n_lines else math.inf
            else:
                scalars_f[SF_NEXT_ARRIVAL] = next_arrival(rng, tn, params[P_RATE])
        elif kind == TRANSFER_LANDS:
            s = xheap_pop(transfer_heap_t, transfer_heap_slot, scalars_i)
            transfer_done(params, scalars_i, requests_f, requests_i, decode_f, decode_i, events_t, events_i, s, tn)
            handoff_done(prefill_f, prefill_i, requests_i, s, tn)
        elif kind == PREFILL_PASS_ENDS:
            end_prefill_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i,
                             prefill_cache, prefill_cache_meta, decode_f, decode_i, decode_cache, decode_cache_meta,
                             active_blocks, active_blocks_meta, route_costs, route_eligible, route_overlap, rng,
                             router_queue, transfer_heap_t, transfer_heap_slot, events_t, events_i, poa_f, poa_i,
                             poa_ring, idx, tn)
        elif kind == CLIENT_RETURNS:
            if scalars_i[SI_FREE_SLOTS] == 0:
                return NEED_SLOTS
            scalars_i[SI_THINK_HEAD] = (scalars_i[SI_THINK_HEAD] + 1) % ring
            scalars_i[SI_THINKING] -= 1
            # it sends again unless the concurrency was lowered meanwhile (then it leaves)
            if (scalars_i[SI_IN_FLIGHT] + scalars_i[SI_THINKING] < iparams[I_CONCURRENCY]
                    and (n_lines == 0 or scalars_i[SI_TRACE_LINE] < n_lines)):
                s = new_request(params, iparams, scalars_i, requests_f, requests_i, free_slots, rng, events_t,
                                events_i, trace_lines, trace_hashes, trace_split, tn)
                send(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i, prefill_cache,
                     prefill_cache_meta, decode_f, decode_i, decode_cache, active_blocks, active_blocks_meta,
                     route_costs, route_eligible, route_overlap, rng, router_queue, transfer_heap_t,
                     transfer_heap_slot, events_t, events_i, poa_f, poa_i, poa_ring, s, tn)
        elif kind == DECODE_PASS_ENDS:
            done = scalars_i[SI_COMPLETED]
            end_decode_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, free_slots, decode_f,
                            decode_i, completion_heap, admitted, decode_cache, decode_cache_meta, active_blocks,
                            active_blocks_meta, held_blocks, held_blocks_meta, latency_hist, ttft_ring, completed_f,
                            completed_i, events_t, events_i, poa_f, poa_i, poa_ring, idx, tn)
            if think > 0.0 and not open_loop:
                # each client whose request completed thinks before it sends again
                for _ in range(scalars_i[SI_COMPLETED] - done):
                    client_returns[(scalars_i[SI_THINK_HEAD] + scalars_i[SI_THINKING]) % ring] = tn + think
                    scalars_i[SI_THINKING] += 1
        elif kind == PREFILL_WORKER_READY:
            prefill_i[PWI_STATE, idx] = W_ACTIVE
            mission_log(scalars_i, log_t, log_codes, log_values, tn, LOG_READY, 0, idx, 0.0, 0.0, 0.0, 0.0)
        elif kind == DECODE_WORKER_READY:
            decode_i[DWI_STATE, idx] = W_ACTIVE
            mission_log(scalars_i, log_t, log_codes, log_values, tn, LOG_READY, 1, idx, 0.0, 0.0, 0.0, 0.0)
        elif kind == PREFILL_WAKES:
            start_prefill_pass(params, iparams, scalars_f, scalars_i, requests_f, requests_i, prefill_f, prefill_i,
                               prefill_cache, prefill_cache_meta, events_t, events_i, idx, tn)
        elif kind == DECODE_WAKES:
            start_decode_pass(params, iparams, scalars_i, requests_f, requests_i, decode_f, decode_i, completion_heap,
                              admitted, decode_cache, decode_cache_meta, held_blocks, held_blocks_meta, idx, tn)
        elif kind == DETECTOR_POLLS:
            detector_update(params, iparams, scalars_f, scalars_i, log_t, log_codes, log_values,
                            detector_signal(params, iparams, ttft_ring, tn), tn)
            scalars_f[SF_NEXT_POLL] = tn + params[P_POLL_INTERVAL]


@njit(cache=True, nogil=True, _nrt=False)
def advance(st, t_end):
    """Run events until simulated time ``t_end``. Returns OK; NEED_SLOTS when the request table
    is full (the caller grows it and calls again; nothing is dropped); NEED_LINES when a streamed
    trace's kernel has issued every line read so far (I_TRACE_MORE: the caller hands over more and
    calls again); FINISHED when a trace replay has completed every line (the clock stays at the last
    completion)."""
    b = borrow
    # records of borrowed views (kernel/layout.py): one argument per group, still no reference counting
    requests = Requests(b(st.requests_f), b(st.requests_i), b(st.free_slots), b(st.transfer_heap_t),
                        b(st.transfer_heap_slot))
    workers = Workers(b(st.prefill_f), b(st.prefill_i), b(st.decode_f), b(st.decode_i), b(st.completion_heap),
                      b(st.admitted))
    caches = Caches(b(st.prefill_cache), b(st.prefill_cache_meta), b(st.decode_cache), b(st.decode_cache_meta),
                    b(st.active_blocks), b(st.active_blocks_meta), b(st.held_blocks), b(st.held_blocks_meta))
    routing = Routing(b(st.rng), b(st.route_costs), b(st.route_eligible), b(st.route_overlap), b(st.router_queue))
    records = Records(b(st.latency_hist), b(st.ttft_ring), b(st.completed_f), b(st.completed_i), b(st.events_t),
                      b(st.events_i), b(st.poa_f), b(st.poa_i), b(st.poa_ring), b(st.log_t), b(st.log_codes),
                      b(st.log_values), b(st.client_returns))
    trace = Trace(b(st.trace_lines), b(st.trace_arrival), b(st.trace_hashes), b(st.trace_split))
    return _advance(b(st.params), b(st.iparams), b(st.scalars_f), b(st.scalars_i), requests, workers, caches, routing,
                    records, trace, t_end)
