"""Pool changes: grow (revive draining workers, then cold-start), shrink (drain), outage (0)."""
from __future__ import annotations

from numba import njit

from . import prefix_cache as kvc
from .decode import maybe_retire_decode
from .layout import (
    DWF_READY_AT,
    DWI_STATE,
    LOG_POOL,
    PWF_READY_AT,
    PWI_STATE,
    SF_TIME,
    SI_DECODE_HI,
    SI_PREFILL_HI,
    W_ACTIVE,
    W_DRAINING,
    W_OFF,
    W_STARTING,
)
from .metrics import mission_log
from .prefill import maybe_retire_prefill


@njit(cache=True, _nrt=False)
def _resize(state, ready_at, tab, meta, n, t, delay):
    """Grow or shrink one pool's state row to ``n`` serving workers; returns the count."""
    W = state.shape[0]
    cur = 0
    for j in range(W):
        if state[j] == W_ACTIVE or state[j] == W_STARTING:
            cur += 1
    if n > W:
        n = W
    while cur < n:
        j = -1
        for i in range(W):
            if state[i] == W_DRAINING:
                j = i
                break
        if j >= 0:
            state[j] = W_ACTIVE       # revive a draining worker: it still has its cache
        else:
            for i in range(W):
                if state[i] == W_OFF:
                    j = i
                    break
            if j < 0:
                break
            kvc.lru_clear(tab, meta, j)  # a cold start: a new process (node), empty caches
            if tab.shape[1] > W:         # and its KVBM DRAM and SSD tiers (G4 is shared, it stays)
                kvc.lru_clear(tab, meta, W + j)
                kvc.lru_clear(tab, meta, 2 * W + j)
            ready_at[j] = t + delay
            state[j] = W_STARTING if delay > 0.0 else W_ACTIVE
        cur += 1
    while cur > n:
        j = -1
        for i in range(W - 1, -1, -1):
            if state[i] == W_STARTING:
                j = i
                break
        if j >= 0:
            state[j] = W_OFF
        else:
            for i in range(W - 1, -1, -1):
                if state[i] == W_ACTIVE:
                    j = i
                    break
            if j < 0:
                break
            state[j] = W_DRAINING
        cur -= 1
    return cur


@njit(cache=True, _nrt=False)
def set_pool_size(st, pool, n, delay):
    """Resize pool 0 (prefill) or 1 (decode) to ``n`` workers (0 = outage). Growing revives
    draining workers first, then cold-starts new ones (serving after ``delay`` s); shrinking
    drains the newest, which finish every request they hold before switching off."""
    t = st.scalars_f[SF_TIME]
    before = 0
    state0 = st.prefill_i[PWI_STATE] if pool == 0 else st.decode_i[DWI_STATE]
    for j in range(state0.shape[0]):
        if state0[j] == W_ACTIVE or state0[j] == W_STARTING:
            before += 1
    if pool == 0:
        cur = _resize(st.prefill_i[PWI_STATE], st.prefill_f[PWF_READY_AT], st.prefill_cache, st.prefill_cache_meta, n,
                      t, delay)
        for j in range(st.prefill_i.shape[1]):
            maybe_retire_prefill(st.prefill_i, j)
    else:
        cur = _resize(st.decode_i[DWI_STATE], st.decode_f[DWF_READY_AT], st.decode_cache, st.decode_cache_meta, n, t,
                      delay)
        for j in range(st.decode_i.shape[1]):
            maybe_retire_decode(st.decode_i, j)
    for p in range(2):
        state = st.prefill_i[PWI_STATE] if p == 0 else st.decode_i[DWI_STATE]
        hi = 0
        for j in range(state.shape[0]):
            if state[j] != W_OFF:
                hi = j + 1
        st.scalars_i[SI_PREFILL_HI if p == 0 else SI_DECODE_HI] = hi
    if cur != before:
        mission_log(st.scalars_i, st.log_t, st.log_codes, st.log_values, t, LOG_POOL, pool, cur, float(before), delay,
                    0.0, 0.0)
    return cur
