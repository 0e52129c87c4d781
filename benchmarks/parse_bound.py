"""How close is ``parse_trace`` to pyarrow's own reader on this machine?

Writes a generated trace (``workload/generate.py``, the bench's mix at 25 req/s), cuts it into the blocks
``parse_trace`` reads (``traces._READ_BLOCK`` bytes of whole lines), and times, interleaved so that each
round sees the same minute of this shared machine:

* ``pyarrow_one_thread``: pyarrow's JSON reader on every block, one after another, from memory;
* ``pyarrow_two_threads``: the same on two threads of ours (the bound of a two-core parse: no file
  reading, no line counting, no conversion to the kernel's columns);
* ``parse_trace``: the real thing, from the file (page cache warm).

Each is in lines/s per round; ``best`` is each one's best round. With ``--duckdb`` (DuckDB installed; it is
not a dependency) it also times DuckDB's ``read_json`` on the file and shows what it makes of three bad
values, each of which ``parse_trace`` refuses with its line number.

    python benchmarks/parse_bound.py [-n 1000000] [--rounds 4] [--duckdb] [--out FILE]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _report import emit  # noqa: E402

from orbits_widget.workload import generate, traces  # noqa: E402


def _blocks(data: bytes, size: int) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        end = data.rfind(b"\n", at, at + size) + 1
        if end <= at:
            end = len(data)
        out.append(data[at:end])
        at = end
    return out


def _pyarrow_reader():
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema([("timestamp", pa.float64()), ("input_length", pa.int64()), ("output_length", pa.int64()),
                        ("hash_ids", pa.list_(pa.int64()))])
    parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read = pj.ReadOptions(use_threads=False, block_size=traces._READ_BLOCK)

    def rows(block: bytes) -> int:
        return pj.read_json(pa.BufferReader(block), read_options=read, parse_options=parse).num_rows
    return rows


def _duckdb(path: str, rounds: int) -> dict:
    import duckdb

    query = ("select * from read_json(?, format='newline_delimited', columns={timestamp: 'DOUBLE', "
             "input_length: 'BIGINT', output_length: 'BIGINT', hash_ids: 'BIGINT[]'})")
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        n = duckdb.sql(query.replace("?", repr(path))).to_arrow_table().num_rows
        best = max(best, n / (time.perf_counter() - t0))
    taken = {}
    with tempfile.TemporaryDirectory() as d:
        for name, value in (("float", "3.5"), ("string", '"5"'), ("bool", "true")):
            p = os.path.join(d, f"{name}.jsonl")
            with open(p, "w") as fh:
                fh.write('{"timestamp": 1, "input_length": ' + value + ', "output_length": 2, "hash_ids": [1]}\n')
            try:
                taken[value] = duckdb.sql(query.replace("?", repr(p))).fetchall()[0][1]
            except duckdb.Error as e:
                taken[value] = f"refused: {type(e).__name__}"
    return dict(duckdb_version=duckdb.__version__, duckdb_lines_per_s=round(best),
                duckdb_input_length_of=taken)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="lines of the generated trace (default 1M)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--duckdb", action="store_true", help="also time DuckDB's reader (if installed)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    rows = _pyarrow_reader()
    with tempfile.TemporaryDirectory() as d:
        path = generate.write_trace(os.path.join(d, "mix.jsonl"), args.n, seed=0, rate=25.0)
        with open(path, "rb") as fh:
            blocks = _blocks(fh.read(), traces._READ_BLOCK)
        runs = {"pyarrow_one_thread": [], "pyarrow_two_threads": [], "parse_trace": []}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                n = sum(map(rows, blocks))
                runs["pyarrow_one_thread"].append(round(n / (time.perf_counter() - t0)))
                t0 = time.perf_counter()
                n = sum(pool.map(rows, blocks))
                runs["pyarrow_two_threads"].append(round(n / (time.perf_counter() - t0)))
                t0 = time.perf_counter()
                n = len(traces.parse_trace(path))
                runs["parse_trace"].append(round(n / (time.perf_counter() - t0)))
        result = dict(lines=args.n, block_bytes=traces._READ_BLOCK, lines_per_s=runs,
                      best={k: max(v) for k, v in runs.items()})
        if args.duckdb:
            result.update(_duckdb(path, args.rounds))
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
