// Frames arrive at up to ~30 Hz; the page draws at the display rate by blending the last two.
const lerp = (a, b, t) => (Number.isFinite(a) && Number.isFinite(b) ? a + (b - a) * t : b);

function lerpArr(a, b, t) {
  if (!a || a.length !== b.length) return b;
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = lerp(a[i], b[i], t);
  return out;
}

export class Interpolator {
  constructor() { this.reset(); }

  // forget the frames: the next one starts afresh (another source: a recording, or live frames after it)
  reset() { this.prev = null; this.cur = null; this.tArrive = 0; this.interval = 1000 / 30; }

  // false when the frame is the one already shown (a second view re-reading the trait)
  push(frame, now) {
    const cur = this.cur;
    if (cur && frame.seq === cur.seq && frame.time === cur.time) return false;
    if (cur) this.interval = Math.min(250, Math.max(16, 0.8 * this.interval + 0.2 * (now - this.tArrive)));
    // a reset (time going back) or a change of pool size starts afresh instead of blending
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
    return { ...b, time: lerp(a.time, b.time, t), scalars: s, prefill: blend(a.prefill, b.prefill),
      decode: blend(a.decode, b.decode) };
  }
}
