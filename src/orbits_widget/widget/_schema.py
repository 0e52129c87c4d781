"""The one contract between Python and the page.

Everything the page needs to know about the kernel's data comes from here, as one JSON dict in the
widget's ``_schema`` trait (``page_schema``), read by ``js/protocol/`` when the page starts and
whenever it changes:

* the binary frame's layout (``_frames.py``): header fields and their types, then the field names,
  in order, of the scalars, the per-prefill and per-decode worker fields, the routes, the per-decode
  counts and the flag bits;
* the names behind the frame's codes: Saturation Detector regimes and worker states;
* the controls' ranges: mode tabs and the load each sets, the speed range, the Planner's predictors;
* the running simulation's parameters the page shows: theta1/theta2, hysteresis and poll interval (its
  detector configuration), what the Saturation Detector reads (``Profile.detector_signal``) and the
  frontend's TTFT histogram buckets it reads them from, C* (the profile's knee), the profile's model,
  deployment, decode slots and KVBM tiers;
* the paper's adaptive-over-static TTFT P99 gain and the deployment it was measured on (the hypothesis
  bench's target, ``hypotheses.observations``), which the About dialog and the Auto-demo quote.

The page declares what it reads in ``js/protocol/contract.js``; ``tests/widget/test_schema.py``
fails when either side has a field the other does not know.
"""
from __future__ import annotations

import math
import re

from ..control.detector import DYNAMO_TTFT_BUCKETS, REGIMES
from ..control.planner import PREDICTORS
from ..hypotheses.catalog import choices as hypothesis_choices
from ..hypotheses.observations import CALIBRATION_PROFILE, TARGET_TTFT_GAIN
from ..kernel.layout import WORKER_STATES
from ..profiles import get as get_profile

# --------------------------------------------------------------------------- the binary frame ----
MAGIC = b"ORBF"
VERSION = 2     # 2: the hypothesis bench's mechanisms on the stage (client waits, direct requests, postings, P99s)
# (name, type); the types the page decodes: ascii4, u8, u16, u32, f64 (all little-endian)
HEADER = (("magic", "ascii4"), ("version", "u16"), ("n_prefill", "u8"), ("n_decode", "u8"), ("time", "f64"),
          ("seq", "u32"), ("regime", "u8"), ("k", "u8"), ("hysteresis", "u8"), ("flags", "u8"))
STRUCT_CODES = {"ascii4": "4s", "u8": "B", "u16": "H", "u32": "I", "f64": "d"}
SCALARS = (
    "tau", "omega", "concurrency", "rps", "in_flight", "queue", "ttft_p50_ms", "ttft_p99_ms",
    "ewma_ms", "theta1_ms", "theta2_ms", "poa_hat",
    "static_ttft_p99_ms", "adaptive_ttft_p99_ms", "static_poa_hat", "adaptive_poa_hat",
    "prefill_util", "decode_util", "gpus_prefill", "gpus_decode",
    "kvbm_g1", "kvbm_g2", "kvbm_g3", "kvbm_g4",
    "kvbm_cap_g1", "kvbm_cap_g2", "kvbm_cap_g3", "kvbm_cap_g4",
    # the hypothesis bench's mechanisms: requests waiting in their client for a connection (H5), and the
    # detector's last poll read both ways, exactly and through the frontend's Prometheus histogram (H4)
    "client_waiting", "poll_exact_p99_ms", "poll_prometheus_p99_ms",
)
PREFILL = ("state", "queue", "busy", "util")
# direct: requests the controller sent straight to the worker, not finished (H1); prefilling: 1 while its pass
# also prefills such requests; posting: NIXL reads it will post before its next step (H2)
DECODE = ("state", "running", "waiting", "slot_util", "util", "direct", "prefilling", "posting")
# request_direct: the controller's own path, Frontend -> a decode worker (H1)
ROUTES = ("request_prefill", "request_decode", "tokens_home", "kv_freighter", "metrics_probe", "control_signal",
          "request_direct")
