"""A request's prompt blocks against a worker's block table: hits, reusable tokens, recording.

A request names its prompt by keys (rows ``RI_BLOCK_KEYS`` ..., ``RI_N_KEYS`` of them), each one
block or a run of blocks (``prefix_cache.key_blocks``); ``RI_N_BLOCKS`` is how many blocks they add
up to. Everything here counts blocks.

The prefill caches under KVBM tiers keep one key per block even when the request keys its blocks as runs
(a tier's victims move block by block): ``prefill_hits`` and ``prompt_block_keys`` read a request's runs
as the per-block keys a per-block replay gives them (``prefix_cache.run_block_key``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import prefix_cache as kvc
from .layout import (
    I_BLOCK_SIZE,
    I_KVBM,
    I_SHARED_BLOCKS,
    I_TRACE_LINES,
    I_TRACE_RUNS,
    RI_BLOCK_KEYS,
    RI_ISL,
    RI_N_BLOCKS,
    RI_N_KEYS,
)


@njit(cache=True, _nrt=False)
def prefix_hits(tab, w, requests_i, slot):
    """Leading prompt blocks of ``slot`` present in row ``w`` of an LRU block table."""
    hits = 0
    for k in range(requests_i[RI_N_KEYS, slot]):
        key = requests_i[RI_BLOCK_KEYS + k, slot]
        i = kvc.find(tab, w, key)
        if i < 0:
            return hits
        present = tab[kvc.RUN, w, i]
        n = kvc.key_blocks(key)
        if present < n:
            return hits + present     # a run's present blocks are its first ones
        hits += n
    return hits


@njit(cache=True, _nrt=False)
def prefix_hits_by_block(tab, w, requests_i, slot, per):
    """``prefix_hits`` against a table keyed block by block, for a request keyed by runs of ``per``."""
    hits = 0
    for k in range(requests_i[RI_N_KEYS, slot]):
        key = requests_i[RI_BLOCK_KEYS + k, slot]
        if not kvc.is_run(key):
            if kvc.find(tab, w, key) < 0:
                return hits
            hits += 1
            continue
        for q in range(kvc.key_blocks(key)):
            if kvc.find(tab, w, kvc.run_block_key(key, per, q)) < 0:
                return hits
            hits += 1
    return hits


@njit(cache=True, inline="always")
def prefill_hits(tab, w, requests_i, slot, iparams):
    """Leading prompt blocks of ``slot`` in G1 of prefill worker ``w`` (a table of blocks under KVBM tiers)."""
    per = iparams[I_TRACE_RUNS]
    if iparams[I_KVBM] == 1 and per > 0:
        return prefix_hits_by_block(tab, w, requests_i, slot, per)
    return prefix_hits(tab, w, requests_i, slot)


@njit(cache=True, _nrt=True)
def prompt_block_keys(requests_i, slot, per):
    """The request's keys one per block (a fresh array): its runs of ``per`` blocks spelled out."""
    out = np.empty(requests_i[RI_N_BLOCKS, slot], np.int64)
    b = 0
    for k in range(requests_i[RI_N_KEYS, slot]):
        key = requests_i[RI_BLOCK_KEYS + k, slot]
        if not kvc.is_run(key):
            out[b] = key
            b += 1
            continue
        for q in range(kvc.key_blocks(key)):
            out[b] = kvc.run_block_key(key, per, q)
            b += 1
    return out


@njit(cache=True, inline="always")
def shareable_blocks(iparams, requests_i, slot):
    """Leading blocks of a request that another request may hold too: every block of a trace line
    (named by hash ids), the template part of a synthetic prompt; the rest are its own."""
    n = requests_i[RI_N_BLOCKS, slot]
    if iparams[I_TRACE_LINES] > 0:
        return n
    shared = iparams[I_SHARED_BLOCKS]
    return shared if shared < n else n


@njit(cache=True, inline="always")
def shareable_keys(iparams, requests_i, slot):
    """The keys of the shareable blocks (they lead the request's keys)."""
    if iparams[I_TRACE_LINES] > 0:
        return requests_i[RI_N_KEYS, slot]
    return shareable_blocks(iparams, requests_i, slot)    # synthetic prompts: one key per block


@njit(cache=True, _nrt=False)
def reusable_tokens(requests_i, iparams, slot, hit_blocks):
    """vLLM's rule: at most isl - 1 prompt tokens come from the cache, in whole blocks."""
    bs = iparams[I_BLOCK_SIZE]
    cap = ((requests_i[RI_ISL, slot] - 1) // bs) * bs
    t = hit_blocks * bs
    return t if t < cap else cap


@njit(cache=True, _nrt=False)
def cache_blocks(tab, meta, w, requests_i, slot, limit):
    """Record the request's prompt blocks in an LRU table; returns evictions. Last block first, so
    the prompt's head is the most recently used: vLLM frees a request's blocks in reverse order,
    and its tail, the part fewest later prompts share, is evicted before its prefix."""
    ev = 0
    for k in range(requests_i[RI_N_KEYS, slot] - 1, -1, -1):
        key = requests_i[RI_BLOCK_KEYS + k, slot]
        ev += kvc.lru_touch_run(tab, meta, w, key, kvc.key_blocks(key), limit)
    return ev
