// The stage's DOM overlay: each planet's name and live text, the pools' +/- buttons, the KVBM tier table, the
// Auto-demo badge and the model on the stage (a row of the hypothesis bench), laid over the canvas. Everything that
// names a parameter comes from the schema; a line that only a mechanism of the bench gives (the schema's
// `mechanisms`, `detector_signal`) shows only when the model on the stage has it.
import { h, setText } from "./dom.js";
import { fmtMs, fmtPct, fmtNum, DASH, isNum } from "./format.js";
import { REGIME_STYLE } from "./regimes.js";

const sum = (a) => { let x = 0; for (const v of a || []) x += v; return x; };

// H4: the detector's last poll window read both ways; the Prometheus one is what the detector uses
export function pollText(s) {
  const prom = s.poll_prometheus_p99_ms, exact = s.poll_exact_p99_ms;
  const read = isNum(prom) ? fmtMs(prom) : isNum(exact) ? "no data" : DASH;
  return `poll P99 · Prometheus ${read} · exact ${fmtMs(exact)}`;
}

// what the decode workers do for the bench's mechanisms (H1: the controller's direct requests they hold and how many
// prefill some now; H2: the reads they will post before their next step); "" when the model has neither
export function decodeMechText(dc, mech, W) {
  const parts = [];
  if (mech.direct && dc.direct) {
    let on = 0, pre = 0;
    dc.state.forEach((x, i) => { if (x !== W.off) { on++; pre += dc.prefilling && dc.prefilling[i] > 0 ? 1 : 0; } });
    parts.push(`direct ${fmtNum(sum(dc.direct))} · prefilling ${pre}/${on}`);
  }
  if (mech.posting && dc.posting) parts.push(`posting ${fmtNum(sum(dc.posting))}`);
  return parts.join(" · ");
}

export class Labels {
  constructor(overlay) {
    this.overlay = overlay;
    const mk = (key, cls, kids) => {
      const el = h("div", { class: `ow-planet ${cls}`, "data-planet": key }, kids);
      overlay.append(el);
      return el;
    };
    // H5: the clients waiting for a connection
    this.feWait = h("small", { class: "ow-mech", "data-role": "frontend-waiting", text: "", hidden: "" });
    this.fe = mk("frontend", "", [h("b", { text: "Frontend" }), h("small", { text: "INGRESS · HTTP · gRPC" }),
      this.feWait]);
    // H3: the frontend's decode leg as v0.9.0 routed it
    this.sunMech = h("small", { class: "ow-mech", "data-role": "router-mech", text: "", hidden: "" });
    this.sun = mk("router", "ow-sun", [h("b", { text: "— SMART ROUTER —" }), this.sunMech]);
    this.predictors = [];
    this.predRow = h("small", {}, ["CONTROL"]);
    this.plnState = h("small", { class: "ow-dim", text: "off" });
    this.pln = mk("planner", "", [h("b", { text: "Planner" }), this.predRow, this.plnState]);
    this.detRegime = h("span", { class: "ow-regime", text: DASH });
    this.detState = h("small", { text: "" });
    // H4: the last poll's P99 as the detector read it (Prometheus) beside the exact one
    this.detP99 = h("small", { class: "ow-mech", "data-role": "detector-p99", text: "", hidden: "" });
    this.det = mk("detector", "ow-det", [h("b", { text: "Saturation Detector" }),
      h("small", { class: "ow-dim", text: "helping the smart router" }), this.detRegime, this.detState, this.detP99]);
    const pool = (key, name, sym) => {
      const title = h("b", { text: `${name}×${DASH}` });
      const line = h("small", { text: `${sym} = ${DASH}` });
      const detail = h("small", { class: "ow-dim", "data-role": `${key}-detail`, text: "" });
      const mech = h("small", { class: "ow-mech", "data-role": `${key}-mech`, text: "", hidden: "" });
      const button = (role, title, text) => h("button", { class: "ow-btn ow-pm", "data-role": role, title, text });
      const tips = [`remove a ${name} worker`, `add a ${name} worker`];
      const minus = button(`${key}-minus`, tips[0], "−");
      const plus = button(`${key}-plus`, tips[1], "+");
      const row = h("div", { class: "ow-pmrow" }, [minus, h("small", { class: "ow-dim", text: "nodes" }), plus]);
      return { el: mk(key, "ow-pool", [title, line, detail, mech, row]), title, line, detail, mech, minus, plus, tips };
    };
    this.pf = pool("prefill", "Prefill", "N_p");
    this.dec = pool("decode", "Decode", "N_d");
    this.tiers = [];
    this.tierBox = h("div", {});
    this.kvSub = h("small", { text: "MEMORY · NIXL" });
    this.kv = mk("kvbm", "", [h("b", { text: "KVBM" }), this.kvSub, this.tierBox]);
    this.demo = h("div", { class: "ow-badge", "data-role": "demo-badge", text: "AUTO-DEMO", hidden: "" });
    // the model on the stage: its name and label (its tooltip: what it assumes, its sources)
    this.modelName = h("b", { text: "" });
    this.modelLabel = h("small", { text: "" });
    this.model = h("div", { class: "ow-model", "data-role": "model-badge", hidden: "" },
      [h("span", {}, ["MODEL ", this.modelName]), this.modelLabel]);
    overlay.append(this.demo, this.model);
  }

