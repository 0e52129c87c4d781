"""What the kernel records: histogram quantiles against exact percentiles, the prefix-cache hit
rate against vLLM's rule worked out by hand."""
import numpy as np
import pytest

import orbits_widget as ow
from orbits_widget.kernel.layout import H_SUB
from orbits_widget.paper import parity


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    return parity.make_traces(n=3000, directory=str(tmp_path_factory.mktemp("t")))


@pytest.mark.parametrize("c", [8, 64, 256])
def test_histogram_quantiles_agree_with_exact_percentiles(trace, c):
    """Every request is measured in a replay: the log histogram's p50/p99 (bins at most 1/H_SUB of
    a value wide) must sit within one bin of numpy's percentile of the same TTFTs."""
    sim = ow.Simulation("dynamo-mocker-1p2d", trace=trace, concurrency=c, history=3000)
    s = sim.run(seconds=None).summary()
    r = sim.requests()
    ttft = (r["first_token"] - r["arrival"]) * 1e3
    for q in (50, 99):
        assert s[f"ttft_p{q}_ms"] == pytest.approx(np.percentile(ttft, q), rel=1.0 / H_SUB)


@pytest.mark.parametrize("c", [16, 256])
def test_the_prefix_hit_rate_is_vllms_rule_for_the_papers_prompts(c):
    """5 templates x 128 tokens = 8 blocks of 16, all shared: once warm, every prompt finds all 8
    blocks, and vLLM reuses at most isl - 1 tokens in whole blocks, i.e. 7 blocks = 112 of 128."""
    p = ow.profiles.get()
    reusable = ((p.prompt_tokens - 1) // p.block_size) * p.block_size
    assert reusable == 112
    r = ow.Simulation(concurrency=c).run(120.0, 30.0)
    assert r["cache_hit_rate"] == reusable / p.prompt_tokens
