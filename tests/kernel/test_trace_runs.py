"""A trace's blocks kept as runs (one key per hash block) give exactly what one key per block gives.

The reference is the per-block path itself (``block_keys="blocks"``): the LRU operations are checked
against a plain list of blocks, whole replays against the per-block replay, bit for bit.
"""
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import orbits_widget as ow
from orbits_widget.kernel import layout as L
from orbits_widget.kernel import prefix_cache as kvc
from orbits_widget.kernel import trace_runs
from orbits_widget.workload import families
from orbits_widget.workload.traces import forget_traces, load_trace, trace_block_key


# ------------------------------------------------------------------ one LRU row, block by block --
def _touch_block(blocks, block, limit):
    """vLLM's prefix cache as a list of blocks, most recent first: the per-block semantics."""
    if block in blocks:
        blocks.remove(block)
        blocks.insert(0, block)
        return 0
    if limit <= 0:
        return 0
    blocks.insert(0, block)
    evicted = 0
    while len(blocks) > limit:
        blocks.pop()
        evicted += 1
    return evicted


def _expand(tab, meta, w):
    out = []
    for key, present in kvc.lru_runs(tab, meta, w):
        n = kvc.key_blocks(key)
        h = (-2 - kvc.RUN_KEYS - key) >> kvc.RUN_BITS if n > 1 else key
        out += [(h, b) for b in range(present)] if n > 1 else [(key, 0)]
    return out


requests_st = st.lists(st.lists(st.integers(0, 15), min_size=1, max_size=6), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(requests_st, st.sampled_from([2, 3, 8, 32]), st.integers(-1, 70))
def test_runs_touch_like_blocks(requests, per, limit):
    """Prompts of up to six hash blocks (some ids one block long, the others ``per``), recorded last block
    first, into a cache of ``limit`` blocks: the same blocks, in the same order, the same evictions. Small
    limits make runs larger than the cache and runs evicted while they are touched."""
    tab, meta = kvc.new_lru(2, 512)
    blocks = []
    for hashes in requests:
        ev_blocks = ev_runs = 0
        for h in reversed(hashes):
            n = per if h % 4 else 1
            key = kvc.run_key(h, n) if n > 1 else h
            for b in range(n - 1, -1, -1):
                ev_blocks += _touch_block(blocks, (h if n > 1 else key, b), limit)
            ev_runs += kvc.lru_touch_run(tab, meta, 1, key, n, limit)
        assert ev_runs == ev_blocks
        assert _expand(tab, meta, 1) == blocks
        assert meta[1, kvc.M_COUNT] == len(blocks)
    assert meta[0, kvc.M_COUNT] == 0


def test_a_run_keys_its_length():
    for h, n in ((0, 2), (12345, 8), (2**40 - 1, kvc.MAX_RUN)):
        key = kvc.run_key(h, n)
        assert kvc.key_blocks(key) == n
        assert key < -2 - (2**40 - 1) * 512 - 511        # below every per-block trace key
    assert kvc.key_blocks(7) == 1 and kvc.key_blocks(-2 - 5 * 8 - 3) == 1


def test_refset_counts_the_blocks_of_runs():
    tab, meta = kvc.new_refset(1, 64)
    a, b = kvc.run_key(3, 8), kvc.run_key(4, 5)
    kvc.ref_add(tab, meta, 0, a)
    kvc.ref_add(tab, meta, 0, a)
    kvc.ref_add(tab, meta, 0, b)
    kvc.ref_add(tab, meta, 0, 99)
    assert meta[0, kvc.M_COUNT] == 8 + 5 + 1
    kvc.ref_remove(tab, meta, 0, a)
    assert meta[0, kvc.M_COUNT] == 14
    kvc.ref_remove(tab, meta, 0, a)
    kvc.ref_remove(tab, meta, 0, b)
    assert meta[0, kvc.M_COUNT] == 1


# ------------------------------------------------------------------------ which ids are split --
def _write(path, rows):
    with open(path, "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return str(path)


def test_split_hashes_finds_ids_of_two_lengths(tmp_path):
    rows = [
        {"timestamp": 0, "input_length": 1024 + 100, "output_length": 4, "hash_ids": [1, 2, 3]},   # 3: 1 block
        {"timestamp": 1, "input_length": 1024 + 512, "output_length": 4, "hash_ids": [1, 2, 3]},   # 3: 8 blocks
        {"timestamp": 2, "input_length": 512 + 200, "output_length": 4, "hash_ids": [5, 6]},       # 6: 3 blocks
        {"timestamp": 3, "input_length": 512 + 200, "output_length": 4, "hash_ids": [5, 6]},       # 6: 3 again
        {"timestamp": 4, "input_length": 300, "output_length": 4, "hash_ids": [7]},                 # 7: 4 blocks
        {"timestamp": 5, "input_length": 600, "output_length": 4, "hash_ids": [7, 8]},              # 7: 8 blocks
    ]
    tr = load_trace(_write(tmp_path / "t.jsonl", rows))
    tr_i, _, hashes = tr.kernel_arrays()
    split = trace_runs.split_hashes(tr_i, hashes, 64, 512)
    assert split.tolist() == [3, 7]
    assert trace_runs.split_hashes_sparse(tr_i, hashes, 64, 512).tolist() == [3, 7]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 5 * 512), st.lists(st.integers(0, 12), min_size=1, max_size=6)),
                min_size=1, max_size=40),
       st.sampled_from([(64, 512), (16, 512), (128, 512), (64, 256)]))
