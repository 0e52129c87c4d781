"""Intrusive FIFOs and binary min-heaps over the request table (no allocation on the hot path)."""
from __future__ import annotations

from numba import njit

from .layout import DWI_HEAP_LEN, RI_NEXT, SI_TRANSFERS


@njit(cache=True, _nrt=False)
def q_push(requests_i, arr, rh, rt, w, slot):
    """Append ``slot`` to the FIFO whose head/tail are arr[rh, w] / arr[rt, w] (linked via ri[RI_NEXT])."""
    requests_i[RI_NEXT, slot] = -1
    t = arr[rt, w]
    if t < 0:
        arr[rh, w] = slot
    else:
        requests_i[RI_NEXT, t] = slot
    arr[rt, w] = slot


@njit(cache=True, _nrt=False)
def q_push_front(requests_i, arr, rh, rt, w, slot):
    """Put ``slot`` at the head of the FIFO (a preempted request goes first again)."""
    h = arr[rh, w]
    requests_i[RI_NEXT, slot] = h
    arr[rh, w] = slot
    if h < 0:
        arr[rt, w] = slot


@njit(cache=True, _nrt=False)
def q_pop(requests_i, arr, rh, rt, w):
    h = arr[rh, w]
    n = requests_i[RI_NEXT, h]
    arr[rh, w] = n
    if n < 0:
        arr[rt, w] = -1
    requests_i[RI_NEXT, h] = -1
    return h


@njit(cache=True, _nrt=False)
def xheap_push(transfer_heap_t, transfer_heap_slot, scalars_i, t, slot):
    n = scalars_i[SI_TRANSFERS]
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if transfer_heap_t[p] <= t:
            break
        transfer_heap_t[i] = transfer_heap_t[p]
        transfer_heap_slot[i] = transfer_heap_slot[p]
        i = p
    transfer_heap_t[i] = t
    transfer_heap_slot[i] = slot
    scalars_i[SI_TRANSFERS] = n + 1


@njit(cache=True, _nrt=False)
def xheap_pop(transfer_heap_t, transfer_heap_slot, scalars_i):
    n = scalars_i[SI_TRANSFERS] - 1
    top = transfer_heap_slot[0]
    t = transfer_heap_t[n]
    s = transfer_heap_slot[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and transfer_heap_t[c + 1] < transfer_heap_t[c]:
            c += 1
        if transfer_heap_t[c] >= t:
            break
        transfer_heap_t[i] = transfer_heap_t[c]
        transfer_heap_slot[i] = transfer_heap_slot[c]
        i = c
    transfer_heap_t[i] = t
    transfer_heap_slot[i] = s
    scalars_i[SI_TRANSFERS] = n
    return top


@njit(cache=True, _nrt=False)
def dheap_push(completion_heap, decode_i, w, key, slot):
    """Per decode worker min-heap of (completion pass index, slot)."""
    n = decode_i[DWI_HEAP_LEN, w]
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if completion_heap[0, w, p] <= key:
            break
        completion_heap[0, w, i] = completion_heap[0, w, p]
        completion_heap[1, w, i] = completion_heap[1, w, p]
        i = p
    completion_heap[0, w, i] = key
    completion_heap[1, w, i] = slot
    decode_i[DWI_HEAP_LEN, w] = n + 1


@njit(cache=True, inline="always")
def _dheap_place(completion_heap, w, i, n, key, s):
    """Put (key, s) into the hole at i of a heap of n entries, moving smaller children up past it."""
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and completion_heap[0, w, c + 1] < completion_heap[0, w, c]:
            c += 1
        if completion_heap[0, w, c] >= key:
            break
        completion_heap[0, w, i] = completion_heap[0, w, c]
        completion_heap[1, w, i] = completion_heap[1, w, c]
        i = c
    completion_heap[0, w, i] = key
    completion_heap[1, w, i] = s


@njit(cache=True, _nrt=False)
def dheap_pop(completion_heap, decode_i, w):
    n = decode_i[DWI_HEAP_LEN, w] - 1
    top = completion_heap[1, w, 0]
    _dheap_place(completion_heap, w, 0, n, completion_heap[0, w, n], completion_heap[1, w, n])
    decode_i[DWI_HEAP_LEN, w] = n
    return top


@njit(cache=True, _nrt=False)
def dheap_remove(completion_heap, decode_i, w, i):
    """Take entry ``i`` out of worker w's completion heap (a preempted request)."""
    n = decode_i[DWI_HEAP_LEN, w] - 1
    decode_i[DWI_HEAP_LEN, w] = n
    if i == n:
        return
    key = completion_heap[0, w, n]
    s = completion_heap[1, w, n]
    # the last entry fills the hole: sift it up past smaller parents, or down past smaller children
    while i > 0 and completion_heap[0, w, (i - 1) >> 1] > key:
        p = (i - 1) >> 1
        completion_heap[0, w, i] = completion_heap[0, w, p]
        completion_heap[1, w, i] = completion_heap[1, w, p]
        i = p
    _dheap_place(completion_heap, w, i, n, key, s)
