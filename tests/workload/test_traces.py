import json
import os
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invariants import check_causality, check_state

import orbits_widget as ow
from orbits_widget.kernel import layout as E
from orbits_widget.workload.traces import Trace, load_trace, trace_block_key


def test_synthetic_trace_is_mooncake_jsonl(tmp_path):
    path = ow.synthetic_trace(50, templates=3, isl=130, osl=7, block=64, rate=10.0, seed=1,
                              path=tmp_path / "t.jsonl")
    lines = [json.loads(x) for x in open(path)]
    assert len(lines) == 50
    assert {tuple(x["hash_ids"]) for x in lines} <= {(0, 1, 2), (3, 4, 5), (6, 7, 8)}   # ceil(130/64) ids
    assert all(x["input_length"] == 130 and x["output_length"] == 7 for x in lines)
    ts = [x["timestamp"] for x in lines]
    assert ts == sorted(ts) and ts[-1] > 0
    assert all(x["timestamp"] == 0 for x in map(json.loads, open(ow.synthetic_trace(5, path=tmp_path / "z.jsonl"))))


def test_closed_loop_replay_runs_every_line_once(tmp_path):
    path = ow.synthetic_trace(400, osl=32, path=tmp_path / "t.jsonl")
    sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=path, concurrency=16)
    s = sim.run(seconds=None).summary()
    assert s["completed"] == 400 and s["in_flight"] == 0 and sim.finished
    r = sim.requests()
    assert sorted(r["serial"]) == list(range(400))
    assert np.all(r["osl"] == 32) and np.all(r["isl"] == 128)
    assert s["throughput_rps"] == pytest.approx(400 / sim.time)
    check_causality(sim)
    sim.step(100.0)                      # the clock stays at the last completion
    assert sim.counters()["issued"] == 400


def test_open_loop_replay_follows_the_timestamps(tmp_path):
    p = tmp_path / "t.jsonl"
    with open(p, "w") as fh:
        for i, t in enumerate([0, 500, 500, 2000]):
            fh.write(json.dumps({"timestamp": 1000 + t, "input_length": 64 + i, "output_length": 4,
                                 "hash_ids": [i], "ignored": "yes"}) + "\n")
    sim = ow.Simulation(profile="nemotron-340b-1p2d", trace=p, concurrency=None)
    sim.run(seconds=None)
    r = sim.requests()
    assert np.allclose(np.sort(r["arrival"]), [0.0, 0.5, 0.5, 2.0])      # relative to the first line
    assert sorted(r["isl"]) == [64, 65, 66, 67]
    check_state(sim)


@pytest.mark.parametrize("body, line", [
    ('{"input_length": 5, "output_length": 3}\n{"input_length": "x", "output_length": 3}\n', 2),
    ('{"input_length": 5, "output_length": 3}\n\n{oops\n', 3),
    ('{"input_length": 5, "output_length": 3, "hash_ids": [1, -2]}\n', 1),
    ('{"input_length": 5}\n', 1),
    ('[1, 2]\n', 1),
    (b'{"input_length": 5, "output_length": 3}\n{"input_length": 5, "output_length": 3, "x": "\xff"}\n', 2),
    ('{"input_length": 5, "output_length": 3, "timestamp": 9}\n'
     '{"input_length": 5, "output_length": 3, "timestamp": 1}\n', 2),
])
def test_malformed_lines_are_reported_with_their_number(tmp_path, body, line):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(body if isinstance(body, bytes) else body.encode())
    with pytest.raises(ValueError, match=f"bad.jsonl:{line}:"):
        load_trace(p)
    with pytest.raises(ValueError, match=f":{line}:"):
        ow.Simulation(trace=p, concurrency=4)


