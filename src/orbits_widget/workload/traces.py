"""Request traces: Mooncake JSONL in, Mooncake JSONL out.

One request per line: ``{"timestamp": ms, "input_length": n, "output_length": m, "hash_ids": [...]}``
with one hash id per ``trace_block_size``-token block of the prompt (equal ids = equal prefixes,
as Mooncake and Dynamo's replay use them). Unknown fields are ignored.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import json
import math
import numbers
import os
import random
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._validate import check_number

__all__ = ["Trace", "load_trace", "synthetic_trace"]

DEFAULT_TRACE_BLOCK = 512     # tokens per hash id in Mooncake's traces and Dynamo's replay (its default)


@njit(cache=True, inline="always")
def trace_block_key(hashes, offset, b, block_size, trace_block_size):
    """Key of our block ``b`` of a trace line whose hash ids start at ``hashes[offset]``: the
    trace block holding b's last token, split into sub-blocks when trace blocks are larger than
    ours. Negative, so never equal to a synthetic template's key."""
    h = hashes[offset + ((b + 1) * block_size - 1) // trace_block_size]
    if trace_block_size > block_size:
        per = trace_block_size // block_size
        sub = ((b * block_size) % trace_block_size) // block_size
    else:
        per = 1
        sub = 0
    return -2 - (h * per + sub)


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
    lines: np.ndarray | None = None     # each request's line number in the file (1-based)

    def line_number(self, i: int) -> int:
        """The file line of request ``i``."""
        return int(self.lines[i]) if self.lines is not None else i + 1

    def __len__(self):
        return len(self.isl)

    def head(self, n) -> "Trace":
        """The first ``n`` requests (all of them when the trace is shorter)."""
        n = min(check_number("n", n, 1, 1 << 62, integer=True), len(self))
        end = int(self.offset[n - 1] + self.n_hashes[n - 1])
        return dataclasses.replace(self, isl=self.isl[:n], osl=self.osl[:n], offset=self.offset[:n],
                                   n_hashes=self.n_hashes[:n], arrival_s=self.arrival_s[:n], hashes=self.hashes[:end],
                                   lines=None if self.lines is None else self.lines[:n])

    def scaled(self, factor) -> "Trace":
        """The same requests arriving ``factor`` times as fast (arrival times divided by it; prompts,
        outputs and hash ids unchanged): the trace's load, scaled."""
        factor = check_number("scale", factor, 0.0, 1e6, lo_open=True)
        return dataclasses.replace(self, arrival_s=self.arrival_s / factor)

    @functools.cached_property
    def block_size(self) -> int:
        """Tokens per hash id, as the lines themselves say: the block sizes B for which every line has
        ceil(input_length / B) hash ids form an interval; 512 (Mooncake's and Dynamo's replay default)
        when it lies in it, else the largest power of two in it, else its lower end. A trace whose lines
        agree on no B (hash lists cut short) gets 512, Dynamo's default."""
        isl = self.isl.astype(np.int64)
        n = self.n_hashes.astype(np.int64)
        ok = n >= 1
        if not ok.any():
            return DEFAULT_TRACE_BLOCK
        isl, n = isl[ok], n[ok]
        lo = int(np.max(-(-isl // n)))                               # ceil(isl / n) <= B
        many = n >= 2
        hi = int(np.min((isl[many] - 1) // (n[many] - 1))) if many.any() else 1 << 20   # ceil(isl / B) >= n
        if lo > hi:
            return DEFAULT_TRACE_BLOCK
        if lo <= DEFAULT_TRACE_BLOCK <= hi:
            return DEFAULT_TRACE_BLOCK
        p2 = 1 << (hi.bit_length() - 1)
        return p2 if p2 >= lo else lo

    @functools.cached_property
    def distinct_hashes(self) -> int:
        return int(len(np.unique(self.hashes)))

    @functools.cached_property
    def _kernel(self):
        tr_i = np.stack([self.isl, self.osl, self.offset, self.n_hashes]).astype(np.int64)
        hashes = self.hashes if len(self.hashes) else np.zeros(1, np.int64)
        return tr_i, self.arrival_s.astype(np.float64), hashes.astype(np.int64)

    def kernel_arrays(self):
        """(per-line ints, arrival times, hash ids) as the kernel reads them (shared, read-only)."""
        return self._kernel


_INT = (int, np.integer)


def _check_line(obj, lineno, path, prev_t):
    """Full validation of one parsed line (the slow path, used to name the first bad line)."""
    if not isinstance(obj, dict):
        raise ValueError(f"{path}:{lineno}: expected a JSON object")
    for key in ("input_length", "output_length"):
        if key not in obj:
            raise ValueError(f"{path}:{lineno}: missing field {key!r}")
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, _INT) or not 1 <= v < 2**40:
            raise ValueError(f"{path}:{lineno}: {key!r} must be an integer in [1, 2^40), got {v!r}")
    t = obj.get("timestamp", 0)
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
        raise ValueError(f"{path}:{lineno}: 'timestamp' must be a finite number >= 0 (ms), got {t!r}")
    if prev_t is not None and t < prev_t:
        raise ValueError(f"{path}:{lineno}: 'timestamp' goes backwards ({t} after {prev_t})")
    h = obj.get("hash_ids", [])
    if not isinstance(h, list) or any(isinstance(x, bool) or not isinstance(x, _INT) or not 0 <= x < 2**40
                                      for x in h):
        raise ValueError(f"{path}:{lineno}: 'hash_ids' must be a list of integers in [0, 2^40)")
    return t


def parse_trace(path) -> Trace:
    """Read and check a Mooncake JSONL file (no cache: ``load_trace`` keeps parsed traces)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        for lineno, b in enumerate(raw.splitlines(), 1):
            try:
                b.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not UTF-8 text (byte {e.start + 1} of the line)") from None
        raise
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip()]
    if not numbered:
        raise ValueError(f"{path}: the trace has no requests")
    try:
        objs = json.loads("[" + ",".join(ln for _, ln in numbered) + "]")
        if len(objs) != len(numbered):
            raise ValueError
        isl = np.array([o["input_length"] for o in objs])
        osl = np.array([o["output_length"] for o in objs])
        ts = np.array([o.get("timestamp", 0) for o in objs], dtype=float)
        hl = [o.get("hash_ids", []) for o in objs]
        nh = np.fromiter(map(len, hl), np.int64, len(hl))
        hashes = np.fromiter(itertools.chain.from_iterable(hl), np.int64, int(nh.sum()))
        ok = (isl.dtype.kind == "i" and osl.dtype.kind == "i" and np.all(isl >= 1) and np.all(osl >= 1)
              and np.all(isl < 2**40) and np.all(osl < 2**40) and np.all(np.isfinite(ts)) and np.all(ts >= 0)
              and np.all(np.diff(ts) >= 0) and np.all(hashes >= 0) and np.all(hashes < 2**40)
              and all(type(o) is dict for o in objs) and all(type(h) is list for h in hl)
              and not any(type(v) is bool for o in objs for v in (o["input_length"], o["output_length"])))
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        ok = False
    if not ok:
        # name the first offending line
        prev = None
        for lineno, ln in numbered:
            try:
                obj = json.loads(ln)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            prev = _check_line(obj, lineno, path, prev)
        raise ValueError(f"{path}: malformed trace")   # not reached: some line failed above
    off = np.concatenate([[0], np.cumsum(nh)[:-1]]).astype(np.int64)
    return Trace(path=path, isl=isl.astype(np.int64), osl=osl.astype(np.int64), offset=off, n_hashes=nh,
                 arrival_s=(ts - ts[0]) / 1e3, hashes=hashes,
                 lines=np.array([n for n, _ in numbered], np.int64))


_CACHE: "collections.OrderedDict[tuple, Trace]" = collections.OrderedDict()


def load_trace(path) -> Trace:
    """Read a Mooncake JSONL trace; a malformed line raises ``ValueError`` naming its number.
    The last few traces read are kept (keyed by path, size and modification time), so replaying
    one file at many concurrencies parses it once."""
    path = os.fspath(path)
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns)
    tr = _CACHE.get(key)
    if tr is None:
        tr = parse_trace(path)
        _CACHE[key] = tr
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return tr


def forget_traces() -> None:
    """Drop the traces ``load_trace`` keeps, so that the next read parses its file again."""
    _CACHE.clear()


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
