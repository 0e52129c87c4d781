"""The NIXL hand-off: a request's KV moves from its prefill worker to the decode worker the router
chose. Only the blocks that worker lacks cross the link (``perf_model.transfer_end``); transfers
in flight wait in a min-heap keyed by landing time; a landed request joins its worker's
admission queue."""
from __future__ import annotations

from numba import njit

from ..profiles.perf_model import transfer_end
from .decode_runs import cut_run
from .layout import (
    DWF_PASS_END,
    DWI_PHASE,
    DWI_RUN_PASSES,
    DWI_WAIT_HEAD,
    DWI_WAIT_LEN,
    DWI_WAIT_TAIL,
    EV_TRANSFER_END,
    IDLE,
    IN_PASS,
    RF_DECODE_ARRIVAL,
    RF_TRANSFER_END,
    RI_DECODE_WORKER,
    RI_STAGE,
    RI_TRANSFER_TOKENS,
    S_DECODE_WAIT,
    S_TRANSFER,
    WAKING,
)
from .metrics import log_event
from .structures import q_push, xheap_push


@njit(cache=True, inline="always")
def start_transfer(params, scalars_i, requests_i, transfer_heap_t, transfer_heap_slot, slot, tokens, t):
    """Send ``tokens`` KV tokens of the request in ``slot`` to its decode worker, starting at ``t``."""
    requests_i[RI_TRANSFER_TOKENS, slot] = tokens
    requests_i[RI_STAGE, slot] = S_TRANSFER
    xheap_push(transfer_heap_t, transfer_heap_slot, scalars_i, transfer_end(params, t, tokens), slot)


@njit(cache=True, inline="always")
def transfer_done(params, scalars_i, requests_f, requests_i, decode_f, decode_i, events_t, events_i, s, t):
    """The KV of the request in slot ``s`` has landed: it waits for admission on its decode worker."""
    w = requests_i[RI_DECODE_WORKER, s]
    requests_f[RF_TRANSFER_END, s] = t
    requests_f[RF_DECODE_ARRIVAL, s] = t
    requests_i[RI_STAGE, s] = S_DECODE_WAIT
    q_push(requests_i, decode_i, DWI_WAIT_HEAD, DWI_WAIT_TAIL, w, s)
    decode_i[DWI_WAIT_LEN, w] += 1
    log_event(events_t, events_i, scalars_i, requests_i, t, EV_TRANSFER_END, s, w)
    if decode_i[DWI_PHASE, w] == IDLE:
        decode_i[DWI_PHASE, w] = WAKING          # wake after the other events of this instant
        decode_f[DWF_PASS_END, w] = t
    elif decode_i[DWI_PHASE, w] == IN_PASS and decode_i[DWI_RUN_PASSES, w] > 1:
        cut_run(params, decode_f, decode_i, w, t)   # so that it can be admitted at the next pass boundary
