"""The page (``js/widget.js`` and ``js/view/``) rendered in node on a small fake DOM
(``fake_dom.mjs``) with the schema, traits and frames of a real widget: everything it shows of
Python's parameters comes from the schema (and follows it when it changes), the controls write
the traits, and ``render``'s cleanup removes every listener it added."""
import json
import math
import re
from pathlib import Path

import pytest
from page_tools import JS, js_path, run_node

from orbits_widget import OrbitsWidget
from orbits_widget.widget._schema import MODE_LOAD

HERE = Path(__file__).parent
TRAITS = ("mode", "load", "n_prefill", "n_decode", "adaptive", "planner", "playing", "speed", "demo", "c_max",
          "max_workers", "tau", "omega", "hypothesis", "_schema", "_mission_log", "_workload")

# every page script starts here: a fake DOM, the bundle rendered on a recorded state and first frame
PREAMBLE = """
import { readFileSync } from "node:fs";
import { installFakeDom, animate, runTimers, live, FakeModel } from %(fake)s;
const el = installFakeDom();
const { default: widget } = await import(%(entry)s);
const read = (name) => readFileSync(%(dir)s + "/" + name);
const bytes = (name) => { const b = read(name); return new DataView(b.buffer, b.byteOffset, b.byteLength); };
const model = new FakeModel({ ...JSON.parse(read("state.json")), _frame: bytes("frame0.bin") });
const cleanup = widget.render({ model, el });
const root = el.children[0];
"""

SCRIPT = PREAMBLE + """const planet = (name) => root.findAll((e) => e.dataset.planet === name)[0].innerText;
let now = 1000;
const tick = (n = 3) => { for (let i = 0; i < n; i++) { now += 120; animate(now); } };
tick();
model.change("_frame", bytes("frame1.bin"));
tick();
const seen = () => ({
  text: root.innerText, narrative: root.find("narrative").textContent, planner: planet("planner"),
  decode: planet("decode"), detector: planet("detector"), kvbm: planet("kvbm"),
  tabs: root.findAll((e) => e.dataset.mode).map((e) => [e.dataset.mode, e.title, e.classList.contains("ow-on")]),
  rates: root.findAll((e) => e.dataset.route).map((e) => e.textContent),
  controller: root.findAll((e) => e.dataset.panel === "controller")[0].innerText,
  source: root.findAll((e) => e.className === "ow-root")[0].dataset.source,
  seq: root.findAll((e) => e.className === "ow-root")[0].dataset.seq,
  hidden: ["recording", "chart"].map((p) => root.findAll((e) => e.dataset.panel === p)[0].hidden),
  dialog: root.find("dialog").textContent,
  dialogParts: ["dialog-detector", "dialog-paper"].map((r) => [root.find(r).textContent, !!root.find(r).hidden]),
  ewmaTip: root.findAll((e) => e.dataset.panel === "controller")[0].findAll((e) => e.tagName === "SMALL"
    && e.className === "ow-dim")[0].title,
  select: ((s) => ({ value: s.value, disabled: !!s.disabled, title: s.title,
    options: s.children.map((o) => [o.attributes.value, o.textContent, o.title]) }))(root.find("hypothesis")),
  badge: [root.find("model-badge").innerText.split(/\\s+/).join(" "), root.find("model-badge").title],
  dialogModel: root.find("dialog-model").innerText.split(/\\s+/).join(" "),
});
const first = seen();
// the controls write the traits
root.find("tab-busy").dispatch("click");
root.find("decode-plus").dispatch("click");
const speed = root.find("speed");
speed.value = "1000"; speed.dispatch("input");
const pendingSpeed = model.saved.length;                     // the speed is written debounced ...
runTimers();                                                 // ... once its delay has passed
// a model chosen in the selector is written at once
const select = root.find("hypothesis");
select.value = "H1+H4"; select.dispatch("change");
const saved = model.saved.map((s) => [s.mode, s.n_decode, s.speed, s.hypothesis]);
// Python changes the schema: the page follows it
const schema = JSON.parse(read("state.json"))._schema;
model.change("_schema", { ...schema, theta2_ms: 2500, knee_concurrency: 200, hysteresis: 5,
  predictors: [...schema.predictors, "oracle"], speed_range: [0.5, 20], detector_signal: "exact", poll_interval_s: 2,
  paper_gain: { ttft_p99: 3.5, deployment: "8B 2P/1D" } });
model.change("mode", "saturation");
model.change("hypothesis", "H2+H3");                         // Python switched the model: the selector follows
tick();
const second = seen();
speed.value = "1000"; speed.dispatch("input");
runTimers();
const savedSpeed = model.saved[model.saved.length - 1].speed;
speed.dispatch("input");                                     // a write still pending at cleanup
const before = { listeners: live.listeners, handlers: model.handlerCount(), frames: live.frames.size,
  observers: live.observers, timers: live.timers.size };
cleanup();
const after = { listeners: live.listeners, handlers: model.handlerCount(), frames: live.frames.size,
  observers: live.observers, timers: live.timers.size, children: el.children.length };
console.log(JSON.stringify({ first, second, saved, pendingSpeed, savedSpeed, before, after, warnings: live.warnings }));
"""


