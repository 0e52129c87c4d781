import math

import numpy as np
import pytest

import orbits_widget as ow


def _by_serial(r):
    order = np.argsort(r["serial"])
    return {k: v[order] for k, v in r.items()}


@pytest.mark.parametrize("load", [dict(concurrency=200), dict(rate=30.0, concurrency=None)])
def test_twins_see_the_same_clients_and_prompts(load):
    t = ow.Twins(seed=7, **load)
    t.step(40.0)
    a, b = _by_serial(t.static.requests()), _by_serial(t.adaptive.requests())
    common = np.intersect1d(a["serial"], b["serial"])
    assert len(common) > 100
    ia, ib = np.searchsorted(a["serial"], common), np.searchsorted(b["serial"], common)
    assert np.array_equal(a["template"][ia], b["template"][ib])
    if load.get("rate"):
        assert np.array_equal(a["arrival"][ia], b["arrival"][ib])     # open loop: same arrival times


def test_below_the_knee_twins_are_identical():
    r = ow.Twins(concurrency=32, seed=1).run(60.0)
    assert r["cost_of_not_adapting_ms"] == 0.0
    assert r["static"]["completed"] == r["adaptive"]["completed"]


def test_at_saturation_adapting_rebalances_but_cannot_remove_the_prefill_queue():
    """Both twins saturate and the adaptive one rebalances the decode pool, but the queue is in front of
    the single prefill worker, which no router setting shortens: the cost of not adapting stays a
    small part of the static TTFT P99 (docs/model.md, "Where the knee comes from")."""
    t = ow.Twins(concurrency=256, seed=0)
    r = t.run(120.0)
    static = r["static"]["ttft_p99_ms"]
    assert static > 2000.0
    assert abs(r["cost_of_not_adapting_ms"]) < 0.2 * static
    assert r["static"]["decode_imbalance"] > 1.4 and r["adaptive"]["decode_imbalance"] < 1.15
    assert r["adaptive"]["regime_final"] == "SATURATED" and r["static"]["regime_final"] == "SATURATED"
    assert (t.adaptive.tau, t.adaptive.omega) == (0.8, 0.1) and (t.static.tau, t.static.omega) == (0.0, 1.0)
    live = t.live()
    assert math.isfinite(live["cost_of_not_adapting_ms"])


def test_twins_share_pool_and_load_changes():
    t = ow.Twins(concurrency=64, seed=0)
    t.set_workers(n_decode=3)
    t.set_concurrency(96)
    t.step(10.0)
    assert t.static.n_decode == t.adaptive.n_decode == 3
    assert t.static.counters()["in_flight"] == t.adaptive.counters()["in_flight"] == 96
    with pytest.raises(ValueError, match="policy"):
        ow.Twins(policy="static")
