"""Decode KV that grows with the tokens (decode_kv="grow", Dynamo's mocker) against the reservation
model, on two-request traces small enough to work out by hand.

Blocks of 8 tokens; prompts of 16 or 32 tokens arrive together, are prefilled in one pass and
reach a single decode worker at the same instant, the first of the trace admitted first."""
import json

import numpy as np
import pytest

import orbits_widget as ow


def _run(tmp_path, decode_kv, isl, osl, same_prompt, kv_blocks, prefix_caching=True):
    """Two requests at t = 0 (the same prompt, or two different ones), 8-token hash blocks."""
    nb = isl // 8
    ids = [list(range(nb)), list(range(nb)) if same_prompt else list(range(100, 100 + nb))]
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps({"timestamp": 0, "input_length": isl, "output_length": osl, "hash_ids": h})
                            + "\n" for h in ids))
    sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=str(path), concurrency=None, n_prefill=1, n_decode=1,
                        block_size=8, trace_block_size=8, prompt_tokens=isl, output_tokens=osl,
                        kv_capacity_tokens=8 * kv_blocks, decode_kv=decode_kv, prefix_caching=prefix_caching,
                        history=2)
    sim.run(seconds=None)
    r = sim.requests()
    order = np.argsort(r["serial"])
    return sim, {k: r[k][order] for k in r}


def _pass_time(sim, running, kv_tokens):
    from orbits_widget.profiles.perf_model import decode_pass_time
    return decode_pass_time(sim.state.params, running, kv_tokens)


def test_a_shared_prompt_is_held_once_so_both_requests_run_together(tmp_path):
    """One 32-token prompt (4 blocks) twice, 8 output tokens, 8 blocks of KV. Reserving prompt + output
    takes 5 blocks a request: the second waits for the first to finish. Growing, the first holds its 4
    prompt blocks and 1 for its tokens; the second shares the 4 and needs 1: both start at once."""
    _, grow = _run(tmp_path, "grow", 32, 8, True, 8)
    assert grow["first_token"][1] == grow["first_token"][0]
    _, reserve = _run(tmp_path, "reserve", 32, 8, True, 8)
    assert reserve["first_token"][1] >= reserve["completion"][0]


def test_without_prefix_caching_nothing_is_shared(tmp_path):
    """The same two prompts, prefix caching off: the allocator shares no block, 5 + 5 > 8, the second waits."""
    _, grow = _run(tmp_path, "grow", 32, 8, True, 8, prefix_caching=False)
    assert grow["first_token"][1] >= grow["completion"][0]


def test_the_latest_admitted_is_preempted_when_the_next_token_does_not_fit_and_resumes_later(tmp_path):
    """Two different 16-token prompts, 40 output tokens, 10 blocks. Both start together (3 + 3 blocks).
    A request at its k-th decode pass (k from 0) holds ceil((16 + k + 1) / 8) blocks: 5 each at k = 23,
    6 each at k = 24, 12 > 10. So at pass 24 the second (latest admitted) is preempted with 24 tokens,
    the first finishes its 40 alone, then the second is admitted again and writes its last 16. Nothing
    is lost; the preempted request's first token is unaffected; its wait shows as one inter-token gap."""
    sim, r = _run(tmp_path, "grow", 16, 40, False, 10)
    assert sim.counters()["decode_preemptions"] == 1
    assert sim.counters()["completed"] == 2
    assert r["first_token"][1] == r["first_token"][0]
    # passes after the preemption: the first request alone for 16 passes (tokens 25..40), then the
    # second alone for 16 (tokens 25..40 again): its completion is 16 single-request passes after the first's
    t = r["completion"][0]
    for k in range(24, 40):
        t += _pass_time(sim, 1, 16 + k)
    assert r["completion"][1] == pytest.approx(t, rel=1e-12)
    # reserving prompt + output (7 blocks each) never preempts: the second waits for the first
    sim_r, res = _run(tmp_path, "reserve", 16, 40, False, 10)
    assert sim_r.counters()["decode_preemptions"] == 0
    assert res["first_token"][1] >= res["completion"][0]


