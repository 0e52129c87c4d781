// Controls: header, mode tabs and their narrative, the left panel (Static / Adaptive, Planner, Auto-demo,
// play/pause, speed) and the load slider. UI-only state (tab hover, slider drag) stays here; model writes
// are debounced. The tabs, the speed range and every number in the text come from the schema.
import { h, setText, debounce } from "./dom.js";
import { fmtParamMs } from "./format.js";

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
    + `${s.hysteresis} polls in a row past θ₂ = ${fmtParamMs(s.theta2_ms)} the Saturation Detector flips (τ, ω): the `
    + "Decode pool rebalances, but only another Prefill worker (the Planner's) shortens that queue.",
};

export class Controls {
  constructor(parts, model, listeners) {
    this.model = model;
    this.on = listeners.on.bind(listeners);
    this.save = (k, v) => { model.set(k, v); model.save_changes(); };
    const { on, save } = this;
    // header
    this.subtitle = h("span", { class: "ow-dim", text: "" });
    this.help = h("button", { class: "ow-btn ow-help", "data-role": "help", title: "About this simulation",
      text: "?" });
    parts.header.append(h("div", { class: "ow-title" }, [h("h2", { text: "The orbits of Anarchy" }),
      h("div", { class: "ow-sub" }, [h("span", { text: "Powered by NVIDIA Dynamo" }), this.subtitle])]), this.help);
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
    parts.left.append(
      h("section", { class: "ow-card" }, [h("h4", { text: "Router" }), h("div", { class: "ow-segs" }, this.sw),
        this.plan, this.demo]),
      h("section", { class: "ow-card" }, [h("h4", { text: "Simulation" }), h("div", { class: "ow-row" },
        [this.play, this.speed]), this.speedLab]));
    // load slider (0..100 %), concurrency shown beside it
    this.slider = h("input", { type: "range", min: "0", max: "100", step: "1", value: "0", "data-role": "load",
      "aria-label": "load" });
    this.loadLab = h("span", { class: "ow-loadlab", "data-role": "load-label", text: "0% load" });
    this.cLab = h("span", { class: "ow-dim", "data-role": "concurrency", text: "" });
    this.dragging = false;
    const saveLoad = debounce((v) => { this.dragging = false; save("load", v); }, 100);
    on(this.slider, "input", () => {
      this.dragging = true;
      this.showLoad(+this.slider.value / 100);
      saveLoad(+this.slider.value / 100);
    });
    listeners.add(() => saveLoad.cancel());
    parts.footer.append(this.loadLab, this.slider, this.cLab);
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
        this.on(b, "click", () => this.save("mode", m));
        return b;
      });
      this.tabRow.replaceChildren(...this.tabs);
    }
    setText(this.subtitle, `Simulation calibrated to ${schema.model}`);
  }

  showLoad(load) {
    setText(this.loadLab, `${Math.round(100 * load)}% load`);
    setText(this.cLab, `C = ${Math.round(load * this.model.get("c_max"))}`);
  }

  // model -> controls (traits changed in Python or in another view)
  sync() {
    const m = this.model, mode = m.get("mode"), s = this.schema;
    if (!s) return;
    const cMax = m.get("c_max");
    for (const b of this.tabs) {
      const share = s.mode_load[b.dataset.mode];
      b.classList.toggle("ow-on", b.dataset.mode === mode);
      b.title = `${Math.round(100 * share)}% load: C = ${Math.round(share * cMax)}`;
    }
    setText(this.narrTitle, mode.toUpperCase());
    setText(this.narr, NARRATIVE[mode] ? NARRATIVE[mode](s, Math.round(m.get("load") * cMax)) : "");
    const ad = m.get("adaptive");
    this.sw[0].classList.toggle("ow-on", !ad); this.sw[1].classList.toggle("ow-on", ad);
    setText(this.plan, `Planner: ${m.get("planner") ? "on" : "off"}`);
    this.plan.classList.toggle("ow-on", m.get("planner"));
    setText(this.demo, m.get("demo") ? "Stop demo" : "Auto-demo");
    this.demo.classList.toggle("ow-on", m.get("demo"));
    setText(this.play, m.get("playing") ? "❚❚" : "▶"); this.play.title = m.get("playing") ? "pause" : "play";
    if (document.activeElement !== this.speed) {
      this.speed.value = this.fromSpeed(m.get("speed"));
      setText(this.speedLab, `×${m.get("speed")} sim s / s`);
    }
    if (!this.dragging) { this.slider.value = String(Math.round(100 * m.get("load"))); this.showLoad(m.get("load")); }
  }
}
