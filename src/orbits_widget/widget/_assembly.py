"""Frame assembly: one frame from the twins' ``live()`` readings, with the metrics only the page
needs, which the simulation does not keep: requests per second over the last 5 simulated seconds,
the prefill workers' busy fraction (an EWMA of the busy flag sampled every frame) and the shuttle
counts per route since the previous frame; in an open loop, the mean requests in flight over the
last 5 simulated seconds (the frame's ``concurrency``)."""
from __future__ import annotations

import collections
import math

import numpy as np

from ..control.detector import REGIMES
from ..kernel.layout import SF_AREA_IN_FLIGHT
from ._frames import encode_frame

RPS_WINDOW = 5.0        # simulated seconds of completions behind the RPS figure
BUSY_EWMA = 0.15        # weight of the newest sample in the prefill busy fraction
CONTROL_KINDS = ("controller", "planner", "pool")


class FrameAssembler:
    """Per-frame state of one pair of twins (made afresh when the twins are): ``frame()`` encodes
    the next frame and remembers what it counted, so each request moves in exactly one frame."""

    def __init__(self, max_workers: int):
        # (time, completed) over the RPS window
        self.rate: collections.deque[tuple[float, float]] = collections.deque()
        self.pbusy = np.zeros(max_workers)      # prefill busy fraction per worker slot
        self.prev: dict | None = None           # counters at the previous frame (for shuttle counts)
        self.cur: dict = {}                     # live() of the twin on stage at the last frame (none yet)
        self.concurrency = math.nan             # the concurrency the last frame carried
        # per twin: (time, integral of in-flight dt) over the window
        self.area: dict[bool, collections.deque[tuple[float, float]]] = {}

    def frame(self, twins, adaptive: bool, concurrency, seq: int, flags: dict, log) -> bytes:
        """The frame of the twin on stage (``adaptive`` chooses it). ``concurrency``: the closed loop's
        C, or None in an open loop. ``flags`` are the widget's (adaptive, playing, planner, demo);
        ``log`` the merged mission log, for control signals."""
        sim = twins.adaptive if adaptive else twins.static
        p = sim.profile
        ls, la = twins.static.live(), twins.adaptive.live()
        cur = la if adaptive else ls
        self.cur = cur
        det = sim.detector
        t = cur["time"]
        rps = self._rps(t, cur["completed"])
        if concurrency is None:
            concurrency = self._mean_in_flight(sim, adaptive, t, cur["in_flight"])
        self.concurrency = float(concurrency)
        active_p = cur["prefill_state"] != 0
        active_d = cur["decode_state"] != 0
        self.pbusy += BUSY_EWMA * (cur["prefill_busy"].astype(float) - self.pbusy)
        self.pbusy[~active_p] = 0.0
        routed = cur["decode_completed"] + cur["decode_assigned"]
        routes, d_routed, d_done = self._shuttles(sim, cur, det, routed, adaptive, log)
        self.prev = {"time": t, "routed": routed, "decode_completed": cur["decode_completed"].copy(),
                         "prefill_completed": cur["prefill_completed"].copy(),
                         "entered": cur["issued"] - cur["waiting_for_connection"],
                         "sent_direct": cur["sent_direct"],
                         "polls": det["polls"], "ticks": len(sim.planner.history) if sim.planner else 0,
                         "kvbm_onboards": cur["kvbm_onboards"], "kvbm_offloads": cur["kvbm_offloads"]}
        slot = cur["decode_slot_util"]
        scalars = {
            "tau": sim.tau, "omega": sim.omega, "concurrency": concurrency, "rps": rps, "in_flight": cur["in_flight"],
            "queue": cur["queued_router"] + cur["queued_prefill"] + cur["queued_decode"],
            "ttft_p50_ms": cur["ttft_p50_ms"], "ttft_p99_ms": cur["ttft_p99_ms"], "ewma_ms": det["ewma_ms"],
            "theta1_ms": det["theta1_ms"], "theta2_ms": det["theta2_ms"], "poa_hat": cur["poa_hat"],
            "static_ttft_p99_ms": ls["ttft_p99_ms"], "adaptive_ttft_p99_ms": la["ttft_p99_ms"],
            "static_poa_hat": ls["poa_hat"], "adaptive_poa_hat": la["poa_hat"],
            "prefill_util": float(self.pbusy[active_p].mean()) if active_p.any() else 0.0,
            "decode_util": float(slot[active_d].mean()) if active_d.any() else 0.0,
            "gpus_prefill": sim.n_prefill * p.tp, "gpus_decode": sim.n_decode * p.tp,
            "client_waiting": cur["waiting_for_connection"], "poll_exact_p99_ms": cur["poll_exact_p99_ms"],
            "poll_prometheus_p99_ms": cur["poll_prometheus_p99_ms"],
        }
        for i, (b, c) in enumerate(zip(cur["kvbm_blocks"], cur["kvbm_capacity_blocks"])):
            scalars[f"kvbm_g{i + 1}"], scalars[f"kvbm_cap_g{i + 1}"] = float(b), float(c)
        prefill = {"state": cur["prefill_state"], "queue": cur["prefill_queue"], "busy": cur["prefill_busy"],
                       "util": self.pbusy}
        decode = {"state": cur["decode_state"], "running": cur["decode_running"], "waiting": cur["decode_waiting"],
                      "slot_util": slot, "util": cur["decode_util"], "direct": cur["decode_direct"],
                      "prefilling": cur["decode_prefilling"], "posting": cur["decode_posting"]}
        return encode_frame(t, seq, REGIMES.index(det["regime"]), det["k"], det["hysteresis"],
                            dict(flags, stable=det["stable"]), scalars, prefill, decode, routes, d_routed, d_done)

    def _rps(self, t, completed) -> float:
        """Requests per second over the last ``RPS_WINDOW`` simulated seconds."""
        self.rate.append((t, completed))
        while len(self.rate) > 2 and self.rate[0][0] < t - RPS_WINDOW:
            self.rate.popleft()
        (t0, c0), (t1, c1) = self.rate[0], self.rate[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else math.nan

    def _mean_in_flight(self, sim, adaptive, t, now_in_flight) -> float:
        """Requests in flight, time-averaged over the last ``RPS_WINDOW`` simulated seconds from the
        kernel's exact integral. An open loop has no C; by Little's law this is what a closed loop of C
        clients without think time holds in flight, so the chart's live point sits where such a loop
        would. The instantaneous count until the window has width (start, a finished replay)."""
        window = self.area.setdefault(adaptive, collections.deque())
        area = float(sim.state.scalars_f[SF_AREA_IN_FLIGHT])
        if window and (window[-1][0] > t or window[-1][1] > area):       # reset twins or reset_stats
            window.clear()
        window.append((t, area))
        while len(window) > 2 and window[0][0] < t - RPS_WINDOW:
            window.popleft()
        (t0, a0), (t1, a1) = window[0], window[-1]
        return (a1 - a0) / (t1 - t0) if t1 > t0 else float(now_in_flight)

    def _shuttles(self, sim, cur, det, routed, adaptive, log):
        """Shuttles per route, and requests routed to / completed by each decode worker, since the
        previous frame (none after a reset: time went back)."""
        prev = self.prev
        if prev is None or prev["time"] > cur["time"]:
            zeros = np.zeros(len(routed), int)
            return {}, zeros, zeros
        d_routed = routed - prev["routed"]
        d_done = cur["decode_completed"] - prev["decode_completed"]
        probes = det["polls"] - prev["polls"]
        if sim.planner is not None and sim.planner.enabled:
            probes += len(sim.planner.history) - prev["ticks"]
        kv = int(np.sum(np.clip(cur["prefill_completed"] - prev["prefill_completed"], 0, None)))
        kv += int((cur["kvbm_onboards"] - prev["kvbm_onboards"]).sum())
        kv += int((cur["kvbm_offloads"] - prev["kvbm_offloads"]).sum())
        other = "static · " if adaptive else "adaptive · "      # the twin not on stage
        control = sum(1 for e in log if e[0] > prev["time"] and e[1] in CONTROL_KINDS and not e[2].startswith(other))
        # a request the controller sent straight to a decode worker flies Frontend -> decode (request_direct), not
        # through the Sun and the prefill pool; it is among the requests each decode worker got (decode_routed)
        direct = cur["sent_direct"] - prev["sent_direct"]
        # (a request that waits in its client for a connection leaves when it gets one, not when it is sent)
        entered = cur["issued"] - cur["waiting_for_connection"]
        routes = {"request_prefill": entered - prev["entered"] - direct, "request_direct": direct,
                      "request_decode": max(0, int(np.clip(d_routed, 0, None).sum()) - direct),
                      "tokens_home": int(np.clip(d_done, 0, None).sum()),
                      "kv_freighter": kv, "metrics_probe": probes, "control_signal": control}
        return routes, d_routed, d_done
