import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import orbits_widget as ow
from orbits_widget.kernel.router import TIE_EPS, probabilities, select
from orbits_widget.workload.rng import new_state


def _draws(costs, tau, n=20000, seed=1):
    costs = np.asarray(costs, float)
    elig = np.ones(len(costs), np.bool_)
    rng = new_state(seed)
    out = np.zeros(len(costs))
    for _ in range(n):
        out[select(costs, elig, len(costs), tau, rng, 1)] += 1
    return out / n


def test_argmin_with_uniform_ties():
    f = _draws([3.0, 1.0, 1.0, 5.0], 0.0)
    assert f[0] == 0 and f[3] == 0
    assert abs(f[1] - 0.5) < 0.02 and abs(f[2] - 0.5) < 0.02


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.8, 1.0, 3.0])
def test_softmax_over_range_normalised_costs(tau):
    costs = [10.0, 12.0, 30.0]
    p = probabilities(costs, tau)
    expect = np.exp(-(np.array(costs) - 10.0) / (20.0 * tau))
    assert np.allclose(p, expect / expect.sum())
    f = _draws(costs, tau, n=40000)
    assert np.all(np.abs(f - p) < 0.015)


def test_scale_free_best_over_worst_is_e_to_one_over_tau():
    for scale in (1.0, 1000.0):
        p = probabilities(np.array([1.0, 2.0]) * scale, 0.5)
        assert math.isclose(p[0] / p[1], math.e ** 2)


def test_equal_costs_are_uniform_under_temperature():
    f = _draws([4.0, 4.0, 4.0], 0.8)
    assert np.all(np.abs(f - 1 / 3) < 0.02)


def test_ineligible_workers_are_never_chosen_and_none_gives_minus_one():
    costs = np.array([0.0, 5.0, 1.0])
    elig = np.array([False, True, True])
    rng = new_state(3)
    for tau in (0.0, 0.7):
        for _ in range(200):
            assert select(costs, elig, 3, tau, rng, 1) in (1, 2)
    assert select(costs, np.zeros(3, np.bool_), 3, 0.0, rng, 1) == -1


@pytest.mark.parametrize("tau", [5e-324, 1e-310, 1e-305])
def test_a_vanishing_temperature_is_the_argmin(tau):
    """The softmax's limit as tau -> 0 is the cheapest worker; at a subnormal tau its scale 1 / (spread x tau)
    overflows (hypothesis found tau = 5e-324 dividing by zero), so the rule must take that limit itself."""
    costs = np.array([3.0, 0.0, 5.0, 1.0])
    rng = new_state(7)
    assert {select(costs, np.ones(4, np.bool_), 4, tau, rng, 1) for _ in range(50)} == {1}


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=8), st.floats(0, 10), st.integers(0, 2**32))
def test_select_always_returns_an_eligible_index(costs, tau, seed):
    c = np.array(costs)
    rng = new_state(seed)
    j = select(c, np.ones(len(c), np.bool_), len(c), tau, rng, 1)
    assert 0 <= j < len(c)
    if tau == 0.0:
        assert c[j] - c.min() <= TIE_EPS


def test_the_prefill_leg_sends_a_prompt_to_the_worker_that_holds_its_prefix():
    """Two prefill workers, requests far apart (both idle at each routing): the cost is
    omega x (pending + uncached) blocks, so the worker holding the template's blocks is strictly
    cheaper and every template stays on one worker. Without a prefix cache the choice is a tie,
    broken at random, and each template visits both."""
    def workers_per_template(**kw):
        sim = ow.Simulation(concurrency=None, rate=0.5, n_prefill=2, seed=3, history=4096, **kw)
        sim.step(600.0)
        r = sim.requests()
        seen = {}
        for t, w in zip(r["template"], r["prefill_worker"]):
            seen.setdefault(int(t), set()).add(int(w))
        return seen
    cached = workers_per_template()
    assert len(cached) == 5 and all(len(w) == 1 for w in cached.values())
    blind = workers_per_template(prefix_caching=False)
    assert all(len(w) == 2 for w in blind.values())


