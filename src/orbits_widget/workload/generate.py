"""Mooncake traces of any size: the four generated families of ``families.py``, mixed.

``write_trace(path, n, seed=0, rate=..., mix=...)`` (or ``python -m orbits_widget.workload``)
writes ``n`` requests as Mooncake JSONL with 512-token hash blocks, timestamps in integer
milliseconds, deterministic for a seed. Each family keeps the shape ``families.py`` gives it
(its docstrings are the source of every range below):

* ``long_prompts``: prompts of 6,000-40,000 tokens, so a prefill is chunked over several passes,
  each starting with one of four shared 2,048-token system prompts; 16-256 output tokens; Poisson
  arrivals.
* ``multi_turn``: chat sessions of six turns; every turn resends the conversation (a 1,024-token
  system prompt shared by all sessions, the previous messages and answers) plus a new message of
  100-2,000 tokens, so a session's prefix grows turn by turn; hash ids chain along the session and a
  partial last block gets a fresh id (the next turn completes it, so its full version is new too);
  50-400 output tokens; the next turn follows after 0.01 s per output token plus 2-20 s of reading
  and typing; sessions start as a Poisson process.
* ``kv_pressure``: questions over a library of 200 documents of 8-24 whole blocks each (about
  1.6M tokens, more than one worker's prefix cache), chosen with Zipf-like weights 1/(k+1)^0.8; the
  question adds 50-500 tokens, the answer 200-1,500; Poisson arrivals.
* ``bursts``: bursts of 20-80 requests within 10 ms, separated by idle gaps (5-15 s in
  ``families.bursts``: uniform within +-50 % of its mean, the mean here set by the family's share of
  the rate); prompts of 1,024-8,192 tokens starting with one of eight shared 1,024-token templates;
  32-512 output tokens.

The default mix and rate are the four families at their own ``families.py`` defaults, sent
together: 0.5 req/s of long prompts, 0.4 sessions/s x 6 turns of chat, 4 req/s of document
questions and a burst of 50 (mean) every 10 s (mean): 11.9 req/s in all. ``rate`` scales every
family's rate alike; ``mix`` changes the shares.

Speed: everything is drawn as numpy arrays, then written a chunk of lines at a time by a compiled
(numba) loop that puts the digits into a byte buffer: no Python object is made per line.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np
from numba import njit

from .._validate import check_number

__all__ = ["DEFAULT_MIX", "DEFAULT_RATE", "FAMILIES", "TRACE_BLOCK", "write_trace"]

TRACE_BLOCK = 512        # tokens per hash id, as in Mooncake's traces (families.TRACE_BLOCK)
FAMILIES = ("long_prompts", "multi_turn", "kv_pressure", "bursts")
# each family's request rate at its families.py defaults (req/s): long_prompts rate=0.5; multi_turn
# rate=0.4 sessions/s x turns=6; kv_pressure rate=4.0; bursts: 50 requests (mean of 20-80) per 10 s (mean of 5-15)
_FAMILY_RATE = {"long_prompts": 0.5, "multi_turn": 0.4 * 6, "kv_pressure": 4.0, "bursts": 50 / 10.0}
DEFAULT_RATE = sum(_FAMILY_RATE.values())
DEFAULT_MIX = {k: v / DEFAULT_RATE for k, v in _FAMILY_RATE.items()}

TURNS = 6                # multi_turn's default turns per session
_CHUNK = 1 << 16         # lines formatted at once (tens of MB of scratch)


def _blocks(tokens):
    return -(-tokens // TRACE_BLOCK)


def _counts(n, mix):
    """Requests per family: ``n`` split in the shares ``mix`` (largest remainders)."""
    share = np.array([mix.get(k, 0.0) for k in FAMILIES], float)
    share /= share.sum()
    exact = n * share
    out = np.floor(exact).astype(np.int64)
    out[np.argsort(-(exact - out), kind="stable")[:n - out.sum()]] += 1
    return dict(zip(FAMILIES, out.tolist()))


class _Ids:
    """Ranges of hash ids shared between requests (system prompts, templates, documents, chains)."""

    def __init__(self):
        self.next = 0

    def take(self, n):
        start = self.next
        self.next += int(n)
        return start


def _poisson(rng, n, rate):
    """``n`` Poisson arrival times at ``rate`` per second, in ms."""
    return np.cumsum(rng.exponential(1e3 / rate, n))


def _long_prompts(rng, n, rate, ids):
    systems = ids.take(4 * 4)            # four shared system prompts of 2,048 tokens (4 blocks)
    isl = rng.integers(6_000, 40_000, n, endpoint=True)
    a = systems + 4 * rng.integers(0, 4, n)
    return dict(t=_poisson(rng, n, rate), isl=isl, osl=rng.integers(16, 256, n, endpoint=True),
                a=a, na=np.full(n, 4), b=np.zeros(n, np.int64), nb=np.zeros(n, np.int64), fresh=_blocks(isl) - 4)


def _multi_turn(rng, n, rate, ids):
    system = ids.take(2)                 # the 1,024-token system prompt every session shares (2 blocks)
    sessions = -(-n // TURNS)
    new = rng.integers(100, 2_000, (sessions, TURNS), endpoint=True)
    osl = rng.integers(50, 400, (sessions, TURNS), endpoint=True)
    # turn k sends the system prompt, every earlier message and answer, and its new message
    before = 1024 + np.cumsum(new + osl, axis=1) - (new + osl)
    isl = before + new
    full = isl // TRACE_BLOCK
    gap = (osl * 0.01 + rng.uniform(2.0, 20.0, (sessions, TURNS))) * 1e3     # answer, then reading and typing
    start = _poisson(rng, sessions, rate / TURNS)
    t = start[:, None] + np.cumsum(gap, axis=1) - gap
    # a session's chain: the ids of its full blocks after the system prompt, extended turn by turn
    chain = ids.take(int((full[:, -1] - 2).sum())) + np.cumsum(full[:, -1] - 2) - (full[:, -1] - 2)
    keep = slice(0, n)                   # the last session may stop early
    return dict(t=t.ravel()[keep], isl=isl.ravel()[keep], osl=osl.ravel()[keep], a=np.full(n, system),
                na=np.full(n, 2), b=np.repeat(chain, TURNS)[keep], nb=(full - 2).ravel()[keep],
                fresh=(isl % TRACE_BLOCK != 0).ravel()[keep].astype(np.int64))


def _kv_pressure(rng, n, rate, ids, documents=200):
    size = rng.integers(8, 24, documents, endpoint=True)          # whole blocks: the question starts a new one
    first = ids.take(size.sum()) + np.cumsum(size) - size
    w = 1.0 / np.arange(1, documents + 1) ** 0.8
    doc = rng.choice(documents, n, p=w / w.sum())
    isl = size[doc] * TRACE_BLOCK + rng.integers(50, 500, n, endpoint=True)
    return dict(t=_poisson(rng, n, rate), isl=isl, osl=rng.integers(200, 1_500, n, endpoint=True),
                a=first[doc], na=size[doc], b=np.zeros(n, np.int64), nb=np.zeros(n, np.int64),
                fresh=_blocks(isl) - size[doc])


def _bursts(rng, n, rate, ids):
    templates = ids.take(8 * 2)          # eight shared 1,024-token templates (2 blocks)
    sizes = rng.integers(20, 80, -(-n // 20) + 1, endpoint=True)
    sizes = sizes[:np.searchsorted(np.cumsum(sizes), n) + 1]
    mean_gap = 50 / rate * 1e3           # ms between bursts so that the family sends ``rate`` req/s
    starts = np.cumsum(rng.uniform(0.5 * mean_gap, 1.5 * mean_gap, len(sizes)))
    t = (np.repeat(starts, sizes)[:n] + rng.uniform(0.0, 10.0, n))
    isl = rng.integers(1_024, 8_192, n, endpoint=True)
    return dict(t=t, isl=isl, osl=rng.integers(32, 512, n, endpoint=True),
                a=templates + 2 * rng.integers(0, 8, n), na=np.full(n, 2), b=np.zeros(n, np.int64),
                nb=np.zeros(n, np.int64), fresh=_blocks(isl) - 2)


_MAKERS = {"long_prompts": _long_prompts, "multi_turn": _multi_turn, "kv_pressure": _kv_pressure,
           "bursts": _bursts}


def requests(n: int, seed: int = 0, rate: float = DEFAULT_RATE,
             mix: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """The ``n`` requests as arrays in file order: ``t`` (integer ms), ``isl``, ``osl``, ``family``
    (index into FAMILIES) and each line's hash ids as three ranges, ``a`` (``na`` ids: the shared
    prompt), ``b`` (``nb``: the session's chain) and ``fresh`` (ids no earlier line used)."""
    n = check_number("n", n, 1, 1 << 40, integer=True)
    rate = check_number("rate", rate, 0.0, 1e9, lo_open=True)
    mix = dict(DEFAULT_MIX if mix is None else mix)
    unknown = set(mix) - set(FAMILIES)
    if unknown or not mix or any(not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0)
                                 for v in mix.values()) or sum(mix.values()) <= 0:
        raise ValueError(f"mix: shares >= 0 (not all 0) of {list(FAMILIES)}, got {mix!r}")
    total = sum(mix.values())
    counts = _counts(n, mix)
    seeds = np.random.SeedSequence(seed).spawn(len(FAMILIES))
    ids = _Ids()
    parts = []
    for f, (name, ss) in enumerate(zip(FAMILIES, seeds)):
        if counts[name]:
            part = _MAKERS[name](np.random.default_rng(ss), counts[name], rate * mix[name] / total, ids)
            part["family"] = np.full(counts[name], f, np.int8)
            parts.append(part)
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out["t"] = np.round(out["t"]).astype(np.int64)
    order = np.argsort(out["t"], kind="stable")
    out = {k: v[order] for k, v in out.items()}
    out["fresh_start"] = ids.next + np.cumsum(out["fresh"]) - out["fresh"]
    return out


