// Controls: header, mode tabs and their narrative, the left panel (Static / Adaptive, Planner, Auto-demo,
// play/pause, speed) and the load slider. UI-only state (tab hover, slider drag) stays here; model writes
// are debounced. The tabs, the speed range and every number in the text come from the schema. In an open loop
// (the `_workload` trait: a trace replay or Poisson arrivals) the load slider and the mode tabs, which set the
// paper's closed loop of C clients, are shown disabled with a tooltip saying why. While a recording plays the
// controls show its traits, not the model's, and every control that writes a trait is disabled, saying why.
// The model selector (the `hypothesis` trait: a row of the hypothesis bench, its choices from the schema's
// `hypotheses`) sits in the side panel's controller card (parts.model); a choice is written at once, as a tab is.
import { h, setText, debounce } from "./dom.js";
import { fmtParamMs } from "./format.js";
import { choiceOf, choiceTip } from "./hypotheses.js";

// what each mode tab tells (the contract's modes); s: the schema, c: the concurrency now
export const NARRATIVE = {
  idle: () => "Orbits are quiet. The Router's corona barely flickers. A few sentinel requests drift between "
    + "Frontend and the Sun — just enough to keep the control loop warm.",
  normal: (s) => "Steady traffic. Shuttles stream from the Frontend round the Sun to both pools; every Decode "
    + `worker carries its share and TTFT stays far below θ₁ = ${fmtParamMs(s.theta1_ms)}.`,
  busy: (s, c) => `The orbits crowd toward the knee (C = ${c}, C* = ${s.knee_concurrency}). The Prefill `
    + "worker, one request per pass, is almost never idle and a queue starts to form in front of it; cache "
    + "affinity starts pulling templates toward one Decode worker.",
  saturation: (s, c) => `${c >= s.knee_concurrency ? "Past" : "Toward"} the knee: C = ${c}, C* = `
    + `${s.knee_concurrency}. The Prefill worker saturates and the queue in front of it drives TTFT P99 up. After `
    + `${s.hysteresis} polls in a row past θ₂ = ${fmtParamMs(s.theta2_ms)}${SIGNAL[s.detector_signal] || ""} the `
    + `Saturation Detector flips (τ, ω)${afterFlip(s.mechanisms || {})}`,
};

// what flipping (τ, ω) does past the knee, for the model on the stage (the schema's `mechanisms`): only the
// controller's own path (H1) lets the router reach the prefill queue; a connection cap (H5) hides clients from
// the frontend
export function afterFlip(mech) {
  const cap = mech.client_connections > 0 ? ` Past ${mech.client_connections} clients the rest wait at the Frontend `
    + "for a connection, a wait the frontend's histogram never sees." : "";
  if (mech.direct) {
    return ": the adaptive twin's requests then skip the Prefill worker, flying straight to a decode worker that "
      + "prefills them itself, so its TTFT P99 falls while the static twin's still queue; another Prefill worker "
      + `(the Planner's) is the static twin's only way out.${cap}`;
  }
  return ": the Decode pool rebalances, yet TTFT P99 barely moves; only another Prefill worker (the Planner's) "
    + `shortens that queue.${cap}`;
}
// what the Saturation Detector's polls read (the schema's detector_signal), said in the saturation narrative
export const SIGNAL = {
  prometheus: " on the frontend's Prometheus histogram (a bucketed P99)",
  exact: " (the exact P99 of every client's TTFT)",
};

// what the narrative says in an open loop; w: the _workload trait (text from Python, set with textContent)
export const OPEN_LOOP = (s, w) => `${w.text}: requests arrive on their own schedule, whatever the deployment `
  + `answers, so past what it can serve (around C* = ${s.knee_concurrency} requests in flight) the queue grows `
  + "without bound. The chart's live point sits at the measured mean requests in flight (Little's law).";
export const openLoopTip = (w) => `Open loop (${w.text}): its arrivals set the load, so the load slider and the `
  + "mode tabs (the paper's closed loop of C clients) do not apply. In Python, set_workload(None) or "
  + "load_config() with a paper workload returns to the closed loop.";
