"""Per-worker KV block tables for the kernel: an LRU prefix cache and a ref-counted active set.

Both are open-addressing hash tables (linear probing, backward-shift deletion) stored in 3-D
int64 arrays, one row per worker, so the kernel never touches a Python object.

* LRU prefix cache ``tab[K|PREV|NEXT, w, i]`` plus ``meta[w] = (head, tail, count)``; the
  doubly linked list runs from most (head) to least (tail) recently used.
* Active set (router bookkeeping) ``tab[K|CNT, w, i]`` plus ``meta[w, COUNT]`` = distinct
  keys: a block shared by several active requests counts once, as in Dynamo's router.

Functions take arrays, never the kernel's State tuple: Numba then passes them borrowed, with
no atomic reference counting on the hot path.
"""
from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = -1
NIL = -1
K, PREV, NEXT = 0, 1, 2   # LRU table planes
CNT = 1                   # active-set plane
M_HEAD, M_TAIL, M_COUNT = 0, 1, 2

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S33 = np.uint64(33)


def new_lru(workers: int, size: int, planes: int = 3):
    """An LRU table; ``planes`` > 3 adds per-entry payload planes (KVBM: frequency, last touch)
    that move with their entry."""
    tab = np.full((planes, workers, size), -1, np.int64)
    meta = np.full((workers, 3), -1, np.int64)
    meta[:, M_COUNT] = 0
    return tab, meta


def new_refset(workers: int, size: int):
    tab = np.full((2, workers, size), -1, np.int64)
    tab[CNT] = 0
    meta = np.zeros((workers, 3), np.int64)
    return tab, meta


@njit(cache=True, inline="always")
def _home(key, mask):
    h = np.uint64(key) * _GOLD
    return np.int64(h >> _S33) & mask


@njit(cache=True, inline="always")
def find(tab, w, key):
    """Slot of ``key`` in row ``w``, or -1."""
    mask = tab.shape[2] - 1
    i = _home(key, mask)
    while True:
        k = tab[K, w, i]
        if k == key:
            return i
        if k == EMPTY:
            return -1
        i = (i + 1) & mask


@njit(cache=True)
def _free_slot(tab, w, key):
    mask = tab.shape[2] - 1
    i = _home(key, mask)
    while tab[K, w, i] != EMPTY:
        i = (i + 1) & mask
    return i


@njit(cache=True)
def _movable(i, j, h):
    """May the entry at j (home h) fill the hole at i? Only if h is outside the cyclic range (i, j]."""
    if j > i:
        return h <= i or h > j
    return h <= i and h > j


# ---------------------------------------------------------------- LRU prefix cache ----
@njit(cache=True)
def _unlink(tab, meta, w, i):
    p = tab[PREV, w, i]
    n = tab[NEXT, w, i]
    if p != NIL:
        tab[NEXT, w, p] = n
    else:
        meta[w, M_HEAD] = n
    if n != NIL:
        tab[PREV, w, n] = p
    else:
        meta[w, M_TAIL] = p


@njit(cache=True)
def _push_front(tab, meta, w, i):
    h = meta[w, M_HEAD]
    tab[PREV, w, i] = NIL
    tab[NEXT, w, i] = h
    if h != NIL:
        tab[PREV, w, h] = i
    else:
        meta[w, M_TAIL] = i
    meta[w, M_HEAD] = i


@njit(cache=True)
def _delete(tab, meta, w, i, lru):
    """Empty slot i, then backward-shift the rest of its probe chain so lookups stay correct.
    In an LRU table (``lru``) a moved entry keeps its place in the recency list; in an active
    set it carries its reference count."""
    if lru:
        _unlink(tab, meta, w, i)
    mask = tab.shape[2] - 1
    tab[K, w, i] = EMPTY
    j = i
    while True:
        j = (j + 1) & mask
        k = tab[K, w, j]
        if k == EMPTY:
            break
        if _movable(i, j, _home(k, mask)):
            tab[K, w, i] = k
            if lru:
                p = tab[PREV, w, j]
                n = tab[NEXT, w, j]
                tab[PREV, w, i] = p
                tab[NEXT, w, i] = n
                if p != NIL:
                    tab[NEXT, w, p] = i
                else:
                    meta[w, M_HEAD] = i
                if n != NIL:
                    tab[PREV, w, n] = i
                else:
                    meta[w, M_TAIL] = i
                for q in range(3, tab.shape[0]):
                    tab[q, w, i] = tab[q, w, j]
            else:
                tab[CNT, w, i] = tab[CNT, w, j]
            tab[K, w, j] = EMPTY
            i = j
    meta[w, M_COUNT] -= 1


@njit(cache=True, inline="always")
def lru_insert(tab, meta, w, key):
    """Insert a key known to be absent as the most recently used entry; returns its slot. The
    caller evicts (KVBM moves the victims down a tier instead of dropping them)."""
    i = _free_slot(tab, w, key)
    tab[K, w, i] = key
    _push_front(tab, meta, w, i)
    meta[w, M_COUNT] += 1
    return i


@njit(cache=True, inline="always")
def lru_promote(tab, meta, w, i):
    """Mark slot i of row w most recently used."""
    _unlink(tab, meta, w, i)
    _push_front(tab, meta, w, i)


@njit(cache=True)
def lru_drop_tail(tab, meta, w):
    """Remove the least recently used entry of row w."""
    _delete(tab, meta, w, meta[w, M_TAIL], True)


@njit(cache=True)
def lru_touch(tab, meta, w, key, limit):
    """Insert ``key`` (or mark it most recently used); evict least recently used entries
    above ``limit``. Returns the number of evicted blocks."""
    i = find(tab, w, key)
    if i >= 0:
        lru_promote(tab, meta, w, i)
        return 0
    if limit <= 0:
        return 0
    lru_insert(tab, meta, w, key)
    evicted = 0
    while meta[w, M_COUNT] > limit:
        lru_drop_tail(tab, meta, w)
        evicted += 1
    return evicted


@njit(cache=True)
def lru_clear(tab, meta, w):
    tab[:, w, :] = EMPTY
    meta[w, M_HEAD] = NIL
    meta[w, M_TAIL] = NIL
    meta[w, M_COUNT] = 0


def lru_keys(tab, meta, w):
    """Keys of row w from most to least recently used (Python, for tests)."""
    out = []
    i = int(meta[w, M_HEAD])
    while i != NIL:
        out.append(int(tab[K, w, i]))
        i = int(tab[NEXT, w, i])
    return out


# ---------------------------------------------------------- ref-counted active set ----
@njit(cache=True)
def ref_add(tab, meta, w, key):
    """Add one reference; returns 1 if the key is new on this worker."""
    i = find(tab, w, key)
    if i >= 0:
        tab[CNT, w, i] += 1
        return 0
    i = _free_slot(tab, w, key)
    tab[K, w, i] = key
    tab[CNT, w, i] = 1
    meta[w, M_COUNT] += 1
    return 1


@njit(cache=True)
def ref_remove(tab, meta, w, key):
    """Drop one reference; the key leaves the set when its count reaches zero."""
    i = find(tab, w, key)
    if i < 0:
        return
    tab[CNT, w, i] -= 1
    if tab[CNT, w, i] == 0:
        _delete(tab, meta, w, i, False)
