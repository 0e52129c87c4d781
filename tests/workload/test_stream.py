"""TraceStream: a trace read on a thread while its first lines are used ends as the Trace parse_trace gives; it
pauses where asked, hands every line to its checker once, in order, and grows its arrays only when asked to."""
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parse import assert_same, line, reference

from orbits_widget.workload import traces
from orbits_widget.workload.traces import TraceStream, parse_trace

FIELDS = ("isl", "osl", "offset", "n_hashes", "arrival_s", "hashes")


def assert_equal_traces(a, b):
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and np.array_equal(x, y), f
    assert (a.lines is None) == (b.lines is None)
    if a.lines is not None:
        assert np.array_equal(a.lines, b.lines)
    assert a._ints.flags.c_contiguous and b._ints.flags.c_contiguous


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(line, min_size=1, max_size=40), blanks=st.lists(st.sampled_from(["", "  ", "\r"]), max_size=4),
       where=st.lists(st.integers(0, 40), max_size=4), block=st.sampled_from([64, 300, 1 << 20]),
       pause=st.integers(0, 45))
def test_a_streamed_trace_ends_as_the_parse(tmp_path, monkeypatch, rows, blanks, where, block, pause):
    monkeypatch.setattr(traces, "_READ_BLOCK", block)
    t, text = 0.0, []
    for r in rows:
        r = dict(r)
        if "gap" in r:
            t = t + r.pop("gap")
            r["timestamp"] = t
        elif t:
            r["timestamp"] = t
        text.append(json.dumps(r))
    for w, b in zip(where, blanks):
        text.insert(min(w, len(text)), b)
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(text) + "\n")
    whole = parse_trace(p)
    s = TraceStream(p, pause_at=pause)
    if pause:
        while s.lines < pause and not s.ended:
            s.take()
        n = s.lines
        assert n >= min(pause, len(whole)) or s.failed     # (a block the slow path must read stops the stream)
        if n:
            head, want = s.head(), whole.head(n)
            for f in FIELDS:
                assert np.array_equal(getattr(head, f), getattr(want, f)), f
            assert [head.line_number(i) for i in range(n)] == [want.line_number(i) for i in range(n)]
    got = s.finish()
    assert_equal_traces(got, whole)
    assert_same(got, reference(p))


def write_rows(path, rows):
    with open(path, "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


def test_the_arrays_grow_when_later_lines_are_longer(tmp_path, monkeypatch):
    # the first block (short lines, few ids) sizes the arrays for the whole file at its density: too small
    monkeypatch.setattr(traces, "_READ_BLOCK", 4096)
    rows = [{"timestamp": i, "input_length": 10, "output_length": 1, "hash_ids": [i]} for i in range(200)]
    rows += [{"timestamp": 300, "input_length": 9000, "output_length": 1, "hash_ids": list(range(k, k + 60))}
             for k in range(300)]
    write_rows(tmp_path / "g.jsonl", rows)
    s = TraceStream(tmp_path / "g.jsonl")
    s.take()
    first = len(s.kernel_arrays()[2])
    got = s.finish()
    assert first < len(got.hashes)
    assert_equal_traces(got, parse_trace(tmp_path / "g.jsonl"))


def test_ids_that_need_int64_late_widen_the_ids(tmp_path, monkeypatch):
    monkeypatch.setattr(traces, "_READ_BLOCK", 4096)
    rows = [{"timestamp": i, "input_length": 10, "output_length": 1, "hash_ids": [i, i + 1]} for i in range(400)]
    rows[350]["hash_ids"] = [2**40 - 1]
    write_rows(tmp_path / "w.jsonl", rows)
    s = TraceStream(tmp_path / "w.jsonl", pause_at=1)
    s.take()
    assert not s.wide_ids
    got = s.finish()
    assert got.hashes.dtype == np.int64
    assert_equal_traces(got, parse_trace(tmp_path / "w.jsonl"))


def test_the_checker_sees_each_line_once_in_order_and_a_refusal_stops_only_the_checking(tmp_path, monkeypatch):
    monkeypatch.setattr(traces, "_READ_BLOCK", 2048)
    rows = [{"timestamp": i, "input_length": 10, "output_length": 1, "hash_ids": [i]} for i in range(1000)]
    write_rows(tmp_path / "c.jsonl", rows)
    s = TraceStream(tmp_path / "c.jsonl", pause_at=100)
    while s.lines < 100:
        s.take()
    seen = [(0, s.lines)]

    def check(a, b):
        assert a == seen[-1][1] and b > a            # consecutive ranges, nothing counted before its check
        assert s.lines == a
        seen.append((a, b))
        if b > 600:
            raise ValueError("enough")
    s.checker = check
    s.resume()
    got = s.finish()
    assert s.diverged == "enough" and len(got) == 1000
    assert seen[-1][1] > 600 and all(a < b for a, b in seen)


def test_a_bad_line_is_named_as_the_parse_names_it(tmp_path, monkeypatch):
    monkeypatch.setattr(traces, "_READ_BLOCK", 1024)
    text = [json.dumps({"timestamp": i, "input_length": 10, "output_length": 1}) for i in range(300)]
    text[250] = '{"timestamp": 250, "input_length": -3, "output_length": 1}'
    p = tmp_path / "b.jsonl"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(ValueError) as want:
        parse_trace(p)
    s = TraceStream(p)
    with pytest.raises(ValueError) as got:
        s.finish()
    assert str(got.value) == str(want.value) and ":251:" in str(got.value) and s.failed
