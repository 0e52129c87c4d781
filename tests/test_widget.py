"""OrbitsWidget without a browser: traits and their validation, what they change in the
simulation, the binary frame (Python and the JS decoder under node), the frame rate limit, the
Auto-demo script run headless, and the committed bundle being current."""
import json
import math
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import traitlets

from orbits_widget import OrbitsWidget
from orbits_widget.widget import _frames as F
from orbits_widget.widget._widget import MAX_FPS, MODE_LOAD, MODES, SPEED_RANGE, mode_for_load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def w():
    widget = OrbitsWidget(autoplay=False, chart=False)
    yield widget
    widget.close()


def test_bad_values_raise_trait_errors_naming_what_is_allowed(w):
    with pytest.raises(traitlets.TraitError, match=r"load: must be a number in \[0, 1\], got 1.5"):
        w.load = 1.5
    with pytest.raises(traitlets.TraitError, match=r"n_decode: must be an integer in \[0, 8\]"):
        w.n_decode = -1
    with pytest.raises(traitlets.TraitError, match=r"n_prefill: must be an integer in \[0, 8\]"):
        w.n_prefill = 9
    with pytest.raises(traitlets.TraitError, match=r"mode: must be one of \['idle', 'normal', 'busy', 'saturation'\]"):
        w.mode = "panic"
    with pytest.raises(traitlets.TraitError, match=r"speed: must be in \[0.25, 50.0\]"):
        w.speed = 0.0
    with pytest.raises(traitlets.TraitError):
        OrbitsWidget(autoplay=False, chart=False, predictor="crystal-ball")
    with pytest.raises(traitlets.TraitError, match="n_decode"):
        OrbitsWidget(autoplay=False, chart=False, n_decode=9)
    # the failed assignments left everything as it was
    assert (w.load, w.mode, w.n_decode, w.n_prefill, w.speed) == (MODE_LOAD["idle"], "idle", 2, 1, 4.0)


def test_zero_workers_is_an_outage_not_an_error(w):
    w.mode = "normal"
    w.n_prefill = 0
    assert w.simulation.n_prefill == 0 and w.twins.adaptive.n_prefill == 0
    w.step(10.0)
    c = w.simulation.counters()
    assert c["issued"] == c["completed"] + c["in_flight"]
    states = set(F.decode_frame(w._encode())["prefill"]["state"].tolist())
    assert states <= {0.0, 3.0}             # off, or draining what it held: none serving
    w.n_prefill = 1
    assert w.simulation.n_prefill == 1


def test_mode_tabs_set_the_load_and_the_load_sets_the_tab(w):
    for mode in MODES:
        w.mode = mode
        assert w.load == MODE_LOAD[mode]
        assert w.twins.static.concurrency == w.twins.adaptive.concurrency == round(MODE_LOAD[mode] * 256)
        assert mode_for_load(w.load) == mode
    assert w.concurrency == 256                # saturation: far past the knee C* = 128
    assert round(MODE_LOAD["busy"] * 256) < 128 <= round(MODE_LOAD["saturation"] * 256)
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


def test_the_planners_moves_come_back_to_the_traits(w):
    seen = []
    w.observe(lambda ch: seen.append(ch["new"]), names="n_decode")
    w.mode = "saturation"
    w.adaptive = True
    w.planner = True
    for _ in range(90):
        w.step(1.0)
    assert w.n_decode == w.simulation.n_decode > 2
    assert seen and seen[-1] == w.n_decode
    assert any(kind == "planner" and "planner: decode +1" in text for _, kind, text in w.log())