# the controls in an open loop and back: what the page shows and what it writes
OPEN_LOOP_SCRIPT = PREAMBLE + """let now = 1000;
const tick = () => { for (let i = 0; i < 3; i++) { now += 120; animate(now); } };
model.change("_frame", bytes("frame1.bin"));
tick();
const tabs = () => root.findAll((e) => e.dataset.mode);
const foot = () => root.findAll((e) => e.className === "ow-foot")[0];
const seen = () => ({
  narrative: root.find("narrative").textContent, load: root.find("load-label").textContent,
  concurrency: root.find("concurrency").textContent, slider: [root.find("load").disabled, root.find("load").title],
  tabs: tabs().map((e) => [e.disabled, e.title, e.classList.contains("ow-on")]), foot: foot().title,
  controller: root.findAll((e) => e.dataset.panel === "controller")[0].innerText,
});
const open = seen();
tabs()[3].dispatch("click");                    // a disabled control writes nothing, even when clicked
const slider = root.find("load");
slider.value = "80"; slider.dispatch("input");
const saved = model.saved.length;
model.change("_workload", { kind: "paper", text: "" });
const closed = seen();
cleanup();
console.log(JSON.stringify({ open, closed, saved }));
"""


def render(w, tmp_path, script=SCRIPT):
    with w.runner.lock:
        frames = [w.runner.encode()]
        w.runner.advance(2.0)
        frames.append(w.runner.encode())
    for i, frame in enumerate(frames):
        (tmp_path / f"frame{i}.bin").write_bytes(frame)
    (tmp_path / "state.json").write_text(json.dumps({name: getattr(w, name) for name in TRAITS}))
    return run_node(script % {"fake": js_path(HERE / "fake_dom.mjs"), "entry": js_path(JS / "widget.js"),
                                  "dir": json.dumps(str(tmp_path))}, tmp_path)


