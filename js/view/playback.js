// The player of a recording (protocol/recording.js): which recorded frames are due at the display's clock, which
// mission-log lines have been written by a frame's simulated time, and the control traits a frame implies. It
// draws nothing: widget.js feeds the frames it returns through the same path as live frames.
import { fmtNum } from "./format.js";

const CATCH_UP = 4;           // frames shown in one display frame at most; further behind (a hidden tab), skip ahead
const END_HOLD_MS = 1500;     // on a loop, the last frame stays this long before the run starts again
const LOG_SHOWN = 200;        // the last lines of the log on the page, as Python keeps them

const isTime = (t) => t === null || (typeof t === "number" && !Number.isNaN(t));

export class Player {
  // rec: readRecording()'s result; loop: start again at the end (no kernel) instead of finishing (a replay)
  constructor(rec, loop) {
    this.rec = rec;
    this.loop = loop;
    this.ms = 1000 / rec.fps;              // wall milliseconds per frame
    const m = rec.meta;
    this.log = (Array.isArray(m.log) ? m.log : []).filter((l) => Array.isArray(l) && l.length >= 3 && isTime(l[0]));
    this.t0 = Number.isFinite(m.t0) ? m.t0 : null;
    this.t1 = Number.isFinite(m.t1) ? m.t1 : null;
    this.restart(null);
  }

  // play from the first frame; `now` null: from the first call of due()
  restart(now) { this.start = now; this.next = 0; }

  // the indexes of the frames due at `now` (ms, the display's clock), in order, each once
  due(now) {
    if (this.start === null) this.start = now;
    // (a hair over the exact count: a display frame that lands on a frame's time shows it, despite rounding)
    const n = this.rec.n, want = Math.min(n - 1, Math.floor((now - this.start) / this.ms + 1e-6));
    if (want < this.next) return [];
    const from = Math.max(this.next, want - CATCH_UP + 1);
    this.next = want + 1;
    return Array.from({ length: want - from + 1 }, (_, k) => from + k);
  }

  // every frame has been shown for its time (and, on a loop, the last one held a little longer)
  finished(now) {
    const n = this.rec.n;
    return this.start !== null && this.next >= n && now - this.start >= n * this.ms + (this.loop ? END_HOLD_MS : 0);
  }

  // the mission log as it read at simulated time t: every line up to the last one written by then (a line from
  // before a reset, with a later time, shows with the lines after it)
  logAt(t) {
    let k = 0;
    for (let i = this.log.length - 1; i >= 0; i--) {
      const lt = this.log[i][0];
      if (lt === null || lt <= t) { k = i + 1; break; }
    }
    return this.log.slice(Math.max(0, k - LOG_SHOWN), k);
  }

  // a line under the replay control: where the playback is in the recorded run
  status(t) {
    const { t0, t1 } = this, speed = +this.rec.speed.toPrecision(4);
    const at = t0 !== null && Number.isFinite(t) ? fmtNum(Math.max(0, t - t0), 1) : "—";
    const of = t0 !== null && t1 !== null ? fmtNum(t1 - t0, 1) : "—";
    return `${at} s of ${of} s simulated · ×${speed} sim s / s${this.loop ? " · on a loop" : ""}`;
  }
}

// the control traits a recorded frame shows (its flags; in a closed loop its C as the load, and the mode tab whose
// load is that C): `traits` itself when nothing changed
export function traitsFrom(f, traits, schema) {
  const next = { ...traits, adaptive: f.flags.adaptive, planner: f.flags.planner, demo: f.flags.demo, playing: true };
  const w = traits._workload, cMax = traits.c_max, c = f.scalars.concurrency;
  if ((!w || !w.kind || w.kind === "paper") && Number.isFinite(c) && cMax > 0) {
    next.load = c / cMax;
    const modes = (schema && schema.modes) || [], loads = (schema && schema.mode_load) || {};
    const mode = modes.find((m) => Math.round(loads[m] * cMax) === Math.round(c));
    if (mode) next.mode = mode;
  }
  const same = ["adaptive", "planner", "demo", "playing", "load", "mode"].every((k) => next[k] === traits[k]);
  return same ? traits : next;
}
