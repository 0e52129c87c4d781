"""One place for argument checks: errors name the field and its allowed range.

A check is declared, not written: a ``Rule`` says what one field may hold (a finite number or an
integer in a range, True/False, one of a few choices) and ``check_fields`` applies a table of them.
A bound may name another field of the same record (``hi="max_workers"``), so a table also states
how fields depend on each other. Profiles, the controller and Planner configs, deployment configs
and trace options all go through here, so every error reads the same way.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NUMBER, INTEGER, BOOL, CHOICE = "number", "integer", "bool", "choice"


@dataclass(frozen=True)
class Rule:
    """What field ``name`` may hold.

    ``kind``: NUMBER (a finite real, returned as float), INTEGER (a whole real, returned as int),
    BOOL (exactly True or False) or CHOICE (one of ``choices``). ``lo``/``hi`` bound NUMBER and
    INTEGER values (inclusive, ``lo`` exclusive with ``lo_open``); either may be the name of another
    field, read from the record being checked. ``also`` lists values allowed outside the range (such
    as -1 for "the default"), described by ``also_doc``.
    """

    name: str
    kind: str = NUMBER
    lo: float | str = 0.0
    hi: float | str = math.inf
    lo_open: bool = False
    choices: tuple = ()
    also: tuple = ()
    also_doc: str = ""

    def check(self, value: Any, record: Mapping[str, Any] | None = None) -> Any:
        """``value`` coerced to the rule's type, or ValueError naming the field and what it may be."""
        if self.also and _is_one_of(value, self.also):
            return value
        if self.kind == BOOL:
            if isinstance(value, bool):
                return value
            raise ValueError(f"{self.name}: must be True or False, got {value!r}")
        if self.kind == CHOICE:
            if isinstance(value, str) and value in self.choices:
                return value
            raise ValueError(f"{self.name}: must be {_listed(self.choices)}, got {value!r}")
        lo, hi = self._bound(self.lo, record), self._bound(self.hi, record)
        integer = self.kind == INTEGER
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        if ok and integer:
            ok = float(value).is_integer()
        if ok:
            ok = (value > lo if self.lo_open else value >= lo) and value <= hi
        if not ok:
            kind = "an integer" if integer else "a finite number"
            lb = "(" if self.lo_open else "["
            also = f"{self.also_doc} or " if self.also_doc else ""
            raise ValueError(f"{self.name}: must be {also}{kind} in {lb}{lo}, {hi}], got {value!r}")
        return int(value) if integer else float(value)

    def _bound(self, bound: float | str, record: Mapping[str, Any] | None) -> Any:
        if not isinstance(bound, str):
            return bound
        if record is None or bound not in record:
            raise TypeError(f"rule {self.name!r}: its bound names field {bound!r}, which the record lacks")
        return record[bound]


def _is_one_of(value: Any, allowed: Iterable[Any]) -> bool:
    # 1 == True in Python: a bool is never taken for a number here, nor a number for a bool
    return any(type(value) is type(a) and value == a for a in allowed)


def _listed(choices: Iterable[Any]) -> str:
    names = [repr(c) for c in choices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_fields(rules: Iterable[Rule], values: Mapping[str, Any] | Callable[[str], Any]) -> dict[str, Any]:
    """Apply ``rules`` in order to a record (a mapping, or a function from field name to value);
    returns the coerced values. A rule whose bound names another field sees that field's coerced
    value, so list a field before the rules that refer to it."""
    get = values.__getitem__ if isinstance(values, Mapping) else values
    out: dict[str, Any] = {}
    for rule in rules:
        out[rule.name] = rule.check(get(rule.name), out)
    return out


def check_record(rules: Iterable[Rule], record: Any) -> None:
    """Apply ``rules`` to the attributes of a (frozen) dataclass in its ``__post_init__`` and store the
    coerced values back, so that an integer field given as 4.0 holds 4 and a number field given as 1
    holds 1.0: what the kernel reads has the declared type."""
    for name, value in check_fields(rules, lambda k: getattr(record, k)).items():
        object.__setattr__(record, name, value)


def check_number(name: str, value: Any, lo: float = 0.0, hi: float = math.inf, lo_open: bool = False,
                 integer: bool = False) -> Any:
    """``value`` as float (or int with ``integer``) if it is finite and in range, else ValueError."""
    return Rule(name, INTEGER if integer else NUMBER, lo, hi, lo_open).check(value)