def test_the_page_shows_the_schemas_parameters_and_cleans_up(w, tmp_path):
    w.mode = "saturation"
    w.adaptive = True
    w.planner = True
    w.step(30.0)
    out = render(w, tmp_path)
    first, second = out["first"], out["second"]
    assert out["warnings"] == []
    # live frames, their sequence numbers on the root; no recording: neither its control nor its chart
    assert first["source"] == "live" and first["seq"].isdigit()
    assert first["hidden"] == [True, True]
    # names and parameters from the schema
    text = first["text"]
    for label in ("Simulation calibrated to Nemotron\u20114\u2011340B\u2011Instruct", "Controller · 340B 1P/2D",
                  "TTFT p50 / p99", "Shuttle manifest", "KV freighter"):
        assert label in text, label
    assert "NaN" not in text and "undefined" not in text
    assert "CONSTANT" in first["planner"] and "ARIMA" in first["planner"] and "on · KALMAN" in first["planner"]
    assert "MEMORY · G1–G4 · NIXL" in first["kvbm"] and "G4 NET" in first["kvbm"]
    assert "SATURATED" in first["detector"] and "k=" in first["detector"] and "/3" in first["detector"]
    assert "EWMA(TTFT P99) ≥ θ₂" in first["controller"] and "θ₂ 2.00 s" in first["controller"]
    knee = w.simulation.profile.knee_concurrency
    assert f"C = {w.concurrency}, C* = {knee}" in first["narrative"] and w.concurrency > knee
    assert first["narrative"].startswith("SATURATION Past the knee")
    assert "3 polls" in first["narrative"] and "θ₂ = 2 s" in first["narrative"]
    # what saturation is now: the prefill queue, which the controller's flip does not shorten; the detector
    # counts its polls on the frontend's Prometheus histogram (the default model's detector_signal)
    assert "Prefill worker saturates" in first["narrative"]
    assert ("θ₂ = 2 s on the frontend's Prometheus histogram (a bucketed P99) the Saturation Detector flips (τ, ω): "
            "the Decode pool rebalances, yet TTFT P99 barely moves; only another Prefill worker (the Planner's) "
            "shortens that queue.") in first["narrative"]
    # the About dialog: the detector's signal with the histogram's buckets around theta1/theta2 and its poll
    # interval, all from the schema; the paper's gain and the hypothesis bench that does not reproduce it
    detector, paper = first["dialogParts"]
    assert detector[1] is False and paper[1] is False
    assert "polling Prometheus every 5 s: histogram_quantile(0.99) over the frontend's TTFT histogram" in detector[0]
    assert "(… 220 ms, 470 ms, 1 s, 2.2 s, 4.7 s …)" in detector[0]
    assert "Only requests that went through the frontend count" in detector[0]
    assert paper[0].startswith("The paper measured adaptive routing lowering TTFT P99 7.6× on 70B 1P/2D. "
                               "This model does not reproduce that: the hypothesis bench found no sourced mechanism")
    assert "python -m orbits_widget explain" in paper[0] and "docs/hypotheses.md" in paper[0]
    assert detector[0] in first["dialog"] and paper[0] in first["dialog"]
    assert "yet TTFT P99 barely moves" in first["dialog"] and "one more Prefill worker" in first["dialog"]
    assert "histogram_quantile(0.99)" in first["ewmaTip"]
    assert [t[0] for t in first["tabs"]] == list(MODE_LOAD) and [t[2] for t in first["tabs"]] == [0, 0, 0, 1]
    assert first["tabs"][0][1] == "5% load: C = 13" and first["tabs"][3][1] == "100% load: C = 256"
    assert "running " in first["decode"] and " · waiting " in first["decode"]
    assert all(r.endswith(" / s") for r in first["rates"]) and len(first["rates"]) == 6
    # the model selector: every row of the bench, in the trait's order, each with what it assumes and its sources;
    # the model on the stage on its badge, and in the dialog with what the stage shows of it
    choices = w._schema["hypotheses"]
    sel = first["select"]
    assert sel["value"] == "H4" and not sel["disabled"]
    assert [o[0] for o in sel["options"]] == [c["name"] for c in choices] == list(w.traits()["hypothesis"].values)
    for (_, text, tip), c in zip(sel["options"], choices, strict=True):
        assert text == f"{c['name']} · {c['label']}"
        assert f"Assumes: {c['assumes']}" in tip and f"Sources: {c['source']}" in tip
    h4 = next(c for c in choices if c["name"] == "H4")
    assert sel["title"] == next(o[2] for o in sel["options"] if o[0] == "H4") and "Evidence: strong" in sel["title"]
    assert first["badge"][0] == f"MODEL H4 {h4['label']}" and first["badge"][1] == sel["title"]
    assert first["dialogModel"].startswith(f"The model on the stage H4 · {h4['label']}. {h4['assumes']}")
    assert "H4: the Saturation Detector's label gives its last poll's TTFT P99 both ways" in first["dialogModel"]
    assert "H1:" not in first["dialogModel"] and "Model (Controller card)" in first["dialog"]
    # clicks and the speed slider (log scale over the schema's range) write the traits
    assert out["saved"][0][0] == "busy" and out["saved"][1][1] == w.n_decode + 1
    assert out["saved"][3][3] == "H1+H4" and len(out["saved"]) == 4       # the model: at once, no delay
    assert out["saved"][2][2] == w._schema["speed_range"][1] and out["pendingSpeed"] == 2    # not before the delay
    # a new schema: new thresholds, knee, hysteresis, predictors and speed range on the page
    assert all(x in second["narrative"] for x in ("C* = 200", "5 polls", "θ₂ = 2.5 s"))
    # ... and another detector signal, poll interval and paper gain: the narrative and the dialog follow
    assert "θ₂ = 2.5 s (the exact P99 of every client's TTFT) the Saturation Detector" in second["narrative"]
    assert "Prometheus" not in second["narrative"]
    detector, paper = second["dialogParts"]
    assert detector[0].startswith("The Saturation Detector reads the exact P99 of every client's TTFT, every 2 s")
    assert paper[0].startswith("The paper measured adaptive routing lowering TTFT P99 3.5× on 8B 2P/1D.")
    assert second["ewmaTip"].endswith("the exact P99 of every client's TTFT.")
    assert "ORACLE" in second["planner"] and out["savedSpeed"] == 20
    # Python's choice of model: the selector, the badge and the dialog follow
    h23 = next(c for c in choices if c["name"] == "H2+H3")
    assert second["select"]["value"] == "H2+H3" and "Evidence: strong" in second["select"]["title"]
    assert second["badge"][0] == f"MODEL H2+H3 {h23['label']}" and h23["assumes"] in second["badge"][1]
    assert second["dialogModel"].startswith(f"The model on the stage H2+H3 · {h23['label']}.")
    # render's cleanup: no DOM listener, model handler, animation frame or observer left, nothing in the cell
    assert out["before"]["listeners"] > 0 and out["before"]["handlers"] > 0 and out["before"]["frames"] == 1
    assert out["before"]["timers"] == 1         # cleanup cancels a debounced write still pending
    assert out["after"] == {"listeners": 0, "handlers": 0, "frames": 0, "observers": 0, "timers": 0, "children": 0}


