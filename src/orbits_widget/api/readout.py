"""Reading a simulation: counters, live snapshots, the measured window's summary, completed
requests, request events, the detector and the mission log as text. ``Simulation``'s readers
call these; they only read the kernel's arrays."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .._validate import check_number
from ..control.detector import REGIMES, window_p99, window_prometheus_p99
from ..control.poa import rolling as rolling_poa
from ..kernel import layout as L
from ..kernel.metrics import hist_quantile, rolling_ttft

if TYPE_CHECKING:     # the Simulation imports this module
    from .simulation import Simulation


def _since(since: float) -> float:
    """A time bound for the event and log readers: a number, or -inf for everything."""
    if since == -math.inf:
        return since
    return check_number("since", since, -1e12, 1e12)


LOG_KINDS = ("regime", "controller", "pool", "worker_ready", "router", "planner")


def counters(sim: Simulation) -> dict:
    st = sim.state
    stage = st.requests_i[L.RI_STAGE]
    return dict(
        issued=int(st.scalars_i[L.SI_ISSUED]), completed=int(st.scalars_i[L.SI_COMPLETED]),
        in_flight=int(st.scalars_i[L.SI_IN_FLIGHT]),
        queued_router=int(st.scalars_i[L.SI_ROUTER_PREFILL_LEN] + st.scalars_i[L.SI_ROUTER_DECODE_LEN]),
        queued_prefill=int(np.sum(stage == L.S_PREFILL_Q)),
        prefilling=int(np.sum(stage == L.S_PREFILLING)),
        transferring=int(st.scalars_i[L.SI_TRANSFERS]),
        queued_decode=int(np.sum(stage == L.S_DECODE_WAIT)),
        decoding=int(np.sum(stage == L.S_DECODE_RUN)),
        decode_preemptions=int(st.scalars_i[L.SI_PREEMPTIONS]),
        waiting_for_connection=int(st.scalars_i[L.SI_CLIENT_WAITING]),
        sent_direct=int(st.scalars_i[L.SI_DIRECT]),
    )


def live(sim: Simulation) -> dict:
    st, p = sim.state, sim.profile
    d = st.decode_i
    window = max(1e-9, sim.time - st.scalars_f[L.SF_WINDOW_START])
    kv_tokens = (st.decode_i[L.DWI_SUM_ISL] + st.decode_i[L.DWI_RUNNING] * st.decode_i[L.DWI_PASS]
                 - st.decode_i[L.DWI_SUM_FIRST_PASS])
    p50, p99, n = rolling_ttft(st.ttft_ring, sim.time, 10.0)
    poa_hat, poa_n = rolling_poa(st.poa_ring, sim.time)
    in_pass = d[L.DWI_PHASE] == L.IN_PASS
    # NIXL reads a decode worker will post at its next step boundary (handover_post_ms)
    posting = np.where(st.decode_f[L.DWF_POST_AT] >= sim.time, d[L.DWI_POSTS], 0)
    return dict(time=sim.time, prefill_state=st.prefill_i[L.PWI_STATE].copy(),
                prefill_queue=st.prefill_i[L.PWI_QLEN].copy(),
                prefill_busy=np.isin(st.prefill_i[L.PWI_PHASE], (L.IN_PASS, L.HANDING_OFF)),
                prefill_util=st.prefill_f[L.PWF_BUSY_TIME] / window,
                prefill_cached_blocks=st.prefill_cache_meta[:, 2].copy(),
                prefill_completed=st.prefill_i[L.PWI_COMPLETED].copy(),
                decode_state=st.decode_i[L.DWI_STATE].copy(), decode_waiting=st.decode_i[L.DWI_WAIT_LEN].copy(),
                decode_running=st.decode_i[L.DWI_RUNNING].copy(),
                decode_assigned=st.decode_i[L.DWI_ASSIGNED].copy(),
                decode_util=st.decode_f[L.DWF_BUSY_TIME] / window,
                decode_slot_util=st.decode_i[L.DWI_RUNNING] / p.max_num_seqs, decode_kv_tokens=kv_tokens,
                decode_kv_reserved_blocks=st.decode_i[L.DWI_KV_RESERVED].copy(),
                decode_kv_capacity_blocks=int(st.iparams[L.I_KV_BLOCKS]),
                # the frontend's decode router's bookings (the direct path's router has rows of its own after them)
                decode_active_blocks=st.active_blocks_meta[:d.shape[1], 2] + d[L.DWI_OWN_BLOCKS],
                decode_cached_blocks=st.decode_cache_meta[:, 2].copy(),
                decode_completed=st.decode_i[L.DWI_COMPLETED].copy(),
                decode_tokens=st.decode_f[L.DWF_TOKENS].copy(), ttft_p50_ms=p50, ttft_p99_ms=p99, ttft_window_n=n,
                decode_direct=d[L.DWI_DIRECT_ASSIGNED].copy(),
                decode_prefilling=in_pass & (d[L.DWI_PASS_PREFILL] > 0), decode_posting=posting,
                poa_hat=poa_hat, poa_window_n=poa_n, **poll_p99s(sim), **sim.kvbm(), **sim.counters())


def poll_p99s(sim: Simulation) -> dict:
    """The TTFT P99 of the detector's last poll window, read both ways (ms; NaN with nothing to read): exactly,
    over every client's TTFT (``detector_signal="exact"``), and as Prometheus's ``histogram_quantile`` over the
    frontend's histogram (``"prometheus"``). The detector uses one of them; the page shows both."""
    st = sim.state
    width = float(st.params[L.P_POLL_INTERVAL])
    t = float(st.scalars_f[L.SF_NEXT_POLL]) - width         # the last poll (0 before the first)
    bounds = st.params[L.P_TTFT_BUCKETS:L.P_TTFT_BUCKETS + L.P_TTFT_BUCKETS_N]   # the detector's own buckets
    exact = float(window_p99(st.ttft_ring, t, width)) if t > 0 else -1.0
    prom = float(window_prometheus_p99(st.ttft_ring, t, width, bounds)) if t > 0 else -1.0
    return dict(poll_exact_p99_ms=exact * 1e3 if exact >= 0 else math.nan,
                poll_prometheus_p99_ms=prom * 1e3 if prom >= 0 else math.nan)