PER_DECODE = ("decode_routed", "decode_done")
FLAGS = ("adaptive", "playing", "planner", "demo", "stable")


# ------------------------------------------------------------------------------ the controls ----
MODES = ("idle", "normal", "busy", "saturation")
# load level each mode tab sets, and the band of loads that counts as that mode (C_max = 256:
# idle C = 13, normal 64, busy 115 just under the knee (C* = 117 for the default profile, its
# Profile.knee_concurrency), saturation 256 far past it)
MODE_LOAD = {"idle": 0.05, "normal": 0.25, "busy": 0.45, "saturation": 1.0}
MODE_BANDS = (("idle", 0.15), ("normal", 0.35), ("busy", 0.5), ("saturation", math.inf))
SPEED_RANGE = (0.25, 50.0)      # simulated seconds per wall second


def mode_for_load(load: float) -> str:
    """The mode tab whose band holds ``load``."""
    for name, upper in MODE_BANDS:
        if load < upper:
            return name
    return MODES[-1]


def deployment_label(profile) -> str:
    """"340B 1P/2D": the model's size and the pools, as the paper names its deployments."""
    size = re.search(r"(\d+B)", profile.model)
    return f"{size.group(1) if size else profile.model} {profile.n_prefill}P/{profile.n_decode}D"


# the paper's adaptive-over-static TTFT P99 gain at the knee and where it was measured: the hypothesis bench's
# target (docs/hypotheses.md), which no sourced mechanism reproduces
PAPER_GAIN = {"ttft_p99": TARGET_TTFT_GAIN, "deployment": deployment_label(get_profile(CALIBRATION_PROFILE))}


def frame_layout() -> dict:
    """The binary frame's layout, as the page decodes it."""
    return {"magic": MAGIC.decode("ascii"), "version": VERSION, "header": [list(f) for f in HEADER],
                "scalars": list(SCALARS), "prefill": list(PREFILL), "decode": list(DECODE), "routes": list(ROUTES),
                "per_decode": list(PER_DECODE), "flags": list(FLAGS)}


HYPOTHESES = hypothesis_choices()       # the stage's model selector: name, label, what it assumes, sources


def page_schema(profile, detector_config, predictor: str) -> dict:
    """The schema the page reads: the frame's layout, the names behind its codes, the controls'
    ranges and the running simulation's parameters (``profile`` and ``detector_config`` of the
    simulation on the stage; ``predictor`` the Planner's)."""
    return {
        "frame": frame_layout(),
        "regimes": list(REGIMES),
        "worker_states": list(WORKER_STATES),
        "modes": list(MODES),
        "mode_load": dict(MODE_LOAD),
        "speed_range": list(SPEED_RANGE),
        "predictors": list(PREDICTORS),
        "predictor": predictor,
        "theta1_ms": float(detector_config.theta1) * 1e3,
        "theta2_ms": float(detector_config.theta2) * 1e3,
        "hysteresis": int(detector_config.hysteresis),
        "poll_interval_s": float(detector_config.poll_interval),
        "detector_signal": profile.detector_signal,
        "ttft_buckets_ms": [b * 1e3 for b in DYNAMO_TTFT_BUCKETS if math.isfinite(b)],
        "paper_gain": dict(PAPER_GAIN),
        "hypotheses": [dict(h) for h in HYPOTHESES],
        # what the model on the stage switches on, for the page's mechanism displays
        "mechanisms": dict(direct=profile.adaptive_path == "direct", posting=profile.handover_post_ms > 0,
                           client_connections=int(profile.client_connections),
                           v090=profile.decode_routing == "v090", batched_prefill=profile.prefill_batch > 1),
        "knee_concurrency": int(profile.knee_concurrency),
        "model": profile.model.replace("-", "\u2011"),         # non-breaking hyphens: one line in the header
        "deployment": deployment_label(profile),
        "max_num_seqs": int(profile.max_num_seqs),
        "kvbm_tiers": [t["tier"] for t in profile.kvbm_tiers()],
    }
