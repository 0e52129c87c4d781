// The stage: planets, orbits, the Sun's corona, worker dots and shuttles on a canvas; the labels and the
// +/- buttons are DOM elements laid over it (labels.js). What a hypothesis of the bench adds to the model on the stage
// (the schema's `mechanisms`) is drawn from the frame's counters: the controller's direct shuttles Frontend -> decode
// and the decode workers that prefill them (H1), the NIXL reads each decode worker will post before its next step
// (H2), the clients waiting at the Frontend for a connection (H5).
import { h } from "./dom.js";
import { isNum } from "./format.js";
import { Labels } from "./labels.js";
import { REGIME_STYLE } from "./regimes.js";
import { Shuttles, PER_FRAME } from "./shuttles.js";

// planet centres as fractions of the canvas, radii as fractions of its smaller side
export const PLACES = {
  fe: [0.11, 0.5, 0.065], sun: [0.46, 0.48, 0.085], pln: [0.34, 0.11, 0.055], pf: [0.26, 0.8, 0.095],
  dec: [0.82, 0.42, 0.13], kv: [0.56, 0.82, 0.06],
};
const QUEUE_FULL = 8;           // a prefill queue this long draws the fullest ring
export const PREFILL_COLOR = "#22d3ee";   // the prefill pool's dots; a decode worker prefilling (H1) takes it
export const POSTING_COLOR = "#f59e0b";   // a NIXL read to post (H2): the KV freighters' colour
export const WAITING_COLOR = "rgba(251,113,133,0.9)";   // clients waiting for a connection (H5)
const POSTING_MARKS = 6;        // marks drawn per decode worker at most
const POSTING_HOLD = 350;       // ms a worker's marks stay after its reads are posted (they last a step or so)

export class Stage {
  constructor(root) {
    this.canvas = h("canvas", { class: "ow-canvas" });
    this.overlay = h("div", { class: "ow-overlay" });
    root.append(this.canvas, this.overlay);
    this.ctx = this.canvas.getContext("2d");
    this.shuttles = new Shuttles();
    this.stars = [];
    this.W = 0; this.H = 0;
    this.labels = new Labels(this.overlay);
    this.posted = [];           // per decode worker: [marks, until (ms)] of its last reads to post (UI-only)
  }

  setSchema(schema) { this.labels.setSchema(schema); }

  // no shuttle of the previous source of frames flies on
  reset() { this.shuttles.live = []; this.posted = []; }

  // labels back inside the stage after their text changed (widget.js calls it with the panel, at 10 Hz)
  fitLabels() { this.labels.fit(); }

