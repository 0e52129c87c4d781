"""A recording played by the page (``js/view/playback.js``, ``js/protocol/recording.js``, ``js/view/chart.js``)
and by the standalone loader (``static/standalone.js``), in node on the fake DOM (``fake_dom.mjs``), with a real
recording: a load step from C = 64 to C = 256 made from a real widget's frames. Without a kernel the frames play
through the live path at 30 a second, on a loop, the mission log grows as their time passes, the chart's point
follows them and every control that needs a kernel is disabled and says so; in a live notebook "Replay recording"
plays it and returns to the newest live frame; the loader finds its recording in a saved-HTML page and in an
nbconvert export, and does nothing in a live notebook. The display's clock is the test's (``animate(now)``)."""
import base64
import json
import re
from pathlib import Path

import pytest
from ipywidgets import Widget
from ipywidgets.embed import embed_data
from page_tools import BUNDLE, JS, js_path, run_node

from orbits_widget import OrbitsWidget
from orbits_widget.widget import _recording
from orbits_widget.widget._assembly import FrameAssembler
from orbits_widget.widget._frames import decode_frame

HERE = Path(__file__).parent
LOADER = BUNDLE.parent / "standalone.js"
SPEED, HALF = 4.0, 60                 # 60 frames at C = 64, then 60 at C = 256: 4 s of playback
LIVE_TRAITS = ("mode", "load", "n_prefill", "n_decode", "adaptive", "planner", "playing", "speed", "demo", "c_max",
               "max_workers", "tau", "omega", "hypothesis", "_schema", "_mission_log", "_workload")
KERNEL_CONTROLS = ["tab-idle", "tab-normal", "tab-busy", "tab-saturation", "load", "switch-static", "switch-adaptive",
                   "planner", "demo", "play", "speed", "prefill-minus", "prefill-plus", "decode-minus", "decode-plus",
                   "hypothesis"]




