"""``OrbitsWidget`` (``_widget.py``): the public surface, the traits (help, constraints in the trait
types, validation naming the field and what it allows) and what they change in the simulation."""
import pytest
import traitlets

import orbits_widget
from orbits_widget import OrbitsWidget
from orbits_widget.widget import PlanView
from orbits_widget.widget import _frames as F
from orbits_widget.widget._schema import MODE_LOAD, MODES, SPEED_RANGE, mode_for_load

TRAITS = ("load", "mode", "n_prefill", "n_decode", "adaptive", "planner", "playing", "speed", "demo", "c_max",
          "max_workers", "tau", "omega")
METHODS = ("play", "pause", "step", "reset", "run_demo", "stop_demo", "log", "narrate", "frame_costs", "close",
           "load_config", "set_workload")
PROPERTIES = ("demo_phase", "twins", "simulation", "concurrency", "workload")


def test_public_surface():
    assert "OrbitsWidget" in orbits_widget.__all__ and orbits_widget.OrbitsWidget is OrbitsWidget
    assert orbits_widget.widget.__all__ == ["OrbitsWidget", "PlanView"]
    assert orbits_widget.widget.OrbitsWidget is OrbitsWidget and orbits_widget.widget.PlanView is PlanView
    synced = {name for name, t in OrbitsWidget.class_traits(sync=True).items() if not name.startswith("_")}
    assert set(TRAITS) <= synced
    for name in METHODS:
        assert callable(getattr(OrbitsWidget, name)), name
    for name in PROPERTIES:
        assert isinstance(getattr(OrbitsWidget, name), property), name


def test_every_trait_has_help_and_its_constraint_in_the_type():
    traits = OrbitsWidget.class_traits()
    for name in TRAITS + ("_frame", "_schema", "_mission_log"):
        assert traits[name].help, name
    assert isinstance(traits["mode"], traitlets.Enum) and tuple(traits["mode"].values) == MODES
    assert (traits["load"].min, traits["load"].max) == (0.0, 1.0)
    assert (traits["speed"].min, traits["speed"].max) == SPEED_RANGE
    assert traits["n_prefill"].min == traits["n_decode"].min == 0     # the upper bound is the profile's max_workers
    assert (traits["c_max"].min, traits["c_max"].max) == (1, 100_000)
    for name in ("tau", "omega"):
        assert (traits[name].min, traits[name].max) == (0.0, 1e6), name
    for name in ("adaptive", "planner", "playing", "demo"):
        assert isinstance(traits[name], traitlets.Bool), name


def test_bad_values_raise_trait_errors_naming_what_is_allowed(w):
    with pytest.raises(traitlets.TraitError, match=r"load: must be a number in \[0, 1\], got 1.5"):
        w.load = 1.5
    with pytest.raises(traitlets.TraitError, match=r"load: must be a number in \[0, 1\], got nan"):
        w.load = float("nan")
    with pytest.raises(traitlets.TraitError, match=r"n_decode: must be an integer in \[0, 8\]"):
        w.n_decode = -1
    with pytest.raises(traitlets.TraitError, match=r"n_prefill: must be an integer in \[0, 8\]"):
        w.n_prefill = 9
    with pytest.raises(traitlets.TraitError, match=r"n_prefill: must be an integer in \[0, 8\]"):
        w.n_prefill = True
    with pytest.raises(traitlets.TraitError, match=r"mode: must be one of \['idle', 'normal', 'busy', 'saturation'\]"):
        w.mode = "panic"
    with pytest.raises(traitlets.TraitError, match=r"speed: must be in \[0.25, 50.0\]"):
        w.speed = 0.0
    with pytest.raises(traitlets.TraitError, match=r"c_max: must be an integer in \[1, 100000\], got 0"):
        w.c_max = 0
    with pytest.raises(traitlets.TraitError):
        OrbitsWidget(autoplay=False, chart=False, predictor="crystal-ball")
    with pytest.raises(traitlets.TraitError, match="n_decode"):
        OrbitsWidget(autoplay=False, chart=False, n_decode=9)
    with pytest.raises(traitlets.TraitError, match=r"c_max: must be an integer in \[1, 100000\]"):
        OrbitsWidget(autoplay=False, chart=False, c_max=True)
    # the failed assignments left everything as it was
    assert (w.load, w.mode, w.n_decode, w.n_prefill, w.speed) == (MODE_LOAD["idle"], "idle", 2, 1, 4.0)


