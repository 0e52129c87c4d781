"""Property tests over random profiles, loads and mid-run pool changes."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from invariants import check_causality, check_state

import orbits_widget as ow

profiles = st.sampled_from(ow.profiles.names())


@st.composite
def scenarios(draw):
    isl = draw(st.integers(8, 600))
    osl = draw(st.integers(1, 300))
    bs = draw(st.sampled_from([8, 16, 64]))
    over = dict(
        max_workers=4,
        n_prefill=draw(st.integers(0, 3)), n_decode=draw(st.integers(0, 3)),
        prompt_tokens=isl, output_tokens=osl, block_size=bs,
        templates=draw(st.integers(1, 8)),
        shared_prefix_tokens=draw(st.one_of(st.just(-1), st.integers(0, isl))),
        max_num_seqs=draw(st.integers(1, 64)),
        max_num_batched_tokens=draw(st.integers(1, 4096)),
        prefill_max_num_seqs=draw(st.sampled_from([1, -1, 4])), handoff_hold=draw(st.booleans()),
        decode_kv=draw(st.sampled_from(["reserve", "grow"])),
        prefix_caching=draw(st.booleans()),
        decode_routing=draw(st.sampled_from(["paper", "dynamo", "v090"])),
        # the hypothesis bench's mechanisms
        adaptive_path=draw(st.sampled_from(["frontend", "direct"])),
        handover_post_ms=draw(st.sampled_from([0.0, 0.55, 5.0])),
        detector_signal=draw(st.sampled_from(["exact", "prometheus"])),
        client_connections=draw(st.sampled_from([0, 1, 7])),
        # a small KV pool makes admission waits and cache eviction happen; one request must fit in
        # whole blocks (smaller pools are refused up front: tests/api/test_simulation.py)
        kv_capacity_tokens=draw(st.one_of(st.just(-1), st.integers(-(-(isl + osl) // bs) * bs, 8 * (isl + osl) + bs))),
        think_time_s=draw(st.sampled_from([0.0, 0.0, 0.3, 4.0])),
        # KVBM tiers, sometimes tiny so that blocks travel down to G4 and back
        kvbm=draw(st.sampled_from(["auto", "on", "off"])),
        kvbm_dram_gb=draw(st.sampled_from([1024.0, 0.05, 0.0])), kvbm_ssd_gb=draw(st.sampled_from([30720.0, 0.1])),
        kvbm_decay_s=draw(st.sampled_from([60.0, 0.5])),
    )
    open_loop = draw(st.booleans())
    load = dict(rate=draw(st.floats(0.5, 200.0)), concurrency=None) if open_loop else \
        dict(concurrency=draw(st.integers(0, 96)))
    router = dict(tau=draw(st.sampled_from([0.0, 0.3, 0.8, 2.0])), omega=draw(st.sampled_from([0.0, 0.1, 1.0, 4.0])),
                  policy=draw(st.sampled_from(["static", "adaptive"])),
                  poll_interval=draw(st.sampled_from([0.25, 1.0, 5.0])), hysteresis=draw(st.integers(1, 3)),
                  theta1=draw(st.sampled_from([0.02, 0.3])),
                  planner=draw(st.one_of(st.none(), st.builds(
                      ow.PlannerConfig, predictor=st.sampled_from(["constant", "arima", "kalman"]),
                      interval=st.sampled_from([0.5, 2.0]), startup_delay=st.sampled_from([0.0, 1.0]),
                      budget_workers=st.integers(2, 8)))))
    actions = draw(st.lists(st.tuples(st.floats(0.05, 8.0), st.integers(0, 4), st.integers(0, 4),
                                      st.floats(0.0, 3.0)), max_size=5))
    return draw(profiles), over, load, router, actions, draw(st.integers(0, 10_000))


@given(scenarios())
def test_conservation_causality_and_bounds(sc):
    name, over, load, router, actions, seed = sc
    sim = ow.Simulation(profile=name, seed=seed, **load, **router, **over)
    cmax = load["concurrency"]
    check_state(sim, cmax)
    for dt, n_p, n_d, delay in actions:
        sim.step(dt)
        check_state(sim, cmax)
        sim.set_workers(n_prefill=n_p, n_decode=n_d, startup_delay=delay)
        check_state(sim, cmax)
    sim.step(5.0)
    check_state(sim, cmax)
    check_causality(sim)
    s = sim.summary()
    for k in ("throughput_rps", "output_tokens_per_s", "queued", "in_flight", "decode_imbalance"):
        assert np.isfinite(s[k]) and s[k] >= 0


@given(st.integers(1, 128), st.integers(0, 1000), st.sampled_from([0.0, 0.8]))
def test_closed_loop_never_exceeds_c_and_restoring_pools_drains_everything(c, seed, tau):
    sim = ow.Simulation(concurrency=c, seed=seed, tau=tau, omega=1.0 if tau == 0 else 0.1)
    sim.step(3.0)
    sim.set_workers(n_prefill=0)
    sim.step(2.0)
    check_state(sim, c)
    sim.set_workers(n_prefill=1, n_decode=0)
    sim.step(2.0)
    check_state(sim, c)
    sim.set_workers(n_decode=2)
    sim.step(30.0)
    check_state(sim, c)
    assert sim.counters()["queued_router"] == 0
    sim.concurrency = 0           # clients stop sending: every request in flight must finish
    sim.step(120.0)
    cnt = sim.counters()
    assert cnt["in_flight"] == 0 and cnt["issued"] == cnt["completed"]
    check_causality(sim)


def test_open_loop_overload_grows_the_table_instead_of_dropping():
    sim = ow.Simulation(rate=400.0, concurrency=None, seed=1)
    sim.step(30.0)
    check_state(sim)
    assert sim.counters()["in_flight"] > 1024       # more than the initial table
    assert sim.counters()["issued"] == sim.counters()["completed"] + sim.counters()["in_flight"]


def test_unique_prompt_blocks_under_overload_grow_the_active_sets():
    # regression: the decode router's active-block sets used to have a fixed size and filled up
    sim = ow.Simulation(rate=300.0, concurrency=None, seed=3, shared_prefix_tokens=64, prompt_tokens=512)
    sim.step(20.0)
    check_state(sim)
    assert sim.counters()["in_flight"] > 4000
    st = sim.state
    assert np.all(st.active_blocks_meta[:, 2] <= st.active_blocks.shape[2] // 2)