@pytest.mark.parametrize("n_decode,concurrency,kv_blocks", [(1, None, 16384), (1, 48, 1024), (2, 16, 2048)])
def test_counting_roughly_while_the_bound_fits_changes_nothing(tmp_path, n_decode, concurrency, kv_blocks):
    """A worker counts its blocks exactly only once the bound (prompt + output of every running request)
    stops fitting; a replay whose workers count exactly from the start gives the same requests, to the bit."""
    from orbits_widget.kernel import layout as L
    from orbits_widget.workload import families

    path = families.kv_pressure(n=300, documents=60, rate=4.0, seed=2, path=str(tmp_path / "kv.jsonl"))

    def replay(exact_from_start):
        sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=path, concurrency=concurrency, n_prefill=1,
                            n_decode=n_decode, kv_capacity_tokens=64 * kv_blocks, history=300)
        if exact_from_start:
            sim.state.decode_i[L.DWI_KV_EXACT, :] = 1
        sim.run(seconds=None)
        return sim, sim.requests()

    rough, a = replay(False)
    exact, b = replay(True)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert rough.counters() == exact.counters()
    if kv_blocks < 16384:
        # the small pools really do leave the bound: both count exactly in the end
        assert rough.state.decode_i[L.DWI_KV_EXACT, :n_decode].all()


def test_runs_of_passes_stop_before_a_preemption(tmp_path):
    """Passes taken as one event end before the pass whose next tokens would not fit: with runs off
    (one event per pass) the replay is the same, preemptions included."""
    from orbits_widget.kernel import layout as L
    from orbits_widget.workload import families

    path = families.kv_pressure(n=200, documents=40, rate=6.0, seed=3, path=str(tmp_path / "kv.jsonl"))

    def replay(runs):
        sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=path, concurrency=None, n_prefill=1, n_decode=1,
                            kv_capacity_tokens=64 * 1024, history=200)
        sim.state.iparams[L.I_MULTI_PASS] = runs
        sim.run(seconds=None)
        return sim

    a, b = replay(1), replay(0)
    assert a.counters()["decode_preemptions"] > 0
    assert a.counters() == b.counters()
    ra, rb = a.requests(), b.requests()
    for k in ra:
        np.testing.assert_array_equal(ra[k], rb[k], err_msg=k)
    np.testing.assert_array_equal(a.state.latency_hist, b.state.latency_hist)
    assert a.state.scalars_i[L.SI_EVENTS] < b.state.scalars_i[L.SI_EVENTS]


def test_a_resumed_request_records_one_gap_from_its_last_token_before_preemption(tmp_path):
    """The scenario above (two 16-token prompts, 40 output tokens, 10 blocks: the second is preempted
    before pass 24 with 24 tokens). The documented rule (end_decode_pass): its next token is one
    inter-token gap, from its last token before the preemption to the end of the pass that resumes it,
    its wait included. Worked out by hand: both write token k + 1 in pass k together, so its 24th token
    comes at first_token + 23 two-request passes; it resumes when the first completes, in a pass that
    holds 16 + 24 tokens. Every other gap is one pass, and each request has 40 - 1 gaps."""
    from orbits_widget.kernel import layout as L
    from orbits_widget.kernel.metrics import hist_quantile

    sim, r = _run(tmp_path, "grow", 16, 40, False, 10)
    assert sim.counters()["decode_preemptions"] == 1
    last_before = r["first_token"][1] + sum(_pass_time(sim, 2, 2 * (16 + k)) for k in range(1, 24))
    resumed = r["completion"][0] + _pass_time(sim, 1, 16 + 24)
    gap_ms = (resumed - last_before) * 1e3
    h = sim.state.latency_hist[L.H_ITL]
    n = h.sum()
    assert n == 2 * (40 - 1)
    # the longest gap is alone in its bin, far above one pass, and its bin holds the gap worked out above
    top = np.flatnonzero(h)[-1]
    assert h[top] == 1
    assert gap_ms > 10 * 1e3 * _pass_time(sim, 2, 2 * 56)
    hi = hist_quantile(h, 1.0)
    lo = 2 * hist_quantile(h, (n - 0.5) / n) - hi
    assert lo <= gap_ms < hi, (lo, gap_ms, hi)
