"""Decode KV that grows with the tokens (vLLM's block allocator, as Dynamo's mocker runs it).

A running request holds the blocks of its prompt, of the tokens it has generated and of the one
the pass writes; nothing is reserved for the rest of its output. Full prompt blocks that several
running requests share (the same prefix) are held once, as the allocator shares them by hash:
they live in a ref-counted set per worker (``held``), the rest are counted per request. When a
pass needs more blocks than the worker has, the most recently admitted request is preempted
(vLLM's and the mocker's LIFO): it frees its blocks, keeps its generated tokens and goes back to
the head of the worker's queue, to be recomputed when it is admitted again. The alternative
(``decode_kv="reserve"``) reserves prompt + output at admission and never preempts.
"""
from __future__ import annotations

from numba import njit

from . import prefix_cache as kvc
from .layout import (
    DWI_HEAP_LEN,
    DWI_KV_BOUND,
    DWI_KV_EXACT,
    DWI_RUNNING,
    DWI_SUM_FIRST_PASS,
    DWI_SUM_ISL,
    DWI_WAIT_HEAD,
    DWI_WAIT_LEN,
    DWI_WAIT_TAIL,
    HM_RUN_FLOOR,
    HM_RUN_SHARED,
    HM_RUNS_AT_LEAST,
    I_PREFIX_CACHING,
    RF_LAST_TOKEN,
    RI_ADMIT_SEQ,
    RI_BLOCK_KEYS,
    RI_FIRST_PASS,
    RI_GENERATED,
    RI_ISL,
    RI_OSL,
    RI_STAGE,
    S_DECODE_WAIT,
    SI_PREEMPTIONS,
)
from .request_blocks import shareable_blocks, shareable_keys
from .structures import dheap_remove, q_push_front


@njit(cache=True, inline="always")
def shared_blocks(iparams, requests_i, s):
    """Leading prompt blocks of ``s`` it holds in common with other running requests of the same
    prefix: with prefix caching the allocator shares them by hash, without it nothing is shared."""
    if iparams[I_PREFIX_CACHING] == 0:
        return 0
    return shareable_blocks(iparams, requests_i, s)


@njit(cache=True, inline="always")
def shared_keys(iparams, requests_i, s):
    """The keys of ``shared_blocks``."""
    if iparams[I_PREFIX_CACHING] == 0:
        return 0
    return shareable_keys(iparams, requests_i, s)


@njit(cache=True, inline="always")
def bound_blocks(requests_i, s, bs):
    """Blocks request ``s`` can ever hold: its prompt and its whole output, none shared."""
    return (requests_i[RI_ISL, s] + requests_i[RI_OSL, s] + bs - 1) // bs


@njit(cache=True, _nrt=False)
def count_exactly(iparams, requests_i, completion_heap, decode_i, held, held_meta, w):
    """From now on worker ``w`` keeps its held set: enter the running requests' shared blocks."""
    if decode_i[DWI_KV_EXACT, w] == 0:
        for i in range(decode_i[DWI_HEAP_LEN, w]):
            hold_blocks(iparams, requests_i, held, held_meta, w, completion_heap[1, w, i])
        decode_i[DWI_KV_EXACT, w] = 1


@njit(cache=True, _nrt=False)
def new_shared_blocks(iparams, requests_i, held, w, s):
    """Shareable prompt blocks of ``s`` that no running request on ``w`` holds yet."""
    new = 0
    for k in range(shared_keys(iparams, requests_i, s)):
        key = requests_i[RI_BLOCK_KEYS + k, s]
        if kvc.find(held, w, key) < 0:
            new += kvc.key_blocks(key)
    return new


@njit(cache=True, _nrt=False)
def hold_blocks(iparams, requests_i, held, held_meta, w, s):
    for k in range(shared_keys(iparams, requests_i, s)):
        kvc.ref_add(held, held_meta, w, requests_i[RI_BLOCK_KEYS + k, s])


@njit(cache=True, _nrt=False)
def release_blocks(iparams, requests_i, held, held_meta, w, s):
    for k in range(shared_keys(iparams, requests_i, s)):
        kvc.ref_remove(held, held_meta, w, requests_i[RI_BLOCK_KEYS + k, s])


