"""Generated trace families: what production traffic has and the paper's template workload lacks.

Each generator writes a Mooncake JSONL file (512-token hash blocks, as Mooncake's traces and
Dynamo's replay use them) and returns its path. They are test data for parity with Dynamo's
replay, not fits to anything: each stresses one mechanism of a real deployment.

* ``long_prompts``: prompts of 6k-40k tokens, past the 8,192-token batch budget, so a prefill
  is chunked over several passes; four shared system prompts give some prefix reuse.
* ``multi_turn``: chat sessions whose every turn resends the whole conversation, so the shared
  prefix grows turn by turn (hash ids chain along a session, the partial last block is new).
* ``kv_pressure``: questions over a library of long documents larger than a worker's prefix
  cache (eviction decides what is reused), with long answers that fill decode KV.
* ``bursts``: requests arriving in bursts of 20-80 at one instant, separated by idle gaps.

Timestamps are in milliseconds from 0; a closed-loop replay ignores them.
"""
from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Callable

from .._validate import check_number
from .traces import DEFAULT_TRACE_BLOCK

__all__ = ["FAMILIES", "TRACE_BLOCK", "bursts", "kv_pressure", "long_prompts", "multi_turn", "write_family"]

TRACE_BLOCK = DEFAULT_TRACE_BLOCK    # tokens per hash id, as in Mooncake's traces


class _Ids:
    """Fresh hash ids, never reused within a file."""

    def __init__(self):
        self.next = 0

    def take(self, n):
        out = list(range(self.next, self.next + n))
        self.next += n
        return out


