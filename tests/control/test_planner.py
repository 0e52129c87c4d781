import numpy as np
import pytest
from invariants import check_state

import orbits_widget as ow
from orbits_widget.control.planner import ArimaPredictor, ConstantPredictor, KalmanPredictor


@pytest.mark.parametrize("cls", [ArimaPredictor, KalmanPredictor])
def test_predictors_follow_a_trend(cls):
    p = cls()
    for v in 10.0 + 3.0 * np.arange(20):
        p.add(v)
    assert p.predict() == pytest.approx(10.0 + 3.0 * 20, rel=0.05)


def test_predictors_before_enough_points_and_constant():
    for cls in (ConstantPredictor, ArimaPredictor, KalmanPredictor):
        p = cls()
        assert p.predict() == 0.0
        p.add(7.0)
        p.add(9.0)
        assert p.predict() == 9.0


@pytest.mark.parametrize("predictor", ["constant", "arima", "kalman"])
def test_a_load_step_gets_capacity_and_ttft_recovers(predictor):
    sim = ow.Simulation(concurrency=32, policy="adaptive", planner=predictor, seed=0)
    sim.step(90.0)
    sim.concurrency = 256
    sim.step(150.0)                       # five planner intervals: the capacity is on its way
    assert sim.n_prefill >= 2             # to the pool that saturates: the single prefill worker
    sim.step(90.0)                        # the queues built up on the old workers drain
    sim.reset_stats()
    sim.step(60.0)
    assert sim.summary()["ttft_p99_ms"] < 2000.0
    check_state(sim, 256)
    assert any(k == "planner" for _, k, _ in sim.log())


def test_constant_load_never_flaps():
    for c in (64, 128, 256):
        sim = ow.Simulation(concurrency=c, policy="adaptive", planner=True, seed=1)
        sim.step(900.0)
        moves = [(i, a) for i, (_, _, _, a) in enumerate(sim.planner.history) if a]
        for (i, a), (j, b) in zip(moves, moves[1:]):
            if a[0] == b[0] and a[1] != b[1]:
                assert j - i >= 5, (c, moves)


def test_manual_changes_work_alongside_and_planner_can_be_switched_off():
    sim = ow.Simulation(concurrency=64, planner=True, seed=0)
    sim.step(40.0)
    sim.n_decode = 3
    sim.planner.enabled = False
    sim.step(200.0)
    assert sim.n_decode == 3
    check_state(sim, 64)


@pytest.mark.parametrize("kw, field", [
    (dict(planner="prophet"), "predictor"), (dict(planner=ow.PlannerConfig), "planner"),
])
def test_bad_planner_settings(kw, field):
    with pytest.raises(ValueError, match=field):
        ow.Simulation(**kw)


@pytest.mark.parametrize("kw, field", [
    (dict(interval=0.0), "interval"), (dict(interval=1e-6), "interval"),
    (dict(scale_down_below=0.9, scale_up_at=0.8), "scale_down_below"),
    (dict(budget_workers=1), "budget_workers"), (dict(predictor="holt"), "predictor"),
])
def test_bad_planner_config(kw, field):
    with pytest.raises(ValueError, match=field):
        ow.PlannerConfig(**kw)


def test_planner_config_holds_its_declared_types():
    cfg = ow.PlannerConfig(interval=5, budget_workers=4.0, cooldown=0, scale_up_at=1, scale_down_below=1)
    assert (cfg.interval, cfg.budget_workers, cfg.scale_down_below) == (5.0, 4, 1.0)
    assert type(cfg.interval) is float and type(cfg.budget_workers) is int
    for kw, match in ((dict(cooldown=-1), r"cooldown: must be an integer in \[0, 10000\], got -1"),
                      (dict(cooldown=True), "cooldown"), (dict(budget_workers=2.5), "budget_workers"),
                      (dict(scale_down_below=0.86), r"scale_down_below: must be a finite number in \[0.0, 0.85\]")):
        with pytest.raises(ValueError, match=match):
            ow.PlannerConfig(**kw)


def _moves(cooldown):
    cfg = ow.PlannerConfig(interval=5.0, startup_delay=0.0, cooldown=cooldown, predictor="constant")
    sim = ow.Simulation(concurrency=256, policy="adaptive", planner=cfg, seed=0)
    sim.step(22.0)              # the overload makes it grow a pool, the last time by t = 20 s
    sim.concurrency = 4         # then the load falls at once: every tick after wants -1
    sim.step(100.0)
    return [(t, a) for t, _, _, a in sim.planner.history if a]


def test_a_pool_is_not_shrunk_within_the_cooldown_of_growing_it():
    free = _moves(cooldown=0)
    held = _moves(cooldown=5)
    grown = {p for _, (p, d) in held if d > 0}
    assert len(grown) == 1
    pool = grown.pop()
    last_up = max(t for t, (p, d) in held if d > 0)
    first_down = lambda moves: min(t for t, (p, d) in moves if d < 0 and p == pool)      # noqa: E731
    assert first_down(free) - last_up < 5 * 5.0         # the scenario wants to shrink at once ...
    assert first_down(held) - last_up >= 5 * 5.0        # ... and the cooldown holds it for 5 intervals


def test_the_planner_never_exceeds_its_gpu_budget_and_reaches_it_when_overloaded():
    cfg = ow.PlannerConfig(interval=5.0, startup_delay=0.0, budget_workers=4)
    sim = ow.Simulation(concurrency=256, policy="adaptive", planner=cfg, seed=0)
    sizes = []
    for _ in range(60):
        sim.step(5.0)
        sizes.append(sim.n_prefill + sim.n_decode)
    assert max(sizes) == 4 and sizes[-1] == 4


def test_the_planner_moves_one_worker_per_tick_even_when_more_are_wanted():
    """Under an overload that wants several more workers at once, and then a load that wants several
    fewer, each tick adds or removes exactly one worker of one pool (Dynamo's planner step). Observed
    every second with ticks every 5 s, so at most one tick lies between two observations."""
    cfg = ow.PlannerConfig(interval=5.0, startup_delay=0.0, budget_workers=8, cooldown=0, predictor="constant")
    sim = ow.Simulation(concurrency=512, policy="adaptive", planner=cfg, seed=0)
    counts = [(sim.n_prefill, sim.n_decode)]
    for c, seconds in ((512, 40), (2, 60)):
        sim.concurrency = c
        for _ in range(seconds):
            sim.step(1.0)
            counts.append((sim.n_prefill, sim.n_decode))
    steps = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(counts, counts[1:]) if a != b]
    assert all(abs(dp) + abs(dd) == 1 for dp, dd in steps), steps
    ups, downs = sum(dp + dd > 0 for dp, dd in steps), sum(dp + dd < 0 for dp, dd in steps)
    assert ups >= 2 and downs >= 2, steps
    # and more were wanted: at some tick even two workers fewer would have left the pool under
    # scale_down_below (the tick at time t falls in the step that ends at t: counts[t - 1] is before it)
    per = {"prefill": sim.planner.prefill_rps_per_worker, "decode": float(sim.planner.decode_slots_per_worker)}
    wanted_more = []
    for t, _, forecast, action in sim.planner.history:
        if action and action[1] < 0:
            pool = action[0]
            n = counts[round(t) - 1][0 if pool == "prefill" else 1]
            wanted_more.append(n > 2 and forecast[pool] / ((n - 2) * per[pool]) < cfg.scale_down_below)
    assert any(wanted_more)