# ---------------------------------------------------------------- formatting ----
_TEXT = [np.frombuffer(x.encode(), np.uint8) for x in
         ('{"timestamp": ', ', "input_length": ', ', "output_length": ', ', "hash_ids": [', ", ", "]}\n")]


@njit(cache=True, inline="always")
def _put_text(out, at, text):
    for i in range(text.shape[0]):
        out[at + i] = text[i]
    return at + text.shape[0]


@njit(cache=True, inline="always")
def _put_int(out, at, v):
    n = 1
    x = v // 10
    while x:
        n += 1
        x //= 10
    for i in range(n - 1, -1, -1):
        out[at + i] = 48 + v % 10
        v //= 10
    return at + n


@njit(cache=True)
def _format_lines(t, isl, osl, ids, k, t0, t1, t2, t3, sep, end):
    """The lines as bytes: a compiled loop over digits (no Python object per line)."""
    room = 0
    for i in range(t.shape[0]):
        room += 69 + 3 * 20 + k[i] * 22
    out = np.empty(room, np.uint8)
    at = 0
    j = 0
    for i in range(t.shape[0]):
        at = _put_text(out, at, t0)
        at = _put_int(out, at, t[i])
        at = _put_text(out, at, t1)
        at = _put_int(out, at, isl[i])
        at = _put_text(out, at, t2)
        at = _put_int(out, at, osl[i])
        at = _put_text(out, at, t3)
        for q in range(k[i]):
            if q:
                at = _put_text(out, at, sep)
            at = _put_int(out, at, ids[j])
            j += 1
        at = _put_text(out, at, end)
    return out[:at]


