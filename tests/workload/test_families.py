"""The generated trace families: valid Mooncake files, deterministic, and each has what it is for."""
import json

import numpy as np
import pytest

from orbits_widget.workload import families
from orbits_widget.workload.traces import load_trace


def _rows(path):
    with open(path) as fh:
        return [json.loads(x) for x in fh]


@pytest.mark.parametrize("name", sorted(families.FAMILIES))
def test_every_family_is_a_valid_trace_and_the_same_for_a_seed(tmp_path, name):
    a = families.write_family(name, str(tmp_path), seed=4)
    b = families.FAMILIES[name](seed=4, path=str(tmp_path / "b.jsonl"))
    c = families.FAMILIES[name](seed=5, path=str(tmp_path / "c.jsonl"))
    assert open(a).read() == open(b).read() != open(c).read()
    rows = _rows(a)
    t = [r["timestamp"] for r in rows]
    assert t == sorted(t)
    for r in rows:
        assert len(r["hash_ids"]) == -(-r["input_length"] // 512) and r["output_length"] >= 1
    tr = load_trace(a)
    assert len(tr) == len(rows) and tr.block_size == 512


def test_long_prompts_mostly_exceed_the_batch_budget(tmp_path):
    rows = _rows(families.long_prompts(seed=1, path=str(tmp_path / "t.jsonl")))
    isl = np.array([r["input_length"] for r in rows])
    assert isl.min() >= 6000 and isl.max() <= 40000 and np.mean(isl > 8192) > 0.8


def test_multi_turn_sessions_resend_a_growing_prefix(tmp_path):
    rows = _rows(families.multi_turn(sessions=1, turns=6, seed=1, path=str(tmp_path / "one.jsonl")))
    for prev, turn in zip(rows, rows[1:]):
        full = prev["hash_ids"][:prev["input_length"] // 512]
        assert turn["hash_ids"][:len(full)] == full                  # the conversation so far, resent
        assert turn["input_length"] >= prev["input_length"] + prev["output_length"] + 100
        assert turn["timestamp"] > prev["timestamp"] + 2000          # read, then type
    rows = _rows(families.multi_turn(sessions=10, turns=4, seed=1, path=str(tmp_path / "t.jsonl")))
    assert len({tuple(r["hash_ids"][:2]) for r in rows}) == 1         # one system prompt for everyone


def test_kv_pressure_documents_overflow_a_prefix_cache(tmp_path):
    rows = _rows(families.kv_pressure(seed=1, path=str(tmp_path / "t.jsonl")))
    docs = {tuple(r["hash_ids"][:(r["input_length"] // 512)]) for r in rows}
    distinct_blocks = len({h for d in docs for h in d})
    assert distinct_blocks * 512 > 16384 * 64                     # more than Dynamo's mocker holds
    assert min(r["output_length"] for r in rows) >= 200


def test_bursts_arrive_together(tmp_path):
    rows = _rows(families.bursts(seed=1, path=str(tmp_path / "t.jsonl")))
    t = np.array([r["timestamp"] for r in rows])
    gaps = np.diff(t)
    bursts = np.split(t, np.flatnonzero(gaps > 1000) + 1)
    assert all(20 <= len(b) <= 80 for b in bursts[:-1]) and all(b[-1] - b[0] <= 10 for b in bursts)


@pytest.mark.parametrize("call", [lambda p: families.long_prompts(n=0, path=p),
                                  lambda p: families.multi_turn(rate=-1, path=p),
                                  lambda p: families.kv_pressure(documents=True, path=p),
                                  lambda p: families.write_family("nope")])
def test_bad_arguments_name_the_field(tmp_path, call):
    with pytest.raises(ValueError, match="n:|rate:|documents:|family:"):
        call(str(tmp_path / "x.jsonl"))
