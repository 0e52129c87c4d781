"""The runner (``_runner.py``): the thread that advances the twins while playing, the lock that keeps
a cell's writes from tearing its state, the frame rate limit, the Planner's pool moves back into
the traits and the mission log merged from both twins."""
import time

import numpy as np

from orbits_widget.widget._runner import LOG_SEND, MAX_FPS


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


def test_frames_are_rate_limited(w):
    sent0 = w.runner.frames_sent
    t0 = time.monotonic()
    steps = 0
    while time.monotonic() - t0 < 0.6:      # far more steps than frames
        w.step(0.01)
        steps += 1
    elapsed = time.monotonic() - t0
    sent = w.runner.frames_sent - sent0
    assert steps > 3 * sent
    assert 0.5 * elapsed * MAX_FPS <= sent <= elapsed * MAX_FPS + 2
    assert w.frame_costs().size >= 1


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


def test_the_log_merges_both_twins(w):
    w.mode = "saturation"
    w.adaptive = True
    w.n_decode = 3                          # by hand: both twins log the same pool change
    w.step(40.0)
    log = w.log()
    assert [t for t, _, _ in log] == sorted(t for t, _, _ in log)
    pool = [text for _, kind, text in log if kind == "pool"]
    assert pool and not any(text.startswith(("static · ", "adaptive · ")) for text in pool)
    assert len(pool) == len(set(pool))      # once, not once per twin
    # the controller acts in the adaptive twin only: its lines carry the twin's name
    control = [text for _, kind, text in log if kind == "controller"]
    assert control and all(text.startswith("adaptive · ") for text in control)
    sent = w._mission_log
    assert len(sent) <= LOG_SEND and [tuple(x[1:]) for x in sent] == [(k, s) for _, k, s in log[-LOG_SEND:]]


def test_close_stops_the_thread():
    from orbits_widget import OrbitsWidget
    w = OrbitsWidget(autoplay=True, chart=False)
    assert w.runner.running
    w.close()
    assert not w.runner.running