// why the controls are disabled: a page without a kernel (a saved recording), or a replay in a live notebook
export const KERNEL_TIP = "Needs a running kernel: this page plays a recording of the simulation (in Jupyter, "
  + "OrbitsWidget() runs it live, with its controls).";
export const REPLAY_TIP = "Replaying a recording: “Back to live” returns to the running simulation and its controls.";

export class Controls {
  constructor(parts, model, listeners) {
    this.model = model;
    this.on = listeners.on.bind(listeners);
    this.traits = null;           // a recording's traits while it plays (read instead of the model's)
    this.lock = "";               // why the controls are disabled ("" when they are not)
    this.save = (k, v) => {
      if (this.lock) return;      // a disabled control writes nothing, even when a script clicks it
      model.set(k, v); model.save_changes();
    };
    const { on, save } = this;
    // header
    this.subtitle = h("span", { class: "ow-dim", text: "" });
    this.help = h("button", { class: "ow-btn ow-help", "data-role": "help", title: "About this simulation",
      text: "?" });
    this.recBadge = h("span", { class: "ow-recbadge", "data-role": "rec-badge", text: "● RECORDED", hidden: "" });
    // the recording (the `_recording` trait), in the header (the left column is full): replay it on demand, or,
    // without a kernel, where the playback is and why the controls are disabled
    this.replay = h("button", { class: "ow-btn", "data-role": "replay", "data-control": "replay",
      title: "play the last recording (record() in Python) here; live play resumes after it",
      text: "▶ Replay recording" });
    this.backLive = h("button", { class: "ow-btn", "data-role": "back-to-live", "data-control": "live",
      title: "stop the replay and return to the running simulation", text: "■ Back to live", hidden: "" });
    this.recStatus = h("small", { class: "ow-dim", "data-role": "replay-status", text: "" });
    this.recNote = h("small", { class: "ow-dim", "data-role": "standalone-note", hidden: "",
      text: "No kernel here: the controls need one." });
    this.recCard = h("div", { class: "ow-rec", "data-panel": "recording", hidden: "" },
      [h("div", { class: "ow-recinfo" }, [this.recStatus, this.recNote]), this.replay, this.backLive]);
    parts.header.append(h("div", { class: "ow-title" }, [h("h2", {}, ["The orbits of Anarchy ", this.recBadge]),
      h("div", { class: "ow-sub" }, [h("span", { text: "Powered by NVIDIA Dynamo" }), this.subtitle])]), this.recCard,
    this.help);
    // tabs (setSchema makes one per mode)
    this.tabs = [];
    this.tabRow = h("div", { class: "ow-tabs" });
    this.narrTitle = h("b", { text: "" }); this.narr = h("span", { text: "" });
    parts.tabs.append(this.tabRow, h("p", { class: "ow-narr", "data-role": "narrative" }, [this.narrTitle, " ",
      this.narr]));
    // left panel
    this.sw = ["static", "adaptive"].map((k) => {
      const text = k === "static" ? "Static" : "Adaptive";
      const b = h("button", { class: "ow-seg", "data-role": `switch-${k}`, text });
      on(b, "click", () => save("adaptive", k === "adaptive"));
      return b;
    });
    this.plan = h("button", { class: "ow-btn ow-wide", "data-role": "planner", text: "Planner: off" });
    on(this.plan, "click", () => save("planner", !model.get("planner")));
    this.demo = h("button", { class: "ow-btn ow-wide ow-demo", "data-role": "demo", text: "Auto-demo" });
    on(this.demo, "click", () => save("demo", !model.get("demo")));
    this.play = h("button", { class: "ow-btn", "data-role": "play", text: "❚❚" });
    on(this.play, "click", () => save("playing", !model.get("playing")));
    this.speed = h("input", { type: "range", min: "0", max: "1000", value: "0", "data-role": "speed",
      "aria-label": "simulation speed" });
    this.speedLab = h("small", { class: "ow-dim", text: "" });
    const saveSpeed = debounce((v) => save("speed", v), 120);
    on(this.speed, "input", () => {
      const s = this.toSpeed(+this.speed.value);
      setText(this.speedLab, `×${s} sim s / s`);
      saveSpeed(s);
    });
    listeners.add(() => saveSpeed.cancel());
    this.cards = [
      h("section", { class: "ow-card" }, [h("h4", { text: "Router" }), h("div", { class: "ow-segs" }, this.sw),
        this.plan, this.demo]),
      h("section", { class: "ow-card" }, [h("h4", { text: "Simulation" }), h("div", { class: "ow-row" },
        [this.play, this.speed]), this.speedLab])];
    parts.left.append(...this.cards);
    // the model on the stage (setSchema fills its choices)
    this.modelSel = h("select", { class: "ow-select", "data-role": "hypothesis", "data-control": "hypothesis",
      "aria-label": "model on the stage (a row of the hypothesis bench)" });
    this.modelKey = "";
    on(this.modelSel, "change", () => { if (this.modelSel.value) save("hypothesis", this.modelSel.value); });
    if (parts.model) parts.model.append(h("span", { class: "ow-lab", text: "Model" }), this.modelSel);
    // load slider (0..100 %), concurrency shown beside it
    this.slider = h("input", { type: "range", min: "0", max: "100", step: "1", value: "0", "data-role": "load",
      "aria-label": "load" });
    this.loadLab = h("span", { class: "ow-loadlab", "data-role": "load-label", text: "0% load" });
    this.cLab = h("span", { class: "ow-dim", "data-role": "concurrency", text: "" });
    this.dragging = false;
    const saveLoad = debounce((v) => { this.dragging = false; save("load", v); }, 100);
    on(this.slider, "input", () => {
      if (this.workload() || this.lock) return;     // disabled in an open loop (Python would refuse the write)
      this.dragging = true;
      this.showLoad(+this.slider.value / 100);
      saveLoad(+this.slider.value / 100);
    });
    listeners.add(() => saveLoad.cancel());
    parts.footer.append(this.loadLab, this.slider, this.cLab);
    this.parts = parts;
  }

