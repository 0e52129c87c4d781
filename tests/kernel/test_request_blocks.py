"""How a request's prompt blocks enter a worker's prefix cache, and how the router breaks ties with it."""
import numpy as np

from orbits_widget.kernel import prefix_cache as kvc
from orbits_widget.kernel.layout import RI_BLOCK_KEYS, RI_N_BLOCKS, RI_N_KEYS
from orbits_widget.kernel.request_blocks import cache_blocks, prefix_hits
from orbits_widget.kernel.router import prefer_smaller_tree


def _requests(*prompts):
    """A requests_i array holding each prompt (a list of one-block keys) in its own slot."""
    ri = np.zeros((RI_BLOCK_KEYS + max(len(p) for p in prompts), len(prompts)), np.int64)
    for slot, keys in enumerate(prompts):
        ri[RI_N_BLOCKS, slot] = ri[RI_N_KEYS, slot] = len(keys)
        ri[RI_BLOCK_KEYS:RI_BLOCK_KEYS + len(keys), slot] = keys
    return ri


def test_a_full_cache_evicts_a_prompt_from_its_tail_so_its_prefix_still_hits():
    """vLLM frees a request's blocks last block first, so when the cache fills, the blocks evicted
    first are the tail of the oldest prompt and its head stays matchable. A 6-block cache holds
    prompt A (4 blocks); prompt B brings 3 new blocks, one over: A's last block goes, and A still
    hits on its first 3 (had the head gone first, a prefix match would find nothing)."""
    tab, meta = kvc.new_lru(1, 16)
    ri = _requests([10, 11, 12, 13], [20, 21, 22])
    assert cache_blocks(tab, meta, 0, ri, 0, 6) == 0
    assert cache_blocks(tab, meta, 0, ri, 1, 6) == 1
    assert kvc.find(tab, 0, 13) < 0
    assert prefix_hits(tab, 0, ri, 0) == 3
    assert prefix_hits(tab, 0, ri, 1) == 3
    # the prompt's head is its most recently used block
    assert kvc.lru_keys(tab, meta, 0)[:3] == [20, 21, 22]


def _tie_break(costs, tab, meta, ri, slot):
    """The eligible workers left by the tie-break, with each worker's overlap measured as the router does."""
    n = len(costs)
    overlap = np.array([prefix_hits(tab, j, ri, slot) for j in range(n)], np.int64)
    elig = np.ones(n, np.bool_)
    prefer_smaller_tree(np.asarray(costs, float), elig, overlap, n, meta)
    return elig


def test_ties_go_to_the_worker_with_the_smaller_tree_when_both_hold_the_prefix():
    """Dynamo's selector at tau = 0: tied workers that both hold the prompt's prefix are told apart by
    the blocks they cache (the smaller tree wins); a tied worker without the prefix counts as size 0."""
    tab, meta = kvc.new_lru(3, 64)
    ri = _requests([1, 2], [7, 8, 9], [30, 31, 32, 33])
    for w in (0, 1, 2):
        cache_blocks(tab, meta, w, ri, 0, 32)           # all three hold the prompt [1, 2]
    cache_blocks(tab, meta, 0, ri, 2, 32)               # worker 0 caches 4 more blocks, worker 2 three
    cache_blocks(tab, meta, 2, ri, 1, 32)
    elig = _tie_break([5.0, 5.0, 5.0], tab, meta, ri, 0)
    assert list(elig) == [False, True, False]          # worker 1: 2 blocks against 6 and 5
    # a cheaper worker is not a tie: the rule leaves the choice to the costs
    elig = _tie_break([4.0, 5.0, 5.0], tab, meta, ri, 0)
    assert elig.all()


def test_ties_without_the_prefix_anywhere_stay_a_uniform_draw():
    tab, meta = kvc.new_lru(2, 64)
    ri = _requests([1, 2], [5, 6, 7])
    cache_blocks(tab, meta, 0, ri, 1, 32)               # different tree sizes, but no overlap with [1, 2]
    elig = _tie_break([3.0, 3.0], tab, meta, ri, 0)
    assert elig.all()


def test_a_tied_worker_without_the_prefix_beats_one_with_it():
    """Dynamo reports no tree size for a worker with no overlap (read as 0), so among tied workers it
    is the one kept: the tie-break favours the emptier indexer entry, not cache affinity."""
    tab, meta = kvc.new_lru(2, 64)
    ri = _requests([1, 2])
    cache_blocks(tab, meta, 1, ri, 0, 32)
    elig = _tie_break([3.0, 3.0], tab, meta, ri, 0)
    assert list(elig) == [True, False]


def test_a_prefill_tie_goes_to_the_worker_without_the_prefix(tmp_path):
    """Two prefill workers. The first request (blocks 1, 2) goes to one of them; 1 ms later, while it is
    still being prefilled, a second (blocks 1, 2, 3, 4) arrives. Its cost on the busy worker, pending
    2 blocks + 4 - 2 cached, equals its cost on the idle one, 4: an exact tie. Dynamo's selector then
    prefers the smaller cached tree, and the idle worker reports none (size 0), so every seed sends the
    second request to the other worker (a uniform draw would send half of them back)."""
    import json

    import orbits_widget as ow

    path = tmp_path / "tie.jsonl"
    path.write_text(json.dumps({"timestamp": 0, "input_length": 16, "output_length": 4, "hash_ids": [1, 2]}) + "\n"
                    + json.dumps({"timestamp": 1, "input_length": 32, "output_length": 4, "hash_ids": [1, 2, 3, 4]})
                    + "\n")
    for seed in range(12):
        sim = ow.Simulation(profile="dynamo-mocker-1p2d", trace=str(path), concurrency=None, n_prefill=2, n_decode=1,
                            block_size=8, trace_block_size=8, prompt_tokens=32, output_tokens=4, seed=seed, history=2)
        sim.run(seconds=None)
        r = sim.requests()
        first, second = r["prefill_worker"][np.argsort(r["serial"])]
        assert first != second, seed
