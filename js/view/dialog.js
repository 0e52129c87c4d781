// The "?" dialog: what the simulation is and how to use it. Page state only (nothing goes to Python).
import { h, setText } from "./dom.js";

export class Dialog {
  constructor(root, listeners) {
    this.deployment = h("span", { text: "" });
    this.modes = h("span", { text: "" });
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
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        li(["Mode tabs (top of stage) — jump between load regimes: ", this.modes, "."]),
        li(["Load slider (bottom) — drag to set concurrency by hand from 0–100 % of C_max."]),
        li(["Auto-demo — scripts an A/B contrast at saturation (static first, then adaptive kicks in and "
          + "rebalances the Decode pool, then the Planner adds a Prefill worker); press again to stop it."]),
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
  }
}
