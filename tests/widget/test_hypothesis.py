"""The ``hypothesis`` trait: the stage runs a row of the hypothesis bench (issue 21). Switching restarts both
twins at t = 0 on the same seed and says so; the frames, the chart, the Auto-demo and recordings follow."""
import time

import numpy as np
import pytest
import traitlets

from orbits_widget import OrbitsWidget, hypotheses, profiles
from orbits_widget.hypotheses import HYPOTHESES, profile_for
from orbits_widget.widget import _frames, _recording


@pytest.fixture
def w():
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation")
    yield w
    w.close()


def test_the_default_is_the_benchs_default_model(w):
    assert w.hypothesis == hypotheses.DEFAULT == "H4"
    assert w.simulation.profile == profiles.get()           # the profiles' defaults are that row's options
    assert [h["name"] for h in w._schema["hypotheses"]] == list(HYPOTHESES)


@pytest.mark.parametrize("bad", ["H7", "h4", "", None, 4, ["H1"]])
def test_a_bad_name_is_a_trait_error_naming_the_choices(w, bad):
    with pytest.raises(traitlets.TraitError, match=r"hypothesis: must be one of \['today', 'H1'"):
        w.hypothesis = bad
    assert w.hypothesis == "H4"
    with pytest.raises(traitlets.TraitError, match="hypothesis: must be one of"):
        OrbitsWidget(autoplay=False, chart=False, hypothesis=bad)


@pytest.mark.parametrize("name", list(HYPOTHESES))
def test_each_model_runs_on_both_twins_with_its_own_options(w, name):
    if name == w.hypothesis:
        w.hypothesis = "today"             # writing the value it has changes nothing: come from another one
    w.step(5.0)
    w.hypothesis = name
    want = profile_for(name, profiles.get())
    assert w.twins.static.profile == want and w.twins.adaptive.profile == want
    assert w.twins.time == 0.0
    assert w.log()[-1][2].startswith(f"model {name} (") and w.log()[-1][2].endswith("restart at t = 0 on seed 0")
    assert len(w.log()) == 1 + sum(1 for e in w.log() if e[0] == 0.0 and e[1] != "config")
    assert w._schema["mechanisms"]["direct"] == (want.adaptive_path == "direct")


def test_switching_restarts_on_the_same_seed():
    """Back to the default after another model: the same run as a fresh widget's, number for number."""
    a = OrbitsWidget(autoplay=False, chart=False, mode="saturation", seed=5)
    b = OrbitsWidget(autoplay=False, chart=False, mode="saturation", seed=5)
    try:
        a.step(30.0)
        a.hypothesis = "H1+H4"
        a.step(10.0)
        a.hypothesis = "H4"
        a.step(30.0)
        b.step(30.0)
        for k in ("completed", "issued", "ttft_p99_ms", "poa_hat"):
            assert a.twins.adaptive.live()[k] == b.twins.adaptive.live()[k] or \
                (np.isnan(a.twins.adaptive.live()[k]) and np.isnan(b.twins.adaptive.live()[k]))
    finally:
        a.close()
        b.close()


def frames(w, seconds, every=0.5):
    out = []
    for _ in range(int(seconds / every)):
        w.step(every)
        with w.runner.lock:
            out.append(_frames.decode_frame(w.runner.encode()))
    return out


def test_the_frames_carry_the_direct_path_at_work(w):
    """H1 + H4 at saturation: once the controller leaves Dynamo's defaults, requests fly from the Frontend to
    decode workers that prefill them (and not round the Sun to the prefill pool), and the frontend's
    histogram has nothing more to read."""
    w.adaptive = True
    w.hypothesis = "H1+H4"
    fs = frames(w, 60.0)
    late = fs[-20:]
    assert sum(f["routes"]["request_direct"] for f in late) > 100
    assert sum(f["routes"]["request_prefill"] for f in late) == 0
    assert max(f["decode"]["direct"].sum() for f in late) > 50
    assert any(f["decode"]["prefilling"].any() for f in late)
    assert np.isnan(late[-1]["scalars"]["poll_prometheus_p99_ms"])
    assert 0 < late[-1]["scalars"]["poll_exact_p99_ms"] < 100
    # the static twin on stage has none of it
    w.adaptive = False
    assert frames(w, 2.0)[-1]["decode"]["direct"].sum() == 0


