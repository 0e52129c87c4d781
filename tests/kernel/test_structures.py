"""The kernel's intrusive FIFOs and the decode workers' completion heaps, against plain Python models."""
from collections import deque

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from orbits_widget.kernel import layout as L
from orbits_widget.kernel.structures import dheap_pop, dheap_push, dheap_remove, q_pop, q_push, q_push_front

ops = st.lists(st.tuples(st.sampled_from(["push", "pop", "remove"]), st.integers(0, 50), st.integers(0, 1000)),
               max_size=200)


@given(ops)
# removing from one subtree can leave the last entry below the hole's parent: it must move up
@example([("push", k, 0) for k in (1, 5, 2, 6, 7, 3)] + [("remove", 0, 3)])
def test_completion_heap_pops_in_key_order_and_removes_any_entry(seq):
    heap = np.zeros((2, 2, 64), np.int64)
    decode_i = np.zeros((L.DWI_N, 2), np.int64)
    model = []                                   # (key, slot) pairs held
    slot = 0
    for op, key, pick in seq:
        if op == "push" and len(model) < 64:
            dheap_push(heap, decode_i, 1, key, slot)
            model.append((key, slot))
            slot += 1
        elif op == "pop" and model:
            s = dheap_pop(heap, decode_i, 1)
            smallest = min(k for k, _ in model)
            assert (smallest, s) in model        # the slot popped has the smallest key
            model.remove((smallest, s))
        elif op == "remove" and model:
            i = pick % len(model)
            s = heap[1, 1, i]
            entry = next(e for e in model if e[1] == s)
            dheap_remove(heap, decode_i, 1, i)
            model.remove(entry)
        n = decode_i[L.DWI_HEAP_LEN, 1]
        assert n == len(model)
        assert sorted(zip(heap[0, 1, :n].tolist(), heap[1, 1, :n].tolist())) == sorted(model)
        for i in range(1, n):                    # the heap property
            assert heap[0, 1, (i - 1) // 2] <= heap[0, 1, i]
    assert decode_i[L.DWI_HEAP_LEN, 0] == 0      # the other worker's heap is untouched


@given(st.lists(st.tuples(st.sampled_from(["push", "front", "pop"]), st.integers(0, 31)), max_size=100))
def test_fifo_with_a_front_door(seq):
    requests_i = np.full((L.RI_N + 1, 32), -1, np.int64)
    arr = np.full((L.DWI_N, 1), -1, np.int64)
    model, inside = deque(), set()
    for op, s in seq:
        if op in ("push", "front") and s not in inside:
            (q_push if op == "push" else q_push_front)(requests_i, arr, L.DWI_WAIT_HEAD, L.DWI_WAIT_TAIL, 0, s)
            model.append(s) if op == "push" else model.appendleft(s)
            inside.add(s)
        elif op == "pop" and model:
            assert q_pop(requests_i, arr, L.DWI_WAIT_HEAD, L.DWI_WAIT_TAIL, 0) == model.popleft()
            inside.discard(s)
            inside = set(model)
        # walk the list: it is the model, head to tail
        walk, h = [], arr[L.DWI_WAIT_HEAD, 0]
        while h >= 0:
            walk.append(int(h))
            h = requests_i[L.RI_NEXT, h]
        assert walk == list(model)
        assert arr[L.DWI_WAIT_TAIL, 0] == (model[-1] if model else -1)
