"""``OrbitsWidget`` shows any configuration: the router (``tau``, ``omega``: the static twin's, the
adaptive controller's BELOW row), an open-loop workload (a trace replayed at its timestamps, Poisson
arrivals at a rate) and ``load_config`` (what ``PlanView`` calls). Every test reads both the traits
and both twins: they must agree."""
import time

import numpy as np
import pytest
import traitlets

from orbits_widget import DeploymentConfig, OrbitsWidget
from orbits_widget.control import DEFAULT_TABLE
from orbits_widget.kernel import layout as L
from orbits_widget.planning import Plan
from orbits_widget.planning.search import Workload
from orbits_widget.widget import _frames as F
from orbits_widget.workload.traces import load_trace, synthetic_trace

PROFILE = "nemotron-340b-1p2d"


def frame(w):
    with w.runner.lock:
        return F.decode_frame(w.runner.encode())


def below_row(sim):
    """The BELOW row as the kernel reads it (what the controller applies), and as the config says."""
    p = sim.state.params
    kernel = (float(p[L.P_REGIME_TABLE]), float(p[L.P_REGIME_TABLE + 1]))
    assert kernel == sim.detector_config.table["BELOW"]
    return kernel


def config(**kw):
    cfg = {"profile": PROFILE, "n_prefill": 2, "n_decode": 3, "tau": 0.5, "omega": 0.3, "policy": "adaptive",
           "planner": True, "workload": {"kind": "paper", "concurrency": 96}}
    cfg.update(kw)
    return cfg


def state(w):
    """Every control trait and what both twins have of it."""
    names = ("load", "mode", "c_max", "n_prefill", "n_decode", "tau", "omega", "adaptive", "planner", "_workload")
    return ({n: getattr(w, n) for n in names}, w.simulation is w.twins.adaptive, w.runner.open_loop,
            [(s.concurrency, s.rate, s.n_prefill, s.n_decode, s.tau, s.omega, below_row(s), s.planner.enabled,
              s.time) for s in (w.twins.static, w.twins.adaptive)])


@pytest.fixture
def trace_path(tmp_path):
    return synthetic_trace(30, rate=6.0, seed=1, path=str(tmp_path / "trace.jsonl"))


# ----------------------------------------------------------------------------------- tau, omega ----
def test_tau_and_omega_set_the_static_router_and_the_adaptive_below_row(w):
    assert (w.tau, w.omega) == (0.0, 1.0)                     # Dynamo's defaults
    w.tau, w.omega = 0.25, 0.4
    s, a = w.twins.static, w.twins.adaptive
    assert (s.tau, s.omega) == (0.25, 0.4)
    assert below_row(a) == (0.25, 0.4) and a.detector_config.table == dict(DEFAULT_TABLE, BELOW=(0.25, 0.4))
    assert (a.tau, a.omega) == (0.25, 0.4)                    # BELOW now: it routes with the new row at once
    for adaptive in (False, True):                            # the frame (the panel's τ, ω) of either twin
        w.adaptive = adaptive
        sc = frame(w)["scalars"]
        assert sc["tau"] == pytest.approx(0.25) and sc["omega"] == pytest.approx(0.4)
    assert "router (τ, ω) = (0.25, 0.4)" in w.log()[-2][2]
    w.reset()                                                 # fresh twins keep them
    assert (w.twins.static.tau, w.twins.static.omega) == (0.25, 0.4) == below_row(w.twins.adaptive)
    assert w.twins.adaptive.time == 0.0


def test_a_new_below_row_waits_while_the_controller_is_past_below():
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation")
    try:
        a = w.twins.adaptive
        while a.detector["regime"] == "BELOW":
            w.step(10.0)
        flipped = (a.tau, a.omega)
        assert flipped == DEFAULT_TABLE[a.detector["regime"]]
        w.tau, w.omega = 0.1, 0.9
        assert (a.tau, a.omega) == flipped                    # the regime's row still routes
        assert below_row(a) == (0.1, 0.9) and (w.twins.static.tau, w.twins.static.omega) == (0.1, 0.9)
        w.mode = "idle"                                       # back under theta1: the controller applies it
        while a.detector["regime"] != "BELOW":
            w.step(10.0)
        assert (a.tau, a.omega) == (0.1, 0.9)
        assert any("-> (0.1, 0.9) for BELOW" in text for _, _, text in w.log())
    finally:
        w.close()