def kvbm(sim: Simulation) -> dict:
    st = sim.state
    W = st.prefill_i.shape[1]
    cnt = st.prefill_cache_meta[:, 2]
    # a switched-off worker's tables keep their entries until it cold-starts (then they are
    # cleared): they are unreachable, so it holds nothing
    on = st.prefill_i[L.PWI_STATE] != L.W_OFF
    held = np.zeros(4, np.int64)
    held[0] = cnt[:W][on].sum()
    if st.iparams[L.I_KVBM]:
        held[1], held[2], held[3] = cnt[W:2 * W][on].sum(), cnt[2 * W:3 * W][on].sum(), cnt[3 * W]
    serving = int(np.sum((st.prefill_i[L.PWI_STATE] == L.W_ACTIVE) | (st.prefill_i[L.PWI_STATE] == L.W_DRAINING)))
    cap = np.array([t["blocks"] for t in sim.profile.kvbm_tiers()], np.int64) * np.array([serving] * 3 + [1])
    return dict(kvbm_tiers=st.iparams[L.I_KVBM] == 1, kvbm_blocks=held, kvbm_capacity_blocks=cap,
                kvbm_onboards=st.scalars_i[L.SI_KVBM_ONBOARDS:L.SI_KVBM_ONBOARDS + 4].copy(),
                kvbm_offloads=st.scalars_i[L.SI_KVBM_OFFLOADS:L.SI_KVBM_OFFLOADS + 4].copy())


def requests(sim: Simulation, last: int | None = None) -> dict:
    st = sim.state
    head = int(st.scalars_i[L.SI_DONE_HEAD])
    ring = st.completed_f.shape[0]
    n = min(head, ring)
    if last is not None:
        n = min(n, check_number("last", last, 0, 1 << 62, integer=True))
    idx = (np.arange(head - n, head)) % ring
    f, i = st.completed_f[idx].T, st.completed_i[idx].T
    return dict(arrival=f[L.DF_ARRIVAL], frontend=f[L.DF_FRONTEND], prefill_start=f[L.DF_PREFILL_START],
                prefill_end=f[L.DF_PREFILL_END],
                transfer_end=f[L.DF_TRANSFER_END], decode_arrival=f[L.DF_DECODE_ARRIVAL],
                first_token=f[L.DF_FIRST_TOKEN], completion=f[L.DF_DONE], serial=i[L.DI_SERIAL],
                prefill_worker=i[L.DI_PREFILL_WORKER], decode_worker=i[L.DI_DECODE_WORKER],
                template=i[L.DI_TEMPLATE], isl=i[L.DI_ISL], osl=i[L.DI_OSL],
                prefill_cached_tokens=i[L.DI_CACHED_TOKENS], transferred_tokens=i[L.DI_TRANSFER_TOKENS],
                local_prefill=i[L.DI_LOCAL_PREFILL].astype(bool))


