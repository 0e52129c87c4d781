import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import orbits_widget as ow

KEYS = ["profile", "policy", "tau", "omega", "seed", "concurrency", "ttft_p50_ms", "ttft_p99_ms", "itl_p50_ms",
        "itl_p99_ms", "e2e_p50_ms", "throughput_rps", "output_tokens_per_s", "completed", "in_flight", "queued",
        "cache_hit_rate", "decode_imbalance"]


def test_summary_has_the_contract_keys():
    s = ow.Simulation(concurrency=32).run(30.0).summary()
    for k in KEYS:
        assert k in s, k
    assert s["profile"] == "nemotron-340b-1p2d" and s["policy"] == "static" and s["concurrency"] == 32
    assert s["completed"] > 0 and 0.0 < s["cache_hit_rate"] <= 1.0
    assert s["ttft_p50_ms"] <= s["ttft_p99_ms"] and s["itl_p50_ms"] <= s["itl_p99_ms"]


def test_sweep_returns_one_row_per_run():
    df = ow.sweep(concurrency=[8, 64], policy=["static"], seeds=[0, 1], seconds=20.0, tau=[0.0, 0.5])
    assert isinstance(df, pd.DataFrame) and len(df) == 8
    for k in KEYS:
        assert k in df.columns
    assert sorted(df["tau"].unique()) == [0.0, 0.5]


def test_same_seed_same_result_different_seed_different_sample():
    a = ow.Simulation(concurrency=64, seed=3).run(60.0).summary()
    b = ow.Simulation(concurrency=64, seed=3).run(60.0).summary()
    c = ow.Simulation(concurrency=64, seed=4).run(60.0).summary()
    assert a == b
    assert a != c
    ra = ow.Simulation(concurrency=64, seed=3).step(20.0).requests()
    rc = ow.Simulation(concurrency=64, seed=4).step(20.0).requests()
    assert not np.array_equal(ra["template"][:50], rc["template"][:50])


def test_stepping_in_pieces_equals_one_step():
    a = ow.Simulation(concurrency=48, seed=9)
    for _ in range(40):
        a.step(0.75)
    b = ow.Simulation(concurrency=48, seed=9).step(30.0)
    assert a.counters() == b.counters()
    sa, sb = a.summary(), b.summary()
    assert sa.keys() == sb.keys()
    for k in sa:
        # events are identical; time integrals are summed in a different order (last bits differ)
        if isinstance(sa[k], float) and k in ("mean_in_flight", "decode_imbalance", "prefill_util", "decode_util"):
            assert sa[k] == pytest.approx(sb[k], rel=1e-12), k
        else:
            assert sa[k] == sb[k] or (sa[k] != sa[k] and sb[k] != sb[k]), k


def test_outage_of_the_decode_pool_loses_nothing():
    sim = ow.Simulation(concurrency=96, seed=0)
    sim.step(30.0)
    sim.n_decode = 0
    done_at_outage = sim.counters()["completed"]
    sim.step(20.0)
    c = sim.counters()
    assert c["issued"] == c["completed"] + c["in_flight"]
    assert c["queued_router"] > 0                      # waiting at the router, not dropped
    assert c["completed"] - done_at_outage <= 96       # only what was already decoding finished
    sim.n_decode = 2
    sim.step(30.0)
    c = sim.counters()
    assert c["queued_router"] == 0 and c["issued"] == c["completed"] + c["in_flight"]
    assert sim.n_decode == 2


def test_scale_down_drains_then_switches_off():
    sim = ow.Simulation(concurrency=128, seed=0, n_decode=3)
    sim.step(20.0)
    sim.n_decode = 1
    live = sim.live()
    assert list(live["decode_state"][:3]).count(3) == 2       # two draining
    sim.step(30.0)
    live = sim.live()
    assert list(live["decode_state"][:3]) == [2, 0, 0]        # drained and off
    c = sim.counters()
    assert c["issued"] == c["completed"] + c["in_flight"]


