"""The kernel runs without Numba's reference counting (``_nrt=False``, ``kernel/borrow.py``); the few
functions that allocate keep it, and free what they allocate.

A kernel function compiled without reference counting never frees an array it is handed by one that
allocates, so an allocation that escapes into it is a leak. The replays below go through every allocating
path of the kernel (KVBM's per-block keys of a run-keyed request, a block table growing its rows, the
Saturation Detector's window, the PoA matching) and count Numba's allocations and frees.
"""
import importlib
import os
import pkgutil

import numba
import pytest
from numba.core.runtime import _nrt_python as nrt

import orbits_widget as ow
from orbits_widget import kernel
from orbits_widget.workload.traces import load_trace

MOONCAKE = os.path.join(os.path.dirname(__file__), "..", "data", "mooncake_synthetic.jsonl")

# the kernel's functions that allocate: they keep reference counting (and free what they allocate)
ALLOCATING = {"_grow", "prompt_block_keys", "kvbm_admit", "window_p99", "window_prometheus_p99",
              "min_cost_matching", "_slot", "split_hashes", "split_hashes_dense",
              "split_hashes_sparse"}


def _kernel_dispatchers():
    """The jitted functions of the kernel's modules, and of the pass-time model it calls."""
    names = [f"orbits_widget.kernel.{m.name}" for m in pkgutil.iter_modules(kernel.__path__)]
    for name in names + ["orbits_widget.profiles.perf_model"]:
        mod = importlib.import_module(name)
        for name, obj in vars(mod).items():
            if isinstance(obj, numba.core.registry.CPUDispatcher) and obj.py_func.__module__ == mod.__name__:
                yield name, obj


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compiled kernel under NUMBA_DISABLE_JIT")
def test_kernel_functions_say_whether_they_count_references():
    """Each non-inlined kernel function says it runs without reference counting, but the allocating ones
    (which say they keep it): a function that says nothing inherits its caller's choice, so whether it
    counts references would depend on who compiled it first."""
    seen = set()
    for name, d in _kernel_dispatchers():
        if d.targetoptions.get("inline", "never") == "always":
            continue
        seen.add(name)
        want = name in ALLOCATING
        assert d.targetoptions.get("_nrt") is want, f"{d.py_func.__module__}.{name}: _nrt={want} expected"
    assert ALLOCATING <= seen
    assert {"_advance", "lru_touch_run", "blocks_at", "dispatch_router_queues"} <= seen


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compiled kernel under NUMBA_DISABLE_JIT")
@pytest.mark.parametrize("case", ["kvbm-runs", "kvbm-blocks", "poa-detector"])
def test_what_the_kernel_allocates_it_frees(case):
    tr = load_trace(MOONCAKE).head(300)
    if case == "poa-detector":
        sim = ow.Simulation(profile="nemotron-340b-1p2d", concurrency=256, seed=3)
        run = lambda: sim.step(120.0)      # noqa: E731
    else:
        sim = ow.Simulation(profile="llama-70b-1p2d", trace=tr, concurrency=None, n_prefill=2, n_decode=2,
                            kvbm="on", kv_capacity_tokens=150_000, kvbm_dram_gb=0.5, kvbm_ssd_gb=2.0,
                            block_keys="runs" if case == "kvbm-runs" else "blocks")
        run = lambda: sim.run(seconds=None)  # noqa: E731
    nrt.memsys_enable_stats()
    try:
        before = (nrt.memsys_get_stats_alloc(), nrt.memsys_get_stats_free())
        run()
        allocs = nrt.memsys_get_stats_alloc() - before[0]
        frees = nrt.memsys_get_stats_free() - before[1]
    finally:
        nrt.memsys_disable_stats()
    assert allocs > 0, "the replay went through none of the kernel's allocating paths"
    assert frees == allocs, f"{allocs - frees} of the kernel's {allocs} allocations were never freed"

