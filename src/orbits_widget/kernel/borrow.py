"""``borrow(a)``: a view of array ``a`` without an owner (NULL meminfo), for use inside the kernel.

Numba increfs every array argument on entry to a function and decrefs it on exit; in branchy
functions its pruning pass cannot remove the pairs, and the atomic operations were half of the
kernel's run time. A view with no meminfo makes those calls a null check. It is only valid while
the original array is alive: ``loop.advance`` borrows the State's arrays for one call, and
the State (which owns them) outlives that call.

``advance`` hands the borrowed views to ``_advance`` in named records (``layout.Requests``, ``Workers``,
``Caches``, ``Routing``, ``Records``, ``Trace``): numba passes a namedtuple as a struct of its members, so each
keeps its null meminfo. ``_advance`` and the non-inlined queue drains it calls unpack them at their top; the
inlined step functions still take arrays, because numba increfs every member of a record copied into an inlined
call (an ``NRT_incref``/``NRT_decref`` call each, null meminfo or not): passing records down to them measured
15 % slower (benchmarks/refactor-bench.md).
"""
from numba.core import cgutils, config
from numba.extending import intrinsic


def _identity(arr):
    return arr


@intrinsic
def _borrow(typingctx, arr):
    sig = arr(arr)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, value=args[0])
        ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
        ary.parent = cgutils.get_null_value(ary.parent.type)
        return ary._getvalue()

    return sig, codegen


# Under NUMBA_DISABLE_JIT=1 the kernel runs as Python, where an intrinsic cannot be called.
borrow = _identity if config.DISABLE_JIT else _borrow