def test_an_open_loop_disables_the_load_controls_with_a_reason_and_the_panel_shows_tau_omega(tmp_path):
    w = OrbitsWidget(autoplay=False, chart=False, tau=0.05, omega=0.35, workload={"kind": "rate", "rate": 3.0})
    try:
        w.step(10.0)
        out = render(w, tmp_path, OPEN_LOOP_SCRIPT)
    finally:
        w.close()
    op, closed = out["open"], out["closed"]
    why = ("Open loop (Poisson arrivals at 3 req/s): its arrivals set the load, so the load slider and the mode "
           "tabs (the paper's closed loop of C clients) do not apply.")
    assert op["slider"][0] is True and op["slider"][1].startswith(why)
    assert all(t[0] is True and t[1].startswith(why) and t[2] is False for t in op["tabs"]) and len(op["tabs"]) == 4
    assert op["foot"].startswith(why)
    assert (op["load"], op["concurrency"]) == ("open loop", "Poisson arrivals at 3 req/s")
    assert op["narrative"].startswith("OPEN LOOP Poisson arrivals at 3 req/s: requests arrive on their own schedule")
    controller = " ".join(op["controller"].split())
    assert "τ 0.05 ω 0.35" in controller           # the frame's, to their digits (0.05 is not rounded to 0.1)
    assert out["saved"] == 0
    # back to the closed loop: enabled, the tooltips are the tabs' own again
    assert closed["slider"] == [False, ""] and closed["foot"] == ""
    assert [t[0] for t in closed["tabs"]] == [False] * 4 and closed["tabs"][0][1] == "5% load: C = 13"
    assert closed["load"] == "5% load" and closed["narrative"].startswith("IDLE")


