"""The event loop's same-instant order (kernel/loop.py): real events first, an idle worker's wake
after them, so requests that arrive together are prefilled together, as in Dynamo's replay."""
import json

import numpy as np

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