def test_startup_delay():
    sim = ow.Simulation(concurrency=16, seed=0)
    sim.set_workers(n_decode=3, startup_delay=10.0)
    assert sim.live()["decode_state"][2] == 1                 # starting
    sim.step(9.9)
    assert sim.live()["decode_state"][2] == 1
    sim.step(0.2)
    assert sim.live()["decode_state"][2] == 2


def test_live_snapshot_is_cheap_and_finite():
    sim = ow.Simulation(concurrency=128).step(20.0)
    live = sim.live()
    assert live["time"] == pytest.approx(20.0)
    on_workers = live["decode_running"][:2].sum() + live["decode_waiting"][:2].sum()
    assert on_workers == live["queued_decode"] + live["decoding"]
    assert np.all(np.isfinite(live["decode_util"])) and np.all(live["decode_util"] <= 1.0 + 1e-9)
    assert math.isfinite(live["ttft_p99_ms"])
    # per-worker counters add up to the totals (no router queue in this run)
    assert live["queued_router"] == 0
    assert live["decode_completed"].sum() == live["completed"] == live["prefill_completed"].sum() - (
        live["transferring"] + live["queued_decode"] + live["decoding"])
    ev = sim.events(since=10.0)
    assert ev and {e[1] for e in ev} <= {"arrive", "prefill_start", "prefill_end", "transfer_end",
                                         "first_token", "complete"}


def test_changing_concurrency_mid_run():
    sim = ow.Simulation(concurrency=8, seed=0)
    sim.step(10.0)
    sim.concurrency = 200
    sim.step(0.0)
    assert sim.counters()["in_flight"] == 200
    sim.concurrency = 10
    sim.step(30.0)
    assert sim.counters()["in_flight"] == 10


@pytest.mark.parametrize("kw, field", [
    (dict(profile="nope"), "profile"), (dict(concurrency=-1), "concurrency"), (dict(concurrency=2.5), "concurrency"),
    (dict(tau=-0.1), "tau"), (dict(omega=-1.0), "omega"), (dict(tau=float("inf")), "tau"),
    (dict(seed=-3), "seed"), (dict(policy="greedy"), "policy"), (dict(colour="red"), "unknown profile field"),
    (dict(rate=0.0, concurrency=None), "rate"), (dict(rate=5.0, concurrency=8), "concurrency"),
    (dict(n_decode=100), "n_decode"), (dict(concurrency=True), "concurrency"),
    (dict(poll_interval=1e-7), "poll_interval"), (dict(poll_interval=0.1), None),
    # one request (128 + 250 tokens = 24 blocks of 16) cannot fit 380 tokens = 23 whole blocks
    (dict(concurrency=1, output_tokens=250, kv_capacity_tokens=380), "kv_capacity_tokens"),
])
def test_bad_arguments_raise_value_error_naming_the_field(kw, field):
    if field is None:           # a valid argument among the bad ones: it must not raise
        ow.Simulation(**kw)
        return
    with pytest.raises(ValueError, match=field):
        ow.Simulation(**kw)


def test_bad_runtime_arguments():
    sim = ow.Simulation(concurrency=4)
    with pytest.raises(ValueError, match="seconds"):
        sim.step(-1.0)
    with pytest.raises(ValueError, match="seconds"):
        sim.run(float("nan"))
    with pytest.raises(ValueError, match="n_decode"):
        sim.n_decode = 9
    with pytest.raises(ValueError, match="startup_delay"):
        sim.set_workers(n_prefill=1, startup_delay=-2)
    with pytest.raises(ValueError, match="concurrency"):
        ow.sweep(concurrency=[])
    with pytest.raises(ValueError, match="warmup"):
        sim.run(10.0, warmup=-1)
    with pytest.raises(ValueError, match="n_decode"):
        sim.n_decode = None
    with pytest.raises(ValueError, match="n_prefill"):
        sim.n_prefill = True
    with pytest.raises(ValueError, match="last"):
        sim.requests(last=float("nan"))
    with pytest.raises(ValueError, match="last"):
        sim.requests(last=-1)
    with pytest.raises(ValueError, match="since"):
        sim.events(since="x")
    with pytest.raises(ValueError, match="since"):
        sim.log(since=float("nan"))
    assert sim.requests(last=0)["arrival"].size == 0


