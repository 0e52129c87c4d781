"""The page (``js/widget.js`` and ``js/view/``) rendered in node on a small fake DOM
(``fake_dom.mjs``) with the schema, traits and frames of a real widget: everything it shows of
Python's parameters comes from the schema (and follows it when it changes), the controls write
the traits, and ``render``'s cleanup removes every listener it added."""
import json
from pathlib import Path

from page_tools import JS, js_path, run_node

from orbits_widget import OrbitsWidget
from orbits_widget.widget._schema import MODE_LOAD

HERE = Path(__file__).parent
TRAITS = ("mode", "load", "n_prefill", "n_decode", "adaptive", "planner", "playing", "speed", "demo", "c_max",
          "max_workers", "tau", "omega", "_schema", "_mission_log", "_workload")

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
});
const first = seen();
// the controls write the traits
root.find("tab-busy").dispatch("click");
root.find("decode-plus").dispatch("click");
const speed = root.find("speed");
speed.value = "1000"; speed.dispatch("input");
const pendingSpeed = model.saved.length;                     // the speed is written debounced ...
runTimers();                                                 // ... once its delay has passed
const saved = model.saved.map((s) => [s.mode, s.n_decode, s.speed]);
// Python changes the schema: the page follows it
const schema = JSON.parse(read("state.json"))._schema;
model.change("_schema", { ...schema, theta2_ms: 2500, knee_concurrency: 200, hysteresis: 5,
  predictors: [...schema.predictors, "oracle"], speed_range: [0.5, 20], detector_signal: "exact", poll_interval_s: 2,
  paper_gain: { ttft_p99: 3.5, deployment: "8B 2P/1D" } });
model.change("mode", "saturation");
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
    # clicks and the speed slider (log scale over the schema's range) write the traits
    assert out["saved"][0][0] == "busy" and out["saved"][1][1] == w.n_decode + 1
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
