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
from typing import Any, TypeVar

import numpy as np

from .._validate import BOOL, CHOICE, INTEGER, NUMBER, Rule, check_record
from . import perf_model
from .specs import (
    ADAPTIVE_PATH_TEXT,
    ADAPTIVE_PATHS,
    BEFORE_HYPOTHESES,
    DECODE_ROUTING_TEXT,
    DECODE_ROUTINGS,
    DECODE_SLOT_KNEE,
    DETECTOR_SIGNAL_TEXT,
    DETECTOR_SIGNALS,
    GPUS,
    MODELS,
    SHARED,
)

# a request's token counts, or a trace's as arrays
IntOrArray = TypeVar("IntOrArray", int, np.ndarray)

__all__ = ["Profile", "names", "get", "SHARED", "GPUS", "MODELS", "DECODE_SLOT_KNEE", "BEFORE_HYPOTHESES"]


def _fields(kind: str, names: str, lo: float | str = 0.0, hi: float | str = math.inf,
            lo_open: bool = False) -> tuple[Rule, ...]:
    """One rule for each of several fields (space-separated ``names``) that may hold the same values."""
    return tuple(Rule(n, kind, lo, hi, lo_open) for n in names.split())


# What every Profile field may hold, in the order checked (a bound naming a field needs it checked first).
# model and gpu are checked against the spec tables at construction instead, as those tables may grow.
PROFILE_RULES: tuple[Rule, ...] = (
    *_fields(INTEGER, "tp max_workers", 1, 64),
    *_fields(INTEGER, "n_prefill n_decode", 0, "max_workers"),
    Rule("prompt_tokens", INTEGER, 1, 1_000_000),
    Rule("templates", INTEGER, 1, 100_000),
    Rule("shared_prefix_tokens", INTEGER, 0, "prompt_tokens", also=(-1,), also_doc="-1 (the whole prompt)"),
    Rule("output_tokens", INTEGER, 1, 1_000_000),
    Rule("think_time_s", NUMBER, 0.0, math.inf),
    Rule("decode_routing", CHOICE, choices=DECODE_ROUTINGS),
    Rule("active_request_weight", NUMBER, 0.0, math.inf),
    Rule("block_size", INTEGER, 1, 4096),
    Rule("max_num_seqs", INTEGER, 1, 100_000),
    Rule("prefill_max_num_seqs", INTEGER, 1, 100_000, also=(-1,), also_doc="-1 (= max_num_seqs)"),
    Rule("max_num_batched_tokens", INTEGER, 1, 10_000_000),
    *_fields(BOOL, "handoff_hold prefix_caching decode_prompt_budget kv_transfer"),
    Rule("kv_capacity_tokens", INTEGER, 1, math.inf, also=(-1,), also_doc="-1 (derived from HBM)"),
    Rule("decode_kv", CHOICE, choices=("reserve", "grow")),
    Rule("timing_model", CHOICE, choices=("roofline", "mocker")),
    Rule("handover_post_ms", NUMBER, 0.0, 10_000.0),
    Rule("adaptive_path", CHOICE, choices=ADAPTIVE_PATHS),
    Rule("detector_signal", CHOICE, choices=DETECTOR_SIGNALS),
    Rule("client_connections", INTEGER, 1, 1_000_000, also=(0,), also_doc="0 (no limit)"),
    Rule("kvbm", CHOICE, choices=("auto", "on", "off")),
    *_fields(NUMBER, "kvbm_dram_gb kvbm_ssd_gb kvbm_net_gb", 0.0, math.inf),
    *_fields(NUMBER, "kvbm_dram_gb_s kvbm_ssd_gb_s kvbm_net_gb_s", 0.0, math.inf, lo_open=True),
    *_fields(NUMBER, "kvbm_dram_latency_ms kvbm_ssd_latency_ms kvbm_net_latency_ms", 0.0, math.inf),
    Rule("kvbm_decay_s", NUMBER, 0.0, math.inf, lo_open=True),
    *_fields(NUMBER, "hbm_efficiency compute_efficiency net_efficiency", 0.0, 1.0, lo_open=True),
    *_fields(NUMBER, "allreduce_us step_overhead_ms prefill_request_overhead_ms nixl_latency_ms "
                     "frontend_overhead_ms", 0.0, math.inf),
    Rule("gpu_memory_utilization", NUMBER, 0.0, 1.0, lo_open=True),
    Rule("activation_reserve_gb", NUMBER, 0.0, math.inf),
    *_fields(NUMBER, "weight_bytes_per_param kv_bytes_per_value", 0.0, 8.0, lo_open=True),
)


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
    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model: unknown {self.model!r}; allowed: {sorted(MODELS)}")
        if self.gpu not in GPUS:
            raise ValueError(f"gpu: unknown {self.gpu!r}; allowed: {sorted(GPUS)}")
        check_record(PROFILE_RULES, self)
        # block keys pack a block's index in the prompt in 16 bits (kernel/params.py MAX_PROMPT_BLOCKS)
        if self.prompt_tokens // self.block_size > 65_535:
            raise ValueError(f"prompt_tokens: at most 65535 blocks of block_size={self.block_size} tokens, "
                             f"got {self.prompt_tokens}")
        # one request's prompt + output must fit in whole blocks: reserved at admission, or grown to before
        # it completes (kernel/decode.py, decode_kv.py)
        need = self.request_kv_blocks(self.prompt_tokens, self.output_tokens)
        if self.kv_blocks() < need:
            raise ValueError(f"kv_capacity_tokens: {self.kv_capacity()} tokens = {self.kv_blocks()} blocks of "
                             f"{self.block_size} cannot hold one request of {self.prompt_tokens} + "
                             f"{self.output_tokens} tokens ({need} blocks); need at least "
                             f"{need * self.block_size} tokens")

    def replace(self, **overrides: Any) -> Profile:
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

    def request_kv_blocks(self, prompt_tokens: IntOrArray, output_tokens: IntOrArray) -> IntOrArray:
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


def get(name: str | Profile = "nemotron-340b-1p2d", **overrides: Any) -> Profile:
    """The profile called ``name`` (or a Profile itself), with ``overrides`` applied."""
    if isinstance(name, Profile):
        base = name
    else:
        if name not in _PROFILES:
            raise ValueError(f"profile: unknown {name!r}; allowed: {names()}")
        base = _PROFILES[name]
    return base.replace(**overrides) if overrides else base
