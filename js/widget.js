// anywidget entry: the stage of OrbitsWidget. The kernel advances the simulation and sends binary frames
// (`_frame`), the mission log (`_mission_log`) when it changes, and the schema (`_schema`): the frame's layout,
// the names behind its codes, the controls' ranges and the running simulation's parameters. This view only draws.
// A recording (`_recording`, protocol/recording.js) plays through the same path as live frames: on demand in a live
// notebook ("Replay recording", then live play resumes), or on a loop where no kernel is (a model whose
// `_standalone` is true, built by standalone.js). root.dataset.source ("live" | "recording") and root.dataset.seq
// (the sequence number of the frame shown last) say which, for tests.
import { checkSchema } from "./protocol/contract.js";
import { makeDecoder } from "./protocol/frames.js";
import { hasRecording, readRecording } from "./protocol/recording.js";
import { RecordedChart } from "./view/chart.js";
import { Controls, KERNEL_TIP, REPLAY_TIP } from "./view/controls.js";
import { Dialog } from "./view/dialog.js";
import { h, Listeners } from "./view/dom.js";
import { choiceOf, choiceTip } from "./view/hypotheses.js";
import { Interpolator } from "./view/interp.js";
import { Panel } from "./view/panel.js";
import { Player, traitsFrom } from "./view/playback.js";
import { Manifest } from "./view/shuttles.js";
import { Stage } from "./view/stage.js";
import { CSS } from "./view/style.js";

const TRAITS = ["mode", "load", "adaptive", "planner", "playing", "speed", "demo", "c_max", "max_workers", "_workload",
  "hypothesis"];

