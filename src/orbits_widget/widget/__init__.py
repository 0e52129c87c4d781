"""``OrbitsWidget``: the Orbits of Anarchy in a notebook cell; ``PlanView``: a plan's configurations,
one click from the stage."""
from ._planview import PlanView
from ._widget import OrbitsWidget

__all__ = ["OrbitsWidget", "PlanView"]