  // the mode tabs and the speed slider's range, from the schema
  setSchema(schema) {
    this.schema = schema;
    const [lo, hi] = schema.speed_range;
    // log scale: slider 0..1000 -> lo..hi simulated seconds per second
    this.toSpeed = (v) => +(lo * Math.pow(hi / lo, v / 1000)).toFixed(2);
    this.fromSpeed = (s) => String(Math.round((1000 * Math.log(s / lo)) / Math.log(hi / lo)));
    if (this.modes !== schema.modes.join()) {
      this.modes = schema.modes.join();
      this.tabs = schema.modes.map((m) => {
        const b = h("button", { class: "ow-tab", "data-role": `tab-${m}`, "data-mode": m, text: m });
        this.on(b, "click", () => { if (!this.workload()) this.save("mode", m); });
        return b;
      });
      this.tabRow.replaceChildren(...this.tabs);
    }
    setText(this.subtitle, `Simulation calibrated to ${schema.model}`);
    // one option per row of the bench, its tooltip what the row assumes and its sources (text from Python)
    const choices = Array.isArray(schema.hypotheses) ? schema.hypotheses : [];
    const key = JSON.stringify(choices);
    if (key !== this.modelKey) {
      this.modelKey = key;
      this.modelSel.replaceChildren(...choices.map((c) => h("option", { value: String(c.name), title: choiceTip(c),
        text: c.label ? `${c.name} · ${c.label}` : String(c.name) })));
    }
    if (this.parts.model) this.parts.model.hidden = !choices.length;    // a recording from before the bench
  }

  showLoad(load) {
    const w = this.workload();
    if (w) { setText(this.loadLab, "open loop"); setText(this.cLab, w.text); return; }
    setText(this.loadLab, `${Math.round(100 * load)}% load`);
    setText(this.cLab, `C = ${Math.round(load * this.get("c_max"))}`);
  }

  // a trait as the controls show it: the recording's while one plays, else the model's
  get(k) { return this.traits && k in this.traits ? this.traits[k] : this.model.get(k); }

