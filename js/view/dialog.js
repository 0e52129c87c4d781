// The "?" dialog: what the simulation is, what its Saturation Detector reads, what the model does and does not
// reproduce of the paper, and how to use it. Page state only (nothing goes to Python); every number comes from the
// schema (the detector's poll interval and histogram buckets, the paper's gain and where it was measured).
import { h, setText } from "./dom.js";
import { fmtParamMs } from "./format.js";

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
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        li(["Mode tabs (top of stage) — jump between load regimes: ", this.modes, "."]),
        li(["Load slider (bottom) — drag to set concurrency by hand from 0–100 % of C_max."]),
        li(["Auto-demo — scripts an A/B contrast at saturation (static first, then adaptive kicks in and "
          + "rebalances the Decode pool while TTFT P99 barely moves, then the Planner adds a Prefill worker); press "
          + "again to stop it."]),
        li(["Static / Adaptive (left panel) — choose which twin the stage shows; the side chart and panel show "
          + "both, and the cost of not adapting between them."]),
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

  setSchema(schema) {
    setText(this.deployment, `the ${schema.deployment} deployment of ${schema.model}`);
    setText(this.modes, schema.modes.join(" → "));
    for (const [el, text] of [[this.detector, detectorText(schema)], [this.paper, paperText(schema)]]) {
      fill(el, text);
      el.hidden = !text;
    }
  }
}