# ------------------------------------------------------------------ what a hypothesis adds to the stage ----
# The page rendered on a model of the bench at saturation (adaptive on the stage) with a frame in which its mechanism
# is at work: one display frame's drawing recorded (fake_dom's `live.canvas`), read as dots, rings and squares, with
# the planets' places (stage.js PLACES on the fake DOM's 800 x 540 stage), the stage's labels, the manifest, the
# selector and the badge. Every test below fails when its element is not drawn, or is drawn for a model without it.
STAGE_SCRIPT = PREAMBLE + """const { PLACES, PREFILL_COLOR, POSTING_COLOR, WAITING_COLOR } = await import(%(stage)s);
const { ROUTE_STYLE } = await import(%(shuttles)s);
const { shapes } = await import(%(fake)s);
let now = performance.now();
const tick = (n = 3) => { for (let i = 0; i < n; i++) { now += 120; animate(now); } };
tick();
model.change("_frame", bytes("frame1.bin"));         // the frame with the mechanism at work, at performance.now()
now = performance.now() + 450;                      // its shuttles in flight, the frame's values drawn as they are
live.canvas = [];
animate(now);
const drawn = shapes(live.canvas).filter((x) => x.color !== "#c7d2fe");      // not the stars
live.canvas = null;
tick();
const m = Math.min(800, 540);
const places = Object.fromEntries(Object.entries(PLACES).map(([k, [fx, fy, fr]]) => [k, [fx * 800, fy * 540, fr * m]]));
const label = (role) => { const e = root.find(role); return e.hidden ? null : e.textContent; };
console.log(JSON.stringify({ drawn, places, colors: { prefill: PREFILL_COLOR, posting: POSTING_COLOR,
  waiting: WAITING_COLOR, direct: ROUTE_STYLE.request_direct.color, decode: ROUTE_STYLE.request_decode.color },
  labels: Object.fromEntries(["frontend-waiting", "detector-p99", "decode-mech", "router-mech", "prefill-detail"]
    .map((r) => [r, label(r)])),
  manifest: root.findAll((e) => e.dataset.leg).map((e) => [e.dataset.leg, e.innerText.trim().split(/\\s+/).join(" ")]),
  badge: root.find("model-badge").innerText.split(/\\s+/).join(" "), select: root.find("hypothesis").value,
  text: root.innerText, warnings: live.warnings }));
cleanup();
"""


def stage(tmp_path, hypothesis, until=lambda f: True, seconds=40.0):
    """What the page draws of ``hypothesis`` at saturation, the adaptive twin on the stage, ``seconds`` in and then on
    (0.1 s at a time, at most 30 s more) until a frame meets ``until`` (a decoded frame -> bool)."""
    from orbits_widget.widget._frames import decode_frame
    w = OrbitsWidget(autoplay=False, chart=False, mode="saturation", adaptive=True, hypothesis=hypothesis)
    try:
        w.step(seconds)
        with w.runner.lock:                     # frames of a playing widget: its shuttles fly
            frames = [w.runner.encode(playing=True)]
            for _ in range(300):
                w.runner.advance(0.1)
                frames[1:] = [w.runner.encode(playing=True)]
                if until(decode_frame(frames[1])):
                    break
            else:
                raise AssertionError(f"{hypothesis}: no frame shows the mechanism")
        for i, frame in enumerate(frames):
            (tmp_path / f"frame{i}.bin").write_bytes(frame)
        (tmp_path / "state.json").write_text(json.dumps({name: getattr(w, name) for name in TRAITS}))
        out = run_node(STAGE_SCRIPT % {"fake": js_path(HERE / "fake_dom.mjs"), "entry": js_path(JS / "widget.js"),
                                       "stage": js_path(JS / "view" / "stage.js"),
                                       "shuttles": js_path(JS / "view" / "shuttles.js"),
                                       "dir": json.dumps(str(tmp_path))}, tmp_path)
        out["frame"] = decode_frame(frames[1])
        out["schema"] = w._schema
    finally:
        w.close()
    assert out["warnings"] == [] and out["select"] == hypothesis
    assert out["badge"].startswith(f"MODEL {hypothesis} ")
    assert "NaN" not in out["text"] and "Infinity" not in out["text"] and "undefined" not in out["text"]
    return out


