"""ow.plan: the winner, goodput, the frontier, infeasible SLAs, executors, workloads, the config
round trip and argument errors."""
import math
from concurrent.futures import ProcessPoolExecutor

import distributed
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import orbits_widget as ow
from orbits_widget.planning import Plan
from orbits_widget.workload import load_trace, synthetic_trace

PROFILE = "llama-70b-1p2d"          # TP 4: 12 GPUs = 3 workers = splits 1P/2D and 2P/1D
SMALL = dict(profile=PROFILE, router_grid=[(0.0, 1.0), (0.8, 0.1)], loads=(64, 256, 512), seconds=20.0,
             warmup=5.0, marginal=False)
SLA = {"ttft_p99_ms": 500.0, "itl_p99_ms": 15.0}


@pytest.fixture(scope="module")
def small():
    return ow.plan("paper", 12, SLA, **SMALL)


def expected_goodput(runs, sla):
    """Goodput per configuration recomputed from the raw runs (not the plan's own columns)."""
    ok = (runs.ttft_p99_ms <= sla["ttft_p99_ms"]) & (runs.itl_p99_ms <= sla["itl_p99_ms"])
    return runs.throughput_rps.where(ok, 0.0).groupby(runs.config).max()


def test_the_winner_is_what_an_exhaustive_check_of_the_rows_says(small):
    assert isinstance(small, Plan) and isinstance(small, pd.DataFrame)
    assert list(small.columns) == list(ow.planning.COLUMNS)
    assert len(small) == 2 * 2 * 2                     # splits x router settings x policies
    assert set(zip(small.n_prefill, small.n_decode)) == {(1, 2), (2, 1)}
    goodput = expected_goodput(small.runs, SLA)
    np.testing.assert_allclose(small.goodput_rps.to_numpy(), goodput.reindex(small.index).to_numpy())
    np.testing.assert_allclose(small.goodput_per_gpu, small.goodput_rps / small.gpus)
    assert (small.gpus == 12).all()
    # exhaustively: the best goodput per GPU, ties to the lower TTFT p99
    best = max(small.index, key=lambda i: (goodput[i] / 12, -small.loc[i].ttft_p99_ms))
    assert goodput[best] > 0
    assert small.best is not None and small.best.index == best
    assert small.best.config == small.config(best)
    assert small.verdict == small.best.reason
    row = small.loc[best]
    assert f"{row.n_prefill}P/{row.n_decode}D" in small.best.reason


def test_goodput_never_exceeds_throughput(small):
    assert (small.goodput_rps <= small.throughput_rps + 1e-12).all()
    assert (small.throughput_rps <= small.max_throughput_rps + 1e-12).all()
    assert (small.goodput_rps[~small.meets_sla] == 0).all()
    assert (small.goodput_rps[small.meets_sla] > 0).all()


@settings(max_examples=15)
@given(ttft=st.floats(10.0, 5000.0), itl=st.floats(4.0, 30.0), loads=st.sets(st.sampled_from([16, 64, 128, 256, 512]),
                                                                            min_size=1, max_size=3))
def test_goodput_is_the_best_throughput_that_meets_the_sla(ttft, itl, loads):
    sla = {"ttft_p99_ms": ttft, "itl_p99_ms": itl}
    p = ow.plan("paper", 12, sla, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"], loads=sorted(loads),
                seconds=5.0, warmup=1.0, marginal=False)
    goodput = expected_goodput(p.runs, sla)
    np.testing.assert_allclose(p.goodput_rps.to_numpy(), goodput.reindex(p.index).to_numpy())
    assert (p.goodput_rps <= p.throughput_rps + 1e-12).all()
    # a row's latencies are its operating load's (where its goodput is), within the SLA when it meets it
    met = p[p.meets_sla]
    assert (met.ttft_p99_ms <= ttft).all() and (met.itl_p99_ms <= itl).all()
    if p.best is None:
        assert not p.meets_sla.any() and p.infeasible is not None


def test_an_infeasible_sla_has_no_winner_and_names_the_constraint_that_fails_everywhere():
    p = ow.plan("paper", 12, {"ttft_p99_ms": 1.0, "itl_p99_ms": 1000.0}, **SMALL)
    assert p.best is None and not p.meets_sla.any() and not p.pareto.any()
    assert p.infeasible == ("ttft_p99_ms",)
    assert "TTFT p99 never meets 1 ms" in p.verdict
    p = ow.plan("paper", 12, {"ttft_p99_ms": 1e6, "itl_p99_ms": 0.5}, **SMALL)
    assert p.best is None and p.infeasible == ("itl_p99_ms",) and "ITL p99 never meets 0.5 ms" in p.verdict
    p = ow.plan("paper", 12, {"ttft_p99_ms": 1.0, "itl_p99_ms": 0.5}, **SMALL)
    assert p.infeasible == ("ttft_p99_ms", "itl_p99_ms")
    assert (p.goodput_rps == 0).all()


