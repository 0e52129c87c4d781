"""KVBM, the KV block manager's memory tiers, on the prefill workers' prefix caches.

Tiers: G1 = HBM (the worker's prefix cache), G2 = host DRAM and G3 = local SSD (one each per
worker, i.e. per node), G4 = network storage (one, shared). As in Dynamo's disaggregated
deployments KVBM runs on the prefill side; decode workers keep their plain HBM cache.

* Offload on G1 pressure: the block G1 evicts (least recently used) moves to G2; G2's victim
  moves to G3 and G3's to G4 only if its frequency is >= 2 (Dynamo's disk protection filter);
  G4's victim is gone. Tiers are inclusive: a block offloaded again refreshes its copy. Offloads
  are asynchronous (they cost no request time).
* Onboard on a hit: a prompt's prefix is matched block by block through G1, then G2, G3, G4; a
  block found below G1 is copied up (promoted into G1) and costs the tier's latency once per
  request plus its bytes over the tier's bandwidth, added to the prefill pass that needs it.
* Frequency: 1 when a block is first stored, doubled on every hit (G1 or below), minus 1 per
  ``kvbm_decay_s`` without a hit (never below 1).

Layout: the prefill cache table ``pc[K|PREV|NEXT|RUN|FT, row, slot]`` has rows 0..W-1 = G1 of each
worker, W..2W-1 = G2, 2W..3W-1 = G3, 3W = G4; plane FT packs frequency (low 20 bits) and the
last hit time in milliseconds (high bits), so an entry carries them from tier to tier.
"""
from __future__ import annotations

from numba import njit

from . import prefix_cache as kvc

FT = kvc.LRU_PLANES       # the payload plane of the prefill cache table
PLANES = kvc.LRU_PLANES + 1
TIERS = 4
TIER_NAMES = ("G1 HBM", "G2 DRAM", "G3 SSD", "G4 NET")
F_BITS = 20
F_MASK = (1 << F_BITS) - 1
# P[base + ...]: capacities (blocks) of G1..G4, bandwidths (bytes/s), latencies (s), decay step (s)
CAP, BW, LAT, DECAY = 0, 4, 8, 12
N_PARAMS = 13


@njit(cache=True, inline="always")
def tier_row(g, W, w):
    if g < 3:
        return g * W + w
    return 3 * W


@njit(cache=True, inline="always")
def pack(f, t):
    return (int(t * 1e3) << F_BITS) | f


@njit(cache=True, inline="always")
def frequency(ft, t, decay):
    """An entry's frequency now: its stored value minus one per decay step since its last hit."""
    f = ft & F_MASK
    f -= int((t - (ft >> F_BITS) * 1e-3) / decay)
    return f if f > 1 else 1


@njit(cache=True, inline="always")
def hit(ft, t, decay):
    f = 2 * frequency(ft, t, decay)
    return pack(f if f < F_MASK else F_MASK, t)


@njit(cache=True, _nrt=False)
def offload(params, base, scalars_i, si_off, tab, meta, W, w, key, ft, t):
    """A block evicted from G1 of worker w goes down the tiers while it is worth keeping."""
    for g in range(1, TIERS):
        cap = int(params[base + CAP + g])
        if cap <= 0 or (g >= 2 and frequency(ft, t, params[base + DECAY]) < 2):
            return
        r = tier_row(g, W, w)
        i = kvc.find(tab, r, key)
        if i >= 0:                          # already there (inclusive tiers): refresh it
            if ft > tab[FT, r, i]:
                tab[FT, r, i] = ft
            kvc.lru_promote(tab, meta, r, i)
            return
        i = kvc.lru_insert(tab, meta, r, key)
        tab[FT, r, i] = ft
        scalars_i[si_off + g] += 1
        if meta[r, kvc.M_COUNT] <= cap:
            return
        j = meta[r, kvc.M_TAIL]             # this tier overflows: its victim moves one further down
        key = kvc.key_at(tab, r, j)
        ft = tab[FT, r, j]
        kvc.lru_drop_tail(tab, meta, r)


@njit(cache=True, _nrt=False)
def match(params, base, scalars_i, si_on, tab, W, w, keys, n, bytes_per_block, t):
    """A prompt's prefix match, block by block through G1, then G2-G4 (``keys[:n]``, one key a block).
    Returns (matched blocks, seconds to onboard the ones found below G1); counts onboards."""
    secs = 0.0
    seen = 0                                # tiers already paid a latency for, as a bit set
    b = 0
    while b < n:
        key = keys[b]
        if kvc.find(tab, w, key) >= 0:
            b += 1
            continue
        found = -1
        for g in range(1, TIERS):
            if kvc.find(tab, tier_row(g, W, w), key) >= 0:
                found = g
                break
        if found < 0:
            break
        if (seen >> found) & 1 == 0:
            seen |= 1 << found
            secs += params[base + LAT + found]
        secs += bytes_per_block / params[base + BW + found]
        scalars_i[si_on + found] += 1
        b += 1
    return b, secs


@njit(cache=True, _nrt=False)
def register(params, base, scalars_i, si_off, tab, meta, W, w, keys, n, t):
    """Store a prompt's blocks in G1 of worker w (a hit doubles a block's frequency, a block
    onboarded from below brings its own); G1's victims are offloaded. Returns G1 evictions."""
    limit = int(params[base + CAP])
    decay = params[base + DECAY]
    evicted = 0
    for b in range(n - 1, -1, -1):      # last block first: the prefix stays longest (vLLM's free order)
        key = keys[b]
        i = kvc.find(tab, w, key)
        if i >= 0:
            tab[FT, w, i] = hit(tab[FT, w, i], t, decay)
            kvc.lru_promote(tab, meta, w, i)
            continue
        if limit <= 0:
            continue
        ft = pack(1, t)
        for g in range(1, TIERS):
            r = tier_row(g, W, w)
            j = kvc.find(tab, r, key)
            if j >= 0:                      # onboarded: a hit in that tier
                ft = hit(tab[FT, r, j], t, decay)
                tab[FT, r, j] = ft
                kvc.lru_promote(tab, meta, r, j)
                break
        i = kvc.lru_insert(tab, meta, w, key)
        tab[FT, w, i] = ft
        while meta[w, kvc.M_COUNT] > limit:
            j = meta[w, kvc.M_TAIL]
            vkey = kvc.key_at(tab, w, j)
            vft = tab[FT, w, j]
            kvc.lru_drop_tail(tab, meta, w)
            evicted += 1
            offload(params, base, scalars_i, si_off, tab, meta, W, w, vkey, vft, t)
    return evicted
