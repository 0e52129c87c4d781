"""Our engine against NVIDIA Dynamo's own offline replay (ai-dynamo, installed by the test command)."""
import os

import pytest

from orbits_widget.paper import parity

ok, why = parity.dynamo_status()
if not ok and os.environ.get("ORBITS_REQUIRE_DYNAMO") == "1":
    raise RuntimeError(f"the parity test needs ai-dynamo: {why}")
pytestmark = pytest.mark.skipif(not ok, reason=why)


@pytest.fixture(scope="module")
def table():
    return parity.compare(concurrency=(8, 32, 64, 96, 128, 256), n=5000, templates=5, isl=128, osl=256)


@pytest.mark.parametrize("key", ["median_ttft_ms", "p99_ttft_ms", "median_itl_ms", "p99_itl_ms"])
def test_latencies_within_10_percent(table, key):
    for _, row in table.iterrows():
        assert row[f"ratio_{key}"] == pytest.approx(1.0, abs=0.10), (int(row["concurrency"]), key)


def test_throughput_within_3_percent(table):
    for _, row in table.iterrows():
        assert row["ratio_request_throughput_rps"] == pytest.approx(1.0, abs=0.03), int(row["concurrency"])


def test_no_request_lost_by_either(table):
    assert (table["dynamo_completed"] == 5000).all()
    assert (table["ours_completed"] == 5000).all()


MOONCAKE = os.path.join(os.path.dirname(__file__), "..", "data", "mooncake_synthetic.jsonl")


@pytest.fixture(scope="module")
def real_traces(tmp_path_factory):
    """Mooncake's trace at its timestamps on 2P/2D and 1P/2D, and at 3x its arrival rate on 2P/4D."""
    fast = parity.faster_trace(MOONCAKE, 3.0, tmp_path_factory.mktemp("mooncake") / "mooncake_x3.jsonl")
    return {(p, d, name): parity.compare_trace(path, p, d)
            for path, p, d, name in ((MOONCAKE, 2, 2, "x1"), (MOONCAKE, 1, 2, "x1"), (fast, 2, 4, "x3"))}


@pytest.mark.parametrize("key", ["median_ttft_ms", "p99_ttft_ms", "median_itl_ms", "p99_itl_ms"])
def test_real_trace_latencies_within_10_percent(real_traces, key):
    for where, r in real_traces.items():
        assert r["ours"][key] == pytest.approx(r["dynamo"][key], rel=0.10), (where, key)


def test_real_trace_throughput_within_3_percent_and_nothing_lost(real_traces):
    for where, r in real_traces.items():
        assert r["ours"]["request_throughput_rps"] == pytest.approx(r["dynamo"]["request_throughput_rps"], rel=0.03)
        assert r["ours"]["completed_requests"] == r["dynamo"]["completed_requests"] == 3993, where


def test_a_real_trace_through_both_replays_completes_every_request(capsys):
    """`python -m orbits_widget.parity --trace`: Mooncake's trace, open loop, 2P/2D, both sides with
    the trace's own 512-token hash blocks; every request completes on both, the table prints each figure."""
    assert parity.main(["--trace", MOONCAKE, "--prefill", "2", "--decode", "2"]) == 0
    out = capsys.readouterr().out
    for name, _ in parity.TRACE_FIGURES:
        assert f"| {name} |" in out
    assert "| completed | 3,993.00 | 3,993.00 | +0.0 % |" in out
    assert "x faster" in out
