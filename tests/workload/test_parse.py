"""parse_trace: pyarrow's reader into numpy, checked against a plain json-module reading of the same
file, and the slow path that names a bad line."""
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbits_widget.workload import traces
from orbits_widget.workload.traces import parse_trace


def reference(path):
    """The trace as the json module reads it: per request isl, osl, hash ids, timestamp, line number."""
    out = []
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                o = json.loads(raw)
                out.append((o["input_length"], o["output_length"], o.get("hash_ids", []), o.get("timestamp", 0),
                            lineno))
    return out


def assert_same(tr, ref):
    assert len(tr) == len(ref)
    assert tr.isl.tolist() == [r[0] for r in ref]
    assert tr.osl.tolist() == [r[1] for r in ref]
    assert [tr.hashes[o:o + n].tolist() for o, n in zip(tr.offset, tr.n_hashes)] == [r[2] for r in ref]
    assert tr.offset.tolist() == np.concatenate([[0], np.cumsum([len(r[2]) for r in ref])[:-1]]).tolist()
    ts = np.array([r[3] for r in ref], float)
    assert np.array_equal(tr.arrival_s, (ts - ts[0]) / 1e3)
    assert [tr.line_number(i) for i in range(len(tr))] == [r[4] for r in ref]
    if all(r[4] == i + 1 for i, r in enumerate(ref)):
        assert tr.lines is None


def no_slow_path(monkeypatch):
    def refuse(path):
        raise AssertionError("the slow path was taken")
    monkeypatch.setattr(traces, "_parse_slow", refuse)


ids = st.integers(0, 2**40 - 1) | st.integers(0, 5000)
line = st.fixed_dictionaries(
    {"input_length": st.integers(1, 2**40 - 1), "output_length": st.integers(1, 2**40 - 1)},
    optional={"hash_ids": st.lists(ids, max_size=30), "gap": st.integers(0, 10**6) | st.floats(0, 1e5),
              "extra": st.recursive(st.none() | st.booleans() | st.text(max_size=8) | st.integers(),
                                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c,
                                                                                         max_size=3),
                                    max_leaves=6)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(line, min_size=1, max_size=40), blanks=st.lists(st.sampled_from(["", "  ", "\t", "\r"]),
                                                                     max_size=5),
       where=st.lists(st.integers(0, 40), max_size=5), style=st.sampled_from([None, (",", ":"), (", ", ": ")]),
       crlf=st.booleans(), last_newline=st.booleans(), block=st.sampled_from([64, 1000, 1 << 20]))
def test_fast_parse_equals_the_json_module(tmp_path, monkeypatch, rows, blanks, where, style, crlf, last_newline,
                                           block):
    monkeypatch.setattr(traces, "_READ_BLOCK", block)        # many blocks, some smaller than a line
    t, text = 0.0, []
    for r in rows:
        r = dict(r)
        if "gap" in r:               # a timestamp: non-decreasing (ints or floats)
            t = t + r.pop("gap")
            r["timestamp"] = t
        elif t:
            r["timestamp"] = t       # once timestamps start, a missing one would go back to 0
        text.append(json.dumps(r, separators=style))
    for w, b in zip(where, blanks):
        text.insert(min(w, len(text)), b)
    body = ("\r\n" if crlf else "\n").join(text) + ("\n" if last_newline else "")
    p = tmp_path / "t.jsonl"
    p.write_text(body)
    assert_same(parse_trace(p), reference(p))


