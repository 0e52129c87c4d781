"""replay: a trace replayed while its file is read gives, bit for bit, what the whole trace parsed first gives;
where a later block breaks what the replay was built with, it is replayed the usual way (same result)."""
import json
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import orbits_widget as ow
from orbits_widget.kernel import layout as L
from orbits_widget.workload import generate, traces
from orbits_widget.workload.traces import parse_trace

replay_mod = sys.modules["orbits_widget.api.replay"]
MOCKER = dict(profile="dynamo-mocker-1p2d", n_prefill=2, n_decode=3)
START = 2500        # lines before a test's replay starts: enough for the mocker's sizes to settle


def usual(path, **kw):
    sim = ow.Simulation(kw.pop("profile"), concurrency=None, trace=parse_trace(path), **kw)
    sim.run(seconds=None)
    return sim


def assert_identical(a, b):
    """The same run: summary, kept requests and every array of the kernel's state but the trace's own."""
    sa, sb = a.summary(), b.summary()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k] == sb[k] or (sa[k] != sa[k] and sb[k] != sb[k]), k
    for f in L.State._fields:
        if f in ("trace_lines", "trace_arrival", "trace_hashes"):
            continue
        x, y = getattr(a.state, f), getattr(b.state, f)
        assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), f
    for f in ("isl", "osl", "offset", "n_hashes", "arrival_s", "hashes"):
        assert np.array_equal(getattr(a.trace, f), getattr(b.trace, f)), f


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 16 KB (about 80 lines) and a start after START lines: a small trace streams in many pieces."""
    monkeypatch.setattr(traces, "_READ_BLOCK", 16 << 10)
    monkeypatch.setattr(replay_mod, "START_LINES", START)


def streams_only(monkeypatch):
    """Fail if the replay falls back to the usual way; a reader slower than the kernel (so that the kernel
    waits for lines again and again); count the hand-overs."""
    calls = []
    append = traces.TraceStream._append

    def slow(self, c):
        time.sleep(0.01)     # 80 lines: the kernel replays them in well under a millisecond
        append(self, c)
    monkeypatch.setattr(traces.TraceStream, "_append", slow)

    def refuse(self, why):
        raise AssertionError(f"the replay did not stream: {why}")
    monkeypatch.setattr(replay_mod._Streamed, "_usual", refuse)
    more = replay_mod._Streamed._more

    def counted(self, *a, **k):
        calls.append(self.published)
        return more(self, *a, **k)
    monkeypatch.setattr(replay_mod._Streamed, "_more", counted)
    return calls


@pytest.fixture
def fallback(monkeypatch):
    """What kept a replay from streaming: a list that gets the reason."""
    why = []
    usual_way = replay_mod._Streamed._usual

    def record(self, reason):
        why.append(reason)
        return usual_way(self, reason)
    monkeypatch.setattr(replay_mod._Streamed, "_usual", record)
    return why


@pytest.fixture(scope="module")
def mix(tmp_path_factory):
    return generate.write_trace(tmp_path_factory.mktemp("mix") / "mix.jsonl", 6000, seed=3, rate=6.0)


def test_a_streamed_replay_is_the_usual_one_bit_for_bit(mix, small_blocks, monkeypatch):
    b = usual(mix, history=500, **MOCKER)       # first: the kernel's compile must not happen while lines come in
    calls = streams_only(monkeypatch)
    a = ow.replay(mix, history=500, **MOCKER)
    assert len(calls) >= 3 and calls[0] >= START          # it went on as lines came in
    assert a.finished and a.trace.path == mix and len(a.trace) == 6000 and a.replay_note == "streamed"
    assert a.summary()["completed"] == 6000
    assert_identical(a, b)


def test_the_default_block_size_is_the_whole_trace_s(mix, small_blocks, monkeypatch):
    streams_only(monkeypatch)
    a = ow.replay(mix, history=500, block_keys="blocks", **MOCKER)
    assert a.state.iparams[L.I_TRACE_BLOCK_SIZE] == parse_trace(mix).block_size == 512
    assert_identical(a, usual(mix, history=500, block_keys="blocks", **MOCKER))


def write(path, rows):
    with open(path, "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


def lines_of(path):
    return [json.loads(x) for x in open(path)]


def test_an_id_split_after_it_was_keyed_as_a_run_replays_the_usual_way(mix, small_blocks, fallback, tmp_path):
    rows = lines_of(mix)
    # a late prompt ends inside hash id h, which earlier prompts hold whole: h stands for fewer blocks there
    first = rows[10]
    h = first["hash_ids"][0]
    rows[5000] = dict(rows[5000], input_length=100, hash_ids=[h])
    p = write(tmp_path / "split.jsonl", rows)
    tr = parse_trace(p)
    from orbits_widget.kernel import trace_runs
    assert h in trace_runs.split_hashes(tr.kernel_arrays()[0], tr.hashes, 64, 512)
    assert_identical(ow.replay(p, history=500, **MOCKER), usual(p, history=500, **MOCKER))
    assert fallback == ["an id split after the replay keyed it as a run"]
    note = ow.replay(p, history=500, **MOCKER).replay_note
    assert note == "read first: an id split after the replay keyed it as a run"


def test_a_split_id_first_seen_late_still_streams(mix, small_blocks, monkeypatch, tmp_path):
    rows = lines_of(mix)
    new = max(max(r["hash_ids"], default=0) for r in rows) + 1   # an id no line had: whole, then partial
    rows[4000] = dict(rows[4000], input_length=1024, hash_ids=[new, new + 1])
    rows[4001] = dict(rows[4001], input_length=100, hash_ids=[new])
    p = write(tmp_path / "late.jsonl", rows)
    streams_only(monkeypatch)
    assert_identical(ow.replay(p, history=500, **MOCKER), usual(p, history=500, **MOCKER))


def test_a_block_size_the_last_lines_change_replays_the_usual_way(small_blocks, fallback, tmp_path):
    # 1000 tokens on two ids: any B in [500, 999] fits, 512 is taken; the last line (505 tokens on two ids) leaves
    # [500, 504], and the trace's block size is 500
    rows = [{"timestamp": 150 * i, "input_length": 1000, "output_length": 20, "hash_ids": [2 * i, 2 * i + 1]}
            for i in range(6000)]
    rows[-1] = dict(rows[-1], input_length=505)
    p = write(tmp_path / "bs.jsonl", rows)
    assert parse_trace(p).head(5999).block_size == 512 and parse_trace(p).block_size == 500
    a = ow.replay(p, history=500, block_keys="blocks", **MOCKER)
    assert a.state.iparams[L.I_TRACE_BLOCK_SIZE] == 500 and fallback == ["the trace's block size"]
    assert_identical(a, usual(p, history=500, block_keys="blocks", **MOCKER))


def test_a_late_bad_line_is_named_as_the_parse_names_it(mix, small_blocks, fallback, tmp_path):
    text = open(mix).read().splitlines()
    text[5500] = text[5500].replace('"input_length"', '"input_length": 3.5, "x"')
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(ValueError) as want:
        parse_trace(p)
    assert ":5501:" in str(want.value)
    with pytest.raises(ValueError) as got:
        ow.replay(p, history=500, **MOCKER)
    assert str(got.value) == str(want.value) and fallback == ["a block the fast path does not read"]


def test_a_late_prompt_that_fits_no_worker_is_refused_as_simulation_refuses_it(mix, small_blocks, fallback,
                                                                                tmp_path):
    rows = lines_of(mix)
    rows[5800] = dict(rows[5800], input_length=16384 * 64, hash_ids=list(range(2048)))
    p = write(tmp_path / "big.jsonl", rows)
    with pytest.raises(ValueError) as want:
        ow.Simulation(concurrency=None, trace=p, **MOCKER)
    with pytest.raises(ValueError) as got:
        ow.replay(p, history=500, **MOCKER)
    assert str(got.value) == str(want.value) and ":5801:" in str(got.value)
    assert fallback == ["a prompt that fits no decode worker"]


def test_ids_that_need_int64_late_replay_the_usual_way(mix, small_blocks, fallback, tmp_path):
    rows = lines_of(mix)
    rows[5000] = dict(rows[5000], hash_ids=[2**35 + i for i in range(len(rows[5000]["hash_ids"]))])
    p = write(tmp_path / "wide.jsonl", rows)
    a = ow.replay(p, history=500, **MOCKER)
    assert a.trace.hashes.dtype == np.int64 and fallback == ["a hash id needs int64"]
    assert_identical(a, usual(p, history=500, **MOCKER))


def test_a_closed_loop_and_a_short_trace_replay_the_usual_way(mix, tmp_path):
    a = ow.replay(mix, concurrency=16, history=500, **MOCKER)
    b = ow.Simulation(MOCKER["profile"], concurrency=16, trace=parse_trace(mix), history=500,
                      **{k: v for k, v in MOCKER.items() if k != "profile"})
    b.run(seconds=None)
    assert_identical(a, b)
    short = write(tmp_path / "short.jsonl", lines_of(mix)[:300])
    assert_identical(ow.replay(short, **MOCKER), usual(short, **MOCKER))


def test_the_default_profile_whose_sizes_grow_with_the_trace_replays_the_usual_way(mix, small_blocks, fallback):
    # its decode leg counts distinct blocks: the router's sets are sized from the whole trace's ids
    a = ow.replay(mix, n_decode=2)
    assert fallback == ["the table sizes grow with the trace"]
    b = ow.Simulation(concurrency=None, trace=parse_trace(mix), n_decode=2)
    b.run(seconds=None)
    assert_identical(a, b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(1, 1999), min_size=1, max_size=12, unique=True))
def test_lines_handed_to_the_kernel_in_pieces_replay_as_all_at_once(mix, cuts):
    """The kernel's side alone: I_TRACE_LINES raised piece by piece (NEED_LINES in between) at any cut."""
    tr = parse_trace(mix).head(2000)
    whole = ow.Simulation(concurrency=None, trace=tr, **MOCKER)
    whole.run(seconds=None)
    sim = ow.Simulation(concurrency=None, trace=tr, **MOCKER)
    pieces = sorted(cuts) + [len(tr)]
    st_ = sim.state
    st_.iparams[L.I_TRACE_LINES] = pieces.pop(0)
    st_.iparams[L.I_TRACE_MORE] = 1
    handed = []

    def more():
        s = sim.state
        assert s.scalars_i[L.SI_TRACE_LINE] == s.iparams[L.I_TRACE_LINES]     # it stopped at the first line it lacks
        n = pieces.pop(0)
        s.iparams[L.I_TRACE_LINES] = n
        s.scalars_f[L.SF_NEXT_ARRIVAL] = tr.arrival_s[s.scalars_i[L.SI_TRACE_LINE]]
        handed.append(n)
        if not pieces:
            s.iparams[L.I_TRACE_MORE] = 0
            sim.need_lines = None
    sim.need_lines = more
    sim.run(seconds=None)
    assert handed[-1] == len(tr) and len(handed) == len(cuts)
    assert_identical(sim, whole)
