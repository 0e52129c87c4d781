// js/dom.js
function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "style") Object.assign(el.style, v);
    else el.setAttribute(k, v);
  }
  for (const c of [].concat(children)) if (c != null) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
var Listeners = class {
  constructor() {
    this.items = [];
  }
  on(target, type, fn, opts) {
    target.addEventListener(type, fn, opts);
    this.items.push(() => target.removeEventListener(type, fn, opts));
  }
  add(cleanup) {
    this.items.push(cleanup);
  }
  clear() {
    for (const off of this.items.splice(0)) off();
  }
};
function debounce(fn, ms) {
  let id = null;
  const d = (...args) => {
    clearTimeout(id);
    id = setTimeout(() => {
      id = null;
      fn(...args);
    }, ms);
  };
  d.cancel = () => clearTimeout(id);
  return d;
}

// js/frames.js
var MAGIC = "ORBF";
var VERSION = 1;
var HEADER_BYTES = 24;
var SCALARS = [
  "tau",
  "omega",
  "concurrency",
  "rps",
  "in_flight",
  "queue",
  "ttft_p50_ms",
  "ttft_p99_ms",
  "ewma_ms",
  "theta1_ms",
  "theta2_ms",
  "poa_hat",
  "static_ttft_p99_ms",
  "adaptive_ttft_p99_ms",
  "static_poa_hat",
  "adaptive_poa_hat",
  "prefill_util",
  "decode_util",
  "gpus_prefill",
  "gpus_decode",
  "kvbm_g1",
  "kvbm_g2",
  "kvbm_g3",
  "kvbm_g4",
  "kvbm_cap_g1",
  "kvbm_cap_g2",
  "kvbm_cap_g3",
  "kvbm_cap_g4"
];
var PREFILL = ["state", "queue", "busy", "util"];
var DECODE = ["state", "running", "waiting", "slot_util", "util"];
var ROUTES = [
  "request_prefill",
  "request_decode",
  "tokens_home",
  "kv_freighter",
  "metrics_probe",
  "control_signal"
];
var FLAGS = ["adaptive", "playing", "planner", "demo", "stable"];
var REGIMES = ["BELOW", "TRANSITION", "SATURATED"];
var W_OFF = 0;
var W_STARTING = 1;
var W_DRAINING = 3;
function asView(buf) {
  if (buf instanceof DataView) return buf;
  if (buf instanceof ArrayBuffer) return new DataView(buf);
  if (ArrayBuffer.isView(buf)) return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  throw new Error("frame: expected binary data");
}
function f32s(v, off, n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getFloat32(off + 4 * i, true);
  return out;
}
function decodeFrame(buf) {
  const v = asView(buf);
  if (v.byteLength < HEADER_BYTES) throw new Error(`frame: ${v.byteLength} bytes is shorter than the header`);
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== MAGIC) throw new Error(`frame: bad magic ${magic}`);
  const version = v.getUint16(4, true);
  if (version !== VERSION) throw new Error(`frame: version ${version} is not supported`);
  const nP = v.getUint8(6), nD = v.getUint8(7);
  const nf = SCALARS.length + nP * PREFILL.length + nD * DECODE.length;
  const need = HEADER_BYTES + 4 * (nf + ROUTES.length + 2 * nD);
  if (v.byteLength !== need) throw new Error(`frame: ${v.byteLength} bytes, expected ${need}`);
  const bits = v.getUint8(23);
  const out = {
    version,
    time: v.getFloat64(8, true),
    seq: v.getUint32(16, true),
    regime: v.getUint8(20),
    k: v.getUint8(21),
    hysteresis: v.getUint8(22),
    flags: {},
    scalars: {},
    prefill: {},
    decode: {},
    routes: {}
  };
  FLAGS.forEach((name, i) => {
    out.flags[name] = (bits >> i & 1) === 1;
  });
  let off = HEADER_BYTES;
  const sc = f32s(v, off, SCALARS.length);
  SCALARS.forEach((name, i) => {
    out.scalars[name] = sc[i];
  });
  off += 4 * SCALARS.length;
  for (const f of PREFILL) {
    out.prefill[f] = f32s(v, off, nP);
    off += 4 * nP;
  }
  for (const f of DECODE) {
    out.decode[f] = f32s(v, off, nD);
    off += 4 * nD;
  }
  for (const r of ROUTES) {
    out.routes[r] = v.getUint32(off, true);
    off += 4;
  }
  out.decode_routed = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
  off += 4 * nD;
  out.decode_done = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
  return out;
}

// js/interp.js
var lerp = (a, b, t) => Number.isFinite(a) && Number.isFinite(b) ? a + (b - a) * t : b;
function lerpArr(a, b, t) {
  if (!a || a.length !== b.length) return b;
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = lerp(a[i], b[i], t);
  return out;
}
var Interpolator = class {
  constructor() {
    this.prev = null;
    this.cur = null;
    this.tArrive = 0;
    this.interval = 1e3 / 30;
  }
  push(frame, now) {
    if (this.cur) this.interval = Math.min(250, Math.max(16, 0.8 * this.interval + 0.2 * (now - this.tArrive)));
    const fresh = !this.cur || frame.time < this.cur.time || frame.decode.state.length !== this.cur.decode.state.length;
    this.prev = fresh ? frame : this.cur;
    this.cur = frame;
    this.tArrive = now;
  }
  // the state `now`: from the previous frame at arrival to the newest one interval later
  sample(now) {
    const a = this.prev, b = this.cur;
    if (!b) return null;
    const t = Math.min(1, Math.max(0, (now - this.tArrive) / this.interval));
    const s = {};
    for (const k in b.scalars) s[k] = lerp(a.scalars[k], b.scalars[k], t);
    const blend = (x, y) => {
      const o = {};
      for (const f in y) o[f] = f === "state" ? y[f] : lerpArr(x[f], y[f], t);
      return o;
    };
    return {
      ...b,
      time: lerp(a.time, b.time, t),
      scalars: s,
      prefill: blend(a.prefill, b.prefill),
      decode: blend(a.decode, b.decode)
    };
  }
};

