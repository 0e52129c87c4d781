"""The calibration targets of nemotron-340b-1p2d under Dynamo's static defaults (tau 0, omega 1)."""
import pytest

import orbits_widget as ow

GRID = [8, 16, 32, 64, 96, 128, 192, 256]


@pytest.fixture(scope="module")
def static():
    return ow.sweep(profile="nemotron-340b-1p2d", concurrency=GRID, policy=["static"], seeds=[0, 1, 2],
                    seconds=120.0).groupby("concurrency").mean(numeric_only=True)


def test_ttft_p99_at_c8_in_30_to_300_ms(static):
    assert 30.0 <= static.loc[8, "ttft_p99_ms"] <= 300.0


def test_knee_between_96_and_128(static):
    for c in (8, 16, 32, 64, 96):
        assert static.loc[c, "ttft_p99_ms"] < 300.0, c
    assert static.loc[128, "ttft_p99_ms"] > 300.0


def test_ttft_p99_at_c256_in_2_to_30_s(static):
    assert 2000.0 <= static.loc[256, "ttft_p99_ms"] <= 30000.0


def test_herding_at_saturation_and_rebalancing_under_the_saturated_row():
    herd = ow.Simulation(concurrency=256, tau=0.0, omega=1.0, seed=0).run(120.0).summary()
    bal = ow.Simulation(concurrency=256, tau=0.8, omega=0.1, seed=0).run(120.0).summary()
    assert herd["decode_imbalance"] >= 1.5
    assert bal["decode_imbalance"] - 1.0 <= 0.5 * (herd["decode_imbalance"] - 1.0)


def test_dynamos_own_decode_leg_does_not_herd():
    r = ow.Simulation(concurrency=256, decode_routing="dynamo", seed=0).run(120.0).summary()
    assert r["decode_imbalance"] < 1.1


def test_throughput_never_exceeds_the_prefill_bound(static):
    # one prefill worker, one request per pass, each pass followed by at least the pull of its KV
    p = ow.profiles.get()
    t = p.timing()
    new = p.prompt_tokens - (p.prompt_tokens - 1) // p.block_size * p.block_size
    bound = 1.0 / (p.prefill_time(new, 1, p.prompt_tokens) + t["transfer_latency"])
    assert static["throughput_rps"].max() <= bound
    # saturated, it waits at most one decode pass for the pull to start
    floor = 1.0 / (1.0 / bound + p.decode_time(128, 128 * 200))
    assert static.loc[256, "throughput_rps"] >= floor