def test_split_hashes_two_ways_agree(lines, sizes):
    """Counting ids in an array indexed by id (dense ids) finds the split ids the hash set of candidates
    finds, on lines of random lengths whose few ids recur at random places."""
    bs, tbs = sizes
    isl = np.array([n for n, _ in lines], np.int64)
    n_h = np.array([len(h) for _, h in lines], np.int64)
    tr_i = np.zeros((4, len(lines)), np.int64)
    tr_i[0], tr_i[1], tr_i[3] = isl, 1, n_h
    tr_i[2, 1:] = np.cumsum(n_h)[:-1]
    hashes = np.array([x for _, h in lines for x in h], np.int32)
    sparse = trace_runs.split_hashes_sparse(tr_i, hashes, bs, tbs)
    dense = trace_runs.split_hashes_dense(tr_i, hashes, bs, tbs, int(hashes.max()))
    assert dense.tolist() == sparse.tolist()
    assert trace_runs.split_hashes(tr_i, hashes, bs, tbs).tolist() == sparse.tolist()


def test_runs_apply_only_where_exact():
    assert trace_runs.runs_apply(64, 512) == 8
    assert trace_runs.runs_apply(16, 512) == 32
    assert trace_runs.runs_apply(64, 64) == 0         # one block per hash id: nothing to gain
    assert trace_runs.runs_apply(64, 100) == 0        # not a whole number of blocks


def test_a_run_spells_out_its_per_block_keys():
    """A run's blocks, spelled out for the KVBM tiers, are the keys the per-block path gives them."""
    hashes = np.array([7, 123456, 2**39 + 5], np.int64)
    for per in (2, 8, 32):
        for j, h in enumerate(hashes):
            for m in (1, per):
                key = kvc.run_key(h, m)
                assert kvc.is_run(key)
                got = [kvc.run_block_key(key, per, q) for q in range(m)]
                want = [trace_block_key(hashes, 0, j * per + q, 16, 16 * per) for q in range(m)]
                assert got == want
    assert not kvc.is_run(-2 - 5 * 8 - 3) and not kvc.is_run(7)


# ------------------------------------------------------------------------- whole replays, exact --
def _replay(trace, block_keys, **kw):
    sim = ow.Simulation(profile=kw.pop("profile", "dynamo-mocker-1p2d"), trace=trace, history=max(1, len(trace)),
                        block_keys=block_keys, **kw)
    sim.run(seconds=None)
    st = sim._st
    tables = {name: getattr(st, name)[:, kvc.M_COUNT].copy()
              for name in ("prefill_cache_meta", "decode_cache_meta", "active_blocks_meta", "held_blocks_meta")}
    return sim, tables, int(st.scalars_i[L.SI_EVICTED]), int(st.iparams[L.I_TRACE_RUNS])


def assert_same_replay(trace, expect_runs=True, **kw):
    a, ta, ea, per_a = _replay(trace, "blocks", **kw)
    b, tb, eb, per_b = _replay(trace, "runs", **dict(kw))
    assert per_a == 0
    assert (per_b > 0) == expect_runs
    ra, rb = a.requests(), b.requests()
    assert ra.keys() == rb.keys()
    for k in ra:
        np.testing.assert_array_equal(ra[k], rb[k], err_msg=k)
    sa, sb = a.summary(), b.summary()
    assert json.dumps(sa, sort_keys=True, default=str) == json.dumps(sb, sort_keys=True, default=str)
    assert a.counters() == b.counters()
    ka, kb = a.kvbm(), b.kvbm()
    for k in ka:
        np.testing.assert_array_equal(ka[k], kb[k], err_msg=k)
    assert ea == eb
    for name in ta:
        np.testing.assert_array_equal(ta[name], tb[name], err_msg=name)
    return a, b


