// The "?" dialog: what the simulation is, what its Saturation Detector reads, what the model does and does not
// reproduce of the paper, the model on the stage (a row of the hypothesis bench: what it assumes, its sources, what
// the stage shows of its mechanisms), and how to use it. Page state only (nothing goes to Python); every number
// comes from the schema (the detector's poll interval and histogram buckets, the paper's gain and where it was
// measured), every text about a hypothesis from the schema's `hypotheses` (set with textContent).
import { h, setText } from "./dom.js";
import { fmtParamMs } from "./format.js";
import { stageShows } from "./hypotheses.js";

// the frontend histogram's bucket bounds from the one below θ₁ to the one above θ₂, as "… a, b, c …"
export function bucketsAround(buckets, lo, hi) {
  const b = Array.isArray(buckets) ? buckets.filter((x) => x > 0) : [];
  const from = Math.max(0, b.findIndex((x) => x >= lo) - 1);
  let to = b.findIndex((x) => x >= hi);
  to = to < 0 ? b.length - 1 : Math.min(b.length - 1, to + 1);
  const shown = b.slice(from, to + 1);
  return shown.length ? `… ${shown.map(fmtParamMs).join(", ")} …` : "";
}

// what the Saturation Detector reads, as the schema says (an older recording's schema may not say)
export function detectorText(s) {
  const every = typeof s.poll_interval_s === "number" ? `every ${s.poll_interval_s} s` : "at every poll";
  if (s.detector_signal === "prometheus") {
    const b = bucketsAround(s.ttft_buckets_ms, s.theta1_ms, s.theta2_ms);
    return `The Saturation Detector reads TTFT P99 as the paper's controller did, polling Prometheus ${every}: `
      + "histogram_quantile(0.99) over the frontend's TTFT histogram, interpolated inside its buckets"
      + (b ? ` (${b})` : "") + ". Only requests that went through the frontend count, timed from there. So the "
      + "controller card's EWMA follows a bucketed P99, not the clients' own TTFT p99 (Throughput card).";
  }
  if (s.detector_signal === "exact") {
    return `The Saturation Detector reads the exact P99 of every client's TTFT, ${every} (the model before the `
      + "hypothesis bench; the default reads the frontend's Prometheus histogram, as the paper's controller did).";
  }
  return "";
}

// the paper's gain, which this model does not reproduce
export function paperText(s) {
  const g = s.paper_gain;
  if (!g || typeof g.ttft_p99 !== "number") return "";
  return `The paper measured adaptive routing lowering TTFT P99 ${g.ttft_p99}× on ${g.deployment}. This model does `
    + "not reproduce that: the hypothesis bench found no sourced mechanism that does (run `python -m orbits_widget "
    + "explain`, or read `docs/hypotheses.md`). The twins here show what the model does, side by side.";
}

// text with `code` spans (a command, a path) as nodes: the spans stay on one line
function fill(el, text) {
  if (el.textContent === text.split("`").join("")) return;
  el.replaceChildren(...text.split("`").map((part, i) => (i % 2 ? h("code", { text: part }) : part)));
}

