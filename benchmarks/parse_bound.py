"""How close is ``parse_trace`` to pyarrow's own reader on this machine?

Writes a generated trace (``workload/generate.py``, the bench's mix at 25 req/s), cuts it into the blocks
``parse_trace`` reads (``traces._blocks``: ``traces._READ_BLOCK`` bytes of whole lines), and times,
interleaved so that each round sees the same minute of this shared machine:

* ``pyarrow_one_thread``: pyarrow's JSON reader on every block, one after another, from memory;
* ``pyarrow_two_threads``: the same on two threads of ours (the bound of a two-core parse: no file
  reading, no line counting, no conversion to the kernel's columns);
* ``parse_trace``: the real thing, from the file (page cache warm).

Each is in lines/s per round; ``best`` is each one's best round. With ``--duckdb`` (DuckDB installed; it is
not a dependency) it also times DuckDB's ``read_json`` on the file (at our schema, which casts what it
can; with its types inferred from every line; with the fields read as JSON and each value's type checked),
in lines/s of the file, and shows what the first makes of three bad values, each of which ``parse_trace``
refuses with its line number.

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


def _duckdb(path: str, rounds: int) -> dict:
    """DuckDB's reader: its lenient read at our schema, what it makes of three bad values, and the two
    strict reads we could see (a whole-file type inference, or JSON-typed fields checked one by one)."""
    import duckdb

    def source(p, columns):
        return f"read_json({p!r}, format='newline_delimited', columns={{{columns}}})"

    lenient = ("timestamp: 'DOUBLE', input_length: 'BIGINT', output_length: 'BIGINT', "
               "hash_ids: 'BIGINT[]'")
    queries = {
        "lenient": f"select * from {source(path, lenient)}",
        # every line's types decide the columns' (3.5 makes a DOUBLE column, "5" a VARCHAR one)
        "inferred_types": f"describe select * from read_json({path!r}, format='newline_delimited', sample_size=-1)",
        # the fields as JSON, each value's own type checked, then cast
        "json_typed_checked": (
            "select json_type(input_length) in ('UBIGINT', 'BIGINT') and json_type(output_length) in ('UBIGINT', "
            "'BIGINT') and (hash_ids is null or list_bool_and(list_transform(hash_ids, lambda x: json_type(x) in "
            "('UBIGINT', 'BIGINT')))) as ok, timestamp::DOUBLE, input_length::BIGINT, output_length::BIGINT, "
            "hash_ids::BIGINT[] from " + source(path, "timestamp: 'JSON', input_length: 'JSON', output_length: "
                                                      "'JSON', hash_ids: 'JSON[]'")),
    }
    best = dict.fromkeys(queries, 0.0)
    lines = None
    for _ in range(rounds):
        for name, q in queries.items():
            t0 = time.perf_counter()
            rel = duckdb.sql(q)
            n = rel.to_arrow_table().num_rows if name != "inferred_types" else len(rel.fetchall())
            rate = (lines or n) / (time.perf_counter() - t0)
            if name == "lenient":
                lines = n
            best[name] = max(best[name], rate)
    taken = {}
    with tempfile.TemporaryDirectory() as d:
        for name, value in (("float", "3.5"), ("string", '"5"'), ("bool", "true")):
            p = os.path.join(d, f"{name}.jsonl")
            with open(p, "w") as fh:
                fh.write('{"timestamp": 1, "input_length": ' + value + ', "output_length": 2, "hash_ids": [1]}\n')
            try:
                taken[value] = duckdb.sql(f"select input_length from {source(p, lenient)}").fetchall()[0][0]
            except duckdb.Error as e:
                taken[value] = f"refused: {type(e).__name__}"
    return dict(duckdb_version=duckdb.__version__,
                duckdb_lines_per_s={k: round(v) for k, v in best.items()}, duckdb_input_length_of=taken)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="lines of the generated trace (default 1M)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--duckdb", action="store_true", help="also time DuckDB's reader (if installed)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    read_block = traces._json_reader()      # the reader parse_trace calls, same schema and options

    def rows(block: bytes) -> int:
        return read_block(block).num_rows

    with tempfile.TemporaryDirectory() as d:
        path = generate.write_trace(os.path.join(d, "mix.jsonl"), args.n, seed=0, rate=25.0)
        with open(path, "rb") as fh:       # the blocks parse_trace reads, each copied out of its buffer
            blocks = [bytes(buf[:end]) for buf, end in traces._blocks(fh)]
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
