"""The one timing model: what a prefill pass, a decode pass and a KV transfer cost, in seconds.

``coefficients(profile)`` packs a profile's coefficients into a float array laid out by the
``PM_*`` indices below. The kernel's parameter array starts with the same layout
(``kernel/layout.py``), so the jitted functions here are the only place these times are
computed: the kernel's passes and transfers, the PoA-hat estimator's predictions and the Python
side (``Profile.prefill_time`` / ``decode_time``, the Planner's capacity) all call them.

Two sets of coefficients (``Profile.timing_model``):

* ``"roofline"`` (first principles): a pass streams every weight once from HBM or computes its
  GEMMs, whichever is slower, plus two tensor-parallel all-reduces per layer and a fixed
  per-iteration overhead; decode also reads the KV it holds; prefill adds attention FLOPs and a
  per-request hand-off cost. Sources: the GPU spec sheet and model card in ``catalog.py``.
* ``"mocker"``: NVIDIA Dynamo's mocker polynomials (``lib/mocker`` ``perf_model.rs``).

A transfer is NIXL's fixed latency plus the KV bytes of the tokens the decode worker lacks over
the link (``Profile.kv_transfer=False`` makes it free, as Dynamo's mocker does).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:     # the profile catalog imports this module
    from .catalog import Profile

(PM_FRONTEND, PM_PREFILL_FIXED, PM_PREFILL_WEIGHTS, PM_PREFILL_LIN, PM_PREFILL_QUAD, PM_PREFILL_ATTN,
 PM_PREFILL_REQ, PM_DECODE_FIXED, PM_DECODE_WEIGHTS, PM_DECODE_LIN, PM_DECODE_KV, PM_DECODE_P1, PM_DECODE_P2,
 PM_DECODE_FLOOR, PM_TRANSFER_LATENCY, PM_TRANSFER_BW, PM_KV_BYTES_PER_TOKEN, PM_KV_CAPACITY_TOKENS,
 PM_N) = range(19)
# the timing() keys, in PM_* order
KEYS = ("frontend", "prefill_fixed", "prefill_weights", "prefill_lin", "prefill_quad", "prefill_attn",
        "prefill_req", "decode_fixed", "decode_weights", "decode_lin", "decode_kv", "decode_p1", "decode_p2",
        "decode_floor", "transfer_latency", "transfer_bw")


def timing(p: Profile) -> dict:
    """Coefficients of profile ``p``'s time model, all in seconds (and bytes/s for the link).

    prefill pass over T new tokens (attention work A = sum t*(ctx + t/2)) completing n requests:
        fixed + max(weights, lin*T + quad*T^2 + attn*A) + req*n
    decode pass with batch B holding K KV tokens (k = K / KV capacity):
        max(floor, fixed + max(weights, lin*B) + kv*K + p1*k + p2*k^2)
    transfer of X tokens: transfer_latency + X * KV bytes per token / transfer_bw
    """
    a, hw = p.arch, p.hw
    hbm = hw["hbm_tb_s"] * 1e12 * p.hbm_efficiency            # bytes/s per GPU
    flops = hw["fp8_tflops"] * 1e12 * p.compute_efficiency     # FLOP/s per GPU
    weights_s = p.weight_bytes / p.tp / hbm                    # stream all weights once per pass
    comm_s = a["n_layers"] * 2 * p.allreduce_us * 1e-6         # 2 TP all-reduces per layer
    per_token_flops = 2.0 * a["n_params"] / p.tp               # dense GEMMs per token per GPU
    # attention: QK^T and AV, 2 FLOPs per MAC, per new token per context token, per GPU
    attn_flops = 4.0 * a["n_layers"] * a["n_heads"] * a["head_dim"] / p.tp
    kv_read_s = p.kv_bytes_per_token / p.tp / hbm              # per KV token read per decode pass
    fixed = p.step_overhead_ms * 1e-3 + comm_s
    transfer = dict(transfer_latency=p.nixl_latency_ms * 1e-3 if p.kv_transfer else 0.0,
                    transfer_bw=p.tp * hw["ib_gb_s_per_gpu"] * 1e9 * p.net_efficiency
                    if p.kv_transfer else math.inf,
                    frontend=p.frontend_overhead_ms * 1e-3)
    if p.timing_model == "mocker":
        # Dynamo mocker's polynomial perf model (lib/mocker perf_model.rs), in seconds:
        # prefill 4.209989e-7 T^2 + 0.01518344 T + 16.50142 ms over the T uncached tokens of a pass;
        # decode max(1, -25.74 p^2 + 54.01 p + 5.74) ms, p = KV tokens / capacity, any batch size
        return dict(prefill_fixed=16.50142e-3, prefill_weights=0.0, prefill_lin=0.01518344e-3,
                    prefill_quad=4.209989e-7 * 1e-3, prefill_attn=0.0, prefill_req=0.0,
                    decode_fixed=5.74e-3, decode_weights=0.0, decode_lin=0.0, decode_kv=0.0,
                    decode_p1=54.01e-3, decode_p2=-25.74e-3, decode_floor=1e-3, **transfer)
    return dict(
        prefill_fixed=fixed, prefill_weights=weights_s, prefill_lin=per_token_flops / flops,
        prefill_quad=0.0, prefill_attn=attn_flops / flops,
        prefill_req=p.prefill_request_overhead_ms * 1e-3,
        decode_fixed=fixed, decode_weights=weights_s, decode_lin=per_token_flops / flops,
        decode_kv=kv_read_s, decode_p1=0.0, decode_p2=0.0, decode_floor=0.0, **transfer)


def coefficients(p: Profile) -> np.ndarray:
    """Profile ``p``'s coefficients as the PM_* array the jitted functions take. The KV capacity
    is whole blocks (what a decode worker can really fill)."""
    t = timing(p)
    c = np.zeros(PM_N)
    c[:len(KEYS)] = [t[k] for k in KEYS]
    c[PM_KV_BYTES_PER_TOKEN] = p.kv_bytes_per_token
    c[PM_KV_CAPACITY_TOKENS] = (p.kv_capacity() // p.block_size) * p.block_size
    return c


@njit(cache=True, inline="always")
def prefill_pass_time(c, tokens, attention, n_completing):
    """Seconds of one prefill pass computing ``tokens`` new tokens with attention work
    ``attention`` (sum over chunks of chunk * (context before it + chunk / 2)), after which
    ``n_completing`` requests are fully prefilled."""
    work = c[PM_PREFILL_LIN] * tokens + c[PM_PREFILL_QUAD] * tokens * tokens + c[PM_PREFILL_ATTN] * attention
    return c[PM_PREFILL_FIXED] + max(c[PM_PREFILL_WEIGHTS], work) + c[PM_PREFILL_REQ] * n_completing


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # _nrt: not in numba's stubs (kernel/borrow.py)
def decode_pass_time(c, n, kv):
    """Seconds of one decode pass with n running requests holding kv KV tokens."""
    frac = kv / max(1.0, c[PM_KV_CAPACITY_TOKENS])
    dt = (c[PM_DECODE_FIXED] + max(c[PM_DECODE_WEIGHTS], c[PM_DECODE_LIN] * n) + c[PM_DECODE_KV] * kv
          + c[PM_DECODE_P1] * frac + c[PM_DECODE_P2] * frac * frac)
    return dt if dt > c[PM_DECODE_FLOOR] else c[PM_DECODE_FLOOR]


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # _nrt: not in numba's stubs (kernel/borrow.py)
def mixed_pass_time(c, n, kv, tokens, attention):
    """Seconds of a decode pass with n running requests holding kv KV tokens that also prefills ``tokens``
    prompt tokens (attention work ``attention``) of requests sent straight to the decode worker (vLLM's
    mixed batches). With no prompt tokens it is exactly ``decode_pass_time``."""
    dt = decode_pass_time(c, n, kv)
    if tokens <= 0:
        return dt
    if c[PM_DECODE_WEIGHTS] > 0.0:
        # roofline: the prompt tokens join the pass's GEMMs, which stay hidden behind the weight stream until
        # their FLOPs outlast it
        base = max(c[PM_DECODE_WEIGHTS], c[PM_DECODE_LIN] * n)
        mixed = max(c[PM_DECODE_WEIGHTS], c[PM_DECODE_LIN] * (n + tokens) + c[PM_PREFILL_ATTN] * attention)
        return dt + mixed - base
    # Dynamo's mocker: a pass's prefill time and its decode time add up
    return dt + prefill_pass_time(c, tokens, attention, 0)


@njit(cache=True, inline="always")
def transfer_end(c, t0, tokens):
    """When a NIXL transfer of ``tokens`` KV tokens started at ``t0`` lands (seconds)."""
    return t0 + c[PM_TRANSFER_LATENCY] + tokens * c[PM_KV_BYTES_PER_TOKEN] / c[PM_TRANSFER_BW]