// js/format.js
var DASH = "\u2014";
var ok = (x) => typeof x === "number" && Number.isFinite(x);
function fmtMs(ms) {
  if (!ok(ms)) return DASH;
  if (ms >= 1e3) return `${(ms / 1e3).toFixed(ms >= 1e4 ? 1 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
function fmtNum(x, digits = 0) {
  return ok(x) ? x.toFixed(digits) : DASH;
}
function fmtPct(x) {
  return ok(x) ? `${Math.round(100 * Math.max(0, x))}%` : DASH;
}
function fmtTime(t) {
  return ok(t) ? `t=${t.toFixed(1)}s` : DASH;
}
var isNum = ok;

// js/shuttles.js
var ROUTE_STYLE = {
  request_prefill: { color: "#38bdf8", label: "Request \xB7 prefill", path: "FE \u2192 SUN \u2192 PF" },
  request_decode: { color: "#a78bfa", label: "Request \xB7 decode", path: "SUN \u2192 DEC" },
  tokens_home: { color: "#4ade80", label: "Tokens home", path: "DEC \u2192 FE" },
  kv_freighter: { color: "#f59e0b", label: "KV freighter", path: "PF \u2194 KVBM \u2194 DEC" },
  metrics_probe: { color: "#f472b6", label: "Metrics probe", path: "POOLS \u2192 PLN" },
  control_signal: { color: "#f87171", label: "Control signal", path: "PLN \u2192 SUN, POOLS" }
};
var MAX_LIVE = 360;
var PER_FRAME = 3;
function quad(a, c, b, t) {
  const u = 1 - t;
  return [u * u * a[0] + 2 * u * t * c[0] + t * t * b[0], u * u * a[1] + 2 * u * t * c[1] + t * t * b[1]];
}
var Shuttles = class {
  constructor() {
    this.live = [];
  }
  // pts: [start, via, end] in canvas pixels; dur in ms
  launch(route, pts, now, dur = 900) {
    if (this.live.length >= MAX_LIVE) this.live.shift();
    this.live.push({ route, pts, t0: now + Math.random() * 250, dur: dur * (0.85 + 0.3 * Math.random()) });
  }
  count(route) {
    return this.live.filter((s) => s.route === route).length;
  }
  draw(ctx, now) {
    const keep = [];
    for (const s of this.live) {
      const t = (now - s.t0) / s.dur;
      if (t >= 1) continue;
      keep.push(s);
      if (t < 0) continue;
      const [a, c, b] = s.pts;
      const [x, y] = quad(a, c, b, t);
      const [px, py] = quad(a, c, b, Math.max(0, t - 0.06));
      const col = ROUTE_STYLE[s.route].color;
      ctx.strokeStyle = col;
      ctx.globalAlpha = 0.45;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(x, y);
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = col;
      ctx.beginPath();
      ctx.arc(x, y, s.route === "control_signal" ? 3.2 : 2.4, 0, 2 * Math.PI);
      ctx.fill();
    }
    this.live = keep;
  }
};

// js/stage.js
var REGIME_COLOR = ["#4ade80", "#fbbf24", "#f87171"];
var TIERS = ["G1 HBM", "G2 DRAM", "G3 SSD", "G4 NET"];
var PREDICTORS = ["ARIMA", "KALMAN"];
var PLACES = {
  fe: [0.11, 0.5, 0.065],
  sun: [0.46, 0.48, 0.085],
  pln: [0.34, 0.11, 0.055],
  pf: [0.26, 0.8, 0.095],
  dec: [0.82, 0.42, 0.13],
  kv: [0.56, 0.82, 0.06]
};
var Stage = class {
  constructor(root, callbacks) {
    this.cb = callbacks;
    this.canvas = h("canvas", { class: "ow-canvas" });
    this.overlay = h("div", { class: "ow-overlay" });
    root.append(this.canvas, this.overlay);
    this.ctx = this.canvas.getContext("2d");
    this.shuttles = new Shuttles();
    this.stars = [];
    this.W = 0;
    this.H = 0;
    this.labels = this.buildLabels();
  }
  buildLabels() {
    const L = {};
    const mk = (key, cls, kids) => {
      const el = h("div", { class: `ow-planet ${cls}`, "data-planet": key }, kids);
      this.overlay.append(el);
      return el;
    };
    L.fe = mk("frontend", "", [h("b", { text: "Frontend" }), h("small", { text: "INGRESS \xB7 HTTP \xB7 gRPC" })]);
    L.sunName = h("b", { text: "\u2014 SMART ROUTER \u2014" });
    L.sun = mk("router", "ow-sun", [L.sunName]);
    L.predictors = PREDICTORS.map((p) => h("span", { class: "ow-pred", text: p }));
    L.plnState = h("small", { class: "ow-dim", text: "off" });
    L.pln = mk("planner", "", [
      h("b", { text: "Planner" }),
      h("small", {}, ["CONTROL", " \xB7 ", L.predictors[0], " \xB7 ", L.predictors[1]]),
      L.plnState
    ]);
    L.detRegime = h("span", { class: "ow-regime", text: "BELOW" });
    L.detState = h("small", { text: "stable \xB7 k=0/3" });
    L.det = mk("detector", "ow-det", [h("b", { text: "Saturation Detector" }), h("small", { class: "ow-dim", text: "helping the smart router" }), L.detRegime, L.detState]);
    const pool = (key, name, sym) => {
      const title = h("b", { text: `${name}\xD71` });
      const line = h("small", { text: `${sym} = 1 \xB7 util 0%` });
      const minus = h("button", { class: "ow-btn ow-pm", "data-role": `${key}-minus`, title: `remove a ${name} worker`, text: "\u2212" });
      const plus = h("button", { class: "ow-btn ow-pm", "data-role": `${key}-plus`, title: `add a ${name} worker`, text: "+" });
      const el = mk(key, "ow-pool", [title, line, h("div", { class: "ow-pmrow" }, [minus, h("small", { class: "ow-dim", text: "nodes" }), plus])]);
      return { el, title, line, minus, plus };
    };
    L.pf = pool("prefill", "Prefill", "N_p");
    L.dec = pool("decode", "Decode", "N_d");
    L.tiers = TIERS.map((t) => {
      const v = h("span", { class: "ow-tierv", text: DASH });
      const bar = h("i", { class: "ow-tierbar" });
      return { row: h("div", { class: "ow-tier" }, [h("span", { text: t }), h("span", { class: "ow-track" }, [bar]), v]), v, bar };
    });
    L.kv = mk("kvbm", "", [h("b", { text: "KVBM" }), h("small", { text: "MEMORY \xB7 G1\u2013G4 \xB7 NIXL" }), ...L.tiers.map((t) => t.row)]);
    return L;
  }
  resize(W, H) {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.W = W;
    this.H = H;
    this.canvas.width = Math.round(W * dpr);
    this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${W}px`;
    this.canvas.style.height = `${H}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const m = Math.min(W, H);
    this.P = {};
    for (const [k, [fx, fy, fr]] of Object.entries(PLACES)) this.P[k] = { x: fx * W, y: fy * H, r: fr * m };
    this.stars = Array.from({ length: Math.round(W * H / 2500) }, () => [Math.random() * W, Math.random() * H, Math.random() * 1.2 + 0.2, Math.random()]);
    const place = (el, p, dy, anchorTop = true) => {
      el.style.left = `${p.x}px`;
      el.style.top = `${p.y + (anchorTop ? p.r + dy : -p.r - dy)}px`;
      el.style.transform = anchorTop ? "translate(-50%, 0)" : "translate(-50%, -100%)";
    };
    const L = this.labels;
    place(L.fe, this.P.fe, 6);
    place(L.sun, this.P.sun, 4);
    place(L.pln, this.P.pln, 4);
    place(L.pf.el, this.P.pf, 4);
    L.kv.style.left = `${this.P.kv.x + this.P.kv.r * 1.7}px`;
    L.kv.style.top = `${this.P.kv.y}px`;
    L.kv.style.transform = "translate(0, -50%)";
    place(L.dec.el, this.P.dec, 4);
    const det = this.moonPos(0);
    L.det.style.left = `${this.P.sun.x + 2.4 * this.P.sun.r}px`;
    L.det.style.top = `${this.P.sun.y - 2.3 * this.P.sun.r}px`;
    L.det.style.transform = "translate(-30%, -100%)";
    this.detXY = det;
    for (const el of this.overlay.children) {
      const w = el.offsetWidth, x = parseFloat(el.style.left);
      if (w && Number.isFinite(x) && el !== L.det && el !== L.kv) el.style.left = `${Math.min(W - w / 2 - 2, Math.max(w / 2 + 2, x))}px`;
    }
  }
  moonPos(now) {
    const s = this.P.sun, a = -0.9 + 0.25 * Math.sin(now / 4e3);
    return [s.x + 1.9 * s.r * Math.cos(a), s.y + 1.9 * s.r * Math.sin(a)];
  }
  // worker dot positions inside a pool planet (up to n slots on a ring)
  slots(p, n) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const a = -Math.PI / 2 + 2 * Math.PI * i / n;
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
    const activeP = [...f.prefill.state].map((s, i) => s !== W_OFF ? i : -1).filter((i) => i >= 0);
    const pickP = () => activeP.length ? pfSlots[activeP[Math.floor(Math.random() * activeP.length)]] : [P.pf.x, P.pf.y];
    const n = (c) => Math.min(PER_FRAME, c);
    const S = this.shuttles, fe = [P.fe.x, P.fe.y], sun = [P.sun.x, P.sun.y], kv = [P.kv.x, P.kv.y], pln = [P.pln.x, P.pln.y];
    for (let i = 0; i < n(R.request_prefill); i++) S.launch("request_prefill", [fe, sun, pickP()], now, 1100);
    for (let j = 0; j < f.decode_routed.length; j++) for (let i = 0; i < Math.min(2, f.decode_routed[j]); i++) S.launch("request_decode", [sun, [(sun[0] + dSlots[j][0]) / 2, sun[1] - 30], dSlots[j]], now);
    for (let j = 0; j < f.decode_done.length; j++) for (let i = 0; i < Math.min(2, f.decode_done[j]); i++) S.launch("tokens_home", [dSlots[j], [(fe[0] + dSlots[j][0]) / 2, P.pln.y + P.pln.r * 2], fe], now, 1400);
    for (let i = 0; i < n(R.kv_freighter); i++) {
      S.launch("kv_freighter", [pickP(), [(P.pf.x + kv[0]) / 2, P.pf.y + P.pf.r], kv], now);
      S.launch("kv_freighter", [kv, [(kv[0] + P.dec.x) / 2, kv[1]], [P.dec.x, P.dec.y + P.dec.r * 0.5]], now + 400);
    }
    for (let i = 0; i < n(R.metrics_probe); i++) S.launch("metrics_probe", [i % 2 ? [P.pf.x, P.pf.y] : [P.dec.x, P.dec.y], [P.sun.x + (i % 2 ? -1 : 1) * P.sun.r * 3, P.pln.y + P.pln.r], pln], now, 1e3);
    for (let i = 0; i < n(R.control_signal); i++) {
      S.launch("control_signal", [pln, [pln[0] + 20, (pln[1] + sun[1]) / 2], sun], now, 700);
      S.launch("control_signal", [pln, [P.dec.x, pln[1]], [P.dec.x, P.dec.y]], now, 900);
    }
  }
  draw(st, info, now) {
    const { ctx, W, H, P } = this;
    if (!P) return;
    const g = ctx.createRadialGradient(W * 0.45, H * 0.45, 10, W * 0.45, H * 0.45, Math.max(W, H));
    g.addColorStop(0, "#0c1433");
    g.addColorStop(1, "#03050f");
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, W, H);
    for (const [x, y, r, p] of this.stars) {
      ctx.globalAlpha = 0.35 + 0.35 * Math.sin(now / 900 + p * 20);
      ctx.fillStyle = "#c7d2fe";
      ctx.fillRect(x, y, r, r);
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = "rgba(120,140,220,0.13)";
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 6]);
    for (const k of ["fe", "pln", "pf", "dec", "kv"]) {
      const d = Math.hypot(P[k].x - P.sun.x, P[k].y - P.sun.y);
      ctx.beginPath();
      ctx.arc(P.sun.x, P.sun.y, d, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (!st) {
      this.planet(P.sun, "#ffb020", "#ff7a00");
      return;
    }
    const s = st.scalars, load = isNum(s.concurrency) ? Math.min(1, s.concurrency / (info.c_max || 256)) : 0;
    const flick = 1 + load * (0.25 + 0.12 * Math.sin(now / 90) + 0.08 * Math.sin(now / 37));
    const cor = ctx.createRadialGradient(P.sun.x, P.sun.y, P.sun.r * 0.8, P.sun.x, P.sun.y, P.sun.r * (1.5 + 0.9 * flick * load + 0.2));
    cor.addColorStop(0, `rgba(255,170,40,${0.35 + 0.4 * load})`);
    cor.addColorStop(1, "rgba(255,120,0,0)");
    ctx.fillStyle = cor;
    ctx.beginPath();
    ctx.arc(P.sun.x, P.sun.y, P.sun.r * 3, 0, 2 * Math.PI);
    ctx.fill();
    this.planet(P.sun, "#ffd166", "#ff8c00");
    this.planet(P.fe, "#7dd3fc", "#1e3a8a");
    this.planet(P.pln, st.flags.planner ? "#c4b5fd" : "#6b7280", "#312e81");
    this.planet(P.kv, "#fcd34d", "#78350f");
    this.pool(P.pf, st.prefill, "#22d3ee", "#0e3a4a", (i) => Math.min(1, st.prefill.util[i] + 0.1 * Math.min(5, st.prefill.queue[i])), (i) => st.prefill.queue[i] / 8);
    this.pool(P.dec, st.decode, "#a78bfa", "#2e1065", (i) => st.decode.slot_util[i], (i) => st.decode.waiting[i] / (info.max_seqs || 64));
    const [mx, my] = this.moonPos(now);
    ctx.fillStyle = REGIME_COLOR[st.regime] || "#999";
    ctx.shadowColor = ctx.fillStyle;
    ctx.shadowBlur = 12;
    ctx.beginPath();
    ctx.arc(mx, my, Math.max(5, P.sun.r * 0.22), 0, 2 * Math.PI);
    ctx.fill();
    ctx.shadowBlur = 0;
    this.kvbm(st);
    this.shuttles.draw(ctx, now);
    this.updateLabels(st, info);
  }
  planet(p, c1, c2) {
    const ctx = this.ctx;
    const g = ctx.createRadialGradient(p.x - p.r * 0.35, p.y - p.r * 0.35, p.r * 0.1, p.x, p.y, p.r);
    g.addColorStop(0, c1);
    g.addColorStop(1, c2);
    ctx.fillStyle = g;
    ctx.beginPath();
    ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI);
    ctx.fill();
  }
  pool(p, w, c1, c2, loadOf, queueOf) {
    const ctx = this.ctx, n = w.state.length;
    const alive = [...w.state].some((s) => s !== W_OFF);
    this.planet(p, alive ? c2 : "#1f2937", "#050816");
    ctx.strokeStyle = alive ? c1 : "#ef4444";
    ctx.lineWidth = 1.5;
    if (!alive) ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
    if (!alive) {
      ctx.fillStyle = "#fca5a5";
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("OUTAGE", p.x, p.y + 4);
      return;
    }
    const pos = this.slots(p, n), base = Math.max(4, p.r * 0.16);
    for (let i = 0; i < n; i++) {
      const st = w.state[i];
      if (st === W_OFF) continue;
      const [x, y] = pos[i], l = Math.max(0, Math.min(1, loadOf(i) || 0)), q = Math.max(0, Math.min(1.5, queueOf(i) || 0));
      if (q > 0.01) {
        ctx.strokeStyle = "rgba(248,113,113,0.7)";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, base * (1.25 + q), 0, 2 * Math.PI);
        ctx.stroke();
      }
      const r = base * (0.55 + 0.6 * l);
      if (st === W_STARTING) {
        ctx.strokeStyle = c1;
        ctx.setLineDash([2, 3]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.arc(x, y, base * 0.9, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.setLineDash([]);
        continue;
      }
      ctx.globalAlpha = st === W_DRAINING ? 0.4 : 0.45 + 0.55 * l;
      ctx.fillStyle = st === W_DRAINING ? "#9ca3af" : c1;
      ctx.shadowColor = c1;
      ctx.shadowBlur = st === W_DRAINING ? 0 : 14 * l;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.shadowBlur = 0;
      ctx.globalAlpha = 1;
    }
  }
  kvbm(st) {
    const ctx = this.ctx, p = this.P.kv, s = st.scalars;
    for (let i = 0; i < 4; i++) {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      const frac = isNum(v) && isNum(c) && c > 0 ? Math.min(1, v / c) : 0;
      ctx.strokeStyle = `rgba(252,211,77,${isNum(v) ? 0.25 + 0.6 * frac : 0.12})`;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(p.x, p.y, p.r * (1.12 + 0.14 * i), -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * Math.max(0.02, frac));
      ctx.stroke();
    }
  }
  updateLabels(st, info) {
    const L = this.labels, s = st.scalars;
    L.predictors.forEach((el, i) => el.classList.toggle("ow-on", st.flags.planner && (info.predictor || "").toUpperCase() === PREDICTORS[i]));
    setText(L.plnState, st.flags.planner ? `on \xB7 ${(info.predictor || "").toUpperCase()}` : "off");
    const reg = REGIMES[st.regime] || DASH;
    setText(L.detRegime, reg);
    L.detRegime.style.color = REGIME_COLOR[st.regime] || "";
    setText(L.detState, `${st.flags.stable ? "stable" : "switching"} \xB7 k=${st.k}/${st.hysteresis}`);
    const pool = (el, w, name, sym, util) => {
      const n = [...w.state].filter((x) => x !== W_OFF && x !== W_DRAINING).length;
      setText(el.title, `${name}\xD7${n}`);
      setText(el.line, `${sym} = ${n} \xB7 util ${fmtPct(util)}`);
      el.minus.disabled = n <= 0;
      el.plus.disabled = n >= (info.max_workers || 8);
    };
    pool(L.pf, st.prefill, "Prefill", "N_p", s.prefill_util);
    pool(L.dec, st.decode, "Decode", "N_d", s.decode_util);
    L.tiers.forEach((t, i) => {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      setText(t.v, isNum(v) ? isNum(c) && c > 0 ? fmtPct(v / c) : fmtNum(v) : DASH);
      t.bar.style.width = isNum(v) && isNum(c) && c > 0 ? `${Math.min(100, 100 * v / c)}%` : "0%";
    });
  }
};

// js/panel.js
var REGIME_TEXT = ["EWMA(TTFT P99) < \u03B8\u2081", "\u03B8\u2081 \u2264 EWMA(TTFT P99) < \u03B8\u2082", "EWMA(TTFT P99) \u2265 \u03B8\u2082"];
var POA = "P\u0302oA";
var Panel = class {
  constructor(root) {
    const stat = (label) => {
      const v = h("span", { class: "ow-val", text: DASH });
      return { el: h("div", { class: "ow-stat" }, [h("span", { class: "ow-lab" }, label), v]), v };
    };
    this.s = { rps: stat("RPS"), inflight: stat("in-flight"), queue: stat("queue"), p50: stat("TTFT p50"), gpus: stat("GPUs (P/D)"), poa: stat(POA) };
    const thr = h("section", { class: "ow-card", "data-panel": "throughput" }, [h("h4", { text: "THROUGHPUT" }), h("div", { class: "ow-grid" }, Object.values(this.s).map((x) => x.el))]);
    this.ctrlTitle = h("h4", { text: "Controller" });
    this.tau = h("span", { class: "ow-val", text: "0.0" });
    this.omega = h("span", { class: "ow-val", text: "1.0" });
    this.regime = h("span", { class: "ow-regime", text: "BELOW" });
    this.regimeText = h("small", { text: REGIME_TEXT[0] });
    this.ewma = h("small", { class: "ow-dim", text: "" });
    const formula = h("div", { class: "ow-formula" }, ["c", h("sub", { text: "j" }), " = \u03C9\xB7b", h("sup", { text: "p" }), h("sub", { text: "j" }), " + b", h("sup", { text: "a" }), h("sub", { text: "j" })]);
    const ctrl = h("section", { class: "ow-card", "data-panel": "controller" }, [
      this.ctrlTitle,
      formula,
      h("div", { class: "ow-row" }, [h("span", {}, ["\u03C4 ", this.tau]), h("span", {}, ["\u03C9 ", this.omega])]),
      h("div", { class: "ow-row" }, [this.regime, this.regimeText]),
      this.ewma
    ]);
    const pair = () => ({ s: h("span", { class: "ow-val ow-static", text: DASH }), a: h("span", { class: "ow-val ow-adaptive", text: DASH }) });
    this.ab = { p99: pair(), poa: pair() };
    const abRow = (label, p) => h("div", { class: "ow-ab" }, [h("span", { class: "ow-lab" }, label), p.s, p.a]);
    this.gap = h("small", { class: "ow-dim", text: "" });
    const ab = h("section", { class: "ow-card", "data-panel": "ab" }, [
      h("h4", { text: "Adaptive vs. static" }),
      h("div", { class: "ow-ab" }, [h("span"), h("span", { class: "ow-dim", text: "static" }), h("span", { class: "ow-dim", text: "adaptive" })]),
      abRow("TTFT p99", this.ab.p99),
      abRow(POA, this.ab.poa),
      this.gap
    ]);
    const dial = (name) => {
      const v = h("span", { class: "ow-dialv", text: "0%" });
      const d = h("div", { class: "ow-dial" }, [v]);
      return { el: h("div", { class: "ow-dialbox" }, [d, h("small", { text: name })]), d, v };
    };
    this.dials = { p: dial("Prefill"), d: dial("Decode") };
    const dials = h("section", { class: "ow-card", "data-panel": "dials" }, [h("h4", { text: "Worker dials" }), h("div", { class: "ow-row" }, [this.dials.p.el, this.dials.d.el])]);
    this.log = h("ol", { class: "ow-log", "data-role": "log" });
    const log = h("section", { class: "ow-card ow-logcard", "data-panel": "log" }, [h("h4", { text: "Mission log" }), this.log]);
    root.append(thr, ctrl, ab, dials, log);
    this.logKey = "";
  }
  update(st, info) {
    const s = st.scalars, S = this.s;
    setText(S.rps.v, fmtNum(s.rps, 1));
    setText(S.inflight.v, fmtNum(s.in_flight));
    setText(S.queue.v, fmtNum(s.queue));
    setText(S.p50.v, fmtMs(s.ttft_p50_ms));
    setText(S.gpus.v, `${fmtNum(s.gpus_prefill)}/${fmtNum(s.gpus_decode)}`);
    setText(S.poa.v, fmtNum(s.poa_hat, 2));
    setText(this.ctrlTitle, `Controller \xB7 ${info.deployment || DASH}`);
    setText(this.tau, fmtNum(s.tau, 1));
    setText(this.omega, fmtNum(s.omega, 1));
    setText(this.regime, REGIMES[st.regime] || DASH);
    this.regime.dataset.regime = String(st.regime);
    setText(this.regimeText, REGIME_TEXT[st.regime] || DASH);
    setText(this.ewma, `EWMA ${fmtMs(s.ewma_ms)} \xB7 \u03B8\u2081 ${fmtMs(s.theta1_ms)} \xB7 ${st.flags.adaptive ? "adaptive" : "static"}`);
    setText(this.ab.p99.s, fmtMs(s.static_ttft_p99_ms));
    setText(this.ab.p99.a, fmtMs(s.adaptive_ttft_p99_ms));
    setText(this.ab.poa.s, fmtNum(s.static_poa_hat, 2));
    setText(this.ab.poa.a, fmtNum(s.adaptive_poa_hat, 2));
    const gap = s.static_ttft_p99_ms - s.adaptive_ttft_p99_ms;
    setText(this.gap, isNum(gap) ? `cost of not adapting ${fmtMs(Math.max(0, gap))}` : "");
    for (const [d, v] of [[this.dials.p, s.prefill_util], [this.dials.d, s.decode_util]]) {
      const pct = isNum(v) ? Math.max(0, Math.min(1, v)) : 0;
      d.d.style.setProperty("--ow-dial", `${Math.round(360 * pct)}deg`);
      setText(d.v, fmtPct(v));
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
};

// js/controls.js
var MODES = ["idle", "normal", "busy", "saturation"];
var NARRATIVE = {
  idle: "Orbits are quiet. The Router's corona barely flickers. A few sentinel requests drift between Frontend and the Sun \u2014 just enough to keep the control loop warm.",
  normal: "Steady traffic. Shuttles stream from the Frontend round the Sun to both pools; every Decode worker carries its share and TTFT stays far below \u03B8\u2081.",
  busy: "The orbits crowd just short of the knee. Decode slots fill, the corona brightens, and cache affinity starts pulling templates toward one Decode worker.",
  saturation: "Past the knee, C* = 128. Under static routing cache affinity herds requests onto one Decode worker and TTFT P99 explodes; the Saturation Detector needs three polls in a row before it flips (\u03C4, \u03C9)."
};
var Controls = class {
  constructor(parts, model, listeners) {
    this.model = model;
    const on = listeners.on.bind(listeners);
    const save = (k, v) => {
      model.set(k, v);
      model.save_changes();
    };
    this.subtitle = h("span", { class: "ow-dim", text: "" });
    this.help = h("button", { class: "ow-btn ow-help", "data-role": "help", title: "About this simulation", text: "?" });
    parts.header.append(h("div", { class: "ow-title" }, [
      h("h2", { text: "The orbits of Anarchy" }),
      h("div", { class: "ow-sub" }, [h("span", { text: "Powered by NVIDIA Dynamo" }), this.subtitle])
    ]), this.help);
    this.tabs = MODES.map((m) => {
      const b = h("button", { class: "ow-tab", "data-role": `tab-${m}`, text: m });
      on(b, "click", () => save("mode", m));
      return b;
    });
    this.narrTitle = h("b", { text: "IDLE" });
    this.narr = h("span", { text: NARRATIVE.idle });
    parts.tabs.append(h("div", { class: "ow-tabs" }, this.tabs), h("p", { class: "ow-narr", "data-role": "narrative" }, [this.narrTitle, " ", this.narr]));
    this.sw = ["static", "adaptive"].map((k) => {
      const b = h("button", { class: "ow-seg", "data-role": `switch-${k}`, text: k === "static" ? "Static" : "Adaptive" });
      on(b, "click", () => save("adaptive", k === "adaptive"));
      return b;
    });
    this.plan = h("button", { class: "ow-btn ow-wide", "data-role": "planner", text: "Planner: off" });
    on(this.plan, "click", () => save("planner", !model.get("planner")));
    this.demo = h("button", { class: "ow-btn ow-wide ow-demo", "data-role": "demo", text: "Auto-demo" });
    on(this.demo, "click", () => save("demo", !model.get("demo")));
    this.play = h("button", { class: "ow-btn", "data-role": "play", text: "\u275A\u275A" });
    on(this.play, "click", () => save("playing", !model.get("playing")));
    const [lo, hi] = [0.25, 50];
    this.speed = h("input", { type: "range", min: "0", max: "1000", value: "0", "data-role": "speed", "aria-label": "simulation speed" });
    this.speedLab = h("small", { class: "ow-dim", text: "" });
    const toSpeed = (v) => +(lo * Math.pow(hi / lo, v / 1e3)).toFixed(2);
    const fromSpeed = (s) => String(Math.round(1e3 * Math.log(s / lo) / Math.log(hi / lo)));
    this.fromSpeed = fromSpeed;
    const saveSpeed = debounce((v) => save("speed", v), 120);
    on(this.speed, "input", () => {
      const s = toSpeed(+this.speed.value);
      setText(this.speedLab, `\xD7${s} sim s / s`);
      saveSpeed(s);
    });
    listeners.add(() => saveSpeed.cancel());
    const legend = Object.values(ROUTE_STYLE).map((r) => h("div", { class: "ow-leg" }, [h("i", { style: { background: r.color } }), h("div", {}, [h("span", { text: r.label }), h("small", { class: "ow-dim", text: r.path })])]));
    parts.left.append(
      h("section", { class: "ow-card" }, [h("h4", { text: "Router" }), h("div", { class: "ow-segs" }, this.sw), this.plan, this.demo]),
      h("section", { class: "ow-card" }, [h("h4", { text: "Simulation" }), h("div", { class: "ow-row" }, [this.play, this.speed]), this.speedLab]),
      h("section", { class: "ow-card", "data-panel": "manifest" }, [h("h4", { text: "Shuttle manifest" }), ...legend])
    );
    this.slider = h("input", { type: "range", min: "0", max: "100", step: "1", value: "0", "data-role": "load", "aria-label": "load" });
    this.loadLab = h("span", { class: "ow-loadlab", "data-role": "load-label", text: "0% load" });
    this.cLab = h("span", { class: "ow-dim", "data-role": "concurrency", text: "" });
    this.dragging = false;
    const saveLoad = debounce((v) => {
      this.dragging = false;
      save("load", v);
    }, 100);
    on(this.slider, "input", () => {
      this.dragging = true;
      this.showLoad(+this.slider.value / 100);
      saveLoad(+this.slider.value / 100);
    });
    listeners.add(() => saveLoad.cancel());
    parts.footer.append(this.loadLab, this.slider, this.cLab);
    this.dialog = h("div", { class: "ow-dialog", "data-role": "dialog", hidden: "" }, [h("div", { class: "ow-dialog-box" }, [
      h("button", { class: "ow-btn ow-close", "data-role": "dialog-close", text: "\xD7" }),
      h("h3", { text: "About this simulation" }),
      h("p", { text: `Companion to the paper "Price of Anarchy for LLM Inference Routing". It shows how a game-theoretic adaptive router (Saturation Detector + controller) cuts TTFT P99 at saturation compared with a static Dynamo baseline, on the paper's 340B 1P/2D deployment, simulated request by request in the Python kernel.` }),
      h("p", { text: "Watch the worker dots inside the Decode pool: under static, cache affinity herds requests onto one worker; under adaptive at saturation the router flips (\u03C4, \u03C9) and the pool rebalances. Separately, the Planner scales pool size, as do the +/\u2212 buttons on the pool planets: the other half of the paper's \xA75 saturation decomposition." }),
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        h("li", { text: "Mode tabs (top of stage) \u2014 jump between load regimes: idle \u2192 normal \u2192 busy \u2192 saturation." }),
        h("li", { text: "Load slider (bottom) \u2014 drag to set concurrency by hand from 0\u2013100 % of C_max." }),
        h("li", { text: "Auto-demo \u2014 scripts an A/B contrast at saturation (static first, then adaptive kicks in, then the Planner scales); press again to stop it." }),
        h("li", { text: "Static / Adaptive (left panel) \u2014 choose which twin the stage shows; the side chart and panel show the cost of not adapting." }),
        h("li", { text: "Pool +/\u2212 controls (on the Prefill and Decode planets) \u2014 scale N_p and N_d. A count of 0 is a full outage; raising it adds capacity as the Planner would." }),
        h("li", { text: "Side panel \u2014 live TTFT p99, P\u0302oA, worker dials and the mission log, updated every frame from Python." })
      ])
    ])]);
    parts.root.append(this.dialog);
    on(this.help, "click", () => {
      this.dialog.hidden = false;
    });
    on(this.dialog, "click", (e) => {
      if (e.target === this.dialog || e.target.dataset.role === "dialog-close") this.dialog.hidden = true;
    });
  }
  showLoad(load) {
    setText(this.loadLab, `${Math.round(100 * load)}% load`);
    setText(this.cLab, `C = ${Math.round(load * (this.model.get("c_max") || 256))}`);
  }
  // model -> controls (traits changed in Python or in another view)
  sync(info) {
    const m = this.model, mode = m.get("mode");
    this.tabs.forEach((b, i) => b.classList.toggle("ow-on", MODES[i] === mode));
    setText(this.narrTitle, mode.toUpperCase());
    setText(this.narr, NARRATIVE[mode] || "");
    const ad = m.get("adaptive");
    this.sw[0].classList.toggle("ow-on", !ad);
    this.sw[1].classList.toggle("ow-on", ad);
    setText(this.plan, `Planner: ${m.get("planner") ? "on" : "off"}`);
    this.plan.classList.toggle("ow-on", m.get("planner"));
    setText(this.demo, m.get("demo") ? "Stop demo" : "Auto-demo");
    this.demo.classList.toggle("ow-on", m.get("demo"));
    setText(this.play, m.get("playing") ? "\u275A\u275A" : "\u25B6");
    this.play.title = m.get("playing") ? "pause" : "play";
    if (document.activeElement !== this.speed) {
      this.speed.value = this.fromSpeed(m.get("speed"));
      setText(this.speedLab, `\xD7${m.get("speed")} sim s / s`);
    }
    if (!this.dragging) {
      this.slider.value = String(Math.round(100 * m.get("load")));
      this.showLoad(m.get("load"));
    }
    if (info && info.model) setText(this.subtitle, `Simulation calibrated to ${info.model}`);
  }
};

