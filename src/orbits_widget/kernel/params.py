"""Packing a run into the kernel's arrays: parameters from the profile, the detector and the
workload, table sizes from their bounds, and the fresh ``State``."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validate import check_number
from ..profiles import perf_model
from ..workload.rng import new_state as new_rng
from . import kvbm, trace_runs
from .detector import DYNAMO_TTFT_BUCKETS, REGIMES
from .layout import (
    DONE_RING,
    DR_DYNAMO,
    DR_PAPER,
    DR_V090,
    I_ADAPTIVE,
    I_BATCHED_TOKENS,
    I_BLOCK_SIZE,
    I_CACHE_LIMIT,
    I_CLIENT_CONNECTIONS,
    I_CONCURRENCY,
    I_DECODE_KV_GROW,
    I_DECODE_PROMPT_BUDGET,
    I_DECODE_ROUTING,
    I_DETECTOR_PROMETHEUS,
    I_DIRECT_PATH,
    I_HANDOFF_HOLD,
    I_HYSTERESIS,
    I_ISL,
    I_KV_BLOCKS,
    I_KVBM,
    I_MAX_SEQS,
    I_MULTI_PASS,
    I_N,
    I_OPEN_LOOP,
    I_OSL,
    I_PREFILL_MAX_SEQS,
    I_PREFIX_CACHING,
    I_SHARED_BLOCKS,
    I_TEMPLATES,
    I_TRACE_BLOCK_SIZE,
    I_TRACE_LINES,
    I_TRACE_RUNS,
    P_ACTIVE_REQUEST_WEIGHT,
    P_EWMA_ALPHA,
    P_HANDOVER_POST,
    P_KVBM,
    P_N,
    P_POLL_INTERVAL,
    P_RATE,
    P_REGIME_TABLE,
    P_THETA1,
    P_THETA2,
    P_THINK_TIME,
    P_TTFT_BUCKETS,
    P_TTFT_BUCKETS_N,
    SF_NEXT_ARRIVAL,
    SF_NEXT_POLL,
    allocate,
)

MAX_PROMPT_BLOCKS = 65_535      # block keys pack the block index in 16 bits (workload/synthetic.py)


def next_pow2(n):
    return 1 << max(6, int(math.ceil(math.log2(max(2, n)))))


def active_table(shareable):
    """Size of the router's active-block sets: twice the distinct shareable blocks the workload
    has (each request's own blocks are counted, not stored: DWI_OWN_BLOCKS), so they never fill
    and their size does not grow with the requests in the system."""
    return next_pow2(2 * shareable + 16)


class TraceFacts(NamedTuple):
    """What a replay's table sizes depend on in its trace (``trace_facts``); a streamed replay
    (api/replay.py) knows them for the lines read so far."""
    lines: int              # requests
    distinct: int           # distinct hash ids
    max_blocks: int         # blocks of the longest prompt its hash ids cover
    split: np.ndarray       # sorted hash ids keyed block by block (trace_runs.split_hashes), with runs


def trace_facts(trace, block_size, trace_block_size, runs):
    """``TraceFacts`` of a whole trace, for ``block_size``-token blocks and ``runs`` blocks per run (0: none)."""
    max_blocks = int(np.max(np.minimum(trace.isl // block_size, trace.n_hashes * trace_block_size // block_size)))
    split = None
    if runs:
        tr_i, _, hashes = trace.kernel_arrays()
        split = trace_runs.split_hashes(tr_i, hashes, block_size, trace_block_size)
    return TraceFacts(len(trace), trace.distinct_hashes, max_blocks, split)


def sizes(p, concurrency, facts, trace_block_size, history, block_keys="runs"):
    """The sizes and switches a run's state is built with (``build_state``), from the profile, the load and,
    for a trace replay, its ``TraceFacts`` (None: the synthetic workload)."""
    nblk = p.prompt_tokens // p.block_size
    kv_blocks = p.kv_capacity() // p.block_size
    if p.shared_tokens >= p.prompt_tokens:
        table = next_pow2(4 * p.templates * max(1, nblk))
    else:
        table = 1 << 15
    table = min(table, 1 << 20)
    # distinct shareable blocks: the templates' (each request's own blocks are only counted)
    shared_b = p.shared_tokens // p.block_size
    shareable, own = p.templates * min(shared_b, nblk), max(0, nblk - shared_b)
    max_blocks = nblk
    runs = 0
    if facts is not None:
        max_blocks = facts.max_blocks
        per = max(1, trace_block_size // p.block_size)
        table = min(1 << 15, next_pow2(4 * per * max(1, facts.distinct)))
        shareable, own = per * facts.distinct, 0
    cache_limit = min(kv_blocks, table // 2)
    # KVBM tiers (prefill side): worth allocating only if the workload's distinct blocks can
    # overflow G1; a table row holds at most table // 2 blocks, as G1's does
    distinct = shareable if own == 0 else math.inf
    tiers = p.prefix_caching and (p.kvbm == "on" or (p.kvbm == "auto" and distinct > cache_limit))
    max_keys = max_blocks
    shareable_keys = shareable      # distinct keys of shareable blocks: what the active and held sets hold at most
    if facts is not None:
        runs = trace_runs.runs_apply(p.block_size, trace_block_size) if block_keys == "runs" else 0
        if runs:
            max_keys = trace_runs.max_keys(runs, facts.split, max_blocks)
            shareable_keys = facts.distinct + len(facts.split) * (runs - 1)
    slots = (concurrency + 16) if concurrency is not None else 1024
    if facts is not None:
        slots = min(slots, facts.lines + 16)
    if history is None:
        history = DONE_RING if facts is None else min(DONE_RING, facts.lines)
    history = check_number("history", history, 1, 1 << 24, integer=True)
    direct = p.adaptive_path == "direct"
    return dict(
        table=table, kv_blocks=kv_blocks, cache_limit=cache_limit, tiers=tiers, runs=runs, max_blocks=max_blocks,
        max_keys=max_keys, slots=slots, history=history, direct=direct,
        # the routers' active sets serve the decode legs that count distinct blocks (and the direct path's
        # router), the held sets growing KV
        active_table=active_table(shareable_keys) if p.decode_routing != "dynamo" or direct else 64,
        # a held set holds what its worker's running requests hold: at most its KV blocks
        held_table=active_table(min(shareable_keys, kv_blocks)) if p.decode_kv == "grow" else 64)


def build_state(p, dc, policy, concurrency, rate, trace, trace_block_size, history, seed, block_keys="runs",
                facts=None):
    """A fresh ``State`` for profile ``p``, detector config ``dc`` and the workload (closed loop at
    ``concurrency``, open loop at ``rate``, or a trace). ``block_keys``: how a trace's prompt blocks are
    keyed, ``"runs"`` (one key per trace hash block, trace_runs.py) or ``"blocks"`` (one per block); the
    results are the same. ``facts``: the trace's ``TraceFacts`` when the caller has them."""
    params = np.zeros(P_N)
    params[:perf_model.PM_N] = perf_model.coefficients(p)
    params[P_RATE] = rate if rate is not None else 0.0
    params[P_ACTIVE_REQUEST_WEIGHT] = p.active_request_weight
    params[P_POLL_INTERVAL], params[P_THETA1], params[P_THETA2] = dc.poll_interval, dc.theta1, dc.theta2
    params[P_EWMA_ALPHA] = dc.ewma_alpha
    params[P_THINK_TIME] = p.think_time_s
    params[P_HANDOVER_POST] = p.handover_post_ms * 1e-3
    params[P_TTFT_BUCKETS:P_TTFT_BUCKETS + P_TTFT_BUCKETS_N] = DYNAMO_TTFT_BUCKETS
    for r, name in enumerate(REGIMES):
        params[P_REGIME_TABLE + 2 * r], params[P_REGIME_TABLE + 2 * r + 1] = dc.row(name)
    iparams = np.zeros(I_N, np.int64)
    trace_arrays = None
    if trace is not None:
        runs = trace_runs.runs_apply(p.block_size, trace_block_size) if block_keys == "runs" else 0
        if facts is None:
            facts = trace_facts(trace, p.block_size, trace_block_size, runs)
        if facts.max_blocks > MAX_PROMPT_BLOCKS:
            raise ValueError(f"trace: a prompt of {facts.max_blocks} blocks exceeds {MAX_PROMPT_BLOCKS} blocks of "
                             f"{p.block_size} tokens")
        trace_arrays = trace.kernel_arrays()
    z = sizes(p, concurrency, facts, trace_block_size, history, block_keys)
    iparams[I_BLOCK_SIZE], iparams[I_MAX_SEQS] = p.block_size, p.max_num_seqs
    iparams[I_BATCHED_TOKENS] = p.max_num_batched_tokens
    iparams[I_PREFILL_MAX_SEQS] = p.prefill_batch
    iparams[I_HANDOFF_HOLD] = 1 if p.handoff_hold else 0
    iparams[I_KV_BLOCKS] = z["kv_blocks"]
    iparams[I_PREFIX_CACHING] = 1 if p.prefix_caching else 0
    iparams[I_ISL], iparams[I_OSL], iparams[I_TEMPLATES] = p.prompt_tokens, p.output_tokens, p.templates
    iparams[I_SHARED_BLOCKS] = p.shared_tokens // p.block_size
    iparams[I_CONCURRENCY] = concurrency if concurrency is not None else 0
    iparams[I_OPEN_LOOP] = 1 if concurrency is None else 0
    iparams[I_DECODE_PROMPT_BUDGET] = 1 if p.decode_prompt_budget else 0
    iparams[I_DECODE_KV_GROW] = 1 if p.decode_kv == "grow" else 0
    iparams[I_MULTI_PASS] = 1       # decode passes with nothing to change run as one event (exact)
    iparams[I_ADAPTIVE] = 1 if policy == "adaptive" else 0
    iparams[I_HYSTERESIS] = dc.hysteresis
    if trace is not None:
        iparams[I_TRACE_LINES] = len(trace)
        iparams[I_TRACE_BLOCK_SIZE] = trace_block_size
        iparams[I_TRACE_RUNS] = z["runs"]
    iparams[I_DECODE_ROUTING] = {"dynamo": DR_DYNAMO, "paper": DR_PAPER, "v090": DR_V090}[p.decode_routing]
    iparams[I_DIRECT_PATH] = 1 if z["direct"] else 0
    iparams[I_DETECTOR_PROMETHEUS] = 1 if p.detector_signal == "prometheus" else 0
    iparams[I_CLIENT_CONNECTIONS] = p.client_connections
    iparams[I_CACHE_LIMIT] = z["cache_limit"]
    iparams[I_KVBM] = 1 if z["tiers"] else 0
    table = z["table"]
    for g, tier in enumerate(p.kvbm_tiers()):
        params[P_KVBM + kvbm.CAP + g] = iparams[I_CACHE_LIMIT] if g == 0 else min(tier["blocks"], table // 2)
        params[P_KVBM + kvbm.BW + g] = tier["bw"]
        params[P_KVBM + kvbm.LAT + g] = tier["latency"]
    params[P_KVBM + kvbm.DECAY] = p.kvbm_decay_s
    st = allocate(params, iparams, new_rng(seed), z["slots"], p.max_workers, p.max_num_seqs, table, z["max_keys"],
                  trace_arrays, z["history"], z["active_table"], z["tiers"], clients=(concurrency or 0) + 16,
                  held_table=z["held_table"], direct=z["direct"],
                  trace_split=facts.split if facts is not None and z["runs"] else None)
    st.scalars_f[SF_NEXT_POLL] = dc.poll_interval
    if rate is not None:
        # first arrival after an exponential gap, drawn from the workload stream
        u = np.random.default_rng(seed).random()
        st.scalars_f[SF_NEXT_ARRIVAL] = -math.log(1.0 - u) / rate
    elif trace is not None and concurrency is None:
        st.scalars_f[SF_NEXT_ARRIVAL] = trace.arrival_s[0]
    return st