MOONCAKE = "tests/data/mooncake_synthetic.jsonl"


@pytest.mark.parametrize("n_prefill,n_decode,overrides", [
    (1, 2, {}),
    (2, 2, {"decode_routing": "v090"}),                          # the router's active sets, by run
    (1, 2, {"decode_routing": "paper", "kv_capacity_tokens": 200_000}),   # decode caches under eviction
    (2, 4, {"block_size": 16, "kv_capacity_tokens": 300_000}),  # 32 blocks a run, prefill caches evicting
])
def test_mooncake_replays_the_same(n_prefill, n_decode, overrides):
    tr = load_trace(MOONCAKE).head(1500)
    a, _ = assert_same_replay(tr, concurrency=None, n_prefill=n_prefill, n_decode=n_decode, **overrides)
    assert a.summary()["completed"] == 1500


@pytest.mark.parametrize("family", sorted(families.FAMILIES))
def test_families_replay_the_same(family, tmp_path):
    path = families.write_family(family, str(tmp_path))
    tr = load_trace(path)
    assert_same_replay(tr, concurrency=None, n_prefill=1, n_decode=2, kv_capacity_tokens=400_000)
    assert_same_replay(tr, concurrency=16, n_prefill=2, n_decode=2, decode_routing="v090")
    forget_traces()


@pytest.mark.parametrize("block_size", [16, 64])
def test_kvbm_tiers_replay_the_same(block_size):
    """Under KVBM tiers the prefill caches keep a key per block while the rest keeps runs: the same replay,
    with blocks offloaded down to G3 and onboarded back (G2 and G3 made small enough to overflow)."""
    tr = load_trace(MOONCAKE).head(400)
    tiers = dict(kvbm="on", kv_capacity_tokens=150_000, block_size=block_size,
                 kvbm_dram_gb=0.5, kvbm_ssd_gb=2.0)
    a, _ = assert_same_replay(tr, concurrency=None, n_prefill=2, n_decode=2, **tiers)
    k = a.kvbm()
    assert k["kvbm_tiers"] and k["kvbm_offloads"][1] > 0 and k["kvbm_offloads"][2] > 0
    assert k["kvbm_onboards"][1:].sum() > 0


trace_st = st.lists(
    st.tuples(st.integers(1, 6 * 512),                   # prompt tokens
              st.integers(1, 40),                        # output tokens
              st.integers(0, 2),                         # which of three shared prefixes it starts with
              st.integers(0, 5),                         # hash ids it shares with that prefix
              st.booleans()),                            # its last hash id reused from another line
    min_size=1, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trace_st, st.sampled_from([16, 64, 128]), st.integers(0, 400), st.sampled_from(["dynamo", "v090", "paper"]),
       st.sampled_from([None, (0.2, 0.5), (1.0, 4.0)]))
def test_random_traces_replay_the_same(tmp_path, lines, block_size, cache_blocks, decode_routing, tiers):
    """Random traces with shared prefixes, partial last blocks and ids reused at other lengths (split ids),
    through caches small enough to evict inside runs, and with KVBM tiers of a few blocks (GB of G2, G3) or
    the profile's ``kvbm="auto"``: the replay is the per-block one, bit for bit. (A decode worker's KV must
    hold the longest line: 6 x 512 + 40 tokens.)"""
    rows = []
    fresh = 1000
    last_ids = []
    for i, (isl, osl, prefix, shared, reuse) in enumerate(lines):
        n = math.ceil(isl / 512)
        ids = [prefix * 100 + j for j in range(min(shared, n))]
        while len(ids) < n:
            ids.append(fresh)
            fresh += 1
        if reuse and last_ids:
            ids[-1] = last_ids[i % len(last_ids)]
        last_ids.append(ids[-1])
        rows.append({"timestamp": 50 * i, "input_length": isl, "output_length": osl, "hash_ids": ids})
    tr = load_trace(_write(tmp_path / f"r{len(rows)}-{block_size}-{cache_blocks}.jsonl", rows))
    kvbm = {} if tiers is None else dict(kvbm="on", kvbm_dram_gb=tiers[0], kvbm_ssd_gb=tiers[1])
    assert_same_replay(tr, concurrency=None, n_prefill=1, n_decode=2, block_size=block_size,
                       kv_capacity_tokens=3200 + cache_blocks * block_size, decode_routing=decode_routing, **kvbm)
    forget_traces()
