"""The headless API: ``Simulation`` (step it, read it live, run it) and ``Result``."""
from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import profiles as _profiles
from .._validate import CHOICE, INTEGER, Rule, check_fields
from .._validate import check_number as _check_number
from ..control.detector import REGIMES, DetectorConfig
from ..control.planner import Planner, PlannerConfig
from ..kernel import layout as L
from ..kernel.layout import grow, grow_clients
from ..kernel.loop import advance
from ..kernel.metrics import mission_log, reset_stats
from ..kernel.params import build_state
from ..kernel.pools import set_pool_size
from ..profiles import Profile
from ..workload.traces import Trace, load_trace
from . import readout

POLICIES = ("static", "adaptive")
DEFAULT_WARMUP = 30.0
DEFAULT_TAU, DEFAULT_OMEGA = 0.0, 1.0      # Dynamo's KV router defaults (router temperature, overlap weight)
MAX_REQUEST_TABLE_BYTES = 256 << 20    # the cap on requests in the system (open-loop overload, outages)
STALL_SECONDS = 1e6      # run(seconds=None): a trace replay that moves nothing this long is stuck
# What Simulation's own settings may hold (the profile's fields are checked by Profile, the controller's by
# DetectorConfig; concurrency, rate and the trace depend on each other and are checked in __init__)
SIMULATION_RULES: tuple[Rule, ...] = (
    Rule("policy", CHOICE, choices=POLICIES),
    Rule("seed", INTEGER, 0, 2**63 - 1),
    Rule("block_keys", CHOICE, choices=("runs", "blocks")),
)
SUMMARY_KEYS = ("profile", "policy", "tau", "omega", "seed", "concurrency", "rate", "n_prefill", "n_decode",
                "seconds", "ttft_p50_ms", "ttft_p99_ms", "ttft_mean_ms", "itl_p50_ms", "itl_p99_ms",
                "e2e_p50_ms", "e2e_mean_ms", "throughput_rps", "output_tokens_per_s", "completed", "issued",
                "in_flight", "queued", "mean_in_flight", "mean_queue_router", "mean_queue_prefill",
                "mean_queue_decode", "mean_prefill_wait_ms", "cache_hit_rate",
                "decode_cache_hit_rate", "decode_imbalance", "prefill_util", "decode_util", "regime_final",
                "regime_switches", "poa_hat")


def _check_trace_fits(trace: Trace, p: Profile) -> None:
    """Every line's prompt + output must fit one decode worker's KV, in whole blocks, or it would
    wait for admission for ever: refuse the trace up front, naming the first line that cannot."""
    need = p.request_kv_blocks(trace.isl, trace.osl)
    bad = np.flatnonzero(need > p.kv_blocks())
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"trace: {trace.path}:{trace.line_number(i)}: {int(trace.isl[i])} + "
                         f"{int(trace.osl[i])} tokens need {int(need[i])} KV blocks, a decode worker holds "
                         f"{p.kv_blocks()} "
                         f"(kv_capacity_tokens = {p.kv_capacity()}, block_size = {p.block_size}); "
                         f"{bad.size} line(s) of {len(trace)} cannot fit")


def request_bytes(state) -> int:
    """Bytes one request takes in a state's request table: its rows (its prompt's keys among them), its
    free-list entry and its heap entry; ``MAX_REQUEST_TABLE_BYTES`` counts in these."""
    return 8 * (state.requests_f.shape[0] + state.requests_i.shape[0] + 3)



class Overloaded(RuntimeError):
    """The requests in the system fill the request table's cap: the load is far past what the
    deployment completes (the simulation stops there; what it measured so far can still be read)."""


class WholeTraceNeeded(RuntimeError):
    """The request table's growth meets its cap while the trace is still being read (``need_lines`` set): the
    cap depends on the bytes a request, which depend on the whole trace's longest prompt (api/replay.py then
    replays the trace the usual way)."""