def near(shape, centre, lo, hi):
    """``shape``'s centre is between ``lo`` and ``hi`` pixels from ``centre``."""
    x, y = shape["x"] + shape.get("w", 0) / 2, shape["y"] + shape.get("h", 0) / 2
    return lo <= math.hypot(x - centre[0], y - centre[1]) <= hi


def fmt_ms(ms):
    """format.js fmtMs."""
    if not math.isfinite(ms):
        return "—"
    if ms >= 1000:
        return f"{ms / 1000:.{1 if ms >= 10000 else 2}f} s"
    return f"{ms:.{0 if ms >= 100 else 1}f} ms"


def test_h1_direct_requests_fly_from_the_frontend_to_a_decode_worker(tmp_path):
    """H1: the controller's own path, FE -> DEC under the Sun, in the manifest only for a model that has it."""
    out = stage(tmp_path, "H1+H4", until=lambda f: f["routes"]["request_direct"] > 0)
    fe, sun, dec = (out["places"][k] for k in ("fe", "sun", "dec"))
    direct = [s for s in out["drawn"] if s["kind"] == "dot" and s["color"] == out["colors"]["direct"]]
    assert direct, "no direct shuttle drawn"
    # each on its way from the Frontend to a decode worker, on a curve that passes under the Sun, never through it
    n = len(out["frame"]["decode"]["state"])
    slots = [(dec[0] + 0.55 * dec[2] * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
              dec[1] + 0.55 * dec[2] * math.sin(-math.pi / 2 + 2 * math.pi * i / n)) for i in range(n)]
    under = ((fe[0] + dec[0]) / 2, sun[1] + 5 * sun[2])

    def on_path(s):
        for end in slots:
            for k in range(1001):
                t = k / 1000
                x = (1 - t) ** 2 * fe[0] + 2 * t * (1 - t) * under[0] + t * t * end[0]
                y = (1 - t) ** 2 * fe[1] + 2 * t * (1 - t) * under[1] + t * t * end[1]
                if math.hypot(x - s["x"], y - s["y"]) < 1.0:
                    return True
        return False

    assert all(on_path(s) for s in direct)
    assert all(math.hypot(s["x"] - sun[0], s["y"] - sun[1]) > 1.5 * sun[2] for s in direct)
    route, row = out["manifest"][1]                  # second, after the requests through the Sun
    assert route == "request_direct" and re.fullmatch(r"Request · direct FE → DEC \d+\.\d / s", row)
    assert float(row.split()[-3]) > 0
    # the default model has no such route: neither shuttles nor a manifest row
    h4 = stage(tmp_path, "H4")
    assert not [s for s in h4["drawn"] if s["color"] == h4["colors"]["direct"]]
    assert "request_direct" not in [r for r, _ in h4["manifest"]] and len(h4["manifest"]) == 6