def events(sim: Simulation, since: float = -math.inf) -> list[tuple]:
    st = sim.state
    since = _since(since)
    head = int(st.scalars_i[L.SI_EV_HEAD])
    n = min(head, L.EV_RING)
    idx = np.arange(head - n, head) % L.EV_RING
    out = []
    for j in idx:
        t = float(st.events_t[j])
        if t >= since:
            out.append((t, L.EVENT_NAMES[st.events_i[j, L.EI_KIND]], int(st.events_i[j, L.EI_SERIAL]),
                        int(st.events_i[j, L.EI_WORKER]), int(st.events_i[j, L.EI_TEMPLATE])))
    return out


def summary(sim: Simulation) -> dict:
    st = sim.state
    sf = st.scalars_f
    T = sim.time - st.scalars_f[L.SF_WINDOW_START]
    win_done = int(st.scalars_i[L.SI_WIN_COMPLETED])
    c = sim.counters()
    Td = st.scalars_f[L.SF_TIME_DECODE_SERVING]
    imb = (st.scalars_f[L.SF_AREA_DECODE_MAX] + Td) / (st.scalars_f[L.SF_AREA_DECODE_MIN] + Td) if Td > 0 else 1.0
    prompt = st.scalars_i[L.SI_PROMPT_TOKENS]
    dprompt = st.scalars_i[L.SI_DECODE_PROMPT_TOKENS]
    h = st.latency_hist
    n_ttft = h[L.H_TTFT].sum()
    pw = st.prefill_i[L.PWI_STATE] != L.W_OFF
    dw = st.decode_i[L.DWI_STATE] != L.W_OFF
    return dict(
        profile=sim.profile.name, policy=sim.policy, tau=sim.tau, omega=sim.omega, seed=sim.seed,
        concurrency=sim.concurrency, rate=sim.rate, n_prefill=sim.n_prefill, n_decode=sim.n_decode,
        seconds=float(T),
        ttft_p50_ms=hist_quantile(h[L.H_TTFT], 0.50), ttft_p99_ms=hist_quantile(h[L.H_TTFT], 0.99),
        ttft_mean_ms=(st.scalars_f[L.SF_SUM_TTFT] / n_ttft * 1e3) if n_ttft else math.nan,
        itl_p50_ms=hist_quantile(h[L.H_ITL], 0.50), itl_p99_ms=hist_quantile(h[L.H_ITL], 0.99),
        e2e_p50_ms=hist_quantile(h[L.H_E2E], 0.50),
        e2e_mean_ms=(st.scalars_f[L.SF_SUM_E2E] / win_done * 1e3) if win_done else math.nan,
        throughput_rps=win_done / T if T > 0 else 0.0,
        output_tokens_per_s=st.scalars_i[L.SI_WIN_TOKENS] / T if T > 0 else 0.0,
        completed=win_done, issued=int(st.scalars_i[L.SI_WIN_ISSUED]),
        in_flight=c["in_flight"],
        queued=c["queued_router"] + c["queued_prefill"] + c["queued_decode"],
        mean_in_flight=st.scalars_f[L.SF_AREA_IN_FLIGHT] / T if T > 0 else 0.0,
        mean_queue_router=st.scalars_f[L.SF_AREA_QUEUE_ROUTER] / T if T > 0 else 0.0,
        mean_queue_prefill=st.scalars_f[L.SF_AREA_QUEUE_PREFILL] / T if T > 0 else 0.0,
        mean_queue_decode=st.scalars_f[L.SF_AREA_QUEUE_DECODE] / T if T > 0 else 0.0,
        mean_prefill_wait_ms=(st.scalars_f[L.SF_SUM_PREFILL_WAIT] / st.scalars_i[L.SI_WIN_PREFILL_STARTS] * 1e3)
        if st.scalars_i[L.SI_WIN_PREFILL_STARTS] else math.nan,
        cache_hit_rate=st.scalars_i[L.SI_HIT_TOKENS] / prompt if prompt else 0.0,
        decode_cache_hit_rate=st.scalars_i[L.SI_DECODE_HIT_TOKENS] / dprompt if dprompt else 0.0,
        decode_imbalance=float(imb),
        prefill_util=float(st.prefill_f[L.PWF_BUSY_TIME][pw].mean() / T) if T > 0 and pw.any() else 0.0,
        decode_util=float(st.decode_f[L.DWF_BUSY_TIME][dw].mean() / T) if T > 0 and dw.any() else 0.0,
        regime_final=REGIMES[int(st.scalars_i[L.SI_REGIME])],
        regime_switches=int(st.scalars_i[L.SI_SWITCHES]),
        poa_hat=float(sf[L.SF_POA_REAL] / sf[L.SF_POA_OPT]) if sf[L.SF_POA_OPT] > 0 else math.nan,
    )


