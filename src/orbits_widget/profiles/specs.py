"""The facts a profile is built from: GPU and model spec sheets, the one shared set of efficiency and
overhead constants, the option sets kept for comparison, and the choices of the router, controller and
Saturation Detector with what each means (``Profile.table()`` cites them).
"""
from __future__ import annotations

from typing import TypedDict

__all__ = ["GPUS", "MODELS", "SHARED", "SharedConstants", "DECODE_SLOT_KNEE", "BEFORE_HYPOTHESES",
           "DECODE_ROUTINGS", "ADAPTIVE_PATHS", "DETECTOR_SIGNALS"]

# ---------------------------------------------------------------------------------------
# Hardware and model facts (public spec sheets / model cards)
# ---------------------------------------------------------------------------------------
GPUS = {
    # NVIDIA B200 (HGX B200 8-GPU node): HBM3e 192 GB per the paper's deployment,
    # 8 TB/s HBM bandwidth, 4.5 PFLOPS dense FP8, 8 x 400 Gb/s ConnectX-7 NICs per node.
    "B200": dict(hbm_gb=192.0, hbm_tb_s=8.0, fp8_tflops=4500.0, ib_gb_s_per_gpu=50.0),
}

MODELS = {
    # Nemotron-4-340B-Instruct model card: 96 layers, hidden 18432, 96 heads, 8 KV heads (GQA),
    # head dim 192, ~341e9 parameters.
    "Nemotron-4-340B-Instruct": dict(n_params=341e9, n_layers=96, hidden=18432, n_heads=96,
                                     n_kv_heads=8, head_dim=192),
    # Llama-3.1-70B-Instruct config: 80 layers, hidden 8192, 64 heads, 8 KV heads, head dim 128.
    "Llama-3.1-70B-Instruct": dict(n_params=70.6e9, n_layers=80, hidden=8192, n_heads=64,
                                   n_kv_heads=8, head_dim=128),
}

# ---------------------------------------------------------------------------------------
# The one shared set of efficiency / overhead constants (calibrated on the 340B profile).
# ---------------------------------------------------------------------------------------
class SharedConstants(TypedDict):
    """``SHARED``'s keys and types (the serving defaults are integers, the rest floats)."""

    hbm_efficiency: float
    compute_efficiency: float
    net_efficiency: float
    allreduce_us: float
    step_overhead_ms: float
    prefill_request_overhead_ms: float
    nixl_latency_ms: float
    frontend_overhead_ms: float
    gpu_memory_utilization: float
    activation_reserve_gb: float
    weight_bytes_per_param: float
    kv_bytes_per_value: float
    max_num_seqs: int
    prefill_max_num_seqs: int
    max_num_batched_tokens: int
    block_size: int


SHARED = SharedConstants(
    hbm_efficiency=0.80,          # achieved / peak HBM bandwidth when streaming weights and KV
    compute_efficiency=0.50,      # achieved / peak dense FP8 throughput (MFU) for GEMMs
    net_efficiency=0.80,          # achieved / line-rate InfiniBand bandwidth for NIXL transfers
    allreduce_us=10.0,            # latency of one tensor-parallel all-reduce (2 per layer per pass)
    step_overhead_ms=1.5,         # per engine iteration: scheduling, sampling, graph launch
    prefill_request_overhead_ms=1.0,  # per prefilled request: KV-transfer registration, detokenise, hand-off
    nixl_latency_ms=0.5,          # fixed cost of one NIXL transfer (RDMA setup + completion)
    frontend_overhead_ms=2.0,     # tokenisation + routing + two network hops, once per request
    gpu_memory_utilization=0.90,  # vLLM default fraction of HBM the engine may use
    activation_reserve_gb=8.0,    # per GPU: activations, CUDA graphs, NCCL buffers
    weight_bytes_per_param=1.0,   # FP8 weights (paper: FP8)
    kv_bytes_per_value=2.0,       # BF16 KV cache (vLLM default "auto" for FP8-weight models)
    max_num_seqs=1024,            # decode slots per worker: vLLM's default for the API server on GPUs of
                                  # >= 70 GiB (engine arg_utils); they never bind below C = 256 here
    prefill_max_num_seqs=1,       # requests per prefill pass: "prefill engines in Dynamo operate at a batch
                                  # size of 1" (Dynamo docs/performance/tuning.md at v0.9.0; dedicated
                                  # iterations, one by one: docs/design_docs/disagg_serving.md)
    max_num_batched_tokens=8192,  # vLLM chunked-prefill token budget per pass
    block_size=16,                # vLLM default KV block size (tokens)
)


# The model before issue 11, kept for comparison: batched prefill passes, a free hand-off, 64 decode slots
# (calibrated on 340B so that C* = N_d x 64 = 128) and 256 output tokens (our choice then). Its knee is
# on the decode side and moves with the decode pool, which is not the paper's mechanism.
DECODE_SLOT_KNEE = dict(prefill_max_num_seqs=-1, handoff_hold=False, max_num_seqs=64, output_tokens=256)

# The model before the hypothesis bench (issue 20; docs/hypotheses.md), kept for comparison on the paper's three
# deployments: its Saturation Detector reads the exact P99 of every client's TTFT. The bench's rows are these
# options plus their mechanisms; the default differs only where the bench chose (the detector reads Prometheus).
BEFORE_HYPOTHESES = dict(adaptive_path="frontend", handover_post_ms=0.0, decode_routing="paper",
                         detector_signal="exact", client_connections=0, prefill_max_num_seqs=1, output_tokens=192)


DECODE_ROUTINGS = ("paper", "dynamo", "v090")
ADAPTIVE_PATHS = ("frontend", "direct")
DETECTOR_SIGNALS = ("exact", "prometheus")
# (what each choice means, its source), for Profile.table()
DECODE_ROUTING_TEXT = {
    "paper": ("omega x blocks the worker lacks + distinct booked blocks + 1/64 per request",
              "the paper's cost on the decode leg (Dynamo's KV router, docs)"),
    "dynamo": ("prompt blocks per request, overlap ignored",
               "Dynamo's disaggregated decode leg after PR #6253 (prefill_router)"),
    "v090": ("distinct booked blocks + new blocks, no overlap term, ties to a fixed order",
             "Dynamo v0.9.0 prefill_router.rs, sequence.rs, scheduler.rs; PR #6253"),
}
ADAPTIVE_PATH_TEXT = {
    "frontend": ("through the frontend's PrefillRouter", "setting (an override the HTTP frontend could carry)"),
    "direct": ("overridden ones straight to a decode worker, which prefills them",
               "v0.9.0 nvext has no router_config_override (ai-dynamo/dynamo#2697); KvPushRouter; vllm handlers.py"),
}
DETECTOR_SIGNAL_TEXT = {
    "exact": ("the P99 of every client-side TTFT", "setting (an ideal signal)"),
    "prometheus": ("histogram_quantile(0.99) of the frontend's TTFT histogram",
                   "paper section 6 (Prometheus, every 5 s); Dynamo v0.9.0 http/service/metrics.rs buckets; "
                   "Prometheus promql/quantile.go; chosen by the hypothesis bench"),
}