def test_frame_round_trip():
    rng = np.random.default_rng(1)
    scalars = {name: float(rng.normal()) for name in F.SCALARS}
    scalars["poa_hat"] = math.nan
    prefill = {f: rng.integers(0, 4, 3) for f in F.PREFILL}
    decode = {f: rng.random(5).astype(np.float32) for f in F.DECODE}
    routes = {r: int(rng.integers(0, 100)) for r in F.ROUTES}
    buf = F.encode_frame(12.5, 7, 2, 1, 3, {"adaptive": True, "stable": True}, scalars, prefill, decode, routes,
                         [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    f = F.decode_frame(buf)
    assert (f["version"], f["time"], f["seq"], f["regime"], f["k"], f["hysteresis"]) == (1, 12.5, 7, 2, 1, 3)
    assert f["flags"] == {"adaptive": True, "playing": False, "planner": False, "demo": False, "stable": True}
    for name in F.SCALARS:
        if name == "poa_hat":
            assert math.isnan(f["scalars"][name])
        else:
            assert f["scalars"][name] == pytest.approx(scalars[name], rel=1e-6)
    for fld in F.PREFILL:
        np.testing.assert_array_equal(f["prefill"][fld], prefill[fld])
    for fld in F.DECODE:
        np.testing.assert_array_equal(f["decode"][fld], decode[fld])
    assert f["routes"] == routes
    assert list(f["decode_routed"]) == [1, 2, 3, 4, 5] and list(f["decode_done"]) == [5, 4, 3, 2, 1]
    with pytest.raises(ValueError, match="magic"):
        F.decode_frame(b"XXXX" + buf[4:])
    with pytest.raises(ValueError, match="version 2"):
        F.decode_frame(buf[:4] + (2).to_bytes(2, "little") + buf[6:])
    with pytest.raises(ValueError, match="expected"):
        F.decode_frame(buf[:-4])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_js_decoder_reads_what_python_encodes(w, tmp_path):
    w.mode = "saturation"
    w.step(20.0)
    with w._lock:
        frame = w._encode()
    (tmp_path / "frame.bin").write_bytes(frame)
    script = (f"import {{ decodeFrame }} from {json.dumps((ROOT / 'js' / 'frames.js').as_uri())};\n"
              "import { readFileSync } from 'node:fs';\n"
              f"const f = decodeFrame(new Uint8Array(readFileSync({json.dumps(str(tmp_path / 'frame.bin'))})));\n"
              "const arr = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.from(v)]));\n"
              "const nan = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number.isNaN(v) ? 'NaN' : v]));\n"
              "console.log(JSON.stringify({...f, scalars: nan(f.scalars), prefill: arr(f.prefill), decode: arr(f.decode)}));\n")
    (tmp_path / "decode.mjs").write_text(script)
    js = json.loads(subprocess.run(["node", str(tmp_path / "decode.mjs")], capture_output=True, text=True,
                                   check=True).stdout)
    py = F.decode_frame(frame)
    for key in ("version", "time", "seq", "regime", "k", "hysteresis", "flags", "routes"):
        assert js[key] == py[key], key
    for name, v in py["scalars"].items():
        assert js["scalars"][name] == ("NaN" if math.isnan(v) else pytest.approx(v, rel=1e-6)), name
    for pool in ("prefill", "decode"):
        for fld, v in py[pool].items():
            assert js[pool][fld] == pytest.approx(list(v)), (pool, fld)
    assert js["decode_routed"] == list(py["decode_routed"]) and js["decode_done"] == list(py["decode_done"])
    assert py["time"] == w.simulation.time and py["scalars"]["concurrency"] == 256


def test_frames_describe_the_simulation(w):
    frames = []
    w.observe(lambda ch: frames.append(F.decode_frame(ch["new"])), names="_frame")
    w.mode = "busy"
    for _ in range(40):
        w.step(0.5)
    with w._lock:                       # flush: the last steps may be waiting for the rate limit
        w._publish(time.monotonic(), force=True)
        live = w.simulation.live()
    f = frames[-1]
    # every request that moved in the simulation is counted in exactly one frame
    assert sum(x["routes"]["request_prefill"] for x in frames) == live["issued"]
    assert sum(x["routes"]["tokens_home"] for x in frames) == live["completed"]
    assert all(x["routes"]["tokens_home"] == sum(x["decode_done"]) for x in frames)
    assert sum(sum(x["decode_routed"]) for x in frames) == int(np.sum(live["decode_completed"]
                                                                      + live["decode_assigned"]))
    np.testing.assert_array_equal(f["decode"]["running"], live["decode_running"])
    assert f["time"] == live["time"] and f["scalars"]["in_flight"] == live["in_flight"]
    assert f["regime"] == ["BELOW", "TRANSITION", "SATURATED"].index(w.simulation.detector["regime"])


def test_frames_are_rate_limited(w):
    sent0 = w._frames_sent
    t0 = time.monotonic()
    steps = 0
    while time.monotonic() - t0 < 0.6:      # far more steps than frames
        w.step(0.01)
        steps += 1
    elapsed = time.monotonic() - t0
    sent = w._frames_sent - sent0
    assert steps > 3 * sent
    assert 0.5 * elapsed * MAX_FPS <= sent <= elapsed * MAX_FPS + 2
    assert w.frame_costs().size >= 1


def test_the_kernel_advances_the_simulation_while_playing(w):
    w.speed = 10.0
    w.mode = "normal"
    t0 = w.simulation.time
    w.play()
    for _ in range(20):           # a cell writing traits while the loop runs: no torn state
        w.n_decode = 3 if w.n_decode == 2 else 2
        c = w.simulation.counters()
        assert c["issued"] == c["completed"] + c["in_flight"]
        time.sleep(0.05)
    w.pause()
    t1 = w.simulation.time
    assert t1 - t0 > 2.0
    time.sleep(0.2)
    assert w.simulation.time == t1        # paused means paused
    assert 0 < np.median(w.frame_costs()) < 0.05


def test_auto_demo_headless_goes_static_then_adaptive_then_planner(w):
    w.run_demo(play=False)
    assert w.demo and w.demo_phase == "static" and not w.adaptive and w.mode == "saturation"
    phases = []
    for _ in range(600):
        if not w.demo:
            break
        w.step(1.0)
        if w.demo_phase and (not phases or phases[-1] != w.demo_phase):
            phases.append(w.demo_phase)
    assert not w.demo and w.demo_phase is None
    assert phases == ["static", "adaptive", "planner"]
    assert w.adaptive and w.planner
    log = w.log()
    text = [t for _, _, t in log]
    idx = lambda pred: next(i for i, s in enumerate(text) if pred(s))
    assert (idx(lambda s: s.startswith("Auto-demo 1/3")) < idx(lambda s: s.startswith("Auto-demo 2/3"))
            < idx(lambda s: s.startswith("Auto-demo 3/3")) < idx(lambda s: "planner: decode +1" in s)
            < idx(lambda s: s.startswith("Auto-demo done")))
    assert any("controller: (tau, omega) (0, 1) -> (0.8, 0.1)" in s for s in text)
    assert [t for t, _, _ in log] == sorted(t for t, _, _ in log)
    assert w.simulation.n_decode > 2


def test_auto_demo_can_be_stopped(w):
    w.run_demo(play=False)
    w.step(5.0)
    w.stop_demo()
    assert not w.demo and w.demo_phase is None
    assert w.log()[-1][2] == "Auto-demo stopped"
    t = w.simulation.time
    w.step(5.0)
    assert w.simulation.time == t + 5.0 and not w.adaptive       # no phase change after the stop


def test_reset_and_a_bounded_log(w):
    w.mode = "saturation"
    for i in range(250):
        w.narrate(f"line {i}")
    assert len(w.log()) == 200 and w.log()[-1][2] == "line 249"
    assert len(w._info["log"]) == 60
    w.step(3.0)
    w.reset()
    assert w.simulation.time == 0.0 and w.log() == [] and w.simulation.concurrency == 256


def test_repr_is_deterministic():
    a = OrbitsWidget(autoplay=False, chart=False, seed=3, mode="busy")
    b = OrbitsWidget(autoplay=False, chart=False, seed=3, mode="busy")
    try:
        assert repr(a) == repr(b) == ("OrbitsWidget(profile='nemotron-340b-1p2d', seed=3, mode='busy', load=0.45, "
                                      "C=115, n_prefill=1, n_decode=2, adaptive=False, planner=False, speed=4)")
    finally:
        a.close()
        b.close()


def test_chart_curves_and_recompute_on_pool_change():
    w = OrbitsWidget(autoplay=False)
    try:
        assert w._chart.computed.wait(60)
        d = w._chart.data
        assert (d["n_prefill"], d["n_decode"]) == (1, 2) and len(d["static"]) == len(d["c"]) == 16
        assert d["c"][0] == 8 and d["c"][-1] == 256
        assert d["static"][-1] > 2 * d["adaptive"][-1]     # past the knee, the cost of not adapting
        assert d["plus1"][-1] < d["adaptive"][-1]           # the Planner's extra worker buys something
        assert list(w._chart.static.y) == pytest.approx(np.clip(d["static"], 30, 30_000))
        # the live operating point: the shown twin's rolling p99 at the current C, or the curve
        w._chart.point(time.monotonic() + 1.0, 256, 5000.0)
        assert (list(w._chart.op.x), list(w._chart.op.y)) == ([256.0], [5000.0])
        w._chart.point(time.monotonic() + 2.0, 128, math.nan)
        assert list(w._chart.op.y) == pytest.approx([np.interp(128, d["c"], d["static"])])
        w.n_decode = 3
        assert w._chart.computed.wait(60)
        assert w._chart.data["n_decode"] == 3
        w.n_decode = 0
        assert w._chart.computed.wait(60)
        assert w._chart.data["static"] == [] and len(w._chart.static.y) == 0
        bundle = w._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["text/plain"] == repr(w)
    finally:
        w.close()


def test_speed_range_is_documented_and_enforced(w):
    lo, hi = SPEED_RANGE
    w.speed = lo
    w.speed = hi
    assert w.speed == hi


@pytest.mark.skipif(not (ROOT / "node_modules" / ".bin" / "esbuild").exists(), reason="npm ci has not run")
def test_committed_bundle_is_built_from_js_sources(tmp_path):
    out = tmp_path / "widget.js"
    build = json.loads((ROOT / "package.json").read_text())["scripts"]["build"]
    committed = "--outfile=src/orbits_widget/widget/static/widget.js"
    assert committed in build
    cmd = build.replace("esbuild", str(ROOT / "node_modules" / ".bin" / "esbuild"), 1).replace(committed, f"--outfile={out}")
    subprocess.run(cmd, shell=True, cwd=ROOT, check=True, capture_output=True)
    assert out.read_bytes() == (ROOT / "src" / "orbits_widget" / "widget" / "static" / "widget.js").read_bytes(), \
        "run `npm run build` and commit src/orbits_widget/widget/static/widget.js"
