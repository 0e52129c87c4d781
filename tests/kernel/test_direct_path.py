"""The adaptive controller's own path (``adaptive_path="direct"``, hypothesis H1): while it overrides Dynamo's
default (tau, omega), a request goes through the controller's Python router straight to a decode worker, which
prefills it in its own pass; no prefill worker, no KV transfer, and the frontend never sees it."""
import math

import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel import layout as L
from orbits_widget.profiles import get

# a BELOW row other than Dynamo's defaults: the controller overrides every request from the start
OVERRIDING = {"BELOW": (0.4, 0.5), "TRANSITION": (0.4, 0.5), "SATURATED": (0.8, 0.1)}


def lone(**kw):
    return ow.Simulation(profile="llama-70b-1p2d", concurrency=1, policy="adaptive", seed=0,
                         adaptive_path="direct", regime_table=OVERRIDING, **kw)


def roofline_pass(p, isl, new, cached):
    """One decode pass of a batch of one that also computes ``new`` prompt tokens after ``cached`` ones, by hand
    from the roofline's coefficients: fixed + max(weight stream, GEMM FLOPs of 1 + new tokens + the new
    tokens' attention) + the KV read of the prompt."""
    t = p.timing()
    attention = new * (cached + new / 2.0)
    return (t["decode_fixed"] + max(t["decode_weights"], t["decode_lin"] * (1 + new) + t["prefill_attn"] * attention)
            + t["decode_kv"] * isl)


@pytest.mark.parametrize("isl", [128, 2048])
def test_a_lone_requests_ttft_is_the_hop_and_one_mixed_pass(isl):
    """Alone, a request reaches an idle decode worker after the frontend's hop and is prefilled and given
    its first token in one pass: its uncached prompt (all of it the first time, then the last block of the
    template, vLLM's rule) on top of a batch of one. 128 tokens hide behind the weight stream; 2,048 do not."""
    p = get("llama-70b-1p2d", prompt_tokens=isl)
    sim = lone(prompt_tokens=isl)
    sim.step(30.0)
    r = sim.requests()
    ttft = r["first_token"] - r["arrival"]
    hop = p.frontend_overhead_ms * 1e-3
    seen = set()
    for k in np.argsort(r["serial"]):
        w, tpl = int(r["decode_worker"][k]), int(r["template"][k])
        cached = isl - 16 if (w, tpl) in seen else 0      # all but the last block of a template seen on w
        seen.add((w, tpl))
        assert ttft[k] == pytest.approx(hop + roofline_pass(p, isl, isl - cached, cached), rel=1e-9), k
    assert r["local_prefill"].all()
    if isl == 2048:     # the first of each template computes its whole prompt: well past a plain pass
        assert ttft.max() > hop + p.decode_time(1, isl) + 0.02


def test_direct_requests_skip_the_prefill_worker_and_the_transfer():
    sim = lone()
    sim.step(30.0)
    st = sim.state
    r = sim.requests()
    assert st.prefill_i[L.PWI_COMPLETED].sum() == 0
    assert np.isnan(r["prefill_start"]).all()
    assert (r["transferred_tokens"] == 0).all()
    assert sim.counters()["sent_direct"] == sim.counters()["issued"]


def test_the_frontends_histogram_never_sees_a_direct_request():
    """So a detector that reads it gets nothing new: its signal holds (the paper saw only the switch into
    Transition)."""
    sim = lone(detector_signal="prometheus")
    sim.step(60.0)
    ring = sim.state.ttft_ring
    seen = np.isfinite(ring[0])
    assert seen.sum() > 40 and np.isnan(ring[2][seen]).all()      # one request every ~1.1 s
    assert sim.state.scalars_i[L.SI_P99_SAMPLES] == 0 and sim.detector["polls"] == 12


def test_the_static_system_and_dynamos_defaults_go_through_the_frontend():
    for sim in (ow.Simulation(profile="llama-70b-1p2d", concurrency=32, policy="static", tau=0.4, omega=0.5,
                              adaptive_path="direct"),
                ow.Simulation(profile="llama-70b-1p2d", concurrency=32, policy="adaptive", adaptive_path="direct")):
        sim.step(20.0)
        assert sim.counters()["sent_direct"] == 0
        assert not sim.requests()["local_prefill"].any()


def test_the_direct_router_books_and_frees_what_it_sent():
    """Its cost counts the prompt tokens it booked until their first token and the distinct blocks it booked
    until completion: at the end of a run with every client stopped, nothing is left booked."""
    sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=48, policy="adaptive", adaptive_path="direct",
                        regime_table=OVERRIDING, seed=3)
    sim.step(10.0)
    st = sim.state
    assert st.decode_f[L.DWF_DIRECT_PENDING].sum() >= 0.0
    W = st.decode_i.shape[1]
    assert st.active_blocks_meta[W:, 2].sum() > 0
    sim.concurrency = 0
    sim.step(30.0)
    assert sim.counters()["in_flight"] == 0
    assert st.decode_f[L.DWF_DIRECT_PENDING].sum() == 0.0
    assert st.active_blocks_meta[W:, 2].sum() == 0 and st.decode_i[L.DWI_DIRECT_OWN].sum() == 0
    assert st.decode_i[L.DWI_DIRECT_ASSIGNED].sum() == 0 and st.decode_i[L.DWI_ASSIGNED].sum() == 0


def test_a_switch_moves_new_requests_onto_the_direct_path_and_back():
    """Past the knee the controller switches to Transition: from then on requests go direct; its regime
    row is what decides, so a write of Dynamo's defaults into it sends them through the frontend again."""
    sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=160, policy="adaptive", adaptive_path="direct",
                        detector_signal="prometheus", seed=0)
    sim.step(60.0)
    assert sim.detector["regime"] == "TRANSITION"
    sent = sim.counters()["sent_direct"]
    assert sent > 0
    sim.set_regime_row("TRANSITION", 0.0, 1.0)
    issued = sim.counters()["issued"]
    sim.step(10.0)
    assert sim.counters()["issued"] > issued + 100
    assert sim.counters()["sent_direct"] == sent


def test_poa_hat_prices_a_direct_request_on_its_own_path():
    """OPT of a direct request is the hop plus a mixed pass at the frozen load, so alone (nothing queues)
    realised and OPT agree up to the wait for a pass boundary: PoA-hat stays near 1."""
    sim = lone()
    res = sim.run(60.0, warmup=10.0).summary()
    assert 0.95 <= res["poa_hat"] <= 1.3
    assert math.isfinite(res["poa_hat"])
