"""Request traces: Mooncake JSONL in, Mooncake JSONL out.

One request per line: ``{"timestamp": ms, "input_length": n, "output_length": m, "hash_ids": [...]}``
with one hash id per ``trace_block_size``-token block of the prompt (equal ids = equal prefixes,
as Mooncake and Dynamo's replay use them). Unknown fields are ignored.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import json
import math
import numbers
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from .._validate import INTEGER, NUMBER, Rule, check_fields, check_number

__all__ = ["Trace", "load_trace", "synthetic_trace"]

DEFAULT_TRACE_BLOCK = 512     # tokens per hash id in Mooncake's traces and Dynamo's replay (its default)


@njit(cache=True, inline="always")
def trace_block_key(hashes, offset, b, block_size, trace_block_size):
    """Key of our block ``b`` of a trace line whose hash ids start at ``hashes[offset]``: the
    trace block holding b's last token, split into sub-blocks when trace blocks are larger than
    ours. Negative, so never equal to a synthetic template's key."""
    h = np.int64(hashes[offset + ((b + 1) * block_size - 1) // trace_block_size])
    if trace_block_size > block_size:
        per = trace_block_size // block_size
        sub = ((b * block_size) % trace_block_size) // block_size
    else:
        per = 1
        sub = 0
    return -2 - (h * per + sub)


@dataclass(frozen=True)
class Trace:
    """A loaded trace as arrays: per line isl, osl, offset and count of its hash ids (the four rows
    of one (4, n) int64 array, which the kernel reads as it is); arrival times in seconds from the
    first line; all hash ids back to back (int32 when every id fits, else int64)."""

    path: str
    isl: np.ndarray
    osl: np.ndarray
    offset: np.ndarray
    n_hashes: np.ndarray
    arrival_s: np.ndarray
    hashes: np.ndarray
    lines: np.ndarray | None = None     # each request's line number in the file (1-based); None: line i + 1
    # the four int rows stacked (set by __post_init__; the rows above are views of it)
    _ints: np.ndarray = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ints = _rows_of_one((self.isl, self.osl, self.offset, self.n_hashes))
        if ints is None:      # rows from elsewhere: stack them once, and keep views of the stack
            ints = np.ascontiguousarray(np.stack([self.isl, self.osl, self.offset, self.n_hashes]), dtype=np.int64)
            for name, row in zip(_ROWS, ints):
                object.__setattr__(self, name, row)
        object.__setattr__(self, "_ints", ints)

    def __getstate__(self) -> dict:
        # the four rows travel as the one array they are views of
        return {k: v for k, v in self.__dict__.items() if k not in _ROWS}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name, row in zip(_ROWS, state["_ints"]):
            object.__setattr__(self, name, row)

    def line_number(self, i: int) -> int:
        """The file line of request ``i``."""
        return int(self.lines[i]) if self.lines is not None else i + 1

    def __len__(self) -> int:
        return len(self.arrival_s)

    def head(self, n: int) -> Trace:
        """The first ``n`` requests (all of them when the trace is shorter)."""
        n = min(check_number("n", n, 1, 1 << 62, integer=True), len(self))
        end = int(self.offset[n - 1] + self.n_hashes[n - 1])
        ints = np.ascontiguousarray(self._ints[:, :n])
        return Trace(path=self.path, isl=ints[0], osl=ints[1], offset=ints[2], n_hashes=ints[3],
                     arrival_s=self.arrival_s[:n], hashes=self.hashes[:end],
                     lines=None if self.lines is None else self.lines[:n])

    def scaled(self, factor: float) -> Trace:
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
        return block_size_of(*block_size_bounds(self.isl, self.n_hashes))

    @functools.cached_property
    def distinct_hashes(self) -> int:
        h = self.hashes
        if len(h) == 0:
            return 0
        top = int(h.max())
        if top < len(h):
            # dense ids (generated traces, Mooncake's): one byte per possible id instead of sorting a copy
            return int(_count_dense_ids(h, top))
        return int(len(np.unique(h)))

    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(per-line ints (4, n) int64, arrival times float64, hash ids int32 or int64, at least one) as
        the kernel reads them: the trace's own arrays, not copies (shared, read-only)."""
        hashes = self.hashes if len(self.hashes) else np.zeros(1, self.hashes.dtype)
        return self._ints, np.ascontiguousarray(self.arrival_s, np.float64), np.ascontiguousarray(hashes)


def block_size_of(seen, lo, hi) -> int:
    """``Trace.block_size`` from ``block_size_bounds`` of its lines (or of their parts, merged: any seen,
    the largest lo, the least hi)."""
    lo, hi = int(lo), int(hi)
    if not seen or lo > hi:
        return DEFAULT_TRACE_BLOCK
    if lo <= DEFAULT_TRACE_BLOCK <= hi:
        return DEFAULT_TRACE_BLOCK
    p2 = 1 << (hi.bit_length() - 1)
    return p2 if p2 >= lo else lo


@njit(cache=True)
def block_size_bounds(isl, n_hashes):
    """One pass over the lines for ``Trace.block_size``: (any line with a hash id, the least B with
    ceil(isl / B) <= n for every such line, the largest B with ceil(isl / B) >= n for those with n >= 2)."""
    seen = False
    lo, hi = 0, 1 << 20
    for i in range(isl.shape[0]):
        n = n_hashes[i]
        if n < 1:
            continue
        seen = True
        c = -(-isl[i] // n)
        if c > lo:
            lo = c
        if n >= 2:
            d = (isl[i] - 1) // (n - 1)
            if d < hi:
                hi = d
    return seen, lo, hi


@njit(cache=True)
def _count_dense_ids(hashes, top):
    """Distinct values among ``hashes``, all in [0, top]: one byte per possible id."""
    seen = np.zeros(top + 1, np.bool_)
    n = 0
    for h in hashes:
        if not seen[h]:
            seen[h] = True
            n += 1
    return n


_ROWS = ("isl", "osl", "offset", "n_hashes")


def _rows_of_one(rows):
    """The C-contiguous (4, n) int64 array whose rows ``rows`` are, in order, or None: their common
    base itself, or a (4, n) view of it when they lie back to back in it (rows of a reshaped buffer,
    such as a mapped file)."""
    first = rows[0]
    if not isinstance(first, np.ndarray) or first.ndim != 1:
        return None
    base, n = first.base, first.shape[0]
    start = first.__array_interface__["data"][0]
    for k, r in enumerate(rows):
        if not (isinstance(r, np.ndarray) and r.base is base and base is not None and r.dtype == np.int64
                and r.shape == (n,) and r.flags.c_contiguous and r.__array_interface__["data"][0] == start + 8 * n * k):
            return None
    if (isinstance(base, np.ndarray) and base.dtype == np.int64 and base.shape == (4, n)
            and base.flags.c_contiguous and base.__array_interface__["data"][0] == start):
        return base
    # back to back in one buffer (numpy names the buffer's owner as a view's base, not the (4, n) array
    # between): the four rows are exactly that (4, n) block of it
    return np.lib.stride_tricks.as_strided(first, shape=(4, n), strides=(8 * n, 8), writeable=first.flags.writeable)


_INT = (int, np.integer)
_MAX_VALUE = 2**40          # lengths and hash ids are below this (_check_line)
# bytes of the file parsed at once: large enough that pyarrow's cost per call vanishes (~260 calls per GB),
# small enough that the blocks in flight and pyarrow's working memory stay a small part of a replay's
# (1M generated lines, peak RSS of the parse above its start per request: 202 B at 8 MB, 151 at 4, 123 at 2;
# the speed is the same within this machine's noise from 3 to 8 MB, lower at 2).
_READ_BLOCK = 4 << 20
# blocks parsed at once, each found, parsed, converted and checked on a thread of its own, while this thread
# reads the next: two keep both cores busy. (1M generated lines in 8 MB blocks, parsed two at once with the
# converting on this thread, against one block at a time split by pyarrow's own threads into 2 MB chunks,
# interleaved in one process, best of 4, three times: 0.96-1.00M lines/s against 0.87-0.89M. Converting on the
# parsers' threads too, against on this one, 4 MB blocks, best of 5, three times: 1.08M against 1.08M, 1.05M
# and 1.07M: the same within the noise, a little ahead each time.)
_PARSERS = 2
_BLANK_FIRST = re.compile(rb"[ \t\r]*\n")          # the first line of a block is blank
_BLANK_INSIDE = re.compile(rb"\n[ \t\r]*\n")          # ... or another one


def _check_line(obj, lineno, path, prev_t):
    """Full validation of one parsed line (the slow path, used to name the first bad line)."""
    if not isinstance(obj, dict):
        raise ValueError(f"{path}:{lineno}: expected a JSON object")
    for key in ("input_length", "output_length"):
        if key not in obj:
            raise ValueError(f"{path}:{lineno}: missing field {key!r}")
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, _INT) or not 1 <= v < _MAX_VALUE:
            raise ValueError(f"{path}:{lineno}: {key!r} must be an integer in [1, 2^40), got {v!r}")
    t = obj.get("timestamp", 0)
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
        raise ValueError(f"{path}:{lineno}: 'timestamp' must be a finite number >= 0 (ms), got {t!r}")
    if prev_t is not None and t < prev_t:
        raise ValueError(f"{path}:{lineno}: 'timestamp' goes backwards ({t} after {prev_t})")
    h = obj.get("hash_ids", [])
    if not isinstance(h, list) or any(isinstance(x, bool) or not isinstance(x, _INT) or not 0 <= x < _MAX_VALUE
                                      for x in h):
        raise ValueError(f"{path}:{lineno}: 'hash_ids' must be a list of integers in [0, 2^40)")
    return t


class _Column:
    """A 1-D array that grows in place (realloc: a large buffer is remapped, not copied)."""

    def __init__(self, dtype, capacity):
        self.a = np.empty(max(16, int(capacity)), dtype)
        self.n = 0

    def extend(self, values):
        end = self.n + len(values)
        if end > len(self.a):
            self.a.resize(max(end, int(len(self.a) * 1.25)), refcheck=False)
        self.a[self.n:end] = values
        self.n = end

    def done(self):
        a, self.a = self.a, None
        a.resize(self.n, refcheck=False)
        return a


def _blocks(fh):
    """The file as (buffer, end): ``buffer[:end]`` holds whole lines (the file's last may lack its
    newline). ``_PARSERS + 1`` buffers take turns, each read in place: a block's buffer is read into
    again that many blocks later, once the caller is done with it (``_parse_fast`` converts a block
    while ``_PARSERS`` more are being parsed)."""
    bufs = [bytearray(_READ_BLOCK) for _ in range(_PARSERS + 1)]
    at = turn = 0
    while True:
        buf = bufs[turn]
        fh.seek(at)
        with memoryview(buf) as mv:
            n = fh.readinto(mv)
        if n == 0:
            return
        end = n if n < len(buf) else buf.rfind(b"\n") + 1
        if end == 0:                # a line longer than the buffer
            buf.extend(bytes(len(buf)))
            continue
        yield buf, end
        at += end
        turn = (turn + 1) % len(bufs)


def _build(path, cols, lines):
    """The Trace of the parsed columns (isl, osl, n_hashes, timestamps, hash ids), each freed once copied."""
    isl = cols[0].done()
    n = len(isl)
    ints = np.empty((4, n), np.int64)
    ints[0] = isl
    del isl
    ints[1] = cols[1].done()
    ints[3] = cols[2].done()
    ints[2, 0] = 0
    np.cumsum(ints[3, :-1], out=ints[2, 1:])
    t = cols[3].done()
    t -= t[0]
    t /= 1e3
    hashes = cols[4].done()
    if lines is not None and lines[-1] == n:       # increasing from 1: only the blank lines after the last request
        lines = None
    return Trace(path=path, isl=ints[0], osl=ints[1], offset=ints[2], n_hashes=ints[3], arrival_s=t,
                 hashes=hashes, lines=lines)


def _new_columns(n_lines, n_ids):
    return [_Column(np.int64, n_lines), _Column(np.int64, n_lines), _Column(np.int64, n_lines),
            _Column(np.float64, n_lines), _Column(np.int32, n_ids)]


def _add_ids(col, h, top):
    """Append hash ids (the largest ``top``), int32 until one needs more."""
    if col.a.dtype == np.int32 and top >= 2**31:
        col.a = col.a.astype(np.int64)
    col.extend(h)


_BLANK_START = np.zeros(256, np.bool_)      # the bytes a blank line can start with
_BLANK_START[[ord(c) for c in " \t\r\n"]] = True


def _line_numbers(buf, end, line0):
    """(lines in the block, the line numbers of its requests or None when it has no blank line).
    A blank line starts with a space, a tab, a CR or its newline: a block where no line does has none
    (one pass of numpy over the bytes); one where a line does is looked at line by line."""
    a = np.frombuffer(buf, np.uint8, count=end)
    newlines = np.flatnonzero(a == 10)
    whole = a[end - 1] == 10          # the block ends with a newline
    n_lines = len(newlines) + (not whole)
    starts = newlines + 1
    if not (_BLANK_START[a[0]] or _BLANK_START[a[starts[starts < end]]].any()):
        return n_lines, None
    del a
    if (_BLANK_FIRST.match(buf, 0, end) or _BLANK_INSIDE.search(buf, 0, end)
            or not (whole or buf[buf.rfind(b"\n", 0, end) + 1:end].strip(b" \t\r"))):
        texts = bytes(buf[:end]).split(b"\n")[:n_lines]
        return n_lines, np.array([i for i, x in enumerate(texts) if x.strip(b" \t\r")], np.int64) + line0 + 1
    return n_lines, None


def _json_reader():
    """pyarrow's JSON reader as the parse uses it: a buffer of whole lines -> a Table of the four fields
    (explicit schema, other fields ignored), parsed on the calling thread. It allocates with malloc, not
    pyarrow's default mimalloc, which keeps what a block freed for the next one (tens of MB)."""
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema([("timestamp", pa.float64()), ("input_length", pa.int64()), ("output_length", pa.int64()),
                        ("hash_ids", pa.list_(pa.int64()))])
    parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read = pj.ReadOptions(use_threads=False, block_size=_READ_BLOCK)
    pool = pa.system_memory_pool()

    def read_block(data):
        return pj.read_json(pa.BufferReader(pa.py_buffer(data)), read_options=read, parse_options=parse,
                            memory_pool=pool)
    return read_block


class _Chunk(NamedTuple):
    """One block of a trace, parsed and checked: its requests' columns (timestamps still in ms, as written)."""
    isl: np.ndarray
    osl: np.ndarray
    n_hashes: np.ndarray
    t_ms: np.ndarray
    hashes: np.ndarray          # int64, as pyarrow reads them
    top: int                    # the largest of them (-1: none)
    line0: int                  # lines of the file before this block
    lines: np.ndarray | None    # the requests' line numbers when the block has blank lines, else None
    nbytes: int                 # the block's length in the file


def _parse_block(read_block, buf, end):
    """(One block, on a parser thread.) (lines in the block, its requests' line numbers counted from the block's
    start or None, (isl, osl, hash counts, timestamps in ms, hash ids, the largest id)); the columns are None
    when the block holds no request, False when it is not plainly valid."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not buf.isascii():
        try:
            str(memoryview(buf)[:end], "utf-8")
        except UnicodeDecodeError:
            return 0, None, False
    n_lines, at = _line_numbers(buf, end, 0)
    with memoryview(buf) as mv:
        try:
            tb = read_block(mv[:end])
        except (pa.ArrowException, ValueError):
            return n_lines, at, False
    if tb.num_rows != (n_lines if at is None else len(at)):     # or a line holding two objects
        return n_lines, at, False
    if tb.num_rows == 0:
        return n_lines, at, None
    ts, il, ol, hl = (tb.column(k).combine_chunks() for k in ("timestamp", "input_length", "output_length", "hash_ids"))
    del tb
    if il.null_count or ol.null_count:
        return n_lines, at, False
    # a null is a missing field (0 ms, no ids) unless the block writes one: then the slow path decides
    if (ts.null_count or hl.null_count) and buf.find(b"null", 0, end) >= 0:
        return n_lines, at, False
    h = hl.flatten()
    if h.null_count:
        return n_lines, at, False
    h = h.to_numpy()
    nh = pc.list_value_length(hl).fill_null(0).to_numpy() if hl.null_count else np.diff(hl.offsets.to_numpy())
    t = ts.fill_null(0.0).to_numpy() if ts.null_count else ts.to_numpy()
    il, ol = il.to_numpy(), ol.to_numpy()
    top = int(h.max()) if len(h) else -1
    if not (il.min() >= 1 and il.max() < _MAX_VALUE and ol.min() >= 1 and ol.max() < _MAX_VALUE
            and np.isfinite(t).all() and (t[1:] >= t[:-1]).all()
            and (len(h) == 0 or (h.min() >= 0 and top < _MAX_VALUE))):
        return n_lines, at, False
    return n_lines, at, (il, ol, nh, t, h, top)


def _chunks(path, parsers=_PARSERS):
    """The trace through pyarrow's JSON reader (explicit schema, other fields ignored), block by block: a
    ``_Chunk`` per block that holds requests, in the file's order; None (and nothing after it) at the first
    block that is not plainly valid, which the slow path then reads again to name the bad line (or to read
    what pyarrow refuses and the json module takes, such as a repeated key).

    ``parsers`` blocks are found, parsed, converted and checked at once, each on a thread of its own
    (``_parse_block``), while this one reads the next and hands out the oldest in the file's order: with two,
    both cores work all along, and this thread's share is the reading and what needs the blocks' order."""
    import concurrent.futures

    import pyarrow as pa

    read_block = _json_reader()
    prev_t = 0.0         # the last timestamp so far: a block's first must not go back
    line0 = 0            # lines before the block handed out next
    pending = collections.deque()       # blocks being parsed, handed out once the next one is on its way

    def hand_out():
        nonlocal prev_t, line0
        future, end = pending.popleft()
        n_lines, at, cols = future.result()
        before = line0
        line0 += n_lines
        if cols is False:
            return False
        if cols is None:
            return None
        if cols[3][0] < prev_t:
            return False
        prev_t = cols[3][-1]
        return _Chunk(*cols, before, None if at is None else at + before, end)

    with open(path, "rb") as fh, concurrent.futures.ThreadPoolExecutor(parsers) as parser:
        blocks = _blocks(fh)
        while True:
            b = next(blocks, None)
            if b is not None:
                pending.append((parser.submit(_parse_block, read_block, *b), b[1]))
            if pending and (b is None or len(pending) > parsers):
                c = hand_out()
                if c is False:
                    yield None
                    return
                if c is not None:
                    yield c
            elif b is None:
                break
    # leaving the executor waited for the blocks still being parsed: their buffers are free again
    pa.system_memory_pool().release_unused()


def _line_numbers_of(spans, rows):
    """The requests' line numbers from (first request, requests, lines before, line numbers or None) per
    block; None when they are 1, 2, ... (no blank line before the last request)."""
    if all(at is None and before == r for r, _, before, at in spans):
        return None
    lines = np.empty(rows, np.int64)
    for r, k, before, at in spans:
        lines[r:r + k] = np.arange(before + 1, before + k + 1) if at is None else at
    return lines


def _parse_fast(path):
    """The trace from ``_chunks`` into growing numpy columns; None when a block is not plainly valid."""
    size = os.path.getsize(path)
    cols = None
    rows = 0             # requests before this block
    spans = []           # per block: first request, requests, lines before it, line numbers if it has blanks
    for c in _chunks(path):
        if c is None:
            return None
        if cols is None:    # room for the whole file at this block's density (the columns grow if need be)
            scale = 1.02 * size / c.nbytes
            cols = _new_columns(scale * len(c.t_ms), scale * len(c.hashes))
        for col, v in zip(cols, (c.isl, c.osl, c.n_hashes, c.t_ms)):
            col.extend(v)
        _add_ids(cols[4], c.hashes, c.top)
        spans.append((rows, len(c.t_ms), c.line0, c.lines))
        rows += len(c.t_ms)
    if cols is None:
        raise ValueError(f"{path}: the trace has no requests")
    return _build(path, cols, _line_numbers_of(spans, rows))


_END = object()        # TraceStream's reader: every chunk was put


@njit(cache=True)
def _pack_rows(flat, n, cap):
    """Rows of ``cap`` elements (of which ``n`` are used) of a flat buffer moved down to rows of ``n``, in place
    (forward: every element moves to a lower address)."""
    for r in range(1, 4):
        for i in range(n):
            flat[r * n + i] = flat[r * cap + i]


class TraceStream:
    """A trace file read on a thread of its own while its first lines are already in use (api/replay.py).

    The reader appends the blocks of ``_chunks`` (``parsers`` pyarrow threads; one by default, so that a replay
    keeps a core) to arrays laid out as the kernel reads a trace (``kernel_arrays``, their rows longer than the
    lines so far), and passes each block's lines to ``checker(start, stop)``, if one is set, before they count
    in ``lines``. The arrays never move while lines are being used: when a block does not fit, the reader waits
    until the user's ``take`` makes room. It pauses after ``pause_at`` lines until ``resume``, so that the user
    can look at the first lines and set the checker. A checker's exception stops the checking (``diverged``
    says why); the reading goes on. ``finish`` gives the whole ``Trace``, equal to ``parse_trace``'s."""

    def __init__(self, path: str | os.PathLike[str], parsers: int = 1, pause_at: int = 0) -> None:
        import threading

        self.path = os.fspath(path)
        self._size = os.path.getsize(self.path)
        self._cond = threading.Condition()
        self._stop = False
        self._paused = pause_at > 0
        self._pause_at = pause_at
        self._need: tuple[int, int, bool] | None = None     # (lines, ids, some id needs int64) the reader waits for
        self.checker: Callable[[int, int], None] | None = None
        self.diverged: str | None = None
        self.lines = 0              # lines appended and checked: the user may read them
        self.ended = False          # nothing more will come
        self.failed = False         # a block was not plainly valid: the slow path reads the file (finish)
        self.error: BaseException | None = None
        self._flat = np.zeros(0, np.int64)      # rows isl, osl, offset, n_hashes of _cap elements each
        self._cap = 0
        self._started = False       # the first block sized the arrays
        self._arrival, self._hashes = _Column(np.float64, 16), _Column(np.int32, 16)
        self._ids = 0
        self._bytes = 0             # of the file, in the blocks appended
        self._t0 = 0.0
        self._spans: list = []
        self._thread = threading.Thread(target=self._read, args=(parsers,), daemon=True, name="orbits-trace-reader")
        self._thread.start()

    # ---- the reader's thread
    def _read(self, parsers):
        try:
            for c in _chunks(self.path, parsers):
                if c is None:
                    with self._cond:
                        self.failed = True
                    break
                if not self._room_for(c):
                    return
                n0 = self.lines
                self._append(c)
                if self.checker is not None and self.diverged is None:
                    try:
                        self.checker(n0, n0 + len(c.t_ms))
                    except Exception as e:        # the user replays the usual way: keep reading for it
                        self.diverged = str(e) or type(e).__name__
                with self._cond:
                    self.lines = n0 + len(c.t_ms)
                    self._cond.notify_all()
                    if self._paused and self.lines >= self._pause_at:
                        while self._paused and not self._stop:
                            self._cond.wait()
                    if self._stop:
                        return
        except BaseException as e:      # handed to the user's thread
            self.error = e
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def _room_for(self, c):
        """Wait until the arrays have room for the block (the user's take grows them); False when stopped."""
        k, n = len(c.t_ms), self.lines
        if not self._started:    # room for the whole file at this block's density (the arrays grow if need be)
            self._started = True
            scale = 1.02 * self._size / c.nbytes
            self._reserve(int(scale * k) + 16)
            self._arrival, self._hashes = _Column(np.float64, scale * k), _Column(np.int32, scale * len(c.hashes))
            self._t0 = c.t_ms[0]
        if (n + k <= self._cap and self._arrival.n + k <= len(self._arrival.a)
                and self._hashes.n + len(c.hashes) <= len(self._hashes.a)
                and (self._hashes.a.dtype == np.int64 or c.top < 2**31)):
            return True
        with self._cond:
            self._need = (k, len(c.hashes), c.top >= 2**31)
            self._cond.notify_all()
            while self._need is not None and not self._stop:
                self._cond.wait()
            return not self._stop

    def _reserve(self, cap):
        flat = np.empty(4 * cap, np.int64)
        for r in range(4):
            flat[r * cap:r * cap + self.lines] = self._flat[r * self._cap:r * self._cap + self.lines]
        self._flat, self._cap = flat, cap

    def _make_room(self):
        """(The user's thread, while nothing reads the arrays.) Grow them for the block the reader holds."""
        k, ids, wide = self._need
        if self.lines + k > self._cap:
            self._reserve(max(self.lines + k, int(1.25 * self._cap)))
        for col, more in ((self._arrival, k), (self._hashes, ids)):
            if col.n + more > len(col.a):
                col.a.resize(max(col.n + more, int(1.25 * len(col.a))), refcheck=False)
        if wide and self._hashes.a.dtype == np.int32:
            self._hashes.a = self._hashes.a.astype(np.int64)
        self._need = None
        self._cond.notify_all()

    def _append(self, c):
        k, n = len(c.t_ms), self.lines
        rows = self._flat.reshape(4, self._cap)
        rows[0, n:n + k] = c.isl
        rows[1, n:n + k] = c.osl
        rows[3, n:n + k] = c.n_hashes
        rows[2, n] = self._ids
        np.cumsum(c.n_hashes[:-1], out=rows[2, n + 1:n + k])
        rows[2, n + 1:n + k] += self._ids
        # as _build does it to the whole column: ms from the first line, then seconds
        self._arrival.extend((c.t_ms - self._t0) / 1e3)
        self._hashes.extend(c.hashes)
        self._spans.append((n, k, c.line0, c.lines))
        self._ids += len(c.hashes)
        self._bytes += c.nbytes

    # ---- the user's thread
    def take(self, have: int | None = None) -> int:
        """Wait for more than ``have`` lines (default: more than now) or the end of the file, making room for the
        reader when it asks; return the lines."""
        with self._cond:
            n = self.lines if have is None else have
            while self.lines <= n and not self.ended:
                if self._need is not None:
                    self._make_room()
                self._cond.wait()
            if self.error is not None:
                raise self.error
            return self.lines

    def resume(self) -> None:
        """Let the reader go on past ``pause_at`` (with the checker set now, if any)."""
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    @property
    def expected_ids(self) -> int:
        """The hash ids the whole file holds at the density of the blocks read so far."""
        return int(self._ids * self._size / max(1, self._bytes))

    @property
    def wide_ids(self) -> bool:
        """Some hash id needs int64 (the first blocks' ids were int32)."""
        return self._hashes.a is not None and self._hashes.a.dtype == np.int64

    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ints (4, capacity), arrival times, hash ids) as ``Trace.kernel_arrays`` lays them out, of which the
        first ``lines`` are read; valid until the next ``take`` (which may move them)."""
        return self._flat.reshape(4, self._cap), self._arrival.a, self._hashes.a

    def head(self) -> Trace:
        """The first ``lines`` lines, as a Trace of their own (copies)."""
        n, rows = self.lines, self._flat.reshape(4, self._cap)
        end = int(rows[2, n - 1] + rows[3, n - 1])
        return Trace(path=self.path, isl=rows[0, :n].copy(), osl=rows[1, :n].copy(), offset=rows[2, :n].copy(),
                     n_hashes=rows[3, :n].copy(), arrival_s=self._arrival.a[:n].copy(),
                     hashes=self._hashes.a[:end].copy(), lines=_line_numbers_of(self._spans_within(n), n))

    def finish(self) -> Trace:
        """Read the rest of the file and return its Trace (the arrays read so far become its own). A file the
        fast path did not plainly accept is read line by line, as ``parse_trace`` does: a bad line raises."""
        self.resume()
        while not self.ended:
            self.take()
        self._thread.join()
        if self.error is not None:
            raise self.error
        if self.failed:
            return _parse_slow(self.path)
        if self.lines == 0:
            raise ValueError(f"{self.path}: the trace has no requests")
        n, flat = self.lines, self._flat
        _pack_rows(flat, n, self._cap)
        self._flat, self._cap = np.zeros(0, np.int64), 0
        lines = _line_numbers_of(self._spans, n)
        if lines is not None and lines[-1] == n:
            lines = None
        return Trace(path=self.path, isl=flat[:n], osl=flat[n:2 * n], offset=flat[2 * n:3 * n],
                     n_hashes=flat[3 * n:4 * n], arrival_s=self._arrival.done(), hashes=self._hashes.done(),
                     lines=lines)

    def close(self) -> None:
        """Stop reading (the reader ends after the block it is on)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def _spans_within(self, n):
        """The spans of the blocks the first ``n`` lines fill (``n`` ends a block)."""
        return [sp for sp in self._spans if sp[0] < n]


