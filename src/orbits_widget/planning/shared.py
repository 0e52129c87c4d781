"""A trace shared with a process pool: written once, mapped once per worker, named by each task.

A plan over a trace runs every configuration on the same requests. Shipped with each task, the trace
would be pickled by the parent and unpickled by a worker once per task (a Mooncake trace's hash ids
alone are megabytes). Instead, ``shared_with`` writes the trace's arrays once into a file in shared
memory (``/dev/shm``, else the temporary directory), and each task carries a ``SharedTrace``: the
file's path and where each array lies in it, a few hundred bytes. A worker maps the file the first
time a task names it (copy on write: the pages are the file's, shared by every worker, and the
arrays are writeable, as the kernel's compiled signature has them) and keeps the ``Workload`` it
rebuilt, so its later tasks, and the scaled traces of each load, reuse it.

The parent deletes the file when the plan ends (or fails); a worker drops a kept trace once its file
is gone (checked whenever a task names a trace) and keeps at most ``KEEP`` of them. Only local
process pools (``concurrent.futures.ProcessPoolExecutor``) get a shared trace: threads share the
object itself, and another executor (Dask) may run its workers on other hosts, so they get the trace
with each task, as before.
"""
from __future__ import annotations

import collections
import contextlib
import mmap
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..workload.traces import Trace

# a Trace's arrays: its four per-line int rows as the one (4, n) array they are views of, then the rest
# (lines may be None)
ARRAYS = ("ints", "arrival_s", "hashes", "lines")
ALIGN = 64          # each array starts on a cache line
KEEP = 2            # traces a worker keeps mapped at most
SHM = "/dev/shm"    # RAM-backed where it exists (Linux)


@dataclass(frozen=True)
class SharedTrace:
    """What a task carries instead of a trace: the file holding its arrays and where each lies."""

    file: str           # the file (unique per plan: also the key a worker keeps it by)
    path: str           # the trace's own path (Trace.path)
    layout: tuple       # per array: (name, dtype, length, byte offset); lines absent when None


def _directory() -> str:
    return SHM if os.path.isdir(SHM) and os.access(SHM, os.W_OK) else tempfile.gettempdir()


def write(trace: Trace) -> SharedTrace:
    """The trace's arrays, back to back in a new file; its ``SharedTrace``."""
    fd, file = tempfile.mkstemp(prefix=f"orbits-plan-trace-{os.getpid()}-", suffix=".bin", dir=_directory())
    layout, at = [], 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for name in ARRAYS:
                a = trace.kernel_arrays()[0] if name == "ints" else getattr(trace, name)
                if a is None:
                    continue
                a = np.ascontiguousarray(a)
                pad = -at % ALIGN
                fh.write(bytes(pad))
                at += pad
                layout.append((name, a.dtype.str, a.size, at))
                fh.write(a.data.cast("B"))      # the array's own buffer: no copy
                at += a.nbytes
    except BaseException:
        os.unlink(file)
        raise
    return SharedTrace(file=file, path=trace.path, layout=tuple(layout))


def _map(ref: SharedTrace) -> Trace:
    """The trace ``ref`` names, its arrays views of the file mapped copy-on-write (no copy made: the
    four int rows are views of one mapped (4, n) block, which ``Trace`` keeps as it is)."""
    with open(ref.file, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        mm = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_COPY) if size else None
    fields: dict[str, Any] = dict.fromkeys(ARRAYS)
    for name, dtype, n, at in ref.layout:
        # (mm is None only for an empty file, where every n is 0)
        fields[name] = (np.frombuffer(mm, np.dtype(dtype), n, at) if n and mm is not None
                        else np.zeros(0, np.dtype(dtype)))
    ints = fields.pop("ints").reshape(4, -1)
    return Trace(path=ref.path, isl=ints[0], osl=ints[1], offset=ints[2], n_hashes=ints[3], **fields)


_KEPT: collections.OrderedDict[str, object] = collections.OrderedDict()   # file -> Workload, in this worker


def resolve(workload):
    """``workload`` itself, or when its trace is a ``SharedTrace`` the Workload of the trace it names:
    mapped the first time in this process, then kept (with the scaled traces it makes)."""
    ref = workload.trace
    if not isinstance(ref, SharedTrace):
        return workload
    for file in [f for f in _KEPT if f != ref.file and not os.path.exists(f)]:
        del _KEPT[file]             # its plan is over
    wl = _KEPT.get(ref.file)
    if wl is None:
        wl = type(workload)(workload.kind, trace=_map(ref), rate=workload.rate)
        _KEPT[ref.file] = wl
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    else:
        _KEPT.move_to_end(ref.file)
    return wl


def kept() -> list[str]:
    """The files of the traces this process keeps (for tests)."""
    return list(_KEPT)


def ready() -> int:
    """Nothing: a task that makes a worker start, import this package and wait for work."""
    return os.getpid()


def prestart(executor, tasks: int) -> None:
    """Start the workers of a local process pool now (it starts them one per task submitted, up to
    its size, and a new one imports the package, a second or so), so that they do while the parent
    checks the arguments. One ``ready`` per task to come, at most one per core: a pool never starts
    more workers than its size, and a started one only answers ``ready``."""
    if isinstance(executor, ProcessPoolExecutor):
        for _ in range(max(1, min(tasks, os.cpu_count() or 1))):
            executor.submit(ready)


@contextlib.contextmanager
def shared_with(workload, executor):
    """The Workload the tasks of ``executor`` carry: on a local process pool, one whose trace is a
    ``SharedTrace`` (its file deleted on leaving the block); otherwise ``workload`` itself."""
    if workload.kind != "trace" or not isinstance(executor, ProcessPoolExecutor):
        yield workload
        return
    ref = write(workload.trace)
    try:
        yield type(workload)(workload.kind, trace=ref, rate=workload.rate)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(ref.file)
