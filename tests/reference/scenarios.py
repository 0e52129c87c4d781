"""Seeded scenarios whose results must not change under a refactor.

``python tests/reference/scenarios.py`` records them in ``reference.json`` beside this file;
``tests/test_reference.py`` recomputes them and asserts they are identical to the last float bit.
Recorded from the pre-refactor code (the flat 25-module layout) before anything moved; re-recorded
once for a deliberate model change, issue 11's prefill-side knee (Dynamo's replay parity rows came
out bit-identical, as the mocker profile does not use the new mechanism); and once for issue 20's
hypothesis bench, whose choice of default makes the Saturation Detector read the frontend's Prometheus
histogram (adaptive runs change; every static run, the parity rows included, came out bit-identical) and
which adds counters (waiting_for_connection, sent_direct).
"""
from __future__ import annotations

import hashlib
import json
import pathlib
import sys
import tempfile

import numpy as np

import orbits_widget as ow

HERE = pathlib.Path(__file__).parent
REFERENCE = HERE / "reference.json"
LOADS = (8, 16, 32, 64, 96, 128, 192, 256)
PARITY_LOADS = (8, 32, 64, 96, 128, 256)


def _clean(d):
    """A JSON-safe copy (numpy scalars to Python; NaN stays NaN, which json writes as NaN)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(np.asarray(arrays[k]))
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def sweep_340b():
    """The issue's sweep: 340B profile, 8 loads x 2 policies x 3 seeds, default 120 s after 30 s."""
    df = ow.sweep(concurrency=list(LOADS), policy=["static", "adaptive"], seeds=[0, 1, 2], progress=False)
    return [_clean(r) for r in df.to_dict("records")]


def parity_ours():
    """Our side of the parity table (5,000-request synthetic trace, dynamo-mocker-1p2d)."""
    from orbits_widget.paper import parity
    with tempfile.TemporaryDirectory() as d:
        path = parity.make_traces(directory=d)
        rows = []
        for c in PARITY_LOADS:
            r = parity.run_ours(path, c)
            r.pop("wall_s")
            rows.append(dict(concurrency=c, **r))
    return rows


def other_profiles():
    """Every other profile at a load below and past the knee, both policies, with the Planner once."""
    rows = []
    for name in ow.profiles.names()[1:]:
        for c in (64, 256):
            for pol in ("static", "adaptive"):
                rows.append(_clean(ow.Simulation(name, concurrency=c, policy=pol, seed=3).run(40, 10).summary()))
    sim = ow.Simulation(concurrency=256, policy="adaptive", planner=True, seed=1)
    rows.append(_clean(sim.run(200, 20).summary()))
    return rows


def mechanisms():
    """Open loop, pool changes with an outage, KVBM spill-over, a trace replay, twins, decompose:
    summaries plus digests of the per-request records, the event ring and the mission log."""
    out = {}
    s = ow.Simulation(concurrency=None, rate=20.0, seed=4)
    s.step(20)
    s.set_workers(n_decode=0)
    s.step(5)
    s.set_workers(n_decode=3, n_prefill=2, startup_delay=2.0)
    s.step(30)
    s.set_workers(n_decode=1)
    s.step(20)
    out["open_loop_pools"] = dict(summary=_clean(s.summary()), counters=s.counters(),
                                  requests=_digest(s.requests()), events=repr(s.events()[-50:]),
                                  log=s.log(), kvbm=_digest(s.kvbm()))
    k = ow.Simulation(concurrency=64, templates=400, prompt_tokens=1024, kv_capacity_tokens=200_000,
                      kvbm_dram_gb=2.0, kvbm_ssd_gb=8.0, seed=5)
    out["kvbm_spill"] = dict(summary=_clean(k.run(60, 10).summary()), kvbm=_digest(k.kvbm()),
                             requests=_digest(k.requests()))
    with tempfile.TemporaryDirectory() as d:
        path = ow.synthetic_trace(800, templates=7, isl=512, osl=64, rate=30.0, seed=6, path=f"{d}/t.jsonl")
        t = ow.Simulation(trace=path, concurrency=None, seed=6)
        out["trace_open_loop"] = dict(summary=_clean(t.run(seconds=None).summary()), requests=_digest(t.requests()))
    tw = ow.Twins(concurrency=160, seed=7, planner=True)
    out["twins_planner"] = dict(summary={k: (_clean(v) if isinstance(v, dict) else v)
                                         for k, v in tw.run(90, 20).items()},
                                live_static=_digest({k: v for k, v in tw.live()["static"].items()}),
                                log_static=tw.static.log(), log_adaptive=tw.adaptive.log(),
                                detector=tw.adaptive.detector)
    out["decompose"] = ow.decompose(concurrency=256, seconds=60, warmup=10)
    return out


def frames():
    """A widget's frame sequence at saturation, adaptive, with the Planner: 60 frames, 0.5 s apart
    (the frame counter in bytes 16-19 and the 'playing' flag are zeroed: they depend on wall time)."""
    from orbits_widget.widget import OrbitsWidget
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation", adaptive=True, planner=True, seed=2)
    runner = w.runner
    runner.stop()               # the widget's thread: from here on only this loop advances and encodes
    out = []
    with runner.lock:
        runner.encode()         # the t = 0 frame the thread sends first (once or twice: the same state after)
        for _ in range(60):
            runner.advance(0.5)
            out.append(_frame_hex(runner.encode()))
    log = [list(e) for e in w.log()]
    w.close()
    return dict(frames=out, log=log)


def _frame_hex(b: bytes) -> str:
    b = bytearray(b)
    b[16:20] = b"\0\0\0\0"
    b[23] &= ~(1 << 1)       # 'playing' is bit 1 of the flags
    return bytes(b).hex()


SCENARIOS = dict(sweep_340b=sweep_340b, parity_ours=parity_ours, other_profiles=other_profiles,
                 mechanisms=mechanisms, frames=frames)


def compute(names=None) -> dict:
    """The scenarios as JSON would store them (tuples become lists)."""
    res = {n: f() for n, f in SCENARIOS.items() if names is None or n in names}
    return json.loads(json.dumps(res, default=_default))


def _default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON: {type(o)}")


if __name__ == "__main__":
    data = compute(sys.argv[1:] or None)
    if sys.argv[1:]:
        old = json.loads(REFERENCE.read_text())
        old.update(data)
        data = old
    REFERENCE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {REFERENCE}: {', '.join(data)}")
