"""The headless API: ``Simulation`` (step it, read it live, run it) and ``Result``."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..kernel import engine as E
from ..kernel import kvbm
from .. import profiles as _profiles
from ..kernel.metrics import hist_quantile, rolling_ttft
from ..control.poa import rolling as rolling_poa
from ..control.detector import REGIMES, DetectorConfig
from ..control.planner import Planner, PlannerConfig
from ..workload.rng import new_state
from ..workload.traces import Trace, load_trace
from .._validate import check_number as _check_number

POLICIES = ("static", "adaptive")
DEFAULT_WARMUP = 30.0
SUMMARY_KEYS = ("profile", "policy", "tau", "omega", "seed", "concurrency", "rate", "n_prefill", "n_decode",
                "seconds", "ttft_p50_ms", "ttft_p99_ms", "ttft_mean_ms", "itl_p50_ms", "itl_p99_ms",
                "e2e_p50_ms", "e2e_mean_ms", "throughput_rps", "output_tokens_per_s", "completed", "issued",
                "in_flight", "queued", "mean_in_flight", "mean_queue_router", "mean_queue_prefill",
                "mean_queue_decode", "mean_prefill_wait_ms", "cache_hit_rate",
                "decode_cache_hit_rate", "decode_imbalance", "prefill_util", "decode_util", "regime_final",
                "regime_switches", "poa_hat")
LOG_KINDS = ("regime", "controller", "pool", "worker_ready", "router", "planner")


def _next_pow2(n):
    return 1 << max(6, int(math.ceil(math.log2(max(2, n)))))


@dataclass(frozen=True)
class Result:
    """What ``Simulation.run`` returns: the measured window's summary."""

    _summary: dict

    def summary(self) -> dict:
        """A dict with the keys of ``SUMMARY_KEYS`` (latencies in ms, NaN when nothing completed)."""
        return dict(self._summary)

    def __getitem__(self, key):
        return self._summary[key]

    def __repr__(self):
        s = self._summary
        return (f"Result({s['profile']}, {s['policy']}, C={s['concurrency']}, TTFT p50/p99 = "
                f"{s['ttft_p50_ms']:.1f}/{s['ttft_p99_ms']:.1f} ms, {s['throughput_rps']:.2f} req/s)")


