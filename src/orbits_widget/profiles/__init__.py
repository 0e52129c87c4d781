"""The deployments (``catalog``), the facts they are built from (``specs``) and the one timing model
every layer uses (``perf_model``)."""
from .catalog import BEFORE_HYPOTHESES, DECODE_SLOT_KNEE, GPUS, MODELS, SHARED, Profile, get, names

__all__ = ["Profile", "names", "get", "SHARED", "GPUS", "MODELS", "DECODE_SLOT_KNEE", "BEFORE_HYPOTHESES"]
