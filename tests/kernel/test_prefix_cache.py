from collections import Counter, OrderedDict

from hypothesis import given, settings
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
        planes, workers, size = tab.shape           # size: the row's slots and its bookkeeping slot
        assert tab.strides == (8, 8 * planes * size, 8 * planes)
        tab[1, 1, 5] = 42                 # plane 1 of slot 5 of worker 1 ...
        flat = tab.transpose(1, 2, 0).reshape(-1)
        assert flat[(1 * size + 5) * planes + 1] == 42      # ... sits beside the other planes of that slot


# long enough that rows hold hundreds of keys: they grow from 64 slots to 128, 256 and 512 on the way
growing_ops = st.lists(st.tuples(st.sampled_from(["touch", "touch", "touch", "find", "drop"]), st.integers(0, 250)),
                       min_size=300, max_size=700)


@settings(max_examples=40, deadline=None)
@given(growing_ops, st.integers(40, 300))
def test_a_growing_lru_row_answers_like_a_whole_one(seq, limit):
    """A row that starts from START_SLOTS slots and doubles as it fills (here up to 1024) keeps the keys, the
    recency order and the evictions of a reference model, and is never more than half full."""
    tab, meta = kvc.new_lru(2, 1024)
    ref = OrderedDict()
    for op, key in seq:
        if op == "touch":
            evicted = kvc.lru_touch(tab, meta, 1, key, limit)
            ref[key] = True
            ref.move_to_end(key)
            expected = 0
            while len(ref) > limit:
                ref.popitem(last=False)
                expected += 1
            assert evicted == expected
        elif op == "drop" and ref:
            kvc.lru_drop_tail(tab, meta, 1)
            ref.popitem(last=False)
        else:
            assert (kvc.find(tab, 1, key) >= 0) == (key in ref)
        assert kvc.lru_keys(tab, meta, 1) == list(reversed(ref))
        assert kvc.row_keys(tab, 1) == len(ref) == meta[1, kvc.M_COUNT]
        slots = kvc.row_slots(tab, 1)
        assert kvc.START_SLOTS <= slots <= 1024 and 2 * len(ref) <= slots
    assert kvc.row_slots(tab, 0) == kvc.START_SLOTS and kvc.row_keys(tab, 0) == 0      # other rows untouched


def test_a_row_uses_only_the_slots_it_needs():
    """A refset allocated for a million keys that holds a hundred touches only its first 256 slots: the rest
    of the allocation is never written, so the OS never maps it. Emptied and grown again, it still counts."""
    size = 1 << 20
    tab, meta = kvc.new_refset(2, size)
    for key in range(100):
        assert kvc.ref_add(tab, meta, 1, 7 * key) == 1
    assert kvc.row_slots(tab, 1) == 256 and kvc.row_keys(tab, 1) == 100
    assert not tab[:, 1, 256:size].any() and not tab[:, 0, :size].any()
    assert all(kvc.find(tab, 1, 7 * key) >= 0 for key in range(100))
    for key in range(100):
        kvc.ref_remove(tab, meta, 1, 7 * key)
    assert kvc.row_keys(tab, 1) == 0 and meta[1, kvc.M_COUNT] == 0 and not tab[:, 1, :256].any()


def test_clearing_a_grown_row_starts_it_small_again():
    tab, meta = kvc.new_lru(1, 4096)
    for key in range(1000):
        kvc.lru_touch(tab, meta, 0, key, 5000)
    assert kvc.row_slots(tab, 0) == 2048
    kvc.lru_clear(tab, meta, 0)
    assert kvc.row_slots(tab, 0) == kvc.START_SLOTS and kvc.lru_keys(tab, meta, 0) == []
    assert not tab[:, 0, :].any()
    kvc.lru_touch(tab, meta, 0, 3, 10)
    assert kvc.lru_keys(tab, meta, 0) == [3]