def own_state(w):
    """The saved state of ``w`` and its layout only: other tests' widgets, closed, have no comm left."""
    return Widget.get_manager_state(drop_defaults=False, widgets=[w, w.layout])["state"]

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The recording (its bytes, decoded meta and frames), live frames and traits of the widget that made it, and the
    files the node scripts read."""
    d = tmp_path_factory.mktemp("playback")
    w = OrbitsWidget(autoplay=False, chart=False, mode="normal", adaptive=True)
    try:
        w.record(1.0, speed=SPEED)              # the schema, the chart's curves and the traits, as record() keeps them
        meta = _recording.decode(w._recording)["meta"]
        w.reset()                               # from t = 0: the first frames have no TTFT yet (NaN)
        r, assembler, frames = w.runner, FrameAssembler(w.runner.profile.max_workers), []
        for i in range(2 * HALF):
            if i == HALF:
                w.mode = "saturation"           # the load step, with its mission-log line
            with r.lock:
                if i:
                    r.advance(SPEED / _recording.FPS)
                frames.append(r.encode(assembler=assembler, seq=i, playing=True))
        times = [decode_frame(f)["time"] for f in frames]
        meta = dict(meta, log=[[round(t, 3), k, s] for t, k, s in r.log], t0=times[0], t1=times[-1],
                    frames=len(frames))
        rec = _recording.encode(frames, meta, _recording.FPS, SPEED)
        with r.lock:
            live = [r.encode(seq=1000), r.encode(seq=1001), r.encode(seq=1002)]
        state = {name: getattr(w, name) for name in LIVE_TRAITS}
        w._recording = rec
        # as a notebook saves it
        saved = embed_data(views=[w], drop_defaults=False, state=own_state(w))["manager_state"]
        w._recording = b""
        empty = embed_data(views=[w], drop_defaults=False, state=own_state(w))["manager_state"]["state"][w.model_id]
        model_id = w.model_id
    finally:
        w.close()
    (d / "rec.bin").write_bytes(rec)
    (d / "rec0.bin").write_bytes(frames[0])
    for i, f in enumerate(live):
        (d / f"live{i}.bin").write_bytes(f)
    (d / "meta.json").write_text(json.dumps(meta))
    (d / "state.json").write_text(json.dumps(state))
    switch = next(t for t, k, s in meta["log"] if k == "mode" and "SATURATION" in s)
    return {"dir": d, "rec": rec, "meta": meta, "times": times, "saved": saved, "empty": empty, "model_id": model_id,
            "switch": switch}


PREAMBLE = """
import { readFileSync } from "node:fs";
import { installFakeDom, animate, runTimers, live, FakeModel, element } from %(fake)s;
const el = installFakeDom();
const read = (name) => readFileSync(%(dir)s + "/" + name);
const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const meta = JSON.parse(read("meta.json"));
const rootOf = (e) => e.findAll((x) => x.className === "ow-root")[0];
let now = 1000;
const FRAME = 1000 / 30;
const tick = (n = 1) => { for (let i = 0; i < n; i++) { animate(now); now += FRAME; } };
// what the page shows now
const snap = (root) => {
  const on = root.findAll((e) => e.dataset.mode && e.classList.contains("ow-on")).map((e) => e.dataset.mode);
  const pt = root.find("chart-point");
  return { source: root.dataset.source, seq: Number(root.dataset.seq), text: root.innerText,
    log: root.find("log").children.map((li) => li.textContent), load: root.find("load-label").textContent,
    tab: on.join(), adaptive: root.find("switch-adaptive").classList.contains("ow-on"),
    point: [pt.attributes.cx, pt.attributes.cy, pt.attributes.visibility], chartHidden: pt.parent.parent.hidden,
    readout: root.find("chart-readout").textContent, status: root.find("replay-status").textContent,
    recCard: !root.findAll((e) => e.dataset.panel === "recording")[0].hidden,
    replay: !root.find("replay").hidden, back: !root.find("back-to-live").hidden,
    controls: %(controls)s.map((role) => { const c = root.find(role); return [role, c.disabled, c.title || ""]; }) };
};
// every kernel control, used: clicked, slid, chosen, with the debounced writes let through
const useAll = (root) => {
  for (const role of %(controls)s) {
    const c = root.find(role);
    c.value = role === "hypothesis" ? "H1+H4" : "90"; c.dispatch("click"); c.dispatch("input"); c.dispatch("change");
  }
  runTimers();
};
const counts = () => ({ listeners: live.listeners, frames: live.frames.size, observers: live.observers,
  timers: live.timers.size });
"""

STANDALONE = PREAMBLE + """
const { default: widget } = await import(%(entry)s);
const model = new FakeModel({ demo: false, ...meta.traits, _schema: meta.schema, _frame: view(read("rec0.bin")),
  _mission_log: [], _recording: view(read("rec.bin")), _standalone: true });
const cleanup = widget.render({ model, el });
const root = rootOf(el);
const seqs = [];
const shots = [];
for (let i = 0; i < 2 * %(half)d + 80; i++) {
  tick();
  seqs.push(Number(root.dataset.seq));
  if (i === 0 || i %% 10 === 5) shots.push(snap(root));
}
useAll(root);
const after = snap(root);
const before = { ...counts(), handlers: model.handlerCount() };
cleanup();
console.log(JSON.stringify({ seqs, shots, after, saved: model.saved.length, state: model.state.mode,
  before, cleaned: { ...counts(), handlers: model.handlerCount(), children: el.children.length },
  warnings: live.warnings }));
