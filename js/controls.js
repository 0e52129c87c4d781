// Controls: header and "?" dialog, mode tabs and their narrative, the left panel (Static /
// Adaptive, Planner, Auto-demo, play/pause, speed, shuttle manifest) and the load slider.
// UI-only state (dialog open, tab hover, slider drag) stays here; model writes are debounced.
import { h, setText, debounce } from "./dom.js";
import { ROUTE_STYLE } from "./shuttles.js";

export const MODES = ["idle", "normal", "busy", "saturation"];
export const NARRATIVE = {
  idle: "Orbits are quiet. The Router's corona barely flickers. A few sentinel requests drift between Frontend and the Sun — just enough to keep the control loop warm.",
  normal: "Steady traffic. Shuttles stream from the Frontend round the Sun to both pools; every Decode worker carries its share and TTFT stays far below θ₁.",
  busy: "The orbits crowd just short of the knee. Decode slots fill, the corona brightens, and cache affinity starts pulling templates toward one Decode worker.",
  saturation: "Past the knee, C* = 128. Under static routing cache affinity herds requests onto one Decode worker and TTFT P99 explodes; the Saturation Detector needs three polls in a row before it flips (τ, ω).",
};

export class Controls {
  constructor(parts, model, listeners) {
    this.model = model;
    const on = listeners.on.bind(listeners);
    const save = (k, v) => { model.set(k, v); model.save_changes(); };
    // header
    this.subtitle = h("span", { class: "ow-dim", text: "" });
    this.help = h("button", { class: "ow-btn ow-help", "data-role": "help", title: "About this simulation", text: "?" });
    parts.header.append(h("div", { class: "ow-title" }, [h("h2", { text: "The orbits of Anarchy" }),
      h("div", { class: "ow-sub" }, [h("span", { text: "Powered by NVIDIA Dynamo" }), this.subtitle])]), this.help);
    // tabs
    this.tabs = MODES.map((m) => { const b = h("button", { class: "ow-tab", "data-role": `tab-${m}`, text: m }); on(b, "click", () => save("mode", m)); return b; });
    this.narrTitle = h("b", { text: "IDLE" }); this.narr = h("span", { text: NARRATIVE.idle });
    parts.tabs.append(h("div", { class: "ow-tabs" }, this.tabs), h("p", { class: "ow-narr", "data-role": "narrative" }, [this.narrTitle, " ", this.narr]));
    // left panel
    this.sw = ["static", "adaptive"].map((k) => { const b = h("button", { class: "ow-seg", "data-role": `switch-${k}`, text: k === "static" ? "Static" : "Adaptive" }); on(b, "click", () => save("adaptive", k === "adaptive")); return b; });
    this.plan = h("button", { class: "ow-btn ow-wide", "data-role": "planner", text: "Planner: off" });
    on(this.plan, "click", () => save("planner", !model.get("planner")));
    this.demo = h("button", { class: "ow-btn ow-wide ow-demo", "data-role": "demo", text: "Auto-demo" });
    on(this.demo, "click", () => save("demo", !model.get("demo")));
    this.play = h("button", { class: "ow-btn", "data-role": "play", text: "❚❚" });
    on(this.play, "click", () => save("playing", !model.get("playing")));
    const [lo, hi] = [0.25, 50];
    this.speed = h("input", { type: "range", min: "0", max: "1000", value: "0", "data-role": "speed", "aria-label": "simulation speed" });
    this.speedLab = h("small", { class: "ow-dim", text: "" });
    // log scale: slider 0..1000 -> 0.25..50 simulated seconds per second
    const toSpeed = (v) => +(lo * Math.pow(hi / lo, v / 1000)).toFixed(2);
    const fromSpeed = (s) => String(Math.round((1000 * Math.log(s / lo)) / Math.log(hi / lo)));
    this.fromSpeed = fromSpeed;
    const saveSpeed = debounce((v) => save("speed", v), 120);
    on(this.speed, "input", () => { const s = toSpeed(+this.speed.value); setText(this.speedLab, `×${s} sim s / s`); saveSpeed(s); });
    listeners.add(() => saveSpeed.cancel());
    const legend = Object.values(ROUTE_STYLE).map((r) => h("div", { class: "ow-leg" }, [h("i", { style: { background: r.color } }), h("div", {}, [h("span", { text: r.label }), h("small", { class: "ow-dim", text: r.path })])]));
    parts.left.append(
      h("section", { class: "ow-card" }, [h("h4", { text: "Router" }), h("div", { class: "ow-segs" }, this.sw), this.plan, this.demo]),
      h("section", { class: "ow-card" }, [h("h4", { text: "Simulation" }), h("div", { class: "ow-row" }, [this.play, this.speed]), this.speedLab]),
      h("section", { class: "ow-card", "data-panel": "manifest" }, [h("h4", { text: "Shuttle manifest" }), ...legend]));
    // load slider (0..100 %), concurrency shown beside it
    this.slider = h("input", { type: "range", min: "0", max: "100", step: "1", value: "0", "data-role": "load", "aria-label": "load" });
    this.loadLab = h("span", { class: "ow-loadlab", "data-role": "load-label", text: "0% load" });
    this.cLab = h("span", { class: "ow-dim", "data-role": "concurrency", text: "" });
    this.dragging = false;
    const saveLoad = debounce((v) => { this.dragging = false; save("load", v); }, 100);
    on(this.slider, "input", () => { this.dragging = true; this.showLoad(+this.slider.value / 100); saveLoad(+this.slider.value / 100); });
    listeners.add(() => saveLoad.cancel());
    parts.footer.append(this.loadLab, this.slider, this.cLab);
    // "?" dialog
    this.dialog = h("div", { class: "ow-dialog", "data-role": "dialog", hidden: "" }, [h("div", { class: "ow-dialog-box" }, [
      h("button", { class: "ow-btn ow-close", "data-role": "dialog-close", text: "×" }),
      h("h3", { text: "About this simulation" }),
      h("p", { text: "Companion to the paper \"Price of Anarchy for LLM Inference Routing\". It shows how a game-theoretic adaptive router (Saturation Detector + controller) cuts TTFT P99 at saturation compared with a static Dynamo baseline, on the paper's 340B 1P/2D deployment, simulated request by request in the Python kernel." }),
      h("p", { text: "Watch the worker dots inside the Decode pool: under static, cache affinity herds requests onto one worker; under adaptive at saturation the router flips (τ, ω) and the pool rebalances. Separately, the Planner scales pool size, as do the +/− buttons on the pool planets: the other half of the paper's §5 saturation decomposition." }),
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        h("li", { text: "Mode tabs (top of stage) — jump between load regimes: idle → normal → busy → saturation." }),
        h("li", { text: "Load slider (bottom) — drag to set concurrency by hand from 0–100 % of C_max." }),
        h("li", { text: "Auto-demo — scripts an A/B contrast at saturation (static first, then adaptive kicks in, then the Planner scales); press again to stop it." }),
        h("li", { text: "Static / Adaptive (left panel) — choose which twin the stage shows; the side chart and panel show the cost of not adapting." }),
        h("li", { text: "Pool +/− controls (on the Prefill and Decode planets) — scale N_p and N_d. A count of 0 is a full outage; raising it adds capacity as the Planner would." }),
        h("li", { text: "Side panel — live TTFT p99, P̂oA, worker dials and the mission log, updated every frame from Python." }),
      ])])]);
    parts.root.append(this.dialog);
    on(this.help, "click", () => { this.dialog.hidden = false; });
    on(this.dialog, "click", (e) => { if (e.target === this.dialog || e.target.dataset.role === "dialog-close") this.dialog.hidden = true; });
  }

  showLoad(load) {
    setText(this.loadLab, `${Math.round(100 * load)}% load`);
    setText(this.cLab, `C = ${Math.round(load * (this.model.get("c_max") || 256))}`);
  }

  // model -> controls (traits changed in Python or in another view)
  sync(info) {
    const m = this.model, mode = m.get("mode");
    this.tabs.forEach((b, i) => b.classList.toggle("ow-on", MODES[i] === mode));
    setText(this.narrTitle, mode.toUpperCase()); setText(this.narr, NARRATIVE[mode] || "");
    const ad = m.get("adaptive");
    this.sw[0].classList.toggle("ow-on", !ad); this.sw[1].classList.toggle("ow-on", ad);
    setText(this.plan, `Planner: ${m.get("planner") ? "on" : "off"}`); this.plan.classList.toggle("ow-on", m.get("planner"));
    setText(this.demo, m.get("demo") ? "Stop demo" : "Auto-demo"); this.demo.classList.toggle("ow-on", m.get("demo"));
    setText(this.play, m.get("playing") ? "❚❚" : "▶"); this.play.title = m.get("playing") ? "pause" : "play";
    if (document.activeElement !== this.speed) { this.speed.value = this.fromSpeed(m.get("speed")); setText(this.speedLab, `×${m.get("speed")} sim s / s`); }
    if (!this.dragging) { this.slider.value = String(Math.round(100 * m.get("load"))); this.showLoad(m.get("load")); }
    if (info && info.model) setText(this.subtitle, `Simulation calibrated to ${info.model}`);
  }
}
