"""The binary frame the kernel sends to the page (at most ~30 per second).

Layout, version 1, little-endian (the field lists are ``_schema.py``'s; the page's decoder,
``js/protocol/frames.js``, takes them from the schema the widget sends)::

    offset  type      field
    0       4 bytes   magic b"ORBF"
    4       uint16    version (1)
    6       uint8     prefill worker slots P
    7       uint8     decode worker slots D
    8       float64   simulated time (s)
    16      uint32    frame sequence number
    20      uint8     regime (index into REGIMES)
    21      uint8     hysteresis count k
    22      uint8     hysteresis (polls needed)
    23      uint8     flags (FLAGS, one bit each)
    24      float32 x len(SCALARS)          named numbers (NaN = no value yet)
    ...     float32 x P x len(PREFILL)      per prefill worker, field-major
    ...     float32 x D x len(DECODE)       per decode worker, field-major
    ...     uint32  x len(ROUTES)           shuttles per route since the previous frame
    ...     uint32  x D x len(PER_DECODE)   requests routed to / completed by each decode worker since then

Adding a field means a new version: the decoder refuses versions it does not know.
"""
from __future__ import annotations

import struct

import numpy as np

from ._schema import DECODE, FLAGS, HEADER, MAGIC, PER_DECODE, PREFILL, ROUTES, SCALARS, STRUCT_CODES, VERSION

_HEAD = struct.Struct("<" + "".join(STRUCT_CODES[kind] for _, kind in HEADER))


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
    need = _HEAD.size + 4 * (sum(sizes) + len(ROUTES) + len(PER_DECODE) * n_d)
    if len(buf) != need:
        raise ValueError(f"frame: {len(buf)} bytes, expected {need} for {n_p} prefill and {n_d} decode slots")
    f32 = np.frombuffer(buf, dtype="<f4", count=sum(sizes), offset=_HEAD.size)
    u32 = np.frombuffer(buf, dtype="<u4", offset=_HEAD.size + 4 * sum(sizes))
    sc, pw, dw = np.split(f32, np.cumsum(sizes)[:2])
    pw, dw = pw.reshape(len(PREFILL), n_p), dw.reshape(len(DECODE), n_d)
    per = u32[len(ROUTES):].reshape(len(PER_DECODE), n_d).astype(int)
    return dict(
        version=version, time=t, seq=seq, regime=regime, k=k, hysteresis=hyst,
        flags={name: bool(bits >> i & 1) for i, name in enumerate(FLAGS)},
        scalars={name: float(v) for name, v in zip(SCALARS, sc)},
        prefill={f: pw[i].copy() for i, f in enumerate(PREFILL)},
        decode={f: dw[i].copy() for i, f in enumerate(DECODE)},
        routes={r: int(v) for r, v in zip(ROUTES, u32[:len(ROUTES)])},
        **{name: per[i] for i, name in enumerate(PER_DECODE)},
    )
