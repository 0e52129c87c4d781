"""The mechanisms that might explain why adaptive routing helped in the paper, and the rows of the scorecard.

A *mechanism* is a set of profile options (``profiles.Profile``), off unless chosen, with the source it rests
on and how strong that evidence is. A *hypothesis* is one mechanism or a combination of them. Every row of the
scorecard is run with the same workload, grid and seeds; its only free parameter is the output length, fixed
on llama-70b-1p2d (``calibrate.py``). See docs/hypotheses.md for the reasoning behind each.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..profiles.catalog import BEFORE_HYPOTHESES

# today's model (the one before this bench), which every row starts from; its output length is calibrated per row
TODAY_OPTIONS = {k: v for k, v in BEFORE_HYPOTHESES.items() if k != "output_tokens"}

__all__ = ["Mechanism", "Hypothesis", "MECHANISMS", "HYPOTHESES", "STRENGTHS", "TODAY", "DEFAULT", "get",
           "profile_for", "choices"]


@dataclass(frozen=True)
class Mechanism:
    key: str              # H1 ... H6
    name: str
    overrides: dict       # profile options that switch it on (sourced values)
    assumes: str          # what it says about the paper's system, in a sentence
    source: str
    strength: str         # how strong the evidence is that it acted in the paper's runs: one of STRENGTHS
    evidence: str         # ... and why

    def row(self) -> dict:
        return dict(key=self.key, name=self.name, options=self.overrides, assumes=self.assumes, source=self.source,
                    strength=self.strength, evidence=self.evidence)


STRENGTHS = ("strong", "medium", "contested")


MECHANISMS = {m.key: m for m in (
    Mechanism(
        "H1", "override path skips the PrefillRouter", dict(adaptive_path="direct"),
        "While it overrides Dynamo's default (tau, omega), the adaptive controller sends each request through its "
        "own Python KvPushRouter straight to a decode worker, which prefills it locally (no prefill worker, no "
        "KV transfer); the static baseline goes through the HTTP frontend.",
        "Dynamo v0.9.0: nvext has no router_config_override (lib/llm/src/protocols/openai/nvext.rs; feature "
        "request ai-dynamo/dynamo#2697, open); KvPushRouter.generate routes to one endpoint with no PrefillRouter "
        "(lib/bindings/python/rust/llm/kv.rs); a decode worker given no kv_transfer_params prefills locally "
        "(components/src/dynamo/vllm/handlers.py)",
        "medium", "the path exists in v0.9.0; how the paper's harness sent requests is not stated"),
    Mechanism(
        "H2", "decode-side hand-over cost", dict(handover_post_ms=0.55),
        "A decode worker posts each arriving request's NIXL reads on the host before its next step's forward "
        "pass, lengthening that step; the pull waits for the step boundary, its completion is seen at the next "
        "one, and the last prompt token is recomputed in the step after (the last three are in every row).",
        "vLLM PR #53333 (~5 ms for 9 requests at TP8: 0.55 ms each, spikes to 48 ms); PR #51371 and issue "
        "#25310 (TTFT inflated by decode-step boundaries); RFC #50913 / PR #51919 (hand-over ~197 ms p50 "
        "against a 29 ms transfer, 3P1D Qwen3-32B on L20)",
        "strong", "it exists in vLLM's connector; its size on B200 at TP4/TP8 is not measured"),
    Mechanism(
        "H3", "v0.9.0's decode-leg herding", dict(decode_routing="v090"),
        "The frontend's decode leg scores distinct booked blocks plus the request's new blocks (reuse assumed, "
        "overlap weight 0), and ties fall to a fixed hash-map order because decode workers publish no KV events.",
        "Dynamo v0.9.0 lib/llm/src/kv_router/prefill_router.rs (override: overlap weight 0 only), sequence.rs "
        "(distinct hashes), scheduler.rs (tree size, then hash-map order); components/src/dynamo/vllm/args.py "
        "(no KV events with --is-decode-worker); PR #6253 (merged after v0.9.0: 'load imbalance')",
        "strong", "it is the code the paper ran"),
    Mechanism(
        "H4", "the controller reads Prometheus", dict(detector_signal="prometheus"),
        "The Saturation Detector's TTFT P99 is histogram_quantile(0.99) over the frontend's histogram: only "
        "requests that went through the HTTP frontend, timed from there, interpolated in buckets ~2.2x wide.",
        "paper section 6 (the controller polls Prometheus every 5 s); Dynamo v0.9.0 "
        "lib/llm/src/http/service/metrics.rs (18 log buckets, 1 ms-480 s); Prometheus promql/quantile.go",
        "strong", "the paper says its controller polled Prometheus; these are the frontend's buckets at v0.9.0"),
    Mechanism(
        "H5", "the load generator's connection cap", dict(client_connections=100),
        "The benchmark client keeps at most 100 HTTP connections; a request sent while all are busy waits in the "
        "client, which counts in its TTFT but not in the frontend's histogram.",
        "aiohttp TCPConnector limit=100 and httpx max_connections=100 by default; aiperf's default is 2,500 "
        "(AIPERF_HTTP_CONNECTION_LIMIT) and times TTFT from before the connection is acquired",
        "medium", "the cap is the default of common clients; the paper does not name its client"),
    Mechanism(
        "H6", "prefill batched as vLLM's scheduler runs it", dict(prefill_max_num_seqs=-1),
        "Each request's generate() call reaches the prefill engine on its own and vLLM 0.14 batches whatever "
        "waits at a step, up to max_num_seqs = 1024 and 8192 tokens (no batch-1 prefill).",
        "vLLM engine/arg_utils.py (OpenAI server defaults on >= 70 GiB GPUs: 8192 tokens, 1024 sequences); "
        "Dynamo issue #10786 (a burst of 16 ran as 1 + 2 + 13 iterations). Against it: Dynamo v0.9.0 "
        "docs/performance/tuning.md (prefill engines run at batch size 1)",
        "contested", "vLLM's defaults batch; Dynamo's own docs of the time say batch 1, and the knee says so"),
)}


@dataclass(frozen=True)
class Hypothesis:
    name: str
    mechanisms: tuple     # keys of MECHANISMS
    why: str              # why this row (a combination must say what it is for)

    @property
    def overrides(self) -> dict:
        """The options its mechanisms set (what differs from today's model)."""
        out = {}
        for k in self.mechanisms:
            out.update(MECHANISMS[k].overrides)
        return out

    @property
    def options(self) -> dict:
        """Every option of the row's model: today's, with its mechanisms on (output length excepted)."""
        return {**TODAY_OPTIONS, **self.overrides}

    @property
    def size(self) -> int:
        return len(self.mechanisms)


TODAY = "today"
HYPOTHESES = {h.name: h for h in (
    Hypothesis(TODAY, (), "the model before this bench: batch-1 prefill held until the KV is pulled, the paper's "
                          "KV-aware decode cost, an exact detector, no client cap"),
    Hypothesis("H1", ("H1",), "alone"),
    Hypothesis("H2", ("H2",), "alone"),
    Hypothesis("H3", ("H3",), "alone"),
    Hypothesis("H4", ("H4",), "alone"),
    Hypothesis("H5", ("H5",), "alone"),
    Hypothesis("H6", ("H6",), "alone"),
    Hypothesis("H1+H4", ("H1", "H4"), "the direct path's requests never reach the frontend's histogram, so once the "
                                      "detector switches it reads nothing new and stays switched (the paper saw "
                                      "only the switch into Transition)"),
    Hypothesis("H2+H3", ("H2", "H3"), "herding puts every hand-over on one worker's steps: the channel from the decode "
                                      "leg to TTFT that H2 describes"),
    Hypothesis("H3+H4", ("H3", "H4"), "both are certain for v0.9.0 and the paper's controller"),
    Hypothesis("H2+H3+H4", ("H2", "H3", "H4"), "every mechanism the evidence says was present in the paper's stack"),
    Hypothesis("H1+H3+H4", ("H1", "H3", "H4"), "the override path on v0.9.0's routing, read through Prometheus"),
    Hypothesis("H4+H5", ("H4", "H5"), "a client cap that the frontend's histogram cannot see"),
)}


# the row whose options are the profiles' defaults: the bench's choice (benchmarks/hypotheses.json's "default";
# tests/hypotheses checks the two agree)
DEFAULT = "H4"


def get(name: str) -> Hypothesis:
    if name not in HYPOTHESES:
        raise ValueError(f"hypothesis: unknown {name!r}; allowed: {list(HYPOTHESES)}")
    return HYPOTHESES[name]


def profile_for(name: str, base):
    """``base`` (a Profile) running the model of row ``name``: the options in which that row differs from the
    default model, applied on top (so the default row changes nothing, and a profile that is not one of the
    paper's keeps what it does not share with them); the workload, its output length included, stays."""
    want, default = get(name).options, get(DEFAULT).options
    return base.replace(**{k: v for k, v in want.items() if v != default[k]})


def choices() -> list[dict]:
    """Every row as the widget's selector shows it: name, a short label, what it assumes, its sources and how
    strong the evidence is (a row is as strong as its weakest mechanism; today's model has none to doubt)."""
    out = []
    for h in HYPOTHESES.values():
        ms = [MECHANISMS[k] for k in h.mechanisms]
        if not ms:
            label, assumes = "today's model", ("the model before the bench: the detector reads the exact P99 of "
                                               "every client's TTFT; no mechanism below")
            source, strength = "docs/model.md", "-"
        else:
            label = " + ".join(m.name for m in ms)
            assumes = " ".join(m.assumes for m in ms)
            source = "; ".join(f"{m.key}: {m.source}" for m in ms)
            strength = STRENGTHS[max(STRENGTHS.index(m.strength) for m in ms)]
        out.append(dict(name=h.name, label=label + (" (default)" if h.name == DEFAULT else ""),
                        mechanisms=list(h.mechanisms), assumes=assumes, source=source, strength=strength))
    return out
