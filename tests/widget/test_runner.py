"""The runner (``_runner.py``): the thread that advances the twins while playing, the lock that keeps
a cell's writes from tearing its state, the frame rate limit, the Planner's pool moves back into
the traits and the mission log merged from both twins."""
import collections
import random
import threading
import time

import numpy as np
import pytest

from orbits_widget import OrbitsWidget
from orbits_widget.widget import _frames as F
from orbits_widget.widget._runner import LOG_SEND


class FakeClock:
    """The runner's wall clock, moved by hand."""

    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def by_hand(w):
    """The widget with its loop thread stopped and a fake clock: the test turns the loop (tick)."""
    r = w.runner
    r.stop()
    assert not r.running
    r.clock = FakeClock()
    sent = []                               # (clock, frame) of every frame published
    w.observe(lambda ch: sent.append((r.clock(), F.decode_frame(ch["new"]))), names="_frame")
    return w, r, r.clock, sent


def test_the_thread_advances_the_simulation_while_playing(w):
    """The real thread (liveness only: no rate is asserted, the test waits as long as it must)."""
    w.mode = "normal"
    t0 = w.simulation.time
    w.play()
    deadline = time.monotonic() + 60
    while w.simulation.time <= t0 + 1.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    w.pause()
    assert w.simulation.time > t0 + 1.0 and w.runner.running
    costs = w.frame_costs()
    assert costs.size >= 1 and np.isfinite(costs).all() and (costs > 0).all()


def test_playing_advances_speed_times_wall_time_and_paused_means_paused(by_hand):
    w, r, clock, sent = by_hand
    w.mode = "normal"
    w.speed = 10.0
    w.play()
    r.tick(clock())                         # the first turn: no wall time has passed yet
    t0 = w.simulation.time
    for _ in range(20):
        clock.t += 0.1
        r.tick(clock())
    assert w.simulation.time == pytest.approx(t0 + 20 * 0.1 * 10.0)
    clock.t += 30.0                         # a stalled kernel resumes, it does not jump 300 s ahead
    r.tick(clock())
    assert w.simulation.time == pytest.approx(t0 + 20.0 + 0.25 * 10.0)
    for _ in range(20):                     # a cell writing traits between turns: no torn state
        w.n_decode = 3 if w.n_decode == 2 else 2
        clock.t += 0.05
        r.tick(clock())
        c = w.simulation.counters()
        assert c["issued"] == c["completed"] + c["in_flight"] and w.simulation.n_decode == w.n_decode
    w.pause()
    t1 = w.simulation.time
    for _ in range(50):
        clock.t += 0.1
        r.tick(clock())
    assert w.simulation.time == t1          # paused means paused


def test_frames_are_rate_limited_to_30_a_second(by_hand):
    """README: at most 30 frames a second. Steps every simulated millisecond of a fake clock:
    consecutive frames are at least 1/30 s apart, and the limit is the only thing holding them
    back (one goes out as soon as 1/30 s has passed)."""
    w, r, clock, sent = by_hand
    w.mode = "busy"
    for _ in range(3000):                   # 3 s of the fake clock, a step every millisecond
        clock.t += 0.001
        w.step(0.01)
    times = np.array([t for t, _ in sent])
    gaps = np.diff(times)
    assert gaps.min() >= 1 / 30 - 1e-9
    assert gaps.max() <= 1 / 30 + 0.001 + 1e-9
    assert 3 * 30 - 1 <= len(sent) <= 3 * 30 + 1
    assert [f["seq"] for _, f in sent] == list(range(sent[0][1]["seq"], sent[0][1]["seq"] + len(sent)))
    assert r.dirty                          # the steps since the last frame are waiting ...
    clock.t += 1 / 30
    r.tick(clock())                         # ... for the loop's next turn, paused or not
    assert not r.dirty and sent[-1][1]["time"] == pytest.approx(w.simulation.time)


def test_no_frame_while_paused_and_unchanged_one_after_a_change(by_hand):
    w, r, clock, sent = by_hand
    assert not w.playing
    clock.t += 1.0
    r.tick(clock())                         # whatever was pending goes out
    n = len(sent)
    for _ in range(100):                    # 10 s paused, nothing changed: no frame
        clock.t += 0.1
        r.tick(clock())
    assert len(sent) == n
    for change in (lambda: setattr(w, "n_decode", 3), lambda: setattr(w, "mode", "busy"),
                   lambda: setattr(w, "adaptive", True), lambda: setattr(w, "planner", True)):
        change()
        for _ in range(10):
            clock.t += 0.1
            r.tick(clock())
        n += 1
        assert len(sent) == n, "a change while paused: exactly one frame"
    f = sent[-1][1]
    assert f["flags"]["adaptive"] and f["flags"]["planner"] and len(f["decode"]["state"]) >= 3


