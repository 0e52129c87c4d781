// A DOM just large enough to render the widget's page in node (tests/widget/test_page.py, test_playback_page.py):
// elements with text, attributes, classes and listeners (SVG ones too), a canvas whose 2D context accepts every
// call, ResizeObserver, requestAnimationFrame and setTimeout that the test drives (no wall clock), an anywidget
// model, and the few document look-ups the standalone loader makes. It counts what is still attached. While
// `live.canvas` is an array, every drawing call on a canvas is recorded in it ({ op, args, fill, stroke, alpha }: the
// call and the styles it drew with); `shapes()` reads them as the dots, rings and squares that were drawn.
export const live = { listeners: 0, observers: 0, frames: new Map(), timers: new Map(), warnings: [], canvas: null };
let nextFrame = 1, nextTimer = 1;

class Node {
  constructor(text) { this.nodeType = 3; this.data = text; }
  get textContent() { return this.data; }
}

class Element {
  constructor(tag) {
    this.tagName = tag.toUpperCase(); this.children = []; this.attributes = {}; this.dataset = {}; this.hidden = false;
    this.handlers = {}; this.parent = null; this.className = ""; this.value = "";
    const styles = {};
    this.style = new Proxy(styles, { get: (o, k) => (k === "setProperty" ? (n, v) => { o[n] = v; } : o[k] ?? "") });
    const classes = new Set();
    this.classList = { toggle: (c, on) => ((on ?? !classes.has(c)) ? classes.add(c) : classes.delete(c)),
      contains: (c) => classes.has(c), add: (c) => classes.add(c) };
  }
  get id() { return this.attributes.id; }
  // "tag", "tag.class" or 'tag[attr="value"]': what the loader asks for
  matches(sel) {
    const m = /^(\w*)(?:\.([\w-]+))?(?:\[([\w-]+)="([^"]*)"\])?$/.exec(sel);
    if (!m) throw new Error(`fake DOM: selector ${sel}`);
    const [, tag, cls, attr, value] = m;
    return (!tag || this.tagName === tag.toUpperCase()) && (!cls || this.className.split(" ").includes(cls))
      && (!attr || this.attributes[attr] === value);
  }
  get textContent() { return this.children.map((c) => c.textContent).join(""); }
  set textContent(t) { this.children = [new Node(String(t))]; }
  get innerText() { return this.hidden ? "" : this.children.map((c) => (c.innerText ?? c.textContent)).join(" "); }
  get offsetWidth() { return 40; }
  setAttribute(k, v) {
    this.attributes[k] = v;
    if (k === "hidden") this.hidden = true;
    if (k === "title") this.title = v;
    if (k === "value") this.value = v;
    if (k.startsWith("data-")) this.dataset[k.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = v;
  }
  getAttribute(k) { return this.attributes[k]; }
  append(...kids) {
    for (const k of kids) { const n = typeof k === "string" ? new Node(k) : k; n.parent = this; this.children.push(n); }
  }
  replaceChildren(...kids) { this.children = []; this.append(...kids); }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  addEventListener(type, fn) { (this.handlers[type] ||= []).push(fn); live.listeners++; }
  removeEventListener(type, fn) {
    const hs = this.handlers[type] || [], i = hs.indexOf(fn);
    if (i >= 0) { hs.splice(i, 1); live.listeners--; }
  }
  dispatch(type) { for (const fn of [...(this.handlers[type] || [])]) fn({ target: this, type }); }
  getBoundingClientRect() { return { width: 800, height: 540 }; }
  getContext() {
    const state = { fillStyle: "", strokeStyle: "", globalAlpha: 1 };
    const call = (op) => (...args) => {
      if (live.canvas) {
        live.canvas.push({ op, args: args.map((a) => (typeof a === "number" ? a : String(a))),
          fill: String(state.fillStyle), stroke: String(state.strokeStyle), alpha: state.globalAlpha });
      }
      return { addColorStop() {} };
    };
    return new Proxy(state, { get: (o, k) => (k in o ? o[k] : call(k)), set: (o, k, v) => { o[k] = v; return true; } });
  }
  // every element below this one (itself included) for which pred is true
  findAll(pred, out = []) {
    if (pred(this)) out.push(this);
    for (const c of this.children) if (c instanceof Element) c.findAll(pred, out);
    return out;
  }
  find(role) { return this.findAll((e) => e.dataset.role === role)[0]; }
}

// an element with attributes and text, for the pages the loader reads
export function element(tag, attrs = {}, text = null) {
  const el = new Element(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "class") el.className = v; else el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

export function installFakeDom() {
  const body = new Element("body");
  globalThis.document = { createElement: (tag) => new Element(tag), createTextNode: (t) => new Node(t),
    createElementNS: (ns, tag) => Object.assign(new Element(tag), { namespaceURI: ns }),
    activeElement: null, body, readyState: "complete",
    getElementById: (id) => body.findAll((e) => e.id === id)[0] || null,
    querySelector: (sel) => body.findAll((e) => e.matches(sel))[0] || null,
    querySelectorAll: (sel) => body.findAll((e) => e.matches(sel)),
    addEventListener(type, fn) { (this.handlers[type] ||= []).push(fn); }, handlers: {} };
  globalThis.window = { devicePixelRatio: 1 };
  globalThis.ResizeObserver = class {
    constructor(fn) { this.fn = fn; }
    observe() { live.observers++; this.fn([]); }
    disconnect() { live.observers--; }
  };
  globalThis.requestAnimationFrame = (fn) => { const id = nextFrame++; live.frames.set(id, fn); return id; };
  globalThis.cancelAnimationFrame = (id) => live.frames.delete(id);
  globalThis.setTimeout = (fn, ms) => { const id = nextTimer++; live.timers.set(id, { fn, ms }); return id; };
  globalThis.clearTimeout = (id) => live.timers.delete(id);
  console.warn = (...args) => live.warnings.push(args.map(String).join(" "));
  return new Element("div");
}

// run the pending animation frames at time `now`
export function animate(now) {
  const due = [...live.frames.entries()];
  live.frames.clear();
  for (const [, fn] of due) fn(now);
}

// run the pending timeouts (the debounced writes) as if their delay had passed
export function runTimers() {
  const due = [...live.timers.values()];
  live.timers.clear();
  for (const { fn } of due) fn();
}

export class FakeModel {
  constructor(state) { this.state = { ...state }; this.handlers = new Map(); this.saved = []; }
  get(k) { return this.state[k]; }
  set(k, v) { this.state[k] = v; }
  save_changes() { this.saved.push({ ...this.state }); }
  on(events, fn) {
    for (const e of events.split(" ")) this.handlers.set(e, [...(this.handlers.get(e) || []), fn]);
  }
  off(events, fn) {
    for (const e of events.split(" ")) this.handlers.set(e, (this.handlers.get(e) || []).filter((f) => f !== fn));
  }
  // Python changed a trait
  change(k, v) { this.state[k] = v; for (const fn of this.handlers.get(`change:${k}`) || []) fn(); }
  handlerCount() { return [...this.handlers.values()].reduce((n, hs) => n + hs.length, 0); }
}

// the shapes in a recorded list of canvas calls: a path of one arc then fill() is a dot, then stroke() a ring (its
// start and end angles), fillRect() a square; each with its centre (or corner), size, colour and alpha
export function shapes(ops) {
  const out = [];
  let arc = null;
  for (const o of ops) {
    if (o.op === "beginPath") arc = null;
    else if (o.op === "arc") arc = o.args;
    else if (o.op === "fill" && arc) {
      out.push({ kind: "dot", x: arc[0], y: arc[1], r: arc[2], color: o.fill, alpha: o.alpha });
    } else if (o.op === "stroke" && arc) {
      out.push({ kind: "ring", x: arc[0], y: arc[1], r: arc[2], from: arc[3], to: arc[4], color: o.stroke,
        alpha: o.alpha });
    } else if (o.op === "fillRect") {
      const [x, y, w, h] = o.args;
      out.push({ kind: "square", x, y, w, h, color: o.fill, alpha: o.alpha });
    }
  }
  return out;
}