@njit(cache=True, inline="always")
def count_running(iparams, requests_i, decode_i, held_meta, w, s, bs, sign):
    """Enter (``sign`` = 1) or remove (-1) request ``s`` in the count and sums of worker ``w``'s running
    requests: DWI_RUNNING, DWI_SUM_ISL and DWI_SUM_FIRST_PASS (their KV tokens), and the sums behind
    ``blocks_at`` (layout.HM_*)."""
    decode_i[DWI_RUNNING, w] += sign
    decode_i[DWI_SUM_ISL, w] += sign * requests_i[RI_ISL, s]
    decode_i[DWI_SUM_FIRST_PASS, w] += sign * requests_i[RI_FIRST_PASS, s]
    a = requests_i[RI_ISL, s] - requests_i[RI_FIRST_PASS, s] + bs
    held_meta[w, HM_RUN_FLOOR] += sign * (a // bs)
    held_meta[w, HM_RUN_SHARED] += sign * shared_blocks(iparams, requests_i, s)
    for v in range(a % bs + 1):
        held_meta[w, HM_RUNS_AT_LEAST + v] += sign


@njit(cache=True, _nrt=False)
def blocks_at(decode_i, held_meta, w, q, bs):
    """Blocks worker ``w``'s running requests hold during pass ``q`` (none of them preempted): the held set,
    plus what each holds alone, the blocks of its prompt, of the q - first pass tokens generated before q and
    of the one q writes, (a + q) // bs with a = isl - first pass + bs, past its shared prompt blocks. From the
    sums ``count_running`` keeps: with a = bs * (a // bs) + r and q = bs * (q // bs) + u, (a + q) // bs is
    a // bs + q // bs, plus 1 if r >= bs - u."""
    return (held_meta[w, kvc.M_COUNT] + held_meta[w, HM_RUN_FLOOR] + decode_i[DWI_RUNNING, w] * (q // bs)
            + held_meta[w, HM_RUNS_AT_LEAST + bs - q % bs] - held_meta[w, HM_RUN_SHARED])


@njit(cache=True, _nrt=False)
def first_pass_over(decode_i, held_meta, w, p, k, bs, cap):
    """The first of passes p + 1 .. p + k - 1 whose blocks exceed ``cap`` (p + k if none): a run of
    passes must end before it. Blocks only grow between completions, so a bisection finds it."""
    if blocks_at(decode_i, held_meta, w, p + k - 1, bs) <= cap:
        return p + k
    lo, hi = p, p + k - 1          # blocks_at(lo) <= cap < blocks_at(hi)
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if blocks_at(decode_i, held_meta, w, mid, bs) > cap:
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=True, _nrt=False)
def preempt_latest(iparams, scalars_i, requests_f, requests_i, decode_i, completion_heap, held, held_meta, w, p, bs,
                   t):
    """Preempt the most recently admitted running request of worker ``w`` before pass ``p`` at time
    ``t``: it frees its blocks and waits at the head of the queue."""
    j = 0
    for i in range(1, decode_i[DWI_HEAP_LEN, w]):
        if requests_i[RI_ADMIT_SEQ, completion_heap[1, w, i]] > requests_i[RI_ADMIT_SEQ, completion_heap[1, w, j]]:
            j = i
    s = completion_heap[1, w, j]
    release_blocks(iparams, requests_i, held, held_meta, w, s)
    decode_i[DWI_KV_BOUND, w] -= bound_blocks(requests_i, s, bs)
    dheap_remove(completion_heap, decode_i, w, j)
    requests_i[RI_GENERATED, s] = p - requests_i[RI_FIRST_PASS, s]
    requests_f[RF_LAST_TOKEN, s] = t
    count_running(iparams, requests_i, decode_i, held_meta, w, s, bs, -1)
    requests_i[RI_STAGE, s] = S_DECODE_WAIT
    q_push_front(requests_i, decode_i, DWI_WAIT_HEAD, DWI_WAIT_TAIL, w, s)
    decode_i[DWI_WAIT_LEN, w] += 1
    scalars_i[SI_PREEMPTIONS] += 1
