// Shuttles: one sprite per sampled request (or KV transfer, probe, control signal) that moved in
// the simulation since the previous frame. Counts come from the frame; the page caps how many it
// draws per route and frame so that C = 256 stays smooth.
export const ROUTE_STYLE = {
  request_prefill: { color: "#38bdf8", label: "Request · prefill", path: "FE → SUN → PF" },
  request_decode: { color: "#a78bfa", label: "Request · decode", path: "SUN → DEC" },
  tokens_home: { color: "#4ade80", label: "Tokens home", path: "DEC → FE" },
  kv_freighter: { color: "#f59e0b", label: "KV freighter", path: "PF ↔ KVBM ↔ DEC" },
  metrics_probe: { color: "#f472b6", label: "Metrics probe", path: "POOLS → PLN" },
  control_signal: { color: "#f87171", label: "Control signal", path: "PLN → SUN, POOLS" },
};
const MAX_LIVE = 360;
export const PER_FRAME = 3;

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
