// The stage's DOM overlay: each planet's name and live text, the pools' +/- buttons, the KVBM tier table and
// the Auto-demo badge, laid over the canvas. Everything that names a parameter comes from the schema.
import { h, setText } from "./dom.js";
import { fmtPct, fmtNum, DASH, isNum } from "./format.js";
import { REGIME_STYLE } from "./regimes.js";

export class Labels {
  constructor(overlay) {
    this.overlay = overlay;
    const mk = (key, cls, kids) => {
      const el = h("div", { class: `ow-planet ${cls}`, "data-planet": key }, kids);
      overlay.append(el);
      return el;
    };
    this.fe = mk("frontend", "", [h("b", { text: "Frontend" }), h("small", { text: "INGRESS · HTTP · gRPC" })]);
    this.sun = mk("router", "ow-sun", [h("b", { text: "— SMART ROUTER —" })]);
    this.predictors = [];
    this.predRow = h("small", {}, ["CONTROL"]);
    this.plnState = h("small", { class: "ow-dim", text: "off" });
    this.pln = mk("planner", "", [h("b", { text: "Planner" }), this.predRow, this.plnState]);
    this.detRegime = h("span", { class: "ow-regime", text: DASH });
    this.detState = h("small", { text: "" });
    this.det = mk("detector", "ow-det", [h("b", { text: "Saturation Detector" }),
      h("small", { class: "ow-dim", text: "helping the smart router" }), this.detRegime, this.detState]);
    const pool = (key, name, sym) => {
      const title = h("b", { text: `${name}×${DASH}` });
      const line = h("small", { text: `${sym} = ${DASH}` });
      const detail = h("small", { class: "ow-dim", "data-role": `${key}-detail`, text: "" });
      const button = (role, title, text) => h("button", { class: "ow-btn ow-pm", "data-role": role, title, text });
      const tips = [`remove a ${name} worker`, `add a ${name} worker`];
      const minus = button(`${key}-minus`, tips[0], "−");
      const plus = button(`${key}-plus`, tips[1], "+");
      const row = h("div", { class: "ow-pmrow" }, [minus, h("small", { class: "ow-dim", text: "nodes" }), plus]);
      return { el: mk(key, "ow-pool", [title, line, detail, row]), title, line, detail, minus, plus, tips };
    };
    this.pf = pool("prefill", "Prefill", "N_p");
    this.dec = pool("decode", "Decode", "N_d");
    this.tiers = [];
    this.tierBox = h("div", {});
    this.kvSub = h("small", { text: "MEMORY · NIXL" });
    this.kv = mk("kvbm", "", [h("b", { text: "KVBM" }), this.kvSub, this.tierBox]);
    this.demo = h("div", { class: "ow-badge", "data-role": "demo-badge", text: "AUTO-DEMO", hidden: "" });
    overlay.append(this.demo);
  }

  // the Planner's predictors and the KVBM tiers, as the schema names them
  setSchema(schema) {
    this.schema = schema;
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
    const sum = (a) => [...a].reduce((x, y) => x + y, 0);
    pool(this.pf, st.prefill, "Prefill", "N_p", s.prefill_util, ` · queue ${fmtNum(sum(st.prefill.queue))}`, "");
    pool(this.dec, st.decode, "Decode", "N_d", s.decode_util, "",
      `running ${fmtNum(sum(st.decode.running))} · waiting ${fmtNum(sum(st.decode.waiting))}`);
    this.tiers.forEach((t, i) => {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      setText(t.v, isNum(v) ? (isNum(c) && c > 0 ? fmtPct(v / c) : fmtNum(v)) : DASH);
      t.bar.style.width = isNum(v) && isNum(c) && c > 0 ? `${Math.min(100, (100 * v) / c)}%` : "0%";
    });
    this.demo.hidden = !st.flags.demo;
  }
}
