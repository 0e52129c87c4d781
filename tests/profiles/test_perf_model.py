"""The one timing model: the kernel's passes and transfers take exactly the times perf_model
gives, and those times are the formulas written out here by hand from the profile's coefficients."""
import math

import pytest

import orbits_widget as ow
from orbits_widget.profiles import perf_model


def by_hand(p, batch, kv, tokens, context, n_done):
    """The documented formulas, from Profile.timing() (no call into perf_model's jitted code)."""
    t = p.timing()
    attention = tokens * (context - tokens / 2.0)
    prefill = (t["prefill_fixed"] + max(t["prefill_weights"], t["prefill_lin"] * tokens
                                        + t["prefill_quad"] * tokens ** 2 + t["prefill_attn"] * attention)
               + t["prefill_req"] * n_done)
    k = kv / ((p.kv_capacity() // p.block_size) * p.block_size)
    decode = max(t["decode_floor"], t["decode_fixed"] + max(t["decode_weights"], t["decode_lin"] * batch)
                 + t["decode_kv"] * kv + t["decode_p1"] * k + t["decode_p2"] * k * k)
    return prefill, decode


@pytest.mark.parametrize("name", ow.profiles.names())
def test_profile_times_are_the_documented_formulas(name):
    p = ow.profiles.get(name)
    for batch, kv, tokens, context, n in ((1, 128, 128, 128, 1), (64, 64 * 300, 1000, 4000, 3), (7, 5000, 64, 64, 0)):
        prefill, decode = by_hand(p, batch, kv, tokens, context, n)
        assert p.prefill_time(tokens, n, context) == pytest.approx(prefill, rel=1e-12)
        assert p.decode_time(batch, kv) == pytest.approx(decode, rel=1e-12)


def test_coefficients_follow_the_documented_keys():
    p = ow.profiles.get()
    c, t = perf_model.coefficients(p), p.timing()
    assert [c[i] for i in range(len(perf_model.KEYS))] == [t[k] for k in perf_model.KEYS]
    assert c[perf_model.PM_KV_BYTES_PER_TOKEN] == p.kv_bytes_per_token


@pytest.mark.parametrize("name", ["nemotron-340b-1p2d", "llama-70b-1p2d", "dynamo-mocker-1p2d"])
def test_a_lone_request_takes_frontend_prefill_transfer_and_one_decode_pass(name):
    """C = 1 on a cold system: the first request's TTFT is the sum of the four times, each from
    the formulas above, and each later token one decode pass at the batch's KV."""
    sim = ow.Simulation(name, concurrency=1, history=8)
    p = sim.profile
    sim.step(5.0)
    r = sim.requests(last=None)
    t = p.timing()
    isl = p.prompt_tokens
    prefill, first_pass = by_hand(p, 1, isl, isl, isl, 1)
    transfer = t["transfer_latency"] + isl * p.kv_bytes_per_token / t["transfer_bw"]
    ttft = t["frontend"] + prefill + transfer + first_pass
    assert r["first_token"][0] - r["arrival"][0] == pytest.approx(ttft, rel=1e-9)
    assert r["transfer_end"][0] - r["prefill_end"][0] == pytest.approx(transfer, rel=1e-9)
    # the whole request: one pass per output token, the k-th at KV = isl + k
    passes = sum(by_hand(p, 1, isl + k, isl, isl, 1)[1] for k in range(p.output_tokens))
    e2e = t["frontend"] + prefill + transfer + passes
    assert r["completion"][0] - r["arrival"][0] == pytest.approx(e2e, rel=1e-9)
    assert math.isfinite(e2e)