def test_zero_workers_is_an_outage_not_an_error(w):
    w.mode = "normal"
    w.n_prefill = 0
    assert w.simulation.n_prefill == 0 and w.twins.adaptive.n_prefill == 0
    w.step(10.0)
    c = w.simulation.counters()
    assert c["issued"] == c["completed"] + c["in_flight"]
    with w.runner.lock:
        frame = F.decode_frame(w.runner.encode())
    assert set(frame["prefill"]["state"].tolist()) <= {0.0, 3.0}     # off, or draining what it held: none serving
    w.n_prefill = 1
    assert w.simulation.n_prefill == 1


def test_mode_tabs_set_the_load_and_the_load_sets_the_tab(w):
    for mode in MODES:
        w.mode = mode
        assert w.load == MODE_LOAD[mode]
        assert w.twins.static.concurrency == w.twins.adaptive.concurrency == round(MODE_LOAD[mode] * 256)
        assert mode_for_load(w.load) == mode
    knee = w.simulation.profile.knee_concurrency
    assert w.concurrency == 256 > knee         # saturation: far past the knee C*
    assert round(MODE_LOAD["busy"] * 256) < knee <= round(MODE_LOAD["saturation"] * 256)
    w.load = 0.3                                # a slider position keeps its value, the tab follows it
    assert (w.mode, w.load, w.simulation.concurrency) == ("normal", 0.3, 77)
    w.load = 0.0
    assert (w.mode, w.simulation.concurrency) == ("idle", 0)
    v = OrbitsWidget(autoplay=False, chart=False, load=0.6, n_decode=3)
    try:
        assert (v.mode, v.load, v.simulation.concurrency) == ("saturation", 0.6, 154)
        assert v.twins.static.n_decode == v.twins.adaptive.n_decode == 3
    finally:
        v.close()


def test_traits_change_the_simulation(w):
    w.n_decode = 3
    assert w.simulation.n_decode == 3 and w.twins.adaptive.n_decode == 3
    assert w.simulation.policy == "static"
    w.adaptive = True
    assert w.simulation is w.twins.adaptive and w.simulation.policy == "adaptive"
    w.planner = True
    assert w.twins.static.planner.enabled and w.twins.adaptive.planner.enabled
    w.planner = False
    assert not w.twins.adaptive.planner.enabled
    t = w.simulation.time
    w.step(2.5)
    assert w.simulation.time == pytest.approx(t + 2.5) and w.twins.static.time == pytest.approx(t + 2.5)


def test_reset_and_a_bounded_log(w):
    w.mode = "saturation"
    for i in range(250):
        w.narrate(f"line {i}")
    assert len(w.log()) == 200 and w.log()[-1][2] == "line 249"
    assert len(w._mission_log) == 60 and w._mission_log[-1][2] == "line 249"
    w.step(3.0)
    w.reset()
    assert w.simulation.time == 0.0 and w.log() == [] and w.simulation.concurrency == 256
    assert w._mission_log == []


def test_repr_is_deterministic():
    a = OrbitsWidget(autoplay=False, chart=False, seed=3, mode="busy")
    b = OrbitsWidget(autoplay=False, chart=False, seed=3, mode="busy")
    try:
        assert repr(a) == repr(b) == ("OrbitsWidget(profile='nemotron-340b-1p2d', hypothesis='H4', seed=3, "
                                      "mode='busy', load=0.45, C=115, n_prefill=1, n_decode=2, tau=0, omega=1, "
                                      "adaptive=False, planner=False, speed=4)")
    finally:
        a.close()
        b.close()


def test_speed_range_is_documented_and_enforced(w):
    lo, hi = SPEED_RANGE
    w.speed = lo
    w.speed = hi
    assert w.speed == hi
    with pytest.raises(traitlets.TraitError, match="speed"):
        w.speed = hi * 1.01


def snapshot(w):
    """Every control trait and what the simulation has of it."""
    sims = (w.twins.static, w.twins.adaptive)
    return ({name: getattr(w, name) for name in TRAITS}, w.simulation is w.twins.adaptive,
            [(s.concurrency, s.n_prefill, s.n_decode, s.planner.enabled, s.time, s.tau, s.omega,
              s.detector_config.table["BELOW"]) for s in sims])