  // the hypothesis on the stage (an entry of the schema's `hypotheses`), or null: no badge
  setModel(choice, tip) {
    this.model.hidden = !choice;
    if (!choice) return;
    setText(this.modelName, String(choice.name));
    setText(this.modelLabel, String(choice.label || ""));
    this.model.title = tip;
  }

  // the Planner's predictors and the KVBM tiers, as the schema names them; the lines of the model's mechanisms
  setSchema(schema) {
    this.schema = schema;
    const mech = schema.mechanisms || {};
    this.mech = mech;
    this.feWait.hidden = !(mech.client_connections > 0);
    // (a recording from before the bench reads Prometheus too, but its frames do not carry the polls' P99s)
    const scalars = (schema.frame && schema.frame.scalars) || [];
    this.detP99.hidden = schema.detector_signal !== "prometheus" || !scalars.includes("poll_prometheus_p99_ms");
    this.sunMech.hidden = !mech.v090;
    setText(this.sunMech, mech.v090 ? "DECODE LEG · v0.9.0" : "");
    // H6: the prefill worker takes whatever waits at each pass
    this.pfDetail = mech.batched_prefill ? "batches what waits, each pass" : "";
    this.predictors = schema.predictors.map((p) => h("span", { class: "ow-pred", text: p.toUpperCase() }));
    this.predRow.replaceChildren("CONTROL", ...this.predictors.flatMap((el) => [" · ", el]));
    this.tiers = schema.kvbm_tiers.map((name) => {
      const v = h("span", { class: "ow-tierv", text: DASH });
      const bar = h("i", { class: "ow-tierbar" });
      return { row: h("div", { class: "ow-tier" }, [h("span", { text: name }), h("span", { class: "ow-track" }, [bar]),
        v]), v, bar };
    });
    this.tierBox.replaceChildren(...this.tiers.map((t) => t.row));
    const ids = schema.kvbm_tiers.map((name) => name.split(" ")[0]);     // a tier's id: its first word
    setText(this.kvSub, ids.length ? `MEMORY · ${ids[0]}–${ids[ids.length - 1]} · NIXL` : "MEMORY · NIXL");
  }

  // place the labels around the planets P (canvas pixels) of a W-wide stage
  place(P, W, det) {
    const put = (el, p, dy) => {
      el.style.left = `${p.x}px`; el.style.top = `${p.y + p.r + dy}px`; el.style.transform = "translate(-50%, 0)";
    };
    put(this.fe, P.fe, 6); put(this.sun, P.sun, 4); put(this.pln, P.pln, 4); put(this.pf.el, P.pf, 4);
    put(this.dec.el, P.dec, 4);
    // KVBM's tier table goes to its right, where there is room
    const kv = { left: `${P.kv.x + P.kv.r * 1.7}px`, top: `${P.kv.y}px`, transform: "translate(0, -50%)" };
    Object.assign(this.kv.style, kv);
    Object.assign(this.det.style, { left: `${det.x}px`, top: `${det.y}px`, transform: "translate(-30%, -100%)" });
    this.home = new Map([this.fe, this.sun, this.pln, this.pf.el, this.dec.el, this.kv, this.det]
      .map((el) => [el, [el.style.left, el.style.top]]));
    this.fit();
  }