"""


def node(run, tmp_path, script, **kw):
    return run_node(script % {"fake": js_path(HERE / "fake_dom.mjs"), "entry": js_path(JS / "widget.js"),
                              "dir": json.dumps(str(run["dir"])), "controls": json.dumps(KERNEL_CONTROLS),
                              "half": HALF, **kw}, tmp_path)


def no_bad_numbers(text):
    assert "NaN" not in text and "Infinity" not in text and "undefined" not in text, text


def test_without_a_kernel_the_recording_plays_on_a_loop_through_the_live_path(run, tmp_path):
    out = node(run, tmp_path, STANDALONE)
    assert out["warnings"] == []
    seqs, shots, times = out["seqs"], out["shots"], run["times"]
    n = 2 * HALF
    # one recorded frame per display frame of 1/30 s, in order, then from the start again after a short hold
    assert seqs[:n] == list(range(n))
    assert seqs[n:n + 40] == [n - 1] * 40 or seqs[n] == n - 1
    looped = seqs.index(0, n)
    assert n < looped <= n + 50 and seqs[looped:looped + 10] == list(range(10))
    assert all(s["source"] == "recording" for s in shots)
    # the mission log: a line shows once the frames' simulated time reaches its time, and the loop starts it over
    for s in shots:
        has = any("mode SATURATION" in line for line in s["log"])
        assert has == (times[s["seq"]] >= run["switch"]), (s["seq"], s["log"])
        assert any("decode pool starts" in line for line in s["log"])
    # the controls show the frames' state: the load step moves the load label, the mode tab and the chart's point
    low = [s for s in shots if s["seq"] < HALF - 5 and s["seq"] > 20]
    high = [s for s in shots if HALF + 20 < s["seq"] < n]
    assert low and high
    assert all(s["load"] == "25% load" and s["tab"] == "normal" for s in low)
    assert all(s["load"] == "100% load" and s["tab"] == "saturation" for s in high)
    assert all(s["adaptive"] for s in shots)
    assert all(not s["chartHidden"] and s["point"][2] == "visible" for s in low + high)
    assert float(high[-1]["point"][0]) > float(low[-1]["point"][0]) + 200        # C = 256 right of C = 64
    assert low[-1]["readout"].startswith("C = 64 · TTFT p99") and high[-1]["readout"].startswith("C = 256")
    assert len({s["point"][1] for s in high}) > 1                                  # p99 moves within a load
    assert all(re.match(r"\d+\.\d s of \d+\.\d s simulated · ×4 sim s / s · on a loop", s["status"]) for s in shots)
    assert shots[0]["seq"] == 0 and "TTFT p99 —" in shots[0]["readout"]          # no p99 yet: a dash
    for s in shots:
        no_bad_numbers(s["text"])
    # every control that needs a kernel: disabled, saying so; used anyway, it writes nothing
    after = out["after"]
    assert all(disabled and "running kernel" in title for _, disabled, title in after["controls"]), after["controls"]
    assert out["saved"] == 0 and out["state"] == "normal"
    assert after["recCard"] and not after["replay"] and not after["back"]
    assert "RECORDED" in after["text"] and "No kernel here" in after["text"]
    # render's cleanup: nothing left
    assert out["before"]["listeners"] > 0 and out["before"]["frames"] == 1
    assert out["cleaned"] == {"listeners": 0, "frames": 0, "observers": 0, "timers": 0, "handlers": 0, "children": 0}


LIVE = PREAMBLE + """
const { default: widget } = await import(%(entry)s);
const model = new FakeModel({ ...JSON.parse(read("state.json")), _frame: view(read("live0.bin")),
  _recording: view(read("rec.bin")) });
const cleanup = widget.render({ model, el });
const root = rootOf(el);
tick(3);
const start = snap(root);
root.find("replay").dispatch("click");
tick(10);
const replaying = snap(root);
useAll(root);
model.change("_frame", view(read("live1.bin")));              // live frames go on arriving meanwhile
const arrived = snap(root);
tick(20);
const during = snap(root);
let steps = 0;
while (root.dataset.source === "recording" && steps < 400) { tick(); steps++; }
const back = snap(root);
model.change("_frame", view(read("live2.bin")));
tick(2);
const resumed = snap(root);
// again, stopped early with "Back to live"
root.find("replay").dispatch("click");
tick(5);
const again = snap(root);
root.find("back-to-live").dispatch("click");
tick(2);
const early = snap(root);
// a new recording stops the replay; none at all hides the control
root.find("replay").dispatch("click");
tick(5);
model.change("_recording", view(read("rec.bin")));
const renewed = snap(root);
model.change("_recording", new DataView(new ArrayBuffer(0)));
const none = snap(root);
model.change("_recording", view(read("rec.bin")));
root.find("replay").dispatch("click");
tick(5);
const before = { ...counts(), handlers: model.handlerCount(), source: root.dataset.source };
cleanup();                                                    // in the middle of a replay
console.log(JSON.stringify({ start, replaying, arrived, during, back, resumed, again, early, renewed, none, steps,
  saved: model.saved.length, before, cleaned: { ...counts(), handlers: model.handlerCount(),
  children: el.children.length }, warnings: live.warnings }));
