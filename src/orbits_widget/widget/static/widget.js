// js/protocol/contract.js
var PAGE_READS = Object.freeze({
  // top-level keys of the schema
  schema: [
    "frame",
    "regimes",
    "worker_states",
    "modes",
    "mode_load",
    "speed_range",
    "predictors",
    "predictor",
    "theta1_ms",
    "theta2_ms",
    "hysteresis",
    "poll_interval_s",
    "detector_signal",
    "ttft_buckets_ms",
    "paper_gain",
    "hypotheses",
    "mechanisms",
    "knee_concurrency",
    "model",
    "deployment",
    "max_num_seqs",
    "kvbm_tiers"
  ],
  // keys of schema.frame, the binary layout
  frame: ["magic", "version", "header", "scalars", "prefill", "decode", "routes", "per_decode", "flags"],
  header: ["magic", "version", "n_prefill", "n_decode", "time", "seq", "regime", "k", "hysteresis", "flags"],
  scalars: [
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
    "kvbm_cap_g4",
    // the hypothesis bench's mechanisms at work (frame version 2): clients waiting for a connection (H5), the
    // detector's last poll read exactly and through the frontend's Prometheus histogram (H4)
    "client_waiting",
    "poll_exact_p99_ms",
    "poll_prometheus_p99_ms"
  ],
  prefill: ["state", "queue", "busy", "util"],
  // direct, prefilling: the adaptive controller's own path to a decode worker (H1); posting: NIXL reads (H2)
  decode: ["state", "running", "waiting", "slot_util", "util", "direct", "prefilling", "posting"],
  // (in the manifest's order; request_direct is the controller's own path, Frontend -> decode, H1)
  routes: [
    "request_prefill",
    "request_direct",
    "request_decode",
    "tokens_home",
    "kv_freighter",
    "metrics_probe",
    "control_signal"
  ],
  per_decode: ["decode_routed", "decode_done"],
  flags: ["adaptive", "playing", "planner", "demo", "stable"],
  // keys of each entry of schema.hypotheses (the model selector's choices) and of schema.mechanisms (what the model on
  // the stage switches on, for the stage's drawings)
  hypothesis: ["name", "label", "mechanisms", "assumes", "source", "strength"],
  mechanisms: ["direct", "posting", "client_connections", "v090", "batched_prefill"],
  // names the page has a colour, a text or a drawing for
  regimes: ["BELOW", "TRANSITION", "SATURATED"],
  worker_states: ["off", "starting", "active", "draining"],
  modes: ["idle", "normal", "busy", "saturation"]
});
function schemaGroups(schema) {
  const frame = schema && schema.frame || {};
  const list = (x) => Array.isArray(x) ? x : [];
  return {
    schema: Object.keys(schema || {}),
    frame: Object.keys(frame),
    header: list(frame.header).map(([name]) => name),
    scalars: list(frame.scalars),
    prefill: list(frame.prefill),
    decode: list(frame.decode),
    routes: list(frame.routes),
    per_decode: list(frame.per_decode),
    flags: list(frame.flags),
    hypothesis: [...new Set(list(schema && schema.hypotheses).flatMap((c) => Object.keys(c || {})))],
    mechanisms: Object.keys(schema && schema.mechanisms || {}),
    regimes: list(schema && schema.regimes),
    worker_states: list(schema && schema.worker_states),
    modes: list(schema && schema.modes)
  };
}
function checkSchema(schema) {
  const sent = schemaGroups(schema), problems = [];
  for (const [group, known] of Object.entries(PAGE_READS)) {
    const unknown = sent[group].filter((x) => !known.includes(x));
    const missing = known.filter((x) => !sent[group].includes(x));
    if (unknown.length) problems.push(`${group}: Python sends ${unknown.join(", ")}, which the page does not know`);
    if (missing.length) problems.push(`${group}: the page reads ${missing.join(", ")}, which Python does not send`);
  }
  return problems;
}

// js/protocol/frames.js
var TYPES = {
  ascii4: [4, (v, o) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3))],
  u8: [1, (v, o) => v.getUint8(o)],
  u16: [2, (v, o) => v.getUint16(o, true)],
  u32: [4, (v, o) => v.getUint32(o, true)],
  f64: [8, (v, o) => v.getFloat64(o, true)]
};
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
function makeDecoder(layout) {
  const header = layout.header.map(([name, type]) => {
    if (!TYPES[type]) throw new Error(`frame: header field ${name} has unknown type ${type}`);
    return [name, ...TYPES[type]];
  });
  const headerBytes = header.reduce((n, [, size]) => n + size, 0);
  const { scalars, prefill, decode, routes, flags } = layout;
  const perDecode = layout.per_decode;
  return (buf) => {
    const v = asView(buf);
    if (v.byteLength < headerBytes) throw new Error(`frame: ${v.byteLength} bytes is shorter than the header`);
    const out = {};
    let off = 0;
    for (const [name, size, read] of header) {
      out[name] = read(v, off);
      off += size;
    }
    if (out.magic !== layout.magic) throw new Error(`frame: bad magic ${out.magic}`);
    if (out.version !== layout.version) throw new Error(`frame: version ${out.version} is not supported`);
    const nP = out.n_prefill, nD = out.n_decode;
    const words = scalars.length + nP * prefill.length + nD * decode.length + routes.length + nD * perDecode.length;
    const need = headerBytes + 4 * words;
    if (v.byteLength !== need) throw new Error(`frame: ${v.byteLength} bytes, expected ${need}`);
    delete out.magic;
    const bits = out.flags;
    Object.assign(out, { flags: {}, scalars: {}, prefill: {}, decode: {}, routes: {} });
    flags.forEach((name, i) => {
      out.flags[name] = (bits >> i & 1) === 1;
    });
    const sc = f32s(v, off, scalars.length);
    scalars.forEach((name, i) => {
      out.scalars[name] = sc[i];
    });
    off += 4 * scalars.length;
    for (const f of prefill) {
      out.prefill[f] = f32s(v, off, nP);
      off += 4 * nP;
    }
    for (const f of decode) {
      out.decode[f] = f32s(v, off, nD);
      off += 4 * nD;
    }
    for (const r of routes) {
      out.routes[r] = v.getUint32(off, true);
      off += 4;
    }
    for (const name of perDecode) {
      out[name] = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
      off += 4 * nD;
    }
    return out;
  };
}

// js/protocol/recording.js
var MAGIC = "ORBR";
var VERSION = 1;
var HEAD = 24;
function asView2(buf) {
  if (buf instanceof DataView) return buf;
  if (buf instanceof ArrayBuffer) return new DataView(buf);
  if (ArrayBuffer.isView(buf)) return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return null;
}
function hasRecording(buf) {
  const v = asView2(buf);
  return Boolean(v && v.byteLength > 0);
}
function readRecording(buf) {
  const v = asView2(buf);
  if (!v) throw new Error("recording: expected binary data");
  if (v.byteLength < HEAD) throw new Error(`recording: ${v.byteLength} bytes is shorter than the header`);
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== MAGIC) throw new Error(`recording: bad magic ${magic}`);
  const version = v.getUint16(4, true);
  if (version !== VERSION) throw new Error(`recording: version ${version} is not supported`);
  const n = v.getUint32(8, true), jsonBytes = v.getUint32(12, true);
  const fps = v.getFloat32(16, true), speed = v.getFloat32(20, true);
  if (n < 1) throw new Error("recording: it holds no frame");
  if (!(fps > 0 && fps <= 240)) throw new Error(`recording: ${fps} frames per second`);
  const start = HEAD + 4 * (n + 1);
  if (v.byteLength < start) throw new Error(`recording: ${v.byteLength} bytes, too short for ${n} frame offsets`);
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = v.getUint32(HEAD + 4 * i, true);
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] < offsets[i]) throw new Error(`recording: frame ${i} ends before it starts`);
  }
  const need = start + offsets[n] + jsonBytes;
  if (v.byteLength !== need) throw new Error(`recording: ${v.byteLength} bytes, expected ${need}`);
  const json = new Uint8Array(v.buffer, v.byteOffset + start + offsets[n], jsonBytes);
  const meta = JSON.parse(new TextDecoder("utf-8").decode(json));
  if (!meta || typeof meta !== "object") throw new Error("recording: its JSON is not an object");
  const frame = (i) => new DataView(v.buffer, v.byteOffset + start + offsets[i], offsets[i + 1] - offsets[i]);
  return { n, fps, speed, meta, frame };
}

