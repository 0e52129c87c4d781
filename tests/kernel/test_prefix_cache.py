from collections import Counter, OrderedDict

from hypothesis import given
from hypothesis import strategies as st

from orbits_widget.kernel import prefix_cache as kvc

ops = st.lists(st.tuples(st.sampled_from(["touch", "find"]), st.integers(0, 60)), max_size=300)


@given(ops, st.integers(1, 20))
def test_lru_matches_a_reference_model(seq, limit):
    tab, meta = kvc.new_lru(2, 64)
    ref = OrderedDict()
    for op, key in seq:
        if op == "touch":
            evicted = kvc.lru_touch(tab, meta, 1, key, limit)
            n_before = len(ref)
            if key in ref:
                ref.move_to_end(key)
            else:
                ref[key] = True
            expected = 0
            while len(ref) > limit:
                ref.popitem(last=False)
                expected += 1
            assert evicted == expected, (n_before, limit)
        else:
            assert (kvc.find(tab, 1, key) >= 0) == (key in ref)
        assert kvc.lru_keys(tab, meta, 1) == list(reversed(ref))
        assert meta[1, kvc.M_COUNT] == len(ref)
    assert meta[0, kvc.M_COUNT] == 0          # other rows untouched


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=300))
def test_refset_counts_distinct_keys(seq):
    tab, meta = kvc.new_refset(1, 128)
    ref = Counter()
    for add, key in seq:
        if add:
            assert kvc.ref_add(tab, meta, 0, key) == (1 if ref[key] == 0 else 0)
            ref[key] += 1
        elif ref[key] > 0:
            kvc.ref_remove(tab, meta, 0, key)
            ref[key] -= 1
        live = {k for k, v in ref.items() if v > 0}
        assert meta[0, kvc.M_COUNT] == len(live)
        for k in range(41):
            assert (kvc.find(tab, 0, k) >= 0) == (k in live)


def test_tables_keep_an_entry_in_one_place():
    """Entry-major layout: the planes of one slot are adjacent (one cache line for a lookup, a relink
    or an eviction) and a worker's slots are contiguous; the index order stays [plane, worker, slot]."""
    for tab, _ in (kvc.new_lru(3, 64), kvc.new_lru(2, 64, planes=7), kvc.new_refset(4, 128)):
        planes, workers, size = tab.shape
        assert tab.strides == (8, 8 * planes * size, 8 * planes)
        tab[1, 1, 5] = 42                 # plane 1 of slot 5 of worker 1 ...
        flat = tab.transpose(1, 2, 0).reshape(-1)
        assert flat[(1 * size + 5) * planes + 1] == 42      # ... sits beside the other planes of that slot
