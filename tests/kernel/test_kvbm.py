"""KVBM tiers G1-G4: offload on G1 pressure, onboard on a hit, the frequency filter, live readouts."""
import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel import kvbm
from orbits_widget.kernel import prefix_cache as kvc

# a what-if that overflows HBM: many long templates, a small G1, small DRAM and SSD tiers
SPILL = dict(templates=400, prompt_tokens=1024, kv_capacity_tokens=120_000, kvbm_dram_gb=20.0,
             kvbm_ssd_gb=60.0, max_workers=2)


def params(caps, decay=60.0):
    P = np.zeros(kvbm.N_PARAMS)
    P[kvbm.CAP:kvbm.CAP + 4] = caps
    P[kvbm.BW:kvbm.BW + 4] = [np.inf, 1e9, 1e8, 1e7]
    P[kvbm.LAT:kvbm.LAT + 4] = [0.0, 1e-5, 1e-4, 1e-3]
    P[kvbm.DECAY] = decay
    return P


def test_frequency_starts_at_one_doubles_on_hits_and_decays():
    ft = kvbm.pack(1, 10.0)
    assert kvbm.frequency(ft, 10.0, 60.0) == 1
    ft = kvbm.hit(ft, 11.0, 60.0)
    ft = kvbm.hit(ft, 12.0, 60.0)
    assert kvbm.frequency(ft, 12.0, 60.0) == 4
    assert kvbm.frequency(ft, 12.0 + 2 * 60.0 + 1, 60.0) == 2     # minus one per decay step
    assert kvbm.frequency(ft, 12.0 + 100 * 60.0, 60.0) == 1       # never below 1


def test_g1_victims_go_down_the_tiers_and_only_frequent_blocks_reach_ssd():
    W = 1
    tab, meta = kvc.new_lru(3 * W + 1, 64, kvbm.PLANES)
    si = np.zeros(8, np.int64)
    P = params([2, 2, 2, 100])
    keys = np.arange(100, 106, dtype=np.int64)
    # blocks 100, 101 are hit once more (frequency 2) before they are pushed out
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, keys[:2], 2, 0.0)
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, keys[:2], 2, 1.0)
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, keys[2:], 4, 2.0)
    g1 = set(kvc.lru_keys(tab, meta, 0))
    g2 = set(kvc.lru_keys(tab, meta, 1))
    g3 = set(kvc.lru_keys(tab, meta, 2))
    # the 4-block prompt goes in last block first (vLLM's free order): its head stays in G1
    assert g1 == {102, 103} and g2 == {104, 105}
    assert g3 == {100, 101}                 # frequency 2: kept on SSD
    assert si[4 + 1] == 4 and si[4 + 2] == 2 and si[4 + 3] == 0
    # once-seen blocks are dropped at the G2 -> G3 step (the disk protection filter)
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, np.array([106, 107], np.int64), 2, 3.0)
    assert set(kvc.lru_keys(tab, meta, 2)) == {100, 101}
    assert set(kvc.lru_keys(tab, meta, 1)) == {102, 103}


def test_a_hit_below_g1_is_onboarded_and_costs_latency_plus_bytes():
    W = 1
    tab, meta = kvc.new_lru(3 * W + 1, 64, kvbm.PLANES)
    si = np.zeros(8, np.int64)
    P = params([2, 8, 8, 8])
    # last block first into a 2-block G1: the head 1, 2 stays, the tail 3, 4 goes to G2
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, np.array([1, 2, 3, 4], np.int64), 4, 0.0)
    assert set(kvc.lru_keys(tab, meta, 1)) == {3, 4}
    keys = np.array([3, 4, 1, 9], np.int64)
    matched, secs = kvbm.match(P, 0, si, 0, tab, W, 0, keys, 4, 1000.0, 5.0)
    assert matched == 3                     # 3, 4 from G2, 1 in G1, 9 nowhere
    assert si[1] == 2
    assert secs == pytest.approx(1e-5 + 2 * 1000.0 / 1e9)
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, keys[:2], 2, 5.0)
    assert set(kvc.lru_keys(tab, meta, 0)) == {3, 4}   # promoted into G1, still in G2 (inclusive)
    assert {3, 4} <= set(kvc.lru_keys(tab, meta, 1))


