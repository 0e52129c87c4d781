"""``borrow(a)``: a view of array ``a`` without an owner (NULL meminfo), for use inside the kernel.

Numba counts references to every array a function holds (``NRT_incref``/``NRT_decref``): on entry to a
function, on binding an argument of an inlined one, on taking a view. The kernel's functions are compiled
without that runtime (``@njit(..., _nrt=False)``): they never allocate and only use arrays the State owns,
which outlives every call, so there is nothing to count. Each of those calls was an opaque function call
that LLVM could neither remove nor move loads across; dropping them made a replay of the generated mix
1.75x faster (docs/benchmarks.md, "The kernel without reference counting").

A function compiled without the runtime cannot free an array it is handed, so the few kernel functions
that allocate (a block table's rehash, the PoA matching, the detector's window, KVBM's per-block keys of a
run-keyed request) keep it (``_nrt=True``) and return numbers, never arrays; tests/kernel/test_refcounting.py
checks both (each non-inlined function says which it is, and a replay frees all it allocates). A function
that says nothing would inherit its caller's choice, so every non-inlined kernel function says it.

Borrowed views still matter to those allocating functions: a view with no meminfo makes their reference
counting a null check instead of an atomic operation. A borrowed view is only valid while the original
array is alive: ``loop.advance`` borrows the State's arrays for one call, and the State (which owns them)
outlives that call.

``advance`` hands the borrowed views to ``_advance`` in named records (``layout.Requests``, ``Workers``,
``Caches``, ``Routing``, ``Records``, ``Trace``): numba passes a namedtuple as a struct of its members.
``_advance`` and the non-inlined queue drains it calls unpack them at their top; the inlined step functions
take arrays.
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
