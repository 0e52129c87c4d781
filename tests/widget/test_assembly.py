"""Frame assembly (``_assembly.py``): each frame describes the twin on stage, every request that
moved is counted in exactly one frame, and the page-only metrics (RPS, prefill busy EWMA)."""
import math
import time

import numpy as np

from orbits_widget.control.detector import REGIMES
from orbits_widget.widget import _frames as F


def test_frames_describe_the_simulation(w):
    frames = []
    w.observe(lambda ch: frames.append(F.decode_frame(ch["new"])), names="_frame")
    w.mode = "busy"
    for _ in range(40):
        w.step(0.5)
    with w.runner.lock:                # flush: the last steps may be waiting for the rate limit
        w.runner.publish(time.monotonic(), force=True)
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
    assert f["regime"] == REGIMES.index(w.simulation.detector["regime"])


def test_rps_and_the_prefill_busy_fraction(w):
    w.mode = "normal"
    r = w.runner
    with r.lock:
        first = F.decode_frame(r.encode())
        assert math.isnan(first["scalars"]["rps"]) or first["scalars"]["rps"] == 0.0
        for _ in range(30):
            r.advance(0.5)
            f = F.decode_frame(r.encode())
        live = w.simulation.live()
    t, done = zip(*r.assembler.rate)
    assert t[-1] - t[0] <= 5.0 + 1e-9 and t[-1] == live["time"]
    assert f["scalars"]["rps"] == np.float32((done[-1] - done[0]) / (t[-1] - t[0]))
    util = f["prefill"]["util"]
    assert ((0 <= util) & (util <= 1)).all() and util[f["prefill"]["state"] == 0].sum() == 0
    assert f["scalars"]["prefill_util"] == np.float32(util[f["prefill"]["state"] != 0].mean())


def test_a_reset_starts_the_counts_afresh(w):
    w.mode = "saturation"
    w.step(10.0)
    w.reset()
    f = F.decode_frame(w._frame)
    assert f["time"] == 0.0 and set(f["routes"].values()) == {0}
    assert sum(f["decode_routed"]) == sum(f["decode_done"]) == 0


def test_each_twin_s_p99_and_poa_go_in_its_own_field(w):
    """The A/B fields against each twin's own live() reading, at a state where the twins differ
    (saturation, after the adaptive controller flipped: it rebalances the decode pool, so the
    readings differ, though the prefill queue keeps both p99s in seconds), with either twin on stage."""
    w.mode = "saturation"
    w.adaptive = True
    w.step(60.0)
    for on_stage in (True, False):
        w.adaptive = on_stage
        with w.runner.lock:
            f = F.decode_frame(w.runner.encode())
            s, a = w.twins.static.live(), w.twins.adaptive.live()
        sc = f["scalars"]
        assert math.isfinite(s["ttft_p99_ms"]) and math.isfinite(a["ttft_p99_ms"])
        # different in float32, so a swap of the two fields (or of the P̂oA pair) fails the checks below
        assert np.float32(s["ttft_p99_ms"]) != np.float32(a["ttft_p99_ms"])
        assert np.float32(s["poa_hat"]) != np.float32(a["poa_hat"])
        # the shown twin's (τ, ω): the adaptive controller has flipped, the static router has not
        assert (sc["tau"], sc["omega"]) == tuple(np.float32(
            [w.twins.adaptive.tau, w.twins.adaptive.omega] if on_stage else [w.twins.static.tau, w.twins.static.omega]))
        assert (w.twins.adaptive.tau, w.twins.adaptive.omega) != (w.twins.static.tau, w.twins.static.omega)
        assert sc["static_ttft_p99_ms"] == np.float32(s["ttft_p99_ms"])
        assert sc["adaptive_ttft_p99_ms"] == np.float32(a["ttft_p99_ms"])
        np.testing.assert_array_equal([sc["static_poa_hat"], sc["adaptive_poa_hat"]],
                                      np.float32([s["poa_hat"], a["poa_hat"]]))
        shown = a if on_stage else s
        assert sc["ttft_p99_ms"] == np.float32(shown["ttft_p99_ms"]) and f["flags"]["adaptive"] == on_stage
        assert sc["poa_hat"] == np.float32(shown["poa_hat"]) or (math.isnan(sc["poa_hat"])
                                                                 and math.isnan(shown["poa_hat"]))
