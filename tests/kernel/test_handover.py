"""The decode-side hand-over's posting cost (``handover_post_ms``, hypothesis H2): a decode worker posts each
arriving request's NIXL reads on the host, one after another, before the forward pass of the step at whose
boundary the pull starts; the pull starts after its own posting, and that step lasts longer by every posting."""
import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel import layout as L
from orbits_widget.profiles import get
from orbits_widget.profiles.perf_model import coefficients, decode_pass_time

POST_MS = 0.55


def lone_ttfts(**kw):
    sim = ow.Simulation(profile="llama-70b-1p2d", concurrency=1, seed=0, **kw)
    sim.step(30.0)
    r = sim.requests()
    order = np.argsort(r["serial"])
    return (r["first_token"] - r["arrival"])[order], r["template"][order]


def test_a_lone_requests_ttft_grows_by_one_posting():
    """Alone, the hand-off finds its decode worker idle: the pull starts at once after posting one read, so
    the prefill worker is released, and the first token comes, exactly one posting later."""
    base, tpl = lone_ttfts()
    posted, tpl2 = lone_ttfts(handover_post_ms=POST_MS)
    n = min(len(base), len(posted))
    assert n > 20 and np.array_equal(tpl[:n], tpl2[:n])
    assert posted[:n] - base[:n] == pytest.approx(np.full(n, POST_MS * 1e-3), abs=1e-9)


def test_the_step_that_posts_lasts_longer_by_each_posting():
    """With one decode worker always busy, every hand-off is posted at a step boundary: that step's pass takes
    its decode time plus the postings made at its start (whole numbers of them), and no other step is longer."""
    p = get("llama-70b-1p2d", n_decode=1, handover_post_ms=POST_MS)
    c = coefficients(p)
    sim = ow.Simulation(profile=p, concurrency=6, seed=0)
    sim.step(5.0)
    st = sim.state
    seen, posted = set(), 0
    for _ in range(4000):
        sim.step(0.0005)
        start = float(st.decode_f[L.DWF_PASS_START, 0])
        if st.decode_i[L.DWI_PHASE, 0] != L.IN_PASS or start in seen or st.decode_i[L.DWI_RUN_PASSES, 0] != 1:
            continue
        seen.add(start)
        n = int(st.decode_i[L.DWI_RUNNING, 0])
        kv = (st.decode_i[L.DWI_SUM_ISL, 0] + n * st.decode_i[L.DWI_PASS, 0] - st.decode_i[L.DWI_SUM_FIRST_PASS, 0])
        extra = float(st.decode_f[L.DWF_PASS_EXTRA, 0])
        k = round(extra / (POST_MS * 1e-3))
        assert extra == pytest.approx(k * POST_MS * 1e-3, abs=1e-12)
        assert float(st.decode_f[L.DWF_PASS_END, 0]) - start == pytest.approx(decode_pass_time(c, n, kv) + extra,
                                                                              abs=1e-12)
        posted += k
    # about one hand-off per request: 6 clients of ~1.3 s each over 2 s
    assert posted >= 5


def test_without_the_hold_nothing_is_posted_at_a_boundary():
    """Posting belongs to the pull at a step boundary (``handoff_hold``); without it the KV is pushed."""
    a = ow.Simulation(profile="llama-70b-1p2d", concurrency=32, seed=0, handoff_hold=False).run(20.0, 5.0).summary()
    b = ow.Simulation(profile="llama-70b-1p2d", concurrency=32, seed=0, handoff_hold=False,
                      handover_post_ms=POST_MS).run(20.0, 5.0).summary()
    assert a["ttft_p99_ms"] == b["ttft_p99_ms"] and a["throughput_rps"] == b["throughput_rps"]


@pytest.mark.parametrize("bad", (-0.1, float("nan"), True, "1"))
def test_bad_posting_costs_name_the_field(bad):
    with pytest.raises(ValueError, match="handover_post_ms"):
        ow.Simulation(handover_post_ms=bad)
