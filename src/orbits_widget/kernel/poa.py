"""The PoA-hat estimator (paper section 6.4, our reconstruction; see docs/model.md, "PoA-hat").

What is computed, exactly:

* Decode routing decisions are grouped into windows of m consecutive routed requests, m = the
  number of decode workers eligible when the window opens (1P/2D: pairs).
* When a window opens, each candidate worker e's load is frozen: its running batch n_e and the
  KV tokens it holds kv_e.
* For each member r and candidate e, the predicted TTFT of r on e with nothing queued and e's
  load frozen:
      cost(r, e) = frontend + prefill(r) + transfer(r, e) + pass(n_e + 1, kv_e + isl_r)
  prefill(r) = r's own prefill pass; transfer = NIXL latency + the bytes of the blocks e lacks (e's
  prefix cache when r is routed) over the link; pass = the profile's decode-pass time. The router's
  two terms in seconds: the overlap term becomes transfer time, the active-blocks term pass time.
* OPT = the min-cost perfect matching of the m members onto the m candidates (Hungarian); each
  member's share of OPT is its matched cost.
* Realised = the member's measured TTFT, which also holds every wait the frozen, queue-free model
  leaves out: in front of the prefill worker (the saturation the paper attributes to too little
  prefill), for the decode worker's pass boundary, for a seat, and behind the requests routed
  after the freeze.
* PoA-hat = sum of realised / sum of OPT shares (a ratio of sums), over the requests whose first
  token came in the reporting window: the measured window in ``summary()`` and the last 10 s in
  ``live()``. A request counts once its window has closed and its first token has come.

Because the optimum is frozen and queue-free it is an upper bound of the true PoA and a regime
indicator, as the paper says: a plateau while requests barely queue, exploding once they queue in
front of the saturated pool, whichever it is. (Before issue 11 the prefill wait was on both sides
of the ratio, so a prefill bottleneck could not move it; that form is not kept.)

It runs inside the kernel for every routed request and every first token, so the jitted code lives
here, below ``control/``; ``control/poa.py`` keeps the Python-side reading of the ring (``rolling``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..profiles.perf_model import decode_pass_time, mixed_pass_time, transfer_end
from .decode_runs import current_pass
from .layout import (
    DR_DYNAMO,
    DWI_RUNNING,
    DWI_SUM_FIRST_PASS,
    DWI_SUM_ISL,
    I_DECODE_ROUTING,
    I_PREFIX_CACHING,
    P_FRONTEND,
    PAF_COST,
    PAF_KV,
    PAF_REAL,
    PAF_RUNNING,
    PAI_CANDIDATE,
    PAI_MATCH,
    PAI_SLOT,
    RF_ARRIVAL,
    RF_POA_SHARE,
    RF_PREFILL_END,
    RF_PREFILL_START,
    RI_ISL,
    RI_LOCAL_PREFILL,
    RI_POA_POS,
    RI_POA_WINDOW,
    SF_POA_OPT,
    SF_POA_REAL,
    SI_POA_HEAD,
    SI_POA_K,
    SI_POA_M,
    SI_POA_WINDOW,
)
from .request_blocks import reusable_tokens


@njit(cache=True, _nrt=True)
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
def match_pair(cost, match):
    """The min-cost matching of two members onto two candidates: straight or crossed."""
    swap = cost[0, 1] + cost[1, 0] < cost[0, 0] + cost[1, 1]
    match[0] = 1 if swap else 0
    match[1] = 0 if swap else 1


@njit(cache=True, inline="always")
def account(scalars_f, scalars_i, ring, f_real, f_opt, head, t, real, opt):
    """One request enters the estimate: measured-window sums and the live ring."""
    scalars_f[f_real] += real
    scalars_f[f_opt] += opt
    j = scalars_i[head] % ring.shape[1]
    ring[0, j] = t
    ring[1, j] = real
    ring[2, j] = opt
    scalars_i[head] += 1


@njit(cache=True, inline="always")
def poa_route(params, iparams, scalars_f, scalars_i, requests_f, requests_i, decode_f, decode_i, route_eligible,
              route_overlap, poa_f, poa_i, poa_ring, W, slot, t):
    """Add a just-routed request to the estimator's open window (opening one if needed: freeze
    the eligible decode workers' loads); close the window when it has m members."""
    if scalars_i[SI_POA_K] == 0:
        m = 0
        for j in range(W):
            if route_eligible[j]:
                poa_i[PAI_CANDIDATE, m] = j
                poa_f[PAF_RUNNING, m] = decode_i[DWI_RUNNING, j]
                now = current_pass(params, iparams, decode_f, decode_i, j, t)
                poa_f[PAF_KV, m] = (decode_i[DWI_SUM_ISL, j] - decode_i[DWI_SUM_FIRST_PASS, j]
                                    + decode_i[DWI_RUNNING, j] * now)
                m += 1
        scalars_i[SI_POA_M] = m
    m = scalars_i[SI_POA_M]
    k = scalars_i[SI_POA_K]
    isl = requests_i[RI_ISL, slot]
    caching = iparams[I_PREFIX_CACHING] == 1
    if requests_i[RI_LOCAL_PREFILL, slot] == 1:
        # sent straight to a decode worker, which prefills it: the frontend's hop, then one pass at e's frozen load
        # that also computes what e's own prefix cache lacks
        for c in range(m):
            e = poa_i[PAI_CANDIDATE, c]
            cached = 0
            if caching and route_eligible[e]:
                cached = reusable_tokens(requests_i, iparams, slot, route_overlap[e])
            tok = isl - cached
            poa_f[PAF_COST + k, c] = params[P_FRONTEND] + mixed_pass_time(
                params, poa_f[PAF_RUNNING, c] + 1, poa_f[PAF_KV, c] + isl, tok, tok * (cached + 0.5 * tok))
    else:
        # before the decode leg, queue-free and the same on every e: the frontend and the prefill pass itself.
        # The waits in front of the prefill worker (and at the router) are queueing: OPT leaves them out and
        # the realised TTFT carries them, as the paper's estimator does
        sunk = params[P_FRONTEND] + requests_f[RF_PREFILL_END, slot] - requests_f[RF_PREFILL_START, slot]
        overlap = iparams[I_DECODE_ROUTING] != DR_DYNAMO and caching
        for c in range(m):
            e = poa_i[PAI_CANDIDATE, c]
            xtok = isl
            if overlap and route_eligible[e]:
                xtok = isl - reusable_tokens(requests_i, iparams, slot, route_overlap[e])
            poa_f[PAF_COST + k, c] = (transfer_end(params, sunk, xtok)
                                      + decode_pass_time(params, poa_f[PAF_RUNNING, c] + 1, poa_f[PAF_KV, c] + isl))
    poa_i[PAI_SLOT, k] = slot
    poa_f[PAF_REAL, k] = -1.0
    requests_i[RI_POA_WINDOW, slot] = scalars_i[SI_POA_WINDOW]
    requests_i[RI_POA_POS, slot] = k
    scalars_i[SI_POA_K] = k + 1
    if k + 1 < m:
        return
    c0 = PAF_COST
    if m == 1:
        poa_i[PAI_MATCH, 0] = 0
    elif m == 2:   # the 1P/2D case, inlined (a call per window costs more than the matching)
        match_pair(poa_f[c0:], poa_i[PAI_MATCH])
    else:
        min_cost_matching(poa_f[c0:], m, poa_i[PAI_MATCH])
    for r in range(m):
        share = poa_f[PAF_COST + r, poa_i[PAI_MATCH, r]]
        if poa_f[PAF_REAL, r] >= 0.0:       # its first token already came
            account(scalars_f, scalars_i, poa_ring, SF_POA_REAL, SF_POA_OPT, SI_POA_HEAD, t, poa_f[PAF_REAL, r], share)
        else:
            s = poa_i[PAI_SLOT, r]
            requests_f[RF_POA_SHARE, s] = share
            requests_i[RI_POA_POS, s] = -1
    scalars_i[SI_POA_K] = 0
    scalars_i[SI_POA_WINDOW] += 1


@njit(cache=True, inline="always")
def poa_first_token(scalars_f, scalars_i, requests_f, requests_i, poa_f, poa_ring, s, t):
    real = t - requests_f[RF_ARRIVAL, s]
    if requests_i[RI_POA_WINDOW, s] == scalars_i[SI_POA_WINDOW] and requests_i[RI_POA_POS, s] >= 0:
        poa_f[PAF_REAL, requests_i[RI_POA_POS, s]] = real     # its window is still open: wait for it
    elif requests_f[RF_POA_SHARE, s] >= 0.0:
        account(scalars_f, scalars_i, poa_ring, SF_POA_REAL, SF_POA_OPT, SI_POA_HEAD, t, real,
                requests_f[RF_POA_SHARE, s])