def test_the_papers_workload_never_leaves_g1():
    a = ow.Simulation(concurrency=96, seed=0)
    b = ow.Simulation(concurrency=96, seed=0, kvbm="on")
    ra, rb = a.run(60).summary(), b.run(60).summary()
    assert ra == rb
    k = b.kvbm()
    assert k["kvbm_tiers"] and k["kvbm_blocks"][1:].sum() == 0
    assert k["kvbm_offloads"].sum() == 0 and k["kvbm_onboards"].sum() == 0
    assert k["kvbm_blocks"][0] == 5 * 128 // 16        # 5 templates x 8 blocks, all in HBM


def test_a_workload_that_overflows_hbm_spills_and_kvbm_pays_off():
    on = ow.Simulation(concurrency=64, seed=0, **SPILL)
    off = ow.Simulation(concurrency=64, seed=0, kvbm="off", **SPILL)
    r_on, r_off = on.run(120), off.run(120)
    k = on.live()
    assert k["kvbm_tiers"]
    assert np.all(k["kvbm_offloads"][1:] > 0) and np.all(k["kvbm_onboards"][1:] > 0)
    assert np.all(k["kvbm_blocks"] <= k["kvbm_capacity_blocks"])
    assert np.all(k["kvbm_blocks"][:3] == k["kvbm_capacity_blocks"][:3])    # full: the workload overflows
    # blocks found below HBM are not recomputed
    assert r_on["cache_hit_rate"] > r_off["cache_hit_rate"] + 0.2
    assert r_on["prefill_util"] < r_off["prefill_util"]
    assert r_on["ttft_p50_ms"] < r_off["ttft_p50_ms"]


def test_fast_decay_keeps_everything_off_the_disk():
    sim = ow.Simulation(concurrency=64, seed=0, kvbm_decay_s=1e-3, **SPILL)
    sim.step(60)
    k = sim.kvbm()
    assert k["kvbm_offloads"][1] > 0 and k["kvbm_offloads"][2] == 0 and k["kvbm_offloads"][3] == 0


def test_a_cold_started_prefill_worker_has_empty_dram_and_ssd_but_g4_stays():
    sim = ow.Simulation(concurrency=64, seed=0, **SPILL)
    sim.step(60)
    before = sim.kvbm()["kvbm_blocks"]
    assert before[3] > 0
    sim.n_prefill = 0
    sim.step(1.0)
    sim.n_prefill = 1
    k = sim.kvbm()["kvbm_blocks"]
    assert k[0] == k[1] == k[2] == 0 and k[3] == before[3]


@pytest.mark.parametrize("kw,field", [(dict(kvbm="maybe"), "kvbm"), (dict(kvbm_dram_gb=-1.0), "kvbm_dram_gb"),
                                      (dict(kvbm_ssd_gb_s=0.0), "kvbm_ssd_gb_s"),
                                      (dict(kvbm_decay_s=float("nan")), "kvbm_decay_s")])
def test_bad_kvbm_settings_name_the_field(kw, field):
    with pytest.raises(ValueError, match=field):
        ow.Simulation(**kw)


def test_a_g1_hit_makes_the_block_most_recently_used_so_g1_evicts_another():
    """G1 of 3 blocks. A prompt 1, 2, 3 goes in last block first: 1 is the most recently used, 3 the
    least. A prompt of block 3 alone is a G1 hit: 3 becomes the most recently used (3, 1, 2). A new
    block 4 then evicts the least recently used, 2, which is offloaded to G2; without the promotion
    3 would have gone."""
    W = 1
    tab, meta = kvc.new_lru(3 * W + 1, 64, kvbm.PLANES)
    si = np.zeros(8, np.int64)
    P = params([3, 8, 8, 8])
    kvbm.register(P, 0, si, 4, tab, meta, W, 0, np.array([1, 2, 3], np.int64), 3, 0.0)
    assert kvc.lru_keys(tab, meta, 0) == [1, 2, 3]
    assert kvbm.register(P, 0, si, 4, tab, meta, W, 0, np.array([3], np.int64), 1, 1.0) == 0
    assert kvc.lru_keys(tab, meta, 0) == [3, 1, 2]
    assert kvbm.register(P, 0, si, 4, tab, meta, W, 0, np.array([4], np.int64), 1, 2.0) == 1
    assert kvc.lru_keys(tab, meta, 0) == [4, 3, 1]
    assert kvc.lru_keys(tab, meta, 1) == [2]
