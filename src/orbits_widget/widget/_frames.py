"""The binary frame the kernel sends to the page (at most ~30 per second).

Layout, version 1, little-endian; ``js/frames.js`` decodes the same bytes::

    offset  type      field
    0       4 bytes   magic b"ORBF"
    4       uint16    version (1)
    6       uint8     prefill worker slots P
    7       uint8     decode worker slots D
    8       float64   simulated time (s)
    16      uint32    frame sequence number
    20      uint8     regime (0 BELOW, 1 TRANSITION, 2 SATURATED)
    21      uint8     hysteresis count k
    22      uint8     hysteresis (polls needed)
    23      uint8     flags (FLAGS, one bit each)
    24      float32 x len(SCALARS)          named numbers (NaN = no value yet)
    ...     float32 x P x len(PREFILL)      per prefill worker, field-major
    ...     float32 x D x len(DECODE)       per decode worker, field-major
    ...     uint32  x len(ROUTES)           shuttles per route since the previous frame
    ...     uint32  x D                     requests routed to each decode worker since then
    ...     uint32  x D                     requests completed by each decode worker since then

Adding a field means a new version: the decoder refuses versions it does not know.
"""
from __future__ import annotations

import struct

import numpy as np

MAGIC = b"ORBF"
VERSION = 1
_HEAD = struct.Struct("<4sHBBdIBBBB")

SCALARS = (
    "tau", "omega", "concurrency", "rps", "in_flight", "queue", "ttft_p50_ms", "ttft_p99_ms",
    "ewma_ms", "theta1_ms", "theta2_ms", "poa_hat",
    "static_ttft_p99_ms", "adaptive_ttft_p99_ms", "static_poa_hat", "adaptive_poa_hat",
    "prefill_util", "decode_util", "gpus_prefill", "gpus_decode",
    "kvbm_g1", "kvbm_g2", "kvbm_g3", "kvbm_g4",
    "kvbm_cap_g1", "kvbm_cap_g2", "kvbm_cap_g3", "kvbm_cap_g4",
)
PREFILL = ("state", "queue", "busy", "util")
DECODE = ("state", "running", "waiting", "slot_util", "util")
ROUTES = ("request_prefill", "request_decode", "tokens_home", "kv_freighter", "metrics_probe", "control_signal")
FLAGS = ("adaptive", "playing", "planner", "demo", "stable")


def encode_frame(time: float, seq: int, regime: int, k: int, hysteresis: int, flags: dict, scalars: dict,
                 prefill: dict, decode: dict, routes: dict, decode_routed, decode_done) -> bytes:
    """Pack one frame. ``scalars``/``routes``/``flags`` are dicts keyed by the names above (a
    missing scalar is NaN); ``prefill``/``decode`` map field names to per-worker arrays."""
    n_p = len(np.asarray(prefill["state"]))
    n_d = len(np.asarray(decode["state"]))
    bits = sum(1 << i for i, name in enumerate(FLAGS) if flags.get(name))
    head = _HEAD.pack(MAGIC, VERSION, n_p, n_d, float(time), int(seq) & 0xFFFFFFFF, int(regime), int(k),
                      int(hysteresis), bits)
    sc = np.array([scalars.get(name, np.nan) for name in SCALARS], dtype="<f4")
    pw = np.array([np.asarray(prefill[f], dtype=float) for f in PREFILL], dtype="<f4").reshape(-1)
    dw = np.array([np.asarray(decode[f], dtype=float) for f in DECODE], dtype="<f4").reshape(-1)
    rt = np.array([max(0, int(routes.get(r, 0))) for r in ROUTES], dtype="<u4")
    per = np.array([np.asarray(decode_routed), np.asarray(decode_done)], dtype=np.int64).clip(0)
    return b"".join((head, sc.tobytes(), pw.tobytes(), dw.tobytes(), rt.tobytes(), per.astype("<u4").tobytes()))


def decode_frame(buf: bytes) -> dict:
    """Unpack a frame into plain Python/numpy values (the inverse of ``encode_frame``)."""
    buf = bytes(buf)
    if len(buf) < _HEAD.size:
        raise ValueError(f"frame: {len(buf)} bytes is shorter than the {_HEAD.size}-byte header")
    magic, version, n_p, n_d, t, seq, regime, k, hyst, bits = _HEAD.unpack_from(buf, 0)
    if magic != MAGIC:
        raise ValueError(f"frame: bad magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise ValueError(f"frame: version {version} is not supported (only {VERSION})")
    sizes = (len(SCALARS), n_p * len(PREFILL), n_d * len(DECODE))
    need = _HEAD.size + 4 * (sum(sizes) + len(ROUTES) + 2 * n_d)
    if len(buf) != need:
        raise ValueError(f"frame: {len(buf)} bytes, expected {need} for {n_p} prefill and {n_d} decode slots")
    f32 = np.frombuffer(buf, dtype="<f4", count=sum(sizes), offset=_HEAD.size)
    u32 = np.frombuffer(buf, dtype="<u4", offset=_HEAD.size + 4 * sum(sizes))
    sc, pw, dw = np.split(f32, np.cumsum(sizes)[:2])
    pw, dw = pw.reshape(len(PREFILL), n_p), dw.reshape(len(DECODE), n_d)
    return dict(
        version=version, time=t, seq=seq, regime=regime, k=k, hysteresis=hyst,
        flags={name: bool(bits >> i & 1) for i, name in enumerate(FLAGS)},
        scalars={name: float(v) for name, v in zip(SCALARS, sc)},
        prefill={f: pw[i].copy() for i, f in enumerate(PREFILL)},
        decode={f: dw[i].copy() for i, f in enumerate(DECODE)},
        routes={r: int(v) for r, v in zip(ROUTES, u32[:len(ROUTES)])},
        decode_routed=u32[len(ROUTES):len(ROUTES) + n_d].astype(int),
        decode_done=u32[len(ROUTES) + n_d:].astype(int),
    )
