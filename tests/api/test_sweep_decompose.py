from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import orbits_widget as ow
from orbits_widget.kernel import layout as L


def test_sweep_on_an_executor_gives_identical_rows():
    kw = dict(concurrency=[16, 128], policy=["static", "adaptive"], seeds=[0, 1], seconds=30.0, warmup=10.0)
    serial = ow.sweep(**kw)
    with ProcessPoolExecutor(max_workers=2) as ex:
        parallel = ow.sweep(executor=ex, **kw)
    with ThreadPoolExecutor(max_workers=2) as ex:
        threaded = ow.sweep(executor=ex, **kw)
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(serial, threaded)
    below = serial[serial["concurrency"] == 16]
    assert (below["regime_final"] == "BELOW").all()
    past = serial[(serial["concurrency"] == 128) & (serial["policy"] == "static")]
    assert (past["regime_final"] != "BELOW").all()


def test_sweep_checks_its_arguments_before_shipping_work():
    with pytest.raises(ValueError, match="executor"):
        ow.sweep(concurrency=[8], seconds=1.0, executor="four cores")
    with pytest.raises(ValueError, match="policy"):
        ow.sweep(concurrency=[8], policy=["greedy"], seconds=1.0)
    # every value of every axis is checked, not only the grid's first and last points
    with pytest.raises(ValueError, match="concurrency"):
        ow.sweep(concurrency=[8, -3, 16], seconds=1.0)
    with pytest.raises(ValueError, match="omega"):
        ow.sweep(concurrency=[8, 16], omega=[1.0, -1.0, 0.5], seconds=1.0)


def test_sweep_takes_ranges_and_numpy_arrays():
    a = ow.sweep(concurrency=range(8, 24, 8), tau=np.array([0.0, 0.5]), seconds=5.0, warmup=1.0)
    b = ow.sweep(concurrency=[8, 16], tau=[0.0, 0.5], seconds=5.0, warmup=1.0)
    pd.testing.assert_frame_equal(a, b)
    assert a["concurrency"].tolist() == [8, 8, 16, 16]


@pytest.fixture(scope="module")
def parts():
    return {c: ow.decompose(concurrency=c, seconds=120.0) for c in (64, 256)}


def test_each_part_is_measured_on_the_system_it_names(parts):
    """Not the identity the code defines (residual = excess - routing - resource) but the runs
    behind each term, rebuilt independently: the static and adaptive systems and the adaptive
    system with one more worker in the pool decompose names."""
    d = parts[256]
    kw = dict(concurrency=256, seed=0, history=256)
    static = ow.Simulation(policy="static", **kw).run(120.0)["ttft_p99_ms"]
    adaptive = ow.Simulation(policy="adaptive", **kw).run(120.0)["ttft_p99_ms"]
    pool = d["bottleneck_pool"]
    n = getattr(ow.profiles.get(), f"n_{pool}") + 1
    plus = ow.Simulation(policy="adaptive", **kw, **{f"n_{pool}": n}).run(120.0)["ttft_p99_ms"]
    assert (d["static_ttft_p99_ms"], d["adaptive_ttft_p99_ms"], d["plus_one_ttft_p99_ms"]) == (static, adaptive, plus)
    assert d["routing_ms"] == static - adaptive and d["resource_ms"] == adaptive - plus
    other = "prefill" if pool == "decode" else "decode"
    assert d[f"plus_one_{pool}_ttft_p99_ms"] <= d[f"plus_one_{other}_ttft_p99_ms"]   # the pool that helps more


def test_below_the_knee_nothing_is_routing(parts):
    assert parts[64]["routing_ms"] == 0.0
    assert parts[64]["excess_ms"] < 100.0


@pytest.mark.parametrize("profile", ["nemotron-340b-1p2d", "llama-70b-1p5d"])
def test_at_deep_saturation_the_prefill_pool_dominates(parts, profile):
    """The paper: at deep saturation the damage is mostly too little prefill capacity, which no router
    setting removes. The single prefill worker is busy all the time there, and the decomposition
    names it and gives it the larger part."""
    d = parts[256] if profile == "nemotron-340b-1p2d" else ow.decompose(profile, 256, seconds=120.0)
    assert d["bottleneck_pool"] == "prefill"
    assert d["resource_ms"] > max(d["routing_ms"], 0.0)
    assert d["resource_ms"] > 0.5 * d["excess_ms"]
    sim = ow.Simulation(profile=profile, concurrency=256, seed=0)
    sim.run(60.0, warmup=0.0)
    assert sim.state.prefill_f[L.PWF_BUSY_TIME, 0] / 60.0 > 0.99     # busy: in a pass or handing off