def test_a_mooncake_like_trace_takes_the_fast_path(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    p = tmp_path / "m.jsonl"
    with open(p, "w") as fh:
        t = 0
        for i in range(3000):
            t += int(rng.integers(0, 50))
            n = int(rng.integers(1, 40))
            fh.write(json.dumps({"timestamp": t, "input_length": 512 * n - 7, "output_length": 9,
                                 "hash_ids": rng.integers(0, 10**6, n).tolist(), "session": f"s{i}",
                                 "meta": {"note": "null true false", "x": [None, True]}}) + "\n")
    monkeypatch.setattr(traces, "_READ_BLOCK", 4096)
    ref = reference(p)
    no_slow_path(monkeypatch)        # unknown fields, even with nulls and bools, stay on the fast path
    tr = parse_trace(p)
    assert_same(tr, ref)
    assert tr.hashes.dtype == np.int32 and tr.lines is None


@pytest.mark.parametrize("big, dtype", [(2**31 - 1, np.int32), (2**31, np.int64), (2**40 - 1, np.int64)])
def test_hash_ids_are_int32_when_every_one_fits(tmp_path, monkeypatch, big, dtype):
    p = tmp_path / "t.jsonl"
    rows = [{"input_length": 600, "output_length": 1, "hash_ids": [i, i + 1]} for i in range(0, 400, 2)]
    rows.append({"input_length": 600, "output_length": 1, "hash_ids": [7, big]})     # in the last block
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(traces, "_READ_BLOCK", 1024)
    tr = parse_trace(p)
    assert tr.hashes.dtype == dtype and int(tr.hashes[-1]) == big and int(tr.hashes[-3]) == 399
    assert tr.kernel_arrays()[2].dtype == dtype


def test_unknown_fields_are_ignored(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"input_length": 5, "output_length": 3, "hash_ids": [1], "zzz": {"a": [1, "b", null]}, "q": 1.5}\n'
                 '{"model": "m", "output_length": 4, "input_length": 6, "timestamp": 2000}\n')
    tr = parse_trace(p)
    assert tr.isl.tolist() == [5, 6] and tr.osl.tolist() == [3, 4] and tr.n_hashes.tolist() == [1, 0]
    assert tr.arrival_s.tolist() == [0.0, 2.0]


GOOD = '{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": [1, 2]}\n'


@pytest.mark.parametrize("bad, why", [
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": [1, 2]\n', "not valid JSON"),
    ('{"timestamp": 5, "output_length": 3}\n', "missing field 'input_length'"),
    ('{"timestamp": 5, "input_length": 5}\n', "missing field 'output_length'"),
    ('{"timestamp": -1, "input_length": 5, "output_length": 3}\n', "'timestamp' must be a finite number"),
    ('{"timestamp": 4, "input_length": 5, "output_length": 3}\n', "'timestamp' goes backwards"),
    ('{"input_length": 5, "output_length": 3}\n', "'timestamp' goes backwards"),        # missing = 0 ms
    ('{"timestamp": 5, "input_length": true, "output_length": 3}\n', "'input_length' must be an integer"),
    ('{"timestamp": 5, "input_length": 5, "output_length": false}\n', "'output_length' must be an integer"),
    ('{"timestamp": true, "input_length": 5, "output_length": 3}\n', "'timestamp' must be a finite number"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": [1, true]}\n', "'hash_ids' must be"),
    ('{"timestamp": 5, "input_length": 5.0, "output_length": 3}\n', "'input_length' must be an integer"),
    ('{"timestamp": 5, "input_length": "5", "output_length": 3}\n', "'input_length' must be an integer"),
    ('{"timestamp": 5, "input_length": 0, "output_length": 3}\n', "'input_length' must be an integer"),
    ('{"timestamp": 5, "input_length": 1099511627776, "output_length": 3}\n', "'input_length' must be an integer"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": [1099511627776]}\n', "'hash_ids' must"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": [-1]}\n', "'hash_ids' must"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": 7}\n', "'hash_ids' must"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3, "hash_ids": null}\n', "'hash_ids' must"),
    ('{"timestamp": null, "input_length": 5, "output_length": 3}\n', "'timestamp' must be a finite number"),
    ('{"timestamp": NaN, "input_length": 5, "output_length": 3}\n', "'timestamp' must be a finite number"),
    ('{"timestamp": 5, "input_length": 5, "output_length": 3} {"timestamp": 6, "input_length": 5, '
     '"output_length": 3}\n', "not valid JSON"),       # two requests on one line
    ('[5, 5, 3]\n', "expected a JSON object"),
    (b'{"timestamp": 5, "input_length": 5, "output_length": 3, "x": "\xff"}\n', "not UTF-8"),
])
@pytest.mark.parametrize("blank_lines", [0, 2])
def test_a_bad_line_is_named_with_its_number_and_fault(tmp_path, monkeypatch, bad, why, blank_lines):
    monkeypatch.setattr(traces, "_READ_BLOCK", 256)          # the bad line in a later block than the first
    head = (GOOD * 6).encode() + (b"\n \r\n" if blank_lines else b"")
    p = tmp_path / "bad.jsonl"
    p.write_bytes(head + (bad if isinstance(bad, bytes) else bad.encode()) + GOOD.replace("5", "9", 1).encode())
    n = 7 + (blank_lines and 2)
    with pytest.raises(ValueError, match=f"bad.jsonl:{n}: .*{why}"):
        parse_trace(p)


