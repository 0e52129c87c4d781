"""Per-worker KV block tables for the kernel: an LRU prefix cache and a ref-counted active set.

Both are open-addressing hash tables (linear probing, backward-shift deletion) stored in 3-D
int64 arrays, one row per worker, so the kernel never touches a Python object. They are indexed
``tab[plane, w, i]`` but laid out entry by entry (``_entry_major``): the planes of one entry sit side by side
and a worker's slots follow each other, so a lookup, a relink or an eviction reads one cache line per entry
instead of one per plane.

A row is allocated at its bound (what it may ever have to hold, at most half full) but used from its first
``START_SLOTS`` slots up: a row doubles the slots it uses, rehashing its entries, when an insertion would
make it more than half full (``_make_room``). The allocation is zeros the OS maps lazily, so what a row
never reaches costs no memory and no page faults, and what it does hold stays dense in the CPU's caches.
Where an entry sits never changes what a table answers (no lookup depends on slot order; the recency
list is linked), so the results are those of a table allocated whole. The last slot of every row is not
a table slot: it holds the row's bookkeeping (``ROW_SLOTS``: the slots in use, 0 for ``START_SLOTS``;
``ROW_KEYS``: the entries).

* LRU prefix cache ``tab[K|PREV|NEXT|RUN, w, i]`` plus ``meta[w] = (head, tail, count)``; the
  doubly linked list runs from most (head) to least (tail) recently used.
* Active set (router bookkeeping) ``tab[K|CNT, w, i]`` plus ``meta[w, COUNT]`` = distinct
  blocks: a block shared by several active requests counts once, as in Dynamo's router.

A key stands for one block or, on a replayed trace, for a run of blocks: the blocks of one trace
hash block (``key_blocks``). An LRU entry then holds the run's first ``RUN`` blocks, which are
contiguous in the per-block recency order (the first the most recent): a request touches its blocks
last first, and eviction takes the oldest, so the blocks of a trace block move together and are
lost from the end. ``lru_touch_run`` replays the per-block operations on that entry exactly,
including the cases where they stop moving together (the entry being evicted while it is touched,
a run larger than the cache). ``meta[w, COUNT]`` counts blocks either way.

Functions take arrays, never the kernel's State tuple (their callers unpack them from the records of
borrowed views, ``layout.Caches``), and run without Numba's reference counting (``borrow.py``) but ``_grow``,
which allocates the copy of the row it rehashes.
"""
from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = 0     # a free slot; a slot holds key + 1 (no key is -1), so fresh tables are zeros the OS maps lazily
NIL = -1
K, PREV, NEXT, RUN = 0, 1, 2, 3   # LRU table planes (RUN: blocks of the key's run present)
LRU_PLANES = 4                    # payload planes (KVBM) follow
CNT = 1                           # active-set plane
ROW_SLOTS, ROW_KEYS = 0, 1        # planes of a row's last slot: slots in use (0: START_SLOTS), entries held
START_SLOTS = 64                  # a new row's slots: 64 x 32 B is 2 KB of an LRU row, well inside a 4 KB page and L1
M_HEAD, M_TAIL, M_COUNT = 0, 1, 2

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S33 = np.uint64(33)

# Keys of block runs: -2 - RUN_KEYS - (hash id << RUN_BITS | blocks), below every per-block key (synthetic
# keys are >= 0, per-block trace keys are -2 - (hash id * blocks per trace block + sub-block) > -2 - 2^50)
RUN_BITS = 10
MAX_RUN = (1 << RUN_BITS) - 1
RUN_KEYS = 1 << 52


@njit(cache=True, inline="always")
def run_key(h, blocks):
    """The key of the ``blocks`` blocks of trace hash id ``h`` (hash ids < 2^40, blocks <= MAX_RUN)."""
    return -2 - RUN_KEYS - ((np.int64(h) << RUN_BITS) | blocks)


@njit(cache=True, inline="always")
def key_blocks(key):
    """How many blocks ``key`` stands for: 1, or a run's length."""
    if key > -2 - RUN_KEYS:
        return 1
    return (-2 - RUN_KEYS - key) & MAX_RUN


@njit(cache=True, inline="always")
def is_run(key):
    """Whether ``key`` is a run's (a run may be one block long: a prompt's partial last trace block)."""
    return key <= -2 - RUN_KEYS


@njit(cache=True, inline="always")
def run_block_key(key, per, q):
    """The per-block key of block ``q`` of run ``key``, whose trace blocks hold ``per`` blocks each: what
    ``workload.traces.trace_block_key`` gives that block when a replay keys its blocks one by one."""
    h = (-2 - RUN_KEYS - key) >> RUN_BITS
    return -2 - (h * per + q)


