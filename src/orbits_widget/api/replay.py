"""``replay``: a trace file replayed to its end while the file is still being read.

Parsing a large trace takes a fifth of its replay (10M generated lines: about 14 s of 70). The replay needs
the lines in order, one arrival at a time, so it can start once the first lines are in and read the rest
beside it: a thread parses the file (``workload.traces.TraceStream``, one pyarrow thread) while the kernel
replays the lines already read, on the other core. When it has issued every line read so far, the kernel
returns before it takes the next event (``NEED_LINES``), and goes on once more lines are in, as if it had
never stopped: the result is the one ``Simulation(trace=path).run(seconds=None)`` gives, bit for bit.

What the replay's state is built with depends on the whole trace, so it is settled from the lines read first,
and every later block is checked against it:

* the trace's block size (``Trace.block_size``, unless given): the same for the whole file;
* the table sizes (``kernel.params.sizes``): each grows with the trace's lines and distinct hash ids up to a
  cap, so the replay starts streaming only if the first ``START_LINES`` lines already give the sizes an
  endless trace would; the rows for a prompt's keys grow as longer prompts come in (``layout.grow_keys``);
* the hash ids keyed block by block instead of as runs (``trace_runs.split_hashes``): an id the later lines
  split must not be one the replay already keyed as a run (``trace_runs.scan_lines``);
* every prompt fits a decode worker, ids fit int32 and are dense enough for a table indexed by id.

When a check fails, the file is read to its end and replayed from the start the usual way (the same result,
without the overlap); so is a closed-loop replay (``concurrency=C``), whose clients send at their own pace.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import profiles as _profiles
from ..kernel import layout as L
from ..kernel import trace_runs
from ..kernel.params import MAX_PROMPT_BLOCKS, TraceFacts, sizes
from ..workload.traces import Trace, TraceStream, block_size_bounds, block_size_of
from .simulation import Simulation, WholeTraceNeeded

__all__ = ["replay"]

START_LINES = L.DONE_RING + 16      # lines read before the replay starts: enough to settle the slots and history
PROBE = 1 << 40                     # lines and distinct ids of "an endless trace", for the sizes' caps


class _Diverged(Exception):
    """A later block does not fit what the replay was built with: replay the whole trace the usual way."""


def replay(trace: str | os.PathLike[str] | Trace, profile: str | _profiles.Profile = "nemotron-340b-1p2d",
           concurrency: int | None = None, **kwargs: Any) -> Simulation:
    """Replay a Mooncake JSONL trace to its last completion and return the finished ``Simulation``: open loop at
    its timestamps (``concurrency=None``, the default) or closed loop with ``concurrency`` clients. Other keywords
    are ``Simulation``'s. The same as ``Simulation(profile, concurrency, trace=trace, **kwargs)`` then
    ``run(seconds=None)``, bit for bit; an open-loop replay of a file reads the file while it replays (see the
    module's docstring); ``sim.trace`` is the whole trace once it returns, and ``sim.replay_note`` says
    "streamed", or why the file was read first ("read first: ...")."""
    if isinstance(trace, Trace) or concurrency is not None:
        sim = Simulation(profile, concurrency=concurrency, trace=trace, **kwargs)
        sim.replay_note = "read first: " + ("a parsed Trace" if isinstance(trace, Trace) else "a closed loop")
        sim.run(seconds=None)
        return sim
    streamed = _Streamed(os.fspath(trace), profile, kwargs)
    sim = streamed.run()
    sim.replay_note = "streamed" if not streamed.why else "read first: " + streamed.why
    return sim


class _Streamed:
    def __init__(self, path: str, profile: str | _profiles.Profile, kwargs: dict) -> None:
        self.profile, self.kwargs = profile, kwargs
        self.given_tbs, self.history = kwargs.get("trace_block_size"), kwargs.get("history")
        self.block_keys = kwargs.get("block_keys", "runs")
        self.stream = TraceStream(path, pause_at=START_LINES)
        self.sim: Simulation | None = None
        self.published = 0          # lines the kernel may read
        self.why = ""               # what kept the replay from streaming, if something did

    def _usual(self, why: str) -> Simulation:
        """The whole file read, then replayed as ``Simulation`` does (``why``: what kept it from streaming)."""
        self.why = why
        sim = Simulation(self.profile, concurrency=None, trace=self.stream.finish(), **self.kwargs)
        sim.run(seconds=None)
        return sim

    def run(self) -> Simulation:
        stream = self.stream
        try:
            while stream.lines < START_LINES and not stream.ended:
                stream.take()
            if stream.ended:
                return self._usual("the file ended before the start")
            head = stream.head()
            self.tbs = self.given_tbs if self.given_tbs is not None else head.block_size
            try:
                sim = Simulation(self.profile, concurrency=None, trace=head,
                                 **{**self.kwargs, "trace_block_size": self.tbs})
            except ValueError:      # the whole trace says what is wrong (a line that cannot fit, ...)
                return self._usual("the first lines are refused")
            if not self._start(sim):
                return self._usual(self.why)
            try:
                sim.run(seconds=None)
            except (_Diverged, WholeTraceNeeded) as e:
                return self._usual(str(e))
            return sim
        finally:
            stream.close()

    # ------------------------------------------------------------------------------------------------
    def _start(self, sim) -> bool:
        """(The reader is paused.) Check the lines read so far, settle the sizes, set the checker for the lines
        to come and hand the stream's arrays to ``sim``; False when the replay cannot stream (its sizes still
        depend on lines to come, or its first lines break a check)."""
        p, st, stream = sim.profile, sim.state, self.stream
        self.p, self.kv_blocks = p, p.kv_blocks()
        self.bs, self.runs = p.block_size, int(st.iparams[L.I_TRACE_RUNS])
        self.seen, self.lo, self.hi = False, 0, 1 << 20
        self.split = st.trace_split
        self.table = np.zeros(0, np.int16)
        self.longest = self.distinct = self.done_ids = 0
        try:
            self._check(0, stream.lines)
        except _Diverged as e:
            self.why = str(e)
            return False
        facts = TraceFacts(stream.lines, self.distinct, self.longest, self.split)
        self.layout = self._layout(facts)
        if self.layout != self._layout(facts._replace(lines=PROBE, distinct=PROBE)):
            self.why = "the table sizes grow with the trace"
            return False
        self.sim = sim
        sim.need_lines = self._more
        st.iparams[L.I_TRACE_MORE] = 1
        self._hand_over(stream.lines)
        stream.checker = self._check
        stream.resume()
        return True

    def _check(self, start, stop):
        """(The reader's thread, after ``_start``.) Scan lines [start, stop) of the stream: raise _Diverged when
        they break what the replay was built with, else add their split ids and longest prompt."""
        stream = self.stream
        if stream.wide_ids:
            raise _Diverged("a hash id needs int64")
        tr_i, _, hashes = stream.kernel_arrays()
        isl, osl, nh = tr_i[0, start:stop], tr_i[1, start:stop], tr_i[3, start:stop]
        seen, lo, hi = block_size_bounds(isl, nh)
        self.seen, self.lo, self.hi = self.seen or bool(seen), max(self.lo, int(lo)), min(self.hi, int(hi))
        if self.given_tbs is None and block_size_of(self.seen, self.lo, self.hi) != self.tbs:
            raise _Diverged("the trace's block size")
        if np.any(self.p.request_kv_blocks(isl, osl) > self.kv_blocks):
            raise _Diverged("a prompt that fits no decode worker")
        end = int(tr_i[2, stop - 1] + tr_i[3, stop - 1])
        new_ids = hashes[self.done_ids:end]
        if len(new_ids):
            top = int(new_ids.max())
            # a table indexed by id, as split_hashes_dense keeps for the whole trace (ids there are often
            # drawn from the whole file's range from its first lines on: the bound is on the whole file's ids)
            if top >= trace_runs.DENSE_IDS * max(end, stream.expected_ids) + trace_runs.DENSE_SLACK:
                raise _Diverged("hash ids too sparse for a table indexed by id")
            if top >= len(self.table):
                table = np.zeros(max(top + 1, int(1.5 * len(self.table))), np.int16)
                table[:len(self.table)] = self.table
                self.table = table
        self.done_ids = end
        new_split = np.empty(max(1, int(nh.sum())), np.int64)
        added, longest, n_new = trace_runs.scan_lines(self.table, tr_i, start, stop, hashes, self.bs, self.tbs,
                                                      self.runs, new_split)
        if added < 0:
            raise _Diverged("an id split after the replay keyed it as a run")
        if max(self.longest, int(longest)) > MAX_PROMPT_BLOCKS:
            raise _Diverged("a prompt longer than the kernel's keys")
        # published after the lines' checks (the kernel reads none of these lines before they count in ``lines``)
        if n_new:
            self.split = np.union1d(self.split, new_split[:n_new])
        self.distinct += int(added)
        self.longest = max(self.longest, int(longest))

    def _hand_over(self, lines, arrays=None):
        """Point the kernel at the arrays of the first ``lines`` lines (the stream's, which a take may have moved,
        or the whole Trace's) with the rows and split ids they need."""
        sim, stream = self.sim, self.stream
        tr_i, arrival, hashes = arrays if arrays is not None else stream.kernel_arrays()
        # ids split by lines past ``lines`` occur in none of these lines (else the checker stops the streaming)
        split, longest = self.split, self.longest
        st = sim.state._replace(trace_lines=tr_i, trace_arrival=arrival, trace_hashes=hashes, trace_split=split)
        st = L.grow_keys(st, trace_runs.max_keys(self.runs, split, longest) if self.runs else longest)
        st.iparams[L.I_TRACE_LINES] = lines
        line = st.scalars_i[L.SI_TRACE_LINE]
        if line < lines:     # the arrival the kernel could not see when it stopped
            st.scalars_f[L.SF_NEXT_ARRIVAL] = arrival[line]
        sim.state = st
        self.published = lines

    def _layout(self, facts):
        return _settled(sizes(self.p, None, facts, self.tbs, self.history, self.block_keys))

    def _more(self):
        """``Simulation.need_lines``: wait for lines past those the kernel has, hand them over; at the end of the
        file the Simulation gets the whole Trace and replays the last lines as any other."""
        stream, sim = self.stream, self.sim
        lines = stream.take(self.published)
        if stream.diverged is not None:
            raise _Diverged(stream.diverged)
        if not stream.ended:
            self._hand_over(lines)
            return
        if stream.failed or stream.error is not None:
            raise _Diverged("a block the fast path does not read")
        if self._layout(TraceFacts(stream.lines, self.distinct, self.longest, self.split)) != self.layout:
            raise _Diverged("the table sizes")
        trace = stream.finish()
        self._hand_over(len(trace), trace.kernel_arrays())
        sim.state.iparams[L.I_TRACE_MORE] = 0
        sim.trace, sim.need_lines = trace, None


def _settled(z: dict) -> dict:
    """The sizes a streamed replay must hold from its start: all but the rows for a prompt's keys, which grow."""
    return {k: v for k, v in z.items() if k not in ("max_keys", "max_blocks")}