// js/view/dom.js
function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "style") Object.assign(el.style, v);
    else el.setAttribute(k, v);
  }
  for (const c of [].concat(children)) {
    if (c != null) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
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

// js/view/format.js
var DASH = "\u2014";
var ok = (x) => typeof x === "number" && Number.isFinite(x);
function fmtMs(ms) {
  if (!ok(ms)) return DASH;
  if (ms >= 1e3) return `${(ms / 1e3).toFixed(ms >= 1e4 ? 1 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
function fmtParamMs(ms) {
  if (!ok(ms)) return DASH;
  return ms >= 1e3 ? `${+(ms / 1e3).toFixed(3)} s` : `${+ms.toFixed(3)} ms`;
}
function fmtParam(x) {
  return ok(x) ? String(+x.toPrecision(4)) : DASH;
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

// js/view/chart.js
var SVG_NS = ["http", "://www.w3.org/2000/svg"].join("");
var W = 640;
var H = 290;
var M = { l: 58, r: 14, t: 30, b: 40 };
var Y_RANGE = [30, 3e4];
var Y_TICKS = [30, 100, 300, 1e3, 3e3, 1e4, 3e4];
var CURVES = [
  ["static", "#ff6b6b", "", 2.5],
  ["adaptive", "#4ade80", "", 2.5],
  ["plus1_decode", "#60a5fa", "6 4", 1.5],
  ["plus1_prefill", "#e879f9", "6 4", 1.5]
];
function svg(tag, attrs = {}, kids = []) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") el.textContent = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of kids) el.append(c);
  return el;
}
var clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
var px = (x) => x.toFixed(1);
function staticLabel(tau, omega) {
  return (tau === 0 || tau == null) && (omega === 1 || omega == null) ? "Dynamo (static)" : `static (\u03C4 ${fmtParam(tau)}, \u03C9 ${fmtParam(omega)})`;
}
var RecordedChart = class {
  constructor() {
    this.plot = svg("g");
    this.point = svg("circle", {
      r: 6,
      fill: "#ffffff",
      stroke: "#ffd166",
      "stroke-width": 2,
      visibility: "hidden",
      "data-role": "chart-point"
    });
    this.readout = h("small", { class: "ow-dim", "data-role": "chart-readout", text: "" });
    this.svg = svg("svg", {
      viewBox: `0 0 ${W} ${H}`,
      class: "ow-chart",
      role: "img",
      "aria-label": "TTFT p99 against concurrency, recorded"
    }, [this.plot, this.point]);
    this.title = h("h4", { text: "TTFT p99 vs. concurrency \xB7 recorded" });
    this.el = h("section", { class: "ow-card ow-chartbox", "data-panel": "chart", hidden: "" }, [
      h("div", { class: "ow-row" }, [this.title, this.readout]),
      this.svg
    ]);
    this.data = null;
  }
  x(c) {
    const [a, b] = this.xRange;
    return M.l + (clamp(c, a, b) - a) / (b - a) * (W - M.l - M.r);
  }
  y(ms) {
    const [a, b] = Y_RANGE.map(Math.log);
    return H - M.b - (Math.log(clamp(ms, Y_RANGE[0], Y_RANGE[1])) - a) / (b - a) * (H - M.t - M.b);
  }
  // draw the recording's curves (`chart` from its JSON; lists may be empty, null = no value), the schema's θ₁, θ₂
  // and C*, the router's setting in the static curve's name and the model it ran in the title (traits); then show
  // the chart
  show(chart, schema, traits) {
    const model = traits && typeof traits.hypothesis === "string" ? ` \xB7 model ${traits.hypothesis}` : "";
    setText(this.title, `TTFT p99 vs. concurrency \xB7 recorded${model}`);
    const c = (chart && Array.isArray(chart.c) ? chart.c : []).map(Number);
    const grid = c.filter(isNum);
    this.xRange = grid.length > 1 ? [Math.min(...grid), Math.max(...grid)] : [8, 256];
    const curve = (key) => {
      const ys = chart && Array.isArray(chart[key]) ? chart[key] : [];
      return c.map((x, i) => [x, ys[i]]).filter(([x, y]) => isNum(x) && isNum(y) && y > 0);
    };
    this.data = Object.fromEntries(CURVES.map(([key]) => [key, curve(key)]));
    const kids = [svg("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: "#070b1a" })];
    const [x0, x1] = [M.l, W - M.r], [yTop, yBot] = [M.t, H - M.b];
    const label = (x, y, text, fill2, anchor = "start") => svg("text", {
      x: px(x),
      y: px(y),
      fill: fill2,
      "font-size": 11,
      "text-anchor": anchor,
      text
    });
    for (const t of Y_TICKS) {
      kids.push(
        svg("line", { x1: x0, x2: x1, y1: px(this.y(t)), y2: px(this.y(t)), stroke: "#151d45" }),
        label(x0 - 6, this.y(t) + 4, t.toLocaleString("en-US"), "#c9d1f5", "end")
      );
    }
    const knee = schema && schema.knee_concurrency;
    const kneeShown = isNum(knee) && knee >= this.xRange[0] && knee <= this.xRange[1];
    const crowds = (t) => kneeShown && t !== knee && Math.abs(t - knee) < 24;
    const ticks = [.../* @__PURE__ */ new Set([this.xRange[0], 64, 128, 192, this.xRange[1]])].filter((t) => t >= this.xRange[0] && t <= this.xRange[1] && !crowds(t));
    if (kneeShown) ticks.push(knee);
    for (const t of ticks) kids.push(label(this.x(t), yBot + 15, String(t), "#c9d1f5", "middle"));
    kids.push(
      label((x0 + x1) / 2, H - 6, "concurrency C (clients)", "#c9d1f5", "middle"),
      svg("text", {
        x: 12,
        y: (yTop + yBot) / 2,
        fill: "#c9d1f5",
        "font-size": 11,
        "text-anchor": "middle",
        transform: `rotate(-90 12 ${(yTop + yBot) / 2})`,
        text: "TTFT p99 (ms)"
      })
    );
    const s = this.data.static, a = this.data.adaptive;
    if (s.length > 1 && s.length === a.length) {
      const pts = [...s, ...a.slice().reverse()].map(([x, y]) => `${px(this.x(x))},${px(this.y(y))}`);
      kids.push(svg("polygon", { points: pts.join(" "), fill: "#f59e0b", "fill-opacity": 0.18 }));
    }
    for (const [key, ms, color] of [
      ["\u03B8\u2081", schema && schema.theta1_ms, "#fbbf24"],
      ["\u03B8\u2082", schema && schema.theta2_ms, "#f97316"]
    ]) {
      if (!isNum(ms) || ms <= 0) continue;
      const y = this.y(ms);
      kids.push(
        svg("line", { x1: x0, x2: x1, y1: px(y), y2: px(y), stroke: color, "stroke-dasharray": "2 3" }),
        label(x0 + 4, y - 4, `${key} ${fmtParamMs(ms)}`, color)
      );
    }
    if (kneeShown) {
      const x = this.x(knee);
      kids.push(
        svg("line", {
          x1: px(x),
          x2: px(x),
          y1: yTop,
          y2: yBot,
          stroke: "#a78bfa",
          "stroke-dasharray": "6 3 2 3"
        }),
        label(x + 4, yBot - 6, `C* ${knee}`, "#a78bfa")
      );
    }
    const names = {
      static: staticLabel(traits && traits.tau, traits && traits.omega),
      adaptive: "Adaptive",
      plus1_decode: "+1 Decode",
      plus1_prefill: "+1 Prefill"
    };
    let legendY = yTop + 14;
    for (const [key, color, dash, width] of CURVES) {
      const pts = this.data[key];
      if (!pts.length) continue;
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${px(this.x(x))} ${px(this.y(y))}`).join(" ");
      kids.push(svg("path", {
        d,
        fill: "none",
        stroke: color,
        "stroke-width": width,
        "stroke-dasharray": dash || "none",
        "data-curve": key
      }));
      kids.push(svg("line", {
        x1: x0 + 8,
        x2: x0 + 26,
        y1: legendY - 4,
        y2: legendY - 4,
        stroke: color,
        "stroke-width": width,
        "stroke-dasharray": dash || "none"
      }), label(x0 + 30, legendY, names[key], "#c9d1f5"));
      legendY += 14;
    }
    this.plot.replaceChildren(...kids);
    this.point.setAttribute("visibility", "hidden");
    setText(this.readout, "");
    this.el.hidden = false;
  }
  hide() {
    this.el.hidden = true;
    this.data = null;
  }
  // move the operating point to the state `st` (its C and TTFT p99; without a p99 yet, on the curve of the twin on
  // the stage, as the bqplot chart does)
  update(st) {
    if (!this.data) return;
    const c = st.scalars.concurrency;
    let p99 = st.scalars.ttft_p99_ms;
    if (!isNum(p99) && isNum(c)) p99 = interp(this.data[st.flags.adaptive ? "adaptive" : "static"], c);
    const shown = isNum(c) && isNum(p99) && p99 > 0;
    this.point.setAttribute("visibility", shown ? "visible" : "hidden");
    if (shown) {
      this.point.setAttribute("cx", px(this.x(c)));
      this.point.setAttribute("cy", px(this.y(p99)));
    }
    setText(this.readout, isNum(c) ? `C = ${fmtNum(c)} \xB7 TTFT p99 ${fmtMs(st.scalars.ttft_p99_ms)}` : "");
  }
};
function interp(pts, x) {
  if (!pts.length) return NaN;
  if (x <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    const [xa, ya] = pts[i - 1], [xb, yb] = pts[i];
    if (x <= xb) return ya + (yb - ya) * (x - xa) / (xb - xa || 1);
  }
  return pts[pts.length - 1][1];
}

// js/view/hypotheses.js
function choiceOf(schema, name) {
  const list = schema && Array.isArray(schema.hypotheses) ? schema.hypotheses : [];
  return list.find((c) => c && c.name === name) || null;
}
function choiceTip(c) {
  if (!c) return "";
  const lines = [`${c.name} \xB7 ${c.label || ""}`];
  if (c.assumes) lines.push(`Assumes: ${c.assumes}`);
  if (c.source) lines.push(`Sources: ${c.source}`);
  if (c.strength && c.strength !== "-") lines.push(`Evidence: ${c.strength}`);
  return lines.join("\n");
}
var STAGE_SHOWS = [
  ["H1", (s) => s.mechanisms.direct, "teal shuttles fly from the Frontend straight to a decode worker, under the Sun (the controller's own path, in the manifest as \u201CRequest \xB7 direct\u201D); a decode worker whose pass prefills them turns the prefill colour, and the Decode planet counts them (direct, prefilling)."],
  ["H2", (s) => s.mechanisms.posting, "amber marks beside each decode worker: the NIXL reads it will post before its next step (the Decode planet: posting)."],
  ["H3", (s) => s.mechanisms.v090, "the Smart Router routes the decode leg as v0.9.0 did (DECODE LEG \xB7 v0.9.0): distinct blocks, ties to one worker; watch the Decode pool herd."],
  ["H4", (s) => s.detector_signal === "prometheus", "the Saturation Detector's label gives its last poll's TTFT P99 both ways: read from the frontend's Prometheus histogram (what it acts on) and exact."],
  ["H5", (s) => s.mechanisms.client_connections > 0, "a red ring round the Frontend: clients waiting for one of the load generator's connections (one lap per pool's worth; the Frontend's label counts them)."],
  ["H6", (s) => s.mechanisms.batched_prefill, "the Prefill planet batches what waits at each pass."]
];
function stageShows(schema) {
  if (!schema || !schema.mechanisms) return [];
  return STAGE_SHOWS.filter(([, on]) => on(schema)).map(([key, , text]) => `${key}: ${text}`);
}

