// Decoder of the kernel's binary frame (layout: src/orbits_widget/widget/_frames.py). Every field name and
// its order come from the schema's `frame` (src/orbits_widget/widget/_schema.py); this module only knows the
// order of the sections: header, scalars (f32), per-prefill and per-decode fields (f32, field-major),
// routes (u32), per-decode counts (u32). A test decodes a Python-encoded frame with it in node.
const TYPES = {
  ascii4: [4, (v, o) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3))],
  u8: [1, (v, o) => v.getUint8(o)],
  u16: [2, (v, o) => v.getUint16(o, true)],
  u32: [4, (v, o) => v.getUint32(o, true)],
  f64: [8, (v, o) => v.getFloat64(o, true)],
};

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

// a decoder for the frames of one schema: decode(buf) -> { <header fields>, flags, scalars, prefill, decode,
// routes, <per-decode counts> }
export function makeDecoder(layout) {
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
    for (const [name, size, read] of header) { out[name] = read(v, off); off += size; }
    if (out.magic !== layout.magic) throw new Error(`frame: bad magic ${out.magic}`);
    if (out.version !== layout.version) throw new Error(`frame: version ${out.version} is not supported`);
    const nP = out.n_prefill, nD = out.n_decode;
    const words = scalars.length + nP * prefill.length + nD * decode.length + routes.length + nD * perDecode.length;
    const need = headerBytes + 4 * words;
    if (v.byteLength !== need) throw new Error(`frame: ${v.byteLength} bytes, expected ${need}`);
    delete out.magic;
    const bits = out.flags;
    Object.assign(out, { flags: {}, scalars: {}, prefill: {}, decode: {}, routes: {} });
    flags.forEach((name, i) => { out.flags[name] = ((bits >> i) & 1) === 1; });
    const sc = f32s(v, off, scalars.length);
    scalars.forEach((name, i) => { out.scalars[name] = sc[i]; });
    off += 4 * scalars.length;
    for (const f of prefill) { out.prefill[f] = f32s(v, off, nP); off += 4 * nP; }
    for (const f of decode) { out.decode[f] = f32s(v, off, nD); off += 4 * nD; }
    for (const r of routes) { out.routes[r] = v.getUint32(off, true); off += 4; }
    for (const name of perDecode) {
      out[name] = Array.from({ length: nD }, (_, i) => v.getUint32(off + 4 * i, true));
      off += 4 * nD;
    }
    return out;
  };
}