def test_the_planners_moves_come_back_to_the_traits(w):
    """Past the knee the Planner adds a prefill worker (the bottleneck) and, 1024 slots being plenty,
    may shrink the decode pool: either move comes back into its trait."""
    seen = {"n_prefill": [], "n_decode": []}
    w.observe(lambda ch: seen[ch["name"]].append(ch["new"]), names=["n_prefill", "n_decode"])
    p0 = w.simulation.profile
    w.mode = "saturation"
    w.adaptive = True
    w.planner = True
    for _ in range(90):
        w.step(1.0)
    sim = w.simulation
    assert w.n_prefill == sim.n_prefill > p0.n_prefill
    assert seen["n_prefill"] and seen["n_prefill"][-1] == w.n_prefill
    assert any(kind == "planner" and "planner: prefill +1" in text for _, kind, text in w.log())
    assert w.n_decode == sim.n_decode
    if sim.n_decode != p0.n_decode:
        assert seen["n_decode"][-1] == w.n_decode
        assert any(kind == "planner" and "planner: decode " in text for _, kind, text in w.log())
    else:
        assert seen["n_decode"] == []


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


WRITES = {"n_prefill": list(range(0, 9)), "n_decode": list(range(0, 9)), "load": [0.0, 0.05, 0.2, 0.3, 0.45, 0.7, 1.0],
          "adaptive": [False, True]}


def out_of_step(w) -> list[str]:
    """What differs between the traits and the simulation (the caller holds the lock)."""
    tw, bad = w.twins, []
    for sim in (tw.static, tw.adaptive):
        if (w.n_prefill, w.n_decode, w.concurrency) != (sim.n_prefill, sim.n_decode, sim.concurrency):
            bad.append(f"{sim.policy}: traits {(w.n_prefill, w.n_decode, w.concurrency)} "
                       f"simulation {(sim.n_prefill, sim.n_decode, sim.concurrency)}")
    switches = [text for _, kind, text in w.runner.log if kind == "switch"]
    if switches and switches[-1].startswith("stage shows the adaptive") != w.adaptive:
        bad.append(f"adaptive={w.adaptive} but the last switch applied was {switches[-1]!r}")
    return bad


def test_writers_on_several_threads_and_the_loop_never_leave_traits_and_simulation_out_of_step():
    """4 threads x 500 writes of n_prefill, n_decode, load and adaptive while the widget plays at
    top speed: at every frame, at samples taken under the lock and after each writer's last write,
    the traits equal the simulation's values; every change an observer sees is one a writer asked
    for (none comes from the loop's thread: the Planner is off); no exception escapes a thread."""
    w = OrbitsWidget(autoplay=False, chart=False, speed=50.0, mode="normal")
    r = w.runner
    problems, errors = [], []
    asked, asked_lock = collections.Counter(), threading.Lock()
    seen = collections.Counter()

    def observer(ch):                       # observers run under the lock, in the writing thread
        if threading.current_thread().name == "orbits-widget":
            problems.append(f"the loop wrote {ch['name']} = {ch['new']!r}")
        seen[ch["name"], ch["new"]] += 1
        with asked_lock:
            if seen[ch["name"], ch["new"]] > asked[ch["name"], ch["new"]]:
                problems.append(f"{ch['name']} changed to {ch['new']!r}, more often than it was written")

    w.observe(observer, names=list(WRITES))
    frames = [0]
    encode = r.encode

    def checked_encode():                   # every frame: publish holds the lock
        frames[0] += 1
        problems.extend(f"frame {frames[0]}: {p}" for p in out_of_step(w))
        return encode()

    r.encode = checked_encode
    done = threading.Event()

    def writer(k):
        rng = random.Random(k)
        try:
            for _ in range(500):
                name = rng.choice(list(WRITES))
                value = rng.choice(WRITES[name])
                with asked_lock:
                    asked[name, value] += 1
                setattr(w, name, value)
            with r.lock:
                problems.extend(f"after writer {k}: {p}" for p in out_of_step(w))
        except Exception as exc:            # noqa: BLE001 - the test reports it
            errors.append(repr(exc))

    def sampler():
        while not done.is_set():
            with r.lock:
                problems.extend(f"sample: {p}" for p in out_of_step(w))
            time.sleep(0.001)

    hook_errors = []
    old_hook = threading.excepthook
    threading.excepthook = lambda a: hook_errors.append(repr(a.exc_value))
    try:
        w.play()
        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        probe = threading.Thread(target=sampler)
        for t in threads + [probe]:
            t.start()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 60     # liveness only: the loop has drawn frames since
        n = frames[0]
        while frames[0] < n + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        done.set()
        probe.join()
        w.pause()
        assert frames[0] >= n + 3, "the loop stopped publishing"
        with r.lock:
            assert out_of_step(w) == []
    finally:
        threading.excepthook = old_hook
        w.close()
    assert errors == [] and hook_errors == [] and r.loop_error is None
    assert problems[:5] == []
    assert sum(seen.values()) > 100             # the writers did change things