// js/view/controls.js
var NARRATIVE = {
  idle: () => "Orbits are quiet. The Router's corona barely flickers. A few sentinel requests drift between Frontend and the Sun \u2014 just enough to keep the control loop warm.",
  normal: (s) => `Steady traffic. Shuttles stream from the Frontend round the Sun to both pools; every Decode worker carries its share and TTFT stays far below \u03B8\u2081 = ${fmtParamMs(s.theta1_ms)}.`,
  busy: (s, c) => `The orbits crowd toward the knee (C = ${c}, C* = ${s.knee_concurrency}). The Prefill worker, one request per pass, is almost never idle and a queue starts to form in front of it; cache affinity starts pulling templates toward one Decode worker.`,
  saturation: (s, c) => `${c >= s.knee_concurrency ? "Past" : "Toward"} the knee: C = ${c}, C* = ${s.knee_concurrency}. The Prefill worker saturates and the queue in front of it drives TTFT P99 up. After ${s.hysteresis} polls in a row past \u03B8\u2082 = ${fmtParamMs(s.theta2_ms)}${SIGNAL[s.detector_signal] || ""} the Saturation Detector flips (\u03C4, \u03C9)${afterFlip(s.mechanisms || {})}`
};
function afterFlip(mech) {
  const cap = mech.client_connections > 0 ? ` Past ${mech.client_connections} clients the rest wait at the Frontend for a connection, a wait the frontend's histogram never sees.` : "";
  if (mech.direct) {
    return `: the adaptive twin's requests then skip the Prefill worker, flying straight to a decode worker that prefills them itself, so its TTFT P99 falls while the static twin's still queue; another Prefill worker (the Planner's) is the static twin's only way out.${cap}`;
  }
  return `: the Decode pool rebalances, yet TTFT P99 barely moves; only another Prefill worker (the Planner's) shortens that queue.${cap}`;
}
var SIGNAL = {
  prometheus: " on the frontend's Prometheus histogram (a bucketed P99)",
  exact: " (the exact P99 of every client's TTFT)"
};
var OPEN_LOOP = (s, w) => `${w.text}: requests arrive on their own schedule, whatever the deployment answers, so past what it can serve (around C* = ${s.knee_concurrency} requests in flight) the queue grows without bound. The chart's live point sits at the measured mean requests in flight (Little's law).`;
var openLoopTip = (w) => `Open loop (${w.text}): its arrivals set the load, so the load slider and the mode tabs (the paper's closed loop of C clients) do not apply. In Python, set_workload(None) or load_config() with a paper workload returns to the closed loop.`;
var KERNEL_TIP = "Needs a running kernel: this page plays a recording of the simulation (in Jupyter, OrbitsWidget() runs it live, with its controls).";
var REPLAY_TIP = "Replaying a recording: \u201CBack to live\u201D returns to the running simulation and its controls.";
var Controls = class {
  constructor(parts, model, listeners) {
    this.model = model;
    this.on = listeners.on.bind(listeners);
    this.traits = null;
    this.lock = "";
    this.save = (k, v) => {
      if (this.lock) return;
      model.set(k, v);
      model.save_changes();
    };
    const { on, save } = this;
    this.subtitle = h("span", { class: "ow-dim", text: "" });
    this.help = h("button", {
      class: "ow-btn ow-help",
      "data-role": "help",
      title: "About this simulation",
      text: "?"
    });
    this.recBadge = h("span", { class: "ow-recbadge", "data-role": "rec-badge", text: "\u25CF RECORDED", hidden: "" });
    this.replay = h("button", {
      class: "ow-btn",
      "data-role": "replay",
      "data-control": "replay",
      title: "play the last recording (record() in Python) here; live play resumes after it",
      text: "\u25B6 Replay recording"
    });
    this.backLive = h("button", {
      class: "ow-btn",
      "data-role": "back-to-live",
      "data-control": "live",
      title: "stop the replay and return to the running simulation",
      text: "\u25A0 Back to live",
      hidden: ""
    });
    this.recStatus = h("small", { class: "ow-dim", "data-role": "replay-status", text: "" });
    this.recNote = h("small", {
      class: "ow-dim",
      "data-role": "standalone-note",
      hidden: "",
      text: "No kernel here: the controls need one."
    });
    this.recCard = h(
      "div",
      { class: "ow-rec", "data-panel": "recording", hidden: "" },
      [h("div", { class: "ow-recinfo" }, [this.recStatus, this.recNote]), this.replay, this.backLive]
    );
    parts.header.append(
      h("div", { class: "ow-title" }, [
        h("h2", {}, ["The orbits of Anarchy ", this.recBadge]),
        h("div", { class: "ow-sub" }, [h("span", { text: "Powered by NVIDIA Dynamo" }), this.subtitle])
      ]),
      this.recCard,
      this.help
    );
    this.tabs = [];
    this.tabRow = h("div", { class: "ow-tabs" });
    this.narrTitle = h("b", { text: "" });
    this.narr = h("span", { text: "" });
    parts.tabs.append(this.tabRow, h("p", { class: "ow-narr", "data-role": "narrative" }, [
      this.narrTitle,
      " ",
      this.narr
    ]));
    this.sw = ["static", "adaptive"].map((k) => {
      const text = k === "static" ? "Static" : "Adaptive";
      const b = h("button", { class: "ow-seg", "data-role": `switch-${k}`, text });
      on(b, "click", () => save("adaptive", k === "adaptive"));
      return b;
    });
    this.plan = h("button", { class: "ow-btn ow-wide", "data-role": "planner", text: "Planner: off" });
    on(this.plan, "click", () => save("planner", !model.get("planner")));
    this.demo = h("button", { class: "ow-btn ow-wide ow-demo", "data-role": "demo", text: "Auto-demo" });
    on(this.demo, "click", () => save("demo", !model.get("demo")));
    this.play = h("button", { class: "ow-btn", "data-role": "play", text: "\u275A\u275A" });
    on(this.play, "click", () => save("playing", !model.get("playing")));
    this.speed = h("input", {
      type: "range",
      min: "0",
      max: "1000",
      value: "0",
      "data-role": "speed",
      "aria-label": "simulation speed"
    });
    this.speedLab = h("small", { class: "ow-dim", text: "" });
    const saveSpeed = debounce((v) => save("speed", v), 120);
    on(this.speed, "input", () => {
      const s = this.toSpeed(+this.speed.value);
      setText(this.speedLab, `\xD7${s} sim s / s`);
      saveSpeed(s);
    });
    listeners.add(() => saveSpeed.cancel());
    this.cards = [
      h("section", { class: "ow-card" }, [
        h("h4", { text: "Router" }),
        h("div", { class: "ow-segs" }, this.sw),
        this.plan,
        this.demo
      ]),
      h("section", { class: "ow-card" }, [h("h4", { text: "Simulation" }), h(
        "div",
        { class: "ow-row" },
        [this.play, this.speed]
      ), this.speedLab])
    ];
    parts.left.append(...this.cards);
    this.modelSel = h("select", {
      class: "ow-select",
      "data-role": "hypothesis",
      "data-control": "hypothesis",
      "aria-label": "model on the stage (a row of the hypothesis bench)"
    });
    this.modelKey = "";
    on(this.modelSel, "change", () => {
      if (this.modelSel.value) save("hypothesis", this.modelSel.value);
    });
    if (parts.model) parts.model.append(h("span", { class: "ow-lab", text: "Model" }), this.modelSel);
    this.slider = h("input", {
      type: "range",
      min: "0",
      max: "100",
      step: "1",
      value: "0",
      "data-role": "load",
      "aria-label": "load"
    });
    this.loadLab = h("span", { class: "ow-loadlab", "data-role": "load-label", text: "0% load" });
    this.cLab = h("span", { class: "ow-dim", "data-role": "concurrency", text: "" });
    this.dragging = false;
    const saveLoad = debounce((v) => {
      this.dragging = false;
      save("load", v);
    }, 100);
    on(this.slider, "input", () => {
      if (this.workload() || this.lock) return;
      this.dragging = true;
      this.showLoad(+this.slider.value / 100);
      saveLoad(+this.slider.value / 100);
    });
    listeners.add(() => saveLoad.cancel());
    parts.footer.append(this.loadLab, this.slider, this.cLab);
    this.parts = parts;
  }
  // the mode tabs and the speed slider's range, from the schema
  setSchema(schema) {
    this.schema = schema;
    const [lo, hi] = schema.speed_range;
    this.toSpeed = (v) => +(lo * Math.pow(hi / lo, v / 1e3)).toFixed(2);
    this.fromSpeed = (s) => String(Math.round(1e3 * Math.log(s / lo) / Math.log(hi / lo)));
    if (this.modes !== schema.modes.join()) {
      this.modes = schema.modes.join();
      this.tabs = schema.modes.map((m) => {
        const b = h("button", { class: "ow-tab", "data-role": `tab-${m}`, "data-mode": m, text: m });
        this.on(b, "click", () => {
          if (!this.workload()) this.save("mode", m);
        });
        return b;
      });
      this.tabRow.replaceChildren(...this.tabs);
    }
    setText(this.subtitle, `Simulation calibrated to ${schema.model}`);
    const choices = Array.isArray(schema.hypotheses) ? schema.hypotheses : [];
    const key = JSON.stringify(choices);
    if (key !== this.modelKey) {
      this.modelKey = key;
      this.modelSel.replaceChildren(...choices.map((c) => h("option", {
        value: String(c.name),
        title: choiceTip(c),
        text: c.label ? `${c.name} \xB7 ${c.label}` : String(c.name)
      })));
    }
    if (this.parts.model) this.parts.model.hidden = !choices.length;
  }
  showLoad(load) {
    const w = this.workload();
    if (w) {
      setText(this.loadLab, "open loop");
      setText(this.cLab, w.text);
      return;
    }
    setText(this.loadLab, `${Math.round(100 * load)}% load`);
    setText(this.cLab, `C = ${Math.round(load * this.get("c_max"))}`);
  }
  // a trait as the controls show it: the recording's while one plays, else the model's
  get(k) {
    return this.traits && k in this.traits ? this.traits[k] : this.model.get(k);
  }
  // a recording plays ({ traits, tip, standalone }) or the live simulation is back (null)
  setPlayback(p) {
    this.traits = p ? p.traits || null : null;
    this.lock = p ? p.tip : "";
    this.recBadge.hidden = !p;
    this.recNote.hidden = !(p && p.standalone);
    this.replay.hidden = Boolean(p);
    this.backLive.hidden = !p || p.standalone;
    if (p) this.recCard.hidden = false;
    else {
      setText(this.recStatus, "");
      this.setRecording(this.hasRecording);
    }
    this.sync();
  }
  // the frames of a recording move its traits (the Static/Adaptive switch, the Planner, the load)
  setTraits(traits) {
    if (this.traits) this.traits = traits;
  }
  // the model has a recording to replay (or not)
  setRecording(has) {
    this.hasRecording = has;
    if (!this.lock) this.recCard.hidden = !has;
  }
  showStatus(text) {
    setText(this.recStatus, text);
  }
  // the open-loop workload ({kind, text}) or null for the paper's closed loop
  workload() {
    const w = this.get("_workload");
    return w && w.kind && w.kind !== "paper" ? { kind: String(w.kind), text: String(w.text || w.kind) } : null;
  }
  // model -> controls (traits changed in Python or in another view)
  sync() {
    const m = this, mode = m.get("mode"), s = this.schema;
    if (!s) return;
    const cMax = m.get("c_max"), open = this.workload(), lock = this.lock;
    const tip = lock || (open ? openLoopTip(open) : "");
    for (const b of this.tabs) {
      const share = s.mode_load[b.dataset.mode];
      b.classList.toggle("ow-on", !open && b.dataset.mode === mode);
      b.disabled = Boolean(open || lock);
      b.title = tip || `${Math.round(100 * share)}% load: C = ${Math.round(share * cMax)}`;
    }
    this.slider.disabled = Boolean(open || lock);
    for (const el of [this.slider, this.tabRow, this.parts.footer]) el.title = tip;
    for (const el of [...this.sw, this.plan, this.demo, this.speed]) {
      el.disabled = Boolean(lock);
      el.title = lock;
    }
    this.play.disabled = Boolean(lock);
    const name = m.get("hypothesis"), choice = choiceOf(s, name);
    if (choice && this.modelSel.value !== name) this.modelSel.value = name;
    this.modelSel.disabled = Boolean(lock);
    this.modelSel.title = lock || choiceTip(choice);
    if (this.parts.model) this.parts.model.title = lock;
    for (const el of this.cards) el.title = lock;
    if (open) {
      setText(this.narrTitle, "OPEN LOOP");
      setText(this.narr, OPEN_LOOP(s, open));
    } else {
      setText(this.narrTitle, mode.toUpperCase());
      setText(this.narr, NARRATIVE[mode] ? NARRATIVE[mode](s, Math.round(m.get("load") * cMax)) : "");
    }
    const ad = m.get("adaptive");
    this.sw[0].classList.toggle("ow-on", !ad);
    this.sw[1].classList.toggle("ow-on", ad);
    setText(this.plan, `Planner: ${m.get("planner") ? "on" : "off"}`);
    this.plan.classList.toggle("ow-on", m.get("planner"));
    setText(this.demo, m.get("demo") ? "Stop demo" : "Auto-demo");
    this.demo.classList.toggle("ow-on", m.get("demo"));
    setText(this.play, m.get("playing") ? "\u275A\u275A" : "\u25B6");
    this.play.title = lock || (m.get("playing") ? "pause" : "play");
    if (document.activeElement !== this.speed) {
      this.speed.value = this.fromSpeed(m.get("speed"));
      setText(this.speedLab, `\xD7${m.get("speed")} sim s / s`);
    }
    if (!this.dragging) {
      this.slider.value = String(Math.round(100 * m.get("load")));
      this.showLoad(m.get("load"));
    }
  }
};