function render({ model, el }) {
  const L = new Listeners();
  const standalone = model.get("_standalone") === true;        // no kernel behind this model: a recording's page
  const root = h("div", { class: "ow-root", "data-role": "orbits", "data-source": "live" });
  const parts = { root, header: h("div", { class: "ow-head" }), tabs: h("div", { class: "ow-tabsbar" }),
    left: h("div", { class: "ow-left" }), side: h("div", { class: "ow-side" }),
    stage: h("div", { class: "ow-stagebox", "data-role": "stage" }), footer: h("div", { class: "ow-foot" }) };
  root.append(parts.header, parts.tabs, parts.left, parts.stage, parts.side, parts.footer);
  const host = h("div", { class: "ow-host" }, [h("style", { text: CSS }), root]);   // the layout's container
  el.append(host);

  const stage = new Stage(parts.stage);
  const panel = new Panel(parts.side);
  parts.model = panel.modelRow;                   // the model selector goes in the controller card
  const controls = new Controls(parts, model, L);
  const manifest = new Manifest();
  parts.left.append(manifest.el);
  const dialog = new Dialog(root, L);
  L.on(controls.help, "click", () => dialog.open());
  const interp = new Interpolator();
  const chart = new RecordedChart();
  root.append(chart.el);
  const reported = new Set();
  const reportOnce = (where, err) => {
    if (reported.has(where)) return;
    reported.add(where);
    console.warn(`orbits-widget: ${where} failed (shown once; the animation continues)`, err);
  };

  // what the view needs besides the frame: the schema, worker state codes by name, two traits, and why the
  // controls are disabled ("" when they are not)
  const view = { schema: null, W: {}, cMax: 1, maxWorkers: 0, lock: "" };
  const live = { decode: null, schema: null };      // the model's schema and its decoder
  let play = null;        // while a recording plays: { player, rec, decode, schema, traits }
  const applySchema = (schema) => {
    view.schema = schema;
    view.W = Object.fromEntries(schema.worker_states.map((name, code) => [name, code]));
    for (const part of [stage, panel, controls, dialog, manifest]) part.setSchema(schema);
  };
  // the model on the stage (the recording's while one plays): its badge on the stage and its part of the dialog
  const showModel = () => {
    const choice = choiceOf(view.schema, controls.get("hypothesis"));
    stage.labels.setModel(choice, choiceTip(choice));
    dialog.setModel(choice, view.schema);
  };
  const onTraits = () => {
    view.cMax = controls.get("c_max"); view.maxWorkers = controls.get("max_workers");
    controls.sync();
    showModel();
  };
  const show = (f, now) => {
    if (interp.push(f, now)) { stage.onFrame(f, now, view); manifest.onFrame(f); }
    root.dataset.seq = String(f.seq);
  };
  // live frames wait while a recording plays; the newest is taken when it ends
  const pushFrame = () => {
    const buf = model.get("_frame");
    if (play || !live.decode || !buf || buf.byteLength === 0) return;
    try { show(live.decode(buf), performance.now()); } catch (err) { reportOnce("decoding a frame", err); }
  };
  const onSchema = () => {
    const schema = model.get("_schema");
    if (!schema || !schema.frame) return;
    const problems = checkSchema(schema);
    if (problems.length) reportOnce("reading the schema", problems.join("; "));
    try {
      live.decode = makeDecoder(schema.frame);
      live.schema = schema;
      if (!play) applySchema(schema);
    } catch (err) { reportOnce("reading the schema", err); }
    onTraits();
    pushFrame();
  };
  const onLog = () => { if (!play) panel.setLog(model.get("_mission_log") || []); };

  // a recording: from its first frame, in its own schema, with the controls disabled and the chart in the page
  const fresh = () => { interp.reset(); manifest.reset(); stage.reset(); };
  const startPlayback = () => {
    try {
      const rec = readRecording(model.get("_recording"));
      const schema = rec.meta.schema && rec.meta.schema.frame ? rec.meta.schema : live.schema;
      if (!schema) throw new Error("recording: it has no schema");
      const problems = checkSchema(schema);
      if (problems.length) reportOnce("reading the recording's schema", problems.join("; "));
      const decode = makeDecoder(schema.frame), traits = { demo: false, ...rec.meta.traits, playing: true };
      play = { player: new Player(rec, standalone), rec, decode, schema, traits };
      fresh();
      applySchema(schema);
      view.lock = standalone ? KERNEL_TIP : REPLAY_TIP;
      controls.setPlayback({ traits, tip: view.lock, standalone });
      chart.show(rec.meta.chart, schema, traits);
      panel.setLog([]);
      root.dataset.source = "recording";
      onTraits();
    } catch (err) { reportOnce("reading the recording", err); stopPlayback(); }
  };
  const stopPlayback = () => {
    if (!play) return;
    play = null;
    view.lock = "";
    fresh();
    controls.setPlayback(null);
    chart.hide();
    root.dataset.source = "live";
    if (live.schema) applySchema(live.schema);
    onTraits(); onLog(); pushFrame();
  };
  // the recorded frames due at `now` (the display's clock), their log lines and traits; at the end, loop or stop
  const playTo = (now) => {
    const p = play, pl = p.player;
    if (pl.finished(now)) {
      if (!standalone) { stopPlayback(); return; }
      pl.restart(now);
      fresh();
    }
    for (const i of pl.due(now)) {
      const f = p.decode(p.rec.frame(i));
      show(f, now);
      const traits = traitsFrom(f, p.traits, p.schema);
      if (traits !== p.traits) { p.traits = traits; controls.setTraits(traits); onTraits(); }
      panel.setLog(pl.logAt(f.time));
    }
  };
  const onRecording = () => {
    controls.setRecording(hasRecording(model.get("_recording")));
    if (play && !standalone) stopPlayback();        // a new recording (or none): the one playing is gone
  };
  L.on(controls.replay, "click", () => { if (!play) startPlayback(); });
  L.on(controls.backLive, "click", () => { if (!standalone) stopPlayback(); });

  const traitEvents = TRAITS.map((k) => `change:${k}`).join(" ");
  const handlers = [["change:_schema", onSchema], ["change:_frame", pushFrame], ["change:_mission_log", onLog],
    ["change:_recording", onRecording], [traitEvents, onTraits]];
  for (const [event, fn] of handlers) model.on(event, fn);
  L.add(() => { for (const [event, fn] of handlers) model.off(event, fn); });

  // pool +/- write the trait; the Python side applies it to both twins (not while a recording plays)
  for (const [key, trait] of [["pf", "n_prefill"], ["dec", "n_decode"]]) {
    const p = stage.labels[key];
    const set = (n) => { if (!view.lock) { model.set(trait, n); model.save_changes(); } };
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
    if (play) {
      try { playTo(now); } catch (err) {                 // a broken frame: a replay ends, a loop goes on
        reportOnce("playing the recording", err);
        if (!standalone) stopPlayback();
      }
    }
    try {
      const st = view.schema ? interp.sample(now) : null;
      stage.draw(st, view, now);
      if (st && now - lastPanel > 100) {                                     // text at 10 Hz
        lastPanel = now; panel.update(st); manifest.update(); stage.fitLabels();
        if (play) { chart.update(st); controls.showStatus(play.player.status(st.time)); }
      }
    } catch (err) { reportOnce("drawing a frame", err); }
    drawMs.ring[drawMs.n++ % drawMs.ring.length] = performance.now() - t0;
  };
  raf = requestAnimationFrame(tick);
  L.add(() => cancelAnimationFrame(raf));

  onSchema(); onLog(); onRecording();
  if (standalone) {
    startPlayback();
    if (!play) {              // an unreadable recording: its first frame stays on the stage, the controls say why
      view.lock = KERNEL_TIP;
      controls.setPlayback({ traits: null, tip: KERNEL_TIP, standalone });
    }
  }
  return () => { L.clear(); host.remove(); };
}

export default { render };
