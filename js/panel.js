// The side panel: THROUGHPUT, the controller card, "Adaptive vs. static", worker dials, mission log.
import { h, setText } from "./dom.js";
import { fmtMs, fmtNum, fmtPct, fmtTime, DASH, isNum } from "./format.js";
import { REGIMES } from "./frames.js";

const REGIME_TEXT = ["EWMA(TTFT P99) < θ₁", "θ₁ ≤ EWMA(TTFT P99) < θ₂", "EWMA(TTFT P99) ≥ θ₂"];
const POA = "P\u0302oA";   // P-hat, one combining character

export class Panel {
  constructor(root) {
    const stat = (label) => { const v = h("span", { class: "ow-val", text: DASH }); return { el: h("div", { class: "ow-stat" }, [h("span", { class: "ow-lab" }, label), v]), v }; };
    this.s = { rps: stat("RPS"), inflight: stat("in-flight"), queue: stat("queue"), p50: stat("TTFT p50"), gpus: stat("GPUs (P/D)"), poa: stat(POA) };
    const thr = h("section", { class: "ow-card", "data-panel": "throughput" }, [h("h4", { text: "THROUGHPUT" }), h("div", { class: "ow-grid" }, Object.values(this.s).map((x) => x.el))]);
    this.ctrlTitle = h("h4", { text: "Controller" });
    this.tau = h("span", { class: "ow-val", text: "0.0" }); this.omega = h("span", { class: "ow-val", text: "1.0" });
    this.regime = h("span", { class: "ow-regime", text: "BELOW" }); this.regimeText = h("small", { text: REGIME_TEXT[0] });
    this.ewma = h("small", { class: "ow-dim", text: "" });
    const formula = h("div", { class: "ow-formula" }, ["c", h("sub", { text: "j" }), " = ω·b", h("sup", { text: "p" }), h("sub", { text: "j" }), " + b", h("sup", { text: "a" }), h("sub", { text: "j" })]);
    const ctrl = h("section", { class: "ow-card", "data-panel": "controller" }, [this.ctrlTitle, formula,
      h("div", { class: "ow-row" }, [h("span", {}, ["τ ", this.tau]), h("span", {}, ["ω ", this.omega])]),
      h("div", { class: "ow-row" }, [this.regime, this.regimeText]), this.ewma]);
    const pair = () => ({ s: h("span", { class: "ow-val ow-static", text: DASH }), a: h("span", { class: "ow-val ow-adaptive", text: DASH }) });
    this.ab = { p99: pair(), poa: pair() };
    const abRow = (label, p) => h("div", { class: "ow-ab" }, [h("span", { class: "ow-lab" }, label), p.s, p.a]);
    this.gap = h("small", { class: "ow-dim", text: "" });
    const ab = h("section", { class: "ow-card", "data-panel": "ab" }, [h("h4", { text: "Adaptive vs. static" }),
      h("div", { class: "ow-ab" }, [h("span"), h("span", { class: "ow-dim", text: "static" }), h("span", { class: "ow-dim", text: "adaptive" })]), abRow("TTFT p99", this.ab.p99), abRow(POA, this.ab.poa), this.gap]);
    const dial = (name) => { const v = h("span", { class: "ow-dialv", text: "0%" }); const d = h("div", { class: "ow-dial" }, [v]); return { el: h("div", { class: "ow-dialbox" }, [d, h("small", { text: name })]), d, v }; };
    this.dials = { p: dial("Prefill"), d: dial("Decode") };
    const dials = h("section", { class: "ow-card", "data-panel": "dials" }, [h("h4", { text: "Worker dials" }), h("div", { class: "ow-row" }, [this.dials.p.el, this.dials.d.el])]);
    this.log = h("ol", { class: "ow-log", "data-role": "log" });
    const log = h("section", { class: "ow-card ow-logcard", "data-panel": "log" }, [h("h4", { text: "Mission log" }), this.log]);
    root.append(thr, ctrl, ab, dials, log);
    this.logKey = "";
  }

  update(st, info) {
    const s = st.scalars, S = this.s;
    setText(S.rps.v, fmtNum(s.rps, 1)); setText(S.inflight.v, fmtNum(s.in_flight)); setText(S.queue.v, fmtNum(s.queue));
    setText(S.p50.v, fmtMs(s.ttft_p50_ms)); setText(S.gpus.v, `${fmtNum(s.gpus_prefill)}/${fmtNum(s.gpus_decode)}`);
    setText(S.poa.v, fmtNum(s.poa_hat, 2));
    setText(this.ctrlTitle, `Controller · ${info.deployment || DASH}`);
    setText(this.tau, fmtNum(s.tau, 1)); setText(this.omega, fmtNum(s.omega, 1));
    setText(this.regime, REGIMES[st.regime] || DASH); this.regime.dataset.regime = String(st.regime);
    setText(this.regimeText, REGIME_TEXT[st.regime] || DASH);
    setText(this.ewma, `EWMA ${fmtMs(s.ewma_ms)} · θ₁ ${fmtMs(s.theta1_ms)} · ${st.flags.adaptive ? "adaptive" : "static"}`);
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
    const items = lines.slice().reverse().map(([t, kind, text]) => h("li", { class: `ow-k-${String(kind).replace(/[^a-z_]/g, "")}` }, [h("span", { class: "ow-t", text: fmtTime(t) }), h("span", { text: String(text) })]));
    this.log.replaceChildren(...items);
  }
}