def test_trace_block_size_maps_hash_ids_onto_our_blocks(tmp_path):
    # one hash per 512 tokens (Mooncake's own granularity) expands into 8 blocks of 64
    p = tmp_path / "t.jsonl"
    rows = [{"timestamp": 0, "input_length": 1024, "output_length": 2, "hash_ids": [7, 8]},
            {"timestamp": 0, "input_length": 1024, "output_length": 2, "hash_ids": [7, 9]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=p, concurrency=1, trace_block_size=512)
    sim.run(seconds=None)
    r = sim.requests()
    # the second request shares the first 512 tokens: 8 blocks reused on the prefill worker
    assert list(r["prefill_cached_tokens"]) == [0, 512]


def test_replay_arguments_are_checked(tmp_path):
    path = ow.synthetic_trace(10, path=tmp_path / "t.jsonl")
    with pytest.raises(ValueError, match="rate"):
        ow.Simulation(trace=path, rate=3.0, concurrency=None)
    with pytest.raises(ValueError, match="trace_block_size"):
        ow.Simulation(trace=path, concurrency=2, trace_block_size=0)
    with pytest.raises(ValueError, match="seconds"):
        ow.Simulation(concurrency=2).run(seconds=None)
    with pytest.raises(ValueError, match="concurrency"):
        ow.Simulation(trace=path, concurrency=0).run(seconds=None)
    with pytest.raises(FileNotFoundError):
        ow.Simulation(trace=tmp_path / "missing.jsonl", concurrency=2)
    with pytest.raises(ValueError, match="n"):
        ow.synthetic_trace(0)
    with pytest.raises(ValueError, match=r"^block: must be an integer in \[1, inf\], got 2.5"):
        ow.synthetic_trace(3, block=2.5)
    with pytest.raises(ValueError, match=r"^rate: must be None \(every timestamp 0\) or a finite number in \(0.0"):
        ow.synthetic_trace(3, rate=0)
    # whole numbers given as floats write the same file as integers
    a = ow.synthetic_trace(5, isl=64.0, block=16.0, rate=2, path=tmp_path / "a.jsonl")
    b = ow.synthetic_trace(5, isl=64, block=16, rate=2.0, path=tmp_path / "b.jsonl")
    assert open(a).read() == open(b).read()


@pytest.mark.parametrize("profile, c", [("dynamo-mocker-1p2d", 8), ("dynamo-mocker-1p2d", 200),
                                        ("nemotron-340b-1p2d", 256), ("nemotron-340b-1p2d", 40)])
def test_multi_pass_runs_change_nothing(profile, c):
    def run(runs):
        sim = ow.Simulation(profile=profile, concurrency=c, seed=1)
        sim.state.iparams[E.I_MULTI_PASS] = runs
        sim.step(40.0)
        return sim
    a, b = run(1), run(0)
    assert a.counters() == b.counters()
    ra, rb = a.requests(), b.requests()
    for k in ra:
        assert np.array_equal(ra[k], rb[k], equal_nan=True), k
    assert np.array_equal(a.state.latency_hist, b.state.latency_hist)
    assert a.state.scalars_i[E.SI_EVENTS] < b.state.scalars_i[E.SI_EVENTS]


def test_a_changed_file_is_read_again(tmp_path):
    p = tmp_path / "t.jsonl"
    ow.synthetic_trace(3, path=p)
    assert len(load_trace(p)) == 3
    ow.synthetic_trace(5, path=p)
    os.utime(p, ns=(1, 10**18))
    assert len(load_trace(p)) == 5


def _keys(hashes, n_blocks, bs, tbs):
    h = np.asarray(hashes, np.int64)
    return [int(trace_block_key(h, 0, b, bs, tbs)) for b in range(n_blocks)]


def test_trace_blocks_smaller_than_ours_key_a_block_by_its_last_trace_block():
    # 16-token trace blocks under our 64-token blocks: block b covers trace blocks 4b .. 4b + 3.
    # Two prompts agree on trace blocks 0-5 and differ from 6 on: our block 0 is shared, block 1
    # (trace blocks 4-7) is not, although its first two trace blocks agree.
    a = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    b = [10, 11, 12, 13, 14, 15, 96, 97, 98, 99, 90, 91]
    ka, kb = _keys(a, 3, 64, 16), _keys(b, 3, 64, 16)
    assert ka[0] == kb[0] and ka[1] != kb[1] and ka[2] != kb[2]
    assert len(set(ka)) == 3


def test_trace_blocks_larger_than_ours_split_into_distinct_sub_blocks():
    # 512-token trace blocks over our 64-token blocks: 8 of ours per trace block, each its own key
    a, b = [7, 8], [7, 9]
    ka, kb = _keys(a, 16, 64, 512), _keys(b, 16, 64, 512)
    assert ka[:8] == kb[:8] and all(x != y for x, y in zip(ka[8:], kb[8:]))
    assert len(set(ka)) == 16 and all(k < 0 for k in ka)        # negative: never a template's key


MOONCAKE = pathlib.Path(__file__).parents[1] / "data" / "mooncake_synthetic.jsonl"


def test_the_block_size_of_a_trace_is_what_its_lines_say():
    """Each line has ceil(input_length / B) hash ids: Mooncake's trace says 512 (its format and Dynamo's
    replay default), a synthetic trace the block it was written with."""
    assert load_trace(MOONCAKE).block_size == 512
    for block, isl in ((64, 128), (64, 512), (16, 1000), (512, 600), (128, 129)):
        assert load_trace(ow.synthetic_trace(20, isl=isl, block=block)).block_size == block


def _block_size_by_brute_force(lines):
    """Trace.block_size from its definition: try every B up to 4096 (past it, only when no line has two ids
    or more, every B is as good as 2^20, the bound Trace.block_size uses)."""
    counted = [(isl, n) for isl, n in lines if n >= 1]
    if not counted:
        return 512
    good = [b for b in range(1, 4097) if all(-(-isl // b) == n for isl, n in counted)]
    if not good:
        return 512
    lo, hi = good[0], good[-1]
    if all(n == 1 for _, n in counted) and hi == 4096:
        hi = 1 << 20
    if lo <= 512 <= hi:
        return 512
    p2 = 1 << (hi.bit_length() - 1)
    return p2 if p2 >= lo else lo


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(1, 3000), st.integers(0, 8)), min_size=1, max_size=12),
       block=st.sampled_from([None, 16, 64, 100, 512, 1024]))
def test_the_block_size_is_its_definition(lines, block):
    if block is not None:       # lines that agree on a block, and a few that may not
        lines = [(isl, -(-isl // block)) for isl, _ in lines[:-2]] + lines[-2:]
    isl = np.array([x for x, _ in lines], np.int64)
    n = np.array([k for _, k in lines], np.int64)
    offset = np.concatenate([[0], np.cumsum(n)[:-1]])
    tr = Trace(path="t", isl=isl, osl=np.ones_like(isl), offset=offset, n_hashes=n,
               arrival_s=np.zeros(len(isl)), hashes=np.arange(int(n.sum()), dtype=np.int32))
    assert tr.block_size == _block_size_by_brute_force(lines)


def test_a_mooncake_replay_defaults_to_its_512_token_blocks():
    """Without trace_block_size the replay keys blocks as Mooncake's 512-token hash ids say: the same
    prefix reuse as when 512 is given, not the 8x finer (and wrong) reuse of 64."""
    kw = dict(profile="dynamo-mocker-1p2d", trace=MOONCAKE, concurrency=None, n_prefill=2)
    runs = {b: ow.Simulation(**kw, **({} if b is None else {"trace_block_size": b})) for b in (None, 512, 64)}
    for s in runs.values():
        s.step(60.0)
    hit = {b: s.summary()["cache_hit_rate"] for b, s in runs.items()}
    assert hit[None] == hit[512]
    assert hit[64] != hit[512]
