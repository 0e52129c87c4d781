"""Deployment profiles built from first principles.

A profile = a model architecture + a GPU + a topology + serving settings + a workload,
and one *shared* set of efficiency and overhead constants (``SHARED``) that every
profile uses. The shared set was calibrated on ``nemotron-340b-1p2d`` only; the
Llama-3.1-70B profiles inherit it unchanged (they are predictions, not fits).

Every per-pass time the engine uses comes from ``perf_model`` (the one timing model), so the
documentation's tables, the kernel and the Planner can never disagree.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from . import perf_model

__all__ = ["Profile", "names", "get", "SHARED", "GPUS", "MODELS", "DECODE_SLOT_KNEE", "BEFORE_HYPOTHESES"]

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
SHARED = dict(
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


def _integer(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _real(v) -> bool:
    """A number, not a bool (True would otherwise pass as 1)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Profile:
    """A complete, immutable description of one simulated deployment.

    Any field can be overridden with ``profile.replace(field=value)`` or as a keyword
    argument to :class:`orbits_widget.Simulation`.
    """

    name: str
    model: str
    gpu: str
    tp: int                              # GPUs per worker (tensor parallel degree)
    n_prefill: int = 1
    n_decode: int = 2
    max_workers: int = 8                 # per pool; the +/- buttons and the Planner stay within it
    # workload -------------------------------------------------------------------------
    prompt_tokens: int = 128             # paper: 128 input tokens
    templates: int = 5                   # paper: 5 prompt templates
    shared_prefix_tokens: int = -1       # tokens taken from the template (-1 = the whole prompt)
    output_tokens: int = 192             # not in the paper: calibrated on llama-70b-1p2d (docs/hypotheses.md)
    think_time_s: float = 0.0            # closed-loop client pause between requests
    # router -----------------------------------------------------------------------------
    # "paper": KV-aware cost on the decode leg; "dynamo": overlap ignored, blocks per request (today's Dynamo);
    # "v090": Dynamo v0.9.0's decode leg (distinct booked blocks, no overlap term, ties to a fixed order)
    decode_routing: str = "paper"
    active_request_weight: float = 1.0 / 64.0  # block-equivalents per active request on a decode worker
    # serving (defaults from SHARED, overridable per run) ---------------------------------
    block_size: int = SHARED["block_size"]
    max_num_seqs: int = SHARED["max_num_seqs"]
    prefill_max_num_seqs: int = SHARED["prefill_max_num_seqs"]   # requests per prefill pass (-1: max_num_seqs)
    # the prefill worker completes a request when the decode worker has pulled its KV, which the decode worker
    # does at its next forward step (Dynamo's disaggregation design; vLLM's NIXL connector)
    handoff_hold: bool = True
    max_num_batched_tokens: int = SHARED["max_num_batched_tokens"]
    prefix_caching: bool = True
    kv_capacity_tokens: int = -1         # -1 = derived from HBM (see kv_capacity())
    decode_prompt_budget: bool = False   # mocker: a prompt arriving at a decode worker uses its token budget
    # decode KV: "reserve" prompt + output at admission (never preempted), or "grow" block by block as
    # tokens are generated, preempting the latest admitted request when KV runs out (vLLM's allocator)
    decode_kv: str = "reserve"
    timing_model: str = "roofline"       # "roofline" (first principles) or "mocker" (Dynamo's polynomials)
    kv_transfer: bool = True             # False: KV hand-off takes no time (the mocker's default)
    # host time (ms) a decode worker spends posting one request's NIXL reads before its step's forward pass,
    # with handoff_hold; 0 = free. vLLM PR #53333: ~5 ms for 9 requests at TP8 (0.55 ms each), spikes to 48 ms
    handover_post_ms: float = 0.0
    # the benchmark harness and the controller (not the hardware) ------------------------
    # how the adaptive controller sends a request it must override: "frontend" (as if Dynamo's HTTP frontend
    # carried router_config_override) or "direct" (its own Python KvPushRouter straight to a decode worker, which
    # prefills it; v0.9.0's nvext has no override field, ai-dynamo/dynamo#2697)
    adaptive_path: str = "frontend"
    # what the Saturation Detector reads: "prometheus" (histogram_quantile over the frontend's TTFT buckets, as the
    # paper's controller polled it; control/detector.py) or "exact" (every request's client-side TTFT; the model
    # before the hypothesis bench)
    detector_signal: str = "prometheus"
    # the load generator's HTTP connection pool (0 = no limit): aiohttp's and httpx's default is 100, aiperf's 2,500
    client_connections: int = 0
    # KVBM tiers below HBM on each prefill worker (see kvbm.py); sizes per worker, G4 shared.
    # Defaults: a DGX B200 node (2 TB DRAM, half of it for KV; 8 x 3.84 TB NVMe; one 400 Gb/s
    # storage NIC) and a network store; "auto" allocates the tiers only when the workload's
    # distinct blocks can overflow G1, "on" always, "off" never
    kvbm: str = "auto"
    kvbm_dram_gb: float = 1024.0
    kvbm_ssd_gb: float = 30720.0
    kvbm_net_gb: float = 1_000_000.0
    kvbm_dram_gb_s: float = 400.0        # 8 GPUs x PCIe Gen5 x16 (~50 GB/s each achieved)
    kvbm_ssd_gb_s: float = 48.0          # 8 NVMe drives x ~6 GB/s
    kvbm_net_gb_s: float = 40.0          # 400 Gb/s at 80 %
    kvbm_dram_latency_ms: float = 0.01
    kvbm_ssd_latency_ms: float = 0.1
    kvbm_net_latency_ms: float = 1.0
    kvbm_decay_s: float = 60.0           # a block's frequency loses 1 per this many seconds without a hit
    # efficiency constants (the shared set; overriding them is for what-if studies) ----
    hbm_efficiency: float = SHARED["hbm_efficiency"]
    compute_efficiency: float = SHARED["compute_efficiency"]
    net_efficiency: float = SHARED["net_efficiency"]
    allreduce_us: float = SHARED["allreduce_us"]
    step_overhead_ms: float = SHARED["step_overhead_ms"]
    prefill_request_overhead_ms: float = SHARED["prefill_request_overhead_ms"]
    nixl_latency_ms: float = SHARED["nixl_latency_ms"]
    frontend_overhead_ms: float = SHARED["frontend_overhead_ms"]
    gpu_memory_utilization: float = SHARED["gpu_memory_utilization"]
    activation_reserve_gb: float = SHARED["activation_reserve_gb"]
    weight_bytes_per_param: float = SHARED["weight_bytes_per_param"]
    kv_bytes_per_value: float = SHARED["kv_bytes_per_value"]
    description: str = field(default="", compare=False)

    # -- validation ----------------------------------------------------------------------
    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"model: unknown {self.model!r}; allowed: {sorted(MODELS)}")
        if self.gpu not in GPUS:
            raise ValueError(f"gpu: unknown {self.gpu!r}; allowed: {sorted(GPUS)}")
        ints = dict(tp=(1, 64), max_workers=(1, 64), n_prefill=(0, self.max_workers),
                    n_decode=(0, self.max_workers), prompt_tokens=(1, 1_000_000),
                    templates=(1, 100_000), output_tokens=(1, 1_000_000), block_size=(1, 4096),
                    max_num_seqs=(1, 100_000), max_num_batched_tokens=(1, 10_000_000))
        for k, (lo, hi) in ints.items():
            v = getattr(self, k)
            if not _integer(v) or not lo <= v <= hi:
                raise ValueError(f"{k}: must be an integer in [{lo}, {hi}], got {v!r}")
        if not (self.prefill_max_num_seqs == -1 or (_integer(self.prefill_max_num_seqs)
                                                    and 1 <= self.prefill_max_num_seqs <= 100_000)):
            raise ValueError(f"prefill_max_num_seqs: must be -1 (= max_num_seqs) or an integer in [1, 100000], "
                             f"got {self.prefill_max_num_seqs!r}")
        if not (self.shared_prefix_tokens == -1 or 0 <= self.shared_prefix_tokens <= self.prompt_tokens):
            raise ValueError(f"shared_prefix_tokens: must be -1 or in [0, prompt_tokens="
                             f"{self.prompt_tokens}], got {self.shared_prefix_tokens!r}")
        if self.prompt_tokens // self.block_size > 65_535:
            raise ValueError(f"prompt_tokens: at most 65535 blocks of block_size={self.block_size} tokens, "
                             f"got {self.prompt_tokens}")
        if self.timing_model not in ("roofline", "mocker"):
            raise ValueError(f"timing_model: must be 'roofline' or 'mocker', got {self.timing_model!r}")
        for k in ("decode_prompt_budget", "kv_transfer", "handoff_hold"):
            if not isinstance(getattr(self, k), bool):
                raise ValueError(f"{k}: must be True or False, got {getattr(self, k)!r}")
        if self.kvbm not in ("auto", "on", "off"):
            raise ValueError(f"kvbm: must be 'auto', 'on' or 'off', got {self.kvbm!r}")
        for k in ("kvbm_dram_gb", "kvbm_ssd_gb", "kvbm_net_gb", "kvbm_dram_latency_ms", "kvbm_ssd_latency_ms",
                  "kvbm_net_latency_ms"):
            v = getattr(self, k)
            if not (_real(v) and math.isfinite(v) and v >= 0.0):
                raise ValueError(f"{k}: must be a finite number >= 0, got {v!r}")
        for k in ("kvbm_dram_gb_s", "kvbm_ssd_gb_s", "kvbm_net_gb_s", "kvbm_decay_s"):
            v = getattr(self, k)
            if not (_real(v) and math.isfinite(v) and v > 0.0):
                raise ValueError(f"{k}: must be a finite number > 0, got {v!r}")
        if self.decode_kv not in ("reserve", "grow"):
            raise ValueError(f"decode_kv: must be 'reserve' or 'grow', got {self.decode_kv!r}")
        if self.decode_routing not in DECODE_ROUTINGS:
            raise ValueError(f"decode_routing: must be one of {list(DECODE_ROUTINGS)}, got {self.decode_routing!r}")
        if self.adaptive_path not in ADAPTIVE_PATHS:
            raise ValueError(f"adaptive_path: must be one of {list(ADAPTIVE_PATHS)}, got {self.adaptive_path!r}")
        if self.detector_signal not in DETECTOR_SIGNALS:
            raise ValueError(f"detector_signal: must be one of {list(DETECTOR_SIGNALS)}, got {self.detector_signal!r}")
        if not (_integer(self.client_connections) and 0 <= self.client_connections <= 1_000_000):
            raise ValueError(f"client_connections: must be an integer in [0, 1000000] (0 = no limit), "
                             f"got {self.client_connections!r}")
        if not (_real(self.handover_post_ms) and math.isfinite(self.handover_post_ms)
                and 0.0 <= self.handover_post_ms <= 10_000.0):
            raise ValueError(f"handover_post_ms: must be a number in [0, 10000], got {self.handover_post_ms!r}")
        pos = ("hbm_efficiency", "compute_efficiency", "net_efficiency", "gpu_memory_utilization")
        for k in pos:
            v = getattr(self, k)
            if not (_real(v) and 0.0 < v <= 1.0):
                raise ValueError(f"{k}: must be in (0, 1], got {v!r}")
        nonneg = ("allreduce_us", "step_overhead_ms", "prefill_request_overhead_ms", "nixl_latency_ms",
                  "frontend_overhead_ms", "activation_reserve_gb", "think_time_s", "active_request_weight")
        for k in nonneg:
            v = getattr(self, k)
            if not (_real(v) and math.isfinite(v) and v >= 0.0):
                raise ValueError(f"{k}: must be a finite number >= 0, got {v!r}")
        for k in ("weight_bytes_per_param", "kv_bytes_per_value"):
            v = getattr(self, k)
            if not (_real(v) and 0.0 < v <= 8.0):
                raise ValueError(f"{k}: must be in (0, 8], got {v!r}")
        if not isinstance(self.prefix_caching, bool):
            raise ValueError(f"prefix_caching: must be True or False, got {self.prefix_caching!r}")
        if not (self.kv_capacity_tokens == -1 or (_integer(self.kv_capacity_tokens)
                                                  and self.kv_capacity_tokens >= 1)):
            raise ValueError(f"kv_capacity_tokens: must be -1 (derived) or an integer >= 1, "
                             f"got {self.kv_capacity_tokens!r}")
        # one request's prompt + output must fit in whole blocks: reserved at admission, or grown to before
        # it completes (kernel/decode.py, decode_kv.py)
        need = self.request_kv_blocks(self.prompt_tokens, self.output_tokens)
        if self.kv_blocks() < need:
            raise ValueError(f"kv_capacity_tokens: {self.kv_capacity()} tokens = {self.kv_blocks()} blocks of "
                             f"{self.block_size} cannot hold one request of {self.prompt_tokens} + "
                             f"{self.output_tokens} tokens ({need} blocks); need at least "
                             f"{need * self.block_size} tokens")

    def replace(self, **overrides) -> Profile:
        """A copy with some fields changed; unknown fields raise ``ValueError``."""
        known = {f.name for f in dataclasses.fields(self)}
        bad = sorted(set(overrides) - known)
        if bad:
            raise ValueError(f"unknown profile field(s) {bad}; allowed: {sorted(known - {'name'})}")
        return dataclasses.replace(self, **overrides)

    # -- first-principles derivations ---------------------------------------------------
    @property
    def arch(self) -> dict:
        return MODELS[self.model]

    @property
    def hw(self) -> dict:
        return GPUS[self.gpu]

    @property
    def kv_bytes_per_token(self) -> float:
        a = self.arch
        return 2.0 * a["n_layers"] * a["n_kv_heads"] * a["head_dim"] * self.kv_bytes_per_value

    @property
    def weight_bytes(self) -> float:
        return self.arch["n_params"] * self.weight_bytes_per_param

    @property
    def shared_tokens(self) -> int:
        return self.prompt_tokens if self.shared_prefix_tokens < 0 else self.shared_prefix_tokens

    def kv_capacity(self) -> int:
        """KV tokens one worker can hold: usable HBM minus weights and activations."""
        if self.kv_capacity_tokens > 0:
            return self.kv_capacity_tokens
        usable = self.tp * (self.hw["hbm_gb"] * self.gpu_memory_utilization - self.activation_reserve_gb) * 1e9
        free = usable - self.weight_bytes
        return max(0, int(free // self.kv_bytes_per_token))

    @property
    def knee_concurrency(self) -> int:
        """C*, the closed-loop load at which the first pool runs out (an estimate from the timing
        model at light load; the simulation shows the real knee).

        Prefill side: n_prefill x (a request's round trip) / (what one request holds a prefill worker:
        its pass over the uncached tokens, plus — with ``handoff_hold`` — the wait for the decode
        worker's next pass boundary, half a pass on average, and the transfer), times the requests a
        pass may take. Decode side: n_decode x max_num_seqs slots. For the paper's three deployments
        the prefill side binds: 117 clients for 340B 1P/2D, 110 for both 70B deployments (the
        simulated knees land on the grid point C = 128; ``DECODE_SLOT_KNEE`` gives 2 x 64 = 128)."""
        _, round_trip = self._prefill_hold()
        prefill_side = self.n_prefill * self.prefill_request_rate() * round_trip
        return int(min(prefill_side, self.n_decode * self.max_num_seqs))

    def _uncached_tokens(self) -> int:
        """Tokens a prefill pass computes for one of the workload's prompts once its template is cached:
        at most ``isl - 1`` tokens come from the cache, in whole blocks (vLLM's rule)."""
        if not self.prefix_caching:
            return self.prompt_tokens
        return self.prompt_tokens - min(self.shared_tokens,
                                        ((self.prompt_tokens - 1) // self.block_size) * self.block_size)

    def _prefill_hold(self) -> tuple[float, float]:
        """(seconds one request holds a prefill worker beyond its pass, seconds of a request's round
        trip) at light load, from the timing model."""
        new = self._uncached_tokens()
        t = self.timing()
        decode_pass = self.decode_time(1, self.prompt_tokens)
        transfer = self.transfer_time(new)
        # with the hold, a pass is followed by the wait for a decode pass boundary (half a pass) and the pull
        handoff = 0.5 * decode_pass + transfer if self.handoff_hold else 0.0
        round_trip = (t["frontend"] + self.prefill_time(new, 1, self.prompt_tokens) + handoff + transfer
                      + (self.output_tokens + 0.5) * decode_pass)
        return handoff, round_trip

    def prefill_request_rate(self, pass_clock: bool = False) -> float:
        """Requests per second one prefill worker sustains on the workload's cache-hit prompts: full
        passes of ``prefill_batch`` requests (within the token budget), each followed by its hand-off.

        The hand-off waits for a decode pass boundary: half a decode pass on average, or with
        ``pass_clock`` the wait when every hand-off follows one decode worker's pass clock, so that a
        pass plus its pull takes a whole number of decode passes (the herded case; the Planner plans
        for it)."""
        new = self._uncached_tokens()
        batch = max(1, min(self.prefill_batch, self.max_num_batched_tokens // max(1, new)))
        work = self.prefill_time(batch * new, batch, self.prompt_tokens)
        handoff, _ = self._prefill_hold()
        if pass_clock and self.handoff_hold:
            d = self.decode_time(1, self.prompt_tokens)
            transfer = self.transfer_time(new)
            return batch / (math.ceil((work + transfer) / d) * d + transfer)
        return batch / (work + handoff)

    @property
    def prefill_batch(self) -> int:
        """Requests one prefill pass may take (``prefill_max_num_seqs``, -1 meaning ``max_num_seqs``)."""
        return self.prefill_max_num_seqs if self.prefill_max_num_seqs > 0 else self.max_num_seqs

    def kv_blocks(self) -> int:
        """KV blocks one decode worker can reserve (whole blocks of ``block_size`` tokens)."""
        return self.kv_capacity() // self.block_size

    def request_kv_blocks(self, prompt_tokens, output_tokens):
        """Blocks a decode worker reserves to admit a request (prompt + every output token)."""
        return (prompt_tokens + output_tokens + self.block_size - 1) // self.block_size

    def kvbm_tiers(self) -> list[dict]:
        """G1-G4 of one prefill worker: capacity in blocks, bandwidth (bytes/s) and latency (s)
        of moving a block to G1 (G1's own figures are its HBM capacity; it needs no move)."""
        block = self.kv_bytes_per_token * self.block_size
        return [
            dict(tier="G1 HBM", blocks=self.kv_capacity() // self.block_size, bw=math.inf, latency=0.0),
            dict(tier="G2 DRAM", blocks=int(self.kvbm_dram_gb * 1e9 // block), bw=self.kvbm_dram_gb_s * 1e9,
                 latency=self.kvbm_dram_latency_ms * 1e-3),
            dict(tier="G3 SSD", blocks=int(self.kvbm_ssd_gb * 1e9 // block), bw=self.kvbm_ssd_gb_s * 1e9,
                 latency=self.kvbm_ssd_latency_ms * 1e-3),
            dict(tier="G4 NET", blocks=int(self.kvbm_net_gb * 1e9 // block), bw=self.kvbm_net_gb_s * 1e9,
                 latency=self.kvbm_net_latency_ms * 1e-3),
        ]

    def timing(self) -> dict:
        """Coefficients of the per-pass time model in seconds (see ``perf_model.timing``)."""
        return perf_model.timing(self)

    def table(self) -> list[tuple[str, object, str]]:
        """(quantity, value, source) rows for documentation."""
        a, hw, t = self.arch, self.hw, self.timing()
        return [
            ("model", self.model, "model card"),
            ("layers / KV heads / head dim", f"{a['n_layers']} / {a['n_kv_heads']} / {a['head_dim']}", "model card"),
            ("parameters", f"{a['n_params']/1e9:.1f} B", "model card"),
            ("KV bytes per token", f"{self.kv_bytes_per_token/1e6:.3f} MB", "2 x layers x KV heads x head dim x 2 B"),
            ("GPU", f"{self.gpu}: {hw['hbm_gb']:.0f} GB, {hw['hbm_tb_s']} TB/s, {hw['fp8_tflops']:.0f} TFLOPS FP8",
             "spec sheet"),
            ("TP per worker / topology", f"{self.tp} / {self.n_prefill}P{self.n_decode}D", "paper"),
            ("KV capacity per worker", f"{self.kv_capacity():,} tokens", "derived"),
            ("decode step, batch 1", f"{(t['decode_fixed'] + t['decode_weights'])*1e3:.2f} ms", "derived"),
            ("prefill pass, 128 new tokens", f"{self.prefill_time(128, 1, 128)*1e3:.2f} ms", "derived"),
            ("KV transfer, 128 tokens", f"{self.transfer_time(128) * 1e3:.2f} ms", "derived"),
            ("requests per prefill pass", f"{self.prefill_batch}",
             "Dynamo v0.9 docs: prefill engines run at batch size 1" if self.prefill_max_num_seqs == 1 else "setting"),
            ("prefill worker held until the KV is pulled", "yes" if self.handoff_hold else "no",
             "Dynamo disaggregation design; vLLM NIXL connector (pull at a decode step)"),
            ("decode KV", "grows with the tokens, LIFO preemption" if self.decode_kv == "grow"
             else "prompt + output reserved at admission",
             "Dynamo's mocker (vLLM's allocator)" if self.decode_kv == "grow"
             else "setting: never binds on the paper's workload"),
            ("decode slots per worker (max_num_seqs)", f"{self.max_num_seqs}",
             "vLLM default, GPUs >= 70 GiB" if self.max_num_seqs == 1024 else "setting"),
            ("output tokens", f"{self.output_tokens}",
             "calibrated on llama-70b-1p2d: the middle of the lengths that keep its knee at C = 128 "
             "(hypothesis bench)" if self.output_tokens == 192 else "setting"),
            ("prefill worker, requests/s (cache-hit prompts)", f"{self.prefill_request_rate():.1f}", "derived"),
            ("C* estimate (clients)", f"{self.knee_concurrency}", "derived"),
            ("decode leg of the router", DECODE_ROUTING_TEXT[self.decode_routing][0],
             DECODE_ROUTING_TEXT[self.decode_routing][1]),
            ("NIXL read posting on the decode worker", f"{self.handover_post_ms:g} ms per request"
             if self.handover_post_ms > 0 else "free",
             "vLLM PR #53333 (~5 ms for 9 requests at TP8)" if self.handover_post_ms > 0 else "setting"),
            ("adaptive controller's requests", ADAPTIVE_PATH_TEXT[self.adaptive_path][0],
             ADAPTIVE_PATH_TEXT[self.adaptive_path][1]),
            ("Saturation Detector reads", DETECTOR_SIGNAL_TEXT[self.detector_signal][0],
             DETECTOR_SIGNAL_TEXT[self.detector_signal][1]),
            ("client connections", f"{self.client_connections}" if self.client_connections else "no limit",
             "aiohttp / httpx default pool" if self.client_connections == 100 else
             ("aiperf default (AIPERF_HTTP_CONNECTION_LIMIT)" if self.client_connections == 2500 else "setting")),
        ]

    def prefill_time(self, tokens: int, n_requests: int, context: int) -> float:
        """Seconds for one prefill pass computing ``tokens`` new tokens for ``n_requests``
        requests whose prompts are ``context`` tokens long (the kernel's own function)."""
        attn = tokens * (context - tokens / 2.0) if tokens <= context else tokens * tokens / 2.0
        return float(perf_model.prefill_pass_time(perf_model.coefficients(self), tokens, attn, n_requests))

    def transfer_time(self, tokens: int) -> float:
        """Seconds for a NIXL transfer of ``tokens`` KV tokens (the kernel's own function)."""
        return float(perf_model.transfer_end(perf_model.coefficients(self), 0.0, tokens))

    def decode_time(self, batch: int, kv_tokens: int) -> float:
        """Seconds for one decode iteration (the kernel's own function)."""
        return float(perf_model.decode_pass_time(perf_model.coefficients(self), batch, kv_tokens))


_PROFILES = {
    "nemotron-340b-1p2d": Profile(
        name="nemotron-340b-1p2d", model="Nemotron-4-340B-Instruct", gpu="B200", tp=8,
        n_prefill=1, n_decode=2,
        description="The paper's deployment: Nemotron-4-340B, FP8, TP8 per worker, 1 prefill + 2 decode "
                    "workers on 3 B200 nodes, KV over InfiniBand."),
    "llama-70b-1p2d": Profile(
        name="llama-70b-1p2d", model="Llama-3.1-70B-Instruct", gpu="B200", tp=4,
        n_prefill=1, n_decode=2,
        description="Llama-3.1-70B, FP8, TP4 per worker, 1 prefill + 2 decode workers (uncalibrated prediction)."),
    "llama-70b-1p5d": Profile(
        name="llama-70b-1p5d", model="Llama-3.1-70B-Instruct", gpu="B200", tp=4,
        n_prefill=1, n_decode=5,
        description="Llama-3.1-70B, FP8, TP4 per worker, 1 prefill + 5 decode workers (uncalibrated prediction)."),
}


# Dynamo's own simulated engine ("mocker", vLLM mode) behind its offline replay harness with its
# defaults: block 64, 16384 blocks, max_num_seqs 256, 8192 batched tokens, no KV transfer time, no
# KVBM tiers below G1 (its engine has none: an evicted prefix is gone),
# the decode leg scored on blocks without overlap, no frontend cost. A profile, not a second engine.
_PROFILES["dynamo-mocker-1p2d"] = Profile(
    name="dynamo-mocker-1p2d", model="Nemotron-4-340B-Instruct", gpu="B200", tp=8, n_prefill=1, n_decode=2,
    output_tokens=256, decode_routing="dynamo", active_request_weight=0.0, block_size=64, max_num_seqs=256,
    prefill_max_num_seqs=-1, handoff_hold=False, kvbm="off",
    max_num_batched_tokens=8192, kv_capacity_tokens=16384 * 64, decode_prompt_budget=True, decode_kv="grow",
    timing_model="mocker", kv_transfer=False, frontend_overhead_ms=0.0,
    description="NVIDIA Dynamo's mocker engine (polynomial timing, vLLM scheduler defaults) in 1P/2D, "
                "as its offline replay runs it; for parity checks against ai-dynamo.")


def names() -> list[str]:
    """Names of the built-in profiles, default first."""
    return list(_PROFILES)


def get(name: str | Profile = "nemotron-340b-1p2d", **overrides) -> Profile:
    """The profile called ``name`` (or a Profile itself), with ``overrides`` applied."""
    if isinstance(name, Profile):
        base = name
    else:
        if name not in _PROFILES:
            raise ValueError(f"profile: unknown {name!r}; allowed: {names()}")
        base = _PROFILES[name]
    return base.replace(**overrides) if overrides else base