// js/view/dialog.js
function bucketsAround(buckets, lo, hi) {
  const b = Array.isArray(buckets) ? buckets.filter((x) => x > 0) : [];
  const from = Math.max(0, b.findIndex((x) => x >= lo) - 1);
  let to = b.findIndex((x) => x >= hi);
  to = to < 0 ? b.length - 1 : Math.min(b.length - 1, to + 1);
  const shown = b.slice(from, to + 1);
  return shown.length ? `\u2026 ${shown.map(fmtParamMs).join(", ")} \u2026` : "";
}
function detectorText(s) {
  const every = typeof s.poll_interval_s === "number" ? `every ${s.poll_interval_s} s` : "at every poll";
  if (s.detector_signal === "prometheus") {
    const b = bucketsAround(s.ttft_buckets_ms, s.theta1_ms, s.theta2_ms);
    return `The Saturation Detector reads TTFT P99 as the paper's controller did, polling Prometheus ${every}: histogram_quantile(0.99) over the frontend's TTFT histogram, interpolated inside its buckets` + (b ? ` (${b})` : "") + ". Only requests that went through the frontend count, timed from there. So the controller card's EWMA follows a bucketed P99, not the clients' own TTFT p99 (Throughput card).";
  }
  if (s.detector_signal === "exact") {
    return `The Saturation Detector reads the exact P99 of every client's TTFT, ${every} (the model before the hypothesis bench; the default reads the frontend's Prometheus histogram, as the paper's controller did).`;
  }
  return "";
}
function paperText(s) {
  const g = s.paper_gain;
  if (!g || typeof g.ttft_p99 !== "number") return "";
  return `The paper measured adaptive routing lowering TTFT P99 ${g.ttft_p99}\xD7 on ${g.deployment}. This model does not reproduce that: the hypothesis bench found no sourced mechanism that does (run \`python -m orbits_widget explain\`, or read \`docs/hypotheses.md\`). The twins here show what the model does, side by side.`;
}
function fill(el, text) {
  if (el.textContent === text.split("`").join("")) return;
  el.replaceChildren(...text.split("`").map((part, i) => i % 2 ? h("code", { text: part }) : part));
}
var Dialog = class {
  constructor(root, listeners) {
    this.deployment = h("span", { text: "" });
    this.modes = h("span", { text: "" });
    this.detector = h("p", { "data-role": "dialog-detector", text: "" });
    this.paper = h("p", { "data-role": "dialog-paper", text: "" });
    this.modelName = h("b", { text: "" });
    this.modelAssumes = h("span", { text: "" });
    this.modelSource = h("small", { class: "ow-dim", "data-role": "dialog-model-source", text: "" });
    this.modelShows = h("ul", { "data-role": "dialog-model-stage" });
    this.modelBox = h("div", { "data-role": "dialog-model", hidden: "" }, [
      h("h3", { text: "The model on the stage" }),
      h("p", {}, [this.modelName, " ", this.modelAssumes]),
      h("p", {}, [this.modelSource]),
      this.modelShows,
      h("p", { text: "Switch it with the Model selector in the Controller card: both twins restart at t = 0 on the same seed, and the chart is recomputed for it." })
    ]);
    const li = (kids) => h("li", {}, kids);
    const box = h("div", { class: "ow-dialog-box" }, [
      h("button", { class: "ow-btn ow-close", "data-role": "dialog-close", text: "\xD7" }),
      h("h3", { text: "About this simulation" }),
      h("p", {}, ['Companion to the paper "The Price of Anarchy in Disaggregated Inference" (arXiv 2606.17081). It sets a game-theoretic adaptive router (Saturation Detector + controller) against a static Dynamo baseline at saturation, on ', this.deployment, ", simulated request by request in the Python kernel."]),
      h("p", { text: "Past the knee C* the Prefill pool saturates (each worker takes one request per pass) and TTFT P99 is the queue in front of it. Watch the worker dots inside the Decode pool: under static, cache affinity herds requests onto one worker; under adaptive the router flips (\u03C4, \u03C9) and the pool rebalances, yet TTFT P99 barely moves, since no router setting shortens the prefill queue. What brings it back is one more Prefill worker, added by the Planner or the + button on the Prefill planet (one more Decode worker does not): the other half of the paper's \xA75 saturation decomposition." }),
      this.detector,
      this.paper,
      this.modelBox,
      h("h3", { text: "How to use it" }),
      h("ul", {}, [
        li(["Mode tabs (top of stage) \u2014 jump between load regimes: ", this.modes, "."]),
        li(["Load slider (bottom) \u2014 drag to set concurrency by hand from 0\u2013100 % of C_max."]),
        li(["Auto-demo \u2014 scripts an A/B contrast at saturation (static first, then adaptive kicks in and rebalances the Decode pool while TTFT P99 barely moves, then the Planner adds a Prefill worker); press again to stop it."]),
        li(["Static / Adaptive (left panel) \u2014 choose which twin the stage shows; the side chart and panel show both, and the cost of not adapting between them."]),
        li(["Model (Controller card) \u2014 choose which row of the hypothesis bench both twins run: a candidate mechanism for the paper's adaptive gain, alone or combined; hover a choice for what it assumes and its sources."]),
        li(["Pool +/\u2212 controls (on the Prefill and Decode planets) \u2014 scale N_p and N_d. A count of 0 is a full outage; raising it adds capacity as the Planner would."]),
        li(["Side panel \u2014 live TTFT p99, P\u0302oA, worker dials and the mission log, updated every frame from Python."])
      ])
    ]);
    this.el = h("div", { class: "ow-dialog", "data-role": "dialog", hidden: "" }, [box]);
    root.append(this.el);
    listeners.on(this.el, "click", (e) => {
      if (e.target === this.el || e.target.dataset.role === "dialog-close") this.el.hidden = true;
    });
  }
  open() {
    this.el.hidden = false;
  }
  // the model on the stage (an entry of the schema's `hypotheses`, or null: nothing to say) and what the stage
  // shows of its mechanisms
  setModel(choice, schema) {
    this.modelBox.hidden = !choice;
    if (!choice) return;
    setText(this.modelName, `${choice.name} \xB7 ${choice.label || ""}.`);
    setText(this.modelAssumes, String(choice.assumes || ""));
    const strength = choice.strength && choice.strength !== "-" ? ` Evidence: ${choice.strength}.` : "";
    setText(this.modelSource, choice.source ? `Sources: ${choice.source}.${strength}` : strength.trim());
    const shows = stageShows(schema);
    const key = shows.join("\n");
    if (this.modelShowsKey !== key) {
      this.modelShowsKey = key;
      this.modelShows.replaceChildren(...(shows.length ? shows : ["No mechanism of the bench: the stage shows the model as it was before it."]).map((t) => h("li", { text: t })));
    }
  }
  setSchema(schema) {
    setText(this.deployment, `the ${schema.deployment} deployment of ${schema.model}`);
    setText(this.modes, schema.modes.join(" \u2192 "));
    for (const [el, text] of [[this.detector, detectorText(schema)], [this.paper, paperText(schema)]]) {
      fill(el, text);
      el.hidden = !text;
    }
  }
};

