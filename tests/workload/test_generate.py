"""The trace generator: what it writes parses back, and keeps each family's properties."""
import json

import numpy as np
import pytest

from orbits_widget.workload import generate as G
from orbits_widget.workload.__main__ import main
from orbits_widget.workload.traces import parse_trace

FAM = {name: i for i, name in enumerate(G.FAMILIES)}
RANGES = {  # (isl, osl) of each family, families.py's docstrings
    "long_prompts": ((6_000, 40_000), (16, 256)),
    "multi_turn": ((1_024 + 100, 1_024 + 6 * 2_000 + 5 * 400), (50, 400)),
    "kv_pressure": ((8 * 512 + 50, 24 * 512 + 500), (200, 1_500)),
    "bursts": ((1_024, 8_192), (32, 512)),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "t.jsonl"
    G.write_trace(path, 6_000, seed=3, rate=40.0)
    return path, [json.loads(x) for x in open(path)], G.requests(6_000, seed=3, rate=40.0)


def test_the_file_parses_back_line_for_line(written):
    path, rows, req = written
    tr = parse_trace(path)
    assert len(tr) == len(rows) == 6_000 and tr.lines is None and tr.hashes.dtype == np.int32
    assert tr.isl.tolist() == [r["input_length"] for r in rows] == req["isl"].tolist()
    assert tr.osl.tolist() == req["osl"].tolist()
    assert [r["timestamp"] for r in rows] == req["t"].tolist()
    assert tr.block_size == 512
    assert all(len(r["hash_ids"]) == -(-r["input_length"] // 512) for r in rows)


def test_timestamps_are_integer_ms_and_never_go_back(written):
    _, rows, req = written
    t = np.array([r["timestamp"] for r in rows])
    assert all(isinstance(r["timestamp"], int) for r in rows) and t[0] >= 0 and np.all(np.diff(t) >= 0)
    # the whole mix at 40 req/s: the families send for about n / rate seconds (the last chats then finish)
    other = req["family"] != FAM["multi_turn"]
    assert 0.8 * 6_000 / 40 < t[other].max() / 1e3 < 1.2 * 6_000 / 40


def test_sizes_lie_in_each_familys_ranges(written):
    _, rows, req = written
    for name, ((i0, i1), (o0, o1)) in RANGES.items():
        mine = req["family"] == FAM[name]
        assert mine.any(), name
        assert i0 <= req["isl"][mine].min() and req["isl"][mine].max() <= i1, name
        assert o0 <= req["osl"][mine].min() and req["osl"][mine].max() <= o1, name


def test_shares_follow_the_mix():
    counts = np.bincount(G.requests(10_000, seed=1)["family"], minlength=4)
    assert counts.sum() == 10_000
    assert np.allclose(counts / 10_000, [G.DEFAULT_MIX[k] for k in G.FAMILIES], atol=1e-4)
    only = G.requests(500, seed=1, mix={"bursts": 1.0, "long_prompts": 0.0})
    assert set(only["family"].tolist()) == {FAM["bursts"]}


def test_equal_hash_ids_mean_equal_prefixes(written):
    """A hash id names its block and everything before it: two lines that share an id at position j
    share all the ids before it (Mooncake's and Dynamo's meaning of equal ids)."""
    _, rows, _ = written
    seen = {}
    for r in rows:
        h = r["hash_ids"]
        for j, x in enumerate(h):
            prefix = tuple(h[:j])
            assert seen.setdefault(x, prefix) == prefix


def test_sessions_grow_turn_by_turn_with_a_fresh_partial_block(written):
    _, rows, req = written
    mt = np.flatnonzero(req["family"] == FAM["multi_turn"])
    count = {}
    for r in rows:
        for x in r["hash_ids"]:
            count[x] = count.get(x, 0) + 1
    sessions = {}
    for i in mt:
        sessions.setdefault(int(req["b"][i]), []).append(i)
    assert len(sessions) >= 10 and max(len(v) for v in sessions.values()) == 6
    system = rows[mt[0]]["hash_ids"][:2]
    for turns in sessions.values():
        prev = None
        for i in turns:
            h, isl = rows[i]["hash_ids"], rows[i]["input_length"]
            assert h[:2] == system                           # the system prompt every session shares
            full = isl // 512
            if isl % 512:
                assert count[h[-1]] == 1                     # a partial last block: an id no other line has
            if prev is not None:
                p_h, p_isl = prev
                assert isl > p_isl                           # the conversation only grows
                assert h[:p_isl // 512] == p_h[:p_isl // 512]    # the previous turn's full blocks, reused
                assert h[p_isl // 512] not in p_h            # its partial block, completed: a new id
            prev = (h[:full] + ([h[-1]] if isl % 512 else []), isl)


def test_documents_and_templates_are_shared(written):
    _, rows, req = written
    kv = np.flatnonzero(req["family"] == FAM["kv_pressure"])
    docs = {rows[i]["hash_ids"][0] for i in kv}
    assert 20 < len(docs) <= 200                           # a library of 200 documents, Zipf-skewed
    firsts = [rows[i]["hash_ids"][0] for i in kv]
    top = max(set(firsts), key=firsts.count)
    assert firsts.count(top) > len(kv) / 50                # the most asked document far above 1/200
    for name, k, n in (("bursts", 8, 2), ("long_prompts", 4, 4)):
        heads = {tuple(rows[i]["hash_ids"][:n]) for i in np.flatnonzero(req["family"] == FAM[name])}
        assert len(heads) == k, name


def test_bursts_arrive_together():
    req = G.requests(2_000, seed=0, mix={"bursts": 1.0}, rate=5.0)
    gaps = np.diff(req["t"])
    # within a burst requests are < 10 ms apart; between bursts 5-15 s at 5 req/s (families.bursts)
    assert np.all((gaps <= 10) | ((gaps >= 5_000 - 10) & (gaps <= 15_000)))
    assert 2_000 / 80 <= np.sum(gaps > 10) + 1 <= 2_000 / 20 + 1


def test_the_same_seed_writes_the_same_file(tmp_path):
    a, b, c = (tmp_path / f"{x}.jsonl" for x in "abc")
    G.write_trace(a, 3_000, seed=7)
    G.write_trace(b, 3_000, seed=7)
    G.write_trace(c, 3_000, seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_chunks_join_into_the_same_lines(tmp_path, monkeypatch):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    G.write_trace(a, 1_000, seed=2)
    monkeypatch.setattr(G, "_CHUNK", 37)
    G.write_trace(b, 1_000, seed=2)
    assert a.read_bytes() == b.read_bytes()
    want = [json.dumps({"timestamp": int(t), "input_length": int(i), "output_length": int(o), "hash_ids": h})
            for t, i, o, h in ((r["timestamp"], r["input_length"], r["output_length"], r["hash_ids"])
                               for r in map(json.loads, open(a)))]
    assert a.read_text().splitlines() == want          # json.dumps' own spelling of each line


def test_the_command_line_writes_a_trace(tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    assert main([str(out), "--requests", "300", "--seed", "1", "--rate", "20", "--mix", "multi_turn=1,bursts=1"]) == 0
    tr = parse_trace(out)
    assert len(tr) == 300
    with pytest.raises(SystemExit):
        main([str(out), "--requests", "0"])
    with pytest.raises(SystemExit):
        main([str(out), "--requests", "5", "--mix", "nope=1"])


@pytest.mark.parametrize("kw", [dict(n=0), dict(n=5, rate=0.0), dict(n=5, mix={}), dict(n=5, mix={"x": 1.0}),
                                dict(n=5, mix={"bursts": -1.0})])
def test_bad_arguments_are_refused(kw):
    with pytest.raises(ValueError):
        G.requests(**kw)