def _entry_major(planes: int, workers: int, size: int):
    """A zeroed table indexed ``[plane, worker, slot]`` whose memory runs worker, slot, plane (see above):
    ``size`` slots (a power of two) a row, plus its bookkeeping slot."""
    if size < 2 or size & (size - 1):
        raise ValueError(f"size: must be a power of two >= 2, got {size}")
    return np.zeros((workers, size + 1, planes), np.int64).transpose(2, 0, 1)


def new_lru(workers: int, size: int, planes: int = LRU_PLANES):
    """An LRU table; ``planes`` > LRU_PLANES adds per-entry payload planes (KVBM: frequency, last
    touch) that move with their entry."""
    tab = _entry_major(planes, workers, size)
    meta = np.full((workers, 3), -1, np.int64)
    meta[:, M_COUNT] = 0
    return tab, meta


def new_refset(workers: int, size: int, meta_columns: int = 3):
    """A ref-counted set; ``meta_columns`` > 3 gives each row's bookkeeping columns of the caller's after M_*."""
    tab = _entry_major(2, workers, size)
    meta = np.zeros((workers, meta_columns), np.int64)
    return tab, meta


@njit(cache=True, inline="always")
def home_slot(key, mask):
    """Where ``key``'s probe starts in a table of ``mask + 1`` slots (Fibonacci hashing)."""
    h = np.uint64(key) * _GOLD
    return np.int64(h >> _S33) & mask


@njit(cache=True, inline="always")
def row_size(tab):
    """The slots a row may use at most; also where its bookkeeping slot sits (just past them)."""
    return tab.shape[2] - 1


@njit(cache=True, inline="always")
def row_slots(tab, w):
    """The slots row ``w`` uses now (a power of two, at most the table's size)."""
    n = tab[ROW_SLOTS, w, row_size(tab)]
    if n == 0:
        size = row_size(tab)
        return START_SLOTS if START_SLOTS < size else size
    return n


@njit(cache=True, inline="always")
def row_keys(tab, w):
    """The entries row ``w`` holds."""
    return tab[ROW_KEYS, w, row_size(tab)]


@njit(cache=True, _nrt=True)
def _grow(tab, meta, w, lru, want):
    """Rehash row ``w`` into ``want`` slots (a power of two, at most the table's size). In an LRU row the
    recency links and the head and tail follow their entries to their new slots."""
    old = row_slots(tab, w)
    planes = tab.shape[0]
    saved = np.empty((planes, old), np.int64)
    for q in range(planes):
        for i in range(old):
            saved[q, i] = tab[q, w, i]
            tab[q, w, i] = EMPTY
    tab[ROW_SLOTS, w, row_size(tab)] = want
    mask = want - 1
    moved = np.full(old, NIL, np.int64)
    for i in range(old):
        k = saved[K, i]
        if k == EMPTY:
            continue
        j = home_slot(k - 1, mask)
        while tab[K, w, j] != EMPTY:
            j = (j + 1) & mask
        moved[i] = j
        for q in range(planes):
            tab[q, w, j] = saved[q, i]
    if lru:
        for i in range(old):
            j = moved[i]
            if j == NIL:
                continue
            if saved[PREV, i] != NIL:
                tab[PREV, w, j] = moved[saved[PREV, i]]
            if saved[NEXT, i] != NIL:
                tab[NEXT, w, j] = moved[saved[NEXT, i]]
        if meta[w, M_HEAD] != NIL:
            meta[w, M_HEAD] = moved[meta[w, M_HEAD]]
            meta[w, M_TAIL] = moved[meta[w, M_TAIL]]


@njit(cache=True, inline="always")
def _make_room(tab, meta, w, lru):
    """Before an insertion: keep row ``w`` at most half full, doubling the slots it uses if need be."""
    slots = row_slots(tab, w)
    if 2 * (row_keys(tab, w) + 1) > slots and slots < row_size(tab):
        _grow(tab, meta, w, lru, 2 * slots)


@njit(cache=True, inline="always")
def find(tab, w, key):
    """Slot of ``key`` in row ``w``, or -1."""
    mask = row_slots(tab, w) - 1
    i = home_slot(key, mask)
    stored = key + 1
    while True:
        k = tab[K, w, i]
        if k == stored:
            return i
        if k == EMPTY:
            return -1
        i = (i + 1) & mask


@njit(cache=True, _nrt=False)
def _free_slot(tab, w, key):
    """The slot a new ``key`` takes (the caller made room), counted as held."""
    mask = row_slots(tab, w) - 1
    i = home_slot(key, mask)
    while tab[K, w, i] != EMPTY:
        i = (i + 1) & mask
    tab[ROW_KEYS, w, row_size(tab)] += 1
    return i


@njit(cache=True, _nrt=False)
def _movable(i, j, h):
    """May the entry at j (home h) fill the hole at i? Only if h is outside the cyclic range (i, j]."""
    if j > i:
        return h <= i or h > j
    return h <= i and h > j