def test_c_max_and_max_workers_are_validated_after_construction(w):
    w.mode = "normal"
    before = snapshot(w)
    for value in (-5, 0, 100_001, 2.5, True, float("nan"), float("inf"), "256", None):
        with pytest.raises(traitlets.TraitError, match=r"^c_max: must be an integer in \[1, 100000\], got "):
            w.c_max = value
    for value in (4, 9, 0, True, 8.5, "8"):
        with pytest.raises(traitlets.TraitError, match=r"^max_workers: must be the profile's max_workers, an integer "
                                                        r"in \[8, 8\] \(read-only\), got "):
            w.max_workers = value
    assert snapshot(w) == before            # a rejected write changes neither the widget nor the simulation
    w.load = 0.5                            # ... and the controls keep working
    assert (w.concurrency, w.twins.static.concurrency, w.twins.adaptive.concurrency) == (128, 128, 128)
    w.c_max = 512                           # a valid c_max applies now: C = round(load * c_max)
    assert (w.concurrency, w.twins.static.concurrency, w.twins.adaptive.concurrency) == (256, 256, 256)
    w.max_workers = 8                       # the profile's own value is accepted (no change)
    w.n_decode = 8
    assert w.simulation.n_decode == 8


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("load", True, r"a number in \[0, 1\]"), ("load", False, r"a number in \[0, 1\]"),
    ("load", float("inf"), r"a number in \[0, 1\]"), ("load", float("-inf"), r"a number in \[0, 1\]"),
    ("load", "0.5", r"a number in \[0, 1\]"),
    ("speed", True, r"in \[0.25, 50.0\]"), ("speed", float("nan"), r"in \[0.25, 50.0\]"),
    ("speed", float("inf"), r"in \[0.25, 50.0\]"),
    ("n_prefill", False, r"an integer in \[0, 8\]"), ("n_decode", float("nan"), r"an integer in \[0, 8\]"),
    ("n_decode", float("inf"), r"an integer in \[0, 8\]"), ("n_decode", 2.5, r"an integer in \[0, 8\]"),
    ("adaptive", 1, "True or False"), ("planner", "yes", "True or False"), ("playing", 0, "True or False"),
    ("demo", None, "True or False"), ("mode", 1, "one of"),
    ("tau", -0.1, r"a number in \[0, 1000000\]"), ("omega", 1e6 + 1, r"a number in \[0, 1000000\]"),
    ("tau", True, r"a number in \[0, 1000000\]"), ("omega", float("nan"), r"a number in \[0, 1000000\]"),
    ("tau", "0.5", r"a number in \[0, 1000000\]"),
])
def test_bools_as_numbers_non_finite_numbers_and_wrong_types_are_rejected(w, name, value, allowed):
    before = snapshot(w)
    with pytest.raises(traitlets.TraitError, match=rf"^{name}: must be {allowed}.*, got {value!r}"):
        setattr(w, name, value)
    assert snapshot(w) == before


def test_log_last(w):
    for i in range(5):
        w.narrate(f"line {i}")
    assert w.log(last=0) == [] and [x[2] for x in w.log(last=2)] == ["line 3", "line 4"]
    assert w.log(last=99) == w.log() and len(w.log()) == 5 and w.log(last=5.0) == w.log()
    for bad in (-1, -5, 1.5, True, "2", float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"^last: must be an integer in \[0, inf\]"):
            w.log(last=bad)


def test_seed_and_predictor_are_validated():
    for bad in (1.7, "a", True, -1, float("nan"), None):
        with pytest.raises(ValueError, match=r"^seed: must be an integer in \[0, "):
            OrbitsWidget(autoplay=False, chart=False, seed=bad)
    for bad in ("crystal-ball", None, ["kalman"], 1):
        with pytest.raises(traitlets.TraitError, match=r"^predictor: must be one of \['constant', 'arima', 'kalman'\]"):
            OrbitsWidget(autoplay=False, chart=False, predictor=bad)
    v = OrbitsWidget(autoplay=False, chart=False, seed=3.0, predictor="arima")
    try:
        assert v.runner.seed == 3 and "seed=3," in repr(v)
    finally:
        v.close()


def test_step_validates_seconds_as_simulation_step_does(w):
    t = w.simulation.time
    for bad in (-5, "a", float("nan"), float("inf"), True, None, 2e9):
        with pytest.raises(ValueError, match=r"^seconds: must be a finite number in \[0.0, 1000000000.0\]") as e:
            w.step(bad)
        with pytest.raises(ValueError) as e2:           # the same words as the simulation's own check
            w.simulation.step(bad)
        assert str(e.value) == str(e2.value)
    assert w.simulation.time == t == w.twins.adaptive.time
    w.step(0)
    w.step(1)
    assert w.simulation.time == t + 1