  // a recording plays ({ traits, tip, standalone }) or the live simulation is back (null)
  setPlayback(p) {
    this.traits = p ? p.traits || null : null;
    this.lock = p ? p.tip : "";
    this.recBadge.hidden = !p;
    this.recNote.hidden = !(p && p.standalone);
    this.replay.hidden = Boolean(p);
    this.backLive.hidden = !p || p.standalone;
    if (p) this.recCard.hidden = false;
    else { setText(this.recStatus, ""); this.setRecording(this.hasRecording); }
    this.sync();
  }

  // the frames of a recording move its traits (the Static/Adaptive switch, the Planner, the load)
  setTraits(traits) { if (this.traits) this.traits = traits; }

  // the model has a recording to replay (or not)
  setRecording(has) {
    this.hasRecording = has;
    if (!this.lock) this.recCard.hidden = !has;
  }

  showStatus(text) { setText(this.recStatus, text); }

  // the open-loop workload ({kind, text}) or null for the paper's closed loop
  workload() {
    const w = this.get("_workload");
    return w && w.kind && w.kind !== "paper" ? { kind: String(w.kind), text: String(w.text || w.kind) } : null;
  }

  // model -> controls (traits changed in Python or in another view)
  sync() {
    const m = this, mode = m.get("mode"), s = this.schema;      // m.get: the recording's traits while one plays
    if (!s) return;
    const cMax = m.get("c_max"), open = this.workload(), lock = this.lock;
    const tip = lock || (open ? openLoopTip(open) : "");
    for (const b of this.tabs) {
      const share = s.mode_load[b.dataset.mode];
      b.classList.toggle("ow-on", !open && b.dataset.mode === mode);
      b.disabled = Boolean(open || lock);
      b.title = tip || `${Math.round(100 * share)}% load: C = ${Math.round(share * cMax)}`;
    }
    // a disabled control shows no tooltip in some browsers: its row carries it too
    this.slider.disabled = Boolean(open || lock);
    for (const el of [this.slider, this.tabRow, this.parts.footer]) el.title = tip;
    for (const el of [...this.sw, this.plan, this.demo, this.speed]) { el.disabled = Boolean(lock); el.title = lock; }
    this.play.disabled = Boolean(lock);
    const name = m.get("hypothesis"), choice = choiceOf(s, name);
    if (choice && this.modelSel.value !== name) this.modelSel.value = name;
    this.modelSel.disabled = Boolean(lock);
    this.modelSel.title = lock || choiceTip(choice);
    if (this.parts.model) this.parts.model.title = lock;       // (a disabled select shows no tooltip in some browsers)
    for (const el of this.cards) el.title = lock;
    if (open) {
      setText(this.narrTitle, "OPEN LOOP");
      setText(this.narr, OPEN_LOOP(s, open));
    } else {
      setText(this.narrTitle, mode.toUpperCase());
      setText(this.narr, NARRATIVE[mode] ? NARRATIVE[mode](s, Math.round(m.get("load") * cMax)) : "");
    }
    const ad = m.get("adaptive");
    this.sw[0].classList.toggle("ow-on", !ad); this.sw[1].classList.toggle("ow-on", ad);
    setText(this.plan, `Planner: ${m.get("planner") ? "on" : "off"}`);
    this.plan.classList.toggle("ow-on", m.get("planner"));
    setText(this.demo, m.get("demo") ? "Stop demo" : "Auto-demo");
    this.demo.classList.toggle("ow-on", m.get("demo"));
    setText(this.play, m.get("playing") ? "❚❚" : "▶");
    this.play.title = lock || (m.get("playing") ? "pause" : "play");
    if (document.activeElement !== this.speed) {
      this.speed.value = this.fromSpeed(m.get("speed"));
      setText(this.speedLab, `×${m.get("speed")} sim s / s`);
    }
    if (!this.dragging) { this.slider.value = String(Math.round(100 * m.get("load"))); this.showLoad(m.get("load")); }
  }
}
