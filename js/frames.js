// Decoder of the kernel's binary frame, version 1 (the layout is documented in
// src/orbits_widget/frames.py; a test decodes a Python-encoded frame with this module in node).
export const MAGIC = "ORBF";
export const VERSION = 1;
export const HEADER_BYTES = 24;
export const SCALARS = [
  "tau", "omega", "concurrency", "rps", "in_flight", "queue", "ttft_p50_ms", "ttft_p99_ms",
  "ewma_ms", "theta1_ms", "theta2_ms", "poa_hat",
  "static_ttft_p99_ms", "adaptive_ttft_p99_ms", "static_poa_hat", "adaptive_poa_hat",
  "prefill_util", "decode_util", "gpus_prefill", "gpus_decode",
  "kvbm_g1", "kvbm_g2", "kvbm_g3", "kvbm_g4",
  "kvbm_cap_g1", "kvbm_cap_g2", "kvbm_cap_g3", "kvbm_cap_g4",
];
export const PREFILL = ["state", "queue", "busy", "util"];
export const DECODE = ["state", "running", "waiting", "slot_util", "util"];
export const ROUTES = ["request_prefill", "request_decode", "tokens_home", "kv_freighter", "metrics_probe",
  "control_signal"];
export const FLAGS = ["adaptive", "playing", "planner", "demo", "stable"];
export const REGIMES = ["BELOW", "TRANSITION", "SATURATED"];
export const W_OFF = 0, W_STARTING = 1, W_ACTIVE = 2, W_DRAINING = 3;

// DataView, ArrayBuffer or typed array -> DataView over exactly the frame's bytes
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

export function decodeFrame(buf) {
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
    version, time: v.getFloat64(8, true), seq: v.getUint32(16, true), regime: v.getUint8(20),
    k: v.getUint8(21), hysteresis: v.getUint8(22), flags: {}, scalars: {}, prefill: {}, decode: {}, routes: {},
  };
  FLAGS.forEach((name, i) => { out.flags[name] = ((bits >> i) & 1) === 1; });
  let off = HEADER_BYTES;
  const sc = f32s(v, off, SCALARS.length);
  SCALARS.forEach((name, i) => { out.scalars[name] = sc[i]; });
  off += 4 * SCALARS.length;
  for (const f of PREFILL) { out.prefill[f] = f32s(v, off, nP); off += 4 * nP; }
  for (const f of DECODE) { out.decode[f] = f32s(v, off, nD); off += 4 * nD; }
  for (const r of ROUTES) { out.routes[r] = v.getUint32(off, true); off += 4; }
  out.decode_routed = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
  off += 4 * nD;
  out.decode_done = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
  return out;
}