def test_the_frontier_holds_exactly_the_undominated_rows(small):
    ok = small[small.meets_sla]
    for i, r in small.iterrows():
        dominated = ((ok.goodput_per_gpu >= r.goodput_per_gpu) & (ok.ttft_p99_ms <= r.ttft_p99_ms)
                     & ((ok.goodput_per_gpu > r.goodput_per_gpu) | (ok.ttft_p99_ms < r.ttft_p99_ms))).any()
        assert small.pareto[i] == (bool(r.meets_sla) and not dominated), i
    assert small.best.index in small.frontier.index       # the best goodput per GPU is never dominated


def test_rows_are_identical_serially_on_a_process_pool_and_on_dask(small):
    with ProcessPoolExecutor(max_workers=2) as ex:
        pooled = ow.plan("paper", 12, SLA, executor=ex, **SMALL)
    pd.testing.assert_frame_equal(pd.DataFrame(small), pd.DataFrame(pooled))
    pd.testing.assert_frame_equal(small.runs, pooled.runs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        dasked = ow.plan("paper", 12, SLA, executor=client.get_executor(), **SMALL)
    pd.testing.assert_frame_equal(pd.DataFrame(small), pd.DataFrame(dasked))
    assert dasked.best.index == small.best.index


def test_a_row_is_the_simulation_its_config_describes(small):
    """Plan.config rebuilds the row's run with the public Simulation: same numbers."""
    for label in (small.best.index, small[small.policy == "adaptive"].index[-1]):
        cfg, row = small.config(label), small.loc[label]
        kw = dict(n_prefill=cfg["n_prefill"], n_decode=cfg["n_decode"], policy=cfg["policy"], tau=cfg["tau"],
                  omega=cfg["omega"])
        if cfg["policy"] == "adaptive":
            kw["regime_table"] = dict(ow.DEFAULT_TABLE, BELOW=(cfg["tau"], cfg["omega"]))
        assert cfg["workload"] == {"kind": "paper", "concurrency": row.load}
        sim = ow.Simulation(PROFILE, concurrency=cfg["workload"]["concurrency"], seed=0, **kw)
        s = sim.run(20.0, 5.0).summary()
        for k in ("ttft_p99_ms", "itl_p99_ms", "throughput_rps", "ttft_p50_ms"):
            assert s[k] == pytest.approx(row[k], rel=1e-12), k


def test_adaptive_starts_from_the_router_setting_and_leaves_it_only_at_saturation():
    """Under the adaptive policy a router setting is the controller's BELOW row: below the
    detector's threshold the twins are the same system; past it, the controller flips."""
    kw = dict(profile=PROFILE, router_grid=[(0.25, 0.7)], splits=[(1, 2)], seconds=60.0, warmup=20.0, marginal=False)
    p = ow.plan("paper", 12, {"ttft_p99_ms": 1e6}, loads=(16, 512), **kw)
    r = p.runs.set_index(["policy", "load"])
    assert r.loc[("static", 16), "ttft_p99_ms"] == r.loc[("adaptive", 16), "ttft_p99_ms"]
    assert r.loc[("static", 512), "ttft_p99_ms"] > 2000          # saturated: the detector flips
    assert r.loc[("static", 512), "ttft_p99_ms"] != r.loc[("adaptive", 512), "ttft_p99_ms"]


def test_the_marginal_analysis_finds_the_starved_pool():
    """1P/2D of the 70B profile at 512 clients: its single prefill worker queues (the knee's
    mechanism); one more prefill worker adds goodput, one more decode worker does not."""
    p = ow.plan("paper", 12, {"ttft_p99_ms": 1000.0}, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"],
                splits=[(1, 2)], loads=(64, 128, 256, 512), seconds=30.0, warmup=10.0)
    m = p.marginal
    assert p.loc[p.best.index].bottleneck == "prefill"
    assert m["split"] == (1, 2) and m["plus_prefill"]["split"] == (2, 2) and m["plus_decode"]["split"] == (1, 3)
    g = m["goodput_gain_per_gpu"]
    assert g["prefill"] > 5 * max(g["decode"], 0.1)
    assert m["equal"] is False and m["under_provisioned"] == "prefill"
    assert "prefill pool is under-provisioned" in m["text"]
    # the gain is measured: the +1 prefill goodput is what a plan of 2P/2D finds
    q = ow.plan("paper", 16, {"ttft_p99_ms": 1000.0}, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"],
                splits=[(2, 2)], loads=(64, 128, 256, 512), seconds=30.0, warmup=10.0, marginal=False)
    assert m["plus_prefill"]["goodput_rps"] == q.goodput_rps.iloc[0]


def test_equal_gains_satisfy_the_equilibrium_condition():
    from orbits_widget.planning.marginal import verdict
    assert verdict({"prefill": 1.0, "decode": 1.01}, {"prefill": 0.0, "decode": 0.0}, 100.0, 4)["equal"]
    v = verdict({"prefill": 1.0, "decode": 3.0}, {"prefill": 0.0, "decode": 0.0}, 100.0, 4)
    assert not v["equal"] and v["under_provisioned"] == "decode" and v["measure"] == "goodput"
    v = verdict({"prefill": 0.0, "decode": 0.0}, {"prefill": 0.1, "decode": 0.0}, 100.0, 4)
    assert not v["equal"] and v["under_provisioned"] == "prefill" and v["measure"] == "slo_margin"


def test_trace_and_rate_workloads(tmp_path):
    path = synthetic_trace(300, rate=40.0, seed=3, path=str(tmp_path / "t.jsonl"))
    tr = load_trace(path)
    by_path = ow.plan(path, 12, SLA, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"], loads=(1, 2),
                      marginal=False)
    by_trace = ow.plan(tr, 12, SLA, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"], loads=(1, 2),
                       marginal=False)
    pd.testing.assert_frame_equal(pd.DataFrame(by_path), pd.DataFrame(by_trace))
    # every request of the trace is measured at each scale
    assert (by_path.runs.completed == 300).all()
    cfg = by_path.config(by_path.index[0])["workload"]
    assert cfg["kind"] == "trace" and len(cfg["trace"]) == 300
    # scale 2: the same requests twice as fast
    t2 = tr.scaled(2.0)
    np.testing.assert_allclose(t2.arrival_s, tr.arrival_s / 2)
    sim = ow.Simulation(PROFILE, trace=t2, concurrency=None, n_prefill=1, n_decode=2, history=256)
    s = sim.run(seconds=None).summary()
    got = by_path.runs[(by_path.runs.load == 2.0) & (by_path.runs.n_prefill == 1)].iloc[0]
    assert s["ttft_p99_ms"] == got.ttft_p99_ms
    r = ow.plan({"rate": 50.0}, 12, SLA, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"],
                loads=(1.0, 3.0), seconds=20.0, warmup=5.0, marginal=False)
    assert r.config(r.index[0])["workload"]["kind"] == "rate"
    low = r.runs[r.runs.load == 1.0]
    assert np.allclose(low.throughput_rps, 50.0, rtol=0.15)       # an open loop below capacity completes its rate


@pytest.mark.parametrize("args, field", [
    (dict(workload="papers"), "workload"),
    (dict(workload={"rps": 3}), "workload"),
    (dict(workload={"rate": -1}), "workload['rate']"),
    (dict(gpus=7), "gpus"),
    (dict(gpus=12.5), "gpus"),
    (dict(sla={}), "sla"),
    (dict(sla={"ttft_p50_ms": 3}), "sla"),
    (dict(sla={"ttft_p99_ms": 0}), "sla['ttft_p99_ms']"),
    (dict(sla={"itl_p99_ms": math.nan}), "sla['itl_p99_ms']"),
    (dict(loads=[]), "loads"),
    (dict(loads=[0]), "loads"),
    (dict(loads=[8.5]), "loads"),
    (dict(splits=[(0, 3)]), "splits n_prefill"),
    (dict(splits=[(2, 2)]), "splits"),
    (dict(router_grid=[(0.0,)]), "router_grid"),
    (dict(router_grid=[(-1.0, 1.0)]), "router_grid tau"),
    (dict(policies=["greedy"]), "policies"),
    (dict(planner=["yes"]), "planner"),
    (dict(seeds=[-1]), "seeds"),
    (dict(seconds=0), "seconds"),
    (dict(progress="yes"), "progress"),
    (dict(executor=3), "executor"),
    (dict(prune="no"), "prune"),
    (dict(marginal=1), "marginal"),
    (dict(profile="gpt-5"), "profile"),
])
def test_bad_arguments_name_the_field(args, field):
    kw = dict(workload="paper", gpus=12, sla=SLA, profile=PROFILE, loads=(8,), router_grid=[(0.0, 1.0)], seconds=1.0)
    kw.update(args)
    with pytest.raises(ValueError) as e:
        ow.plan(**kw)
    assert str(e.value).startswith(f"{field}:"), str(e.value)


def test_a_bad_trace_is_refused_before_any_work(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"timestamp": 0, "input_length": 5000000, "output_length": 10, "hash_ids": [1]}\n')
    with pytest.raises(ValueError, match="trace: .*KV blocks"):
        ow.plan(str(path), 12, SLA, profile=PROFILE)
    with pytest.raises(ValueError, match="scale: "):
        load_trace(synthetic_trace(5, path=str(tmp_path / "s.jsonl"))).scaled(0)


def test_an_overloaded_run_misses_the_sla_instead_of_stopping_the_search(tmp_path, monkeypatch):
    """Long prompts arriving far faster than one prefill worker serves them fill the request table
    (``Overloaded``); the search records what that run measured and counts it as missing the SLA.
    The table's cap is lowered to about 1,100 such requests (in bytes: what a request's row takes, keys
    and all) so that this happens soon."""
    path = synthetic_trace(3000, templates=3000, isl=30000, osl=8, rate=1000.0, seed=1, path=str(tmp_path / "o.jsonl"))
    st = ow.Simulation(PROFILE, trace=path, concurrency=None, n_prefill=1, n_decode=2, history=256).state
    monkeypatch.setattr(ow.api.simulation, "MAX_REQUEST_TABLE_BYTES", 1100 * ow.api.simulation.request_bytes(st))
    with pytest.raises(ow.api.simulation.Overloaded):
        ow.Simulation(PROFILE, trace=path, concurrency=None, n_prefill=1, n_decode=2, history=256).run(seconds=None)
    p = ow.plan(path, 12, {"ttft_p99_ms": 1e9}, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"],
                marginal=False)
    assert (p.runs.overloaded == 1.0).all()
    assert not p.meets_sla.any() and p.best is None and p.infeasible == ("ttft_p99_ms",)
    assert (p.runs.completed < 3000).all()


def test_pruning_past_a_saturated_miss_changes_no_row():
    """Loads above a saturated miss are skipped: same rows as running every load, fewer runs."""
    kw = dict(profile=PROFILE, router_grid=[(0.0, 1.0), (0.8, 0.1)], loads=(64, 256, 512, 768, 1024, 1536),
              seconds=30.0, warmup=10.0, marginal=False)
    sla = {"ttft_p99_ms": 400.0, "itl_p99_ms": 15.0}
    pruned, full = ow.plan("paper", 12, sla, **kw), ow.plan("paper", 12, sla, prune=False, **kw)
    assert len(full.runs) == len(full) * 6
    assert pruned.search["skipped_runs"] == len(full.runs) - len(pruned.runs) > len(full)
    cols = [c for c in full.columns if c != "max_throughput_rps"]
    pd.testing.assert_frame_equal(pd.DataFrame(pruned)[cols], pd.DataFrame(full)[cols])
    np.testing.assert_allclose(pruned.max_throughput_rps, full.max_throughput_rps, rtol=0.03)
    assert pruned.best.index == full.best.index
    # what was skipped misses the target in the full search
    kept = set(zip(pruned.runs.config, pruned.runs.load))
    skipped = full.runs[[(c, x) not in kept for c, x in zip(full.runs.config, full.runs.load)]]
    assert len(skipped) and (skipped.ttft_p99_ms > sla["ttft_p99_ms"]).all()


def test_the_frontier_ranks_goodput_per_gpu_not_per_deployment():
    """Deployments of 2, 3 and 4 of a 4-worker budget (8, 12, 16 GPUs): the larger ones complete more
    requests a second but fewer per GPU, so the documented axes (goodput per GPU against TTFT p99)
    give a frontier that goodput per deployment would not. The expected frontier is worked out here
    from goodput_rps and the GPUs each split uses."""
    sla = {"ttft_p99_ms": 2000.0, "itl_p99_ms": 30.0}
    p = ow.plan("paper", 16, sla, profile=PROFILE, router_grid=[(0.0, 1.0)], policies=["static"],
                splits=[(1, 1), (1, 2), (1, 3)], loads=(32, 128, 256), seconds=10.0, warmup=3.0, marginal=False)
    tp = ow.profiles.get(PROFILE).tp
    gpus = (p.n_prefill + p.n_decode) * tp
    assert list(gpus) == [8, 12, 16]
    assert p.meets_sla.all()

    def undominated(g):
        t = p.ttft_p99_ms
        return [not ((g >= g[i]) & (t <= t[i]) & ((g > g[i]) | (t < t[i]))).any() for i in p.index]

    per_gpu = undominated(p.goodput_rps / gpus)
    per_deployment = undominated(p.goodput_rps)
    assert per_gpu != per_deployment          # the case this test is for: the two axes disagree
    assert list(p.pareto) == per_gpu
    assert set(p.frontier.index) == {i for i in p.index if per_gpu[i]}
