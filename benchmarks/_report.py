"""What every benchmark script does with its result: print it as JSON, and keep it in a file when asked
(the recorded copies under benchmarks/ are what the docs quote)."""
from __future__ import annotations

import json
import pathlib


def emit(result, out=None, indent: int = 1, ensure_ascii: bool = True) -> str:
    """Print ``result`` as JSON and, if ``out`` is given, write it there too (with a final newline)."""
    text = json.dumps(result, indent=indent, ensure_ascii=ensure_ascii)
    print(text)
    if out:
        pathlib.Path(out).write_text(text + "\n")
    return text
