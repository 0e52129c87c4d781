"""The paper's saturation decomposition (section 5), measured.

The excess TTFT P99 over the unloaded baseline splits into
* a routing part = static - adaptive (what adapting the router's (tau, omega) removes), and
* a resource-allocation part = adaptive - adaptive with one more worker in the bottleneck pool
  (what only the Planner's extra capacity removes),
* and what is left even then (the residual).
The bottleneck pool is found by trying both: the one whose extra worker lowers the adaptive
TTFT P99 more. The baseline is the static system with a single client (C = 1).
"""
from __future__ import annotations

from typing import Any

from ..profiles import Profile
from .simulation import DEFAULT_WARMUP, Simulation
from .twins import Twins


def decompose(profile: str | Profile = "nemotron-340b-1p2d", concurrency: int = 256, seconds: float = 120.0,
              seed: int = 0, warmup: float = DEFAULT_WARMUP, **overrides: Any) -> dict:
    """Run the five systems the decomposition needs and return its parts (ms) and the pool."""
    base = Simulation(profile=profile, concurrency=1, seed=seed, history=256, **overrides)
    baseline = base.run(seconds, warmup)["ttft_p99_ms"]
    twins = Twins(profile=profile, concurrency=concurrency, seed=seed, history=256, **overrides)
    pair = twins.run(seconds, warmup)
    static, adaptive = pair["static"]["ttft_p99_ms"], pair["adaptive"]["ttft_p99_ms"]
    plus = {}
    for pool in ("prefill", "decode"):
        n = getattr(twins.adaptive, f"n_{pool}") + 1
        sim = Simulation(profile=profile, concurrency=concurrency, seed=seed, policy="adaptive", history=256,
                         **{**overrides, f"n_{pool}": n})
        plus[pool] = sim.run(seconds, warmup)["ttft_p99_ms"]
    pool = min(plus, key=plus.__getitem__)
    excess = static - baseline
    routing = static - adaptive
    resource = adaptive - plus[pool]
    return dict(profile=twins.static.profile.name, concurrency=concurrency, baseline_ttft_p99_ms=baseline,
                static_ttft_p99_ms=static, adaptive_ttft_p99_ms=adaptive, plus_one_ttft_p99_ms=plus[pool],
                excess_ms=excess, routing_ms=routing, resource_ms=resource, residual_ms=excess - routing - resource,
                bottleneck_pool=pool, plus_one_prefill_ttft_p99_ms=plus["prefill"],
                plus_one_decode_ttft_p99_ms=plus["decode"])