def _parse_slow(path):
    """Line by line with the json module: names the first bad line, else reads the trace."""
    cols = _new_columns(1024, 1024)
    lines, prev = [], None
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not UTF-8 text (byte {e.start + 1} of the line)") from None
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            prev = _check_line(obj, lineno, path, prev)
            h = obj.get("hash_ids", [])
            for c, v in zip(cols, (obj["input_length"], obj["output_length"], len(h), prev)):
                c.extend((v,))
            _add_ids(cols[4], np.array(h, np.int64), max(h, default=-1))
            lines.append(lineno)
    if not lines:
        raise ValueError(f"{path}: the trace has no requests")
    return _build(path, cols, np.array(lines, np.int64))


def parse_trace(path: str | os.PathLike[str]) -> Trace:
    """Read and check a Mooncake JSONL file (no cache: ``load_trace`` keeps parsed traces). Valid files
    go through pyarrow's JSON reader into numpy arrays, block by block; a file it does not plainly accept
    is read again line by line, which names the first bad line (``ValueError``: file, line, what is wrong)."""
    path = os.fspath(path)
    tr = _parse_fast(path)
    return tr if tr is not None else _parse_slow(path)


_CACHE: collections.OrderedDict[tuple, Trace] = collections.OrderedDict()


def load_trace(path: str | os.PathLike[str]) -> Trace:
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


# What synthetic_trace's arguments may hold
SYNTHETIC_TRACE_RULES: tuple[Rule, ...] = (
    *(Rule(name, INTEGER, 1, math.inf) for name in ("n", "templates", "isl", "osl", "block")),
    Rule("rate", NUMBER, 0.0, math.inf, lo_open=True, also=(None,), also_doc="None (every timestamp 0)"),
)


def synthetic_trace(n: int, templates: int = 5, isl: int = 128, osl: int = 256, block: int = 64,
                    rate: float | None = None, seed: int = 0, path: str | os.PathLike[str] | None = None) -> str:
    """Write ``n`` requests drawn from ``templates`` shared prompts (the paper's workload) as a
    Mooncake JSONL file and return its path. ``rate`` (requests/s) spaces the timestamps as a
    Poisson process; without it every timestamp is 0 (for closed-loop replay)."""
    args = check_fields(SYNTHETIC_TRACE_RULES, dict(n=n, templates=templates, isl=isl, osl=osl, block=block,
                                                    rate=rate))
    n, templates, isl, osl, block, rate = (args[k] for k in ("n", "templates", "isl", "osl", "block", "rate"))
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
