// anywidget entry: the stage of OrbitsWidget. The kernel advances the simulation and sends binary
// frames (`_frame`) plus a JSON `_info` (mission log, labels) when it changes; this view only draws.
import { h, Listeners } from "./dom.js";
import { decodeFrame } from "./frames.js";
import { Interpolator } from "./interp.js";
import { Stage } from "./stage.js";
import { Panel } from "./panel.js";
import { Controls } from "./controls.js";
import { CSS } from "./style.js";

function render({ model, el }) {
  const L = new Listeners();
  const root = h("div", { class: "ow-root", "data-role": "orbits" });
  const style = h("style", { text: CSS });
  const parts = { root, header: h("div", { class: "ow-head" }), tabs: h("div", { class: "ow-tabsbar" }),
    left: h("div", { class: "ow-left" }), side: h("div", { class: "ow-side" }),
    stage: h("div", { class: "ow-stagebox", "data-role": "stage" }), footer: h("div", { class: "ow-foot" }) };
  root.append(style, parts.header, parts.tabs, parts.left, parts.stage, parts.side, parts.footer);
  el.append(root);

  const info = () => ({ ...(model.get("_info") || {}), c_max: model.get("c_max"), max_workers: model.get("max_workers") });
  const stage = new Stage(parts.stage);
  const panel = new Panel(parts.side);
  const controls = new Controls(parts, model, L);
  const interp = new Interpolator();
  let errorLogged = false;
  const reportOnce = (where, err) => {
    if (!errorLogged) { errorLogged = true; console.warn(`orbits-widget: ${where} failed (shown once; the animation continues)`, err); }
  };

  const pushFrame = () => {
    const buf = model.get("_frame");
    if (!buf || buf.byteLength === 0) return;
    try {
      const f = decodeFrame(buf);
      interp.push(f, performance.now());
      stage.onFrame(f, performance.now());
    } catch (err) { reportOnce("decoding a frame", err); }
  };
  const onInfo = () => { panel.setLog((model.get("_info") || {}).log || []); controls.sync(info()); };
  const onTraits = () => controls.sync(info());
  const traitEvents = ["mode", "load", "adaptive", "planner", "playing", "speed", "demo"].map((k) => `change:${k}`).join(" ");
  model.on("change:_frame", pushFrame);
  model.on("change:_info", onInfo);
  model.on(traitEvents, onTraits);
  L.add(() => { model.off("change:_frame", pushFrame); model.off("change:_info", onInfo); model.off(traitEvents, onTraits); });

  // pool +/- write the trait; the Python side applies it to both twins
  for (const [key, trait] of [["pf", "n_prefill"], ["dec", "n_decode"]]) {
    const p = stage.labels[key];
    L.on(p.plus, "click", () => { model.set(trait, Math.min(model.get("max_workers"), model.get(trait) + 1)); model.save_changes(); });
    L.on(p.minus, "click", () => { model.set(trait, Math.max(0, model.get(trait) - 1)); model.save_changes(); });
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
      const st = interp.sample(now);
      const inf = info();
      stage.draw(st, inf, now);
      if (st && now - lastPanel > 100) { lastPanel = now; panel.update(st, inf); }   // text at 10 Hz is plenty
    } catch (err) { reportOnce("drawing a frame", err); }
    drawMs.ring[drawMs.n++ % drawMs.ring.length] = performance.now() - t0;
  };
  raf = requestAnimationFrame(tick);
  L.add(() => cancelAnimationFrame(raf));

  pushFrame(); onInfo();
  return () => { L.clear(); root.remove(); };
}

export default { render };