# ---------------------------------------------------------------- LRU prefix cache ----
@njit(cache=True, _nrt=False)
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


@njit(cache=True, _nrt=False)
def _push_front(tab, meta, w, i):
    h = meta[w, M_HEAD]
    tab[PREV, w, i] = NIL
    tab[NEXT, w, i] = h
    if h != NIL:
        tab[PREV, w, h] = i
    else:
        meta[w, M_TAIL] = i
    meta[w, M_HEAD] = i


@njit(cache=True, _nrt=False)
def _delete(tab, meta, w, i, lru):
    """Empty slot i (its blocks leave the count), then backward-shift the rest of its probe chain so
    lookups stay correct.
    In an LRU table (``lru``) a moved entry keeps its place in the recency list; in an active
    set it carries its reference count."""
    if lru:
        _unlink(tab, meta, w, i)
        meta[w, M_COUNT] -= tab[RUN, w, i]
    else:
        meta[w, M_COUNT] -= key_blocks(tab[K, w, i] - 1)
    tab[ROW_KEYS, w, row_size(tab)] -= 1
    mask = row_slots(tab, w) - 1
    tab[K, w, i] = EMPTY
    j = i
    while True:
        j = (j + 1) & mask
        k = tab[K, w, j]
        if k == EMPTY:
            break
        if _movable(i, j, home_slot(k - 1, mask)):
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
                for q in range(RUN, tab.shape[0]):
                    tab[q, w, i] = tab[q, w, j]
            else:
                tab[CNT, w, i] = tab[CNT, w, j]
            tab[K, w, j] = EMPTY
            i = j


@njit(cache=True, inline="always")
def lru_insert(tab, meta, w, key, blocks=1):
    """Insert a key known to be absent, holding ``blocks`` blocks, as the most recently used entry;
    returns its slot. The caller evicts (KVBM moves the victims down a tier instead of dropping them).
    Slots the caller holds in row ``w`` may move (the row can grow): find them again."""
    _make_room(tab, meta, w, True)
    i = _free_slot(tab, w, key)
    tab[K, w, i] = key + 1
    tab[RUN, w, i] = blocks
    _push_front(tab, meta, w, i)
    meta[w, M_COUNT] += blocks
    return i


@njit(cache=True, inline="always")
def lru_promote(tab, meta, w, i):
    """Mark slot i of row w most recently used."""
    _unlink(tab, meta, w, i)
    _push_front(tab, meta, w, i)


@njit(cache=True, _nrt=False)
def lru_drop_tail(tab, meta, w):
    """Remove the least recently used entry of row w."""
    _delete(tab, meta, w, meta[w, M_TAIL], True)


@njit(cache=True, inline="always")
def evict_block(tab, meta, w):
    """Evict the least recently used block of row w: the last of the oldest entry's run."""
    j = meta[w, M_TAIL]
    tab[RUN, w, j] -= 1
    meta[w, M_COUNT] -= 1
    if tab[RUN, w, j] == 0:
        _delete(tab, meta, w, j, True)


