"""The Auto-demo (``_demo.py``) run headless: static, then adaptive, then the Planner, narrated."""


def test_auto_demo_headless_goes_static_then_adaptive_then_planner(w):
    w.run_demo(play=False)
    assert w.demo and w.demo_phase == "static" and not w.adaptive and w.mode == "saturation"
    prof = w.simulation.profile
    phases, p99_before_planner = [], None
    for _ in range(600):
        if not w.demo:
            break
        w.step(1.0)
        if w.demo_phase and (not phases or phases[-1] != w.demo_phase):
            phases.append(w.demo_phase)
            if w.demo_phase == "planner":
                p99_before_planner = w.twins.adaptive.live()["ttft_p99_ms"]
    assert not w.demo and w.demo_phase is None
    assert phases == ["static", "adaptive", "planner"]
    assert w.adaptive and w.planner
    log = w.log()
    text = [t for _, _, t in log]

    def idx(pred):
        return next(i for i, s in enumerate(text) if pred(s))

    assert (idx(lambda s: s.startswith("Auto-demo 1/3")) < idx(lambda s: s.startswith("Auto-demo 2/3"))
            < idx(lambda s: s.startswith("Auto-demo 3/3")) < idx(lambda s: "planner: prefill +1" in s)
            < idx(lambda s: s.startswith("Auto-demo done")))
    assert any("controller: (tau, omega) (0, 1) -> (0.8, 0.1)" in s for s in text)
    assert [t for t, _, _ in log] == sorted(t for t, _, _ in log)
    # past the knee the prefill worker is the bottleneck: the controller's flip leaves TTFT in seconds,
    # the Planner adds a prefill worker, and that is what brings TTFT P99 back
    assert p99_before_planner > w.simulation.detector_config.theta2 * 1e3
    assert w.simulation.n_prefill > prof.n_prefill
    assert w.twins.adaptive.live()["ttft_p99_ms"] < 0.5 * p99_before_planner
    # the narration says so, with the twins' own figures
    assert f"C* = {prof.knee_concurrency}" in text[idx(lambda s: s.startswith("Auto-demo 1/3"))]
    assert "requests queued for prefill" in text[idx(lambda s: s.startswith("static: TTFT p99"))]
    done = text[idx(lambda s: s.startswith("Auto-demo done"))]
    assert f"pool now {w.simulation.n_prefill}P/{w.simulation.n_decode}D" in done and "before the Planner" in done


def test_auto_demo_can_be_stopped(w):
    w.run_demo(play=False)
    w.step(5.0)
    w.stop_demo()
    assert not w.demo and w.demo_phase is None
    assert w.log()[-1][2] == "Auto-demo stopped"
    t = w.simulation.time
    w.step(5.0)
    assert w.simulation.time == t + 5.0 and not w.adaptive       # no phase change after the stop
