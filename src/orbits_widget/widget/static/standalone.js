(() => {
  // js/protocol/recording.js
  var MAGIC = "ORBR";
  var VERSION = 1;
  var HEAD = 24;
  function asView(buf) {
    if (buf instanceof DataView) return buf;
    if (buf instanceof ArrayBuffer) return new DataView(buf);
    if (ArrayBuffer.isView(buf)) return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return null;
  }
  function readRecording(buf) {
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
    const start2 = HEAD + 4 * (n + 1);
    if (v.byteLength < start2) throw new Error(`recording: ${v.byteLength} bytes, too short for ${n} frame offsets`);
    const offsets = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = v.getUint32(HEAD + 4 * i, true);
    for (let i = 0; i < n; i++) {
      if (offsets[i + 1] < offsets[i]) throw new Error(`recording: frame ${i} ends before it starts`);
    }
    const need = start2 + offsets[n] + jsonBytes;
    if (v.byteLength !== need) throw new Error(`recording: ${v.byteLength} bytes, expected ${need}`);
    const json = new Uint8Array(v.buffer, v.byteOffset + start2 + offsets[n], jsonBytes);
    const meta = JSON.parse(new TextDecoder("utf-8").decode(json));
    if (!meta || typeof meta !== "object") throw new Error("recording: its JSON is not an object");
    const frame = (i) => new DataView(v.buffer, v.byteOffset + start2 + offsets[i], offsets[i + 1] - offsets[i]);
    return { n, fps, speed, meta, frame };
  }

  // js/standalone.js
  var STATE_TYPE = "application/vnd.jupyter.widget-state+json";
  var DONE = "orbitsPlayer";
  function bytesOf(text, encoding = "base64") {
    const s = String(text || "").replace(/\s+/g, "");
    if (encoding === "hex") {
      const out2 = new Uint8Array(s.length >> 1);
      for (let i = 0; i < out2.length; i++) out2[i] = parseInt(s.substr(2 * i, 2), 16);
      return out2;
    }
    const bin = atob(s), out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function shimModel(rec, buf) {
    const m = rec.meta;
    const state = {
      demo: false,
      ...m.traits,
      _schema: m.schema,
      _frame: rec.frame(0),
      _mission_log: [],
      _recording: buf,
      _standalone: true
    };
    const nothing = () => {
    };
    return { get: (k) => state[k], set: nothing, save_changes: nothing, send: nothing, on: nothing, off: nothing };
  }
  var modules = /* @__PURE__ */ new Map();
  function importModule(src) {
    if (!modules.has(src)) {
      const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
      modules.set(src, import(url).finally(() => URL.revokeObjectURL(url)));
    }
    return modules.get(src);
  }
  async function play(el, src, bytes) {
    const buf = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const model = shimModel(readRecording(buf), buf);
    const mod = await importModule(src);
    const widget = typeof mod.default === "function" ? await mod.default() : mod.default;
    await widget.render({ model, el });
  }
  function run(el, src, bytes) {
    play(el, src, bytes).catch((err) => {
      console.warn("orbits-widget: the recording could not be played", err);
      const p = document.createElement("p");
      p.textContent = `This recording could not be played: ${err && err.message ? err.message : err}`;
      el.append(p);
    });
  }
  function savedFile() {
    const el = document.getElementById("orbits-player");
    const bundle = document.getElementById("orbits-bundle"), rec = document.getElementById("orbits-recording");
    if (!el || !bundle || !rec || el.dataset[DONE]) return;
    el.dataset[DONE] = "1";
    run(el, bundle.textContent.replace(/<\\\/(script)/gi, "</$1"), bytesOf(rec.textContent));
  }
  function exportedNotebook() {
    const divs = [...document.querySelectorAll("div.orbits-offline")].filter((d) => !d.dataset[DONE]);
    const script = document.querySelector(`script[type="${STATE_TYPE}"]`);
    if (!divs.length || !script) return;
    const saved = JSON.parse(script.textContent);
    const models = saved && saved.state || {};
    for (const div of divs) {
      div.dataset[DONE] = "1";
      const entry = models[div.dataset.modelId], state = entry && entry.state;
      if (!state || typeof state._esm !== "string") continue;
      const buffer = (entry.buffers || []).find((b) => Array.isArray(b.path) && b.path.length === 1 && b.path[0] === "_recording");
      const bytes = buffer ? bytesOf(buffer.data, buffer.encoding) : new Uint8Array(0);
      if (bytes.length) run(div, state._esm, bytes);
    }
  }
  function start() {
    try {
      savedFile();
      exportedNotebook();
    } catch (err) {
      console.warn("orbits-widget: no recording played", err);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
