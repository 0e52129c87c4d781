"""One place for argument checks: errors name the field and its allowed range."""
from __future__ import annotations

import math
import numbers


def check_number(name, value, lo=0.0, hi=math.inf, lo_open=False, integer=False):
    """``value`` as float (or int with ``integer``) if it is finite and in range, else ValueError."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if ok:
        ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        kind = "an integer" if integer else "a finite number"
        lb = "(" if lo_open else "["
        raise ValueError(f"{name}: must be {kind} in {lb}{lo}, {hi}], got {value!r}")
    return int(value) if integer else float(value)
