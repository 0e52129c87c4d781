"""Counter-based random streams held in a uint64 array, so every simulation owns its
randomness (two simulations can be stepped in turn and stay reproducible).

Stream 0 draws the workload (arrivals, templates), stream 1 the router's choices: two
policies fed the same seed see the same clients and prompts (common random numbers).
"""
from __future__ import annotations

import numpy as np
from numba import njit

_INC = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = 1.0 / 9007199254740992.0

WORKLOAD, ROUTING = 0, 1


def new_state(seed: int) -> np.ndarray:
    """Two independent splitmix64 streams derived from ``seed``."""
    ss = np.random.SeedSequence(int(seed))
    return ss.generate_state(2, dtype=np.uint64)


@njit(cache=True, inline="always")
def next_u64(rng, stream):
    s = rng[stream] + _INC
    rng[stream] = s
    z = s
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def uniform(rng, stream):
    """A float in [0, 1)."""
    return np.float64(next_u64(rng, stream) >> _S11) * _TWO53