// js/style.js
var CSS = `
.ow-root{--bg:#050817;--card:#0b1230;--line:#222c5c;--text:#dbe3ff;--dim:#8a93b8;--accent:#ffd166;
  position:relative;display:grid;grid-template-columns:170px minmax(300px,1fr) 230px;grid-template-rows:auto auto 540px 34px;
  grid-template-areas:"head head head" "tabs tabs tabs" "left stage side" "left foot side";
  gap:6px;background:var(--bg);color:var(--text);font:12px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;
  padding:8px;border-radius:10px;box-sizing:border-box;width:100%;}
.ow-root *{box-sizing:border-box}
.ow-head{grid-area:head;display:flex;justify-content:space-between;align-items:center}
.ow-title h2{margin:0;font-size:19px;letter-spacing:.5px;color:var(--accent);font-weight:650}
.ow-sub{display:flex;gap:12px;color:var(--dim);font-size:11px}
.ow-tabsbar{grid-area:tabs}.ow-tabs{display:flex;gap:4px}
.ow-tab{flex:1;background:var(--card);color:var(--dim);border:1px solid var(--line);border-radius:6px;padding:5px;text-transform:uppercase;font:inherit;font-weight:600;letter-spacing:1px;cursor:pointer}
.ow-tab:hover{color:var(--text);border-color:#3b4a8c}.ow-tab.ow-on{color:#111;background:var(--accent);border-color:var(--accent)}
.ow-narr{margin:5px 2px 0;color:var(--dim);min-height:2.7em}.ow-narr b{color:var(--accent)}
.ow-left{grid-area:left;display:flex;flex-direction:column;gap:6px;overflow:auto}
.ow-side{grid-area:side;display:flex;flex-direction:column;gap:6px;min-height:0;overflow:hidden}
.ow-stagebox{grid-area:stage;position:relative;min-height:420px;border-radius:8px;overflow:hidden;border:1px solid var(--line)}
.ow-canvas{position:absolute;left:0;top:0}
.ow-overlay{position:absolute;inset:0;pointer-events:none}
.ow-foot{grid-area:foot;display:flex;align-items:center;gap:10px;padding:2px 6px}
.ow-foot input{flex:1;accent-color:var(--accent)}.ow-loadlab{min-width:70px;font-weight:600}
.ow-card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:5px 8px}
.ow-card h4{margin:0 0 4px;font-size:10.5px;letter-spacing:1.2px;color:var(--dim);text-transform:uppercase;font-weight:650}
.ow-grid{display:grid;grid-template-columns:1fr 1fr;gap:3px 8px}
.ow-stat{display:flex;flex-direction:column}.ow-lab{color:var(--dim);font-size:10.5px}
.ow-val{font-variant-numeric:tabular-nums;font-weight:600;font-size:13px}
.ow-row{display:flex;gap:10px;align-items:center;justify-content:space-between}
.ow-formula{font-family:ui-serif,Georgia,serif;font-style:italic;font-size:14px;margin:2px 0}
.ow-regime{font-weight:700;letter-spacing:1px}.ow-regime[data-regime="0"]{color:#4ade80}.ow-regime[data-regime="1"]{color:#fbbf24}.ow-regime[data-regime="2"]{color:#f87171}
.ow-ab{display:grid;grid-template-columns:62px 1fr 1fr;gap:1px 6px;align-items:baseline}.ow-static{color:#ff6b6b}.ow-adaptive{color:#4ade80}
.ow-dim{color:var(--dim)}
.ow-dialbox{display:flex;flex-direction:column;align-items:center;gap:2px;flex:1}
.ow-dial{--ow-dial:0deg;width:46px;height:46px;border-radius:50%;display:grid;place-items:center;
  background:conic-gradient(var(--accent) var(--ow-dial),#1b2350 0)}
.ow-dialv{width:36px;height:36px;font-size:11px;border-radius:50%;background:var(--card);display:grid;place-items:center;font-weight:600}
.ow-logcard{flex:1 1 0;min-height:0;display:flex;flex-direction:column}
.ow-log{list-style:none;margin:0;padding:0;overflow:auto;flex:1 1 0;min-height:0;font-size:11px}
.ow-log li{padding:2px 0;border-bottom:1px solid #151d45}.ow-t{color:var(--dim);margin-right:6px;font-variant-numeric:tabular-nums}
.ow-k-demo{color:var(--accent)}.ow-k-controller{color:#4ade80}.ow-k-planner{color:#c4b5fd}.ow-k-regime{color:#fbbf24}.ow-k-error{color:#f87171}
.ow-btn{background:#16204d;color:var(--text);border:1px solid #34428a;border-radius:6px;padding:4px 8px;font:inherit;cursor:pointer}
.ow-btn:hover:not(:disabled){border-color:var(--accent)}.ow-btn:disabled{opacity:.4;cursor:default}
.ow-btn.ow-on{background:#3a2f0b;border-color:var(--accent)}
.ow-wide{width:100%;margin-top:5px}.ow-demo{font-weight:650}
.ow-help{width:28px;height:28px;border-radius:50%;font-weight:700}
.ow-segs{display:flex;border:1px solid #34428a;border-radius:6px;overflow:hidden}
.ow-seg{flex:1;background:#10183d;color:var(--dim);border:0;padding:5px;font:inherit;cursor:pointer}
.ow-seg.ow-on{background:var(--accent);color:#111;font-weight:650}
.ow-left input[type=range]{flex:1;min-width:0;accent-color:var(--accent)}
.ow-leg{display:flex;gap:6px;align-items:flex-start;margin:3px 0}.ow-leg i{width:10px;height:10px;border-radius:50%;margin-top:3px;flex:none}
.ow-leg div{display:flex;flex-direction:column}
.ow-planet{position:absolute;display:flex;flex-direction:column;align-items:center;text-align:center;white-space:nowrap;
  text-shadow:0 1px 3px #000;font-size:11px;pointer-events:none}
.ow-planet b{font-size:12px}.ow-planet small{color:#b7c0e6}
.ow-sun b{color:var(--accent);letter-spacing:1px;font-size:10.5px}
.ow-pred{padding:0 2px;border-radius:3px}.ow-pred.ow-on{background:#c4b5fd;color:#111;text-shadow:none}
.ow-pmrow{display:flex;gap:6px;align-items:center;pointer-events:auto;margin-top:2px}
.ow-pm{padding:0 7px;font-weight:700;font-size:13px;line-height:18px}
.ow-tier{display:grid;grid-template-columns:52px 46px 30px;gap:4px;align-items:center;font-size:10px;color:#d6c78a}
.ow-track{height:4px;background:#2a2410;border-radius:2px;overflow:hidden}.ow-tierbar{display:block;height:100%;width:0;background:#fcd34d}
.ow-dialog{position:absolute;inset:0;background:rgba(3,5,15,.78);display:grid;place-items:center;z-index:5}
.ow-dialog[hidden]{display:none}
.ow-dialog-box{position:relative;max-width:620px;max-height:90%;overflow:auto;background:var(--card);border:1px solid var(--accent);border-radius:10px;padding:14px 18px}
.ow-dialog-box h3{margin:6px 0;color:var(--accent)}.ow-dialog-box li{margin:3px 0}
.ow-close{position:absolute;right:8px;top:8px}
/* the bqplot chart beside the stage (a separate widget carrying the class orbits-chart) */
.orbits-chart{background:#050817;border-radius:10px}
.orbits-chart .axis text,.orbits-chart .axislabel{fill:#c9d1f5 !important}
`;