# ---------------------------------------------------------------------------------- open loops ----
def test_an_open_loop_rate_refuses_load_writes_and_reports_little_s_law():
    w = OrbitsWidget(autoplay=False, chart=False, workload={"kind": "rate", "rate": 4.0})
    try:
        assert w.concurrency is None and w.workload == {"kind": "rate", "rate": 4.0}
        assert w._workload == {"kind": "rate", "text": "Poisson arrivals at 4 req/s"}
        for sim in (w.twins.static, w.twins.adaptive):
            assert (sim.concurrency, sim.rate) == (None, 4.0)
        before = state(w)
        for name, value in (("load", 0.5), ("mode", "saturation")):
            with pytest.raises(traitlets.TraitError, match=rf"^{name}: the widget runs an open loop \(Poisson "
                                                           r"arrivals at 4 req/s\), whose arrivals set the load"):
                setattr(w, name, value)
        w.load = w.load                                       # an unchanged value is no change: accepted
        assert state(w) == before
        w.c_max = 512                                         # c_max only scales the page's corona: accepted
        assert state(w)[3] == before[3]
        # the frame's concurrency: mean requests in flight over the window (the kernel's integral), the
        # same figure as the summary's over the same window, not the instantaneous count
        w.step(20.0)
        w.twins.static.reset_stats()
        frame(w)
        w.step(5.0)
        f = frame(w)
        mean = w.twins.static.summary()["mean_in_flight"]
        assert mean > 0 and f["scalars"]["concurrency"] == pytest.approx(mean, rel=1e-5)
        assert f["scalars"]["in_flight"] == w.twins.static.counters()["in_flight"]
        assert w.runner.assembler.concurrency == pytest.approx(mean, rel=1e-6)     # the chart's live point x
        assert "workload='Poisson arrivals at 4 req/s'" in repr(w)
    finally:
        w.close()


def test_set_workload_returns_to_the_closed_loop():
    w = OrbitsWidget(autoplay=False, chart=False, workload={"kind": "rate", "rate": 2.0})
    try:
        w.step(3.0)
        w.set_workload(None)
        assert w.runner.open_loop is None and w._workload == {"kind": "paper", "text": ""}
        assert w.twins.time == 0.0 and w.twins.static.rate is None
        w.mode = "busy"
        assert w.concurrency == 115 == w.twins.static.concurrency == w.twins.adaptive.concurrency
        w.set_workload({"kind": "paper", "concurrency": 300})         # past c_max: c_max follows
        assert (w.c_max, w.concurrency, w.twins.static.concurrency, w.twins.adaptive.concurrency) == (300,) * 4
        assert w.workload == {"kind": "paper", "concurrency": 300} and w.mode == "saturation"
        for bad, match in (({"kind": "burst"}, "'kind' must be one of"), ({"kind": "rate"}, r"missing \['rate'\]"),
                           ({"kind": "rate", "rate": -1}, r"rate'\]: must be a finite number in \(0.0"),
                           ({"kind": "paper", "concurrency": 2.5}, "concurrency"), ("paper", "must be None or a dict"),
                           ({"kind": "trace", "trace": 3}, "must be a Trace")):
            with pytest.raises(ValueError, match=match):
                w.set_workload(bad)
        assert w.workload == {"kind": "paper", "concurrency": 300}
    finally:
        w.close()


def test_a_trace_replay_runs_to_its_end_pauses_and_plays_again(trace_path):
    tr = load_trace(trace_path).scaled(2.0)
    w = OrbitsWidget(autoplay=False, chart=False, speed=50.0, workload={"kind": "trace", "trace": tr, "scale": 2.0})
    try:
        assert w.twins.static.trace is tr and w.twins.adaptive.trace is tr and w.concurrency is None
        assert w._workload["text"] == "trace replay ×2 · 30 requests"
        w.play()                                              # the runner's thread, at 50 simulated s/s
        deadline = time.time() + 30
        while w.playing and time.time() < deadline:
            time.sleep(0.05)
        assert not w.playing and w.runner.running and w.runner.loop_error is None
        assert w.twins.static.finished and w.twins.adaptive.finished
        assert w.twins.static.counters()["completed"] == len(tr)
        end = w.twins.time
        assert sum("trace replay finished: 30 requests" in text for _, _, text in w.log()) == 1
        w.pause()
        w.play()                                              # play after the end replays from t = 0
        assert w.twins.time < end and not w.runner.replay_over
        w.pause()
    finally:
        w.close()


