"""The prefill hand-off (the default since issue 11): one request per prefill pass, a prefill worker held
until the decode worker has pulled the KV at its next pass boundary. Its knee comes from the single
prefill worker, for the paper's three deployments (issue 11's acceptance, the parts this mechanism
meets; docs/model.md says which parts it does not)."""
import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel import layout as L
from orbits_widget.profiles import DECODE_SLOT_KNEE, get

GRID = (8, 16, 32, 64, 96, 128, 192, 256)
PAPER = ("nemotron-340b-1p2d", "llama-70b-1p2d", "llama-70b-1p5d")


def static_p99(profile, **overrides):
    df = ow.sweep(profile=profile, concurrency=GRID, policy=["static"], seeds=[0, 1, 2], seconds=120.0,
                  **overrides)
    return df.groupby("concurrency")[["ttft_p99_ms", "decode_imbalance"]].mean().reindex(GRID)


def knee(p99):
    """The grid point where static TTFT P99 rises most steeply (largest ratio to the point before)."""
    v = p99.to_numpy()
    return GRID[1 + int(np.argmax(v[1:] / v[:-1]))]


@pytest.fixture(scope="module")
def curves():
    out = {}
    for name in PAPER:
        n_p, n_d = get(name).n_prefill, get(name).n_decode
        out[name] = dict(base=static_p99(name), decode=static_p99(name, n_decode=n_d + 1),
                         prefill=static_p99(name, n_prefill=n_p + 1))
    return out


@pytest.mark.parametrize("name", PAPER)
def test_knee_at_128_from_the_prefill_worker(curves, name):
    base = curves[name]["base"]
    assert knee(base.ttft_p99_ms) == 128
    assert (base.ttft_p99_ms.loc[:96] <= 300.0).all()


@pytest.mark.parametrize("name", PAPER)
def test_decode_workers_do_not_move_the_knee_a_prefill_worker_does(curves, name):
    c = curves[name]
    assert abs(GRID.index(knee(c["decode"].ttft_p99_ms)) - GRID.index(128)) <= 1
    assert knee(c["prefill"].ttft_p99_ms) > 128


def test_340b_levels_and_herding(curves):
    base = curves["nemotron-340b-1p2d"]["base"]
    assert 30.0 <= base.ttft_p99_ms[8] <= 300.0
    assert 2_000.0 <= base.ttft_p99_ms[256] <= 30_000.0
    assert base.decode_imbalance[256] >= 1.5


def test_one_request_per_prefill_pass():
    sim = ow.Simulation(profile=get("llama-70b-1p2d"), concurrency=64, seed=0)
    sim.run(20.0, warmup=0.0)
    st = sim.state
    prefilled = int(st.prefill_i[L.PWI_COMPLETED].sum())
    assert prefilled > 500
    # every pass computes one request (a request still in its pass is not yet counted as completed)
    assert prefilled <= st.scalars_i[L.SI_PREFILL_PASSES] <= prefilled + 1


@pytest.mark.parametrize("name", ("nemotron-340b-1p2d", "llama-70b-1p2d"))
def test_saturated_prefill_throughput_is_one_request_per_hold(name):
    """Past the knee the prefill worker completes one request per (its pass + the wait for a decode
    pass boundary + the transfer): between no wait and a whole decode pass of wait."""
    p = get(name)
    t = p.timing()
    new = p.prompt_tokens - ((p.prompt_tokens - 1) // p.block_size) * p.block_size   # the last block
    pass_p = p.prefill_time(new, 1, p.prompt_tokens)
    xfer = t["transfer_latency"] + new * p.kv_bytes_per_token / t["transfer_bw"]
    pass_d = p.decode_time(128, 128 * (p.prompt_tokens + p.output_tokens // 2))
    sim = ow.Simulation(profile=p, concurrency=256, seed=0)
    sim.run(60.0, warmup=30.0)
    x = sim.summary()["throughput_rps"]
    assert 1.0 / (pass_p + pass_d + xfer) <= x <= 1.0 / (pass_p + xfer)


def test_knee_estimate_follows_the_binding_pool():
    """C* is the prefill side's for the paper's deployments and the decode slots' for the model before
    issue 11, where prefill passes batch and nothing is held."""
    p = get("nemotron-340b-1p2d")
    assert 96 < p.knee_concurrency <= 128
    assert p.replace(n_prefill=2).knee_concurrency > 192
    assert p.replace(n_decode=3).knee_concurrency == p.knee_concurrency
    q = get("nemotron-340b-1p2d", **DECODE_SLOT_KNEE)
    assert q.prefill_batch == q.max_num_seqs and not q.handoff_hold
    assert q.knee_concurrency == q.n_decode * q.max_num_seqs == 128