// js/view/interp.js
var lerp = (a, b, t) => Number.isFinite(a) && Number.isFinite(b) ? a + (b - a) * t : b;
function lerpArr(a, b, t) {
  if (!a || a.length !== b.length) return b;
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = lerp(a[i], b[i], t);
  return out;
}
var Interpolator = class {
  constructor() {
    this.reset();
  }
  // forget the frames: the next one starts afresh (another source: a recording, or live frames after it)
  reset() {
    this.prev = null;
    this.cur = null;
    this.tArrive = 0;
    this.interval = 1e3 / 30;
  }
  // false when the frame is the one already shown (a second view re-reading the trait)
  push(frame, now) {
    const cur = this.cur;
    if (cur && frame.seq === cur.seq && frame.time === cur.time) return false;
    if (cur) this.interval = Math.min(250, Math.max(16, 0.8 * this.interval + 0.2 * (now - this.tArrive)));
    const fresh = !cur || frame.time < cur.time || frame.decode.state.length !== cur.decode.state.length;
    this.prev = fresh ? frame : cur;
    this.cur = frame;
    this.tArrive = now;
    return true;
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

// js/view/regimes.js
var REGIME_STYLE = {
  BELOW: { color: "#4ade80", text: "EWMA(TTFT P99) < \u03B8\u2081" },
  TRANSITION: { color: "#fbbf24", text: "\u03B8\u2081 \u2264 EWMA(TTFT P99) < \u03B8\u2082" },
  SATURATED: { color: "#f87171", text: "EWMA(TTFT P99) \u2265 \u03B8\u2082" }
};

// js/view/panel.js
var POA = "P\u0302oA";
var EWMA_TIP = {
  prometheus: "The Saturation Detector's signal: an EWMA of TTFT P99 read as histogram_quantile(0.99) over the frontend's Prometheus TTFT histogram (bucketed; only requests that went through the frontend count).",
  exact: "The Saturation Detector's signal: an EWMA of the exact P99 of every client's TTFT."
};
function card(panel, title, kids) {
  return h("section", { class: "ow-card", "data-panel": panel }, [title, ...kids]);
}
var Panel = class {
  constructor(root) {
    const stat = (label) => {
      const v = h("span", { class: "ow-val", text: DASH });
      return { el: h("div", { class: "ow-stat" }, [h("span", { class: "ow-lab" }, label), v]), v };
    };
    this.s = {
      rps: stat("RPS"),
      inflight: stat("in-flight"),
      queue: stat("queue"),
      ttft: stat("TTFT p50 / p99"),
      gpus: stat("GPUs (P/D)"),
      poa: stat(POA)
    };
    this.s.ttft.el.classList.add("ow-span");
    const thr = card(
      "throughput",
      h("h4", { text: "THROUGHPUT" }),
      [h("div", { class: "ow-grid" }, Object.values(this.s).map((x) => x.el))]
    );
    this.ctrlTitle = h("h4", { text: "Controller" });
    this.tau = h("span", { class: "ow-val", text: DASH });
    this.omega = h("span", { class: "ow-val", text: DASH });
    this.regime = h("span", { class: "ow-regime", text: DASH });
    this.regimeText = h("small", { text: "" });
    this.ewma = h("small", { class: "ow-dim", text: "" });
    const sub = () => h("sub", { text: "j" }), sup = (text) => h("sup", { text });
    const formula = h(
      "div",
      { class: "ow-formula" },
      ["c", sub(), " = \u03C9\xB7b", sup("p"), sub(), " + b", sup("a"), sub()]
    );
    this.modelRow = h("div", { class: "ow-row ow-modelrow", "data-role": "model-row" });
    const ctrl = card("controller", this.ctrlTitle, [
      this.modelRow,
      h("div", { class: "ow-row ow-wrap" }, [
        formula,
        h("span", {}, ["\u03C4 ", this.tau]),
        h("span", {}, ["\u03C9 ", this.omega])
      ]),
      h("div", { class: "ow-row" }, [this.regime, this.regimeText]),
      this.ewma
    ]);
    const pair = () => ({
      s: h("span", { class: "ow-val ow-static", text: DASH }),
      a: h("span", { class: "ow-val ow-adaptive", text: DASH })
    });
    this.ab = { p99: pair(), poa: pair() };
    const abRow = (label, p) => h("div", { class: "ow-ab" }, [h("span", { class: "ow-lab" }, label), p.s, p.a]);
    this.gap = h("small", { class: "ow-dim", text: "" });
    const dim = (text) => h("span", { class: "ow-dim", text });
    this.abHead = { s: dim("static"), a: dim("adaptive") };
    const head = h("div", { class: "ow-ab" }, [h("span"), this.abHead.s, this.abHead.a]);
    const ab = card(
      "ab",
      h("h4", { text: "Adaptive vs. static" }),
      [head, abRow("TTFT p99", this.ab.p99), abRow(POA, this.ab.poa), this.gap]
    );
    const dial = (name) => {
      const v = h("span", { class: "ow-dialv", text: "0%" }), d = h("div", { class: "ow-dial" }, [v]);
      return { el: h("div", { class: "ow-dialbox" }, [d, h("small", { text: name })]), d, v };
    };
    this.dials = { p: dial("Prefill"), d: dial("Decode") };
    const dials = card(
      "dials",
      h("h4", { text: "Worker dials" }),
      [h("div", { class: "ow-row" }, [this.dials.p.el, this.dials.d.el])]
    );
    this.log = h("ol", { class: "ow-log", "data-role": "log" });
    const log = h("section", { class: "ow-card ow-logcard", "data-panel": "log" }, [
      h("h4", { text: "Mission log" }),
      this.log
    ]);
    root.append(thr, ctrl, ab, dials, log);
    this.logKey = "";
  }
  setSchema(schema) {
    this.schema = schema;
    setText(this.ctrlTitle, `Controller \xB7 ${schema.deployment}`);
    this.ewma.title = EWMA_TIP[schema.detector_signal] || "";
  }
  update(st) {
    const s = st.scalars, S = this.s;
    setText(S.rps.v, fmtNum(s.rps, 1));
    setText(S.inflight.v, fmtNum(s.in_flight));
    setText(S.queue.v, fmtNum(s.queue));
    setText(S.ttft.v, `${fmtMs(s.ttft_p50_ms)} / ${fmtMs(s.ttft_p99_ms)}`);
    setText(S.gpus.v, `${fmtNum(s.gpus_prefill)}/${fmtNum(s.gpus_decode)}`);
    setText(S.poa.v, fmtNum(s.poa_hat, 2));
    setText(this.tau, fmtParam(s.tau));
    setText(this.omega, fmtParam(s.omega));
    const regime = this.schema.regimes[st.regime], style = REGIME_STYLE[regime];
    setText(this.regime, regime || DASH);
    this.regime.style.color = style ? style.color : "";
    setText(this.regimeText, style ? style.text : DASH);
    setText(this.ewma, `EWMA ${fmtMs(s.ewma_ms)} \xB7 \u03B8\u2081 ${fmtMs(s.theta1_ms)} \xB7 \u03B8\u2082 ${fmtMs(s.theta2_ms)}`);
    this.abHead.s.classList.toggle("ow-shown", !st.flags.adaptive);
    this.abHead.a.classList.toggle("ow-shown", st.flags.adaptive);
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
    const item = ([t, kind, text]) => h(
      "li",
      { class: `ow-k-${String(kind).replace(/[^a-z_]/g, "")}` },
      [h("span", { class: "ow-t", text: fmtTime(t) }), h("span", { text: String(text) })]
    );
    this.log.replaceChildren(...lines.slice().reverse().map(item));
  }
};

// js/view/playback.js
var CATCH_UP = 4;
var END_HOLD_MS = 1500;
var LOG_SHOWN = 200;
var isTime = (t) => t === null || typeof t === "number" && !Number.isNaN(t);
var Player = class {
  // rec: readRecording()'s result; loop: start again at the end (no kernel) instead of finishing (a replay)
  constructor(rec, loop) {
    this.rec = rec;
    this.loop = loop;
    this.ms = 1e3 / rec.fps;
    const m = rec.meta;
    this.log = (Array.isArray(m.log) ? m.log : []).filter((l) => Array.isArray(l) && l.length >= 3 && isTime(l[0]));
    this.t0 = Number.isFinite(m.t0) ? m.t0 : null;
    this.t1 = Number.isFinite(m.t1) ? m.t1 : null;
    this.restart(null);
  }
  // play from the first frame; `now` null: from the first call of due()
  restart(now) {
    this.start = now;
    this.next = 0;
  }
  // the indexes of the frames due at `now` (ms, the display's clock), in order, each once
  due(now) {
    if (this.start === null) this.start = now;
    const n = this.rec.n, want = Math.min(n - 1, Math.floor((now - this.start) / this.ms + 1e-6));
    if (want < this.next) return [];
    const from = Math.max(this.next, want - CATCH_UP + 1);
    this.next = want + 1;
    return Array.from({ length: want - from + 1 }, (_, k) => from + k);
  }
  // every frame has been shown for its time (and, on a loop, the last one held a little longer)
  finished(now) {
    const n = this.rec.n;
    return this.start !== null && this.next >= n && now - this.start >= n * this.ms + (this.loop ? END_HOLD_MS : 0);
  }
  // the mission log as it read at simulated time t: every line up to the last one written by then (a line from
  // before a reset, with a later time, shows with the lines after it)
  logAt(t) {
    let k = 0;
    for (let i = this.log.length - 1; i >= 0; i--) {
      const lt = this.log[i][0];
      if (lt === null || lt <= t) {
        k = i + 1;
        break;
      }
    }
    return this.log.slice(Math.max(0, k - LOG_SHOWN), k);
  }
  // a line under the replay control: where the playback is in the recorded run
  status(t) {
    const { t0, t1 } = this, speed = +this.rec.speed.toPrecision(4);
    const at = t0 !== null && Number.isFinite(t) ? fmtNum(Math.max(0, t - t0), 1) : "\u2014";
    const of = t0 !== null && t1 !== null ? fmtNum(t1 - t0, 1) : "\u2014";
    return `${at} s of ${of} s simulated \xB7 \xD7${speed} sim s / s${this.loop ? " \xB7 on a loop" : ""}`;
  }
};
function traitsFrom(f, traits, schema) {
  const next = { ...traits, adaptive: f.flags.adaptive, planner: f.flags.planner, demo: f.flags.demo, playing: true };
  const w = traits._workload, cMax = traits.c_max, c = f.scalars.concurrency;
  if ((!w || !w.kind || w.kind === "paper") && Number.isFinite(c) && cMax > 0) {
    next.load = c / cMax;
    const modes = schema && schema.modes || [], loads = schema && schema.mode_load || {};
    const mode = modes.find((m) => Math.round(loads[m] * cMax) === Math.round(c));
    if (mode) next.mode = mode;
  }
  const same = ["adaptive", "planner", "demo", "playing", "load", "mode"].every((k) => next[k] === traits[k]);
  return same ? traits : next;
}

// js/view/shuttles.js
var ROUTE_STYLE = {
  request_prefill: { color: "#38bdf8", label: "Request \xB7 prefill", path: "FE \u2192 SUN \u2192 PF" },
  request_direct: { color: "#2dd4bf", label: "Request \xB7 direct", path: "FE \u2192 DEC" },
  request_decode: { color: "#a78bfa", label: "Request \xB7 decode", path: "SUN \u2192 DEC" },
  tokens_home: { color: "#4ade80", label: "Tokens home", path: "DEC \u2192 FE" },
  kv_freighter: { color: "#f59e0b", label: "KV freighter", path: "PF \u2194 KVBM \u2194 DEC" },
  metrics_probe: { color: "#f472b6", label: "Metrics probe", path: "POOLS \u2192 PLN" },
  control_signal: { color: "#f87171", label: "Control signal", path: "PLN \u2192 SUN, POOLS" }
};
var MAX_LIVE = 360;
var PER_FRAME = 3;
var RATE_WINDOW = 5;
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
      const [px2, py] = quad(a, c, b, Math.max(0, t - 0.06));
      const col = ROUTE_STYLE[s.route].color;
      ctx.strokeStyle = col;
      ctx.globalAlpha = 0.45;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px2, py);
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
var ROUTE_NEEDS = { request_direct: "direct" };
function shownRoutes(schema) {
  const sent = schema && schema.frame && schema.frame.routes || Object.keys(ROUTE_STYLE);
  const mech = schema && schema.mechanisms || {};
  return Object.keys(ROUTE_STYLE).filter((r) => sent.includes(r) && (!ROUTE_NEEDS[r] || mech[ROUTE_NEEDS[r]]));
}
var Manifest = class {
  constructor() {
    this.rows = {};
    this.seen = [];
    this.title = h("h4", { text: "Shuttle manifest" });
    this.el = h("section", { class: "ow-card", "data-panel": "manifest" }, [this.title]);
    this.setSchema(null);
  }
  // one row per route the model on the stage has
  setSchema(schema) {
    const routes = shownRoutes(schema);
    if (this.key === routes.join()) return;
    this.key = routes.join();
    this.rows = {};
    this.el.replaceChildren(this.title, ...routes.map((route) => {
      const r = ROUTE_STYLE[route];
      const rate = h("small", { class: "ow-dim ow-rate", "data-route": route, text: "" });
      this.rows[route] = rate;
      return h("div", { class: "ow-leg", "data-leg": route }, [
        h("i", { style: { background: r.color } }),
        h("div", {}, [h("span", { text: r.label }), h("small", { class: "ow-dim", text: r.path }), rate])
      ]);
    }));
  }
  // the rates start afresh (another source of frames)
  reset() {
    this.seen = [];
  }
  onFrame(f) {
    if (this.seen.length && f.time < this.seen[this.seen.length - 1][0]) this.seen = [];
    this.seen.push([f.time, f.routes]);
    while (this.seen.length > 2 && this.seen[0][0] < f.time - RATE_WINDOW) this.seen.shift();
  }
  update() {
    const n = this.seen.length, dt = n > 1 ? this.seen[n - 1][0] - this.seen[0][0] : 0;
    for (const [route, el] of Object.entries(this.rows)) {
      let sum2 = 0;
      for (let i = 1; i < n; i++) sum2 += this.seen[i][1][route] || 0;
      setText(el, dt > 0 ? `${fmtNum(sum2 / dt, 1)} / s` : "");
    }
  }
};

// js/view/labels.js
var sum = (a) => {
  let x = 0;
  for (const v of a || []) x += v;
  return x;
};
function pollText(s) {
  const prom = s.poll_prometheus_p99_ms, exact = s.poll_exact_p99_ms;
  const read = isNum(prom) ? fmtMs(prom) : isNum(exact) ? "no data" : DASH;
  return `poll P99 \xB7 Prometheus ${read} \xB7 exact ${fmtMs(exact)}`;
}
function decodeMechText(dc, mech, W2) {
  const parts = [];
  if (mech.direct && dc.direct) {
    let on = 0, pre = 0;
    dc.state.forEach((x, i) => {
      if (x !== W2.off) {
        on++;
        pre += dc.prefilling && dc.prefilling[i] > 0 ? 1 : 0;
      }
    });
    parts.push(`direct ${fmtNum(sum(dc.direct))} \xB7 prefilling ${pre}/${on}`);
  }
  if (mech.posting && dc.posting) parts.push(`posting ${fmtNum(sum(dc.posting))}`);
  return parts.join(" \xB7 ");
}
var Labels = class {
  constructor(overlay) {
    this.overlay = overlay;
    const mk = (key, cls, kids) => {
      const el = h("div", { class: `ow-planet ${cls}`, "data-planet": key }, kids);
      overlay.append(el);
      return el;
    };
    this.feWait = h("small", { class: "ow-mech", "data-role": "frontend-waiting", text: "", hidden: "" });
    this.fe = mk("frontend", "", [
      h("b", { text: "Frontend" }),
      h("small", { text: "INGRESS \xB7 HTTP \xB7 gRPC" }),
      this.feWait
    ]);
    this.sunMech = h("small", { class: "ow-mech", "data-role": "router-mech", text: "", hidden: "" });
    this.sun = mk("router", "ow-sun", [h("b", { text: "\u2014 SMART ROUTER \u2014" }), this.sunMech]);
    this.predictors = [];
    this.predRow = h("small", {}, ["CONTROL"]);
    this.plnState = h("small", { class: "ow-dim", text: "off" });
    this.pln = mk("planner", "", [h("b", { text: "Planner" }), this.predRow, this.plnState]);
    this.detRegime = h("span", { class: "ow-regime", text: DASH });
    this.detState = h("small", { text: "" });
    this.detP99 = h("small", { class: "ow-mech", "data-role": "detector-p99", text: "", hidden: "" });
    this.det = mk("detector", "ow-det", [
      h("b", { text: "Saturation Detector" }),
      h("small", { class: "ow-dim", text: "helping the smart router" }),
      this.detRegime,
      this.detState,
      this.detP99
    ]);
    const pool = (key, name, sym) => {
      const title = h("b", { text: `${name}\xD7${DASH}` });
      const line = h("small", { text: `${sym} = ${DASH}` });
      const detail = h("small", { class: "ow-dim", "data-role": `${key}-detail`, text: "" });
      const mech = h("small", { class: "ow-mech", "data-role": `${key}-mech`, text: "", hidden: "" });
      const button = (role, title2, text) => h("button", { class: "ow-btn ow-pm", "data-role": role, title: title2, text });
      const tips = [`remove a ${name} worker`, `add a ${name} worker`];
      const minus = button(`${key}-minus`, tips[0], "\u2212");
      const plus = button(`${key}-plus`, tips[1], "+");
      const row = h("div", { class: "ow-pmrow" }, [minus, h("small", { class: "ow-dim", text: "nodes" }), plus]);
      return { el: mk(key, "ow-pool", [title, line, detail, mech, row]), title, line, detail, mech, minus, plus, tips };
    };
    this.pf = pool("prefill", "Prefill", "N_p");
    this.dec = pool("decode", "Decode", "N_d");
    this.tiers = [];
    this.tierBox = h("div", {});
    this.kvSub = h("small", { text: "MEMORY \xB7 NIXL" });
    this.kv = mk("kvbm", "", [h("b", { text: "KVBM" }), this.kvSub, this.tierBox]);
    this.demo = h("div", { class: "ow-badge", "data-role": "demo-badge", text: "AUTO-DEMO", hidden: "" });
    this.modelName = h("b", { text: "" });
    this.modelLabel = h("small", { text: "" });
    this.model = h(
      "div",
      { class: "ow-model", "data-role": "model-badge", hidden: "" },
      [h("span", {}, ["MODEL ", this.modelName]), this.modelLabel]
    );
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
    const scalars = schema.frame && schema.frame.scalars || [];
    this.detP99.hidden = schema.detector_signal !== "prometheus" || !scalars.includes("poll_prometheus_p99_ms");
    this.sunMech.hidden = !mech.v090;
    setText(this.sunMech, mech.v090 ? "DECODE LEG \xB7 v0.9.0" : "");
    this.pfDetail = mech.batched_prefill ? "batches what waits, each pass" : "";
    this.predictors = schema.predictors.map((p) => h("span", { class: "ow-pred", text: p.toUpperCase() }));
    this.predRow.replaceChildren("CONTROL", ...this.predictors.flatMap((el) => [" \xB7 ", el]));
    this.tiers = schema.kvbm_tiers.map((name) => {
      const v = h("span", { class: "ow-tierv", text: DASH });
      const bar = h("i", { class: "ow-tierbar" });
      return { row: h("div", { class: "ow-tier" }, [
        h("span", { text: name }),
        h("span", { class: "ow-track" }, [bar]),
        v
      ]), v, bar };
    });
    this.tierBox.replaceChildren(...this.tiers.map((t) => t.row));
    const ids = schema.kvbm_tiers.map((name) => name.split(" ")[0]);
    setText(this.kvSub, ids.length ? `MEMORY \xB7 ${ids[0]}\u2013${ids[ids.length - 1]} \xB7 NIXL` : "MEMORY \xB7 NIXL");
  }
  // place the labels around the planets P (canvas pixels) of a W-wide stage
  place(P, W2, det) {
    const put = (el, p, dy) => {
      el.style.left = `${p.x}px`;
      el.style.top = `${p.y + p.r + dy}px`;
      el.style.transform = "translate(-50%, 0)";
    };
    put(this.fe, P.fe, 6);
    put(this.sun, P.sun, 4);
    put(this.pln, P.pln, 4);
    put(this.pf.el, P.pf, 4);
    put(this.dec.el, P.dec, 4);
    const kv = { left: `${P.kv.x + P.kv.r * 1.7}px`, top: `${P.kv.y}px`, transform: "translate(0, -50%)" };
    Object.assign(this.kv.style, kv);
    Object.assign(this.det.style, { left: `${det.x}px`, top: `${det.y}px`, transform: "translate(-30%, -100%)" });
    this.home = new Map([this.fe, this.sun, this.pln, this.pf.el, this.dec.el, this.kv, this.det].map((el) => [el, [el.style.left, el.style.top]]));
    this.fit();
  }
  // keep every label inside the stage: a label whose text grew past an edge moves back in (from where
  // place() put it, so it returns once the text is short again). Reads layout: called on resize and at 10 Hz.
  fit() {
    const box = this.overlay.getBoundingClientRect(), pad = 2;
    if (!this.home || !Number.isFinite(box.left) || !Number.isFinite(box.top)) return;
    for (const [el, [left, top]] of this.home) {
      el.style.left = left;
      el.style.top = top;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const shift = (lo, hi, min, max) => {
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
    const s = st.scalars, schema = this.schema, W2 = view.W;
    const on = st.flags.planner;
    this.predictors.forEach((el, i) => {
      el.classList.toggle("ow-on", on && schema.predictors[i] === schema.predictor);
    });
    setText(this.plnState, on ? `on \xB7 ${schema.predictor.toUpperCase()}` : "off");
    const regime = schema.regimes[st.regime];
    setText(this.detRegime, regime || DASH);
    this.detRegime.style.color = (REGIME_STYLE[regime] || {}).color || "";
    setText(this.detState, `${st.flags.stable ? "stable" : "switching"} \xB7 k=${st.k}/${st.hysteresis}`);
    const pool = (el, w, name, sym, util, more, detail) => {
      const n = [...w.state].filter((x) => x !== W2.off && x !== W2.draining).length;
      setText(el.title, `${name}\xD7${n}`);
      setText(el.line, `${sym} = ${n} \xB7 util ${fmtPct(util)}${more}`);
      setText(el.detail, detail);
      el.minus.disabled = Boolean(view.lock) || n <= 0;
      el.plus.disabled = Boolean(view.lock) || n >= view.maxWorkers;
      el.minus.title = view.lock || el.tips[0];
      el.plus.title = view.lock || el.tips[1];
    };
    const mech = this.mech || {};
    pool(
      this.pf,
      st.prefill,
      "Prefill",
      "N_p",
      s.prefill_util,
      ` \xB7 queue ${fmtNum(sum(st.prefill.queue))}`,
      this.pfDetail || ""
    );
    pool(
      this.dec,
      st.decode,
      "Decode",
      "N_d",
      s.decode_util,
      "",
      `running ${fmtNum(sum(st.decode.running))} \xB7 waiting ${fmtNum(sum(st.decode.waiting))}`
    );
    const decMech = decodeMechText(st.decode, mech, W2);
    setText(this.dec.mech, decMech);
    this.dec.mech.hidden = !decMech;
    if (mech.client_connections > 0) {
      setText(this.feWait, `connections ${mech.client_connections} \xB7 waiting ${fmtNum(s.client_waiting)}`);
    }
    if (!this.detP99.hidden) setText(this.detP99, pollText(s));
    this.tiers.forEach((t, i) => {
      const v = s[`kvbm_g${i + 1}`], c = s[`kvbm_cap_g${i + 1}`];
      setText(t.v, isNum(v) ? isNum(c) && c > 0 ? fmtPct(v / c) : fmtNum(v) : DASH);
      t.bar.style.width = isNum(v) && isNum(c) && c > 0 ? `${Math.min(100, 100 * v / c)}%` : "0%";
    });
    this.demo.hidden = !st.flags.demo;
  }
};

// js/view/stage.js
var PLACES = {
  fe: [0.11, 0.5, 0.065],
  sun: [0.46, 0.48, 0.085],
  pln: [0.34, 0.11, 0.055],
  pf: [0.26, 0.8, 0.095],
  dec: [0.82, 0.42, 0.13],
  kv: [0.56, 0.82, 0.06]
};
var QUEUE_FULL = 8;
var PREFILL_COLOR = "#22d3ee";
var POSTING_COLOR = "#f59e0b";
var WAITING_COLOR = "rgba(251,113,133,0.9)";
var POSTING_MARKS = 6;
var POSTING_HOLD = 350;
var Stage = class {
  constructor(root) {
    this.canvas = h("canvas", { class: "ow-canvas" });
    this.overlay = h("div", { class: "ow-overlay" });
    root.append(this.canvas, this.overlay);
    this.ctx = this.canvas.getContext("2d");
    this.shuttles = new Shuttles();
    this.stars = [];
    this.W = 0;
    this.H = 0;
    this.labels = new Labels(this.overlay);
    this.posted = [];
  }
  setSchema(schema) {
    this.labels.setSchema(schema);
  }
  // no shuttle of the previous source of frames flies on
  reset() {
    this.shuttles.live = [];
    this.posted = [];
  }
  // labels back inside the stage after their text changed (widget.js calls it with the panel, at 10 Hz)
  fitLabels() {
    this.labels.fit();
  }
  resize(W2, H2) {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.W = W2;
    this.H = H2;
    this.canvas.width = Math.round(W2 * dpr);
    this.canvas.height = Math.round(H2 * dpr);
    this.canvas.style.width = `${W2}px`;
    this.canvas.style.height = `${H2}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const m = Math.min(W2, H2);
    this.P = {};
    for (const [k, [fx, fy, fr]] of Object.entries(PLACES)) this.P[k] = { x: fx * W2, y: fy * H2, r: fr * m };
    const rnd = Math.random;
    const star = () => [rnd() * W2, rnd() * H2, rnd() * 1.2 + 0.2, rnd()];
    this.stars = Array.from({ length: Math.round(W2 * H2 / 2500) }, star);
    const sun = this.P.sun;
    this.labels.place(this.P, W2, { x: sun.x + 2.4 * sun.r, y: sun.y - 2.3 * sun.r });
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
  onFrame(f, now, view) {
    if (!this.P || !f.flags.playing) return;
    const P = this.P, R = f.routes, S = this.shuttles;
    const dec = [P.dec.x, P.dec.y], pf = [P.pf.x, P.pf.y];
    const pfSlots = this.slots(P.pf, f.prefill.state.length), dSlots = this.slots(P.dec, f.decode.state.length);
    const activeP = [...f.prefill.state].map((s, i) => s !== view.W.off ? i : -1).filter((i) => i >= 0);
    const pickP = () => activeP.length ? pfSlots[activeP[Math.floor(Math.random() * activeP.length)]] : pf;
    const n = (c) => Math.min(PER_FRAME, c);
    const fe = [P.fe.x, P.fe.y], sun = [P.sun.x, P.sun.y], kv = [P.kv.x, P.kv.y], pln = [P.pln.x, P.pln.y];
    for (let i = 0; i < n(R.request_prefill); i++) S.launch("request_prefill", [fe, sun, pickP()], now, 1100);
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
      S.launch("metrics_probe", [i % 2 ? pf : dec, via, pln], now, 1e3);
    }
    for (let i = 0; i < n(R.control_signal); i++) {
      S.launch("control_signal", [pln, [pln[0] + 20, (pln[1] + sun[1]) / 2], sun], now, 700);
      S.launch("control_signal", [pln, [P.dec.x, pln[1]], dec], now, 900);
    }
  }
  draw(st, view, now) {
    const { ctx, W: W2, H: H2, P } = this;
    if (!P) return;
    const g = ctx.createRadialGradient(W2 * 0.45, H2 * 0.45, 10, W2 * 0.45, H2 * 0.45, Math.max(W2, H2));
    g.addColorStop(0, "#0c1433");
    g.addColorStop(1, "#03050f");
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, W2, H2);
    ctx.fillStyle = "#c7d2fe";
    for (const [x, y, r, p] of this.stars) {
      ctx.globalAlpha = 0.35 + 0.35 * Math.sin(now / 900 + p * 20);
      ctx.fillRect(x, y, r, r);
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = "rgba(120,140,220,0.13)";
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 6]);
    for (const k of ["fe", "pln", "pf", "dec", "kv"]) {
      ctx.beginPath();
      ctx.arc(P.sun.x, P.sun.y, Math.hypot(P[k].x - P.sun.x, P[k].y - P.sun.y), 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (!st || !view.schema) {
      this.planet(P.sun, "#ffb020", "#ff7a00");
      return;
    }
    const s = st.scalars, load = isNum(s.concurrency) ? Math.min(1, s.concurrency / view.cMax) : 0;
    const flick = 1 + load * (0.25 + 0.12 * Math.sin(now / 90) + 0.08 * Math.sin(now / 37));
    const sun = P.sun;
    const corona = sun.r * (1.5 + 0.9 * flick * load + 0.2);
    const cor = ctx.createRadialGradient(sun.x, sun.y, sun.r * 0.8, sun.x, sun.y, corona);
    cor.addColorStop(0, `rgba(255,170,40,${0.35 + 0.4 * load})`);
    cor.addColorStop(1, "rgba(255,120,0,0)");
    ctx.fillStyle = cor;
    ctx.beginPath();
    ctx.arc(sun.x, sun.y, sun.r * 3, 0, 2 * Math.PI);
    ctx.fill();
    this.planet(sun, "#ffd166", "#ff8c00");
    this.planet(P.fe, "#7dd3fc", "#1e3a8a");
    this.planet(P.pln, st.flags.planner ? "#c4b5fd" : "#6b7280", "#312e81");
    this.planet(P.kv, "#fcd34d", "#78350f");
    const pf = st.prefill, dc = st.decode, seqs = view.schema.max_num_seqs;
    this.pool(P.pf, pf, view.W, "#22d3ee", "#0e3a4a", (i) => {
      const load2 = Math.min(1, pf.util[i] + 0.1 * Math.min(5, pf.queue[i]));
      return { load: load2, glow: load2, queue: pf.queue[i] / QUEUE_FULL, core: pf.busy[i] > 0 };
    });
    const mech = view.schema.mechanisms || {};
    const prefilling = mech.direct && dc.prefilling ? dc.prefilling : null;
    this.pool(P.dec, dc, view.W, "#a78bfa", "#2e1065", (i) => ({
      load: dc.slot_util[i],
      glow: dc.util[i],
      queue: dc.waiting[i] / seqs,
      core: false,
      color: prefilling && prefilling[i] > 0 ? PREFILL_COLOR : null
    }));
    if (mech.posting && dc.posting) this.posting(dc, view.W, now);
    if (mech.client_connections > 0) this.waiting(st.scalars.client_waiting, mech.client_connections);
    const [mx, my] = this.moonPos(now);
    ctx.fillStyle = (REGIME_STYLE[view.schema.regimes[st.regime]] || {}).color || "#999";
    ctx.shadowColor = ctx.fillStyle;
    ctx.shadowBlur = 12;
    ctx.beginPath();
    ctx.arc(mx, my, Math.max(5, sun.r * 0.22), 0, 2 * Math.PI);
    ctx.fill();
    ctx.shadowBlur = 0;
    this.kvbm(st, view.schema.kvbm_tiers.length);
    this.shuttles.draw(ctx, now);
    this.labels.update(st, view);
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
  // a pool planet and its worker dots: dotOf(i) -> { load 0..1, glow 0..1, queue 0..1.5, core (busy) }
  pool(p, w, W2, c1, c2, dotOf) {
    const ctx = this.ctx, n = w.state.length;
    const alive = [...w.state].some((s) => s !== W2.off);
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
    const unit = (x, hi = 1) => Math.max(0, Math.min(hi, x || 0));
    for (let i = 0; i < n; i++) {
      const st = w.state[i];
      if (st === W2.off) continue;
      const [x, y] = pos[i], d = dotOf(i), l = unit(d.load), q = unit(d.queue, 1.5);
      if (q > 0.01) {
        ctx.strokeStyle = "rgba(248,113,113,0.7)";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, base * (1.25 + q), 0, 2 * Math.PI);
        ctx.stroke();
      }
      if (st === W2.starting) {
        ctx.strokeStyle = c1;
        ctx.setLineDash([2, 3]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.arc(x, y, base * 0.9, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.setLineDash([]);
        continue;
      }
      const draining = st === W2.draining, col = d.color || c1;
      ctx.globalAlpha = draining ? 0.4 : 0.45 + 0.55 * l;
      ctx.fillStyle = draining ? "#9ca3af" : col;
      ctx.shadowColor = col;
      ctx.shadowBlur = draining ? 0 : 14 * unit(d.glow);
      ctx.beginPath();
      ctx.arc(x, y, base * (0.55 + 0.6 * l), 0, 2 * Math.PI);
      ctx.fill();
      ctx.shadowBlur = 0;
      ctx.globalAlpha = 1;
      if (d.core && !draining) {
        ctx.fillStyle = "#ffffff";
        ctx.beginPath();
        ctx.arc(x, y, base * 0.22, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  // H2: beside each decode worker, one mark per NIXL read it will post before its next step, in a row pointing away
  // from the planet's centre; a worker's marks stay a moment after its reads are posted (they last about a step)
  posting(dc, W2, now) {
    const ctx = this.ctx, p = this.P.dec, n = dc.state.length, pos = this.slots(p, n);
    const base = Math.max(4, p.r * 0.16), size = Math.max(3, base * 0.45);
    ctx.fillStyle = POSTING_COLOR;
    for (let i = 0; i < n; i++) {
      const k = Math.min(POSTING_MARKS, Math.round(dc.posting[i] || 0));
      if (k > 0) this.posted[i] = [k, now + POSTING_HOLD];
      const held = this.posted[i];
      if (dc.state[i] === W2.off || !held || now > held[1]) continue;
      const [x, y] = pos[i], a = n <= 1 ? Math.PI / 2 : -Math.PI / 2 + 2 * Math.PI * i / n;
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
    ctx.strokeStyle = "rgba(251,113,133,0.18)";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(p.x, p.y, p.r * 1.3, 0, 2 * Math.PI);
    ctx.stroke();
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
      ctx.strokeStyle = `rgba(252,211,77,${isNum(v) ? 0.25 + 0.6 * frac : 0.12})`;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(p.x, p.y, p.r * (1.12 + 0.14 * i), -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * Math.max(0.02, frac));
      ctx.stroke();
    }
  }
};

// js/view/style.js
var CSS = `
.ow-host{container-type:inline-size;width:100%;min-width:560px}
.ow-root{--bg:#050817;--card:#0b1230;--line:#222c5c;--text:#dbe3ff;--dim:#8a93b8;--accent:#ffd166;
  position:relative;display:grid;grid-template-columns:170px minmax(300px,1fr) 230px;
  grid-template-rows:auto auto 540px 34px;
  grid-template-areas:"head head head" "tabs tabs tabs" "left stage side" "left foot side";
  gap:6px;background:var(--bg);color:var(--text);
  font:12px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;
  padding:8px;border-radius:10px;box-sizing:border-box;width:100%;}
.ow-root *{box-sizing:border-box}
.ow-head{grid-area:head;display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;
  min-width:0}
.ow-root .ow-title h2{margin:0;line-height:1.25;font-size:19px;letter-spacing:.5px;color:var(--accent);font-weight:650}
.ow-sub{display:flex;flex-wrap:wrap;gap:0 12px;color:var(--dim);font-size:11px}
.ow-title{min-width:0}
.ow-tabsbar{grid-area:tabs;min-width:0}.ow-tabs{display:flex;gap:4px}
.ow-tab{flex:1 1 0;min-width:0;background:var(--card);color:var(--dim);border:1px solid var(--line);
  border-radius:6px;padding:5px;
  text-transform:uppercase;font:inherit;font-weight:600;letter-spacing:1px;cursor:pointer}
.ow-tab:hover{color:var(--text);border-color:#3b4a8c}
.ow-tab.ow-on{color:#111;background:var(--accent);border-color:var(--accent)}
.ow-root .ow-narr{margin:5px 2px 0;text-align:left;color:var(--dim);min-height:2.7em}.ow-narr b{color:var(--accent)}
.ow-left{grid-area:left;display:flex;flex-direction:column;gap:6px;min-width:0}
.ow-side{grid-area:side;display:flex;flex-direction:column;gap:6px;min-height:0;min-width:0;
  overflow:hidden}
.ow-stagebox{grid-area:stage;position:relative;min-height:420px;border-radius:8px;overflow:hidden;
  border:1px solid var(--line)}
.ow-canvas{position:absolute;left:0;top:0}
.ow-overlay{position:absolute;inset:0;pointer-events:none}
.ow-foot{grid-area:foot;display:flex;align-items:center;gap:10px;padding:2px 6px;min-width:0}
.ow-foot input{flex:1;min-width:0;accent-color:var(--accent)}.ow-loadlab{min-width:70px;font-weight:600}
.ow-card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:5px 8px}
.ow-root .ow-card h4{margin:0 0 4px;line-height:1.35;font-size:10.5px;letter-spacing:1.2px;color:var(--dim);
  text-transform:uppercase;font-weight:650}
.ow-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);grid-auto-flow:row dense;gap:3px 8px}
.ow-grid .ow-span{grid-column:1/-1}
.ow-stat{display:flex;flex-direction:column}.ow-lab{color:var(--dim);font-size:10.5px}
.ow-val{font-variant-numeric:tabular-nums;font-weight:600;font-size:13px;white-space:nowrap}
.ow-row{display:flex;gap:10px;align-items:center;justify-content:space-between}
.ow-row.ow-wrap{flex-wrap:wrap;gap:0 10px}
.ow-modelrow{gap:6px;margin:0 0 3px}
.ow-select{flex:1 1 0;min-width:0;max-width:100%;background:#16204d;color:var(--text);border:1px solid #34428a;
  border-radius:6px;padding:2px 4px;font:inherit;font-size:11.5px;cursor:pointer;text-overflow:ellipsis}
.ow-select:hover:not(:disabled){border-color:var(--accent)}.ow-select:disabled{opacity:.5;cursor:default}
.ow-select option{background:#0b1230;color:var(--text)}
.ow-formula{font-family:ui-serif,Georgia,serif;font-style:italic;font-size:14px;margin:2px 0}
.ow-regime{font-weight:700;letter-spacing:1px}
.ow-ab{display:grid;grid-template-columns:62px 1fr 1fr;gap:1px 6px;align-items:baseline}
.ow-static{color:#ff6b6b}.ow-adaptive{color:#4ade80}.ow-ab .ow-shown{color:var(--text);text-decoration:underline}
.ow-dim{color:var(--dim)}
.ow-dialbox{display:flex;flex-direction:column;align-items:center;gap:2px;flex:1}
.ow-dial{--ow-dial:0deg;width:46px;height:46px;border-radius:50%;display:grid;place-items:center;
  background:conic-gradient(var(--accent) var(--ow-dial),#1b2350 0)}
.ow-dialv{width:36px;height:36px;font-size:11px;border-radius:50%;background:var(--card);display:grid;
  place-items:center;font-weight:600}
.ow-logcard{flex:1 1 0;min-height:0;display:flex;flex-direction:column}
.ow-root ol.ow-log{list-style:none;margin:0;padding:0;overflow:auto;flex:1 1 0;min-height:0;font-size:11px}
.ow-log li{padding:2px 0;border-bottom:1px solid #151d45}
.ow-t{color:var(--dim);margin-right:6px;font-variant-numeric:tabular-nums}
.ow-k-demo{color:var(--accent)}.ow-k-controller{color:#4ade80}.ow-k-planner{color:#c4b5fd}
.ow-k-regime{color:#fbbf24}.ow-k-error{color:#f87171}
.ow-btn{background:#16204d;color:var(--text);border:1px solid #34428a;border-radius:6px;padding:4px 8px;
  font:inherit;cursor:pointer}
.ow-btn:hover:not(:disabled){border-color:var(--accent)}.ow-btn:disabled{opacity:.4;cursor:default}
.ow-btn.ow-on{background:#3a2f0b;border-color:var(--accent)}
.ow-wide{width:100%;margin-top:5px}.ow-demo{font-weight:650}
.ow-help{width:28px;height:28px;border-radius:50%;font-weight:700}
.ow-segs{display:flex;border:1px solid #34428a;border-radius:6px;overflow:hidden}
.ow-seg{flex:1;background:#10183d;color:var(--dim);border:0;padding:5px;font:inherit;cursor:pointer}
.ow-seg.ow-on{background:var(--accent);color:#111;font-weight:650}
.ow-left input[type=range]{flex:1;min-width:0;accent-color:var(--accent)}
.ow-leg{display:flex;gap:6px;align-items:flex-start;margin:3px 0}
.ow-leg i{width:10px;height:10px;border-radius:50%;margin-top:3px;flex:none}
.ow-leg div{display:flex;flex-direction:column}.ow-rate{font-variant-numeric:tabular-nums}
.ow-planet{position:absolute;display:flex;flex-direction:column;align-items:center;text-align:center;
  white-space:nowrap;text-shadow:0 1px 3px #000;font-size:11px;pointer-events:none}
.ow-planet b{font-size:12px}.ow-planet small{color:#b7c0e6}
.ow-sun b{color:var(--accent);letter-spacing:1px;font-size:10.5px}
.ow-pred{padding:0 2px;border-radius:3px}.ow-pred.ow-on{background:#c4b5fd;color:#111;text-shadow:none}
.ow-pmrow{display:flex;gap:6px;align-items:center;pointer-events:auto;margin-top:2px}
.ow-pm{padding:0 7px;font-weight:700;font-size:13px;line-height:18px}
.ow-tier{display:grid;grid-template-columns:52px 46px 30px;gap:4px;align-items:center;font-size:10px;color:#d6c78a}
.ow-track{height:4px;background:#2a2410;border-radius:2px;overflow:hidden}
.ow-tierbar{display:block;height:100%;width:0;background:#fcd34d}
.ow-badge{position:absolute;left:8px;top:8px;padding:2px 8px;border-radius:10px;background:#3a2f0b;
  border:1px solid var(--accent);color:var(--accent);font-weight:700;letter-spacing:1px;font-size:10.5px}
.ow-badge[hidden]{display:none}
.ow-model{position:absolute;right:8px;top:8px;max-width:40%;display:flex;flex-direction:column;align-items:flex-end;
  text-align:right;pointer-events:auto;text-shadow:0 1px 3px #000;font-size:10.5px;letter-spacing:1px;color:#b7c0e6}
.ow-model b{color:var(--accent);font-size:12px}.ow-model small{letter-spacing:0;font-size:10.5px;line-height:1.25}
.ow-planet small.ow-mech{color:#99f6e4}
.ow-recbadge{font-size:10.5px;letter-spacing:1px;color:#f87171;vertical-align:middle;margin-left:6px}
.ow-root [hidden]{display:none !important}
.ow-chartbox{grid-column:1/-1;min-width:0}
.ow-root svg.ow-chart{display:block;width:100%;max-width:760px;height:auto;margin:0 auto;font-family:inherit}
.ow-rec{display:flex;align-items:center;gap:8px;margin-left:auto;min-width:0}
.ow-recinfo{display:flex;flex-direction:column;align-items:flex-end;text-align:right;font-size:11px;min-width:0}
.ow-dialog{position:absolute;inset:0;background:rgba(3,5,15,.78);display:grid;place-items:center;z-index:5}
.ow-dialog[hidden]{display:none}
.ow-dialog-box{position:relative;max-width:620px;max-height:90%;overflow:auto;background:var(--card);
  border:1px solid var(--accent);border-radius:10px;padding:14px 18px}
.ow-root .ow-dialog-box h3{margin:6px 0;line-height:1.3;font-size:15px;color:var(--accent)}
.ow-root .ow-dialog-box p{margin:6px 0}.ow-dialog-box li{margin:3px 0}
.ow-dialog-box code{white-space:nowrap;font:11.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
  color:var(--text)}
.ow-close{position:absolute;right:8px;top:8px}
@container (max-width:859px){
  .ow-root{grid-template-columns:minmax(0,1fr) 230px;grid-template-rows:auto auto 540px 34px auto;
    grid-template-areas:"head head" "tabs tabs" "stage side" "foot side" "left left"}
  .ow-left{flex-direction:row;flex-wrap:wrap;align-items:flex-start}
  .ow-left>.ow-card{flex:1 1 180px}
  .ow-left>[data-panel=manifest]{flex:3 1 100%;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));
    gap:0 8px}
  .ow-left>[data-panel=manifest] h4{grid-column:1/-1}
}
@container (max-width:679px){
  .ow-root{grid-template-columns:minmax(0,1fr);grid-template-rows:auto auto 460px 34px auto auto;
    grid-template-areas:"head" "tabs" "stage" "foot" "side" "left"}
  .ow-side{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));overflow:visible}
  .ow-logcard{height:190px}
}
/* the bqplot chart beside the stage (a separate widget carrying the class orbits-chart) */
.orbits-chart{background:#050817;border-radius:10px}
.orbits-chart .axis text,.orbits-chart .axislabel{fill:#c9d1f5 !important}
`;

// js/widget.js
var TRAITS = [
  "mode",
  "load",
  "adaptive",
  "planner",
  "playing",
  "speed",
  "demo",
  "c_max",
  "max_workers",
  "_workload",
  "hypothesis"
];
function render({ model, el }) {
  const L = new Listeners();
  const standalone = model.get("_standalone") === true;
  const root = h("div", { class: "ow-root", "data-role": "orbits", "data-source": "live" });
  const parts = {
    root,
    header: h("div", { class: "ow-head" }),
    tabs: h("div", { class: "ow-tabsbar" }),
    left: h("div", { class: "ow-left" }),
    side: h("div", { class: "ow-side" }),
    stage: h("div", { class: "ow-stagebox", "data-role": "stage" }),
    footer: h("div", { class: "ow-foot" })
  };
  root.append(parts.header, parts.tabs, parts.left, parts.stage, parts.side, parts.footer);
  const host = h("div", { class: "ow-host" }, [h("style", { text: CSS }), root]);
  el.append(host);
  const stage = new Stage(parts.stage);
  const panel = new Panel(parts.side);
  parts.model = panel.modelRow;
  const controls = new Controls(parts, model, L);
  const manifest = new Manifest();
  parts.left.append(manifest.el);
  const dialog = new Dialog(root, L);
  L.on(controls.help, "click", () => dialog.open());
  const interp2 = new Interpolator();
  const chart = new RecordedChart();
  root.append(chart.el);
  const reported = /* @__PURE__ */ new Set();
  const reportOnce = (where, err) => {
    if (reported.has(where)) return;
    reported.add(where);
    console.warn(`orbits-widget: ${where} failed (shown once; the animation continues)`, err);
  };
  const view = { schema: null, W: {}, cMax: 1, maxWorkers: 0, lock: "" };
  const live = { decode: null, schema: null };
  let play = null;
  const applySchema = (schema) => {
    view.schema = schema;
    view.W = Object.fromEntries(schema.worker_states.map((name, code) => [name, code]));
    for (const part of [stage, panel, controls, dialog, manifest]) part.setSchema(schema);
  };
  const showModel = () => {
    const choice = choiceOf(view.schema, controls.get("hypothesis"));
    stage.labels.setModel(choice, choiceTip(choice));
    dialog.setModel(choice, view.schema);
  };
  const onTraits = () => {
    view.cMax = controls.get("c_max");
    view.maxWorkers = controls.get("max_workers");
    controls.sync();
    showModel();
  };
  const show = (f, now) => {
    if (interp2.push(f, now)) {
      stage.onFrame(f, now, view);
      manifest.onFrame(f);
    }
    root.dataset.seq = String(f.seq);
  };
  const pushFrame = () => {
    const buf = model.get("_frame");
    if (play || !live.decode || !buf || buf.byteLength === 0) return;
    try {
      show(live.decode(buf), performance.now());
    } catch (err) {
      reportOnce("decoding a frame", err);
    }
  };
  const onSchema = () => {
    const schema = model.get("_schema");
    if (!schema || !schema.frame) return;
    const problems = checkSchema(schema);
    if (problems.length) reportOnce("reading the schema", problems.join("; "));
    try {
      live.decode = makeDecoder(schema.frame);
      live.schema = schema;
      if (!play) applySchema(schema);
    } catch (err) {
      reportOnce("reading the schema", err);
    }
    onTraits();
    pushFrame();
  };
  const onLog = () => {
    if (!play) panel.setLog(model.get("_mission_log") || []);
  };
  const fresh = () => {
    interp2.reset();
    manifest.reset();
    stage.reset();
  };
  const startPlayback = () => {
    try {
      const rec = readRecording(model.get("_recording"));
      const schema = rec.meta.schema && rec.meta.schema.frame ? rec.meta.schema : live.schema;
      if (!schema) throw new Error("recording: it has no schema");
      const problems = checkSchema(schema);
      if (problems.length) reportOnce("reading the recording's schema", problems.join("; "));
      const decode = makeDecoder(schema.frame), traits = { demo: false, ...rec.meta.traits, playing: true };
      play = { player: new Player(rec, standalone), rec, decode, schema, traits };
      fresh();
      applySchema(schema);
      view.lock = standalone ? KERNEL_TIP : REPLAY_TIP;
      controls.setPlayback({ traits, tip: view.lock, standalone });
      chart.show(rec.meta.chart, schema, traits);
      panel.setLog([]);
      root.dataset.source = "recording";
      onTraits();
    } catch (err) {
      reportOnce("reading the recording", err);
      stopPlayback();
    }
  };
  const stopPlayback = () => {
    if (!play) return;
    play = null;
    view.lock = "";
    fresh();
    controls.setPlayback(null);
    chart.hide();
    root.dataset.source = "live";
    if (live.schema) applySchema(live.schema);
    onTraits();
    onLog();
    pushFrame();
  };
  const playTo = (now) => {
    const p = play, pl = p.player;
    if (pl.finished(now)) {
      if (!standalone) {
        stopPlayback();
        return;
      }
      pl.restart(now);
      fresh();
    }
    for (const i of pl.due(now)) {
      const f = p.decode(p.rec.frame(i));
      show(f, now);
      const traits = traitsFrom(f, p.traits, p.schema);
      if (traits !== p.traits) {
        p.traits = traits;
        controls.setTraits(traits);
        onTraits();
      }
      panel.setLog(pl.logAt(f.time));
    }
  };
  const onRecording = () => {
    controls.setRecording(hasRecording(model.get("_recording")));
    if (play && !standalone) stopPlayback();
  };
  L.on(controls.replay, "click", () => {
    if (!play) startPlayback();
  });
  L.on(controls.backLive, "click", () => {
    if (!standalone) stopPlayback();
  });
  const traitEvents = TRAITS.map((k) => `change:${k}`).join(" ");
  const handlers = [
    ["change:_schema", onSchema],
    ["change:_frame", pushFrame],
    ["change:_mission_log", onLog],
    ["change:_recording", onRecording],
    [traitEvents, onTraits]
  ];
  for (const [event, fn] of handlers) model.on(event, fn);
  L.add(() => {
    for (const [event, fn] of handlers) model.off(event, fn);
  });
  for (const [key, trait] of [["pf", "n_prefill"], ["dec", "n_decode"]]) {
    const p = stage.labels[key];
    const set = (n) => {
      if (!view.lock) {
        model.set(trait, n);
        model.save_changes();
      }
    };
    L.on(p.plus, "click", () => set(Math.min(model.get("max_workers"), model.get(trait) + 1)));
    L.on(p.minus, "click", () => set(Math.max(0, model.get(trait) - 1)));
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
    if (play) {
      try {
        playTo(now);
      } catch (err) {
        reportOnce("playing the recording", err);
        if (!standalone) stopPlayback();
      }
    }
    try {
      const st = view.schema ? interp2.sample(now) : null;
      stage.draw(st, view, now);
      if (st && now - lastPanel > 100) {
        lastPanel = now;
        panel.update(st);
        manifest.update();
        stage.fitLabels();
        if (play) {
          chart.update(st);
          controls.showStatus(play.player.status(st.time));
        }
      }
    } catch (err) {
      reportOnce("drawing a frame", err);
    }
    drawMs.ring[drawMs.n++ % drawMs.ring.length] = performance.now() - t0;
  };
  raf = requestAnimationFrame(tick);
  L.add(() => cancelAnimationFrame(raf));
  onSchema();
  onLog();
  onRecording();
  if (standalone) {
    startPlayback();
    if (!play) {
      view.lock = KERNEL_TIP;
      controls.setPlayback({ traits: null, tip: KERNEL_TIP, standalone });
    }
  }
  return () => {
    L.clear();
    host.remove();
  };
}
var widget_default = { render };
export {
  widget_default as default
};
