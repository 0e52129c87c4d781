"""The binary frame (``_frames.py``): round trip, the layout it was recorded with, and the page's
decoder (``js/protocol/frames.js`` under node) reading what Python encodes."""
import json
import math

import numpy as np
import pytest
from page_tools import JS, js_path, run_node

from orbits_widget.widget import _frames as F
from orbits_widget.widget import _schema as S
from orbits_widget.widget._assembly import FrameAssembler


def test_frame_round_trip():
    rng = np.random.default_rng(1)
    scalars = {name: float(rng.normal()) for name in S.SCALARS}
    scalars["poa_hat"] = math.nan
    prefill = {f: rng.integers(0, 4, 3) for f in S.PREFILL}
    decode = {f: rng.random(5).astype(np.float32) for f in S.DECODE}
    routes = {r: int(rng.integers(0, 100)) for r in S.ROUTES}
    buf = F.encode_frame(12.5, 7, 2, 1, 3, {"adaptive": True, "stable": True}, scalars, prefill, decode, routes,
                         [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    f = F.decode_frame(buf)
    assert (f["version"], f["time"], f["seq"], f["regime"], f["k"], f["hysteresis"]) == (S.VERSION, 12.5, 7, 2, 1, 3)
    assert f["flags"] == {"adaptive": True, "playing": False, "planner": False, "demo": False, "stable": True}
    for name in S.SCALARS:
        if name == "poa_hat":
            assert math.isnan(f["scalars"][name])
        else:
            assert f["scalars"][name] == pytest.approx(scalars[name], rel=1e-6)
    for fld in S.PREFILL:
        np.testing.assert_array_equal(f["prefill"][fld], prefill[fld])
    for fld in S.DECODE:
        np.testing.assert_array_equal(f["decode"][fld], decode[fld])
    assert f["routes"] == routes
    assert list(f["decode_routed"]) == [1, 2, 3, 4, 5] and list(f["decode_done"]) == [5, 4, 3, 2, 1]
    with pytest.raises(ValueError, match="magic"):
        F.decode_frame(b"XXXX" + buf[4:])
    with pytest.raises(ValueError, match="version 1 "):
        F.decode_frame(buf[:4] + (1).to_bytes(2, "little") + buf[6:])      # the layout before the bench's fields
    with pytest.raises(ValueError, match="expected"):
        F.decode_frame(buf[:-4])


def test_the_layout_is_version_2():
    """The header and the section sizes the frames are recorded with (tests/reference): version 2 added the
    hypothesis bench's fields (3 scalars, 3 per decode worker, 1 route) to version 1's."""
    assert F._HEAD.format == "<4sHBBdIBBBB" and F._HEAD.size == 24
    assert (S.MAGIC, S.VERSION) == (b"ORBF", 2)
    assert (len(S.SCALARS), len(S.PREFILL), len(S.DECODE), len(S.ROUTES), len(S.PER_DECODE), len(S.FLAGS)) == \
        (31, 4, 8, 7, 2, 5)


# the default model, and two that fill version 2's fields: the controller's direct path (H1: direct, prefilling,
# request_direct) and the client's connection cap (H5: client_waiting)
@pytest.mark.parametrize("hypothesis", ["H4", "H1+H4", "H4+H5"])
def test_the_js_decoder_reads_what_python_encodes(w, tmp_path, hypothesis):
    w.hypothesis = hypothesis
    w.mode = "saturation"
    w.adaptive = True
    # shuttle counts are what happened since the previous frame: take that frame ourselves at t = 20 s
    # (the widget's own frames are rate-limited by the wall clock, so whether step() sent one varies)
    frames = FrameAssembler(w.runner.profile.max_workers)
    w.step(20.0)
    with w.runner.lock:
        w.runner.encode(assembler=frames)
    w.step(20.0)
    with w.runner.lock:
        frame = w.runner.encode(assembler=frames)
    (tmp_path / "frame.bin").write_bytes(frame)
    (tmp_path / "schema.json").write_text(json.dumps(w._schema))
    js = run_node(
        f"import {{ makeDecoder }} from {js_path(JS / 'protocol' / 'frames.js')};\n"
        "import { readFileSync } from 'node:fs';\n"
        f"const schema = JSON.parse(readFileSync({json.dumps(str(tmp_path / 'schema.json'))}, 'utf8'));\n"
        f"const bytes = new Uint8Array(readFileSync({json.dumps(str(tmp_path / 'frame.bin'))}));\n"
        "const decode = makeDecoder(schema.frame), f = decode(bytes);\n"
        "const arr = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.from(v)]));\n"
        "const nan = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number.isNaN(v) ? 'NaN' : v]));\n"
        "const refuse = (b) => { try { decode(b); return null; } catch (e) { return e.message; } };\n"
        "const bad = Uint8Array.from(bytes); bad[4] = 1;\n"          # a version 1 frame (before the bench's fields)
        "console.log(JSON.stringify({...f, scalars: nan(f.scalars), prefill: arr(f.prefill), decode: arr(f.decode),\n"
        "  errors: [refuse(bytes.slice(0, -4)), refuse(bad), refuse(new Uint8Array(8))]}));\n", tmp_path)
    py = F.decode_frame(frame)
    for key in ("version", "time", "seq", "regime", "k", "hysteresis", "flags", "routes"):
        assert js[key] == py[key], key
    for name, v in py["scalars"].items():
        assert js["scalars"][name] == ("NaN" if math.isnan(v) else pytest.approx(v, rel=1e-6)), name
    for pool in ("prefill", "decode"):
        for fld, v in py[pool].items():
            assert js[pool][fld] == pytest.approx(list(v)), (pool, fld)
    for name in S.PER_DECODE:
        assert js[name] == list(py[name]), name
    assert (js["n_prefill"], js["n_decode"]) == (len(py["prefill"]["state"]), len(py["decode"]["state"]))
    assert py["time"] == w.simulation.time and py["scalars"]["concurrency"] == 256
    assert [e.split(":")[0] for e in js["errors"]] == ["frame"] * 3 and "version 1 is not supported" in js["errors"][1]
    if hypothesis == "H1+H4":          # the page reads the bench's fields where Python puts them
        assert sum(js["decode"]["direct"]) > 0
        assert js["routes"]["request_direct"] > 0
    if hypothesis == "H4+H5":
        assert js["scalars"]["client_waiting"] > 0
