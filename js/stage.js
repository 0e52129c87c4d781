// The stage: planets, orbits, the Sun's corona, worker dots and shuttles on a canvas, with the
// planets' labels and +/- buttons as DOM elements laid over it.
import { h, setText } from "./dom.js";
import { fmtPct, fmtNum, DASH, isNum } from "./format.js";
import { REGIMES, W_OFF, W_STARTING, W_DRAINING } from "./frames.js";
import { Shuttles, PER_FRAME } from "./shuttles.js";

const REGIME_COLOR = ["#4ade80", "#fbbf24", "#f87171"];
const TIERS = ["G1 HBM", "G2 DRAM", "G3 SSD", "G4 NET"];
const PREDICTORS = ["ARIMA", "KALMAN"];

// planet centres as fractions of the canvas, radii as fractions of its smaller side
const PLACES = {
  fe: [0.11, 0.5, 0.065], sun: [0.46, 0.48, 0.085], pln: [0.34, 0.11, 0.055], pf: [0.26, 0.8, 0.095],
  dec: [0.82, 0.42, 0.13], kv: [0.56, 0.82, 0.06],
};

export class Stage {
  constructor(root, callbacks) {
    this.cb = callbacks;
    this.canvas = h("canvas", { class: "ow-canvas" });
    this.overlay = h("div", { class: "ow-overlay" });
    root.append(this.canvas, this.overlay);
    this.ctx = this.canvas.getContext("2d");
    this.shuttles = new Shuttles();
    this.stars = [];
    this.W = 0; this.H = 0;
    this.labels = this.buildLabels();
  }

  buildLabels() {
    const L = {};
    const mk = (key, cls, kids) => { const el = h("div", { class: `ow-planet ${cls}`, "data-planet": key }, kids); this.overlay.append(el); return el; };
    L.fe = mk("frontend", "", [h("b", { text: "Frontend" }), h("small", { text: "INGRESS · HTTP · gRPC" })]);
    L.sunName = h("b", { text: "— SMART ROUTER —" });
    L.sun = mk("router", "ow-sun", [L.sunName]);
    L.predictors = PREDICTORS.map((p) => h("span", { class: "ow-pred", text: p }));
    L.plnState = h("small", { class: "ow-dim", text: "off" });
    L.pln = mk("planner", "", [h("b", { text: "Planner" }),
      h("small", {}, ["CONTROL", " · ", L.predictors[0], " · ", L.predictors[1]]), L.plnState]);
    L.detRegime = h("span", { class: "ow-regime", text: "BELOW" });
    L.detState = h("small", { text: "stable · k=0/3" });
    L.det = mk("detector", "ow-det", [h("b", { text: "Saturation Detector" }), h("small", { class: "ow-dim", text: "helping the smart router" }), L.detRegime, L.detState]);
    const pool = (key, name, sym) => {
      const title = h("b", { text: `${name}×1` });
      const line = h("small", { text: `${sym} = 1 · util 0%` });
      const minus = h("button", { class: "ow-btn ow-pm", "data-role": `${key}-minus`, title: `remove a ${name} worker`, text: "−" });
      const plus = h("button", { class: "ow-btn ow-pm", "data-role": `${key}-plus`, title: `add a ${name} worker`, text: "+" });
      const el = mk(key, "ow-pool", [title, line, h("div", { class: "ow-pmrow" }, [minus, h("small", { class: "ow-dim", text: "nodes" }), plus])]);
      return { el, title, line, minus, plus };
    };
    L.pf = pool("prefill", "Prefill", "N_p");
    L.dec = pool("decode", "Decode", "N_d");
    L.tiers = TIERS.map((t) => { const v = h("span", { class: "ow-tierv", text: DASH }); const bar = h("i", { class: "ow-tierbar" }); return { row: h("div", { class: "ow-tier" }, [h("span", { text: t }), h("span", { class: "ow-track" }, [bar]), v]), v, bar }; });
    L.kv = mk("kvbm", "", [h("b", { text: "KVBM" }), h("small", { text: "MEMORY · G1–G4 · NIXL" }), ...L.tiers.map((t) => t.row)]);
    return L;
  }

