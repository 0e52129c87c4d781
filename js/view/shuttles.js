// Shuttles: one sprite per sampled request (or KV transfer, probe, control signal) that moved in the
// simulation since the previous frame. Counts come from the frame; the page caps how many it draws per
// route and frame so that C = 256 stays smooth. The manifest lists the routes with their rates: those of every model,
// and a route that only a hypothesis of the bench adds (the controller's direct path, H1) when the model on the stage
// has it (the schema's `mechanisms`).
import { h, setText } from "./dom.js";
import { fmtNum } from "./format.js";

// one entry per route of the frame (the contract's routes, in the manifest's order)
export const ROUTE_STYLE = {
  request_prefill: { color: "#38bdf8", label: "Request · prefill", path: "FE → SUN → PF" },
  request_direct: { color: "#2dd4bf", label: "Request · direct", path: "FE → DEC" },
  request_decode: { color: "#a78bfa", label: "Request · decode", path: "SUN → DEC" },
  tokens_home: { color: "#4ade80", label: "Tokens home", path: "DEC → FE" },
  kv_freighter: { color: "#f59e0b", label: "KV freighter", path: "PF ↔ KVBM ↔ DEC" },
  metrics_probe: { color: "#f472b6", label: "Metrics probe", path: "POOLS → PLN" },
  control_signal: { color: "#f87171", label: "Control signal", path: "PLN → SUN, POOLS" },
};
const MAX_LIVE = 360;
export const PER_FRAME = 3;
const RATE_WINDOW = 5;          // simulated seconds behind the manifest's rates

// point on a quadratic Bézier from a via c to b
function quad(a, c, b, t) {
  const u = 1 - t;
  return [u * u * a[0] + 2 * u * t * c[0] + t * t * b[0], u * u * a[1] + 2 * u * t * c[1] + t * t * b[1]];
}

export class Shuttles {
  constructor() { this.live = []; }

  // pts: [start, via, end] in canvas pixels; dur in ms
  launch(route, pts, now, dur = 900) {
    if (this.live.length >= MAX_LIVE) this.live.shift();
    this.live.push({ route, pts, t0: now + Math.random() * 250, dur: dur * (0.85 + 0.3 * Math.random()) });
  }

  count(route) { return this.live.filter((s) => s.route === route).length; }

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
      ctx.beginPath(); ctx.moveTo(px, py); ctx.lineTo(x, y); ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = col;
      ctx.beginPath(); ctx.arc(x, y, s.route === "control_signal" ? 3.2 : 2.4, 0, 2 * Math.PI); ctx.fill();
    }
    this.live = keep;
  }
}

// a route drawn only when the model on the stage has the mechanism behind it (schema.mechanisms)
const ROUTE_NEEDS = { request_direct: "direct" };

// the routes the manifest lists for a schema: the frame's, in ROUTE_STYLE's order, without those whose mechanism
// the model on the stage does not have
export function shownRoutes(schema) {
  const sent = (schema && schema.frame && schema.frame.routes) || Object.keys(ROUTE_STYLE);
  const mech = (schema && schema.mechanisms) || {};
  return Object.keys(ROUTE_STYLE).filter((r) => sent.includes(r) && (!ROUTE_NEEDS[r] || mech[ROUTE_NEEDS[r]]));
}

// the shuttle manifest: each route's colour, label and path, and its shuttles per simulated second
export class Manifest {
  constructor() {
    this.rows = {};
    this.seen = [];             // [time, routes] of the frames in the last RATE_WINDOW simulated seconds
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
      return h("div", { class: "ow-leg", "data-leg": route }, [h("i", { style: { background: r.color } }),
        h("div", {}, [h("span", { text: r.label }), h("small", { class: "ow-dim", text: r.path }), rate])]);
    }));
  }

  // the rates start afresh (another source of frames)
  reset() { this.seen = []; }

  onFrame(f) {
    if (this.seen.length && f.time < this.seen[this.seen.length - 1][0]) this.seen = [];    // a reset
    this.seen.push([f.time, f.routes]);
    while (this.seen.length > 2 && this.seen[0][0] < f.time - RATE_WINDOW) this.seen.shift();
  }

  update() {
    const n = this.seen.length, dt = n > 1 ? this.seen[n - 1][0] - this.seen[0][0] : 0;
    for (const [route, el] of Object.entries(this.rows)) {
      let sum = 0;
      for (let i = 1; i < n; i++) sum += this.seen[i][1][route] || 0;
      setText(el, dt > 0 ? `${fmtNum(sum / dt, 1)} / s` : "");
    }
  }
}
