// Plays a recording where no kernel runs. esbuild bundles this file into one classic script
// (src/orbits_widget/widget/static/standalone.js, an IIFE: no import at run time, nothing fetched). Two pages carry it:
//  1. save_html()'s file: <div id="orbits-player">, <script type="text/plain" id="orbits-bundle"> (the widget's ES
//     module as text, every "</script" in it written "<\/script"), <script id="orbits-recording"> (the recording,
//     base64), then this script;
//  2. an HTML export of a notebook (jupyter nbconvert --to html): each displayed widget is followed by
//     <div class="orbits-offline" data-model-id="..."> and this script. The notebook's saved widget state, a
//     <script type="application/vnd.jupyter.widget-state+json"> near the end of the page, holds the widget's module
//     (its `_esm`) and the recording (the base64 buffer at path ["_recording"]). The widget manager that would draw
//     the widget itself comes from a CDN, which an offline machine cannot reach: this player stands in for it.
// In a live notebook the same div and script run, find no saved state, and do nothing.
// The widget's module is imported from a blob: URL and rendered with a model that has no kernel behind it
// (`_standalone` true): the recording plays on a loop and the controls are disabled, saying why.
import { readRecording } from "./protocol/recording.js";

const STATE_TYPE = "application/vnd.jupyter.widget-state+json";
const DONE = "orbitsPlayer";          // dataset key of an element already handled (each script runs this file)

// the bytes of a saved buffer: base64 (the recording element, ipywidgets' default) or hex
function bytesOf(text, encoding = "base64") {
  const s = String(text || "").replace(/\s+/g, "");
  if (encoding === "hex") {
    const out = new Uint8Array(s.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  const bin = atob(s), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// an anywidget model with no kernel behind it: the recording's traits, schema and first frame; writes go nowhere
function shimModel(rec, buf) {
  const m = rec.meta;
  const state = { demo: false, ...m.traits, _schema: m.schema, _frame: rec.frame(0), _mission_log: [], _recording: buf,
    _standalone: true };
  const nothing = () => {};
  return { get: (k) => state[k], set: nothing, save_changes: nothing, send: nothing, on: nothing, off: nothing };
}

const modules = new Map();            // one import per module text (several players on one page)
function importModule(src) {
  if (!modules.has(src)) {
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    // eslint-disable-next-line no-restricted-syntax -- the widget's own module, from this page: a blob, never remote
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

// 1. save_html()'s file
function savedFile() {
  const el = document.getElementById("orbits-player");
  const bundle = document.getElementById("orbits-bundle"), rec = document.getElementById("orbits-recording");
  if (!el || !bundle || !rec || el.dataset[DONE]) return;
  el.dataset[DONE] = "1";
  // Python wrote "</script" as "<\/script" so that the module's text could not end its element
  run(el, bundle.textContent.replace(/<\\\/(script)/gi, "</$1"), bytesOf(rec.textContent));
}

// 2. an HTML export of a notebook, with the widgets' saved state
function exportedNotebook() {
  const divs = [...document.querySelectorAll("div.orbits-offline")].filter((d) => !d.dataset[DONE]);
  const script = document.querySelector(`script[type="${STATE_TYPE}"]`);
  if (!divs.length || !script) return;                  // no saved state: a live notebook, the widget is there
  const saved = JSON.parse(script.textContent);
  const models = (saved && saved.state) || {};
  for (const div of divs) {
    div.dataset[DONE] = "1";
    const entry = models[div.dataset.modelId], state = entry && entry.state;
    if (!state || typeof state._esm !== "string") continue;
    const buffer = (entry.buffers || []).find((b) => Array.isArray(b.path) && b.path.length === 1
      && b.path[0] === "_recording");
    const bytes = buffer ? bytesOf(buffer.data, buffer.encoding) : new Uint8Array(0);
    if (bytes.length) run(div, state._esm, bytes);     // nothing recorded: nothing to play
  }
}

function start() {
  try { savedFile(); exportedNotebook(); } catch (err) { console.warn("orbits-widget: no recording played", err); }
}

// the saved state comes after the outputs in an export: wait for the whole document
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