def detector(sim: Simulation) -> dict:
    st, dc = sim.state, sim.detector_config
    k = int(st.scalars_i[L.SI_CANDIDATE_POLLS])
    return dict(regime=REGIMES[int(st.scalars_i[L.SI_REGIME])],
                candidate=REGIMES[int(st.scalars_i[L.SI_CANDIDATE])] if k else None,
                k=k, hysteresis=dc.hysteresis, stable=k == 0,
                ewma_ms=float(st.scalars_f[L.SF_EWMA]) * 1e3, last_p99_ms=float(st.scalars_f[L.SF_P99]) * 1e3,
                theta1_ms=dc.theta1 * 1e3, theta2_ms=dc.theta2 * 1e3, poll_interval_s=dc.poll_interval,
                polls=int(st.scalars_i[L.SI_POLLS]), switches=int(st.scalars_i[L.SI_SWITCHES]),
                tau=sim.tau, omega=sim.omega, policy=sim.policy)


def log(sim: Simulation, since: float = -math.inf) -> list[tuple[float, str, str]]:
    st = sim.state
    since = _since(since)
    head = int(st.scalars_i[L.SI_LOG_HEAD])
    ring = st.log_t.shape[0]
    out = []
    for j in np.arange(max(0, head - ring), head) % ring:
        t = float(st.log_t[j])
        if t < since:
            continue
        kind, a, b = (int(x) for x in st.log_codes[j])
        v = st.log_values[j]
        if kind == L.LOG_REGIME:
            text = (f"regime {REGIMES[a]} -> {REGIMES[b]}: EWMA(TTFT P99) = {v[0] * 1e3:.0f} ms "
                    f"(theta1 {v[1] * 1e3:.0f} ms, theta2 {v[2] * 1e3:.0f} ms)")
        elif kind == L.LOG_FLIP:
            text = f"controller: (tau, omega) ({v[0]:g}, {v[1]:g}) -> ({v[2]:g}, {v[3]:g}) for {REGIMES[b]}"
        elif kind == L.LOG_POOL:
            name = "prefill" if a == 0 else "decode"
            what = "outage" if b == 0 else ("scale up" if b > v[0] else "scale down (draining)")
            text = f"{name} pool {int(v[0])} -> {b} workers ({what}" + (
                f", start-up {v[1]:g} s)" if b > v[0] and v[1] > 0 else ")")
            if t == 0.0 and v[0] == 0:
                text = f"{name} pool starts with {b} worker{'s' if b != 1 else ''}"
        elif kind == L.LOG_READY:
            text = f"{'prefill' if a == 0 else 'decode'} worker {b} online"
        elif kind == L.LOG_PLANNER:
            name = "prefill" if a == 0 else "decode"
            what = "req/s" if a == 0 else "requests wanting decode"
            text = (f"planner: {name} {'+1' if v[0] > 0 else '-1'} -> {b} workers "
                    f"(forecast {v[1]:.1f} {what}, {name} utilisation {v[2]:.2f})")
        elif kind == L.LOG_ROUTER:
            text = f"router set by hand: (tau, omega) ({v[0]:g}, {v[1]:g}) -> ({v[2]:g}, {v[3]:g})"
        else:
            text = f"{LOG_KINDS[kind]} {a} {b}"
        out.append((t, LOG_KINDS[kind], text))
    return out