def test_the_frames_carry_clients_waiting_for_a_connection(w):
    w.hypothesis = "H5"                     # 100 connections for 256 clients
    f = frames(w, 10.0)[-1]
    assert f["scalars"]["client_waiting"] == 256 - 100 - w.simulation.thinking
    w.hypothesis = "H4"
    assert frames(w, 10.0)[-1]["scalars"]["client_waiting"] == 0


def test_the_frames_carry_reads_waiting_to_be_posted(w):
    w.hypothesis = "H2"
    assert any(f["decode"]["posting"].sum() > 0 for f in frames(w, 20.0, every=0.003))


def test_the_frames_carry_both_readings_of_the_detectors_p99(w):
    f = frames(w, 30.0)[-1]["scalars"]
    exact, prom = f["poll_exact_p99_ms"], f["poll_prometheus_p99_ms"]
    assert np.isfinite(exact) and np.isfinite(prom) and exact != prom
    assert prom == pytest.approx(w.simulation.detector["last_p99_ms"], rel=1e-5)   # the default reads Prometheus


def test_a_recording_carries_and_shows_its_model(w):
    w.hypothesis = "H1+H4"
    w.record(5.0, speed=4.0)
    meta = _recording.decode(w._recording)["meta"]
    assert meta["traits"]["hypothesis"] == "H1+H4"
    assert meta["schema"]["mechanisms"]["direct"] is True
    assert any(line[2].startswith("model H1+H4") for line in meta["log"])


def test_the_chart_follows_the_model_and_keeps_each_models_curves():
    w = OrbitsWidget(autoplay=False, mode="saturation")
    try:
        chart = w.chart
        assert chart.computed.wait(120)
        default = chart.data
        w.hypothesis = "H1+H4"
        assert chart.computed.wait(120)
        direct = chart.data
        # the controller's requests bypass the prefill worker past the knee: the adaptive curve drops
        assert direct["adaptive"][-1] < default["adaptive"][-1] / 10
        assert direct["static"] == default["static"]                # static runs the same frontend path
        key = (profile_for("H4", profiles.get()), w.n_prefill, w.n_decode, 0.0, 1.0)
        assert chart.kept[key]["adaptive"] == default["adaptive"] and key[0] != chart.profile
        w.hypothesis = "H4"                                          # back: drawn from what was kept
        assert chart.computed.wait(120) and chart.data["adaptive"] == default["adaptive"]
        # after a switch the chart computes the other models' curves in the background; idle once all are kept
        deadline = time.monotonic() + 600
        while not chart.idle() and time.monotonic() < deadline:
            time.sleep(0.5)
        models = {profile_for(n, profiles.get()) for n in HYPOTHESES}
        assert chart.idle() and models <= {k[0] for k in chart.kept}
        w.n_decode = 3                                               # new pools: work to do again
        assert not chart.idle()
    finally:
        w.close()


@pytest.mark.parametrize("name, says", [("H1+H4", "straight to decode workers"),
                                        ("H5", "wait at the Frontend for one of their 100 connections")])
def test_the_auto_demo_says_what_the_mechanism_does(name, says):
    w = OrbitsWidget(autoplay=False, chart=False, hypothesis=name)
    try:
        w.run_demo(play=False)
        for _ in range(600):
            if not w.demo:
                break
            w.step(1.0)
        text = [t for _, _, t in w.log()]
        assert any(f"model {name}" in t for t in text if t.startswith("Auto-demo 1/3"))
        assert any(says in t for t in text if t.startswith(("static:", "adaptive:")))
    finally:
        w.close()