  resize(W, H) {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.W = W; this.H = H;
    this.canvas.width = Math.round(W * dpr); this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${W}px`; this.canvas.style.height = `${H}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const m = Math.min(W, H);
    this.P = {};
    for (const [k, [fx, fy, fr]] of Object.entries(PLACES)) this.P[k] = { x: fx * W, y: fy * H, r: fr * m };
    this.stars = Array.from({ length: Math.round(W * H / 2500) }, () => [Math.random() * W, Math.random() * H, Math.random() * 1.2 + 0.2, Math.random()]);
    const place = (el, p, dy, anchorTop = true) => {
      el.style.left = `${p.x}px`; el.style.top = `${p.y + (anchorTop ? p.r + dy : -p.r - dy)}px`;
      el.style.transform = anchorTop ? "translate(-50%, 0)" : "translate(-50%, -100%)";
    };
    const L = this.labels;
    place(L.fe, this.P.fe, 6); place(L.sun, this.P.sun, 4); place(L.pln, this.P.pln, 4);
    place(L.pf.el, this.P.pf, 4);
    // KVBM's tier table goes to its right, where there is room
    L.kv.style.left = `${this.P.kv.x + this.P.kv.r * 1.7}px`; L.kv.style.top = `${this.P.kv.y}px`;
    L.kv.style.transform = "translate(0, -50%)";
    place(L.dec.el, this.P.dec, 4);
    const det = this.moonPos(0);
    L.det.style.left = `${this.P.sun.x + 2.4 * this.P.sun.r}px`; L.det.style.top = `${this.P.sun.y - 2.3 * this.P.sun.r}px`;
    L.det.style.transform = "translate(-30%, -100%)";
    this.detXY = det;
    // keep every label inside the stage (the Frontend sits near the left edge)
    for (const el of this.overlay.children) {
      const w = el.offsetWidth, x = parseFloat(el.style.left);
      if (w && Number.isFinite(x) && el !== L.det && el !== L.kv) el.style.left = `${Math.min(W - w / 2 - 2, Math.max(w / 2 + 2, x))}px`;
    }
  }

  moonPos(now) {
    const s = this.P.sun, a = -0.9 + 0.25 * Math.sin(now / 4000);
    return [s.x + 1.9 * s.r * Math.cos(a), s.y + 1.9 * s.r * Math.sin(a)];
  }