def _blocks(tokens):
    return -(-tokens // TRACE_BLOCK)


def _write(rows, path, prefix):
    if path is None:
        fd, path = tempfile.mkstemp(prefix=f"orbits-{prefix}-", suffix=".jsonl")
        os.close(fd)
    rows.sort(key=lambda r: r["timestamp"])
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return os.fspath(path)


def _row(t_ms, isl, osl, hash_ids):
    assert len(hash_ids) == _blocks(isl)
    return {"timestamp": round(t_ms, 3), "input_length": int(isl), "output_length": int(osl), "hash_ids": hash_ids}


def long_prompts(n: int = 400, rate: float = 0.5, seed: int = 0, path: str | os.PathLike[str] | None = None) -> str:
    """``n`` prompts of 6k-40k tokens (a shared 2,048-token system prompt of four, then the
    request's own text) and 16-256 output tokens, Poisson arrivals at ``rate`` req/s."""
    n = check_number("n", n, 1, integer=True)
    rate = check_number("rate", rate, 1e-6)
    rng = random.Random(seed)
    ids = _Ids()
    systems = [ids.take(4) for _ in range(4)]
    rows, t = [], 0.0
    for _ in range(n):
        t += rng.expovariate(rate) * 1e3
        isl = rng.randint(6_000, 40_000)
        own = ids.take(_blocks(isl) - 4)
        rows.append(_row(t, isl, rng.randint(16, 256), rng.choice(systems) + own))
    return _write(rows, path, "long-prompts")


def multi_turn(sessions: int = 120, turns: int = 6, rate: float = 0.4, seed: int = 0,
               path: str | os.PathLike[str] | None = None) -> str:
    """``sessions`` chats (starting as a Poisson process at ``rate`` sessions/s) of ``turns`` turns.
    Turn k sends the 1,024-token system prompt shared by every session, the previous turns' user
    messages and answers, and a new message of 100-2,000 tokens; the answer has 50-400 tokens
    and the next turn follows it after 2-20 s of reading and typing."""
    sessions = check_number("sessions", sessions, 1, integer=True)
    turns = check_number("turns", turns, 1, integer=True)
    rate = check_number("rate", rate, 1e-6)
    rng = random.Random(seed)
    ids = _Ids()
    system = ids.take(2)
    rows, start = [], 0.0
    for _ in range(sessions):
        start += rng.expovariate(rate) * 1e3
        t = start
        history = 1024           # tokens of the conversation so far, the system prompt first
        chain = list(system)     # hash ids of its full blocks
        for _ in range(turns):
            isl = history + rng.randint(100, 2_000)
            full = isl // TRACE_BLOCK
            chain += ids.take(full - len(chain))     # the new full blocks of this turn
            ids_ = chain[:full] + (ids.take(1) if isl % TRACE_BLOCK else [])
            osl = rng.randint(50, 400)
            rows.append(_row(t, isl, osl, ids_))
            history = isl + osl
            # the answer's blocks extend the chain at the next turn; a partial last block is
            # rewritten there (new content), so only full blocks are kept
            chain = chain[:full]
            t += (osl * 0.01 + rng.uniform(2.0, 20.0)) * 1e3
    return _write(rows, path, "multi-turn")


def kv_pressure(n: int = 1500, documents: int = 200, rate: float = 4.0, seed: int = 0,
                path: str | os.PathLike[str] | None = None) -> str:
    """``n`` questions over ``documents`` documents of 4k-12k tokens each (about 1.6M tokens in
    all, past one worker's 1M-token prefix cache), chosen with a Zipf-like skew; the question adds
    50-500 tokens, the answer 200-1,500. Poisson arrivals at ``rate`` req/s."""
    n = check_number("n", n, 1, integer=True)
    documents = check_number("documents", documents, 1, integer=True)
    rate = check_number("rate", rate, 1e-6)
    rng = random.Random(seed)
    ids = _Ids()
    docs = []
    for _ in range(documents):
        tokens = rng.randint(8, 24) * TRACE_BLOCK     # whole blocks: the question starts a new one
        docs.append((tokens, ids.take(tokens // TRACE_BLOCK)))
    weights = [1.0 / (k + 1) ** 0.8 for k in range(documents)]
    rows, t = [], 0.0
    for _ in range(n):
        t += rng.expovariate(rate) * 1e3
        tokens, doc = rng.choices(docs, weights)[0]
        isl = tokens + rng.randint(50, 500)
        rows.append(_row(t, isl, rng.randint(200, 1_500), doc + ids.take(_blocks(isl) - len(doc))))
    return _write(rows, path, "kv-pressure")


def bursts(n: int = 1200, seed: int = 0, path: str | os.PathLike[str] | None = None) -> str:
    """``n`` requests in bursts of 20-80 arriving within 10 ms, one burst every 5-15 s; prompts of
    1k-8k tokens start with one of eight shared 1,024-token templates; 32-512 output tokens."""
    n = check_number("n", n, 1, integer=True)
    rng = random.Random(seed)
    ids = _Ids()
    templates = [ids.take(2) for _ in range(8)]
    rows: list[dict] = []
    t = 0.0
    while len(rows) < n:
        t += rng.uniform(5.0, 15.0) * 1e3
        for _ in range(min(n - len(rows), rng.randint(20, 80))):
            isl = rng.randint(1_024, 8_192)
            head = rng.choice(templates)
            rows.append(_row(t + rng.uniform(0.0, 10.0), isl, rng.randint(32, 512),
                             head + ids.take(_blocks(isl) - len(head))))
    return _write(rows, path, "bursts")


FAMILIES: dict[str, Callable[..., str]] = {
    "long_prompts": long_prompts, "multi_turn": multi_turn, "kv_pressure": kv_pressure, "bursts": bursts}


def write_family(name: str, directory: str | os.PathLike[str] | None = None, seed: int = 0) -> str:
    """Write family ``name`` (a key of ``FAMILIES``) with its defaults into ``directory``."""
    if name not in FAMILIES:
        raise ValueError(f"family: one of {sorted(FAMILIES)}, got {name!r}")
    directory = directory or tempfile.mkdtemp(prefix="orbits-families-")
    return FAMILIES[name](seed=seed, path=os.path.join(directory, f"{name}-{seed}.jsonl"))
