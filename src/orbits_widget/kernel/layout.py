"""The kernel's state: every array, its named rows and columns, allocation and growth.

Everything the kernel knows lives in numpy arrays (struct of arrays) bundled in ``State``. Tables
are field-major: ``requests_f[RF_ARRIVAL, slot]`` is when the request in ``slot`` arrived,
``decode_i[DWI_RUNNING, w]`` how many requests decode worker ``w`` is running. Each table's
fields are the constants with its prefix below; ``*_N`` is a table's number of fields.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..profiles import perf_model as pm
from . import kvbm
from . import prefix_cache as kvc

# ---- params (float): the timing model's coefficients first, in perf_model's layout, then the rest
(P_FRONTEND, P_PREFILL_FIXED, P_PREFILL_WEIGHTS, P_PREFILL_LIN, P_PREFILL_QUAD, P_PREFILL_ATTN, P_PREFILL_REQ,
 P_DECODE_FIXED, P_DECODE_WEIGHTS, P_DECODE_LIN, P_DECODE_KV, P_DECODE_P1, P_DECODE_P2, P_DECODE_FLOOR,
 P_TRANSFER_LATENCY, P_TRANSFER_BW, P_KV_BYTES_PER_TOKEN, P_KV_CAPACITY_TOKENS) = range(pm.PM_N)
(P_TAU, P_OMEGA, P_RATE, P_ACTIVE_REQUEST_WEIGHT, P_POLL_INTERVAL, P_THETA1, P_THETA2, P_EWMA_ALPHA,
 P_THINK_TIME, P_HANDOVER_POST, P_REGIME_TABLE) = range(pm.PM_N, pm.PM_N + 11)
P_REGIME_TABLE_N = 6     # the controller's (tau, omega) per regime: P_REGIME_TABLE + 2 * regime (+ 1)
P_KVBM = P_REGIME_TABLE + P_REGIME_TABLE_N   # KVBM tier parameters, laid out as kvbm.py says
# the upper bounds (s) of the frontend's TTFT histogram buckets, +inf last, that a Prometheus-reading detector
# sees (I_DETECTOR_PROMETHEUS; kernel/detector.py DYNAMO_TTFT_BUCKETS)
P_TTFT_BUCKETS = P_KVBM + kvbm.N_PARAMS
P_TTFT_BUCKETS_N = 19
P_N = P_TTFT_BUCKETS + P_TTFT_BUCKETS_N

# ---- iparams (int)
(I_BLOCK_SIZE, I_MAX_SEQS, I_BATCHED_TOKENS, I_KV_BLOCKS, I_PREFIX_CACHING, I_ISL, I_OSL, I_TEMPLATES,
 I_SHARED_BLOCKS, I_CONCURRENCY, I_OPEN_LOOP, I_DECODE_ROUTING, I_CACHE_LIMIT, I_TRACE_LINES,
 I_TRACE_BLOCK_SIZE, I_DECODE_PROMPT_BUDGET, I_MULTI_PASS, I_ADAPTIVE, I_HYSTERESIS, I_KVBM, I_PREFILL_MAX_SEQS,
 I_HANDOFF_HOLD, I_DECODE_KV_GROW, I_DIRECT_PATH, I_DETECTOR_PROMETHEUS, I_CLIENT_CONNECTIONS, I_TRACE_RUNS,
 I_TRACE_MORE, I_N) = range(29)
# I_TRACE_RUNS: blocks per trace hash block when a replay keys each trace block's blocks as one run (0: a key per
# block; kernel/trace_runs.py)
# I_TRACE_MORE: 1 while a streamed replay's trace is still being read (api/replay.py): I_TRACE_LINES counts the
# lines read so far, and the loop returns NEED_LINES when it needs the next one
# I_DECODE_ROUTING: the decode leg's rule (profiles.Profile.decode_routing)
DR_DYNAMO, DR_PAPER, DR_V090 = 0, 1, 2

# ---- requests_f: times (s) of a request's stages, and its share of the PoA-hat optimum
# RF_ARRIVAL is when the client sent it, RF_FRONTEND when it reached the frontend (later only when it waited for
# one of the client's connections, I_CLIENT_CONNECTIONS)
(RF_ARRIVAL, RF_ROUTED, RF_PREFILL_START, RF_PREFILL_END, RF_TRANSFER_END, RF_FIRST_TOKEN, RF_DONE,
 RF_DECODE_ARRIVAL, RF_POA_SHARE, RF_LAST_TOKEN, RF_FRONTEND, RF_N) = range(12)
# ---- requests_i: RI_NEXT links a request into one FIFO at a time (a worker's queue or the router's);
# RI_ADMITTED: its prefill admission (cache probe) has happened; RI_HOLDS_PREFILL: its prefill worker waits
# for its KV to be pulled (I_HANDOFF_HOLD); RI_GENERATED: tokens it had generated when it was last preempted,
# RI_ADMIT_SEQ: the order of its decode admission (I_DECODE_KV_GROW); RI_LOCAL_PREFILL: it went straight to a
# decode worker, which prefills it (I_DIRECT_PATH); rows from RI_BLOCK_KEYS: the keys of its prompt's blocks,
# RI_N_KEYS of them, each a block or a run of blocks (prefix_cache.key_blocks), RI_N_BLOCKS blocks in all
(RI_STAGE, RI_TEMPLATE, RI_ISL, RI_OSL, RI_PREFILL_TOKENS, RI_PREFILLED, RI_PREFILL_WORKER, RI_DECODE_WORKER,
 RI_FIRST_PASS, RI_SERIAL, RI_NEXT, RI_N_BLOCKS, RI_CHUNK, RI_KV_RESERVED, RI_CACHED_TOKENS, RI_TRANSFER_TOKENS,
 RI_ADMITTED, RI_POA_WINDOW, RI_POA_POS, RI_HOLDS_PREFILL, RI_GENERATED, RI_ADMIT_SEQ, RI_LOCAL_PREFILL,
 RI_N_KEYS, RI_N) = range(25)
RI_BLOCK_KEYS = RI_N
# request stages (RI_STAGE)
# S_CLIENT_WAIT: sent by its client, waiting for one of the client's connections (I_CLIENT_CONNECTIONS);
# S_TRANSFER covers a request going straight to a decode worker too (I_DIRECT_PATH)
(S_FREE, S_ROUTER_P, S_PREFILL_Q, S_PREFILLING, S_ROUTER_D, S_TRANSFER, S_DECODE_WAIT,
 S_DECODE_RUN, S_CLIENT_WAIT) = range(9)

# worker states (PWI_STATE, DWI_STATE)
W_OFF, W_STARTING, W_ACTIVE, W_DRAINING = 0, 1, 2, 3
WORKER_STATES = ("off", "starting", "active", "draining")   # their names, for the page
# what a worker's pass loop is doing (PWI_PHASE, DWI_PHASE): IDLE, IN_PASS until its *_PASS_END, or
# WAKING: it has work that came at *_PASS_END and starts a pass once that instant's other events are in;
# HANDING_OFF (prefill only): its pass is done but the decode workers have not yet pulled the KV
IDLE, IN_PASS, WAKING, HANDING_OFF = 0, 1, 2, 3

# ---- prefill_f / prefill_i: per prefill worker (its FCFS queue, the requests of its current pass)
(PWF_PASS_END, PWF_BUSY_TIME, PWF_READY_AT, PWF_PENDING_TOKENS, PWF_N) = range(5)
(PWI_STATE, PWI_QHEAD, PWI_QTAIL, PWI_QLEN, PWI_PHASE, PWI_PASS_REQUESTS, PWI_COMPLETED, PWI_HANDOFFS,
 PWI_N) = range(9)
# ---- decode_f / decode_i: per decode worker (its admission queue, batch, pass counter, current run)
(DWF_PASS_END, DWF_BUSY_TIME, DWF_READY_AT, DWF_PASS_START, DWF_TOKENS, DWF_FIRST_DT, DWF_PASS_EXTRA,
 DWF_DIRECT_PENDING, DWF_POST_AT, DWF_N) = range(10)
(DWI_STATE, DWI_WAIT_HEAD, DWI_WAIT_TAIL, DWI_WAIT_LEN, DWI_RUNNING, DWI_PASS, DWI_HEAP_LEN, DWI_ASSIGNED,
 DWI_ADMITTED, DWI_KV_RESERVED, DWI_SUM_ISL, DWI_SUM_FIRST_PASS, DWI_PHASE, DWI_SUM_BLOCKS, DWI_COMPLETED,
 DWI_RUN_PASSES, DWI_OWN_BLOCKS, DWI_KV_BOUND, DWI_KV_EXACT, DWI_PASS_PREFILL, DWI_DIRECT_OWN, DWI_POSTS,
 DWI_DIRECT_ASSIGNED, DWI_N) = range(24)
# DWI_OWN_BLOCKS: blocks booked on the worker that belong to one request only (a synthetic prompt's
# non-template part): counted, not stored, so the active sets stay the size of what can be shared.
# Growing decode KV (I_DECODE_KV_GROW): DWI_KV_BOUND sums prompt + output blocks of the running requests, a
# bound on what they can ever hold; while it fits (DWI_KV_EXACT = 0) nothing finer is needed, after that
# the held sets are kept and the blocks counted exactly (decode_kv.py)
# DWF_FIRST_DT: how long the first pass of the current run lasts (decode_runs.pass_time), which may prefill requests
# sent straight to the worker (I_DIRECT_PATH: DWI_PASS_PREFILL prompt tokens) and carry the host time of posting
# NIXL reads (DWF_PASS_EXTRA). The Python router of the direct path books its requests' prompt tokens until their
# first token (DWF_DIRECT_PENDING) and their blocks (rows W.. of the active sets, DWI_DIRECT_OWN); DWI_DIRECT_ASSIGNED
# counts them on the worker. NIXL reads to post at the boundary DWF_POST_AT: DWI_POSTS (P_HANDOVER_POST each)

# held_blocks_meta[w, HM_*], after the held set's M_*: sums over the requests running on decode worker w that give
# the blocks they hold at any pass in O(1) (decode_kv.blocks_at). With a = isl - first pass + block size, bs the
# block size and r = a % bs: HM_RUN_FLOOR sums a // bs, HM_RUN_SHARED their shared prompt blocks, and
# HM_RUNS_AT_LEAST + v (v = 0 .. bs) counts those whose r is at least v
HM_RUN_FLOOR, HM_RUN_SHARED, HM_RUNS_AT_LEAST = 3, 4, 5

# ---- scalars_f: the clock, the measured window's time integrals (AREA_*) and sums, the detector's signal
(SF_TIME, SF_NEXT_ARRIVAL, SF_WINDOW_START, SF_AREA_IN_FLIGHT, SF_AREA_DECODE_MAX, SF_AREA_DECODE_MIN,
 SF_AREA_QUEUE_ROUTER, SF_AREA_QUEUE_PREFILL, SF_AREA_QUEUE_DECODE, SF_SUM_TTFT, SF_SUM_E2E, SF_SUM_PREFILL_WAIT,
 SF_TIME_DECODE_SERVING, SF_NEXT_POLL, SF_EWMA, SF_P99_LAG0, SF_P99_LAG1, SF_P99_LAG2, SF_P99, SF_POA_REAL,
 SF_POA_OPT, SF_N) = range(22)
# ---- scalars_i: counters (WIN_* since the measured window began), ring heads, queue lengths, regime
(SI_ISSUED, SI_COMPLETED, SI_FREE_SLOTS, SI_SERIAL, SI_IN_FLIGHT,
 SI_ROUTER_PREFILL_LEN, SI_ROUTER_DECODE_LEN, SI_TRANSFERS, SI_WIN_COMPLETED, SI_WIN_TOKENS,
 SI_HIT_TOKENS, SI_PROMPT_TOKENS, SI_DECODE_HIT_TOKENS, SI_DECODE_PROMPT_TOKENS, SI_TTFT_HEAD, SI_DONE_HEAD,
 SI_EV_HEAD, SI_WIN_ISSUED, SI_WIN_PREFILL_STARTS, SI_EVICTED, SI_EVENTS, SI_PREFILL_PASSES, SI_PREFILL_HI,
 SI_DECODE_HI, SI_TRACE_LINE, SI_REGIME, SI_CANDIDATE, SI_CANDIDATE_POLLS, SI_P99_SAMPLES, SI_POLLS, SI_LOG_HEAD,
 SI_SWITCHES, SI_POA_M, SI_POA_K, SI_POA_WINDOW, SI_POA_HEAD, SI_THINK_HEAD, SI_THINKING, SI_ADMIT_SEQ,
 SI_PREEMPTIONS, SI_CLIENT_WAITING, SI_CONNECTIONS, SI_DIRECT) = range(43)
# SI_CLIENT_WAITING: sent, waiting for a client connection; SI_CONNECTIONS: requests holding one (from the frontend
# to their last token); SI_DIRECT: requests sent straight to a decode worker so far (I_DIRECT_PATH)
SI_KVBM_ONBOARDS = 43    # + tier g: blocks onboarded from tier g; SI_KVBM_OFFLOADS + g: offloaded into it
SI_KVBM_OFFLOADS = SI_KVBM_ONBOARDS + kvbm.TIERS
SI_N = SI_KVBM_OFFLOADS + kvbm.TIERS

# ---- mission log ring: log_t[i] time, log_codes[i] = (kind, a, b), log_values[i] = 4 values
LOG_RING = 512
(LOG_REGIME, LOG_FLIP, LOG_POOL, LOG_READY, LOG_ROUTER, LOG_PLANNER) = range(6)
# ---- router_queue[RQ_HEAD | RQ_TAIL, RQ_PREFILL | RQ_DECODE]: requests waiting for any worker of a pool
RQ_HEAD, RQ_TAIL = 0, 1
RQ_PREFILL, RQ_DECODE, RQ_CLIENT = 0, 1, 2    # RQ_CLIENT: sent, waiting for a client connection
# ---- latency_hist[H_*, bin] of milliseconds: bin = octave * H_SUB + linear sub-bin of the mantissa
# (frexp, no log on the hot path); bins are at most 1/H_SUB of a value wide (< 0.8 %)
H_TTFT, H_ITL, H_E2E = 0, 1, 2
H_SUB = 128
H_EMIN, H_EMAX = -9, 24          # 2^-10 ms ... 2^24 ms (1 ns ... 4.6 h)
H_BINS = (H_EMAX - H_EMIN + 1) * H_SUB
# ---- completed_f / completed_i: ring of completed requests, one record per row
(DF_ARRIVAL, DF_PREFILL_START, DF_PREFILL_END, DF_TRANSFER_END, DF_FIRST_TOKEN, DF_DONE, DF_DECODE_ARRIVAL,
 DF_FRONTEND, DF_N) = range(9)
(DI_SERIAL, DI_PREFILL_WORKER, DI_DECODE_WORKER, DI_TEMPLATE, DI_ISL, DI_OSL, DI_CACHED_TOKENS,
 DI_TRANSFER_TOKENS, DI_LOCAL_PREFILL, DI_N) = range(10)
# ---- events_t / events_i: ring of request events, EI_KIND one of EV_*
(EV_ARRIVE, EV_PREFILL_START, EV_PREFILL_END, EV_TRANSFER_END, EV_FIRST_TOKEN, EV_COMPLETE) = range(6)
EVENT_NAMES = ("arrive", "prefill_start", "prefill_end", "transfer_end", "first_token", "complete")
(EI_KIND, EI_SERIAL, EI_WORKER, EI_TEMPLATE, EI_N) = range(5)
# ---- poa_f / poa_i / poa_ring: the PoA-hat estimator's open window (kernel/poa.py).
# poa_f rows: frozen batch and KV tokens (by candidate), members' realised TTFT (by position), then
# the m x m cost matrix (member rows from PAF_COST, candidate columns); poa_i rows: candidate
# worker id, member slot, matching (member -> column); poa_ring: (time, realised, opt) per request
PAF_RUNNING, PAF_KV, PAF_REAL, PAF_COST = 0, 1, 2, 3
PAI_CANDIDATE, PAI_SLOT, PAI_MATCH, PAI_N = 0, 1, 2, 3
POA_RING = 4096

# what advance() returns
OK, NEED_SLOTS, FINISHED, NEED_LINES = 0, 1, 2, 3
TTFT_RING = 4096
DONE_RING = 1 << 16
EV_RING = 4096

# The kernel's whole state: numpy arrays only (numba passes them to the hot helpers borrowed).
State = namedtuple("State", [
    "params",               # float parameters, P_* (timing coefficients, router, detector, KVBM)
    "iparams",              # int parameters, I_* (serving limits, workload, switches)
    "scalars_f",            # run-wide floats, SF_* (clock, time integrals, sums, detector signal)
    "scalars_i",            # run-wide ints, SI_* (counters, ring heads, queue lengths, regime)
    "requests_f",           # request table, floats RF_* x slot (times of each stage)
    "requests_i",           # request table, ints RI_* x slot (stage, sizes, workers, links, block keys)
    "free_slots",           # stack of free request slots (top at SI_FREE_SLOTS)
    "transfer_heap_t",      # min-heap of KV transfers in flight: arrival time ...
    "transfer_heap_slot",   # ... and request slot
    "prefill_f",            # prefill worker table, floats PWF_* x worker
    "prefill_i",            # prefill worker table, ints PWI_* x worker
    "decode_f",             # decode worker table, floats DWF_* x worker
    "decode_i",             # decode worker table, ints DWI_* x worker
    "completion_heap",      # per decode worker min-heap [0: completion pass, 1: slot] x worker x seat
    "admitted",             # per decode worker: slots admitted in the current pass
    "prefill_cache",        # prefill workers' block tables (prefix cache; KVBM tiers G2-G4 below it)
    "prefill_cache_meta",   # ... their LRU heads, tails and counts (prefix_cache.M_*)
    "decode_cache",         # decode workers' prefix caches
    "decode_cache_meta",
    "active_blocks",        # the router's per-decode-worker sets of booked shareable blocks (ref-counted)
    "active_blocks_meta",
    "held_blocks",          # decode KV that grows (I_DECODE_KV_GROW): per decode worker, the shareable prompt
    "held_blocks_meta",     # blocks its running requests hold, ref-counted (a shared prefix is held once); per
                            # worker the set's M_* then the running requests' sums (HM_*, decode_kv.blocks_at)
    "latency_hist",         # log histograms H_TTFT, H_ITL, H_E2E of milliseconds
    "ttft_ring",            # recent first tokens for rolling P99s: (time, TTFT, TTFT the frontend measured or NaN)
    "completed_f",          # ring of completed requests, DF_* times
    "completed_i",          # ... and DI_* ints
    "events_t",             # ring of request events: time ...
    "events_i",             # ... and EI_* (kind, serial, worker, template)
    "rng",                  # counter-based random streams (workload, routing)
    "route_costs",          # scratch: the router's cost per worker
    "route_eligible",       # scratch: which workers may be chosen
    "route_overlap",        # scratch: cached prefix blocks per worker of the pool being routed
    "router_queue",         # FIFOs of requests waiting at the router for any worker of a pool
    "trace_lines",          # replayed trace: isl, osl, hash offset, hash count per line ...
    "trace_arrival",        # ... arrival times ...
    "trace_hashes",         # ... and the concatenated hash ids ...
    "trace_split",          # ... and, sorted, those whose blocks are keyed one by one (I_TRACE_RUNS; trace_runs.py)
    "log_t",                # mission log ring: time ...
    "log_codes",            # ... (kind, a, b) ...
    "log_values",           # ... and four values
    "poa_f",                # PoA-hat window: frozen loads and cost matrix (kernel/poa.py PAF_*)
    "poa_i",                # ... candidates, members, matching (PAI_*)
    "poa_ring",             # ... and the (time, realised, opt) ring
    "client_returns",       # closed loop: ring of the times thinking clients send again (SI_THINK_HEAD, SI_THINKING)
])

# Inside the kernel the State's arrays travel in the records below (loop.advance builds them from borrowed
# views; params, iparams, scalars_f and scalars_i, which nearly every function takes, go alone). A function
# takes the records it needs and unpacks their members at its top: one misplaced array of a 46-long argument
# list was a silent bug, a misplaced record is a typing error. Each member keeps its State name. The inlined
# step functions take arrays.
# the request table and what holds request slots: the free stack and the heap of KV transfers in flight
Requests = namedtuple("Requests", ["requests_f", "requests_i", "free_slots", "transfer_heap_t", "transfer_heap_slot"])
# the two pools' worker tables and the decode workers' batches (completion heaps, this pass's admissions)
Workers = namedtuple("Workers", ["prefill_f", "prefill_i", "decode_f", "decode_i", "completion_heap", "admitted"])
# the block tables: prefix caches (+ KVBM tiers), the router's active sets, decode KV held (I_DECODE_KV_GROW)
Caches = namedtuple("Caches", ["prefill_cache", "prefill_cache_meta", "decode_cache", "decode_cache_meta",
                               "active_blocks", "active_blocks_meta", "held_blocks", "held_blocks_meta"])
# the router's random streams, scratch rows and waiting FIFOs
Routing = namedtuple("Routing", ["rng", "route_costs", "route_eligible", "route_overlap", "router_queue"])
# what the run records: histograms, rings of completions, events and the mission log, the PoA-hat window and
# ring, the thinking clients' ring
Records = namedtuple("Records", ["latency_hist", "ttft_ring", "completed_f", "completed_i", "events_t", "events_i",
                                 "poa_f", "poa_i", "poa_ring", "log_t", "log_codes", "log_values", "client_returns"])
# the replayed trace (read only)
Trace = namedtuple("Trace", ["trace_lines", "trace_arrival", "trace_hashes", "trace_split"])


def allocate(params, iparams, rng, slots, max_workers, max_seqs, table, max_blocks, trace=None, history=DONE_RING,
             active_table=64, tiers=False, clients=1, held_table=64, direct=False, trace_split=None):
    """A fresh State with ``slots`` request slots, ``max_workers`` per pool, prompts of at most
    ``max_blocks`` keys and optionally a trace ``(tr_i, tr_t, tr_h)`` (see ``trace.py``);
    ``tiers`` adds the KVBM rows G2-G4 to the prefill cache table; ``clients`` sizes the ring of
    thinking clients (closed loop); ``direct`` gives the active sets a second row per decode worker for the
    Python router of the direct path (I_DIRECT_PATH)."""
    i64 = np.int64
    W = max_workers
    prefill_cache, prefill_cache_meta = kvc.new_lru(3 * W + 1, table, kvbm.PLANES) if tiers else kvc.new_lru(W, table)
    decode_cache, decode_cache_meta = kvc.new_lru(W, table)
    # the router's active-block sets hold every distinct block booked on a worker: the caller sizes
    # them from that bound (and grows them with the request table), so they never fill
    active_blocks, active_blocks_meta = kvc.new_refset(2 * W if direct else W, active_table)
    held_blocks, held_blocks_meta = kvc.new_refset(W, held_table, HM_RUNS_AT_LEAST + iparams[I_BLOCK_SIZE] + 1)
    requests_i = np.zeros((RI_N + max(1, max_blocks), slots), i64)
    requests_i[RI_NEXT, :] = -1
    prefill_i = np.zeros((PWI_N, W), i64)
    prefill_i[PWI_QHEAD, :] = -1
    prefill_i[PWI_QTAIL, :] = -1
    decode_i = np.zeros((DWI_N, W), i64)
    decode_i[DWI_WAIT_HEAD, :] = -1
    decode_i[DWI_WAIT_TAIL, :] = -1
    scalars_f = np.zeros(SF_N)
    scalars_f[SF_NEXT_ARRIVAL] = math.inf
    scalars_i = np.zeros(SI_N, i64)
    scalars_i[SI_FREE_SLOTS] = slots
    poa_f = np.zeros((PAF_COST + W, W))
    poa_i = np.full((PAI_N, W), -1, i64)
    poa_ring = np.full((3, POA_RING), np.nan)
    return State(
        params=params, iparams=iparams, scalars_f=scalars_f, scalars_i=scalars_i,
        requests_f=np.zeros((RF_N, slots)), requests_i=requests_i,
        free_slots=np.arange(slots - 1, -1, -1, dtype=i64),
        transfer_heap_t=np.zeros(slots), transfer_heap_slot=np.zeros(slots, i64),
        prefill_f=np.zeros((PWF_N, W)), prefill_i=prefill_i, decode_f=np.zeros((DWF_N, W)), decode_i=decode_i,
        completion_heap=np.zeros((2, W, max_seqs), i64), admitted=np.zeros((W, max_seqs), i64),
        prefill_cache=prefill_cache, prefill_cache_meta=prefill_cache_meta,
        decode_cache=decode_cache, decode_cache_meta=decode_cache_meta,
        active_blocks=active_blocks, active_blocks_meta=active_blocks_meta,
        held_blocks=held_blocks, held_blocks_meta=held_blocks_meta,
        latency_hist=np.zeros((3, H_BINS)), ttft_ring=np.full((3, TTFT_RING), np.nan),
        # rings are record-major: one record = one or two cache lines
        completed_f=np.full((history, DF_N), np.nan), completed_i=np.full((history, DI_N), -1, i64),
        events_t=np.full(EV_RING, np.nan), events_i=np.full((EV_RING, EI_N), -1, i64),
        rng=rng, route_costs=np.zeros(W), route_eligible=np.zeros(W, np.bool_), route_overlap=np.zeros(W, i64),
        router_queue=np.full((2, 3), -1, i64),
        trace_lines=trace[0] if trace else np.zeros((4, 1), i64), trace_arrival=trace[1] if trace else np.zeros(1),
        # int32, as traces' hash ids mostly are (workload/traces.py): runs without a trace share the kernel's compile
        trace_hashes=trace[2] if trace else np.zeros(1, np.int32),
        trace_split=trace_split if trace_split is not None else np.zeros(0, i64),
        log_t=np.full(LOG_RING, np.nan), log_codes=np.zeros((LOG_RING, 3), i64), log_values=np.zeros((LOG_RING, 4)),
        poa_f=poa_f, poa_i=poa_i, poa_ring=poa_ring, client_returns=np.zeros(max(1, clients)),
    )


def grow_clients(st, clients):
    """A copy of ``st`` whose ring of thinking clients holds ``clients`` (the closed loop's C went
    up); the clients thinking now keep their order."""
    ring = st.client_returns
    n, head = st.scalars_i[SI_THINKING], st.scalars_i[SI_THINK_HEAD]
    new = np.zeros(max(clients, ring.shape[0]))
    new[:n] = ring[(head + np.arange(n)) % ring.shape[0]]
    st.scalars_i[SI_THINK_HEAD] = 0
    return st._replace(client_returns=new)


def grow(st, slots):
    """A copy of ``st`` with more request slots (open loop under overload: never drop)."""
    old = st.requests_f.shape[1]
    requests_f = np.zeros((RF_N, slots))
    requests_f[:, :old] = st.requests_f
    requests_i = np.zeros((st.requests_i.shape[0], slots), np.int64)
    requests_i[:, :old] = st.requests_i
    requests_i[RI_NEXT, old:] = -1
    free_slots = np.zeros(slots, np.int64)
    top = st.scalars_i[SI_FREE_SLOTS]
    free_slots[:top] = st.free_slots[:top]
    new = np.arange(slots - 1, old - 1, -1, dtype=np.int64)
    free_slots[top:top + len(new)] = new
    transfer_heap_t = np.zeros(slots)
    transfer_heap_t[:old] = st.transfer_heap_t
    transfer_heap_slot = np.zeros(slots, np.int64)
    transfer_heap_slot[:old] = st.transfer_heap_slot
    st.scalars_i[SI_FREE_SLOTS] = top + len(new)
    st = st._replace(requests_f=requests_f, requests_i=requests_i, free_slots=free_slots,
                     transfer_heap_t=transfer_heap_t, transfer_heap_slot=transfer_heap_slot)
    return st


def grow_keys(st, keys):
    """A copy of ``st`` whose request table has rows for ``keys`` block keys a request (a streamed trace's
    longer prompt came in); the requests in it keep theirs."""
    old = st.requests_i
    if RI_BLOCK_KEYS + keys <= old.shape[0]:
        return st
    requests_i = np.zeros((RI_BLOCK_KEYS + keys, old.shape[1]), np.int64)
    requests_i[:old.shape[0]] = old
    return st._replace(requests_i=requests_i)