"""


def test_in_a_live_notebook_the_recording_replays_on_demand_then_live_play_resumes(run, tmp_path):
    out = node(run, tmp_path, LIVE)
    assert out["warnings"] == []
    start, replaying, during, back = out["start"], out["replaying"], out["during"], out["back"]
    # live: frames from _frame, the replay control offered, the controls enabled, no recorded chart
    assert (start["source"], start["seq"]) == ("live", 1000)
    assert start["recCard"] and start["replay"] and not start["back"] and start["chartHidden"]
    assert not any(disabled for _, disabled, _ in start["controls"])
    # the replay: recorded frames from 0, live frames ignored, the controls disabled (no write reaches Python)
    assert replaying["source"] == "recording" and 5 <= replaying["seq"] <= 10
    assert (out["arrived"]["source"], out["arrived"]["seq"]) == ("recording", replaying["seq"])
    assert during["source"] == "recording" and during["seq"] == replaying["seq"] + 20
    assert replaying["back"] and not replaying["replay"] and not replaying["chartHidden"]
    assert all(disabled and "Back to live" in title for _, disabled, title in replaying["controls"])
    assert out["saved"] == 0
    assert any("decode pool starts" in line for line in replaying["log"])
    # at its end the newest live frame is back, then the frames that follow; the live log and controls too
    assert 2 * HALF - 35 <= out["steps"] <= 2 * HALF - 25
    assert (back["source"], back["seq"]) == ("live", 1001) and back["chartHidden"]
    assert (out["resumed"]["source"], out["resumed"]["seq"]) == ("live", 1002)
    assert back["replay"] and not back["back"] and back["status"] == ""
    assert not any(disabled for _, disabled, _ in back["controls"])
    assert all("Back to live" not in title for _, _, title in back["controls"])
    # "Back to live" ends it at once
    assert out["again"]["source"] == "recording" and (out["early"]["source"], out["early"]["seq"]) == ("live", 1002)
    # a new recording ends the one playing; an empty one hides the control
    assert out["renewed"]["source"] == "live" and out["renewed"]["recCard"]
    assert not out["none"]["recCard"]
    for s in (start, replaying, during, back):
        no_bad_numbers(s["text"])
    assert out["before"]["source"] == "recording"
    assert out["cleaned"] == {"listeners": 0, "frames": 0, "observers": 0, "timers": 0, "handlers": 0, "children": 0}


# the loader, as the built classic script: node evaluates it as a browser would a <script>. The page's module is
# imported from the blob: URL it makes; node imports the same text from a data: URL instead.
LOADER_PREAMBLE = PREAMBLE + """
const blobs = [];
let revoked = 0;
globalThis.Blob = class {
  constructor(parts, opts) { this.text = parts.join(""); this.type = opts.type; blobs.push(this); }
};
URL.createObjectURL = (b) => `data:text/javascript;base64,${Buffer.from(b.text).toString("base64")}`;
URL.revokeObjectURL = () => { revoked++; };
const loader = readFileSync(%(loader)s, "utf8");
const runLoader = () => (0, eval)(loader);
const ready = () => { for (const fn of document.handlers.DOMContentLoaded || []) fn(); };
const settle = async (done) => { for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setImmediate(r)); };
const body = document.body;
const page = JSON.parse(read("page.json"));
"""

SAVED_PAGE = LOADER_PREAMBLE + """
const player = element("div", { id: "orbits-player" });
body.append(player, element("script", { type: "text/plain", id: "orbits-bundle" }, page.bundle),
  element("script", { type: "application/octet-stream", id: "orbits-recording" }, page.recording));
