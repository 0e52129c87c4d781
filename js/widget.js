// anywidget entry: the stage of OrbitsWidget. The kernel advances the simulation and sends binary frames
// (`_frame`), the mission log (`_mission_log`) when it changes, and the schema (`_schema`): the frame's layout,
// the names behind its codes, the controls' ranges and the running simulation's parameters. This view only draws.
import { checkSchema } from "./protocol/contract.js";
import { makeDecoder } from "./protocol/frames.js";
import { Controls } from "./view/controls.js";
import { Dialog } from "./view/dialog.js";
import { h, Listeners } from "./view/dom.js";
import { Interpolator } from "./view/interp.js";
import { Panel } from "./view/panel.js";
import { Manifest } from "./view/shuttles.js";
import { Stage } from "./view/stage.js";
import { CSS } from "./view/style.js";

const TRAITS = ["mode", "load", "adaptive", "planner", "playing", "speed", "demo", "c_max", "max_workers", "_workload"];

function render({ model, el }) {
  const L = new Listeners();
  const root = h("div", { class: "ow-root", "data-role": "orbits" });
  const parts = { root, header: h("div", { class: "ow-head" }), tabs: h("div", { class: "ow-tabsbar" }),
    left: h("div", { class: "ow-left" }), side: h("div", { class: "ow-side" }),
    stage: h("div", { class: "ow-stagebox", "data-role": "stage" }), footer: h("div", { class: "ow-foot" }) };
  root.append(parts.header, parts.tabs, parts.left, parts.stage, parts.side, parts.footer);
  const host = h("div", { class: "ow-host" }, [h("style", { text: CSS }), root]);   // the layout's container
  el.append(host);

  const stage = new Stage(parts.stage);
  const panel = new Panel(parts.side);
  const controls = new Controls(parts, model, L);
  const manifest = new Manifest();
  parts.left.append(manifest.el);
  const dialog = new Dialog(root, L);
  L.on(controls.help, "click", () => dialog.open());
  const interp = new Interpolator();
  const reported = new Set();
  const reportOnce = (where, err) => {
    if (reported.has(where)) return;
    reported.add(where);
    console.warn(`orbits-widget: ${where} failed (shown once; the animation continues)`, err);
  };

  // what the view needs besides the frame: the schema, worker state codes by name, two traits
  const view = { schema: null, W: {}, cMax: 1, maxWorkers: 0 };
  let decode = null;
  const onTraits = () => {
    view.cMax = model.get("c_max"); view.maxWorkers = model.get("max_workers");
    controls.sync();
  };
  const pushFrame = () => {
    const buf = model.get("_frame");
    if (!decode || !buf || buf.byteLength === 0) return;
    try {
      const f = decode(buf), now = performance.now();
      if (interp.push(f, now)) { stage.onFrame(f, now, view); manifest.onFrame(f); }
    } catch (err) { reportOnce("decoding a frame", err); }
  };
  const onSchema = () => {
    const schema = model.get("_schema");
    if (!schema || !schema.frame) return;
    const problems = checkSchema(schema);
    if (problems.length) reportOnce("reading the schema", problems.join("; "));
    try {
      decode = makeDecoder(schema.frame);
      view.schema = schema;
      view.W = Object.fromEntries(schema.worker_states.map((name, code) => [name, code]));
      for (const part of [stage, panel, controls, dialog]) part.setSchema(schema);
    } catch (err) { reportOnce("reading the schema", err); }
    onTraits();
    pushFrame();
  };
  const onLog = () => panel.setLog(model.get("_mission_log") || []);
  const traitEvents = TRAITS.map((k) => `change:${k}`).join(" ");
  const handlers = [["change:_schema", onSchema], ["change:_frame", pushFrame], ["change:_mission_log", onLog],
    [traitEvents, onTraits]];
  for (const [event, fn] of handlers) model.on(event, fn);
  L.add(() => { for (const [event, fn] of handlers) model.off(event, fn); });

  // pool +/- write the trait; the Python side applies it to both twins
  for (const [key, trait] of [["pf", "n_prefill"], ["dec", "n_decode"]]) {
    const p = stage.labels[key];
    const set = (n) => { model.set(trait, n); model.save_changes(); };
    L.on(p.plus, "click", () => set(Math.min(model.get("max_workers"), model.get(trait) + 1)));
    L.on(p.minus, "click", () => set(Math.max(0, model.get(trait) - 1)));
  }

  // size follows the notebook: the stage keeps the cell's width and a height from it
  const ro = new ResizeObserver(() => {
    const r = parts.stage.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) stage.resize(Math.floor(r.width), Math.floor(r.height));
  });
  ro.observe(parts.stage);
  L.add(() => ro.disconnect());

  let raf = 0, lastPanel = 0;
  // the last 600 frames' drawing time (ms), read by benchmarks/browser_bench.py from the element
  const drawMs = (root.orbitsDrawMs = { ring: new Float32Array(600), n: 0 });
  const tick = (now) => {
    raf = requestAnimationFrame(tick);
    const t0 = performance.now();
    try {
      const st = view.schema ? interp.sample(now) : null;
      stage.draw(st, view, now);
      if (st && now - lastPanel > 100) {                                     // text at 10 Hz
        lastPanel = now; panel.update(st); manifest.update(); stage.fitLabels();
      }
    } catch (err) { reportOnce("drawing a frame", err); }
    drawMs.ring[drawMs.n++ % drawMs.ring.length] = performance.now() - t0;
  };
  raf = requestAnimationFrame(tick);
  L.add(() => cancelAnimationFrame(raf));

  onSchema(); onLog();
  return () => { L.clear(); host.remove(); };
}

export default { render };