@dataclass(frozen=True)
class Result:
    """What ``Simulation.run`` returns: the measured window's summary."""

    _summary: dict

    def summary(self) -> dict:
        """A dict with the keys of ``SUMMARY_KEYS`` (latencies in ms, NaN when nothing completed)."""
        return dict(self._summary)

    def __getitem__(self, key: str) -> Any:
        return self._summary[key]

    def __repr__(self) -> str:
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
    trace_block_size : int, optional
        Tokens per trace hash id. Default: what the trace's lines say (``Trace.block_size``: each line
        has ceil(input_length / B) hash ids), so 512 for Mooncake's traces and 64 for what
        ``synthetic_trace`` writes by default.
    block_keys : {"runs", "blocks"}
        How a trace's prompt blocks are kept in the block tables: ``"runs"`` (default) one entry per
        trace hash block holding its blocks as a run, ``"blocks"`` one entry per block. The results are
        identical (``kernel/trace_runs.py``); runs are several times faster on long prompts.
    history : int
        How many completed requests ``requests()`` keeps (a ring; default 65 536, or the trace's
        length when that is smaller).
    **overrides
        Any :class:`~orbits_widget.profiles.Profile` field, e.g. ``n_decode=3``,
        ``output_tokens=128``, ``decode_routing="dynamo"``.
    """

    def __init__(self, profile: str | Profile = "nemotron-340b-1p2d", concurrency: int | None = 128,
                 policy: str = "static", tau: float | None = 0.0, omega: float | None = 1.0, seed: int = 0,
                 rate: float | None = None, trace: str | os.PathLike[str] | Trace | None = None,
                 trace_block_size: int | None = None, block_keys: str = "runs", history: int | None = None,
                 theta1: float = 0.3, theta2: float = 2.0, hysteresis: int = 3, poll_interval: float = 5.0,
                 ewma_alpha: float = 0.3, regime_table: dict | None = None,
                 planner: bool | str | PlannerConfig | None = None, **overrides: Any) -> None:
        self.profile = _profiles.get(profile, **overrides)
        args = check_fields(SIMULATION_RULES, dict(policy=policy, seed=seed, block_keys=block_keys))
        self.policy = policy
        self.detector_config = DetectorConfig(theta1=theta1, theta2=theta2, hysteresis=hysteresis,
                                              poll_interval=poll_interval, ewma_alpha=ewma_alpha,
                                              **({} if regime_table is None else {"table": regime_table}))
        self.seed = args["seed"]
        self.trace = None
        # called when the kernel needs a trace's next lines (NEED_LINES): set by ow.replay while it still reads them
        self.need_lines: Callable[[], None] | None = None
        # how ``ow.replay`` read this run's trace: "streamed" (read while it replayed), or why it read it first
        self.replay_note: str | None = None
        if trace is not None:
            if rate is not None:
                raise ValueError("rate: an open-loop trace replay takes its arrival times from the trace")
            self.trace = trace if isinstance(trace, Trace) else load_trace(trace)
            if trace_block_size is None:
                trace_block_size = self.trace.block_size
            trace_block_size = _check_number("trace_block_size", trace_block_size, 1, 1 << 20, integer=True)
            _check_trace_fits(self.trace, self.profile)
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
        dc = self.detector_config
        self._st = build_state(p, dc, policy, concurrency, rate, self.trace, trace_block_size, history, self.seed,
                               block_keys)
        if policy == "adaptive":
            tau, omega = dc.row("BELOW")
        # None means Dynamo's default, as in sweep
        self.set_router(DEFAULT_TAU if tau is None else tau, DEFAULT_OMEGA if omega is None else omega)
        set_pool_size(self._st, 0, p.n_prefill, 0.0)
        set_pool_size(self._st, 1, p.n_decode, 0.0)
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
        return float(self._st.scalars_f[L.SF_TIME])

    @property
    def concurrency(self) -> int | None:
        return None if self._st.iparams[L.I_OPEN_LOOP] == 1 else int(self._st.iparams[L.I_CONCURRENCY])

    @concurrency.setter
    def concurrency(self, c: int) -> None:
        if self._st.iparams[L.I_OPEN_LOOP] == 1:
            raise ValueError("concurrency: this simulation is open loop")
        c = _check_number("concurrency", c, 0, 1_000_000, integer=True)
        if c > self._st.client_returns.shape[0]:
            self._st = grow_clients(self._st, c + 16)
        self._st.iparams[L.I_CONCURRENCY] = c

    @property
    def tau(self) -> float:
        return float(self._st.params[L.P_TAU])

    @property
    def omega(self) -> float:
        return float(self._st.params[L.P_OMEGA])

    def set_router(self, tau: float | None = None, omega: float | None = None) -> None:
        """Change the router's temperature and/or overlap weight from now on (under the adaptive
        policy the controller overrides them at its next regime switch)."""
        st = self._st
        old = (float(st.params[L.P_TAU]), float(st.params[L.P_OMEGA]))
        if tau is not None:
            st.params[L.P_TAU] = _check_number("tau", tau, 0.0, 1e6)
        if omega is not None:
            st.params[L.P_OMEGA] = _check_number("omega", omega, 0.0, 1e6)
        new = (float(st.params[L.P_TAU]), float(st.params[L.P_OMEGA]))
        if new != old and st.scalars_f[L.SF_TIME] > 0:
            self._log(L.LOG_ROUTER, 0, 0, *old, *new)

    def set_regime_row(self, regime: str, tau: float, omega: float) -> None:
        """Change the adaptive controller's (tau, omega) for ``regime`` (one of ``REGIMES``) from now
        on. An adaptive simulation in that regime now routes with the new row at once, as it would
        have since switching into it; otherwise the row applies at the next switch into the regime."""
        if regime not in REGIMES:
            raise ValueError(f"regime: must be one of {list(REGIMES)}, got {regime!r}")
        row = (_check_number("tau", tau, 0.0, 1e6), _check_number("omega", omega, 0.0, 1e6))
        r = REGIMES.index(regime)
        self.detector_config = dataclasses.replace(self.detector_config,
                                                   table=dict(self.detector_config.table, **{regime: row}))
        st = self._st
        st.params[L.P_REGIME_TABLE + 2 * r], st.params[L.P_REGIME_TABLE + 2 * r + 1] = row
        if self.policy == "adaptive" and int(st.scalars_i[L.SI_REGIME]) == r:
            self.set_router(*row)

    def record_planner_move(self, pool: str, delta: int, n: int, forecast: float, util: float) -> None:
        """Write a Planner decision into the mission log (the Planner acts between kernel steps)."""
        self._log(L.LOG_PLANNER, 0 if pool == "prefill" else 1, n, float(delta), forecast, util, 0.0)

    def _log(self, kind, a, b, v0=0.0, v1=0.0, v2=0.0, v3=0.0):
        st = self._st
        mission_log(st.scalars_i, st.log_t, st.log_codes, st.log_values, float(st.scalars_f[L.SF_TIME]), kind, a, b, v0,
                    v1, v2, v3)

    def _pool_count(self, pool):
        state = self._st.prefill_i[L.PWI_STATE] if pool == 0 else self._st.decode_i[L.DWI_STATE]
        return int(np.sum((state == L.W_ACTIVE) | (state == L.W_STARTING)))

    @property
    def n_prefill(self) -> int:
        """Prefill workers serving or starting (draining ones excluded)."""
        return self._pool_count(0)

    @n_prefill.setter
    def n_prefill(self, n: int) -> None:
        self.set_workers(n_prefill=_check_number("n_prefill", n, 0, self.profile.max_workers, integer=True))

    @property
    def n_decode(self) -> int:
        return self._pool_count(1)

    @n_decode.setter
    def n_decode(self, n: int) -> None:
        self.set_workers(n_decode=_check_number("n_decode", n, 0, self.profile.max_workers, integer=True))

    def set_workers(self, n_prefill: int | None = None, n_decode: int | None = None,
                    startup_delay: float = 0.0) -> None:
        """Resize the pools now. 0 is an outage (requests wait at the router, none is lost);
        removed workers drain their requests first; added ones serve after ``startup_delay`` s."""
        d = _check_number("startup_delay", startup_delay, 0.0, 1e6)
        mw = self.profile.max_workers
        if n_prefill is not None:
            set_pool_size(self._st, 0, _check_number("n_prefill", n_prefill, 0, mw, integer=True), d)
        if n_decode is not None:
            set_pool_size(self._st, 1, _check_number("n_decode", n_decode, 0, mw, integer=True), d)

    def step(self, seconds: float) -> Simulation:
        """Advance the simulation by ``seconds`` of simulated time (a finished trace replay stops
        its clock at the last completion)."""
        seconds = _check_number("seconds", seconds, 0.0, 1e9)
        t_end = self.time + seconds
        pl = self.planner
        while True:
            # the Planner acts at its ticks, between engine steps (as Dynamo's planner does)
            stop = min(t_end, pl.next_tick) if pl is not None else t_end
            status = advance(self._st, stop)
            if status == L.NEED_SLOTS:
                self._grow_request_table()
                continue
            if status == L.NEED_LINES and self.need_lines is not None:
                self.need_lines()     # a streamed trace (api/replay.py): waits for the next lines read
                continue
            if pl is not None and status == L.OK and self.time >= pl.next_tick:
                if pl.enabled:
                    pl.tick()
                pl.next_tick += pl.cfg.interval
            if status == L.FINISHED or self.time >= t_end:
                return self


    def _grow_request_table(self):
        """Double the request table (requests are never dropped), up to the cap on requests in the
        system: past it the run stops with an error that says why, instead of running out of memory."""
        st = self._st
        have = st.requests_f.shape[1]
        per_request = request_bytes(st)
        cap = max(have, MAX_REQUEST_TABLE_BYTES // per_request)
        if self.need_lines is not None and 2 * have > cap:
            # a streamed replay's rows for keys may still grow, and with them the bytes a request
            raise WholeTraceNeeded("the request table's cap")
        if have >= cap:
            c = self.counters()
            done = self.summary()["throughput_rps"]
            load = f"rate = {self.rate:g} req/s" if self.rate is not None else f"concurrency = {self.concurrency}"
            raise Overloaded(
                f"requests in the system: {c['in_flight']:,} at t = {self.time:.1f} s fill the request table's "
                f"cap ({MAX_REQUEST_TABLE_BYTES >> 20} MiB, {cap:,} requests of {per_request} bytes): the "
                f"deployment completes {done:.1f} req/s against {load} ({c['queued_router']:,} wait at the "
                f"router). Lower the load, add workers, or step less.")
        self._st = grow(st, min(2 * have, cap))

    def _progress(self) -> tuple[int, int]:
        """(issued, completed): a run moves when either grows."""
        si = self._st.scalars_i
        return int(si[L.SI_ISSUED]), int(si[L.SI_COMPLETED])

    def _stuck(self) -> str:
        """What holds the requests still in flight (for ``run``'s stall error)."""
        c, q = self.counters(), self.router_queues()
        why = []
        for pool in ("prefill", "decode"):
            if q[pool] and getattr(self, f"n_{pool}") == 0:
                why.append(f"{q[pool]} request(s) wait at the router and the {pool} pool has 0 workers")
        if c["queued_decode"] and not c["decoding"]:
            why.append(f"{c['queued_decode']} request(s) wait for decode admission")
        if self.concurrency == 0:
            why.append("concurrency is 0: no client sends the remaining trace lines")
        return "; ".join(why) or f"counters {c}"

    def reset_stats(self) -> None:
        """Start a new measurement window now (histograms, rates and integrals restart)."""
        reset_stats(self._st)

    @property
    def finished(self) -> bool:
        """True once a trace replay has issued every line and every request has completed."""
        st = self._st
        if self.need_lines is not None:
            return False
        return (self.trace is not None and st.scalars_i[L.SI_TRACE_LINE] >= len(self.trace)
                and st.scalars_i[L.SI_IN_FLIGHT] == 0)

    def run(self, seconds: float | None = 120.0, warmup: float | None = None) -> Result:
        """Run ``warmup`` seconds (not measured), then ``seconds`` measured; return the Result.

        Defaults: ``warmup`` = 30 s, or 0 for a trace replay (every request is measured);
        ``seconds=None`` (trace replay only) runs until the trace is exhausted."""
        if warmup is None:
            warmup = 0.0 if self.trace is not None else DEFAULT_WARMUP
        warmup = _check_number("warmup", warmup, 0.0, 1e9)
        if seconds is None:
            if self.trace is None:
                raise ValueError("seconds: None is only allowed when replaying a trace")
            if self.concurrency == 0:
                raise ValueError("concurrency: 0 clients can never exhaust the trace")
            self.step(warmup)
            self.reset_stats()
            while not self.finished:
                before = self._progress()
                self.step(STALL_SECONDS)
                if not self.finished and self._progress() == before:
                    raise RuntimeError(f"run: the replay is stuck at t = {self.time:.1f} s (no request issued or "
                                       f"completed in {STALL_SECONDS:g} simulated seconds): {self._stuck()}")
            return Result(self.summary())
        seconds = _check_number("seconds", seconds, 0.0, 1e9, lo_open=True)
        self.step(warmup)
        self.reset_stats()
        self.step(seconds)
        return Result(self.summary())


    # ---------------------------------------------------------------- reading ----
    @property
    def state(self) -> L.State:
        """The kernel's ``State`` (``kernel/layout.py`` names every array's rows): for inspection
        and tests. Writing to it bypasses every check."""
        return self._st

    @state.setter
    def state(self, st: L.State) -> None:
        # between two steps only: a streamed replay (api/replay.py) hands the kernel the trace's new arrays
        self._st = st

    @property
    def thinking(self) -> int:
        """Closed-loop clients between a response and their next request (``think_time_s``)."""
        return int(self._st.scalars_i[L.SI_THINKING])

    def router_queues(self) -> dict:
        """Requests waiting at the router for any worker of a pool (an outage), per pool."""
        si = self._st.scalars_i
        return dict(prefill=int(si[L.SI_ROUTER_PREFILL_LEN]), decode=int(si[L.SI_ROUTER_DECODE_LEN]))

    def counters(self) -> dict:
        """Request accounting now: issued = completed + in_flight, always."""
        return readout.counters(self)

    def live(self) -> dict:
        """A cheap snapshot for drawing: per-worker arrays (length ``max_workers``) and totals."""
        return readout.live(self)

    def kvbm(self) -> dict:
        """KVBM now, per tier G1 HBM, G2 DRAM, G3 SSD, G4 NET (prefill workers; 4-element arrays):
        blocks held, capacity in blocks (G1-G3 summed over the serving prefill workers), and
        cumulative blocks onboarded from / offloaded into each tier."""
        return readout.kvbm(self)

    def requests(self, last: int | None = None) -> dict:
        """The most recent completed requests (at most ``history``), oldest first, as arrays:
        arrival (its client sent it), frontend (it left the client: later than arrival only after a wait for a
        client connection), prefill_start, prefill_end, transfer_end, decode_arrival, first_token,
        completion (seconds), and serial, prefill_worker, decode_worker, template, isl, osl,
        prefill_cached_tokens, transferred_tokens, local_prefill (sent straight to its decode worker, which
        prefilled it)."""
        return readout.requests(self, last)

    def events(self, since: float = -math.inf) -> list[tuple]:
        """Recent request events (time, kind, request serial, worker, template), oldest first,
        from a ring of the last 4096."""
        return readout.events(self, since)

    def summary(self) -> dict:
        """Metrics of the current measurement window (since the start or ``reset_stats``)."""
        return readout.summary(self)

    @property
    def detector(self) -> dict:
        """The Saturation Detector now: regime, hysteresis count, signal and thresholds (ms)."""
        return readout.detector(self)

    def log(self, since: float = -math.inf) -> list[tuple[float, str, str]]:
        """The mission log (at most the last 512 entries), oldest first: (time s, kind, text)."""
        return readout.log(self, since)

    def __repr__(self) -> str:
        load = f"C={self.concurrency}" if self.rate is None else f"rate={self.rate}/s"
        return (f"Simulation({self.profile.name!r}, {load}, policy={self.policy!r}, tau={self.tau}, "
                f"omega={self.omega}, seed={self.seed}, {self.n_prefill}P{self.n_decode}D, t={self.time:.3f}s)")
