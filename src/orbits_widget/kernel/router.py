"""Dynamo's worker-selection rule (KV router), as the kernel applies it.

Costs are lower-is-better. ``tau = 0`` picks the minimum, ties uniformly at random;
``tau > 0`` samples a softmax over *range-normalised* costs,
``p_i ∝ exp(-(c_i - c_min) / ((c_max - c_min) * tau))`` (uniform when all costs are equal),
by inverse-CDF with one uniform draw — so the best worker is ``e^(1/tau)`` times as likely as
the worst, whatever the scale of the costs.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..workload.rng import uniform

TIE_EPS = 1e-9   # costs this close (in blocks) are ties: they are sums of block counts and weights


@njit(cache=True)
def select(costs, eligible, n, tau, rng, stream):
    """Index of the chosen worker among ``costs[:n]`` where ``eligible`` is true, or -1."""
    cmin = math.inf
    cmax = -math.inf
    m = 0
    for j in range(n):
        if eligible[j]:
            m += 1
            c = costs[j]
            if c < cmin:
                cmin = c
            if c > cmax:
                cmax = c
    if m == 0:
        return -1
    if tau <= 0.0 or cmax - cmin <= TIE_EPS:
        if tau <= 0.0:
            # argmin; count the ties, then take the k-th of them uniformly
            ties = 0
            for j in range(n):
                if eligible[j] and costs[j] - cmin <= TIE_EPS:
                    ties += 1
            pick = int(uniform(rng, stream) * ties)
            if pick >= ties:
                pick = ties - 1
            for j in range(n):
                if eligible[j] and costs[j] - cmin <= TIE_EPS:
                    if pick == 0:
                        return j
                    pick -= 1
        # all equal under tau > 0: uniform over the eligible workers
        pick = int(uniform(rng, stream) * m)
        if pick >= m:
            pick = m - 1
        for j in range(n):
            if eligible[j]:
                if pick == 0:
                    return j
                pick -= 1
        return -1
    scale = 1.0 / ((cmax - cmin) * tau)
    total = 0.0
    for j in range(n):
        if eligible[j]:
            total += math.exp(-(costs[j] - cmin) * scale)
    u = uniform(rng, stream) * total
    acc = 0.0
    last = -1
    for j in range(n):
        if eligible[j]:
            acc += math.exp(-(costs[j] - cmin) * scale)
            last = j
            if u < acc:
                return j
    return last


def probabilities(costs, tau):
    """The selection probabilities of :func:`select` (for documentation and tests)."""
    c = np.asarray(costs, dtype=float)
    if tau <= 0.0:
        best = c - c.min() <= TIE_EPS
        return best / best.sum()
    rng_ = c.max() - c.min()
    if rng_ <= TIE_EPS:
        return np.full(len(c), 1.0 / len(c))
    w = np.exp(-(c - c.min()) / (rng_ * tau))
    return w / w.sum()
