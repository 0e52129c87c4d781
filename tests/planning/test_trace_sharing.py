"""A plan over a trace on a process pool: the trace goes to shared memory once, each worker maps it
once, the tasks only name it, and the rows are those of a plan whose every task gets the trace."""
import contextlib
import glob
import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import orbits_widget as ow
from orbits_widget.planning import search, shared, solve
from orbits_widget.workload import Trace, load_trace, synthetic_trace

PROFILE = "llama-70b-1p2d"          # 12 GPUs: splits 1P/2D and 2P/1D
KW = dict(profile=PROFILE, router_grid=[(0.0, 1.0), (0.8, 0.1)], policies=["static"], loads=(1, 3))
SLA = {"ttft_p99_ms": 2000.0, "itl_p99_ms": 15.0}


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    # 300 requests of 40 hash ids each (2,560-token prompts), arriving at 12 req/s
    path = tmp_path_factory.mktemp("trace") / "t.jsonl"
    return load_trace(synthetic_trace(300, templates=40, isl=2560, osl=64, rate=12.0, seed=7, path=str(path)))


def my_files():
    return glob.glob(os.path.join(shared._directory(), f"orbits-plan-trace-{os.getpid()}-*"))


def assert_same_plan(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert a.verdict == b.verdict
    assert repr(a.marginal) == repr(b.marginal)      # (NaN == NaN is False)


def test_a_pool_sharing_the_trace_gives_the_rows_of_tasks_that_carry_it(trace, monkeypatch):
    """Serially (every run gets the trace itself), on a fork-server pool that maps the shared trace
    (the notebook's), and on a pool whose every task carries the trace: one result."""
    serial = ow.plan(trace, 12, SLA, **KW)
    assert serial.marginal is not None                      # its runs are tasks too
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as ex:
        pooled = ow.plan(trace, 12, SLA, executor=ex, **KW)
    assert_same_plan(serial, pooled)
    monkeypatch.setattr(solve, "shared_with", lambda wl, ex: contextlib.nullcontext(wl))
    with ProcessPoolExecutor(2) as ex:
        carried = ow.plan(trace, 12, SLA, executor=ex, **KW)
    assert_same_plan(serial, carried)
    assert not my_files()


class Recording(ProcessPoolExecutor):
    """A process pool that keeps every task it is given, pickled."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent = []

    def submit(self, fn, /, *args, **kwargs):
        if fn is search.measure:
            self.sent.append(pickle.dumps((fn, args, kwargs)))
        return super().submit(fn, *args, **kwargs)


def _count_maps(log):
    """A worker's initializer: append this process's id to ``log`` whenever it maps a shared trace."""
    real = shared._map

    def counted(ref):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(ref)
    shared._map = counted


def test_the_trace_is_sent_once_and_each_worker_maps_it_once(trace, tmp_path):
    log = tmp_path / "maps.log"
    with Recording(2, initializer=_count_maps, initargs=(str(log),)) as ex:
        p = ow.plan(trace, 12, SLA, executor=ex, **KW)
        files = my_files()
    assert len(files) == 0                                  # deleted when the plan ended
    # 4 configurations and the marginal analysis's 2 x 2 runs: 8 tasks, none carrying the trace
    tasks = len(p) + 2 * len(KW["loads"])
    assert len(ex.sent) == tasks == 8
    whole = len(pickle.dumps(trace))                        # 12,000 hash ids: tens of kB
    assert max(map(len, ex.sent)) < whole / 10 and sum(map(len, ex.sent)) < whole
    assert not any(b"orbits_widget.workload.traces" in s for s in ex.sent)   # no Trace pickled in a task
    # each worker that ran a task mapped the trace once (not once per task)
    pids = log.read_text().split()
    assert 1 <= len(pids) <= 2 and len(set(pids)) == len(pids)


def test_the_shared_file_is_deleted_when_a_plan_fails(trace):
    class Failing(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            if fn is search.measure:
                assert len(my_files()) == 1                 # the trace's, while the tasks run
                raise RuntimeError("a task could not be shipped")
            return super().submit(fn, *args, **kwargs)

    with Failing(1) as ex, pytest.raises(RuntimeError, match="shipped"):
        ow.plan(trace, 12, SLA, executor=ex, **KW)
    assert not my_files()


def test_a_mapped_trace_is_the_trace(trace):
    wl = search.as_workload(trace)
    with shared.shared_with(wl, ProcessPoolExecutor(1)) as task_wl:
        ref = task_wl.trace
        assert isinstance(ref, shared.SharedTrace) and os.path.exists(ref.file)
        got = shared.resolve(task_wl)
        assert shared.resolve(task_wl) is got                # kept: mapped once
        t = got.trace
        assert isinstance(t, Trace) and t.path == trace.path and len(t) == len(trace)
        for name in ("isl", "osl", "offset", "n_hashes", "arrival_s", "hashes", "lines"):
            a, b = getattr(t, name), getattr(trace, name)
            if b is None:
                assert a is None
            else:
                assert a.dtype == b.dtype and np.array_equal(a, b)
                assert a.flags.writeable        # the kernel's compiled signature takes writeable arrays
        ints = t.kernel_arrays()[0]
        assert not ints.flags.owndata and ints.base is not None    # the mapped block itself, not a stack of rows
        assert all(np.shares_memory(row, ints) for row in (t.isl, t.osl, t.offset, t.n_hashes))
        assert got.trace_at(3) is got.trace_at(3.0)          # one scaled trace per load
        np.testing.assert_array_equal(got.trace_at(3).arrival_s, trace.arrival_s / 3)
    assert not os.path.exists(ref.file)
    # a worker drops what it keeps once the file is gone, and keeps at most KEEP traces
    refs = []
    for _ in range(shared.KEEP + 1):
        cm = shared.shared_with(wl, ProcessPoolExecutor(1))
        task_wl = cm.__enter__()
        shared.resolve(task_wl)
        refs.append((cm, task_wl.trace.file))
    assert shared.kept()[-shared.KEEP:] == [f for _, f in refs[-shared.KEEP:]] and len(shared.kept()) <= shared.KEEP
    for cm, _ in refs:
        cm.__exit__(None, None, None)
    with shared.shared_with(wl, ProcessPoolExecutor(1)) as task_wl:
        shared.resolve(task_wl)
        assert shared.kept() == [task_wl.trace.file]
    assert not my_files()


def test_only_a_process_pool_gets_a_shared_trace(trace):
    wl = search.as_workload(trace)
    for ex in (None, ThreadPoolExecutor(1)):
        with shared.shared_with(wl, ex) as task_wl:
            assert task_wl is wl
    with shared.shared_with(search.as_workload("paper"), ProcessPoolExecutor(1)) as task_wl:
        assert task_wl.kind == "paper" and task_wl.trace is None


def test_a_workload_ships_without_the_scaled_traces_it_made(trace):
    wl = search.as_workload(trace)
    size = len(pickle.dumps(wl))
    wl.trace_at(2.0), wl.trace_at(3.0)
    assert len(pickle.dumps(wl)) == size
    back = pickle.loads(pickle.dumps(wl))
    np.testing.assert_array_equal(back.trace_at(2.0).arrival_s, wl.trace_at(2.0).arrival_s)


class CountingPool(ProcessPoolExecutor):
    """A process pool that counts what it is given and runs nothing."""

    def __init__(self):
        super().__init__(1)
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1


@pytest.mark.parametrize("tasks, cores, started", [(3, 4, 3), (10, 4, 4), (0, 4, 1), (5, None, 1)])
def test_prestart_asks_one_worker_per_task_to_come_at_most_one_per_core(monkeypatch, tasks, cores, started):
    monkeypatch.setattr(shared.os, "cpu_count", lambda: cores)
    pool = CountingPool()
    shared.prestart(pool, tasks)
    assert pool.submitted == started
    pool.shutdown()