  // keep every label inside the stage: a label whose text grew past an edge moves back in (from where
  // place() put it, so it returns once the text is short again). Reads layout: called on resize and at 10 Hz.
  fit() {
    const box = this.overlay.getBoundingClientRect(), pad = 2;
    if (!this.home || !Number.isFinite(box.left) || !Number.isFinite(box.top)) return;
    for (const [el, [left, top]] of this.home) {
      el.style.left = left; el.style.top = top;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const shift = (lo, hi, min, max) => {    // back over the far edge first; the near edge wins
        const d = hi > max ? max - hi : 0;
        return lo + d < min ? min - lo : d;
      };
      const dx = shift(r.left, r.right, box.left + pad, box.right - pad);
      const dy = shift(r.top, r.bottom, box.top + pad, box.bottom - pad);
      if (dx) el.style.left = `${parseFloat(left) + dx}px`;
      if (dy) el.style.top = `${parseFloat(top) + dy}px`;
    }
  }

  update(st, view) {
    const s = st.scalars, schema = this.schema, W = view.W;
    const on = st.flags.planner;
    this.predictors.forEach((el, i) => {
      el.classList.toggle("ow-on", on && schema.predictors[i] === schema.predictor);
    });
    setText(this.plnState, on ? `on · ${schema.predictor.toUpperCase()}` : "off");
    const regime = schema.regimes[st.regime];
    setText(this.detRegime, regime || DASH);
    this.detRegime.style.color = (REGIME_STYLE[regime] || {}).color || "";
    setText(this.detState, `${st.flags.stable ? "stable" : "switching"} · k=${st.k}/${st.hysteresis}`);
    const pool = (el, w, name, sym, util, more, detail) => {
      const n = [...w.state].filter((x) => x !== W.off && x !== W.draining).length;
      setText(el.title, `${name}×${n}`);
      setText(el.line, `${sym} = ${n} · util ${fmtPct(util)}${more}`);
      setText(el.detail, detail);
      // view.lock: why they are disabled while a recording plays (no kernel, or a replay)
      el.minus.disabled = Boolean(view.lock) || n <= 0;
      el.plus.disabled = Boolean(view.lock) || n >= view.maxWorkers;
      el.minus.title = view.lock || el.tips[0];
      el.plus.title = view.lock || el.tips[1];
    };
    const mech = this.mech || {};
    pool(this.pf, st.prefill, "Prefill", "N_p", s.prefill_util, ` · queue ${fmtNum(sum(st.prefill.queue))}`,
      this.pfDetail || "");
    pool(this.dec, st.decode, "Decode", "N_d", s.decode_util, "",
      `running ${fmtNum(sum(st.decode.running))} · waiting ${fmtNum(sum(st.decode.waiting))}`);
    const decMech = decodeMechText(st.decode, mech, W);
    setText(this.dec.mech, decMech);
    this.dec.mech.hidden = !decMech;
    if (mech.client_connections > 0) {
      setText(this.feWait, `connections ${mech.client_connections} · waiting ${fmtNum(s.client_waiting)}`);
    }
    if (!this.detP99.hidden) setText(this.detP99, pollText(s));
    this.tiers.forEach((t, i) => {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      setText(t.v, isNum(v) ? (isNum(c) && c > 0 ? fmtPct(v / c) : fmtNum(v)) : DASH);
      t.bar.style.width = isNum(v) && isNum(c) && c > 0 ? `${Math.min(100, (100 * v) / c)}%` : "0%";
    });
    this.demo.hidden = !st.flags.demo;
  }
}
