"""Queueing-theory sanity checks (the kind BLIS ran against M/M/1, M/D/1)."""
import pytest

import orbits_widget as ow

# one prefill worker, one 128-token request per pass, no prefix reuse: deterministic service
MD1 = dict(prefix_caching=False, max_num_batched_tokens=128, output_tokens=16, n_prefill=1, n_decode=2,
           handoff_hold=False)     # service = the pass alone: an M/D/1 queue


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_prefill_queue_is_md1(rho):
    s = ow.profiles.get("nemotron-340b-1p2d", **MD1).prefill_time(128, 1, 128)
    sim = ow.Simulation(rate=rho / s, concurrency=None, seed=11, **MD1)
    r = sim.run(20_000.0, warmup=50.0).summary()
    wq_theory = rho * s / (2.0 * (1.0 - rho)) * 1e3        # Pollaczek-Khinchine, deterministic service
    assert r["prefill_util"] == pytest.approx(rho, rel=0.02)
    assert r["mean_prefill_wait_ms"] == pytest.approx(wq_theory, rel=0.05)


@pytest.mark.parametrize("rate", [5.0, 40.0])
def test_littles_law(rate):
    sim = ow.Simulation(rate=rate, concurrency=None, seed=5)
    r = sim.run(3000.0, warmup=60.0).summary()
    assert r["mean_in_flight"] == pytest.approx(r["throughput_rps"] * r["e2e_mean_ms"] / 1e3, rel=0.02)
    # the same law for the prefill queue alone: a request counts in it from routing (its 2 ms
    # frontend hop included) until its first prefill pass starts
    fe = ow.profiles.get().frontend_overhead_ms
    assert r["mean_queue_prefill"] == pytest.approx(
        r["throughput_rps"] * (r["mean_prefill_wait_ms"] + fe) / 1e3, rel=0.02)


def test_closed_loop_littles_law_fixes_throughput():
    # with C clients always in the system, X = C / mean response time
    sim = ow.Simulation(concurrency=64, seed=2)
    r = sim.run(300.0).summary()
    assert r["mean_in_flight"] == pytest.approx(64, abs=1e-6)
    assert r["throughput_rps"] == pytest.approx(64 / (r["e2e_mean_ms"] / 1e3), rel=0.02)
