import math

import pytest

import orbits_widget as ow
from orbits_widget.profiles import SHARED


def test_names_and_default_first():
    assert ow.profiles.names() == ["nemotron-340b-1p2d", "llama-70b-1p2d", "llama-70b-1p5d", "dynamo-mocker-1p2d"]


def test_nemotron_kv_bytes_from_the_model_card():
    p = ow.profiles.get("nemotron-340b-1p2d")
    # 2 (K and V) x 96 layers x 8 KV heads x 192 head dim x 2 bytes (BF16)
    assert p.kv_bytes_per_token == 2 * 96 * 8 * 192 * 2 == 589_824
    assert (p.n_prefill, p.n_decode, p.tp) == (1, 2, 8)


def test_llama_topologies():
    assert ow.profiles.get("llama-70b-1p2d").n_decode == 2
    assert ow.profiles.get("llama-70b-1p5d").n_decode == 5
    assert ow.profiles.get("llama-70b-1p5d").kv_bytes_per_token == 2 * 80 * 8 * 128 * 2


def test_every_physical_profile_uses_the_one_shared_constant_set():
    for name in ("nemotron-340b-1p2d", "llama-70b-1p2d", "llama-70b-1p5d"):
        p = ow.profiles.get(name)
        for k, v in SHARED.items():
            assert getattr(p, k) == v, (name, k)


def test_timing_is_derived_and_sane():
    p = ow.profiles.get()
    t = p.timing()
    # streaming 341 GB of FP8 weights over 8 GPUs at 80 % of 8 TB/s
    assert math.isclose(t["decode_weights"], 341e9 / 8 / (8e12 * 0.8))
    assert 5e-3 < p.decode_time(1, 128) < 20e-3
    assert p.decode_time(64, 64 * 256) >= p.decode_time(1, 128)
    assert p.prefill_time(4096, 32, 4096) > p.prefill_time(128, 1, 128)
    assert p.kv_capacity() > 1_000_000        # tokens: KV never binds for the paper's workload


def test_70b_is_faster_per_step():
    big, small = ow.profiles.get("nemotron-340b-1p2d"), ow.profiles.get("llama-70b-1p2d")
    assert small.decode_time(32, 8192) < big.decode_time(32, 8192)


@pytest.mark.parametrize("kw, field", [
    (dict(n_decode=-1), "n_decode"), (dict(n_prefill=99), "n_prefill"), (dict(block_size=0), "block_size"),
    (dict(hbm_efficiency=1.5), "hbm_efficiency"), (dict(decode_routing="x"), "decode_routing"),
    (dict(step_overhead_ms=float("nan")), "step_overhead_ms"), (dict(prompt_tokens=2.5), "prompt_tokens"),
    (dict(shared_prefix_tokens=1000), "shared_prefix_tokens"), (dict(kv_capacity_tokens=10), "kv_capacity_tokens"),
    (dict(bogus=1), "unknown profile field"), (dict(prompt_tokens=70_000, block_size=1), "prompt_tokens"),
    (dict(templates=10**6), "templates"),
    # a bool is not a number, though Python counts True as 1
    (dict(kvbm_dram_gb=True), "kvbm_dram_gb"), (dict(think_time_s=True), "think_time_s"),
    (dict(hbm_efficiency=True), "hbm_efficiency"), (dict(kv_capacity_tokens=True), "kv_capacity_tokens"),
    (dict(kv_bytes_per_value=True), "kv_bytes_per_value"), (dict(kvbm_decay_s=True), "kvbm_decay_s"),
    (dict(client_connections=-1), r"client_connections: must be 0 \(no limit\) or an integer in \[1, 1000000\]"),
    (dict(prefill_max_num_seqs=0), r"prefill_max_num_seqs: must be -1 \(= max_num_seqs\) or an integer"),
    (dict(shared_prefix_tokens=2.5), r"shared_prefix_tokens: .* an integer in \[0, 128\], got 2.5"),
    (dict(kv_capacity_tokens=-1.0), "kv_capacity_tokens"), (dict(model="gpt"), "model: unknown"),
])
def test_bad_overrides_name_the_field(kw, field):
    with pytest.raises(ValueError, match=field):
        ow.profiles.get("nemotron-340b-1p2d", **kw)


def test_unknown_profile():
    with pytest.raises(ValueError, match="profile: unknown"):
        ow.profiles.get("gpt-5")


def test_mocker_profile_is_dynamos_polynomial_model():
    p = ow.profiles.get("dynamo-mocker-1p2d")
    assert (p.block_size, p.max_num_seqs, p.max_num_batched_tokens, p.kv_capacity()) == (64, 256, 8192, 16384 * 64)
    # prefill 4.209989e-7 T^2 + 0.01518344 T + 16.50142 ms; decode max(1, -25.74 p^2 + 54.01 p + 5.74) ms
    assert p.prefill_time(1000, 3, 1000) * 1e3 == pytest.approx(4.209989e-7 * 1e6 + 15.18344 + 16.50142)
    assert p.decode_time(1, 0) * 1e3 == pytest.approx(5.74)
    assert p.decode_time(7, 16384 * 64 // 2) * 1e3 == pytest.approx(-25.74 / 4 + 54.01 / 2 + 5.74)
    assert p.decode_time(200, 16384 * 64) * 1e3 == pytest.approx(34.01)
    assert p.decode_routing == "dynamo" and p.timing()["transfer_latency"] == 0.0


def test_every_field_is_stated_once_in_the_rule_table():
    import dataclasses

    from orbits_widget.profiles.catalog import PROFILE_RULES
    names = [r.name for r in PROFILE_RULES]
    fields = {f.name for f in dataclasses.fields(ow.profiles.Profile)}
    # name and description are free text; model and gpu are looked up in the spec tables
    assert len(names) == len(set(names)) and set(names) == fields - {"name", "description", "model", "gpu"}


def test_fields_hold_their_declared_types_whatever_number_was_given():
    import numpy as np
    p = ow.profiles.get(tp=np.int64(4), n_decode=3.0, hbm_efficiency=1, kv_capacity_tokens=-1)
    assert (p.tp, p.n_decode, p.hbm_efficiency) == (4, 3, 1.0)
    assert (type(p.tp), type(p.n_decode), type(p.hbm_efficiency)) == (int, int, float)
    assert p == ow.profiles.get(tp=4, n_decode=3, hbm_efficiency=1.0)


def test_the_old_import_paths_still_work():
    from orbits_widget.profiles import GPUS, MODELS, catalog, specs
    assert catalog.SHARED is specs.SHARED is SHARED and catalog.GPUS is GPUS and catalog.MODELS is MODELS
    assert catalog.DECODE_SLOT_KNEE is ow.profiles.DECODE_SLOT_KNEE
