"""The deployments (``catalog``) and the one timing model every layer uses (``perf_model``)."""
from .catalog import GPUS, MODELS, PREFILL_HANDOFF, SHARED, Profile, get, names

__all__ = ["Profile", "names", "get", "SHARED", "GPUS", "MODELS", "PREFILL_HANDOFF"]