@njit(cache=True, _nrt=False)
def lru_touch(tab, meta, w, key, limit):
    """Insert the one-block ``key`` (or mark it most recently used); evict least recently used blocks
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
        evict_block(tab, meta, w)
        evicted += 1
    return evicted


@njit(cache=True, _nrt=False)
def _reaches(tab, meta, w, key, blocks):
    """Is ``key`` among the entries holding the oldest ``blocks`` blocks of row w?"""
    j = meta[w, M_TAIL]
    while blocks > 0 and j != NIL:
        if tab[K, w, j] == key + 1:
            return True
        blocks -= tab[RUN, w, j]
        j = tab[PREV, w, j]
    return False


@njit(cache=True, _nrt=False)
def _evict_oldest(tab, meta, w, blocks):
    """Evict the ``blocks`` least recently used blocks of row w (whole runs, then the end of one)."""
    while blocks > 0:
        j = meta[w, M_TAIL]
        take = tab[RUN, w, j]
        if take > blocks:
            take = blocks
        tab[RUN, w, j] -= take
        meta[w, M_COUNT] -= take
        blocks -= take
        if tab[RUN, w, j] == 0:
            _delete(tab, meta, w, j, True)


@njit(cache=True, _nrt=False)
def lru_touch_run(tab, meta, w, key, n, limit):
    """``lru_touch`` of each block of the run ``key`` (``n`` blocks), last first, as one entry: the
    same blocks present, in the same order, and the same evictions as block by block. Returns the
    number of evicted blocks."""
    if n == 1:
        return lru_touch(tab, meta, w, key, limit)
    i = find(tab, w, key)
    present = tab[RUN, w, i] if i >= 0 else 0
    if present >= n or limit <= 0:
        # every block is there (each is moved to the front), or none may be added (those there are)
        if i >= 0:
            lru_promote(tab, meta, w, i)
        return 0
    if meta[w, M_COUNT] + n - present <= limit:
        # room for the missing blocks: nothing is evicted
        if i >= 0:
            tab[RUN, w, i] = n
            meta[w, M_COUNT] += n - present
            lru_promote(tab, meta, w, i)
        else:
            lru_insert(tab, meta, w, key, n)
        return 0
    excess = meta[w, M_COUNT] + n - present - limit       # blocks to evict, > 0
    if n <= limit and (i < 0 or not _reaches(tab, meta, w, key, excess)):
        # the oldest ``excess`` blocks are others' (the usual case of a full cache): block by block would
        # evict exactly them, one per block added, and move the entry's own blocks to the front
        _evict_oldest(tab, meta, w, excess)
        if i >= 0:
            i = find(tab, w, key)         # evictions may have moved its slot
            tab[RUN, w, i] = n
            meta[w, M_COUNT] += n - present
            lru_promote(tab, meta, w, i)
        else:
            lru_insert(tab, meta, w, key, n)
        return excess
    # Block by block, last first. The blocks touched so far form a run at the front (``front`` of
    # them: the newest is the one just touched, the oldest is evicted first once nothing else is left);
    # the entry's own blocks (``present``, where they were) are moved to it one by one or are evicted
    # from the tail like any other block, before their turn comes (then they are added again).
    front = 0
    evicted = 0
    for b in range(n - 1, -1, -1):
        if b < present:
            # block b is the entry's last: to the front
            i = find(tab, w, key)
            tab[RUN, w, i] -= 1
            meta[w, M_COUNT] -= 1
            present -= 1
            front += 1
            if present == 0:
                _delete(tab, meta, w, i, True)
            continue
        front += 1
        while meta[w, M_COUNT] + front > limit:
            if meta[w, M_COUNT] > 0:
                if tab[K, w, meta[w, M_TAIL]] == key + 1:
                    present -= 1
                evict_block(tab, meta, w)
            else:
                front -= 1          # the run itself is larger than the cache: its oldest block goes
            evicted += 1
    if front > 0:
        lru_insert(tab, meta, w, key, front)
    return evicted


@njit(cache=True, _nrt=False)
def lru_clear(tab, meta, w):
    """Empty row ``w``; it starts again from ``START_SLOTS`` slots (what it never reached stays unmapped)."""
    tab[:, w, :row_slots(tab, w)] = EMPTY
    tab[:, w, row_size(tab)] = EMPTY
    meta[w, M_HEAD] = NIL
    meta[w, M_TAIL] = NIL
    meta[w, M_COUNT] = 0


@njit(cache=True, inline="always")
def key_at(tab, w, i):
    """The key an occupied slot holds (slots store key + 1, so that a free slot is EMPTY = 0)."""
    return tab[K, w, i] - 1


def _recency(tab, meta, w):
    """Slots of row w from most to least recently used (Python, for tests); a list that does not end
    after the row's entries, or whose tail is not the row's, is broken (AssertionError, not a hang)."""
    out = []
    i = int(meta[w, M_HEAD])
    while i != NIL:
        assert len(out) < row_keys(tab, w), f"row {w}: the recency list runs past its {row_keys(tab, w)} entries"
        out.append(i)
        i = int(tab[NEXT, w, i])
    assert not out or out[-1] == meta[w, M_TAIL], f"row {w}: the recency list does not end at the tail"
    return out


def lru_keys(tab, meta, w):
    """Keys of row w from most to least recently used (Python, for tests)."""
    return [int(key_at(tab, w, i)) for i in _recency(tab, meta, w)]


def lru_runs(tab, meta, w):
    """(key, blocks present) of row w from most to least recently used (Python, for tests)."""
    return [(int(key_at(tab, w, i)), int(tab[RUN, w, i])) for i in _recency(tab, meta, w)]


# ---------------------------------------------------------- ref-counted active set ----
@njit(cache=True, _nrt=False)
def ref_add(tab, meta, w, key):
    """Add one reference; returns 1 if the key is new on this worker."""
    i = find(tab, w, key)
    if i >= 0:
        tab[CNT, w, i] += 1
        return 0
    _make_room(tab, meta, w, False)
    i = _free_slot(tab, w, key)
    tab[K, w, i] = key + 1
    tab[CNT, w, i] = 1
    meta[w, M_COUNT] += key_blocks(key)
    return 1


@njit(cache=True, _nrt=False)
def ref_remove(tab, meta, w, key):
    """Drop one reference; the key leaves the set when its count reaches zero."""
    i = find(tab, w, key)
    if i < 0:
        return
    tab[CNT, w, i] -= 1
    if tab[CNT, w, i] == 0:
        _delete(tab, meta, w, i, False)