document.readyState = "loading";
runLoader();
const early = player.children.length;
document.readyState = "interactive";
ready();
await settle(() => rootOf(player));
const root = rootOf(player);
tick(40);
const shot = snap(root);
console.log(JSON.stringify({ early, shot, blobs: blobs.map((b) => [b.type, b.text.includes(page.marker),
  b.text.includes("<\\\\/script")]), revoked, roots: player.findAll((e) => e.className === "ow-root").length,
  warnings: live.warnings }));
"""


def test_the_loader_plays_a_saved_html_page(run, tmp_path):
    marker = "// a </script> in the module's text"
    bundle = BUNDLE.read_text() + "\n" + marker + "\n"
    html = _recording.standalone_html(run["rec"], bundle, LOADER.read_text(), title="t")
    page = {"bundle": re.search(r'id="orbits-bundle">(.*?)</script>', html, re.S).group(1),
            "recording": re.search(r'id="orbits-recording">([^<]*)</script>', html).group(1),
            "marker": marker}
    assert marker not in page["bundle"]                  # Python escaped it; the loader must undo that
    (run["dir"] / "page.json").write_text(json.dumps(page))
    out = node(run, tmp_path, SAVED_PAGE, loader=json.dumps(str(LOADER)))
    assert out["warnings"] == []
    assert out["early"] == 0                              # it waits for the whole page
    assert out["blobs"] == [["text/javascript", True, False]] and out["revoked"] == 1
    shot = out["shot"]
    assert out["roots"] == 1 and shot["source"] == "recording" and shot["seq"] == 39
    assert all(disabled and "running kernel" in title for _, disabled, title in shot["controls"])
    assert shot["log"] and not shot["chartHidden"]
    no_bad_numbers(shot["text"])


EXPORT_PAGE = LOADER_PREAMBLE + """
const offline = (id) => element("div", { class: "orbits-offline", "data-model-id": id });
const divs = [offline(page.ours), offline(page.ours), offline(page.empty), offline("no-such-model")];
// each displayed widget brings its own copy of the loader, and the saved state comes last
document.readyState = "loading";
for (const d of divs) { body.append(d); runLoader(); }
body.append(element("script", { type: "application/vnd.jupyter.widget-state+json" }, page.state));
ready();
await settle(() => rootOf(divs[0]) && rootOf(divs[1]));
tick(20);
const roots = divs.map((d) => d.findAll((e) => e.className === "ow-root").length);
const shots = divs.slice(0, 2).map((d) => snap(rootOf(d)));
// a live notebook: the same output, no saved state: nothing happens
body.replaceChildren(offline(page.ours));
document.readyState = "complete";
runLoader();
await settle(() => false);
console.log(JSON.stringify({ roots, shots, blobs: blobs.length, live: body.children[0].children.length,
  warnings: live.warnings }));
"""


def test_the_loader_plays_the_recording_of_an_nbconvert_export_and_nothing_in_a_live_notebook(run, tmp_path):
    saved = run["saved"]
    ours = run["model_id"]
    assert any(b["path"] == ["_recording"] for b in saved["state"][ours]["buffers"])
    assert isinstance(saved["state"][ours]["state"]["_esm"], str)
    # a second widget whose recording is empty, under another id
    state = dict(saved, state=dict(saved["state"], other=run["empty"]))
    assert any(b["path"] == ["_recording"] and not base64.b64decode(b["data"]) for b in run["empty"]["buffers"])
    # nbconvert writes the state with every "/" escaped ("\/", the same string to JSON)
    page = {"state": json.dumps(state).replace("/", "\\/"), "ours": ours, "empty": "other"}
    (run["dir"] / "page.json").write_text(json.dumps(page))
    out = node(run, tmp_path, EXPORT_PAGE, loader=json.dumps(str(LOADER)))
    assert out["warnings"] == []
    assert out["roots"] == [1, 1, 0, 0]                    # each display once; no recording, no player
    assert out["blobs"] == 1                               # one import of the module for both
    for shot in out["shots"]:
        assert shot["source"] == "recording" and shot["seq"] == 19 and shot["log"]
        assert all(disabled and "running kernel" in title for _, disabled, title in shot["controls"])
    assert out["live"] == 0


DECODER = """
import { readFileSync } from "node:fs";
import { readRecording, hasRecording } from %(module)s;
const b = readFileSync(%(path)s);
const whole = new DataView(b.buffer, b.byteOffset, b.byteLength);
const rec = readRecording(whole);
const refused = (bytes) => { try { readRecording(bytes); return null; } catch (err) { return err.message; } };
const copy = () => new Uint8Array(b);
const magic = copy(); magic[0] = 88;
const version = copy(); version[4] = 9;
console.log(JSON.stringify({ n: rec.n, fps: rec.fps, speed: rec.speed, frames: rec.meta.frames, t1: rec.meta.t1,
  sizes: Array.from({ length: rec.n }, (_, i) => rec.frame(i).byteLength),
  first: Array.from(new Uint8Array(rec.frame(1).buffer, rec.frame(1).byteOffset, 4)),
  has: [hasRecording(whole), hasRecording(new DataView(new ArrayBuffer(0))), hasRecording(null)],
  refused: [refused(magic), refused(version), refused(copy().slice(0, -1)), refused(copy().slice(0, 10)),
    refused(null)] }));
