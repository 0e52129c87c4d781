// Tiny DOM helpers: every string from Python goes in through textContent, never as HTML.
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "style") Object.assign(el.style, v);
    else el.setAttribute(k, v);
  }
  for (const c of [].concat(children)) {
    if (c != null) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

// set text only when it changed (saves layout work at 60 Hz)
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

// listeners registered through this are all removed by clear()
export class Listeners {
  constructor() { this.items = []; }

  on(target, type, fn, opts) {
    target.addEventListener(type, fn, opts);
    this.items.push(() => target.removeEventListener(type, fn, opts));
  }

  add(cleanup) { this.items.push(cleanup); }

  clear() { for (const off of this.items.splice(0)) off(); }
}

export function debounce(fn, ms) {
  let id = null;
  const d = (...args) => {
    clearTimeout(id);
    id = setTimeout(() => { id = null; fn(...args); }, ms);
  };
  d.cancel = () => clearTimeout(id);
  return d;
}
