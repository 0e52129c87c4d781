"""The widget's trait types (every rejected value says what the trait allows, and every write holds
the widget's lock) and ``applies``, the opening its observers share.

Kept apart from ``OrbitsWidget`` (as lonboard keeps its trait types): the class declares its traits
with these and stays about what they do.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets as T

if TYPE_CHECKING:
    # for the type checker the mixin is a trait type: its super() calls reach the one it is mixed into
    # (TraitType looks ``validate`` up at run time; traitlets declares it only on its subclasses)
    class _TraitBase(T.TraitType[Any, Any]):
        def validate(self, obj: Any, value: Any) -> Any: ...
else:
    _TraitBase = object


class Explained(_TraitBase):
    """Mixin for a trait type of the widget.

    A value it rejects (wrong type, a bool where a number is asked, NaN or infinity, outside
    ``min``/``max`` or the ``Enum``'s values) raises ``TraitError("<name>: must be <allowed>, got
    <value>")``; ``allowed`` may name the widget's other attributes, e.g. ``{obj.max_workers}``.

    ``set`` (every write: ``w.x = v``, ``set_trait``, the page's ``set_state``) holds the widget's
    lock, which the runner's loop holds too, across validation, storing and the observers that
    apply the value to the simulation: the loop never sees a trait that its observer has not
    applied yet, and a rejected value changes nothing."""

    def __init__(self, *args: Any, allowed: str, reject_bool: bool = False, **kwargs: Any) -> None:
        self.allowed, self.reject_bool = allowed, reject_bool
        super().__init__(*args, **kwargs)

    def explain(self, obj: Any, value: Any) -> T.TraitError:
        return T.TraitError(f"{self.name}: must be {self.allowed.format(obj=obj)}, got {value!r}")

    def validate(self, obj: Any, value: Any) -> Any:
        try:
            if self.reject_bool and isinstance(value, (bool, np.bool_)):
                raise T.TraitError
            v = super().validate(obj, value)
            lo, hi = getattr(self, "min", None), getattr(self, "max", None)
            if (lo is not None and not lo <= v) or (hi is not None and not v <= hi):     # NaN too
                raise T.TraitError
            if isinstance(v, float) and not math.isfinite(v):
                raise T.TraitError
        except T.TraitError:
            raise self.explain(obj, value) from None
        return v

    def set(self, obj: Any, value: Any) -> None:
        with obj._lock:
            super().set(obj, value)


class Float(Explained, T.Float):
    pass


class Int(Explained, T.Int):
    pass


class Enum(Explained, T.Enum):
    pass


class Bool(Explained, T.Bool):
    """True or False only (not 0/1, not strings)."""

    def validate(self, obj: Any, value: Any) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise self.explain(obj, value)
        return bool(value)


Observer = Callable[[Any, Any, dict], None]


def applies(*names: str, while_loading: bool = False) -> Callable[[Observer], Any]:
    """``T.observe(*names)`` for an observer that applies a trait to the widget's runner, which it
    gets as its second argument: ``fn(widget, runner, change)``.

    It is not called before the runner exists (``__init__`` sets the first values while building
    it) nor, unless ``while_loading``, while ``load_config`` sets the traits of twins it has built
    with them already (``runner.loading``)."""
    def wrap(fn: Observer) -> Any:
        @functools.wraps(fn)
        def observer(self: Any, change: dict) -> None:
            r = self._runner
            if r is None or (r.loading and not while_loading):
                return
            fn(self, r, change)
        return T.observe(*names)(observer)
    return wrap