"""


def test_the_decoder_reads_what_python_encodes_and_refuses_the_rest(run, tmp_path):
    out = run_node(DECODER % {"module": js_path(JS / "protocol" / "recording.js"),
                              "path": json.dumps(str(run["dir"] / "rec.bin"))}, tmp_path)
    rec = _recording.decode(run["rec"])
    assert (out["n"], out["fps"], out["speed"], out["frames"]) == (len(rec["frames"]), 30.0, SPEED, len(rec["frames"]))
    assert out["t1"] == run["meta"]["t1"] and out["sizes"] == [len(f) for f in rec["frames"]]
    assert bytes(out["first"]) == b"ORBF"
    assert out["has"] == [True, False, False]
    magic, version, short, header, nothing = out["refused"]
    assert magic.startswith("recording: bad magic") and version == "recording: version 9 is not supported"
    assert "expected" in short and "shorter than the header" in header and nothing == "recording: expected binary data"


BROKEN = PREAMBLE + """
const { default: widget } = await import(%(entry)s);
const bad = new Uint8Array(read("rec.bin")); bad[0] = 88;                  // not a recording
const standalone = new FakeModel({ demo: false, ...meta.traits, _schema: meta.schema, _frame: view(read("rec0.bin")),
  _mission_log: [], _recording: new DataView(bad.buffer), _standalone: true });
const c1 = widget.render({ model: standalone, el });
const root = rootOf(el);
tick(5);
const alone = snap(root);
c1();
const cut = read("rec.bin").subarray(0, 5000);                             // cut short
const liveModel = new FakeModel({ ...JSON.parse(read("state.json")), _frame: view(read("live0.bin")),
  _recording: view(cut) });
const c2 = widget.render({ model: liveModel, el });
const root2 = rootOf(el);
root2.find("replay").dispatch("click");
tick(5);
const replay = snap(root2);
c2();
console.log(JSON.stringify({ alone, replay, warnings: live.warnings, listeners: live.listeners }));
"""


def test_a_broken_recording_is_reported_once_and_the_page_goes_on(run, tmp_path):
    out = node(run, tmp_path, BROKEN)
    alone, replay = out["alone"], out["replay"]
    # no kernel and no readable recording: its first frame stays, the controls still say why they are disabled
    assert alone["source"] == "live" and alone["seq"] == 0
    assert all(disabled and "running kernel" in title for _, disabled, title in alone["controls"])
    # a live notebook: the replay does not start, live frames go on
    assert (replay["source"], replay["seq"]) == ("live", 1000) and replay["chartHidden"]
    assert not any(disabled for _, disabled, _ in replay["controls"])
    assert len(out["warnings"]) == 2 and all("reading the recording failed" in w for w in out["warnings"])
    assert out["listeners"] == 0


# ------------------------------------------------------------ a recording of each model of the hypothesis bench ----
@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A recording of every row of the hypothesis bench (``record()``'s own), at saturation with the adaptive twin on
    the stage, 40 simulated seconds in (the controller has acted): 2 s, 61 frames at speed 1; and the schema of each."""
    from concurrent.futures import ThreadPoolExecutor

    from orbits_widget.hypotheses import HYPOTHESES

    d = tmp_path_factory.mktemp("models")

    def record(name):
        w = OrbitsWidget(autoplay=False, chart=False, mode="saturation", adaptive=True, hypothesis=name)
        try:
            w.step(40.0)
            w.record(2.0, speed=1.0)
            (d / f"{name}.bin").write_bytes(w._recording)
            return name, w._schema
        finally:
            w.close()

    with ThreadPoolExecutor(2) as pool:            # the kernel releases the GIL: two recordings at a time
        schemas = dict(pool.map(record, HYPOTHESES))
    return d, schemas