def test_h1_a_decode_worker_prefilling_direct_requests_takes_the_prefill_colour(tmp_path):
    out = stage(tmp_path, "H1+H4", until=lambda f: f["decode"]["prefilling"].any())
    f, dec = out["frame"], out["places"]["dec"]
    n = len(f["decode"]["state"])
    slots = [(dec[0] + 0.55 * dec[2] * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
              dec[1] + 0.55 * dec[2] * math.sin(-math.pi / 2 + 2 * math.pi * i / n)) for i in range(n)]
    cyan = [s for s in out["drawn"] if s["kind"] == "dot" and s["color"] == out["colors"]["prefill"]
            and near(s, dec[:2], 0, dec[2])]
    prefilling = [i for i in range(n) if f["decode"]["prefilling"][i] > 0]
    assert prefilling and len(cyan) == len(prefilling)
    assert all(any(near(s, slots[i], 0, 1) for s in cyan) for i in prefilling)
    # the Decode planet counts the direct requests it holds and the workers prefilling them
    active = sum(1 for x in f["decode"]["state"] if x != 0)
    assert out["labels"]["decode-mech"] == \
        f"direct {int(f['decode']['direct'].sum())} · prefilling {len(prefilling)}/{active}"
    # a model without the direct path: no decode worker in the prefill colour, no such line
    h4 = stage(tmp_path, "H4")
    assert not [s for s in h4["drawn"] if s["color"] == h4["colors"]["prefill"] and near(s, dec[:2], 0, dec[2])]
    assert h4["labels"]["decode-mech"] is None


def test_h2_each_decode_worker_shows_the_reads_it_will_post(tmp_path):
    out = stage(tmp_path, "H2", until=lambda f: f["decode"]["posting"].sum() > 0, seconds=20.0)
    f, dec = out["frame"], out["places"]["dec"]
    n = len(f["decode"]["state"])
    slots = [(dec[0] + 0.55 * dec[2] * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
              dec[1] + 0.55 * dec[2] * math.sin(-math.pi / 2 + 2 * math.pi * i / n)) for i in range(n)]
    marks = [s for s in out["drawn"] if s["kind"] == "square" and s["color"] == out["colors"]["posting"]]
    base = max(4, dec[2] * 0.16)

    def on_ray(s, i):
        """The mark lies on the ray from worker i's dot away from the planet's centre, just outside the dot."""
        a = -math.pi / 2 + 2 * math.pi * i / n
        dx, dy = s["x"] + s["w"] / 2 - slots[i][0], s["y"] + s["h"] / 2 - slots[i][1]
        along, across = dx * math.cos(a) + dy * math.sin(a), -dx * math.sin(a) + dy * math.cos(a)
        return abs(across) < 0.01 and base * 1.5 <= along <= base * 1.9 + 6 * max(3, base * 0.45) * 1.6

    for i in range(n):          # (a worker's marks stay a moment, fading, after its reads are posted)
        want = min(6, round(float(f["decode"]["posting"][i])))
        mine = [s for s in marks if on_ray(s, i) and s["alpha"] == 1]
        assert len(mine) == want == len({(round(s["x"]), round(s["y"])) for s in mine}), (i, want)   # in a row
    assert all(any(on_ray(s, i) for i in range(n)) for s in marks)
    assert len([s for s in marks if s["alpha"] == 1]) == min(6, round(float(f["decode"]["posting"].sum()))) > 0
    assert out["labels"]["decode-mech"] == f"posting {int(f['decode']['posting'].sum())}"
    h4 = stage(tmp_path, "H4", seconds=20.0)
    assert not [s for s in h4["drawn"] if s["kind"] == "square" and s["color"] == h4["colors"]["posting"]]


def test_h5_clients_waiting_for_a_connection_ring_the_frontend(tmp_path):
    out = stage(tmp_path, "H4+H5", seconds=20.0)
    waiting, pool = float(out["frame"]["scalars"]["client_waiting"]), out["schema"]["mechanisms"]["client_connections"]
    assert pool == 100 and waiting > pool            # C = 256 clients, 100 connections: more than a lap
    fe = out["places"]["fe"]
    rings = [s for s in out["drawn"] if s["kind"] == "ring" and s["color"] == out["colors"]["waiting"]]
    assert len(rings) == 2 and all(abs(s["x"] - fe[0]) < 0.01 and abs(s["y"] - fe[1]) < 0.01 for s in rings)
    laps = sorted(rings, key=lambda s: s["r"])
    assert [round(s["r"] / fe[2], 2) for s in laps] == [1.3, 1.5]
    assert [(s["to"] - s["from"]) / (2 * math.pi) for s in laps] == pytest.approx([1.0, waiting / pool - 1], abs=1e-6)
    assert out["labels"]["frontend-waiting"] == f"connections {pool} · waiting {round(waiting)}"
    h4 = stage(tmp_path, "H4", seconds=20.0)
    assert not [s for s in h4["drawn"] if s["kind"] == "ring" and s["color"] == h4["colors"]["waiting"]]
    assert h4["labels"]["frontend-waiting"] is None