  // worker dot positions inside a pool planet (up to n slots on a ring)
  slots(p, n) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      const rr = n <= 1 ? 0 : p.r * 0.55;
      out.push([p.x + rr * Math.cos(a), p.y + rr * Math.sin(a)]);
    }
    return out;
  }

  // spawn sampled shuttles for a newly arrived frame
  onFrame(f, now) {
    if (!this.P || !f.flags.playing) return;
    const P = this.P, R = f.routes;
    const pfSlots = this.slots(P.pf, f.prefill.state.length), dSlots = this.slots(P.dec, f.decode.state.length);
    const activeP = [...f.prefill.state].map((s, i) => (s !== W_OFF ? i : -1)).filter((i) => i >= 0);
    const pickP = () => (activeP.length ? pfSlots[activeP[Math.floor(Math.random() * activeP.length)]] : [P.pf.x, P.pf.y]);
    const n = (c) => Math.min(PER_FRAME, c);
    const S = this.shuttles, fe = [P.fe.x, P.fe.y], sun = [P.sun.x, P.sun.y], kv = [P.kv.x, P.kv.y], pln = [P.pln.x, P.pln.y];
    for (let i = 0; i < n(R.request_prefill); i++) S.launch("request_prefill", [fe, sun, pickP()], now, 1100);
    for (let j = 0; j < f.decode_routed.length; j++) for (let i = 0; i < Math.min(2, f.decode_routed[j]); i++) S.launch("request_decode", [sun, [(sun[0] + dSlots[j][0]) / 2, sun[1] - 30], dSlots[j]], now);
    for (let j = 0; j < f.decode_done.length; j++) for (let i = 0; i < Math.min(2, f.decode_done[j]); i++) S.launch("tokens_home", [dSlots[j], [(fe[0] + dSlots[j][0]) / 2, P.pln.y + P.pln.r * 2], fe], now, 1400);
    for (let i = 0; i < n(R.kv_freighter); i++) { S.launch("kv_freighter", [pickP(), [(P.pf.x + kv[0]) / 2, P.pf.y + P.pf.r], kv], now); S.launch("kv_freighter", [kv, [(kv[0] + P.dec.x) / 2, kv[1]], [P.dec.x, P.dec.y + P.dec.r * 0.5]], now + 400); }
    for (let i = 0; i < n(R.metrics_probe); i++) S.launch("metrics_probe", [i % 2 ? [P.pf.x, P.pf.y] : [P.dec.x, P.dec.y], [P.sun.x + (i % 2 ? -1 : 1) * P.sun.r * 3, P.pln.y + P.pln.r], pln], now, 1000);
    for (let i = 0; i < n(R.control_signal); i++) { S.launch("control_signal", [pln, [pln[0] + 20, (pln[1] + sun[1]) / 2], sun], now, 700); S.launch("control_signal", [pln, [P.dec.x, pln[1]], [P.dec.x, P.dec.y]], now, 900); }
  }

  draw(st, info, now) {
    const { ctx, W, H, P } = this;
    if (!P) return;
    const g = ctx.createRadialGradient(W * 0.45, H * 0.45, 10, W * 0.45, H * 0.45, Math.max(W, H));
    g.addColorStop(0, "#0c1433"); g.addColorStop(1, "#03050f");
    ctx.fillStyle = g; ctx.fillRect(0, 0, W, H);
    for (const [x, y, r, p] of this.stars) { ctx.globalAlpha = 0.35 + 0.35 * Math.sin(now / 900 + p * 20); ctx.fillStyle = "#c7d2fe"; ctx.fillRect(x, y, r, r); }
    ctx.globalAlpha = 1;
    // orbits: each planet's path around the Sun
    ctx.strokeStyle = "rgba(120,140,220,0.13)"; ctx.lineWidth = 1; ctx.setLineDash([3, 6]);
    for (const k of ["fe", "pln", "pf", "dec", "kv"]) { const d = Math.hypot(P[k].x - P.sun.x, P[k].y - P.sun.y); ctx.beginPath(); ctx.arc(P.sun.x, P.sun.y, d, 0, 2 * Math.PI); ctx.stroke(); }
    ctx.setLineDash([]);
    if (!st) { this.planet(P.sun, "#ffb020", "#ff7a00"); return; }
    const s = st.scalars, load = isNum(s.concurrency) ? Math.min(1, s.concurrency / (info.c_max || 256)) : 0;
    // Sun: corona flickers with load
    const flick = 1 + load * (0.25 + 0.12 * Math.sin(now / 90) + 0.08 * Math.sin(now / 37));
    const cor = ctx.createRadialGradient(P.sun.x, P.sun.y, P.sun.r * 0.8, P.sun.x, P.sun.y, P.sun.r * (1.5 + 0.9 * flick * load + 0.2));
    cor.addColorStop(0, `rgba(255,170,40,${0.35 + 0.4 * load})`); cor.addColorStop(1, "rgba(255,120,0,0)");
    ctx.fillStyle = cor; ctx.beginPath(); ctx.arc(P.sun.x, P.sun.y, P.sun.r * 3, 0, 2 * Math.PI); ctx.fill();
    this.planet(P.sun, "#ffd166", "#ff8c00");
    this.planet(P.fe, "#7dd3fc", "#1e3a8a");
    this.planet(P.pln, st.flags.planner ? "#c4b5fd" : "#6b7280", "#312e81");
    this.planet(P.kv, "#fcd34d", "#78350f");
    this.pool(P.pf, st.prefill, "#22d3ee", "#0e3a4a", (i) => Math.min(1, st.prefill.util[i] + 0.1 * Math.min(5, st.prefill.queue[i])), (i) => st.prefill.queue[i] / 8);
    this.pool(P.dec, st.decode, "#a78bfa", "#2e1065", (i) => st.decode.slot_util[i], (i) => st.decode.waiting[i] / (info.max_seqs || 64));
    // detector moon
    const [mx, my] = this.moonPos(now);
    ctx.fillStyle = REGIME_COLOR[st.regime] || "#999"; ctx.shadowColor = ctx.fillStyle; ctx.shadowBlur = 12;
    ctx.beginPath(); ctx.arc(mx, my, Math.max(5, P.sun.r * 0.22), 0, 2 * Math.PI); ctx.fill(); ctx.shadowBlur = 0;
    this.kvbm(st);
    this.shuttles.draw(ctx, now);
    this.updateLabels(st, info);
  }

  planet(p, c1, c2) {
    const ctx = this.ctx;
    const g = ctx.createRadialGradient(p.x - p.r * 0.35, p.y - p.r * 0.35, p.r * 0.1, p.x, p.y, p.r);
    g.addColorStop(0, c1); g.addColorStop(1, c2);
    ctx.fillStyle = g; ctx.beginPath(); ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI); ctx.fill();
  }

  pool(p, w, c1, c2, loadOf, queueOf) {
    const ctx = this.ctx, n = w.state.length;
    const alive = [...w.state].some((s) => s !== W_OFF);
    this.planet(p, alive ? c2 : "#1f2937", "#050816");
    ctx.strokeStyle = alive ? c1 : "#ef4444"; ctx.lineWidth = 1.5; if (!alive) ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
    if (!alive) { ctx.fillStyle = "#fca5a5"; ctx.font = "bold 12px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.fillText("OUTAGE", p.x, p.y + 4); return; }
    const pos = this.slots(p, n), base = Math.max(4, p.r * 0.16);
    for (let i = 0; i < n; i++) {
      const st = w.state[i];
      if (st === W_OFF) continue;
      const [x, y] = pos[i], l = Math.max(0, Math.min(1, loadOf(i) || 0)), q = Math.max(0, Math.min(1.5, queueOf(i) || 0));
      if (q > 0.01) { ctx.strokeStyle = "rgba(248,113,113,0.7)"; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(x, y, base * (1.25 + q), 0, 2 * Math.PI); ctx.stroke(); }
      const r = base * (0.55 + 0.6 * l);
      if (st === W_STARTING) { ctx.strokeStyle = c1; ctx.setLineDash([2, 3]); ctx.lineWidth = 1.5; ctx.beginPath(); ctx.arc(x, y, base * 0.9, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]); continue; }
      ctx.globalAlpha = st === W_DRAINING ? 0.4 : 0.45 + 0.55 * l;
      ctx.fillStyle = st === W_DRAINING ? "#9ca3af" : c1; ctx.shadowColor = c1; ctx.shadowBlur = st === W_DRAINING ? 0 : 14 * l;
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill();
      ctx.shadowBlur = 0; ctx.globalAlpha = 1;
    }
  }

  kvbm(st) {
    const ctx = this.ctx, p = this.P.kv, s = st.scalars;
    for (let i = 0; i < 4; i++) {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      const frac = isNum(v) && isNum(c) && c > 0 ? Math.min(1, v / c) : 0;
      ctx.strokeStyle = `rgba(252,211,77,${isNum(v) ? 0.25 + 0.6 * frac : 0.12})`; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.arc(p.x, p.y, p.r * (1.12 + 0.14 * i), -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * Math.max(0.02, frac)); ctx.stroke();
    }
  }

  updateLabels(st, info) {
    const L = this.labels, s = st.scalars;
    L.predictors.forEach((el, i) => el.classList.toggle("ow-on", st.flags.planner && (info.predictor || "").toUpperCase() === PREDICTORS[i]));
    setText(L.plnState, st.flags.planner ? `on · ${(info.predictor || "").toUpperCase()}` : "off");
    const reg = REGIMES[st.regime] || DASH;
    setText(L.detRegime, reg); L.detRegime.style.color = REGIME_COLOR[st.regime] || "";
    setText(L.detState, `${st.flags.stable ? "stable" : "switching"} · k=${st.k}/${st.hysteresis}`);
    const pool = (el, w, name, sym, util) => {
      const n = [...w.state].filter((x) => x !== W_OFF && x !== W_DRAINING).length;
      setText(el.title, `${name}×${n}`);
      setText(el.line, `${sym} = ${n} · util ${fmtPct(util)}`);
      el.minus.disabled = n <= 0; el.plus.disabled = n >= (info.max_workers || 8);
    };
    pool(L.pf, st.prefill, "Prefill", "N_p", s.prefill_util);
    pool(L.dec, st.decode, "Decode", "N_d", s.decode_util);
    L.tiers.forEach((t, i) => {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      setText(t.v, isNum(v) ? (isNum(c) && c > 0 ? fmtPct(v / c) : fmtNum(v)) : DASH);
      t.bar.style.width = isNum(v) && isNum(c) && c > 0 ? `${Math.min(100, (100 * v) / c)}%` : "0%";
    });
  }
}