MODEL = PREAMBLE + """
const { default: widget } = await import(%(entry)s);
const out = {};
for (const name of %(names)s) {
  const bytes = view(readFileSync(`${%(models)s}/${name}.bin`));
  const { readRecording } = await import(%(recording)s);
  const rec = readRecording(bytes);
  const model = new FakeModel({ demo: false, ...rec.meta.traits, _schema: rec.meta.schema, _frame: rec.frame(0),
    _mission_log: [], _recording: bytes, _standalone: true });
  const host = element("div");
  const cleanup = widget.render({ model, el: host });
  const root = rootOf(host);
  const seqs = [];
  for (let i = 0; i < 120; i++) { tick(); seqs.push(Number(root.dataset.seq)); }
  const sel = root.find("hypothesis"), select = [sel.value, !!sel.disabled, sel.title];
  useAll(root);                               // a disabled control writes nothing, even when a script uses it
  out[name] = { ...snap(root), seqs, select,
    badge: root.find("model-badge").innerText.trim().split(/\\s+/).join(" "),
    legs: root.findAll((e) => e.dataset.leg).map((e) => e.dataset.leg),
    chartTitle: root.findAll((e) => e.dataset.panel === "chart")[0].findAll((e) => e.tagName === "H4")[0].textContent,
    labels: ["frontend-waiting", "detector-p99", "decode-mech", "router-mech"].map((r) => !root.find(r).hidden),
    traits: rec.meta.traits.hypothesis, saved: model.saved.length };
  cleanup();
}
console.log(JSON.stringify({ out, warnings: live.warnings, listeners: live.listeners }));
"""


def test_a_recording_of_each_model_plays_without_a_kernel_and_shows_its_model(run, models, tmp_path):
    """Every row of the bench: its recording (frame version 2, its schema and traits) plays on a loop without a kernel,
    the selector shows the recorded model, disabled with the kernel's tooltip, the badge and the recorded chart name it,
    and the stage shows the lines and the manifest row of its mechanisms, with no NaN anywhere."""
    d, schemas = models
    names = list(schemas)
    out = node(run, tmp_path, MODEL, names=json.dumps(names), models=json.dumps(str(d)),
               recording=js_path(JS / "protocol" / "recording.js"))
    assert out["warnings"] == [] and out["listeners"] == 0
    for name in names:
        o, schema = out["out"][name], schemas[name]
        mech = schema["mechanisms"]
        assert o["traits"] == name and o["source"] == "recording"
        assert o["seqs"][:61] == list(range(61)) and 0 in o["seqs"][61:]          # all 61 frames, then again
        value, disabled, title = o["select"]
        assert value == name and disabled and "running kernel" in title
        label = next(c["label"] for c in schema["hypotheses"] if c["name"] == name)
        assert o["badge"] == f"MODEL {name} {label}"
        assert o["chartTitle"] == f"TTFT p99 vs. concurrency · recorded · model {name}"
        assert ("request_direct" in o["legs"]) == mech["direct"] and len(o["legs"]) == 6 + mech["direct"]
        assert o["labels"] == [mech["client_connections"] > 0, schema["detector_signal"] == "prometheus",
                               mech["direct"] or mech["posting"], mech["v090"]], name
        assert all(disabled and "running kernel" in tip for _, disabled, tip in o["controls"])
        assert o["saved"] == 0
        no_bad_numbers(o["text"])