def test_none_router_settings_mean_dynamos_defaults_as_in_sweep():
    sim = ow.Simulation(concurrency=4, tau=None, omega=None)
    row = ow.sweep(concurrency=4, seconds=1.0, warmup=0.0).iloc[0]
    assert (sim.tau, sim.omega) == (row["tau"], row["omega"]) == (0.0, 1.0)


def test_a_request_that_never_fits_a_decode_worker_is_refused_up_front(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [dict(timestamp=0, input_length=1000, output_length=10), dict(timestamp=5, input_length=60_000,
                                                                          output_length=10)]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    # 60,010 tokens = 3,751 blocks of 16 against 3,125 blocks: line 2 is named
    with pytest.raises(ValueError, match=r"t\.jsonl:2: 60000 \+ 10 tokens need 3751 KV blocks.*holds 3125"):
        ow.Simulation(trace=path, concurrency=1, kv_capacity_tokens=50_000)
    ow.Simulation(trace=path, concurrency=1, kv_capacity_tokens=60_016)       # exactly 3,751 blocks: fits


def test_a_replay_that_cannot_progress_raises_naming_what_is_stuck(tmp_path):
    path = ow.synthetic_trace(50, rate=10.0, path=str(tmp_path / "t.jsonl"))
    sim = ow.Simulation(trace=path, concurrency=None)
    sim.step(1.0)
    sim.n_decode = 0                     # an outage nobody ends: requests wait at the router for ever
    with pytest.raises(RuntimeError, match="wait at the router and the decode pool has 0 workers"):
        sim.run(seconds=None)
    c = sim.counters()
    assert c["issued"] == 50 and c["completed"] + c["in_flight"] == 50 and c["queued_router"] > 0


def test_a_switched_off_prefill_worker_holds_no_kv_blocks():
    s = ow.Simulation()
    s.step(5.0)
    assert s.kvbm()["kvbm_blocks"][0] > 0
    s.n_prefill = 0
    s.step(1.0)
    k = s.kvbm()
    assert k["kvbm_capacity_blocks"][0] == 0 and k["kvbm_blocks"][0] == 0
    s.n_prefill = 1                      # a cold start: its cache was emptied, it fills again
    s.step(5.0)
    assert 0 < s.kvbm()["kvbm_blocks"][0] <= s.kvbm()["kvbm_capacity_blocks"][0]


def test_repr_is_deterministic():
    assert repr(ow.Simulation(concurrency=4, seed=2)) == repr(ow.Simulation(concurrency=4, seed=2))
    assert "nemotron-340b-1p2d" in repr(ow.Simulation())


# the paper's workload, and one that spills through the KVBM tiers (many long templates, a small HBM)
@pytest.mark.parametrize("overrides", [{}, dict(templates=400, prompt_tokens=1024, output_tokens=16,
                                                kv_capacity_tokens=20_000, kvbm_dram_gb=20.0, kvbm_ssd_gb=60.0)])
def test_the_kernel_runs_as_plain_python_and_agrees_with_the_jit(overrides):
    code = ("import json, warnings; warnings.simplefilter('ignore'); import orbits_widget as ow; "
            f"sim = ow.Simulation(concurrency=12, seed=4, **{overrides!r}); r = sim.run(4.0, warmup=1.0).summary(); "
            "r['offloads'] = sim.kvbm()['kvbm_offloads'].tolist(); print(json.dumps(r))")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    plain = json.loads(out.stdout)
    sim = ow.Simulation(concurrency=12, seed=4, **overrides)
    jit = sim.run(4.0, warmup=1.0).summary()
    jit["offloads"] = sim.kvbm()["kvbm_offloads"].tolist()
    assert plain == json.loads(json.dumps(jit))
    if overrides:
        assert jit["offloads"][1] > 0 and jit["offloads"][2] > 0


def test_bench_prints_the_figures():
    out = subprocess.run([sys.executable, "-m", "orbits_widget.bench", "--json", "--repeat", "1"],
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    for k in ("sim_requests_per_s", "sim_seconds_per_wall_s", "sweep_static_s", "sweep_chart_s", "twin_overhead",
              "ours_replay_req_per_s"):
        assert res[k] > 0
    assert "dynamo_replay_speedup" in res and "dynamo_replay_req_per_s" in res
    assert "real_trace_speedup" in res


def test_state_does_not_grow_with_the_requests_an_outage_piles_up():
    """Unique 1024-token prompts at 50 req/s into a decode outage: 30,000 requests wait, and the
    router's active-block sets stay the size of the shareable blocks (none here: 64 entries),
    because a request's own blocks are counted, not stored."""
    s = ow.Simulation(concurrency=None, rate=50.0, shared_prefix_tokens=0, prompt_tokens=1024)
    s.step(5.0)
    size = s.state.active_blocks.shape
    s.n_decode = 0
    s.step(600.0)
    c = s.counters()
    assert c["in_flight"] > 29_000 and c["issued"] == c["completed"] + c["in_flight"]
    assert s.state.active_blocks.shape == size and size[2] == 64 + 1     # + the row's bookkeeping slot


def test_past_the_cap_on_requests_in_the_system_the_run_stops_with_a_clear_error(monkeypatch):
    from orbits_widget.api import simulation
    monkeypatch.setattr(simulation, "MAX_REQUEST_TABLE_BYTES", 1 << 20)      # 1 MiB: a few thousand requests
    s = ow.Simulation(concurrency=None, rate=1e6)
    with pytest.raises(RuntimeError, match=r"requests in the system: [\d,]+ .* fill the request table's cap"):
        s.step(10.0)
    c = s.counters()
    assert c["issued"] == c["completed"] + c["in_flight"] > 2000            # nothing dropped, nothing lost
    assert s.state.requests_f.shape[1] * 8 * (s.state.requests_f.shape[0] + s.state.requests_i.shape[0] + 3) \
        <= (1 << 20)


def test_set_regime_row_changes_the_controller_table_live():
    """The adaptive controller routes with a row written now: at once for the regime it is in,
    at the next switch for another; a static simulation keeps its own router."""
    sim = ow.Simulation(concurrency=256, policy="adaptive", seed=0)
    assert (sim.tau, sim.omega) == ow.DEFAULT_TABLE["BELOW"]
    sim.set_regime_row("BELOW", 0.3, 0.6)
    assert (sim.tau, sim.omega) == (0.3, 0.6)
    sim.set_regime_row("SATURATED", 0.65, 0.2)
    assert (sim.tau, sim.omega) == (0.3, 0.6)                      # not in SATURATED yet
    sim.step(120.0)
    assert sim.detector["regime"] == "SATURATED"
    assert (sim.tau, sim.omega) == (0.65, 0.2)
    assert sim.detector_config.row("SATURATED") == (0.65, 0.2)
    static = ow.Simulation(concurrency=8, policy="static", tau=0.5, omega=0.5)
    static.set_regime_row("BELOW", 0.1, 0.1)
    assert (static.tau, static.omega) == (0.5, 0.5)
    with pytest.raises(ValueError, match="regime: must be one of"):
        sim.set_regime_row("HOT", 0.1, 0.1)
    with pytest.raises(ValueError, match="tau: must be"):
        sim.set_regime_row("BELOW", -1, 0.1)