def _format(t, isl, osl, ids, k):
    """Lines for these requests (``k[i]`` hash ids each, ``ids`` back to back) as bytes."""
    if min(t.min(), isl.min(), osl.min(), ids.min() if len(ids) else 0) < 0:
        raise ValueError("negative numbers cannot be written")
    return _format_lines(t, isl, osl, ids, k, *_TEXT).tobytes()


def write_trace(path: str | os.PathLike[str], n: int, seed: int = 0, rate: float = DEFAULT_RATE,
                mix: Mapping[str, float] | None = None) -> str:
    """Write ``n`` requests of the mixed families (see the module docstring) to ``path`` as Mooncake
    JSONL and return the path. ``rate``: requests/s of the whole mix (default 11.9, the families'
    own); ``mix``: each family's share of the requests (default ``DEFAULT_MIX``)."""
    req = requests(n, seed=seed, rate=rate, mix=mix)
    path = os.fspath(path)
    k = req["na"] + req["nb"] + req["fresh"]
    with open(path, "wb") as fh:
        for lo in range(0, len(k), _CHUNK):
            hi = min(lo + _CHUNK, len(k))
            kk = k[lo:hi]
            seg = np.stack([req["a"][lo:hi], req["na"][lo:hi], req["b"][lo:hi], req["nb"][lo:hi],
                            req["fresh_start"][lo:hi], req["fresh"][lo:hi]])
            starts, lens = seg[0::2].T.ravel(), seg[1::2].T.ravel()     # per line: shared, chain, fresh ranges
            ids = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
            fh.write(_format(req["t"][lo:hi], req["isl"][lo:hi], req["osl"][lo:hi], ids, kk))
    return path
