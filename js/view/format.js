// Number formatting for the page: anything not finite shows as an em dash, never NaN/Infinity.
export const DASH = "—";
const ok = (x) => typeof x === "number" && Number.isFinite(x);

export function fmtMs(ms) {
  if (!ok(ms)) return DASH;
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10000 ? 1 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
// a parameter in ms, as short as it is exact: 300 -> "300 ms", 2000 -> "2 s"
export function fmtParamMs(ms) {
  if (!ok(ms)) return DASH;
  return ms >= 1000 ? `${+(ms / 1000).toFixed(3)} s` : `${+ms.toFixed(3)} ms`;
}
// a setting such as τ or ω, to 4 significant digits and no trailing zeros (float32 from the frame: 0.3, not
// 0.30000001): 0 -> "0", 0.05 -> "0.05", 12.5 -> "12.5"
export function fmtParam(x) { return ok(x) ? String(+x.toPrecision(4)) : DASH; }
export function fmtNum(x, digits = 0) { return ok(x) ? x.toFixed(digits) : DASH; }
export function fmtPct(x) { return ok(x) ? `${Math.round(100 * Math.max(0, x))}%` : DASH; }
export function fmtTime(t) { return ok(t) ? `t=${t.toFixed(1)}s` : DASH; }
export const isNum = ok;
