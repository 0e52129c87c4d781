"""The paper's synthetic workload as the kernel draws it: a prompt from one of ``templates``
shared prompts (its first ``shared_prefix_tokens`` are the template's, the rest the request's
own), and, in an open loop, Poisson arrivals. Both come from the workload random stream, drawn in
request order, so twins on the same seed see the same prompts (common random numbers)."""
from __future__ import annotations

import math

from numba import njit

from .rng import WORKLOAD, uniform

TEMPLATE_KEY = 1 << 20           # template block key = (template + 1) * TEMPLATE_KEY + block
UNIQUE_KEY = 1 << 40             # unique block key = UNIQUE_KEY + serial * 65536 + block


@njit(cache=True, inline="always")
def key_of(template, serial, shared_blocks, b):
    """Hash of prompt block b: template blocks are shared, the rest unique to the request."""
    if b < shared_blocks:
        return (template + 1) * TEMPLATE_KEY + b
    return UNIQUE_KEY + serial * 65536 + b


@njit(cache=True, inline="always")
def draw_template(rng, templates):
    """A template, uniformly among ``templates``."""
    tpl = int(uniform(rng, WORKLOAD) * templates)
    return tpl if tpl < templates else templates - 1


@njit(cache=True, inline="always")
def next_arrival(rng, t, rate):
    """The next Poisson arrival after ``t`` at ``rate`` requests per second."""
    return t - math.log(1.0 - uniform(rng, WORKLOAD)) / rate
