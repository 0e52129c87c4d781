"""Keys of a replayed trace's prompt blocks: one per trace hash block, or one per block.

A trace names a prompt by hash ids of 512-token blocks (Mooncake's, and Dynamo's replay default);
the engine's blocks are smaller (16 or 64 tokens), so each hash id stands for ``per`` of them. With
runs (``I_TRACE_RUNS = per``), the blocks of one hash id are one key (``prefix_cache.run_key``), and
every table does one operation where block by block it did ``per``: the same results, exactly
(prefix_cache.py says why the blocks of a run move together, and replays the cases where they do not).

That needs one thing of the trace: a hash id always stands for the same number of blocks. It does
for every block but a prompt's last, which may be partial. A hash id that is some prompt's partial
last block and, elsewhere, a fuller block of another prompt would share only part of its blocks:
``split_hashes`` finds such ids, and their blocks are keyed one by one (``trace_split``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..workload.traces import trace_block_key
from . import prefix_cache as kvc


def runs_apply(block_size: int, trace_block_size: int) -> int:
    """Blocks per run when a replay can key its trace blocks as runs, else 0: a trace block must be a
    whole number (>= 2, <= prefix_cache.MAX_RUN) of blocks. (Under KVBM tiers the prefill caches still
    keep a key per block, their victims moving down a tier block by block: request_blocks.py.)"""
    if trace_block_size % block_size:
        return 0
    per = trace_block_size // block_size
    return per if 2 <= per <= kvc.MAX_RUN else 0


@njit(cache=True, inline="always")
def line_blocks(tr_i, line, bs, tbs):
    """The blocks a trace line's prompt is keyed by: its whole blocks that its hash ids cover (the request
    table has rows for the longest prompt's keys, kernel/params.py)."""
    return min(tr_i[0, line] // bs, (tr_i[3, line] * tbs) // bs)


@njit(cache=True, _nrt=True)
def _slot(keys, h):
    mask = keys.shape[0] - 1
    i = kvc.home_slot(h, mask)
    while keys[i] != -1 and keys[i] != h:
        i = (i + 1) & mask
    return i


# ids up to this many times a trace's hash ids (plus DENSE_SLACK, so that a short trace always is) are counted in
# an array indexed by id: 2 bytes an id, at most 4 bytes per hash id named, under the 4 the trace itself keeps
DENSE_IDS = 2
DENSE_SLACK = 1024


@njit(cache=True, _nrt=True)
def split_hashes(tr_i, hashes, bs, tbs):
    """Sorted hash ids that stand for different numbers of blocks on different lines (see above).
    Dense ids (generated traces', Mooncake's: the largest below ``DENSE_IDS`` times the ids named) are
    counted in an array indexed by id, in one pass; others go through a hash set of candidates."""
    top = -1
    for i in range(hashes.shape[0]):
        if hashes[i] > top:
            top = np.int64(hashes[i])
    if top < DENSE_IDS * hashes.shape[0] + DENSE_SLACK:
        return split_hashes_dense(tr_i, hashes, bs, tbs, top)
    return split_hashes_sparse(tr_i, hashes, bs, tbs)


@njit(cache=True, _nrt=True)
def split_hashes_dense(tr_i, hashes, bs, tbs, top):
    """``split_hashes`` for ids in [0, top]: each id's blocks, per id (0 unseen, -1 differing), one pass over
    every occurrence in the lines' order (ids of one prompt are mostly consecutive: the array is read in runs)."""
    per = tbs // bs
    blocks = np.zeros(top + 1, np.int16)       # per <= prefix_cache.MAX_RUN < 2^15
    n = 0
    for line in range(tr_i.shape[1]):
        nblk = line_blocks(tr_i, line, bs, tbs)
        off = tr_i[2, line]
        for j in range((nblk + per - 1) // per):
            m = nblk - j * per
            c = m if m < per else per
            h = hashes[off + j]
            b = blocks[h]
            if b == 0:
                blocks[h] = c
            elif b > 0 and b != c:
                blocks[h] = -1
                n += 1
    out = np.empty(n, np.int64)
    k = 0
    for h in range(top + 1):
        if blocks[h] < 0:
            out[k] = h
            k += 1
    return out


@njit(cache=True, _nrt=True)
def split_hashes_sparse(tr_i, hashes, bs, tbs):
    """``split_hashes`` for any ids: a hash set of the partial last blocks' ids, then every occurrence
    of them checked against it."""
    per = tbs // bs
    n_lines = tr_i.shape[1]
    # the partial last blocks: (hash id, blocks) candidates
    cand = 0
    for line in range(n_lines):
        nblk = line_blocks(tr_i, line, bs, tbs)
        if nblk > 0 and nblk % per != 0:
            cand += 1
    if cand == 0:
        return np.zeros(0, np.int64)
    size = 64
    while size < 2 * cand:
        size *= 2
    keys = np.full(size, -1, np.int64)
    blocks = np.zeros(size, np.int64)      # the blocks the id stands for, -1 when it differs
    for line in range(n_lines):
        nblk = line_blocks(tr_i, line, bs, tbs)
        if nblk > 0 and nblk % per != 0:
            h = np.int64(hashes[tr_i[2, line] + (nblk - 1) // per])
            i = _slot(keys, h)
            if keys[i] == -1:
                keys[i] = h
                blocks[i] = nblk % per
            elif blocks[i] != nblk % per:
                blocks[i] = -1
    # every occurrence of a candidate id, partial or whole
    for line in range(n_lines):
        nblk = line_blocks(tr_i, line, bs, tbs)
        off = tr_i[2, line]
        for j in range((nblk + per - 1) // per):
            i = _slot(keys, np.int64(hashes[off + j]))
            if keys[i] != -1 and blocks[i] >= 0:
                m = nblk - j * per
                if blocks[i] != (m if m < per else per):
                    blocks[i] = -1
    n = 0
    for i in range(size):
        if keys[i] != -1 and blocks[i] < 0:
            n += 1
    out = np.empty(n, np.int64)
    n = 0
    for i in range(size):
        if keys[i] != -1 and blocks[i] < 0:
            out[n] = keys[i]
            n += 1
    return np.sort(out)


# flags of ``scan_lines``'s table, one int16 per hash id: the blocks the id stands for (0: not yet covered),
# whether it stands for different numbers on different lines (split), whether it occurs at all
ID_BLOCKS, ID_SPLIT, ID_SEEN = 0x3FF, 0x2000, 0x4000


@njit(cache=True, nogil=True, _nrt=False)
def scan_lines(table, tr_i, start, stop, hashes, bs, tbs, per, new_split):
    """``split_hashes`` (and the distinct ids, and the longest prompt) of lines [start, stop) added to the lines
    before them, whose ids ``table`` holds (``ID_*`` flags; ids in [0, len(table))): writes the ids these lines
    split into ``new_split``. Returns (distinct ids added, blocks of the longest prompt, new split ids), or
    distinct = -1 when one of these lines splits an id that the lines before them already used whole: keys the
    replay of those lines used are then not the ones the whole trace gives. ``per`` = 0: no runs, no split."""
    # first, read-only: an id the lines before used covered by other blocks than here
    for line in range(start, stop):
        if per == 0:
            break
        nblk = line_blocks(tr_i, line, bs, tbs)
        off = tr_i[2, line]
        for j in range((nblk + per - 1) // per):
            m = nblk - j * per
            c = m if m < per else per
            v = table[hashes[off + j]]
            if v & ID_SPLIT == 0 and v & ID_BLOCKS != 0 and v & ID_BLOCKS != c:
                return -1, 0, 0
    added = 0
    longest = 0
    n_new = 0
    for line in range(start, stop):
        nblk = line_blocks(tr_i, line, bs, tbs)
        if nblk > longest:
            longest = nblk
        off = tr_i[2, line]
        for j in range(tr_i[3, line]):
            h = hashes[off + j]
            if table[h] & ID_SEEN == 0:
                table[h] |= ID_SEEN
                added += 1
        if per == 0:
            continue
        for j in range((nblk + per - 1) // per):
            m = nblk - j * per
            c = m if m < per else per
            h = hashes[off + j]
            v = table[h]
            if v & ID_BLOCKS == 0:
                table[h] = v | c
            elif v & ID_SPLIT == 0 and v & ID_BLOCKS != c:
                table[h] = v | ID_SPLIT
                new_split[n_new] = h
                n_new += 1
    return added, longest, n_new


@njit(cache=True, inline="always")
def _is_split(split, h):
    if split.shape[0] == 0:
        return False
    k = np.searchsorted(split, h)
    return k < split.shape[0] and split[k] == h


@njit(cache=True, inline="always")
def line_keys(requests_i, row, slot, trace_hashes, trace_split, off, nblk, bs, tbs, per):
    """Write the keys of a line's ``nblk`` blocks into ``requests_i[row + k, slot]``; returns how many.
    ``per`` > 0: a key per hash id (a run of its blocks) except for split ids; 0: a key per block."""
    if per == 0:
        for b in range(nblk):
            requests_i[row + b, slot] = trace_block_key(trace_hashes, off, b, bs, tbs)
        return nblk
    k = 0
    b = 0
    while b < nblk:
        m = nblk - b
        if m > per:
            m = per
        h = np.int64(trace_hashes[off + b // per])
        if _is_split(trace_split, h):
            for q in range(m):
                requests_i[row + k, slot] = trace_block_key(trace_hashes, off, b + q, bs, tbs)
                k += 1
        else:
            requests_i[row + k, slot] = kvc.run_key(h, m)
            k += 1
        b += m
    return k


def max_keys(per, split, max_blocks):
    """Key rows a request of the trace needs, its longest prompt having ``max_blocks`` blocks."""
    if per == 0 or len(split):
        return max_blocks
    return -(-max_blocks // per)
