"""Saturation Detector, adaptive controller and mission log."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invariants import check_state

import orbits_widget as ow
from orbits_widget.control.detector import detector_update
from orbits_widget.kernel import layout as E


def feed(sim, p99s, start=0):
    """Drive the detector with one P99 (seconds; None = no sample) per poll; record its state."""
    st = sim.state
    out = []
    for i, p in enumerate(p99s):
        detector_update(st.params, st.iparams, st.scalars_f, st.scalars_i, st.log_t, st.log_codes, st.log_values,
                        -1.0 if p is None else p, 5.0 * (start + i + 1))
        d = sim.detector
        out.append((d["regime"], d["k"], d["ewma_ms"]))
    return out


def detector(**kw):
    return ow.Simulation(concurrency=0, policy="adaptive", **kw)


@pytest.mark.parametrize("spike", [0.5, 2.5, 10.0, 1e4])
def test_a_single_spike_never_switches(spike):
    sim = detector()
    trace = feed(sim, [0.05] * 8 + [spike] + [0.05] * 12)
    assert all(r == "BELOW" for r, _, _ in trace)
    assert sim.log() == [(0.0, "pool", "prefill pool starts with 1 worker"),
                         (0.0, "pool", "decode pool starts with 2 workers")]


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("level, regime", [(1.0, "TRANSITION"), (6.0, "SATURATED")])
def test_a_sustained_crossing_switches_after_exactly_k_polls(k, level, regime):
    sim = detector(hysteresis=k)
    trace = feed(sim, [0.05] * 6 + [level] * 30)
    th = 300.0 if regime == "TRANSITION" else 2000.0
    first = next(i for i, (_, _, e) in enumerate(trace) if e >= th)      # the signal crosses here
    switch = next(i for i, (r, _, _) in enumerate(trace) if r == regime)
    assert switch - first == k - 1                                      # the k-th agreeing poll
    assert [c for _, c, _ in trace[first:switch]] == list(range(1, k))
    assert all(r == regime for r, _, _ in trace[switch:])
    assert sim.tau == ow.DEFAULT_TABLE[regime][0] and sim.omega == ow.DEFAULT_TABLE[regime][1]


def test_falling_back_works_the_same_way():
    sim = detector()
    trace = feed(sim, [6.0] * 30)
    assert trace[-1][0] == "SATURATED"
    trace = feed(sim, [0.05] * 40, start=30)
    below = [i for i, (_, _, e) in enumerate(trace) if e < 300.0]
    first = below[0]
    switch_below = next(i for i, (r, _, _) in enumerate(trace) if r == "BELOW")
    assert switch_below >= first + 2
    assert trace[-1][0] == "BELOW" and (sim.tau, sim.omega) == (0.0, 1.0)
    kinds = [k for _, k, _ in sim.log()]
    assert kinds.count("regime") >= 2 and kinds.count("controller") >= 2


def test_polls_without_samples_hold_the_signal():
    sim = detector()
    trace = feed(sim, [0.05, 0.05, 0.05, None, None, None, None, 0.05])
    assert [e for _, _, e in trace[:2]] == [0.0, 0.0]          # no median of three yet
    assert {round(e, 9) for _, _, e in trace[2:]} == {50.0}
    assert sim.detector["polls"] == 8


def test_static_policy_runs_the_detector_without_touching_the_router():
    sim = ow.Simulation(concurrency=0, policy="static", tau=0.2, omega=0.7)
    feed(sim, [6.0] * 10)
    assert sim.detector["regime"] == "SATURATED"
    assert (sim.tau, sim.omega) == (0.2, 0.7)


@pytest.mark.parametrize("kw, field", [
    (dict(theta1=2.0, theta2=2.0), "theta1"), (dict(theta1=3.0), "theta1"), (dict(theta2=-1), "theta2"),
    (dict(hysteresis=0), "hysteresis"), (dict(hysteresis=1.5), "hysteresis"),
    (dict(poll_interval=0.0), "poll_interval"),
    (dict(poll_interval=-5), "poll_interval"), (dict(ewma_alpha=0.0), "ewma_alpha"),
    (dict(regime_table={"BELOW": (0, 1), "SATURATED": (0.8, 0.1)}), "table"),
    (dict(regime_table={"BELOW": (0, 1), "TRANSITION": (0.4, 0.5), "SATURATED": (-1, 0.1)}), "table"),
    (dict(regime_table={"BELOW": (0, 1), "TRANSITION": (1,), "SATURATED": (0.8, 0.1)}), "table"),
])
def test_bad_controller_settings_name_the_field(kw, field):
    with pytest.raises(ValueError, match=field):
        ow.Simulation(policy="adaptive", **kw)


def test_detector_config_holds_its_declared_types():
    from orbits_widget.control.detector import DetectorConfig
    cfg = DetectorConfig(theta1=1, theta2=3, hysteresis=2.0)
    assert (cfg.theta1, cfg.theta2, cfg.hysteresis) == (1.0, 3.0, 2) and type(cfg.hysteresis) is int
    with pytest.raises(ValueError, match=r"hysteresis: must be an integer in \[1, 1000\], got True"):
        DetectorConfig(hysteresis=True)


@pytest.fixture(scope="module")
def pair():
    df = ow.sweep(concurrency=[16, 64, 128, 256], policy=["static", "adaptive"], seeds=[0, 1, 2], seconds=120.0)
    return df.groupby(["policy", "concurrency"]).mean(numeric_only=True)


def test_below_the_knee_the_controller_stays_out_of_the_way(pair):
    for c in (16, 64):
        s, a = pair.loc[("static", c)], pair.loc[("adaptive", c)]
        assert a["ttft_p99_ms"] == pytest.approx(s["ttft_p99_ms"], rel=0.02)


def test_past_the_knee_adaptive_rebalances_the_decode_pool_without_removing_the_prefill_queue(pair):
    """Past the knee the controller leaves the Dynamo defaults and the decode pool rebalances; the
    saturated pool is the prefill worker, so TTFT P99 and throughput stay within 15 % of static."""
    for c in (128, 256):
        s, a = pair.loc[("static", c)], pair.loc[("adaptive", c)]
        assert s["decode_imbalance"] > 1.4 and a["decode_imbalance"] < 1.15, c
        assert a["ttft_p99_ms"] == pytest.approx(s["ttft_p99_ms"], rel=0.15), c
        assert a["throughput_rps"] == pytest.approx(s["throughput_rps"], rel=0.15), c


def test_sweep_reports_the_final_regime():
    df = ow.sweep(concurrency=[16, 256], policy=["adaptive"], seconds=60.0)
    assert list(df["regime_final"]) == ["BELOW", "SATURATED"]


def test_the_mission_log_records_an_outage_and_the_recovery():
    sim = ow.Simulation(concurrency=64, policy="adaptive", seed=0)
    sim.step(30.0)
    sim.n_prefill = 0
    sim.step(20.0)
    check_state(sim, 64)
    sim.n_prefill = 1
    sim.step(60.0)
    check_state(sim, 64)
    texts = [t for _, _, t in sim.log(since=1.0)]
    assert "prefill pool 1 -> 0 workers (outage)" in texts
    assert "prefill pool 0 -> 1 workers (scale up)" in texts
    c = sim.counters()
    assert c["issued"] == c["completed"] + c["in_flight"] and c["queued_router"] == 0
    r = sim.requests()
    ttft = r["first_token"] - r["arrival"]
    spike = ttft[(r["arrival"] > 30.0) & (r["arrival"] < 50.0)]
    after = ttft[r["arrival"] > 90.0]
    assert spike.max() > 10.0 and np.percentile(after, 99) < 0.3      # spikes, then recovers


def test_the_log_is_bounded():
    sim = ow.Simulation(concurrency=4)
    for i in range(700):
        sim.set_router(tau=0.1 * (i % 3))
        sim.step(0.01)
    assert len(sim.log()) == E.LOG_RING


def reference_detector(p99s, theta1=0.3, theta2=2.0, k=3, alpha=0.3):
    """The detector as the paper states it, in plain Python: median of the last three polls' P99 (none
    before three polls have a sample), EWMA(alpha) of that, regime by theta1/theta2, switched after k
    *consecutive* agreeing polls."""
    raw, ewma, regime, cand, count, out = [], None, 0, 0, 0, []
    for p in p99s:
        if p is not None:
            raw = (raw + [p])[-3:]
            if len(raw) < 3:
                out.append((ow.REGIMES[regime], count, 0.0))
                continue
            med = sorted(raw)[1]
            ewma = med if ewma is None else alpha * med + (1 - alpha) * ewma
            r = 0 if ewma < theta1 else (1 if ewma < theta2 else 2)
            if r == regime:
                cand, count = regime, 0
            else:
                count = count + 1 if r == cand else 1
                cand = r
                if count >= k:
                    regime, count = r, 0
        out.append((ow.REGIMES[regime], count, 0.0 if ewma is None else ewma * 1e3))
    return out


p99_polls = st.lists(st.one_of(st.none(), st.sampled_from([0.05, 0.2, 0.5, 1.5, 3.0, 9.0]),
                               st.floats(0.001, 20.0)), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(p99_polls, st.integers(1, 4), st.sampled_from([0.1, 0.3, 0.7]))
def test_the_kernel_detector_is_the_stated_rule(p99s, k, alpha):
    sim = detector(hysteresis=k, ewma_alpha=alpha)
    got = feed(sim, p99s)
    want = reference_detector(p99s, k=k, alpha=alpha)
    assert [(r, c) for r, c, _ in got] == [(r, c) for r, c, _ in want]
    assert [e for _, _, e in got] == pytest.approx([e for _, _, e in want], rel=1e-12)


def test_the_count_restarts_when_a_poll_disagrees():
    # two polls above theta2, one back below, two above: never three in a row, so no switch (k = 3)
    sim = detector(hysteresis=3, ewma_alpha=1.0)      # alpha 1: the signal is the median itself
    got = feed(sim, [0.05, 0.05, 0.05, 9.0, 9.0, 0.05, 0.05, 9.0, 9.0, 0.05, 0.05])
    assert all(r == "BELOW" for r, _, _ in got)
    # the median of three turns each pair of spikes into two SATURATED polls, then BELOW again
    assert [k for _, k, _ in got] == [0, 0, 0, 0, 1, 2, 0, 0, 1, 2, 0]


# ---- the Prometheus-reading detector (detector_signal="prometheus", hypothesis H4) ----
from orbits_widget.control.detector import DYNAMO_TTFT_BUCKETS, histogram_quantile, log_buckets, window_prometheus_p99  # noqa: E402


def test_the_buckets_are_dynamos_frontend_ttft_buckets():
    """generate_log_buckets(0.001, 480, 18) at v0.9.0 (lib/llm/src/http/service/metrics.rs): 0, then 17 points
    evenly spaced in log from 1 ms to 480 s at two significant figures; Prometheus adds +Inf."""
    assert DYNAMO_TTFT_BUCKETS == (0.0, 0.0022, 0.0047, 0.01, 0.022, 0.047, 0.1, 0.22, 0.47, 1.0, 2.2, 4.7, 10.0,
                                   22.0, 48.0, 100.0, 220.0, 480.0, np.inf)
    assert log_buckets(0.001, 2.0, 13)[-3:] == [0.56, 1.1, 2.0]      # the ITL histogram's, for the same rule


def _counts(**per_bucket):
    c = np.zeros(len(DYNAMO_TTFT_BUCKETS))
    for upper, n in per_bucket.items():
        c[DYNAMO_TTFT_BUCKETS.index(float(upper.replace("_", ".")) if upper != "inf" else np.inf)] = n
    return c


def test_histogram_quantile_interpolates_inside_the_bucket_of_the_rank():
    b = np.array(DYNAMO_TTFT_BUCKETS)
    # 90 in (0.1, 0.22], 10 in (0.22, 0.47]: rank 99 is the 9th of 10 in the second: 0.22 + 0.25 * 9 / 10
    assert histogram_quantile(0.99, _counts(**{"0_22": 90, "0_47": 10}), b) == pytest.approx(0.445)
    # all 100 in (0.22, 0.47]: 0.22 + 0.25 * 99 / 100, whatever the values inside were
    assert histogram_quantile(0.99, _counts(**{"0_47": 100}), b) == pytest.approx(0.4675)
    # the first bucket starts at 0: 4 in (0, 0.0022] -> 0.0022 * 3.96 / 4
    assert histogram_quantile(0.99, _counts(**{"0_0022": 4}), b) == pytest.approx(0.0022 * 0.99)
    # a rank in +Inf reads as the highest finite bound
    assert histogram_quantile(0.99, _counts(**{"1_0": 1, "inf": 99}), b) == 480.0
    assert histogram_quantile(0.99, np.zeros(len(b)), b) == -1.0


def test_the_signal_reads_frontend_ttfts_of_the_poll_only():
    """Ring row 2 holds what the frontend measured (NaN for a request it never saw); the window is the poll's."""
    b = np.array(DYNAMO_TTFT_BUCKETS)
    ring = np.full((3, 16), np.nan)
    ring[0, :12] = np.linspace(0.5, 11.0, 12)           # first tokens at 0.5 ... 11 s
    ring[1, :12] = 9.0                                    # what the clients saw: a long wait for a connection
    ring[2, :12] = 0.15                                   # what the frontend saw: in (0.1, 0.22]
    ring[2, 11] = np.nan                                  # this one went straight to a decode worker
    got = window_prometheus_p99(ring, 11.0, 5.0, b)     # first tokens in (6, 11]: five seen by the frontend
    assert got == pytest.approx(0.1 + 0.12 * (0.99 * 5) / 5)
    assert window_prometheus_p99(ring, 40.0, 5.0, b) == -1.0


def test_a_client_side_wait_moves_the_exact_signal_and_not_the_prometheus_one():
    """100 connections for 128 clients keep 28 waiting in their clients: their TTFT passes theta1, the
    frontend's stays at the plateau, so only a detector reading the client switches."""
    def regime(signal):
        sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=128, policy="adaptive", seed=0,
                            client_connections=100, detector_signal=signal)
        sim.step(60.0)
        return sim.detector
    exact, prom = regime("exact"), regime("prometheus")
    assert exact["regime"] == "TRANSITION" and exact["last_p99_ms"] > 300.0
    assert prom["regime"] == "BELOW" and prom["last_p99_ms"] < 100.0
