"""Static and adaptive side by side on the same clients and prompts (common random numbers).

Both systems are ordinary ``Simulation``s built from the same seed: the workload stream (arrival
gaps, templates) is drawn in request order and is separate from the router's stream, so the n-th
request of each twin is the same prompt, and any difference between them comes from control.
``cost_of_not_adapting_ms`` = static TTFT P99 - adaptive TTFT P99, over the rolling window or a
measured window, is measured, not inferred.
"""
from __future__ import annotations

import math
from typing import Any

from ..profiles import Profile
from .simulation import DEFAULT_WARMUP, Simulation


class Twins:
    """Two simulations stepped together: ``static`` (fixed tau, omega) and ``adaptive``.

    Every keyword goes to both (profile, concurrency, seed, overrides, detector settings), except
    ``tau``/``omega``, which only the static twin uses."""

    def __init__(self, profile: str | Profile = "nemotron-340b-1p2d", concurrency: int = 128, seed: int = 0,
                 tau: float = 0.0, omega: float = 1.0, **kw: Any) -> None:
        if "policy" in kw:
            raise ValueError("policy: the twins are one static and one adaptive system; do not pass it")
        self.static = Simulation(profile=profile, concurrency=concurrency, seed=seed, policy="static", tau=tau,
                                 omega=omega, **kw)
        self.adaptive = Simulation(profile=profile, concurrency=concurrency, seed=seed, policy="adaptive", **kw)

    @property
    def time(self) -> float:
        return self.static.time

    def step(self, seconds: float) -> Twins:
        self.static.step(seconds)
        self.adaptive.step(seconds)
        return self

    def set_concurrency(self, c: int) -> None:
        self.static.concurrency = c
        self.adaptive.concurrency = c

    def set_workers(self, n_prefill: int | None = None, n_decode: int | None = None,
                    startup_delay: float = 0.0) -> None:
        for sim in (self.static, self.adaptive):
            sim.set_workers(n_prefill=n_prefill, n_decode=n_decode, startup_delay=startup_delay)

    def reset_stats(self) -> None:
        self.static.reset_stats()
        self.adaptive.reset_stats()

    def live(self) -> dict:
        """Rolling (10 s) TTFT P99 (ms) and PoA-hat of both twins, and the TTFT gap between them."""
        s, a = self.static.live(), self.adaptive.live()
        gap = s["ttft_p99_ms"] - a["ttft_p99_ms"]
        return dict(time=self.time, static_ttft_p99_ms=s["ttft_p99_ms"], adaptive_ttft_p99_ms=a["ttft_p99_ms"],
                    cost_of_not_adapting_ms=gap if math.isfinite(gap) else math.nan,
                    static_poa_hat=s["poa_hat"], adaptive_poa_hat=a["poa_hat"], static=s, adaptive=a)

    def run(self, seconds: float = 120.0, warmup: float = DEFAULT_WARMUP) -> dict:
        """Warm both up, measure both over the same window; return both summaries and the gap."""
        self.step(warmup)
        self.reset_stats()
        self.step(seconds)
        return self.summary()

    def summary(self) -> dict:
        s, a = self.static.summary(), self.adaptive.summary()
        return dict(static=s, adaptive=a, cost_of_not_adapting_ms=s["ttft_p99_ms"] - a["ttft_p99_ms"],
                    throughput_cost=1.0 - a["throughput_rps"] / s["throughput_rps"] if s["throughput_rps"] else 0.0)

    def __repr__(self) -> str:
        return f"Twins({self.static!r}, {self.adaptive!r})"
