"""Plan a deployment: the paper's P/D resource game played out on a workload (``plan``), its
result (``Plan``), the marginal analysis at the winner, and the reports the CLI writes."""
from .result import COLUMNS, Plan, Winner
from .search import PAPER_LOADS, ROUTER_GRID, Workload
from .solve import plan

__all__ = ["plan", "Plan", "Winner", "COLUMNS", "PAPER_LOADS", "ROUTER_GRID", "Workload"]
