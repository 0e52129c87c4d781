// The page's half of the one contract with Python (src/orbits_widget/widget/_schema.py): every field of the
// schema and of the binary frame that the page knows, and the names behind the frame's codes that it styles.
// tests/widget/test_schema.py runs node on this module and fails when Python sends a field missing here, or
// this lists one that Python does not send. The values themselves (field order, thresholds, ranges, labels)
// always come from the schema the widget sends, never from here.
export const PAGE_READS = Object.freeze({
  // top-level keys of the schema
  schema: [
    "frame", "regimes", "worker_states", "modes", "mode_load", "speed_range", "predictors", "predictor",
    "theta1_ms", "theta2_ms", "hysteresis", "poll_interval_s", "detector_signal", "ttft_buckets_ms", "paper_gain",
    "hypotheses", "mechanisms", "knee_concurrency", "model", "deployment", "max_num_seqs", "kvbm_tiers",
  ],
  // keys of schema.frame, the binary layout
  frame: ["magic", "version", "header", "scalars", "prefill", "decode", "routes", "per_decode", "flags"],
  header: ["magic", "version", "n_prefill", "n_decode", "time", "seq", "regime", "k", "hysteresis", "flags"],
  scalars: [
    "tau", "omega", "concurrency", "rps", "in_flight", "queue", "ttft_p50_ms", "ttft_p99_ms",
    "ewma_ms", "theta1_ms", "theta2_ms", "poa_hat",
    "static_ttft_p99_ms", "adaptive_ttft_p99_ms", "static_poa_hat", "adaptive_poa_hat",
    "prefill_util", "decode_util", "gpus_prefill", "gpus_decode",
    "kvbm_g1", "kvbm_g2", "kvbm_g3", "kvbm_g4", "kvbm_cap_g1", "kvbm_cap_g2", "kvbm_cap_g3", "kvbm_cap_g4",
    // the hypothesis bench's mechanisms at work (frame version 2): clients waiting for a connection (H5), the
    // detector's last poll read exactly and through the frontend's Prometheus histogram (H4)
    "client_waiting", "poll_exact_p99_ms", "poll_prometheus_p99_ms",
  ],
  prefill: ["state", "queue", "busy", "util"],
  // direct, prefilling: the adaptive controller's own path to a decode worker (H1); posting: NIXL reads (H2)
  decode: ["state", "running", "waiting", "slot_util", "util", "direct", "prefilling", "posting"],
  // (in the manifest's order; request_direct is the controller's own path, Frontend -> decode, H1)
  routes: ["request_prefill", "request_direct", "request_decode", "tokens_home", "kv_freighter", "metrics_probe",
    "control_signal"],
  per_decode: ["decode_routed", "decode_done"],
  flags: ["adaptive", "playing", "planner", "demo", "stable"],
  // keys of each entry of schema.hypotheses (the model selector's choices) and of schema.mechanisms (what the model on
  // the stage switches on, for the stage's drawings)
  hypothesis: ["name", "label", "mechanisms", "assumes", "source", "strength"],
  mechanisms: ["direct", "posting", "client_connections", "v090", "batched_prefill"],
  // names the page has a colour, a text or a drawing for
  regimes: ["BELOW", "TRANSITION", "SATURATED"],
  worker_states: ["off", "starting", "active", "draining"],
  modes: ["idle", "normal", "busy", "saturation"],
});

// the same groups, as Python sends them
export function schemaGroups(schema) {
  const frame = (schema && schema.frame) || {};
  const list = (x) => (Array.isArray(x) ? x : []);
  return {
    schema: Object.keys(schema || {}),
    frame: Object.keys(frame),
    header: list(frame.header).map(([name]) => name),
    scalars: list(frame.scalars),
    prefill: list(frame.prefill),
    decode: list(frame.decode),
    routes: list(frame.routes),
    per_decode: list(frame.per_decode),
    flags: list(frame.flags),
    hypothesis: [...new Set(list(schema && schema.hypotheses).flatMap((c) => Object.keys(c || {})))],
    mechanisms: Object.keys((schema && schema.mechanisms) || {}),
    regimes: list(schema && schema.regimes),
    worker_states: list(schema && schema.worker_states),
    modes: list(schema && schema.modes),
  };
}

// what differs between the schema and PAGE_READS, both ways: [] when they agree
export function checkSchema(schema) {
  const sent = schemaGroups(schema), problems = [];
  for (const [group, known] of Object.entries(PAGE_READS)) {
    const unknown = sent[group].filter((x) => !known.includes(x));
    const missing = known.filter((x) => !sent[group].includes(x));
    if (unknown.length) problems.push(`${group}: Python sends ${unknown.join(", ")}, which the page does not know`);
    if (missing.length) problems.push(`${group}: the page reads ${missing.join(", ")}, which Python does not send`);
  }
  return problems;
}
