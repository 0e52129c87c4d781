// The model on the stage: a row of the hypothesis bench (the `hypothesis` trait), its entry in the schema's
// `hypotheses` (name, label, mechanisms, what it assumes, its sources, how strong the evidence is: text from Python,
// set with textContent) and what the stage draws for each mechanism it switches on (the schema's `mechanisms`).

// the schema's entry for `name`, or null (a schema or a recording from before the bench has none)
export function choiceOf(schema, name) {
  const list = schema && Array.isArray(schema.hypotheses) ? schema.hypotheses : [];
  return list.find((c) => c && c.name === name) || null;
}

// a choice's tooltip: its label, what it assumes, its sources and the strength of the evidence, one per line
export function choiceTip(c) {
  if (!c) return "";
  const lines = [`${c.name} · ${c.label || ""}`];
  if (c.assumes) lines.push(`Assumes: ${c.assumes}`);
  if (c.source) lines.push(`Sources: ${c.source}`);
  if (c.strength && c.strength !== "-") lines.push(`Evidence: ${c.strength}`);
  return lines.join("\n");
}

// what the stage shows of each mechanism the model switches on (the About dialog lists those of the model on the
// stage); the Saturation Detector's reading of Prometheus (H4) is the schema's detector_signal
export const STAGE_SHOWS = [
  ["H1", (s) => s.mechanisms.direct, "teal shuttles fly from the Frontend straight to a decode worker, under the Sun "
    + "(the controller's own path, in the manifest as “Request · direct”); a decode worker whose pass prefills them "
    + "turns the prefill colour, and the Decode planet counts them (direct, prefilling)."],
  ["H2", (s) => s.mechanisms.posting, "amber marks beside each decode worker: the NIXL reads it will post before its "
    + "next step (the Decode planet: posting)."],
  ["H3", (s) => s.mechanisms.v090, "the Smart Router routes the decode leg as v0.9.0 did (DECODE LEG · v0.9.0): "
    + "distinct blocks, ties to one worker; watch the Decode pool herd."],
  ["H4", (s) => s.detector_signal === "prometheus", "the Saturation Detector's label gives its last poll's TTFT P99 "
    + "both ways: read from the frontend's Prometheus histogram (what it acts on) and exact."],
  ["H5", (s) => s.mechanisms.client_connections > 0, "a red ring round the Frontend: clients waiting for one of the "
    + "load generator's connections (one lap per pool's worth; the Frontend's label counts them)."],
  ["H6", (s) => s.mechanisms.batched_prefill, "the Prefill planet batches what waits at each pass."],
];

// the lines of STAGE_SHOWS for the model of `schema` ([] for today's model, or a schema without `mechanisms`)
export function stageShows(schema) {
  if (!schema || !schema.mechanisms) return [];
  return STAGE_SHOWS.filter(([, on]) => on(schema)).map(([key, , text]) => `${key}: ${text}`);
}
