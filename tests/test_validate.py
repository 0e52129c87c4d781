"""The declarative checks every config goes through (_validate.Rule, check_fields)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orbits_widget._validate import BOOL, CHOICE, INTEGER, NUMBER, Rule, check_fields, check_number, check_record


@given(st.one_of(st.integers(-50, 50), st.floats(allow_nan=True, allow_infinity=True), st.booleans()),
       st.integers(-10, 10), st.integers(0, 20))
def test_an_integer_rule_takes_exactly_the_whole_numbers_in_its_range(value, lo, width):
    hi = lo + width
    rule = Rule("n", INTEGER, lo, hi)
    whole = (not isinstance(value, bool) and math.isfinite(value) and float(value) == int(value)
             and lo <= value <= hi)
    if whole:
        got = rule.check(value)
        assert got == value and type(got) is int
    else:
        with pytest.raises(ValueError, match=rf"^n: must be an integer in \[{lo}, {hi}\], got "):
            rule.check(value)


def test_an_open_lower_bound_refuses_the_bound_itself():
    rule = Rule("x", NUMBER, 0.0, 1.0, lo_open=True)
    assert rule.check(1) == 1.0 and type(rule.check(1)) is float
    with pytest.raises(ValueError, match=r"x: must be a finite number in \(0.0, 1.0\], got 0"):
        rule.check(0)


def test_a_bound_may_name_an_earlier_field_of_the_record():
    rules = (Rule("total", INTEGER, 1, 64), Rule("part", INTEGER, 0, "total"))
    assert check_fields(rules, {"total": 4, "part": 4.0}) == {"total": 4, "part": 4}
    with pytest.raises(ValueError, match=r"part: must be an integer in \[0, 4\], got 5"):
        check_fields(rules, {"total": 4, "part": 5})
    with pytest.raises(TypeError, match="names field 'total'"):
        Rule("part", INTEGER, 0, "total").check(1)


def test_values_allowed_outside_the_range_are_named_and_never_confused_with_bools():
    rule = Rule("seqs", INTEGER, 1, 10, also=(-1,), also_doc="-1 (= max_num_seqs)")
    assert rule.check(-1) == -1
    with pytest.raises(ValueError, match=r"seqs: must be -1 \(= max_num_seqs\) or an integer in \[1, 10\], got 0"):
        rule.check(0)
    flag = Rule("flag", BOOL, also=(None,))
    assert flag.check(None) is None and flag.check(False) is False
    with pytest.raises(ValueError, match="flag: must be True or False, got 0"):
        flag.check(0)


def test_choices_are_listed_in_the_error():
    rule = Rule("kvbm", CHOICE, choices=("auto", "on", "off"))
    assert rule.check("on") == "on"
    with pytest.raises(ValueError, match="kvbm: must be 'auto', 'on' or 'off', got 'yes'"):
        rule.check("yes")


def test_check_fields_reads_attributes_through_a_function():
    class Record:
        a, b = 2, True
    out = check_fields((Rule("a", INTEGER, 0, 3), Rule("b", BOOL)), lambda k: getattr(Record, k))
    assert out == {"a": 2, "b": True}


def test_check_number_keeps_its_message():
    assert check_number("rate", 2) == 2.0
    with pytest.raises(ValueError, match=r"rate: must be a finite number in \[0.0, inf\], got nan"):
        check_number("rate", float("nan"))


def test_check_record_stores_the_coerced_values_on_a_frozen_record():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Config:
        workers: float = 4.0
        share: float = 1

        def __post_init__(self):
            check_record((Rule("workers", INTEGER, 1, 8), Rule("share", NUMBER, 0.0, "workers")), self)

    c = Config()
    assert (c.workers, c.share) == (4, 1.0) and type(c.workers) is int and type(c.share) is float
    with pytest.raises(ValueError, match=r"share: must be a finite number in \[0.0, 2\], got 3"):
        Config(workers=2, share=3)