def test_h4_the_detector_shows_the_p99_it_read_from_prometheus_beside_the_exact_one(tmp_path):
    out = stage(tmp_path, "H4", seconds=20.0)
    s = out["frame"]["scalars"]
    prom, exact = float(s["poll_prometheus_p99_ms"]), float(s["poll_exact_p99_ms"])
    assert math.isfinite(prom) and math.isfinite(exact) and prom != exact
    assert out["labels"]["detector-p99"] == f"poll P99 · Prometheus {fmt_ms(prom)} · exact {fmt_ms(exact)}"
    # the direct path's requests never reach the frontend's histogram: Prometheus has no data, never a NaN
    direct = stage(tmp_path, "H1+H4", until=lambda f: math.isnan(f["scalars"]["poll_prometheus_p99_ms"]))
    exact = float(direct["frame"]["scalars"]["poll_exact_p99_ms"])
    assert direct["labels"]["detector-p99"] == f"poll P99 · Prometheus no data · exact {fmt_ms(exact)}"
    # a detector that reads the exact P99 (today's model) has no such line
    assert stage(tmp_path, "today", seconds=20.0)["labels"]["detector-p99"] is None


def test_h3_and_h6_say_what_they_change_on_the_router_and_the_prefill_planet(tmp_path):
    h3 = stage(tmp_path, "H3", seconds=10.0)
    assert h3["labels"]["router-mech"] == "DECODE LEG · v0.9.0" and h3["labels"]["prefill-detail"] == ""
    h6 = stage(tmp_path, "H6", seconds=10.0)
    assert h6["labels"]["router-mech"] is None and h6["labels"]["prefill-detail"] == "batches what waits, each pass"
    for other in ("H4", "today"):
        out = stage(tmp_path, other, seconds=10.0)
        assert out["labels"]["router-mech"] is None and out["labels"]["prefill-detail"] == ""
        assert out["labels"]["decode-mech"] is None and out["labels"]["frontend-waiting"] is None


def test_the_saturation_tab_says_what_flipping_the_router_does_under_the_model(tmp_path):
    """Only the controller's own path (H1) lets the flip reach the prefill queue; the other models say TTFT P99
    barely moves; a connection cap (H5) adds the clients waiting at the Frontend."""
    said = {}
    for name in ("H4", "H1+H4", "H4+H5"):
        w = OrbitsWidget(hypothesis=name, autoplay=False, chart=False)
        (tmp_path / f"{name}.json").write_text(json.dumps(w._schema))
        w.close()
        said[name] = run_node(
            f"import {{ NARRATIVE }} from {js_path(JS / 'view' / 'controls.js')};\n"
            "import { readFileSync } from 'node:fs';\n"
            f"const s = JSON.parse(readFileSync({json.dumps(str(tmp_path / f'{name}.json'))}, 'utf8'));\n"
            "console.log(JSON.stringify(NARRATIVE.saturation(s, 256)));\n", tmp_path)
    assert "barely moves" in said["H4"] and "straight to a decode worker" not in said["H4"]
    assert "straight to a decode worker that prefills them" in said["H1+H4"] and "barely moves" not in said["H1+H4"]
    assert "barely moves" in said["H4+H5"] and "Past 100 clients the rest wait at the Frontend" in said["H4+H5"]
    assert all("for a connection" not in said[n] for n in ("H4", "H1+H4"))
