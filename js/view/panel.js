// The side panel: THROUGHPUT, the controller card (with the selector of the model on the stage, controls.js),
// "Adaptive vs. static", worker dials, mission log.
import { h, setText } from "./dom.js";
import { fmtMs, fmtNum, fmtParam, fmtPct, fmtTime, DASH, isNum } from "./format.js";
import { REGIME_STYLE } from "./regimes.js";

const POA = "P\u0302oA";   // P-hat, one combining character
// the controller card's EWMA line, on hover: what the Saturation Detector's signal is made of
const EWMA_TIP = {
  prometheus: "The Saturation Detector's signal: an EWMA of TTFT P99 read as histogram_quantile(0.99) over the "
    + "frontend's Prometheus TTFT histogram (bucketed; only requests that went through the frontend count).",
  exact: "The Saturation Detector's signal: an EWMA of the exact P99 of every client's TTFT.",
};

function card(panel, title, kids) {
  return h("section", { class: "ow-card", "data-panel": panel }, [title, ...kids]);
}

export class Panel {
  constructor(root) {
    const stat = (label) => {
      const v = h("span", { class: "ow-val", text: DASH });
      return { el: h("div", { class: "ow-stat" }, [h("span", { class: "ow-lab" }, label), v]), v };
    };
    this.s = { rps: stat("RPS"), inflight: stat("in-flight"), queue: stat("queue"), ttft: stat("TTFT p50 / p99"),
      gpus: stat("GPUs (P/D)"), poa: stat(POA) };
    this.s.ttft.el.classList.add("ow-span");     // "12.3 s / 25.1 s" needs the card's width
    const thr = card("throughput", h("h4", { text: "THROUGHPUT" }),
      [h("div", { class: "ow-grid" }, Object.values(this.s).map((x) => x.el))]);
    this.ctrlTitle = h("h4", { text: "Controller" });
    this.tau = h("span", { class: "ow-val", text: DASH }); this.omega = h("span", { class: "ow-val", text: DASH });
    this.regime = h("span", { class: "ow-regime", text: DASH }); this.regimeText = h("small", { text: "" });
    this.ewma = h("small", { class: "ow-dim", text: "" });
    const sub = () => h("sub", { text: "j" }), sup = (text) => h("sup", { text });
    const formula = h("div", { class: "ow-formula" },
      ["c", sub(), " = ω·b", sup("p"), sub(), " + b", sup("a"), sub()]);
    // the model on the stage: the selector (controls.js) goes here
    this.modelRow = h("div", { class: "ow-row ow-modelrow", "data-role": "model-row" });
    const ctrl = card("controller", this.ctrlTitle, [this.modelRow,
      h("div", { class: "ow-row ow-wrap" }, [formula, h("span", {}, ["τ ", this.tau]),
        h("span", {}, ["ω ", this.omega])]),
      h("div", { class: "ow-row" }, [this.regime, this.regimeText]), this.ewma]);
    const pair = () => ({ s: h("span", { class: "ow-val ow-static", text: DASH }),
      a: h("span", { class: "ow-val ow-adaptive", text: DASH }) });
    this.ab = { p99: pair(), poa: pair() };
    const abRow = (label, p) => h("div", { class: "ow-ab" }, [h("span", { class: "ow-lab" }, label), p.s, p.a]);
    this.gap = h("small", { class: "ow-dim", text: "" });
    // the column of the twin on the stage is marked
    const dim = (text) => h("span", { class: "ow-dim", text });
    this.abHead = { s: dim("static"), a: dim("adaptive") };
    const head = h("div", { class: "ow-ab" }, [h("span"), this.abHead.s, this.abHead.a]);
    const ab = card("ab", h("h4", { text: "Adaptive vs. static" }),
      [head, abRow("TTFT p99", this.ab.p99), abRow(POA, this.ab.poa), this.gap]);
    const dial = (name) => {
      const v = h("span", { class: "ow-dialv", text: "0%" }), d = h("div", { class: "ow-dial" }, [v]);
      return { el: h("div", { class: "ow-dialbox" }, [d, h("small", { text: name })]), d, v };
    };
    this.dials = { p: dial("Prefill"), d: dial("Decode") };
    const dials = card("dials", h("h4", { text: "Worker dials" }),
      [h("div", { class: "ow-row" }, [this.dials.p.el, this.dials.d.el])]);
    this.log = h("ol", { class: "ow-log", "data-role": "log" });
    const log = h("section", { class: "ow-card ow-logcard", "data-panel": "log" }, [h("h4", { text: "Mission log" }),
      this.log]);
    root.append(thr, ctrl, ab, dials, log);
    this.logKey = "";
  }

  setSchema(schema) {
    this.schema = schema;
    setText(this.ctrlTitle, `Controller · ${schema.deployment}`);
    this.ewma.title = EWMA_TIP[schema.detector_signal] || "";
  }

  update(st) {
    const s = st.scalars, S = this.s;
    setText(S.rps.v, fmtNum(s.rps, 1)); setText(S.inflight.v, fmtNum(s.in_flight)); setText(S.queue.v, fmtNum(s.queue));
    setText(S.ttft.v, `${fmtMs(s.ttft_p50_ms)} / ${fmtMs(s.ttft_p99_ms)}`);
    setText(S.gpus.v, `${fmtNum(s.gpus_prefill)}/${fmtNum(s.gpus_decode)}`);
    setText(S.poa.v, fmtNum(s.poa_hat, 2));
    setText(this.tau, fmtParam(s.tau)); setText(this.omega, fmtParam(s.omega));
    const regime = this.schema.regimes[st.regime], style = REGIME_STYLE[regime];
    setText(this.regime, regime || DASH); this.regime.style.color = style ? style.color : "";
    setText(this.regimeText, style ? style.text : DASH);
    setText(this.ewma, `EWMA ${fmtMs(s.ewma_ms)} · θ₁ ${fmtMs(s.theta1_ms)} · θ₂ ${fmtMs(s.theta2_ms)}`);
    this.abHead.s.classList.toggle("ow-shown", !st.flags.adaptive);
    this.abHead.a.classList.toggle("ow-shown", st.flags.adaptive);
    setText(this.ab.p99.s, fmtMs(s.static_ttft_p99_ms)); setText(this.ab.p99.a, fmtMs(s.adaptive_ttft_p99_ms));
    setText(this.ab.poa.s, fmtNum(s.static_poa_hat, 2)); setText(this.ab.poa.a, fmtNum(s.adaptive_poa_hat, 2));
    const gap = s.static_ttft_p99_ms - s.adaptive_ttft_p99_ms;
    setText(this.gap, isNum(gap) ? `cost of not adapting ${fmtMs(Math.max(0, gap))}` : "");
    for (const [d, v] of [[this.dials.p, s.prefill_util], [this.dials.d, s.decode_util]]) {
      const pct = isNum(v) ? Math.max(0, Math.min(1, v)) : 0;
      d.d.style.setProperty("--ow-dial", `${Math.round(360 * pct)}deg`); setText(d.v, fmtPct(v));
    }
  }

  // the mission log is replaced only when Python sent a new one (a JSON trait)
  setLog(lines) {
    const key = lines.length ? `${lines.length}|${lines[lines.length - 1].join("|")}` : "";
    if (key === this.logKey) return;
    this.logKey = key;
    const item = ([t, kind, text]) => h("li", { class: `ow-k-${String(kind).replace(/[^a-z_]/g, "")}` },
      [h("span", { class: "ow-t", text: fmtTime(t) }), h("span", { text: String(text) })]);
    this.log.replaceChildren(...lines.slice().reverse().map(item));
  }
}