// js/widget.js
function render({ model, el }) {
  const L = new Listeners();
  const root = h("div", { class: "ow-root", "data-role": "orbits" });
  const style = h("style", { text: CSS });
  const parts = {
    root,
    header: h("div", { class: "ow-head" }),
    tabs: h("div", { class: "ow-tabsbar" }),
    left: h("div", { class: "ow-left" }),
    side: h("div", { class: "ow-side" }),
    stage: h("div", { class: "ow-stagebox", "data-role": "stage" }),
    footer: h("div", { class: "ow-foot" })
  };
  root.append(style, parts.header, parts.tabs, parts.left, parts.stage, parts.side, parts.footer);
  el.append(root);
  const info = () => ({ ...model.get("_info") || {}, c_max: model.get("c_max"), max_workers: model.get("max_workers") });
  const stage = new Stage(parts.stage);
  const panel = new Panel(parts.side);
  const controls = new Controls(parts, model, L);
  const interp = new Interpolator();
  let errorLogged = false;
  const reportOnce = (where, err) => {
    if (!errorLogged) {
      errorLogged = true;
      console.warn(`orbits-widget: ${where} failed (shown once; the animation continues)`, err);
    }
  };
  const pushFrame = () => {
    const buf = model.get("_frame");
    if (!buf || buf.byteLength === 0) return;
    try {
      const f = decodeFrame(buf);
      interp.push(f, performance.now());
      stage.onFrame(f, performance.now());
    } catch (err) {
      reportOnce("decoding a frame", err);
    }
  };
  const onInfo = () => {
    panel.setLog((model.get("_info") || {}).log || []);
    controls.sync(info());
  };
  const onTraits = () => controls.sync(info());
  const traitEvents = ["mode", "load", "adaptive", "planner", "playing", "speed", "demo"].map((k) => `change:${k}`).join(" ");
  model.on("change:_frame", pushFrame);
  model.on("change:_info", onInfo);
  model.on(traitEvents, onTraits);
  L.add(() => {
    model.off("change:_frame", pushFrame);
    model.off("change:_info", onInfo);
    model.off(traitEvents, onTraits);
  });
  for (const [key, trait] of [["pf", "n_prefill"], ["dec", "n_decode"]]) {
    const p = stage.labels[key];
    L.on(p.plus, "click", () => {
      model.set(trait, Math.min(model.get("max_workers"), model.get(trait) + 1));
      model.save_changes();
    });
    L.on(p.minus, "click", () => {
      model.set(trait, Math.max(0, model.get(trait) - 1));
      model.save_changes();
    });
  }
  const ro = new ResizeObserver(() => {
    const r = parts.stage.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) stage.resize(Math.floor(r.width), Math.floor(r.height));
  });
  ro.observe(parts.stage);
  L.add(() => ro.disconnect());
  let raf = 0, lastPanel = 0;
  const drawMs = root.orbitsDrawMs = { ring: new Float32Array(600), n: 0 };
  const tick = (now) => {
    raf = requestAnimationFrame(tick);
    const t0 = performance.now();
    try {
      const st = interp.sample(now);
      const inf = info();
      stage.draw(st, inf, now);
      if (st && now - lastPanel > 100) {
        lastPanel = now;
        panel.update(st, inf);
      }
    } catch (err) {
      reportOnce("drawing a frame", err);
    }
    drawMs.ring[drawMs.n++ % drawMs.ring.length] = performance.now() - t0;
  };
  raf = requestAnimationFrame(tick);
  L.add(() => cancelAnimationFrame(raf));
  pushFrame();
  onInfo();
  return () => {
    L.clear();
    root.remove();
  };
}
var widget_default = { render };
export {
  widget_default as default
};