  resize(W, H) {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.W = W; this.H = H;
    this.canvas.width = Math.round(W * dpr); this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${W}px`; this.canvas.style.height = `${H}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const m = Math.min(W, H);
    this.P = {};
    for (const [k, [fx, fy, fr]] of Object.entries(PLACES)) this.P[k] = { x: fx * W, y: fy * H, r: fr * m };
    const rnd = Math.random;
    const star = () => [rnd() * W, rnd() * H, rnd() * 1.2 + 0.2, rnd()];
    this.stars = Array.from({ length: Math.round(W * H / 2500) }, star);
    const sun = this.P.sun;
    this.labels.place(this.P, W, { x: sun.x + 2.4 * sun.r, y: sun.y - 2.3 * sun.r });
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
  onFrame(f, now, view) {
    if (!this.P || !f.flags.playing) return;
    const P = this.P, R = f.routes, S = this.shuttles;
    const dec = [P.dec.x, P.dec.y], pf = [P.pf.x, P.pf.y];
    const pfSlots = this.slots(P.pf, f.prefill.state.length), dSlots = this.slots(P.dec, f.decode.state.length);
    const activeP = [...f.prefill.state].map((s, i) => (s !== view.W.off ? i : -1)).filter((i) => i >= 0);
    const pickP = () => (activeP.length ? pfSlots[activeP[Math.floor(Math.random() * activeP.length)]] : pf);
    const n = (c) => Math.min(PER_FRAME, c);
    const fe = [P.fe.x, P.fe.y], sun = [P.sun.x, P.sun.y], kv = [P.kv.x, P.kv.y], pln = [P.pln.x, P.pln.y];
    for (let i = 0; i < n(R.request_prefill); i++) S.launch("request_prefill", [fe, sun, pickP()], now, 1100);
    // the requests each decode worker got: through the Sun (from a prefill worker), or, the controller's own path
    // (H1), straight from the Frontend, passing under the Sun; the frame counts the latter in all, so each worker's
    // share of them follows its share of the requests routed
    const routed = f.decode_routed, direct = R.request_direct || 0;
    let total = 0;
    for (const c of routed) total += c;
    const share = total > 0 ? Math.min(1, direct / total) : 0;
    const under = [(fe[0] + P.dec.x) / 2, sun[1] + P.sun.r * 5];
    for (let j = 0; j < routed.length; j++) {
      const nDirect = Math.round(routed[j] * share), via = [(sun[0] + dSlots[j][0]) / 2, sun[1] - 30];
      for (let i = 0; i < Math.min(2, routed[j] - nDirect); i++) S.launch("request_decode", [sun, via, dSlots[j]], now);
      for (let i = 0; i < Math.min(2, nDirect); i++) S.launch("request_direct", [fe, under, dSlots[j]], now, 1300);
    }
    for (let j = 0; j < f.decode_done.length; j++) {
      const via = [(fe[0] + dSlots[j][0]) / 2, P.pln.y + P.pln.r * 2];
      for (let i = 0; i < Math.min(2, f.decode_done[j]); i++) S.launch("tokens_home", [dSlots[j], via, fe], now, 1400);
    }
    for (let i = 0; i < n(R.kv_freighter); i++) {
      S.launch("kv_freighter", [pickP(), [(P.pf.x + kv[0]) / 2, P.pf.y + P.pf.r], kv], now);
      S.launch("kv_freighter", [kv, [(kv[0] + P.dec.x) / 2, kv[1]], [P.dec.x, P.dec.y + P.dec.r * 0.5]], now + 400);
    }
    for (let i = 0; i < n(R.metrics_probe); i++) {
      const via = [P.sun.x + (i % 2 ? -1 : 1) * P.sun.r * 3, P.pln.y + P.pln.r];
      S.launch("metrics_probe", [i % 2 ? pf : dec, via, pln], now, 1000);
    }
    for (let i = 0; i < n(R.control_signal); i++) {
      S.launch("control_signal", [pln, [pln[0] + 20, (pln[1] + sun[1]) / 2], sun], now, 700);
      S.launch("control_signal", [pln, [P.dec.x, pln[1]], dec], now, 900);
    }
  }

  draw(st, view, now) {
    const { ctx, W, H, P } = this;
    if (!P) return;
    const g = ctx.createRadialGradient(W * 0.45, H * 0.45, 10, W * 0.45, H * 0.45, Math.max(W, H));
    g.addColorStop(0, "#0c1433"); g.addColorStop(1, "#03050f");
    ctx.fillStyle = g; ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = "#c7d2fe";
    for (const [x, y, r, p] of this.stars) {
      ctx.globalAlpha = 0.35 + 0.35 * Math.sin(now / 900 + p * 20); ctx.fillRect(x, y, r, r);
    }
    ctx.globalAlpha = 1;
    // orbits: each planet's path around the Sun
    ctx.strokeStyle = "rgba(120,140,220,0.13)"; ctx.lineWidth = 1; ctx.setLineDash([3, 6]);
    for (const k of ["fe", "pln", "pf", "dec", "kv"]) {
      ctx.beginPath(); ctx.arc(P.sun.x, P.sun.y, Math.hypot(P[k].x - P.sun.x, P[k].y - P.sun.y), 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (!st || !view.schema) { this.planet(P.sun, "#ffb020", "#ff7a00"); return; }
    const s = st.scalars, load = isNum(s.concurrency) ? Math.min(1, s.concurrency / view.cMax) : 0;
    // Sun: corona flickers with load
    const flick = 1 + load * (0.25 + 0.12 * Math.sin(now / 90) + 0.08 * Math.sin(now / 37));
    const sun = P.sun;
    const corona = sun.r * (1.5 + 0.9 * flick * load + 0.2);
    const cor = ctx.createRadialGradient(sun.x, sun.y, sun.r * 0.8, sun.x, sun.y, corona);
    cor.addColorStop(0, `rgba(255,170,40,${0.35 + 0.4 * load})`); cor.addColorStop(1, "rgba(255,120,0,0)");
    ctx.fillStyle = cor; ctx.beginPath(); ctx.arc(sun.x, sun.y, sun.r * 3, 0, 2 * Math.PI); ctx.fill();
    this.planet(sun, "#ffd166", "#ff8c00");
    this.planet(P.fe, "#7dd3fc", "#1e3a8a");
    this.planet(P.pln, st.flags.planner ? "#c4b5fd" : "#6b7280", "#312e81");
    this.planet(P.kv, "#fcd34d", "#78350f");
    const pf = st.prefill, dc = st.decode, seqs = view.schema.max_num_seqs;
    this.pool(P.pf, pf, view.W, "#22d3ee", "#0e3a4a", (i) => {
      const load = Math.min(1, pf.util[i] + 0.1 * Math.min(5, pf.queue[i]));
      return { load, glow: load, queue: pf.queue[i] / QUEUE_FULL, core: pf.busy[i] > 0 };
    });
    const mech = view.schema.mechanisms || {};
    // H1: a decode worker whose pass also prefills the controller's direct requests, in the prefill colour
    const prefilling = mech.direct && dc.prefilling ? dc.prefilling : null;
    this.pool(P.dec, dc, view.W, "#a78bfa", "#2e1065", (i) => ({
      load: dc.slot_util[i], glow: dc.util[i], queue: dc.waiting[i] / seqs, core: false,
      color: prefilling && prefilling[i] > 0 ? PREFILL_COLOR : null }));
    if (mech.posting && dc.posting) this.posting(dc, view.W, now);
    if (mech.client_connections > 0) this.waiting(st.scalars.client_waiting, mech.client_connections);
    // detector moon
    const [mx, my] = this.moonPos(now);
    ctx.fillStyle = (REGIME_STYLE[view.schema.regimes[st.regime]] || {}).color || "#999";
    ctx.shadowColor = ctx.fillStyle; ctx.shadowBlur = 12;
    ctx.beginPath(); ctx.arc(mx, my, Math.max(5, sun.r * 0.22), 0, 2 * Math.PI); ctx.fill(); ctx.shadowBlur = 0;
    this.kvbm(st, view.schema.kvbm_tiers.length);
    this.shuttles.draw(ctx, now);
    this.labels.update(st, view);
  }

  planet(p, c1, c2) {
    const ctx = this.ctx;
    const g = ctx.createRadialGradient(p.x - p.r * 0.35, p.y - p.r * 0.35, p.r * 0.1, p.x, p.y, p.r);
    g.addColorStop(0, c1); g.addColorStop(1, c2);
    ctx.fillStyle = g; ctx.beginPath(); ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI); ctx.fill();
  }

  // a pool planet and its worker dots: dotOf(i) -> { load 0..1, glow 0..1, queue 0..1.5, core (busy) }
  pool(p, w, W, c1, c2, dotOf) {
    const ctx = this.ctx, n = w.state.length;
    const alive = [...w.state].some((s) => s !== W.off);
    this.planet(p, alive ? c2 : "#1f2937", "#050816");
    ctx.strokeStyle = alive ? c1 : "#ef4444"; ctx.lineWidth = 1.5; if (!alive) ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
    if (!alive) {
      ctx.fillStyle = "#fca5a5"; ctx.font = "bold 12px system-ui, sans-serif"; ctx.textAlign = "center";
      ctx.fillText("OUTAGE", p.x, p.y + 4);
      return;
    }
    const pos = this.slots(p, n), base = Math.max(4, p.r * 0.16);
    const unit = (x, hi = 1) => Math.max(0, Math.min(hi, x || 0));
    for (let i = 0; i < n; i++) {
      const st = w.state[i];
      if (st === W.off) continue;
      const [x, y] = pos[i], d = dotOf(i), l = unit(d.load), q = unit(d.queue, 1.5);
      if (q > 0.01) {
        ctx.strokeStyle = "rgba(248,113,113,0.7)"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(x, y, base * (1.25 + q), 0, 2 * Math.PI); ctx.stroke();
      }
      if (st === W.starting) {
        ctx.strokeStyle = c1; ctx.setLineDash([2, 3]); ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.arc(x, y, base * 0.9, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
        continue;
      }
      const draining = st === W.draining, col = d.color || c1;
      ctx.globalAlpha = draining ? 0.4 : 0.45 + 0.55 * l;
      ctx.fillStyle = draining ? "#9ca3af" : col; ctx.shadowColor = col;
      ctx.shadowBlur = draining ? 0 : 14 * unit(d.glow);
      ctx.beginPath(); ctx.arc(x, y, base * (0.55 + 0.6 * l), 0, 2 * Math.PI); ctx.fill();
      ctx.shadowBlur = 0; ctx.globalAlpha = 1;
      if (d.core && !draining) {
        ctx.fillStyle = "#ffffff"; ctx.beginPath(); ctx.arc(x, y, base * 0.22, 0, 2 * Math.PI); ctx.fill();
      }
    }
  }

  // H2: beside each decode worker, one mark per NIXL read it will post before its next step, in a row pointing away
  // from the planet's centre; a worker's marks stay a moment after its reads are posted (they last about a step)
  posting(dc, W, now) {
    const ctx = this.ctx, p = this.P.dec, n = dc.state.length, pos = this.slots(p, n);
    const base = Math.max(4, p.r * 0.16), size = Math.max(3, base * 0.45);
    ctx.fillStyle = POSTING_COLOR;
    for (let i = 0; i < n; i++) {
      const k = Math.min(POSTING_MARKS, Math.round(dc.posting[i] || 0));
      if (k > 0) this.posted[i] = [k, now + POSTING_HOLD];
      const held = this.posted[i];
      if (dc.state[i] === W.off || !held || now > held[1]) continue;
      const [x, y] = pos[i], a = n <= 1 ? Math.PI / 2 : -Math.PI / 2 + (2 * Math.PI * i) / n;
      const cos = Math.cos(a), sin = Math.sin(a);
      ctx.globalAlpha = k > 0 ? 1 : Math.max(0.2, (held[1] - now) / POSTING_HOLD);
      for (let m = 0; m < held[0]; m++) {
        const d = base * 1.9 + m * size * 1.6;
        ctx.fillRect(x + d * cos - size / 2, y + d * sin - size / 2, size, size);
      }
    }
    ctx.globalAlpha = 1;
  }

  // H5: a ring round the Frontend of the clients waiting for one of its `pool` HTTP connections: one lap per pool's
  // worth (two at most), over a faint track
  waiting(w, pool) {
    const ctx = this.ctx, p = this.P.fe;
    ctx.strokeStyle = "rgba(251,113,133,0.18)"; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.arc(p.x, p.y, p.r * 1.3, 0, 2 * Math.PI); ctx.stroke();
    if (!isNum(w) || w < 0.5) return;
    ctx.strokeStyle = WAITING_COLOR;
    for (let lap = 0; lap < 2; lap++) {
      const frac = Math.min(1, w / pool - lap);
      if (frac <= 0) break;
      ctx.beginPath();
      ctx.arc(p.x, p.y, p.r * (1.3 + 0.2 * lap), -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * frac);
      ctx.stroke();
    }
  }

  // one arc per KVBM tier around the KVBM planet: its fill of the tier's capacity
  kvbm(st, tiers) {
    const ctx = this.ctx, p = this.P.kv, s = st.scalars;
    for (let i = 0; i < tiers; i++) {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      const frac = isNum(v) && isNum(c) && c > 0 ? Math.min(1, v / c) : 0;
      ctx.strokeStyle = `rgba(252,211,77,${isNum(v) ? 0.25 + 0.6 * frac : 0.12})`; ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(p.x, p.y, p.r * (1.12 + 0.14 * i), -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * Math.max(0.02, frac));
      ctx.stroke();
    }
  }
}
