"""The load generator's connection pool (``client_connections``, hypothesis H5): a request sent while every
connection is busy waits in its client, which counts in the client's TTFT but not in what the frontend measures."""
import math

import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel import layout as L

LONE = dict(profile="llama-70b-1p2d", seed=0)


def test_with_two_connections_the_third_client_waits_for_the_first_completion():
    sim = ow.Simulation(concurrency=3, client_connections=2, **LONE)
    sim.step(0.001)
    c = sim.counters()
    assert c["in_flight"] == 3 and c["waiting_for_connection"] == 1
    sim.step(20.0)
    r = sim.requests()
    order = np.argsort(r["serial"])
    first, second, third = (order[i] for i in range(3))
    # the first two go at once; the third leaves its client when the first request ends, not before
    assert r["frontend"][first] == r["arrival"][first] == 0.0
    assert r["frontend"][second] == 0.0
    assert r["arrival"][third] == 0.0
    assert r["frontend"][third] == min(r["completion"][first], r["completion"][second])
    # three clients on two connections: each completion frees one, and the request that waited longest takes it,
    # so request j + 1 (by serial) leaves its client at the j-th completion; one request is always waiting
    done = np.sort(r["completion"])
    by_serial = r["frontend"][order]
    assert np.array_equal(by_serial[2:], done[:len(by_serial) - 2])
    assert sim.counters()["waiting_for_connection"] == 1


def test_the_wait_counts_in_the_clients_ttft_and_not_in_the_frontends():
    sim = ow.Simulation(concurrency=3, client_connections=2, **LONE)
    sim.step(20.0)
    r = sim.requests()
    third = int(np.flatnonzero(r["serial"] == 2)[0])
    wait = r["frontend"][third] - r["arrival"][third]
    assert wait > 1.0                                     # a whole request of 192 tokens
    ring = sim.state.ttft_ring
    j = int(np.flatnonzero(np.isclose(ring[0], r["first_token"][third]))[0])
    assert ring[1, j] == pytest.approx(r["first_token"][third] - r["arrival"][third])
    assert ring[2, j] == pytest.approx(r["first_token"][third] - r["frontend"][third])
    assert ring[1, j] - ring[2, j] == pytest.approx(wait)


def test_a_pool_as_large_as_the_clients_changes_nothing():
    a = ow.Simulation(concurrency=64, **LONE).run(20.0, warmup=5.0).summary()
    b = ow.Simulation(concurrency=64, client_connections=64, **LONE).run(20.0, warmup=5.0).summary()
    for k, v in a.items():
        if isinstance(v, float) and not math.isnan(v):
            assert b[k] == v, k


def test_at_most_the_pool_is_in_the_system_and_nothing_is_lost():
    sim = ow.Simulation(concurrency=128, client_connections=100, **LONE)
    for _ in range(40):
        sim.step(0.25)
        st = sim.state
        in_system = int(np.sum((st.requests_i[L.RI_STAGE] != L.S_FREE) & (st.requests_i[L.RI_STAGE]
                                                                          != L.S_CLIENT_WAIT)))
        assert in_system <= 100
        c = sim.counters()
        assert c["issued"] == c["completed"] + c["in_flight"]
        assert c["waiting_for_connection"] == 128 - in_system - sim.thinking


def test_an_open_loop_waits_for_connections_too():
    sim = ow.Simulation(concurrency=None, rate=400.0, client_connections=10, **LONE)
    sim.step(5.0)
    c = sim.counters()
    assert c["waiting_for_connection"] > 0
    assert c["issued"] == c["completed"] + c["in_flight"]


@pytest.mark.parametrize("bad", (-1, 1.5, True, "100"))
def test_bad_pool_sizes_name_the_field(bad):
    with pytest.raises(ValueError, match="client_connections"):
        ow.Simulation(client_connections=bad)