def test_the_auto_demo_returns_an_open_loop_to_the_papers_closed_loop():
    w = OrbitsWidget(autoplay=False, chart=False, workload={"kind": "rate", "rate": 2.0}, tau=0.5)
    try:
        w.run_demo(play=False)
        assert w.demo and w.demo_phase == "static" and w.runner.open_loop is None
        assert w.concurrency == 256 == w.twins.static.concurrency and (w.tau, w.twins.static.tau) == (0.0, 0.0)
    finally:
        w.close()


# ---------------------------------------------------------------------------------- load_config ----
def test_load_config_sets_the_traits_and_both_twins_from_t0(w):
    w.mode = "saturation"
    w.step(12.0)
    seen = []
    w.observe(lambda ch: seen.append(ch["name"]), names=["n_prefill", "n_decode", "tau", "omega", "adaptive",
                                                         "planner", "load"])
    w.load_config(config())
    s, a = w.twins.static, w.twins.adaptive
    assert (w.n_prefill, w.n_decode, w.tau, w.omega, w.adaptive, w.planner) == (2, 3, 0.5, 0.3, True, True)
    assert set(seen) == {"n_prefill", "n_decode", "tau", "omega", "adaptive", "planner", "load"}
    assert s.time == a.time == 0.0
    for sim in (s, a):
        assert (sim.n_prefill, sim.n_decode, sim.concurrency) == (2, 3, 96)
        assert sim.planner.enabled and sim.planner.cfg.budget_workers == 5     # the configuration's own workers
    assert (s.tau, s.omega) == (0.5, 0.3) and s.policy == "static"
    assert below_row(a) == (0.5, 0.3) == (a.tau, a.omega) and a.policy == "adaptive"
    assert w.simulation is a and w.concurrency == 96 and w.mode == "busy"         # 96 / 256 = 0.375
    assert w.log()[-1][1:] == ("config", "loaded adaptive 2P/3D, (τ, ω) = (0.5, 0.3) as the controller's BELOW "
                                         "row, Planner on, closed loop, C = 96 clients")
    f = frame(w)
    assert f["time"] == 0.0 and f["flags"]["adaptive"] and f["flags"]["planner"]
    assert f["scalars"]["tau"] == pytest.approx(0.5) and f["scalars"]["concurrency"] == 96
    # the controls work as before once loaded
    w.n_decode, w.tau = 4, 0.7
    assert s.n_decode == a.n_decode == 4 and s.tau == 0.7 and below_row(a) == (0.7, 0.3)
    w.load_config(config(policy="static", planner=False, n_prefill=1, n_decode=1, tau=0.0, omega=1.0,
                         workload={"kind": "paper", "concurrency": 1000}))
    assert w.simulation is w.twins.static and not w.adaptive and not w.twins.static.planner.enabled
    assert (w.c_max, w.load, w.concurrency, w.twins.adaptive.concurrency) == (1000, 1.0, 1000, 1000)


def test_load_config_with_an_open_loop(trace_path):
    w = OrbitsWidget(autoplay=False, chart=False)
    try:
        tr = load_trace(trace_path).scaled(0.5)
        w.load_config(config(policy="static", workload={"kind": "trace", "trace": tr, "scale": 0.5}))
        assert w.runner.open_loop == {"kind": "trace", "trace": tr, "scale": 0.5} and w.concurrency is None
        assert w.twins.static.trace is tr and w.twins.static.concurrency is None
        assert w.log()[-1][2].endswith("open loop, trace replay ×0.5 · 30 requests")
        w.load_config(config(workload={"kind": "rate", "rate": 3.5}))
        assert (w.twins.adaptive.rate, w.twins.static.rate) == (3.5, 3.5) and w._workload["kind"] == "rate"
        w.load_config(config(workload={"kind": "paper", "concurrency": 8}))
        assert w.runner.open_loop is None and w.concurrency == 8 == w.twins.static.concurrency
    finally:
        w.close()


