"""The PoA-hat estimator (paper section 6.4, our reconstruction; see the README's "PoA-hat").

What is computed, exactly:

* Decode routing decisions are grouped into windows of m consecutive routed requests, m = the
  number of decode workers eligible when the window opens (1P/2D: pairs).
* When a window opens, each candidate worker e's load is frozen: its running batch n_e and the
  KV tokens it holds kv_e.
* For each member r and candidate e, the predicted latency of the decode leg (routing -> first
  token) under that frozen load, free of queueing:
      cost(r, e) = transfer(r, e) + pass(n_e + 1, kv_e + isl_r)
  transfer = NIXL latency + the bytes of the blocks e lacks (e's prefix cache when r is routed)
  over the link; pass = the profile's decode-pass time. It is the router's two terms in seconds:
  the overlap term becomes transfer time, the active-blocks term becomes pass time.
* OPT = the min-cost perfect matching of the m members onto the m candidates (Hungarian); each
  member's share of OPT is its matched cost.
* Realised = the member's measured decode leg, first token minus decode routing, which also holds
  the waits the frozen model leaves out: for the pass boundary, for a seat (admission) and for
  the requests routed after the freeze.
* PoA-hat = sum of realised / sum of OPT shares (a ratio of sums), over the requests whose first
  token came in the reporting window: the measured window in ``summary()`` and the last 10 s in
  ``live()``. A request counts once its window has closed and its first token has come.

Because the optimum is frozen and queue-free it is an upper bound of the true PoA and a regime
indicator, as the paper says: near its floor while every request gets a seat at once, and
exploding once requests queue for seats.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

# rows of pa_f: frozen batch and KV tokens (by candidate), members' realised TTFT (by position),
# then the m x m cost matrix (member rows from PAF_COST, candidate columns)
PAF_NRUN, PAF_KV, PAF_REAL, PAF_COST = 0, 1, 2, 3
# per-candidate rows of pa_i: candidate worker id, member slot, matching (member -> column)
PAI_CAND, PAI_SLOT, PAI_MATCH, PAI_N = 0, 1, 2, 3
POA_RING = 4096
LIVE_WINDOW = 10.0


def new_state(max_workers: int):
    """Estimator arrays: frozen loads + cost matrix, per-candidate ints, the (t, realised, opt) ring."""
    W = max_workers
    return (np.zeros((PAF_COST + W, W)), np.full((PAI_N, W), -1, np.int64),
            np.full((3, POA_RING), np.nan))


@njit(cache=True)
def min_cost_matching(cost, m, match):
    """Exact min-cost perfect matching of rows 0..m-1 onto columns 0..m-1 of ``cost`` (the
    Hungarian method with row and column potentials, O(m^3)). Writes match[row] = column and
    returns the total cost."""
    inf = math.inf
    u = np.zeros(m + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, np.int64)      # owner[col] = 1-based row matched to col (0 = none)
    way = np.zeros(m + 1, np.int64)
    minv = np.empty(m + 1)
    used = np.empty(m + 1, np.bool_)
    for row in range(1, m + 1):
        # grow a shortest augmenting path from this row through the equality graph
        owner[0] = row
        col0 = 0
        minv[:] = inf
        used[:] = False
        while True:
            used[col0] = True
            r0 = owner[col0]
            delta = inf
            col1 = 0
            for c in range(1, m + 1):
                if not used[c]:
                    red = cost[r0 - 1, c - 1] - u[r0] - v[c]
                    if red < minv[c]:
                        minv[c] = red
                        way[c] = col0
                    if minv[c] < delta:
                        delta = minv[c]
                        col1 = c
            for c in range(m + 1):
                if used[c]:
                    u[owner[c]] += delta
                    v[c] -= delta
                else:
                    minv[c] -= delta
            col0 = col1
            if owner[col0] == 0:
                break
        while col0 != 0:             # flip the path
            c = way[col0]
            owner[col0] = owner[c]
            col0 = c
    total = 0.0
    for c in range(1, m + 1):
        match[owner[c] - 1] = c - 1
        total += cost[owner[c] - 1, c - 1]
    return total


@njit(cache=True, inline="always")
def account(sf, si, ring, f_real, f_opt, head, t, real, opt):
    """One request enters the estimate: measured-window sums and the live ring."""
    sf[f_real] += real
    sf[f_opt] += opt
    j = si[head] % ring.shape[1]
    ring[0, j] = t
    ring[1, j] = real
    ring[2, j] = opt
    si[head] += 1


def rolling(ring: np.ndarray, now: float, window: float = LIVE_WINDOW) -> tuple[float, int]:
    """(PoA-hat, n) over the requests accounted in the last ``window`` seconds; NaN when none."""
    t = ring[0]
    sel = np.isfinite(t) & (t > now - window) & (t <= now)
    n = int(sel.sum())
    opt = ring[2][sel].sum()
    return (float(ring[1][sel].sum() / opt) if n and opt > 0 else math.nan), n
