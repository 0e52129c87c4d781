// Decoder of a recording (layout: src/orbits_widget/widget/_recording.py): a run kept in one binary buffer, to be
// played where no kernel is. A 24-byte header (magic "ORBR", version, frame count N, JSON length J, frames per
// wall second, simulated seconds per wall second), N + 1 frame offsets, the N frames back to back (each exactly
// a live frame, decoded by frames.js from the schema), then J bytes of UTF-8 JSON: the schema, the mission log,
// the chart's curves, the control traits when it started and a few facts about the run.
const MAGIC = "ORBR";
const VERSION = 1;
const HEAD = 24;

// DataView, ArrayBuffer or typed array -> DataView over exactly its bytes; anything else (null: no recording) -> null
export function asView(buf) {
  if (buf instanceof DataView) return buf;
  if (buf instanceof ArrayBuffer) return new DataView(buf);
  if (ArrayBuffer.isView(buf)) return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return null;
}

// true when `buf` holds anything at all (the `_recording` trait is empty bytes until record() ran)
export function hasRecording(buf) {
  const v = asView(buf);
  return Boolean(v && v.byteLength > 0);
}

// -> { n, fps, speed, meta, frame(i) -> DataView of frame i }; throws an Error naming what is wrong
export function readRecording(buf) {
  const v = asView(buf);
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
