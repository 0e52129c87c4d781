"""Random runs as a new user might make them: any profile, closed or open loop, pools resized
mid-run (outages included), the Planner on or off, the adaptive controller, think times, KVBM
tiers, and the hypothesis bench's mechanisms (the direct path, NIXL read posting, v0.9.0's decode
leg, the Prometheus detector, a client connection pool). ``run_scenario`` checks the invariants
after every action and, at the end, liveness: with work in the system and at least one worker per
pool, some request completes within a bounded simulated time. Used by ``tests/kernel/test_campaign.py``
(a bounded sample in the test command) and ``benchmarks/soak.py`` (10,000 runs)."""
from __future__ import annotations

import numpy as np
from invariants import check_causality, check_state

import orbits_widget as ow

LIVENESS_S = 3600.0      # simulated seconds within which a request in the system must complete
LIVENESS_CHUNK_S = 10.0


def scenario(seed: int) -> dict:
    """A random but reproducible scenario (everything drawn from ``seed``)."""
    g = np.random.default_rng(seed)
    pick = lambda xs: xs[int(g.integers(len(xs)))]        # noqa: E731
    isl, osl = int(g.integers(8, 601)), int(g.integers(1, 301))
    bs = pick([8, 16, 64])
    need = -(-(isl + osl) // bs) * bs                     # one request, in whole blocks
    over = dict(max_workers=4, n_prefill=int(g.integers(0, 4)), n_decode=int(g.integers(0, 4)),
                prompt_tokens=isl, output_tokens=osl, block_size=bs, templates=int(g.integers(1, 9)),
                shared_prefix_tokens=pick([-1, int(g.integers(0, isl + 1))]),
                max_num_seqs=int(g.integers(1, 65)), max_num_batched_tokens=int(g.integers(1, 4097)),
                prefix_caching=bool(g.integers(2)), decode_routing=pick(["paper", "dynamo", "v090"]),
                kv_capacity_tokens=pick([-1, int(g.integers(need, 8 * need + 1))]),
                think_time_s=pick([0.0, 0.0, 0.5, 5.0]), kvbm=pick(["auto", "on", "off"]),
                kvbm_dram_gb=pick([1024.0, 0.05, 0.0]), kvbm_ssd_gb=pick([30720.0, 0.1]),
                prefill_max_num_seqs=pick([1, 1, -1, int(g.integers(1, 9))]), handoff_hold=bool(g.integers(4)),
                decode_kv=pick(["reserve", "grow"]), adaptive_path=pick(["frontend", "direct"]),
                handover_post_ms=pick([0.0, 0.0, 0.55, 5.0]), detector_signal=pick(["exact", "prometheus"]),
                client_connections=pick([0, 0, int(g.integers(1, 40))]))
    if g.integers(2):
        load = dict(concurrency=None, rate=float(g.uniform(0.5, 200.0)))
    else:
        load = dict(concurrency=int(g.integers(0, 97)))
    planner = None
    if g.integers(3) == 0:
        planner = ow.PlannerConfig(predictor=pick(["constant", "arima", "kalman"]), interval=pick([0.5, 2.0, 30.0]),
                                   startup_delay=pick([0.0, 1.0]), budget_workers=int(g.integers(2, 9)))
    router = dict(tau=pick([0.0, 0.3, 0.8, 2.0]), omega=pick([0.0, 0.1, 1.0, 4.0]),
                  policy=pick(["static", "adaptive"]), poll_interval=pick([0.25, 1.0, 5.0]),
                  hysteresis=int(g.integers(1, 4)), theta1=pick([0.02, 0.3]), planner=planner)
    actions = [dict(dt=float(g.uniform(0.05, 8.0)), n_prefill=int(g.integers(0, 5)), n_decode=int(g.integers(0, 5)),
                    startup_delay=pick([0.0, 0.0, 1.0, 3.0]),
                    concurrency=None if load["concurrency"] is None or g.integers(3) else int(g.integers(0, 97)))
               for _ in range(int(g.integers(0, 6)))]
    return dict(seed=seed, profile=pick(ow.profiles.names()), over=over, load=load, router=router, actions=actions)


def run_scenario(sc: dict) -> dict:
    """Run one scenario with every check; returns what happened (raises AssertionError on a broken
    invariant or a stall)."""
    sim = ow.Simulation(profile=sc["profile"], seed=sc["seed"], **sc["load"], **sc["router"], **sc["over"])
    cmax = sc["load"]["concurrency"]
    check_state(sim, cmax)
    for a in sc["actions"]:
        sim.step(a["dt"])
        check_state(sim, cmax)
        sim.set_workers(n_prefill=a["n_prefill"], n_decode=a["n_decode"], startup_delay=a["startup_delay"])
        if a["concurrency"] is not None:
            sim.concurrency = a["concurrency"]
            cmax = max(cmax, a["concurrency"])
        check_state(sim, cmax)
    check_causality(sim)
    # liveness: give each pool a worker; a request in the system must then complete in bounded time
    sim.set_workers(n_prefill=max(1, sim.n_prefill), n_decode=max(1, sim.n_decode))
    before = sim.counters()
    waited = 0.0
    if before["in_flight"] > 0:
        while sim.counters()["completed"] == before["completed"]:
            assert waited < LIVENESS_S, (f"stall: {before['in_flight']} requests in the system, none completed in "
                                         f"{LIVENESS_S:g} s: {sim.counters()}")
            sim.step(LIVENESS_CHUNK_S)
            waited += LIVENESS_CHUNK_S
        check_state(sim, cmax)
    return dict(completed=sim.counters()["completed"], waited=waited, time=sim.time)