class Simulation:
    """A simulated Dynamo disaggregated deployment.

    Parameters
    ----------
    profile : str or Profile
        One of ``ow.profiles.names()`` (default ``"nemotron-340b-1p2d"``).
    concurrency : int
        Closed-loop clients C (each sends, waits for its last token, sends again). ``None``
        with ``rate`` for an open loop.
    policy : {"static", "adaptive"}
        ``static``: the router keeps ``tau``, ``omega``. ``adaptive``: the Saturation Detector's
        regime sets them from ``regime_table`` (starting from its BELOW row); see ``controller.py``.
    tau, omega : float
        Router temperature (0 = argmin) and the weight of the prefill/overlap term (static policy).
    theta1, theta2, hysteresis, poll_interval, ewma_alpha, regime_table
        The detector and controller (defaults 0.3 s, 2 s, 3 polls, 5 s, 0.3, and
        ``controller.DEFAULT_TABLE``).
    planner : bool, str or PlannerConfig
        Run the Planner (``True`` = Kalman predictor, or a predictor name, or a full config);
        see ``planner.py``. Off by default; ``sim.planner.enabled`` switches it at run time.
    seed : int
        Seeds the workload and the router's random choices (same seed, same run).
    rate : float, optional
        Open-loop Poisson arrival rate (requests/s) instead of a closed loop.
    trace : str, path or Trace, optional
        Replay a Mooncake JSONL trace: with ``concurrency=C`` a closed loop over its lines in order
        (timestamps ignored); with ``concurrency=None`` an open loop at its timestamps.
    trace_block_size : int
        Tokens per trace hash id (default 64, as ``synthetic_trace`` writes and Dynamo's replay reads).
    history : int
        How many completed requests ``requests()`` keeps (a ring; default 65 536, or the trace's
        length when that is smaller).
    **overrides
        Any :class:`~orbits_widget.profiles.Profile` field, e.g. ``n_decode=3``,
        ``output_tokens=128``, ``decode_routing="dynamo"``.
    """

    def __init__(self, profile="nemotron-340b-1p2d", concurrency=128, policy="static", tau=0.0,
                 omega=1.0, seed=0, rate=None, trace=None, trace_block_size=64, history=None,
                 theta1=0.3, theta2=2.0, hysteresis=3, poll_interval=5.0, ewma_alpha=0.3, regime_table=None,
                 planner=None, **overrides):
        self.profile = _profiles.get(profile, **overrides)
        if policy not in POLICIES:
            raise ValueError(f"policy: must be one of {list(POLICIES)}, got {policy!r}")
        self.policy = policy
        self.detector_config = DetectorConfig(theta1=theta1, theta2=theta2, hysteresis=hysteresis,
                                              poll_interval=poll_interval, ewma_alpha=ewma_alpha,
                                              **({} if regime_table is None else {"table": regime_table}))
        self.seed = _check_number("seed", seed, 0, 2**63 - 1, integer=True)
        self.trace = None
        if trace is not None:
            if rate is not None:
                raise ValueError("rate: an open-loop trace replay takes its arrival times from the trace")
            self.trace = trace if isinstance(trace, Trace) else load_trace(trace)
            trace_block_size = _check_number("trace_block_size", trace_block_size, 1, 1 << 20, integer=True)
        if rate is None and trace is None:
            if concurrency is None:
                raise ValueError("concurrency: give a closed-loop concurrency (integer >= 0) or an open-loop rate")
            concurrency = _check_number("concurrency", concurrency, 0, 1_000_000, integer=True)
        elif concurrency is not None:
            if rate is not None:
                raise ValueError("concurrency: must be None when an open-loop rate is given")
            concurrency = _check_number("concurrency", concurrency, 0, 1_000_000, integer=True)
        else:
            if trace is None:
                rate = _check_number("rate", rate, 0.0, 1e7, lo_open=True)
        self.rate = rate
        p = self.profile
        t = p.timing()
        P = np.zeros(E.P_NP)
        P[E.P_FRONTEND] = t["frontend"]
        P[E.P_PF_FIXED], P[E.P_PF_WEIGHTS] = t["prefill_fixed"], t["prefill_weights"]
        P[E.P_PF_LIN], P[E.P_PF_QUAD] = t["prefill_lin"], t["prefill_quad"]
        P[E.P_PF_ATTN], P[E.P_PF_REQ] = t["prefill_attn"], t["prefill_req"]
        P[E.P_DC_FIXED], P[E.P_DC_WEIGHTS] = t["decode_fixed"], t["decode_weights"]
        P[E.P_DC_LIN], P[E.P_DC_KV] = t["decode_lin"], t["decode_kv"]
        P[E.P_DC_P1], P[E.P_DC_P2], P[E.P_DC_FLOOR] = t["decode_p1"], t["decode_p2"], t["decode_floor"]
        P[E.P_XFER_LAT], P[E.P_XFER_BW] = t["transfer_latency"], t["transfer_bw"]
        P[E.P_KV_BYTES] = p.kv_bytes_per_token
        P[E.P_RATE] = rate if rate is not None else 0.0
        P[E.P_ACTIVE_W] = p.active_request_weight
        dc = self.detector_config
        P[E.P_POLL], P[E.P_THETA1], P[E.P_THETA2], P[E.P_ALPHA] = (dc.poll_interval, dc.theta1, dc.theta2,
                                                                    dc.ewma_alpha)
        for r, name in enumerate(REGIMES):
            P[E.P_TAB + 2 * r], P[E.P_TAB + 2 * r + 1] = dc.row(name)
        IP = np.zeros(E.I_NI, np.int64)
        nblk = p.prompt_tokens // p.block_size
        kv_blocks = p.kv_capacity() // p.block_size
        if p.shared_tokens >= p.prompt_tokens:
            table = _next_pow2(4 * p.templates * max(1, nblk))
        else:
            table = 1 << 15
        table = min(table, 1 << 20)
        # distinct blocks that can be booked on one decode worker: the templates' shared blocks plus
        # each in-flight request's unique ones (the active-block table is twice that, grown with slots)
        shared_b = p.shared_tokens // p.block_size
        self._active_bound = (p.templates * min(shared_b, nblk), max(0, nblk - shared_b))
        IP[E.I_BS], IP[E.I_MAX_SEQS], IP[E.I_MBT] = p.block_size, p.max_num_seqs, p.max_num_batched_tokens
        IP[E.I_KV_BLOCKS] = kv_blocks
        IP[E.I_PREFIX] = 1 if p.prefix_caching else 0
        IP[E.I_ISL], IP[E.I_OSL], IP[E.I_TEMPLATES] = p.prompt_tokens, p.output_tokens, p.templates
        IP[E.I_SHARED_BLOCKS] = p.shared_tokens // p.block_size
        IP[E.I_CONCURRENCY] = concurrency if concurrency is not None else 0
        IP[E.I_OPEN_LOOP] = 1 if concurrency is None else 0
        IP[E.I_DEC_BUDGET] = 1 if p.decode_prompt_budget else 0
        IP[E.I_RUNS] = 1          # decode passes with nothing to change run as one event (exact)
        IP[E.I_ADAPTIVE] = 1 if policy == "adaptive" else 0
        IP[E.I_HYST] = dc.hysteresis
        max_blocks = nblk
        trace_arrays = None
        if self.trace is not None:
            tr = self.trace
            IP[E.I_TRACE_N] = len(tr)
            IP[E.I_TRACE_BS] = trace_block_size
            max_blocks = int(np.max(np.minimum(tr.isl // p.block_size, tr.n_hashes * trace_block_size // p.block_size)))
            if max_blocks > 65_535:
                raise ValueError(f"trace: a prompt of {max_blocks} blocks exceeds 65535 blocks of {p.block_size} tokens")
            trace_arrays = tr.kernel_arrays()
            per = max(1, trace_block_size // p.block_size)
            table = min(1 << 15, _next_pow2(4 * per * max(1, tr.distinct_hashes)))
            self._active_bound = (per * tr.distinct_hashes, 0)
        IP[E.I_PAPER] = 1 if p.decode_routing == "paper" else 0
        IP[E.I_CACHE_LIMIT] = min(kv_blocks, table // 2)
        # KVBM tiers (prefill side): worth allocating only if the workload's distinct blocks can
        # overflow G1; a table row holds at most table // 2 blocks, as G1's does
        distinct = self._active_bound[0] if self._active_bound[1] == 0 else math.inf
        tiers = p.prefix_caching and (p.kvbm == "on" or (p.kvbm == "auto" and distinct > IP[E.I_CACHE_LIMIT]))
        IP[E.I_KVBM] = 1 if tiers else 0
        for g, tier in enumerate(p.kvbm_tiers()):
            P[E.P_KV + kvbm.CAP + g] = IP[E.I_CACHE_LIMIT] if g == 0 else min(tier["blocks"], table // 2)
            P[E.P_KV + kvbm.BW + g] = tier["bw"]
            P[E.P_KV + kvbm.LAT + g] = tier["latency"]
        P[E.P_KV + kvbm.DECAY] = p.kvbm_decay_s
        slots = (concurrency + 16) if concurrency is not None else 1024
        if self.trace is not None:
            slots = min(slots, len(self.trace) + 16)
        if history is None:
            history = E.DONE_RING if self.trace is None else min(E.DONE_RING, len(self.trace))
        history = _check_number("history", history, 1, 1 << 24, integer=True)
        self._st = E.allocate(P, IP, new_state(self.seed), slots, p.max_workers, p.max_num_seqs, table,
                              max_blocks, trace_arrays, history, self._active_table(slots), tiers)
        if policy == "adaptive":
            tau, omega = dc.row("BELOW")
        self.set_router(tau, omega)
        self._st.sf[E.SF_NEXT_POLL] = dc.poll_interval
        if rate is not None:
            # first arrival after an exponential gap, drawn from the workload stream
            u = np.random.default_rng(self.seed).random()
            self._st.sf[E.SF_NEXT_ARRIVAL] = -math.log(1.0 - u) / rate
        elif self.trace is not None and concurrency is None:
            self._st.sf[E.SF_NEXT_ARRIVAL] = self.trace.arrival_s[0]
        E.set_pool_size(self._st, 0, p.n_prefill, 0.0)
        E.set_pool_size(self._st, 1, p.n_decode, 0.0)
        if planner is None or planner is False:
            self.planner = None
        else:
            if planner is True:
                cfg = PlannerConfig()
            elif isinstance(planner, str):
                cfg = PlannerConfig(predictor=planner)
            elif isinstance(planner, PlannerConfig):
                cfg = planner
            else:
                raise ValueError(f"planner: must be True, a predictor name or a PlannerConfig, got {planner!r}")
            if cfg.budget_workers > 2 * p.max_workers:
                raise ValueError(f"planner: budget_workers {cfg.budget_workers} exceeds 2 x max_workers")
            self.planner = Planner(self, cfg)

    # ---------------------------------------------------------------- controls ----
    @property
    def time(self) -> float:
        """Simulated seconds since the start."""
        return float(self._st.sf[E.SF_TIME])

    @property
    def concurrency(self):
        return None if self._st.IP[E.I_OPEN_LOOP] == 1 else int(self._st.IP[E.I_CONCURRENCY])

    @concurrency.setter
    def concurrency(self, c):
        if self._st.IP[E.I_OPEN_LOOP] == 1:
            raise ValueError("concurrency: this simulation is open loop")
        self._st.IP[E.I_CONCURRENCY] = _check_number("concurrency", c, 0, 1_000_000, integer=True)

    @property
    def tau(self) -> float:
        return float(self._st.P[E.P_TAU])

    @property
    def omega(self) -> float:
        return float(self._st.P[E.P_OMEGA])

    def set_router(self, tau=None, omega=None):
        """Change the router's temperature and/or overlap weight from now on (under the adaptive
        policy the controller overrides them at its next regime switch)."""
        st = self._st
        old = (float(st.P[E.P_TAU]), float(st.P[E.P_OMEGA]))
        if tau is not None:
            st.P[E.P_TAU] = _check_number("tau", tau, 0.0, 1e6)
        if omega is not None:
            st.P[E.P_OMEGA] = _check_number("omega", omega, 0.0, 1e6)
        new = (float(st.P[E.P_TAU]), float(st.P[E.P_OMEGA]))
        if new != old and st.sf[E.SF_TIME] > 0:
            self._log(E.LOG_ROUTER, 0, 0, *old, *new)

    def _log_planner(self, pool, delta, n, forecast, util):
        self._log(E.LOG_PLANNER, 0 if pool == "prefill" else 1, n, float(delta), forecast, util, 0.0)

    def _log(self, kind, a, b, v0=0.0, v1=0.0, v2=0.0, v3=0.0):
        st = self._st
        E.mission_log(st.si, st.lg_t, st.lg_i, st.lg_v, float(st.sf[E.SF_TIME]), kind, a, b, v0, v1, v2, v3)

    def _pool_count(self, pool):
        state = self._st.pw_i[E.PWI_STATE] if pool == 0 else self._st.dw_i[E.DWI_STATE]
        return int(np.sum((state == E.W_ACTIVE) | (state == E.W_STARTING)))

    @property
    def n_prefill(self) -> int:
        """Prefill workers serving or starting (draining ones excluded)."""
        return self._pool_count(0)

    @n_prefill.setter
    def n_prefill(self, n):
        self.set_workers(n_prefill=n)

    @property
    def n_decode(self) -> int:
        return self._pool_count(1)

    @n_decode.setter
    def n_decode(self, n):
        self.set_workers(n_decode=n)

    def set_workers(self, n_prefill=None, n_decode=None, startup_delay=0.0):
        """Resize the pools now. 0 is an outage (requests wait at the router, none is lost);
        removed workers drain their requests first; added ones serve after ``startup_delay`` s."""
        d = _check_number("startup_delay", startup_delay, 0.0, 1e6)
        mw = self.profile.max_workers
        if n_prefill is not None:
            E.set_pool_size(self._st, 0, _check_number("n_prefill", n_prefill, 0, mw, integer=True), d)
        if n_decode is not None:
            E.set_pool_size(self._st, 1, _check_number("n_decode", n_decode, 0, mw, integer=True), d)

    def step(self, seconds: float) -> "Simulation":
        """Advance the simulation by ``seconds`` of simulated time (a finished trace replay stops
        its clock at the last completion)."""
        seconds = _check_number("seconds", seconds, 0.0, 1e9)
        t_end = self.time + seconds
        pl = self.planner
        while True:
            # the Planner acts at its ticks, between engine steps (as Dynamo's planner does)
            stop = min(t_end, pl.next_tick) if pl is not None else t_end
            status = E.advance(self._st, stop)
            if status == E.NEED_SLOTS:
                slots = 2 * self._st.rf.shape[1]
                self._st = E.grow(self._st, slots, self._active_table(slots))
                continue
            if pl is not None and status == E.OK and self.time >= pl.next_tick:
                if pl.enabled:
                    pl.tick()
                pl.next_tick += pl.cfg.interval
            if status == E.FINISHED or self.time >= t_end:
                return self

    def _active_table(self, slots):
        shared, unique = self._active_bound
        return _next_pow2(2 * (shared + slots * unique) + 16)

    def reset_stats(self):
        """Start a new measurement window now (histograms, rates and integrals restart)."""
        E.reset_stats(self._st)

    @property
    def finished(self) -> bool:
        """True once a trace replay has issued every line and every request has completed."""
        st = self._st
        return (self.trace is not None and st.si[E.SI_LINE] >= len(self.trace)
                and st.si[E.SI_IN_FLIGHT] == 0)

    def run(self, seconds: float | None = 120.0, warmup: float | None = None) -> Result:
        """Run ``warmup`` seconds (not measured), then ``seconds`` measured; return the Result.

        Defaults: ``warmup`` = 30 s, or 0 for a trace replay (every request is measured);
        ``seconds=None`` (trace replay only) runs until the trace is exhausted."""
        if warmup is None:
            warmup = 0.0 if self.trace is not None else DEFAULT_WARMUP
        if seconds is None:
            if self.trace is None:
                raise ValueError("seconds: None is only allowed when replaying a trace")
            if self.concurrency == 0:
                raise ValueError("concurrency: 0 clients can never exhaust the trace")
            self.step(warmup)
            self.reset_stats()
            while not self.finished:
                self.step(1e6)
            return Result(self.summary())
        seconds = _check_number("seconds", seconds, 0.0, 1e9, lo_open=True)
        self.step(warmup)
        self.reset_stats()
        self.step(seconds)
        return Result(self.summary())


    # ---------------------------------------------------------------- reading ----
    def counters(self) -> dict:
        """Request accounting now: issued = completed + in_flight, always."""
        st = self._st
        stage = st.ri[E.RI_STAGE]
        return dict(
            issued=int(st.si[E.SI_ISSUED]), completed=int(st.si[E.SI_COMPLETED]),
            in_flight=int(st.si[E.SI_IN_FLIGHT]),
            queued_router=int(st.si[E.SI_RQP_LEN] + st.si[E.SI_RQD_LEN]),
            queued_prefill=int(np.sum(stage == E.S_PREFILL_Q)),
            prefilling=int(np.sum(stage == E.S_PREFILLING)),
            transferring=int(st.si[E.SI_XN]),
            queued_decode=int(np.sum(stage == E.S_DECODE_WAIT)),
            decoding=int(np.sum(stage == E.S_DECODE_RUN)),
        )

    def live(self) -> dict:
        """A cheap snapshot for drawing: per-worker arrays (length ``max_workers``) and totals."""
        st, p = self._st, self.profile
        window = max(1e-9, self.time - st.sf[E.SF_T0])
        kv_tokens = (st.dw_i[E.DWI_SUM_ISL] + st.dw_i[E.DWI_NRUN] * st.dw_i[E.DWI_PASS]
                     - st.dw_i[E.DWI_SUM_P0])
        p50, p99, n = rolling_ttft(st.ttft_ring, self.time, 10.0)
        poa_hat, poa_n = rolling_poa(st.pa_ring, self.time)
        return dict(
            time=self.time,
            prefill_state=st.pw_i[E.PWI_STATE].copy(), prefill_queue=st.pw_i[E.PWI_QLEN].copy(),
            prefill_busy=(st.pw_i[E.PWI_BUSY] == 1), prefill_util=st.pw_f[E.PWF_BUSY_TIME] / window,
            prefill_cached_blocks=st.pcm[:, 2].copy(), prefill_completed=st.pw_i[E.PWI_DONE].copy(),
            decode_state=st.dw_i[E.DWI_STATE].copy(), decode_waiting=st.dw_i[E.DWI_WLEN].copy(),
            decode_running=st.dw_i[E.DWI_NRUN].copy(), decode_assigned=st.dw_i[E.DWI_ASSIGNED].copy(),
            decode_util=st.dw_f[E.DWF_BUSY_TIME] / window,
            decode_slot_util=st.dw_i[E.DWI_NRUN] / p.max_num_seqs,
            decode_kv_tokens=kv_tokens, decode_kv_reserved_blocks=st.dw_i[E.DWI_RESV].copy(),
            decode_kv_capacity_blocks=int(st.IP[E.I_KV_BLOCKS]),
            decode_active_blocks=st.acm[:, 2].copy(), decode_cached_blocks=st.dcm[:, 2].copy(),
            decode_completed=st.dw_i[E.DWI_DONE].copy(), decode_tokens=st.dw_f[E.DWF_TOKENS].copy(),
            ttft_p50_ms=p50, ttft_p99_ms=p99, ttft_window_n=n, poa_hat=poa_hat, poa_window_n=poa_n,
            **self.kvbm(),
            **self.counters(),
        )

    def kvbm(self) -> dict:
        """KVBM now, per tier G1 HBM, G2 DRAM, G3 SSD, G4 NET (prefill workers; 4-element arrays):
        blocks held, capacity in blocks (G1-G3 summed over the serving prefill workers), and
        cumulative blocks onboarded from / offloaded into each tier."""
        st = self._st
        W = st.pw_i.shape[1]
        cnt = st.pcm[:, 2]
        held = np.zeros(4, np.int64)
        held[0] = cnt[:W].sum()
        if st.IP[E.I_KVBM]:
            held[1], held[2], held[3] = cnt[W:2 * W].sum(), cnt[2 * W:3 * W].sum(), cnt[3 * W]
        serving = int(np.sum((st.pw_i[E.PWI_STATE] == E.W_ACTIVE) | (st.pw_i[E.PWI_STATE] == E.W_DRAINING)))
        cap = np.array([t["blocks"] for t in self.profile.kvbm_tiers()], np.int64) * np.array([serving] * 3 + [1])
        return dict(kvbm_tiers=st.IP[E.I_KVBM] == 1, kvbm_blocks=held, kvbm_capacity_blocks=cap,
                    kvbm_onboards=st.si[E.SI_KV_ON:E.SI_KV_ON + 4].copy(),
                    kvbm_offloads=st.si[E.SI_KV_OFF:E.SI_KV_OFF + 4].copy())

    def requests(self, last: int | None = None) -> dict:
        """The most recent completed requests (at most ``history``), oldest first, as arrays:
        arrival, prefill_start, prefill_end, transfer_end, decode_arrival, first_token,
        completion (seconds), and serial, prefill_worker, decode_worker, template, isl, osl,
        prefill_cached_tokens, transferred_tokens."""
        st = self._st
        head = int(st.si[E.SI_DONE_HEAD])
        ring = st.done_f.shape[0]
        n = min(head, ring)
        if last is not None:
            n = min(n, int(last))
        idx = (np.arange(head - n, head)) % ring
        f, i = st.done_f[idx].T, st.done_i[idx].T
        return dict(arrival=f[E.DF_ARRIVAL], prefill_start=f[E.DF_PSTART], prefill_end=f[E.DF_PEND],
                    transfer_end=f[E.DF_XEND], decode_arrival=f[E.DF_DARRIVE], first_token=f[E.DF_FIRST],
                    completion=f[E.DF_DONE], serial=i[E.DI_SERIAL], prefill_worker=i[E.DI_PW],
                    decode_worker=i[E.DI_DW], template=i[E.DI_TEMPLATE], isl=i[E.DI_ISL], osl=i[E.DI_OSL],
                    prefill_cached_tokens=i[E.DI_PCACHED], transferred_tokens=i[E.DI_XTOK])

    def events(self, since: float = -math.inf) -> list[tuple]:
        """Recent request events (time, kind, request serial, worker, template), oldest first,
        from a ring of the last 4096."""
        st = self._st
        head = int(st.si[E.SI_EV_HEAD])
        n = min(head, E.EV_RING)
        idx = np.arange(head - n, head) % E.EV_RING
        out = []
        for j in idx:
            t = float(st.ev_f[j])
            if t >= since:
                out.append((t, E.EVENT_NAMES[st.ev_i[j, E.EI_KIND]], int(st.ev_i[j, E.EI_SERIAL]),
                            int(st.ev_i[j, E.EI_WORKER]), int(st.ev_i[j, E.EI_TEMPLATE])))
        return out

    def summary(self) -> dict:
        """Metrics of the current measurement window (since the start or ``reset_stats``)."""
        st = self._st
        T = self.time - st.sf[E.SF_T0]
        win_done = int(st.si[E.SI_WIN_COMPLETED])
        c = self.counters()
        Td = st.sf[E.SF_INT_TIME_D]
        imb = (st.sf[E.SF_INT_DMAX] + Td) / (st.sf[E.SF_INT_DMIN] + Td) if Td > 0 else 1.0
        prompt = st.si[E.SI_PROMPT_TOK]
        dprompt = st.si[E.SI_DPROMPT_TOK]
        h = st.hist
        n_ttft = h[E.H_TTFT].sum()
        pw = st.pw_i[E.PWI_STATE] != E.W_OFF
        dw = st.dw_i[E.DWI_STATE] != E.W_OFF
        return dict(
            profile=self.profile.name, policy=self.policy, tau=self.tau, omega=self.omega, seed=self.seed,
            concurrency=self.concurrency, rate=self.rate, n_prefill=self.n_prefill, n_decode=self.n_decode,
            seconds=float(T),
            ttft_p50_ms=hist_quantile(h[E.H_TTFT], 0.50), ttft_p99_ms=hist_quantile(h[E.H_TTFT], 0.99),
            ttft_mean_ms=(st.sf[E.SF_SUM_TTFT] / n_ttft * 1e3) if n_ttft else math.nan,
            itl_p50_ms=hist_quantile(h[E.H_ITL], 0.50), itl_p99_ms=hist_quantile(h[E.H_ITL], 0.99),
            e2e_p50_ms=hist_quantile(h[E.H_E2E], 0.50),
            e2e_mean_ms=(st.sf[E.SF_SUM_E2E] / win_done * 1e3) if win_done else math.nan,
            throughput_rps=win_done / T if T > 0 else 0.0,
            output_tokens_per_s=st.si[E.SI_WIN_TOKENS] / T if T > 0 else 0.0,
            completed=win_done, issued=int(st.si[E.SI_WIN_ISSUED]),
            in_flight=c["in_flight"],
            queued=c["queued_router"] + c["queued_prefill"] + c["queued_decode"],
            mean_in_flight=st.sf[E.SF_INT_INFLIGHT] / T if T > 0 else 0.0,
            mean_queue_router=st.sf[E.SF_INT_QROUTER] / T if T > 0 else 0.0,
            mean_queue_prefill=st.sf[E.SF_INT_QPREFILL] / T if T > 0 else 0.0,
            mean_queue_decode=st.sf[E.SF_INT_QDECODE] / T if T > 0 else 0.0,
            mean_prefill_wait_ms=(st.sf[E.SF_SUM_PWAIT] / st.si[E.SI_WIN_PSTART] * 1e3)
            if st.si[E.SI_WIN_PSTART] else math.nan,
            cache_hit_rate=st.si[E.SI_HIT_TOK] / prompt if prompt else 0.0,
            decode_cache_hit_rate=st.si[E.SI_DHIT_TOK] / dprompt if dprompt else 0.0,
            decode_imbalance=float(imb),
            prefill_util=float(st.pw_f[E.PWF_BUSY_TIME][pw].mean() / T) if T > 0 and pw.any() else 0.0,
            decode_util=float(st.dw_f[E.DWF_BUSY_TIME][dw].mean() / T) if T > 0 and dw.any() else 0.0,
            regime_final=REGIMES[int(st.si[E.SI_REGIME])],
            regime_switches=int(st.si[E.SI_SWITCHES]),
            poa_hat=float(st.sf[E.SF_POA_REAL] / st.sf[E.SF_POA_OPT]) if st.sf[E.SF_POA_OPT] > 0 else math.nan,
        )

    @property
    def detector(self) -> dict:
        """The Saturation Detector now: regime, hysteresis count, signal and thresholds (ms)."""
        st, dc = self._st, self.detector_config
        k = int(st.si[E.SI_CAND_K])
        return dict(regime=REGIMES[int(st.si[E.SI_REGIME])],
                    candidate=REGIMES[int(st.si[E.SI_CAND])] if k else None,
                    k=k, hysteresis=dc.hysteresis, stable=k == 0,
                    ewma_ms=float(st.sf[E.SF_EWMA]) * 1e3, last_p99_ms=float(st.sf[E.SF_P99]) * 1e3,
                    theta1_ms=dc.theta1 * 1e3, theta2_ms=dc.theta2 * 1e3, poll_interval_s=dc.poll_interval,
                    polls=int(st.si[E.SI_POLLS]), switches=int(st.si[E.SI_SWITCHES]),
                    tau=self.tau, omega=self.omega, policy=self.policy)

    def log(self, since: float = -math.inf) -> list[tuple[float, str, str]]:
        """The mission log (at most the last 512 entries), oldest first: (time s, kind, text)."""
        st = self._st
        head = int(st.si[E.SI_LOG_HEAD])
        ring = st.lg_t.shape[0]
        out = []
        for j in np.arange(max(0, head - ring), head) % ring:
            t = float(st.lg_t[j])
            if t < since:
                continue
            kind, a, b = (int(x) for x in st.lg_i[j])
            v = st.lg_v[j]
            if kind == E.LOG_REGIME:
                text = (f"regime {REGIMES[a]} -> {REGIMES[b]}: EWMA(TTFT P99) = {v[0] * 1e3:.0f} ms "
                        f"(theta1 {v[1] * 1e3:.0f} ms, theta2 {v[2] * 1e3:.0f} ms)")
            elif kind == E.LOG_FLIP:
                text = f"controller: (tau, omega) ({v[0]:g}, {v[1]:g}) -> ({v[2]:g}, {v[3]:g}) for {REGIMES[b]}"
            elif kind == E.LOG_POOL:
                name = "prefill" if a == 0 else "decode"
                what = "outage" if b == 0 else ("scale up" if b > v[0] else "scale down (draining)")
                text = f"{name} pool {int(v[0])} -> {b} workers ({what}" + (
                    f", start-up {v[1]:g} s)" if b > v[0] and v[1] > 0 else ")")
                if t == 0.0 and v[0] == 0:
                    text = f"{name} pool starts with {b} worker{'s' if b != 1 else ''}"
            elif kind == E.LOG_READY:
                text = f"{'prefill' if a == 0 else 'decode'} worker {b} online"
            elif kind == E.LOG_PLANNER:
                name = "prefill" if a == 0 else "decode"
                what = "req/s" if a == 0 else "requests wanting decode"
                text = (f"planner: {name} {'+1' if v[0] > 0 else '-1'} -> {b} workers "
                        f"(forecast {v[1]:.1f} {what}, {name} utilisation {v[2]:.2f})")
            elif kind == E.LOG_ROUTER:
                text = f"router set by hand: (tau, omega) ({v[0]:g}, {v[1]:g}) -> ({v[2]:g}, {v[3]:g})"
            else:
                text = f"{LOG_KINDS[kind]} {a} {b}"
            out.append((t, LOG_KINDS[kind], text))
        return out

    def __repr__(self):
        load = f"C={self.concurrency}" if self.rate is None else f"rate={self.rate}/s"
        return (f"Simulation({self.profile.name!r}, {load}, policy={self.policy!r}, tau={self.tau}, "
                f"omega={self.omega}, seed={self.seed}, {self.n_prefill}P{self.n_decode}D, t={self.time:.3f}s)")
