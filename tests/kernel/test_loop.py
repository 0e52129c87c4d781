"""The event loop's same-instant order (kernel/loop.py): real events first, an idle worker's wake
after them, so requests that arrive together are prefilled together, as in Dynamo's replay."""
import json

import numpy as np
import pytest

import orbits_widget as ow


def _trace(tmp_path, stamps_ms):
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(dict(timestamp=t, input_length=128, output_length=4, hash_ids=[i, i + 1000]))
                            + "\n" for i, t in enumerate(stamps_ms)))
    return path


def test_requests_arriving_at_one_instant_share_a_prefill_pass(tmp_path):
    # no frontend delay (the mocker profile), so only the tie order decides the batching
    sim = ow.Simulation("dynamo-mocker-1p2d", trace=_trace(tmp_path, [0, 0, 0, 500]), concurrency=None)
    sim.run(seconds=None)
    r = sim.requests()
    order = np.argsort(r["serial"])
    start, end = r["prefill_start"][order], r["prefill_end"][order]
    assert start[0] == start[1] == start[2] == 0.0
    assert end[0] == end[1] == end[2]
    assert start[3] == 0.5 and end[3] > end[0]



@pytest.mark.parametrize("think", [2.0, 20.0])
def test_think_time_obeys_the_closed_loop_response_time_law(think):
    """C clients each cycle through a response (mean R) and a think (Z): throughput X = C / (R + Z),
    the interactive response-time law, whatever the queueing inside."""
    sim = ow.Simulation(concurrency=8, think_time_s=think)
    r = sim.run(1200.0, 120.0)
    expected = 8 / (r["e2e_mean_ms"] / 1e3 + think)
    assert r["throughput_rps"] == pytest.approx(expected, rel=0.03)
    assert sim.counters()["in_flight"] + sim.thinking == 8


def test_clients_leave_when_the_concurrency_drops_and_join_when_it_rises():
    sim = ow.Simulation(concurrency=8, think_time_s=5.0)
    sim.step(30.0)
    sim.concurrency = 200                     # more clients than the ring of thinkers was sized for
    sim.step(30.0)
    assert sim.counters()["in_flight"] + sim.thinking == 200
    sim.concurrency = 3
    sim.step(60.0)
    assert sim.counters()["in_flight"] + sim.thinking == 3