export class Dialog {
  constructor(root, listeners) {
    this.deployment = h("span", { text: "" });
    this.modes = h("span", { text: "" });
    this.detector = h("p", { "data-role": "dialog-detector", text: "" });
    this.paper = h("p", { "data-role": "dialog-paper", text: "" });
    // the model on the stage
    this.modelName = h("b", { text: "" });
    this.modelAssumes = h("span", { text: "" });
    this.modelSource = h("small", { class: "ow-dim", "data-role": "dialog-model-source", text: "" });
    this.modelShows = h("ul", { "data-role": "dialog-model-stage" });
    this.modelBox = h("div", { "data-role": "dialog-model", hidden: "" }, [
      h("h3", { text: "The model on the stage" }),
      h("p", {}, [this.modelName, " ", this.modelAssumes]),
      h("p", {}, [this.modelSource]),
      this.modelShows,
      h("p", { text: "Switch it with the Model selector in the Controller card: both twins restart at t = 0 on the "
        + "same seed, and the chart is recomputed for it." })]);
    const li = (kids) => h("li", {}, kids);
    const box = h("div", { class: "ow-dialog-box" }, [
      h("button", { class: "ow-btn ow-close", "data-role": "dialog-close", text: "×" }),
      h("h3", { text: "About this simulation" }),
      h("p", {}, ["Companion to the paper \"The Price of Anarchy in Disaggregated Inference\" (arXiv 2606.17081). "
        + "It sets a "
        + "game-theoretic adaptive router (Saturation Detector + controller) against a static Dynamo baseline at "
        + "saturation, on ", this.deployment, ", simulated request by request in the Python kernel."]),
      h("p", { text: "Past the knee C* the Prefill pool saturates (each worker takes one request per pass) and TTFT "
        + "P99 is the queue in front of it. Watch the worker dots inside the Decode pool: under static, cache affinity "
        + "herds requests onto one worker; under adaptive the router flips (τ, ω) and the pool rebalances, yet "
        + "TTFT P99 barely moves, since no router setting shortens the prefill queue. What brings it back is one "
        + "more Prefill worker, added by the Planner or the + button on the Prefill planet (one more Decode worker "
        + "does not): the other half of the paper's §5 saturation decomposition." }),
      this.detector,
      this.paper,
      this.modelBox,
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        li(["Mode tabs (top of stage) — jump between load regimes: ", this.modes, "."]),
        li(["Load slider (bottom) — drag to set concurrency by hand from 0–100 % of C_max."]),
        li(["Auto-demo — scripts an A/B contrast at saturation (static first, then adaptive kicks in and "
          + "rebalances the Decode pool while TTFT P99 barely moves, then the Planner adds a Prefill worker); press "
          + "again to stop it."]),
        li(["Static / Adaptive (left panel) — choose which twin the stage shows; the side chart and panel show "
          + "both, and the cost of not adapting between them."]),
        li(["Model (Controller card) — choose which row of the hypothesis bench both twins run: a candidate "
          + "mechanism for the paper's adaptive gain, alone or combined; hover a choice for what it assumes and its "
          + "sources."]),
        li(["Pool +/− controls (on the Prefill and Decode planets) — scale N_p and N_d. A count of 0 is a full "
          + "outage; raising it adds capacity as the Planner would."]),
        li(["Side panel — live TTFT p99, P̂oA, worker dials and the mission log, updated every frame from Python."]),
      ])]);
    this.el = h("div", { class: "ow-dialog", "data-role": "dialog", hidden: "" }, [box]);
    root.append(this.el);
    listeners.on(this.el, "click", (e) => {
      if (e.target === this.el || e.target.dataset.role === "dialog-close") this.el.hidden = true;
    });
  }

  open() { this.el.hidden = false; }

  // the model on the stage (an entry of the schema's `hypotheses`, or null: nothing to say) and what the stage
  // shows of its mechanisms
  setModel(choice, schema) {
    this.modelBox.hidden = !choice;
    if (!choice) return;
    setText(this.modelName, `${choice.name} · ${choice.label || ""}.`);
    setText(this.modelAssumes, String(choice.assumes || ""));
    const strength = choice.strength && choice.strength !== "-" ? ` Evidence: ${choice.strength}.` : "";
    setText(this.modelSource, choice.source ? `Sources: ${choice.source}.${strength}` : strength.trim());
    const shows = stageShows(schema);
    const key = shows.join("\n");
    if (this.modelShowsKey !== key) {
      this.modelShowsKey = key;
      this.modelShows.replaceChildren(...(shows.length ? shows : ["No mechanism of the bench: the stage shows the "
        + "model as it was before it."]).map((t) => h("li", { text: t })));
    }
  }

  setSchema(schema) {
    setText(this.deployment, `the ${schema.deployment} deployment of ${schema.model}`);
    setText(this.modes, schema.modes.join(" → "));
    for (const [el, text] of [[this.detector, detectorText(schema)], [this.paper, paperText(schema)]]) {
      fill(el, text);
      el.hidden = !text;
    }
  }
}