@pytest.mark.parametrize("last", ["Infinity", "NaN", "1e400"])
def test_a_last_timestamp_that_is_not_finite_is_refused(tmp_path, last):
    p = tmp_path / "t.jsonl"
    p.write_text(GOOD * 3 + '{"timestamp": ' + str(last) + ', "input_length": 5, "output_length": 3}\n')
    with pytest.raises(ValueError, match="t.jsonl:4: 'timestamp' must be a finite number"):
        parse_trace(p)


@pytest.mark.parametrize("body", ["", "\n\n  \n", "\r\n"])
def test_a_file_without_requests_is_refused(tmp_path, body):
    p = tmp_path / "e.jsonl"
    p.write_text(body)
    with pytest.raises(ValueError, match="e.jsonl: the trace has no requests"):
        parse_trace(p)


def test_a_repeated_key_is_read_as_the_json_module_reads_it(tmp_path):
    # pyarrow refuses it, the json module keeps the last value: the slow path reads the file
    p = tmp_path / "t.jsonl"
    p.write_text('{"input_length": 5, "output_length": 3, "input_length": 8}\n' + GOOD)
    assert parse_trace(p).isl.tolist() == [8, 5]


def test_blank_lines_keep_the_line_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(traces, "_READ_BLOCK", 128)
    p = tmp_path / "t.jsonl"
    p.write_text("\n" + GOOD + "  \n\n" + GOOD * 3 + "\t\n" + GOOD + "\r\n" + GOOD + "\n\n")
    no_slow_path(monkeypatch)
    tr = parse_trace(p)
    assert tr.lines.tolist() == [2, 5, 6, 7, 9, 11]
    p.write_text(GOOD * 3 + "\n\n \n")                 # blanks only after the last request: no line table
    assert parse_trace(p).lines is None


def test_the_trace_is_one_int64_block_the_kernel_reads_as_it_is(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(GOOD * 5)
    tr = parse_trace(p)
    tr_i, arrival, hashes = tr.kernel_arrays()
    assert tr_i.shape == (4, 5) and tr_i.dtype == np.int64 and tr_i.flags.c_contiguous
    for k, row in enumerate((tr.isl, tr.osl, tr.offset, tr.n_hashes)):
        assert row.base is tr_i and np.shares_memory(row, tr_i[k])
    assert hashes is tr.hashes and arrival is tr.arrival_s
    for other in (tr.scaled(2.0), pickle.loads(pickle.dumps(tr))):
        assert other.isl.base is other.kernel_arrays()[0]
    assert tr.scaled(2.0).kernel_arrays()[0] is tr_i          # scaling shares the per-line ints
    h = tr.head(2)
    assert h.kernel_arrays()[0].tolist() == tr_i[:, :2].tolist() and h.kernel_arrays()[0].flags.c_contiguous
    assert len(h.hashes) == 4 and math.isclose(h.arrival_s[-1], 0.0)
    # rows given separately are stacked once
    t2 = traces.Trace(path="x", isl=np.array([3, 4]), osl=np.array([1, 1]), offset=np.array([0, 1]),
                      n_hashes=np.array([1, 1]), arrival_s=np.zeros(2), hashes=np.array([5, 6], np.int32))
    assert t2.isl.base is t2.kernel_arrays()[0] and t2.kernel_arrays()[2].dtype == np.int32


def test_distinct_hashes_counts_dense_and_sparse_ids(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"input_length": 5, "output_length": 3, "hash_ids": [1, 2, 2, 0]}\n'
                 '{"input_length": 5, "output_length": 3, "hash_ids": [1099511627775, 2]}\n')
    assert parse_trace(p).distinct_hashes == 4
    assert parse_trace(p).head(1).distinct_hashes == 3
