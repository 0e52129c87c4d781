"""Request traces: Mooncake JSONL in, Mooncake JSONL out.

One request per line: ``{"timestamp": ms, "input_length": n, "output_length": m, "hash_ids": [...]}``
with one hash id per ``trace_block_size``-token block of the prompt (equal ids = equal prefixes,
as Mooncake and Dynamo's replay use them). Unknown fields are ignored.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import random
from dataclasses import dataclass

import numpy as np

__all__ = ["Trace", "load_trace", "synthetic_trace"]


@dataclass(frozen=True)
class Trace:
    """A loaded trace as arrays: per line isl, osl, offset and count of its hash ids; arrival
    times in seconds from the first line; all hash ids back to back."""

    path: str
    isl: np.ndarray
    osl: np.ndarray
    offset: np.ndarray
    n_hashes: np.ndarray
    arrival_s: np.ndarray
    hashes: np.ndarray

    def __len__(self):
        return len(self.isl)

    def kernel_arrays(self):
        tr_i = np.stack([self.isl, self.osl, self.offset, self.n_hashes]).astype(np.int64)
        hashes = self.hashes if len(self.hashes) else np.zeros(1, np.int64)
        return tr_i, self.arrival_s.astype(np.float64), hashes.astype(np.int64)


def _int(obj, key, lineno, path, lo, required=True):
    if key not in obj:
        if required:
            raise ValueError(f"{path}:{lineno}: missing field {key!r}")
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not lo <= v < 2**40:
        raise ValueError(f"{path}:{lineno}: {key!r} must be an integer in [{lo}, 2^40), got {v!r}")
    return int(v)


def load_trace(path) -> Trace:
    """Read a Mooncake JSONL trace; a malformed line raises ``ValueError`` naming its number."""
    path = os.fspath(path)
    isl, osl, off, nh, ts, hashes = [], [], [], [], [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object")
            isl.append(_int(obj, "input_length", lineno, path, 1))
            osl.append(_int(obj, "output_length", lineno, path, 1))
            t = obj.get("timestamp", 0)
            if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
                raise ValueError(f"{path}:{lineno}: 'timestamp' must be a finite number >= 0 (ms), got {t!r}")
            if ts and t < ts[-1]:
                raise ValueError(f"{path}:{lineno}: 'timestamp' goes backwards ({t} after {ts[-1]})")
            ts.append(float(t))
            h = obj.get("hash_ids", [])
            if not isinstance(h, list) or any(isinstance(x, bool) or not isinstance(x, numbers.Integral)
                                              or not 0 <= x < 2**40 for x in h):
                raise ValueError(f"{path}:{lineno}: 'hash_ids' must be a list of integers in [0, 2^40)")
            off.append(len(hashes))
            nh.append(len(h))
            hashes.extend(int(x) for x in h)
    if not isl:
        raise ValueError(f"{path}: the trace has no requests")
    t0 = ts[0]
    return Trace(path=path, isl=np.array(isl, np.int64), osl=np.array(osl, np.int64),
                 offset=np.array(off, np.int64), n_hashes=np.array(nh, np.int64),
                 arrival_s=(np.array(ts) - t0) / 1e3, hashes=np.array(hashes, np.int64))


def synthetic_trace(n, templates=5, isl=128, osl=256, block=64, rate=None, seed=0, path=None) -> str:
    """Write ``n`` requests drawn from ``templates`` shared prompts (the paper's workload) as a
    Mooncake JSONL file and return its path. ``rate`` (requests/s) spaces the timestamps as a
    Poisson process; without it every timestamp is 0 (for closed-loop replay)."""
    for name, v, lo in (("n", n, 1), ("templates", templates, 1), ("isl", isl, 1), ("osl", osl, 1),
                        ("block", block, 1)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
            raise ValueError(f"{name}: must be an integer >= {lo}, got {v!r}")
    if rate is not None and not (isinstance(rate, numbers.Real) and math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate: must be a finite number > 0 or None, got {rate!r}")
    if path is None:
        import tempfile
        fd, path = tempfile.mkstemp(prefix=f"orbits-trace-{n}-", suffix=".jsonl")
        os.close(fd)
    rng = random.Random(seed)
    nb = -(-isl // block)
    t = 0.0
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            k = rng.randrange(templates)
            if rate is not None:
                t += rng.expovariate(rate) * 1e3
            fh.write(json.dumps({"timestamp": round(t, 3), "input_length": isl, "output_length": osl,
                                 "hash_ids": [k * nb + b for b in range(nb)]}) + "\n")
    return os.fspath(path)