@pytest.mark.parametrize("omega, expected", [(1.0, 0), (4.0, 1)])
def test_the_decode_leg_weighs_the_missing_prefix_by_omega(omega, expected):
    """A hand-built decode pool: worker 1 holds the template's 8 blocks in its prefix cache but has
    20 blocks booked; worker 0 holds nothing and has nothing booked. The decode leg's cost is
    c_j = omega * (blocks j lacks) + (blocks booked on j) + (blocks new to j) + lambda * requests:
    c_0 = 8 omega + 8 + lambda, c_1 = 20 + 8 + lambda, so omega = 1 picks worker 0, omega = 4 worker 1."""
    from orbits_widget.kernel import layout as L
    from orbits_widget.kernel import prefix_cache as kvc
    from orbits_widget.workload.synthetic import key_of
    sim = ow.Simulation(concurrency=1, templates=1, tau=0.0, omega=omega, history=8)
    st = sim.state
    for b in range(8):
        kvc.lru_touch(st.decode_cache, st.decode_cache_meta, 1, key_of(0, 0, 8, b), st.iparams[L.I_CACHE_LIMIT])
    st.decode_i[L.DWI_OWN_BLOCKS, 1] = 20
    sim.step(5.0)                       # the first request completes (it is the only one in flight)
    r = sim.requests()
    assert r["serial"][0] == 0 and r["decode_worker"][0] == expected


@pytest.mark.parametrize("omega", [1.0, 4.0])
def test_v090s_decode_leg_ignores_omega_and_the_cached_prefix(omega):
    """The same hand-built pool under Dynamo v0.9.0's decode leg: the override sets the overlap weight to 0,
    so the cost is the distinct blocks booked + the request's blocks new to them, c_0 = 0 + 8 and
    c_1 = 20 + 8: worker 0 whatever omega, and whatever worker 1 holds in its prefix cache."""
    from orbits_widget.kernel import layout as L
    from orbits_widget.kernel import prefix_cache as kvc
    from orbits_widget.workload.synthetic import key_of
    sim = ow.Simulation(concurrency=1, templates=1, tau=0.0, omega=omega, history=8, decode_routing="v090")
    st = sim.state
    for b in range(8):
        kvc.lru_touch(st.decode_cache, st.decode_cache_meta, 1, key_of(0, 0, 8, b), st.iparams[L.I_CACHE_LIMIT])
    st.decode_i[L.DWI_OWN_BLOCKS, 1] = 20
    sim.step(5.0)
    assert sim.requests()["decode_worker"][0] == 0


def test_v090s_ties_go_to_a_fixed_order_not_a_draw():
    """At tau = 0 two empty decode workers tie; v0.9.0 breaks it by tree size (0 for both: decode workers
    publish no KV events), then by hash-map order: the same worker every time. The paper's rule (Dynamo
    after PR #6253) draws."""
    def first(routing, seed):
        sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=1, seed=seed, history=8, decode_routing=routing)
        sim.step(2.0)
        return int(sim.requests()["decode_worker"][0])
    assert {first("v090", s) for s in range(12)} == {0}
    assert {first("paper", s) for s in range(12)} == {0, 1}


def test_v090_assigns_templates_as_its_distinct_block_count_says():
    """Before any request completes, v0.9.0's decode leg is a sequence of argmins of
    8 x (templates booked on w) + 8 x [the request's template is new to w], ties to worker 0 (every block of a
    paper prompt is its template's): recompute it by hand, in routing (serial) order."""
    from orbits_widget.kernel import layout as L
    sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=64, seed=5, decode_routing="v090")
    sim.step(1.0)
    st = sim.state
    assert sim.counters()["completed"] == 0
    live = (st.requests_i[L.RI_STAGE] != L.S_FREE) & (st.requests_i[L.RI_DECODE_WORKER] >= 0)
    order = np.argsort(st.requests_i[L.RI_SERIAL][live])
    tpl = st.requests_i[L.RI_TEMPLATE][live][order]
    got = st.requests_i[L.RI_DECODE_WORKER][live][order]
    assert len(got) > 40
    held = [set(), set()]
    for t, w in zip(tpl, got):
        cost = [8 * len(h) + 8 * (t not in h) for h in held]
        expect = 0 if cost[0] <= cost[1] else 1
        assert w == expect
        held[expect].add(int(t))
