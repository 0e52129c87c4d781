"""What the clients send: the paper's template workload, Mooncake traces, and the random streams."""
from .traces import Trace, load_trace, synthetic_trace

__all__ = ["Trace", "load_trace", "synthetic_trace"]