@pytest.mark.parametrize(("change", "match"), [
    ({"profile": "llama-70b-1p2d"}, r"^cfg\['profile'\]: this widget simulates 'nemotron-340b-1p2d', got "
                                    r"'llama-70b-1p2d'"),
    ({"n_prefill": 9}, r"^cfg\['n_prefill'\]: must be an integer in \[0, 8\]"),
    ({"n_decode": -1}, r"^cfg\['n_decode'\]: must be an integer"),
    ({"tau": float("nan")}, r"^cfg\['tau'\]: must be a finite number"),
    ({"omega": 2e6}, r"^cfg\['omega'\]"),
    ({"policy": "greedy"}, r"^cfg\['policy'\]: must be 'static' or 'adaptive', got 'greedy'"),
    ({"planner": "yes"}, r"^cfg\['planner'\]: must be True or False"),
    ({"workload": {"kind": "burst"}}, r"^workload: 'kind' must be one of"),
    ({"seed": 3}, r"^cfg: needs exactly the keys .*unknown \['seed'\]"),
])
def test_load_config_rejects_a_bad_config_and_changes_nothing(w, change, match):
    w.mode = "normal"
    w.step(2.0)
    before = state(w)
    with pytest.raises(ValueError, match=match):
        w.load_config(config(**change))
    assert state(w) == before


def test_load_config_refuses_a_trace_the_profile_cannot_hold(w, tmp_path):
    # a prompt longer than a decode worker's KV: Simulation refuses it; the widget is left as it was
    path = synthetic_trace(3, isl=2_000_000, osl=8, rate=1.0, path=str(tmp_path / "huge.jsonl"))
    before = state(w)
    with pytest.raises(ValueError, match="KV blocks"):
        w.load_config(config(workload={"kind": "trace", "trace": load_trace(path), "scale": 1.0}))
    assert state(w) == before
    missing = {k: v for k, v in config().items() if k != "planner"}
    with pytest.raises(ValueError, match=r"missing \['planner'\]"):
        w.load_config(missing)
    assert np.isfinite(w.twins.time)


def test_plan_config_round_trips_through_load_config(w):
    # a plan's rows by hand (what ow.plan's search would measure is not needed to read a configuration)
    p = Plan({"n_prefill": [2, 1], "n_decode": [3, 1], "tau": [0.5, 0.0], "omega": [0.3, 1.0],
              "policy": ["adaptive", "static"], "planner": [True, False], "load": [96, 8]})
    p.profile, p.workload = PROFILE, Workload("paper")
    for label in p.index:
        d, row = p.deployment(label), p.loc[label]
        assert (d.profile, d.n_prefill, d.n_decode, d.tau, d.omega, d.policy, d.planner, d.workload) == (
            PROFILE, row.n_prefill, row.n_decode, row.tau, row.omega, row.policy, row.planner,
            {"kind": "paper", "concurrency": row.load})
        assert p.config(label) == d.as_dict() and DeploymentConfig.from_dict(p.config(label)) == d
        for given in (p.config(label), d):                  # the dict and the record load alike
            w.load_config(given)
            assert DeploymentConfig(profile=w.runner.profile.name, n_prefill=w.n_prefill, n_decode=w.n_decode,
                                    tau=w.tau, omega=w.omega, policy="adaptive" if w.adaptive else "static",
                                    planner=w.planner, workload=w.workload) == d
            assert (w.twins.static.n_prefill, w.twins.adaptive.n_decode) == (d.n_prefill, d.n_decode)
    # a record is valid for any profile's pools (up to 64): the widget still holds it to its max_workers
    before = state(w)
    with pytest.raises(ValueError, match=r"^cfg\['n_prefill'\]: must be an integer in \[0, 8\], got 9$"):
        w.load_config(DeploymentConfig(**config(n_prefill=9)))
    assert state(w) == before