OLD = PREAMBLE + """
const { default: widget } = await import(%(entry)s);
const bytes = view(read("old.bin"));
const { readRecording } = await import(%(recording)s);
const rec = readRecording(bytes);
const model = new FakeModel({ demo: false, ...rec.meta.traits, _schema: rec.meta.schema, _frame: rec.frame(0),
  _mission_log: [], _recording: bytes, _standalone: true });
const cleanup = widget.render({ model, el });
const root = rootOf(el);
tick(40);
const shot = snap(root);
console.log(JSON.stringify({ shot, row: root.find("model-row").hidden, badge: root.find("model-badge").hidden,
  dialog: root.find("dialog-model").hidden, legs: root.findAll((e) => e.dataset.leg).length,
  lines: ["frontend-waiting", "detector-p99", "decode-mech", "router-mech"].map((r) => root.find(r).hidden),
  chart: root.findAll((e) => e.dataset.panel === "chart")[0].findAll((e) => e.tagName === "H4")[0].textContent,
  warnings: live.warnings }));
cleanup();
"""


# what frame version 2 added to version 1 (the hypothesis bench's fields)
ADDED = {"scalars": ("client_waiting", "poll_exact_p99_ms", "poll_prometheus_p99_ms"),
         "decode": ("direct", "prefilling", "posting"), "routes": ("request_direct",)}


def version_1(frame: bytes, layout: dict) -> bytes:
    """``frame`` in the layout of version 1: the same header but its version, without version 2's fields."""
    import numpy as np
    f = decode_frame(frame)
    keep = {g: [n for n in layout[g] if n not in ADDED.get(g, ())] for g in ("scalars", "prefill", "decode", "routes")}
    parts = [frame[:4], (1).to_bytes(2, "little"), frame[6:24],
             np.array([f["scalars"][n] for n in keep["scalars"]], "<f4").tobytes(),
             *(np.asarray(f["prefill"][n], "<f4").tobytes() for n in keep["prefill"]),
             *(np.asarray(f["decode"][n], "<f4").tobytes() for n in keep["decode"]),
             np.array([f["routes"][n] for n in keep["routes"]], "<u4").tobytes(),
             *(np.asarray(f[n], "<u4").tobytes() for n in layout["per_decode"])]
    return b"".join(parts)


def test_a_recording_from_before_the_bench_plays_without_the_model_selector(run, tmp_path):
    """A recording made before the bench: version 1 frames, a schema without ``hypotheses`` and ``mechanisms`` (its
    detector reading Prometheus all the same), traits without ``hypothesis``. It plays, with a warning naming what its
    schema lacks; no selector, badge, mechanism line or direct route."""
    rec = _recording.decode(run["rec"])
    meta = json.loads(json.dumps(rec["meta"]))
    layout = meta["schema"]["frame"]
    frames = [version_1(f, layout) for f in rec["frames"]]
    for group, names in ADDED.items():
        layout[group] = [n for n in layout[group] if n not in names]
    layout["version"] = 1
    for key in ("hypotheses", "mechanisms"):
        del meta["schema"][key]
    del meta["traits"]["hypothesis"]
    assert meta["schema"]["detector_signal"] == "prometheus"
    (run["dir"] / "old.bin").write_bytes(_recording.encode(frames, meta, rec["fps"], rec["speed"]))
    out = node(run, tmp_path, OLD, recording=js_path(JS / "protocol" / "recording.js"))
    # (the model's schema, as the loader gives it, and the recording's: the same one, reported once each)
    assert len(out["warnings"]) == 2 and "reading the schema failed" in out["warnings"][0]
    assert "reading the recording's schema failed" in out["warnings"][1]
    assert all("the page reads hypotheses, mechanisms, which Python does not send" in w
               and "scalars: the page reads client_waiting" in w for w in out["warnings"])
    assert out["shot"]["source"] == "recording" and out["shot"]["seq"] == 39
    assert out["row"] and out["badge"] and out["dialog"] and out["lines"] == [True] * 4 and out["legs"] == 6
    assert out["chart"] == "TTFT p99 vs. concurrency · recorded"
    no_bad_numbers(out["shot"]["text"])
