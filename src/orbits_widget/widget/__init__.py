"""``OrbitsWidget``: the Orbits of Anarchy in a notebook cell."""
from ._widget import OrbitsWidget

__all__ = ["OrbitsWidget"]
