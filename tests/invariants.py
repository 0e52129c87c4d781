"""Checks shared by the property tests: what must hold at any instant of any run."""
import numpy as np

from orbits_widget.kernel import decode_kv, kvbm, poa
from orbits_widget.kernel import layout as E
from orbits_widget.kernel import prefix_cache as kvc


def _shareable(st, s):
    """(blocks, keys): the leading blocks of request s that other running requests share with it on a
    decode worker (with prefix caching: every block of a trace line, a synthetic prompt's template part),
    and how many of its keys name them (a trace's keys may stand for runs of blocks)."""
    if st.iparams[E.I_PREFIX_CACHING] == 0:
        return 0, 0
    n = int(st.requests_i[E.RI_N_BLOCKS, s])
    if st.iparams[E.I_TRACE_LINES] > 0:
        return n, int(st.requests_i[E.RI_N_KEYS, s])
    n = min(n, int(st.iparams[E.I_SHARED_BLOCKS]))
    return n, n


def check_state(sim, max_concurrency=None):
    st = sim.state
    c = sim.counters()
    assert c["issued"] == c["completed"] + c["in_flight"], c
    for k, v in c.items():
        assert v >= 0, (k, v)
    # every in-flight request sits in exactly one stage
    busy = int(np.sum(st.requests_i[E.RI_STAGE] != E.S_FREE))
    assert busy == c["in_flight"]
    assert (c["queued_router"] + c["queued_prefill"] + c["prefilling"] + c["transferring"]
            + c["queued_decode"] + c["decoding"] + c["waiting_for_connection"]) == c["in_flight"]
    stage, local = st.requests_i[E.RI_STAGE], st.requests_i[E.RI_LOCAL_PREFILL] == 1
    assert c["waiting_for_connection"] == np.sum(stage == E.S_CLIENT_WAIT)
    # a request holds a client connection from the frontend to its last token, unless it went direct
    holding = int(np.sum((stage != E.S_FREE) & (stage != E.S_CLIENT_WAIT) & ~local))
    assert st.scalars_i[E.SI_CONNECTIONS] == holding
    conns = int(st.iparams[E.I_CLIENT_CONNECTIONS])
    if conns > 0:
        assert holding <= conns
        assert c["waiting_for_connection"] == 0 or holding == conns
    assert st.scalars_i[E.SI_ROUTER_PREFILL_LEN] >= 0 and st.scalars_i[E.SI_ROUTER_DECODE_LEN] >= 0
    for arr in (st.prefill_i, st.decode_i):
        assert np.all(arr[[r for r in range(arr.shape[0]) if r not in _may_be_negative(arr)]] >= 0)
    # queue and slot bookkeeping agrees with the request stages
    for w in range(st.decode_i.shape[1]):
        on_w = st.requests_i[E.RI_DECODE_WORKER] == w
        assert st.decode_i[E.DWI_RUNNING, w] == np.sum(on_w & (st.requests_i[E.RI_STAGE] == E.S_DECODE_RUN))
        assert st.decode_i[E.DWI_WAIT_LEN, w] == np.sum(on_w & (st.requests_i[E.RI_STAGE] == E.S_DECODE_WAIT))
        assert st.decode_i[E.DWI_RUNNING, w] <= sim.profile.max_num_seqs
        # the direct path's router: what it booked on w is what it sent there and is not finished
        mine = on_w & local & (stage != E.S_FREE) & (stage != E.S_ROUTER_D)
        assert st.decode_i[E.DWI_DIRECT_ASSIGNED, w] == np.sum(mine)
        pending = mine & np.isnan(st.requests_f[E.RF_FIRST_TOKEN])
        assert st.decode_f[E.DWF_DIRECT_PENDING, w] == np.sum(st.requests_i[E.RI_ISL][pending])
    # KV use never exceeds capacity
    cap = st.iparams[E.I_KV_BLOCKS]
    assert np.all(st.decode_i[E.DWI_KV_RESERVED] <= cap)
    d = st.decode_i
    if st.iparams[E.I_DECODE_KV_GROW] == 1:
        # growing KV: what the running requests hold now, recounted from them (a shared prompt block
        # once per worker), fits, and the held sets agree with it
        bs = int(st.iparams[E.I_BLOCK_SIZE])
        for w in range(d.shape[1]):
            run = np.flatnonzero((st.requests_i[E.RI_DECODE_WORKER] == w)
                                 & (st.requests_i[E.RI_STAGE] == E.S_DECODE_RUN))
            shared, own, bound = set(), 0, 0
            p = int(d[E.DWI_PASS, w])
            own_at = np.zeros(bs + 1, np.int64)      # their own blocks at passes p .. p + bs
            for s in run:
                n_shared, n_keys = _shareable(st, s)
                shared.update(int(k) for k in st.requests_i[E.RI_BLOCK_KEYS:E.RI_BLOCK_KEYS + n_keys, s])
                tokens = st.requests_i[E.RI_ISL, s] + d[E.DWI_PASS, w] - st.requests_i[E.RI_FIRST_PASS, s] + 1
                own += -(-tokens // bs) - n_shared
                own_at += -(-(tokens + np.arange(bs + 1)) // bs) - n_shared
                bound += -(-(st.requests_i[E.RI_ISL, s] + st.requests_i[E.RI_OSL, s]) // bs)
            assert d[E.DWI_KV_BOUND, w] == bound
            # the O(1) count of their blocks at a pass (decode_kv.blocks_at: sums kept at admission, completion,
            # preemption) is the recount, at each residue of the pass
            held = st.held_blocks_meta[w, 2]
            at = [decode_kv.blocks_at(d, st.held_blocks_meta, w, p + i, bs) - held for i in range(bs + 1)]
            assert at == own_at.tolist(), (w, at, own_at.tolist())
            if d[E.DWI_KV_EXACT, w] == 1:
                assert sum(kvc.key_blocks(k) for k in shared) == st.held_blocks_meta[w, 2]
            else:
                assert bound <= cap          # counting roughly is only allowed while the bound fits
            assert len(shared) + own <= cap, (w, len(shared), own, cap)
    else:
        kv_tokens = d[E.DWI_SUM_ISL] + d[E.DWI_RUNNING] * d[E.DWI_PASS] - d[E.DWI_SUM_FIRST_PASS]
        assert np.all(kv_tokens <= st.decode_i[E.DWI_KV_RESERVED] * st.iparams[E.I_BLOCK_SIZE])
    assert np.all(st.prefill_cache_meta[:, 2] >= 0)
    assert np.all(st.decode_cache_meta[:, 2] <= st.iparams[E.I_CACHE_LIMIT])
    if max_concurrency is not None:
        assert c["in_flight"] + sim.thinking <= max_concurrency
    # KVBM: no tier holds more than its capacity; the tiers exist only where allocated
    W = st.prefill_i.shape[1]
    caps = st.params[E.P_KVBM + kvbm.CAP:E.P_KVBM + kvbm.CAP + 4]
    cnt = st.prefill_cache_meta[:, 2]
    assert np.all(cnt[:W] <= caps[0])
    if st.iparams[E.I_KVBM]:
        assert np.all(cnt[W:2 * W] <= caps[1]) and np.all(cnt[2 * W:3 * W] <= caps[2]) and cnt[3 * W] <= caps[3]
    else:
        assert st.prefill_cache_meta.shape[0] == W
        assert st.scalars_i[E.SI_KVBM_OFFLOADS:E.SI_KVBM_OFFLOADS + 4].sum() == 0
    # PoA-hat: every first token is in the estimate, or waits in the one open window
    k = st.scalars_i[E.SI_POA_K]
    waiting = int(np.sum(st.poa_f[poa.PAF_REAL, :k] >= 0.0))
    assert st.scalars_i[E.SI_TTFT_HEAD] == st.scalars_i[E.SI_POA_HEAD] + waiting
    assert 0 <= k < max(1, st.scalars_i[E.SI_POA_M])


def _may_be_negative(arr):
    # queue head/tail indices use -1 for "empty"
    from orbits_widget.kernel import layout as E
    if arr.shape[0] == E.PWI_N:
        return {E.PWI_QHEAD, E.PWI_QTAIL}
    return {E.DWI_WAIT_HEAD, E.DWI_WAIT_TAIL}


def check_causality(sim):
    r = sim.requests()
    if len(r["arrival"]) == 0:
        return 0
    local = r["local_prefill"]
    # through the frontend: client, frontend, prefill worker, transfer, first token, completion; sent straight
    # to a decode worker (the direct path): client, frontend hop, decode worker, first token, completion
    for sel, chain in ((~local, ["arrival", "frontend", "prefill_start", "prefill_end", "transfer_end",
                                 "first_token", "completion"]),
                       (local, ["arrival", "frontend", "transfer_end", "first_token", "completion"])):
        for a, b in zip(chain, chain[1:]):
            assert np.all(np.isfinite(r[b][sel]))
            assert np.all(r[a][sel] <= r[b][sel] + 1e-12), (a, b)
    assert np.all(np.isnan(r["prefill_start"][local]))
    assert np.all(r["decode_arrival"] >= r["transfer_end"] - 1e-12)
    return len(r["arrival"])
