"""Numba's on-disk caches, keyed by the kernel's source.

Numba invalidates a cached function when *its own* file changes, not when a function it calls
(or inlines) from another file does; the kernel is spread over many files that call each other,
so an edit to, say, ``profiles/perf_model.py`` would leave stale machine code in the callers'
caches. Everything jitted is compiled into a cache directory named after a hash of every source
file of the package that holds jitted code: any edit there starts a fresh directory."""
from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib

import numba

ROOT = pathlib.Path(__file__).parent
JITTED = ("kernel", "profiles", "workload")


def source_key() -> str:
    h = hashlib.sha256()
    for folder in JITTED:
        for path in sorted((ROOT / folder).glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def keyed_cache():
    """Within this block, ``njit(cache=True)`` caches go under ``numba-<source key>`` (beside the
    sources, or under the user's NUMBA_CACHE_DIR); the setting is restored afterwards."""
    old = numba.config.CACHE_DIR
    base = old or str(ROOT / "__pycache__")
    numba.config.CACHE_DIR = os.path.join(base, f"numba-{source_key()}")
    try:
        yield
    finally:
        numba.config.CACHE_DIR = old
