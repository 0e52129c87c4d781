"""The paper's equilibrium condition, measured.

The paper's P/D resource game has a variational equilibrium where the marginal SLO gain per GPU is
equal across the pools; it only writes the condition down. Here the best split is run again with
one more prefill worker and with one more decode worker (same router, policy, Planner, loads and
seeds) and the two gains are compared: in goodput per added GPU first, and where both goodput gains
are equal (a load grid too coarse to see them, or a range that caps both), in the SLO margin at
the best's operating load (1 - p99 / target of the tighter constraint, per added GPU).
"""
from __future__ import annotations

import math

from ..api.sweep import run_tasks
from .result import SLA_KEYS, SLA_NAMES, summarise
from .search import measure

GOODPUT_TOLERANCE = 0.05    # gains within 5 % of the best's goodput count as equal (a seed's noise is ~1-3 %)
SLACK_TOLERANCE = 0.05      # ... and SLO margins within 5 points of the target


def slack(run: dict, sla: dict) -> float:
    """The SLO margin of a run: 1 - p99 / target of its tighter constraint (negative when missed)."""
    margins = [1.0 - run[k] / sla[k] for k in SLA_KEYS if math.isfinite(sla[k])]
    return min(m if math.isfinite(m) else -math.inf for m in margins)


def analyse(profile, workload, cfg, base_row, base_run, loads, seeds, seconds, warmup, overrides, sla, tp,
            executor=None) -> dict:
    """Gains of one more worker in each pool over the best configuration ``cfg`` (its row
    ``base_row``, and ``base_run``, its run at the operating load); see the module's docstring.
    The runs (each pool's at every load, none skipped) are independent tasks for ``executor``."""
    op = list(loads).index(base_row["load"])
    base_slack = slack(base_run, sla)
    out = {"split": (cfg.n_prefill, cfg.n_decode), "goodput_rps": base_row["goodput_rps"], "slack": base_slack,
           "load": base_row["load"]}
    pools = ("prefill", "decode")
    tasks = [(profile, workload, cfg.plus(pool), (load,), seeds, seconds, warmup, overrides)
             for pool in pools for load in loads]
    measured = run_tasks(measure, tasks, executor, False, "marginal")
    gain, sgain = {}, {}
    for k, pool in enumerate(pools):
        more = cfg.plus(pool)
        runs = [run for (run,) in measured[k * len(loads):(k + 1) * len(loads)]]
        row = summarise(more, tp, loads, runs, sla)
        s = slack(runs[op], sla)
        out[f"plus_{pool}"] = {"split": (more.n_prefill, more.n_decode), "goodput_rps": row["goodput_rps"],
                               "load": row["load"], "slack": s,
                               **{k: runs[op][k] for k in SLA_KEYS}}
        gain[pool] = (row["goodput_rps"] - base_row["goodput_rps"]) / tp
        sgain[pool] = (s - base_slack) / tp if math.isfinite(s) and math.isfinite(base_slack) else math.nan
    out["goodput_gain_per_gpu"], out["slack_gain_per_gpu"] = gain, sgain
    out.update(verdict(gain, sgain, base_row["goodput_rps"], tp))
    out["text"] = explain(out, sla, tp)
    return out


def verdict(gain: dict, sgain: dict, base_goodput: float, tp: int) -> dict:
    """Equal gains (the equilibrium condition holds), or the pool whose worker gains more, which is
    the under-provisioned one; ``measure`` says which gain decided."""
    tol = GOODPUT_TOLERANCE * max(base_goodput, 1e-9) / tp
    if abs(gain["prefill"] - gain["decode"]) > tol:
        return {"equal": False, "under_provisioned": max(gain, key=lambda k: gain[k]), "measure": "goodput"}
    if all(math.isfinite(v) for v in sgain.values()) and abs(sgain["prefill"] - sgain["decode"]) > SLACK_TOLERANCE / tp:
        return {"equal": False, "under_provisioned": max(sgain, key=lambda k: sgain[k]), "measure": "slo_margin"}
    return {"equal": True, "under_provisioned": None, "measure": "goodput and slo_margin"}


def explain(m: dict, sla: dict, tp: int) -> str:
    p, d = m["split"]
    keys = [k for k in SLA_KEYS if math.isfinite(sla[k])]
    lines = [f"At {p}P/{d}D (goodput {m['goodput_rps']:.1f} req/s, SLO margin {m['slack']:+.0%} at load "
             f"{m['load']:g}):"]
    for pool in ("prefill", "decode"):
        x = m[f"plus_{pool}"]
        lat = ", ".join(f"{SLA_NAMES[k]} {x[k]:,.0f} ms" for k in keys)
        lines.append(f"- one more {pool} worker ({tp} GPUs): goodput {x['goodput_rps']:.1f} req/s "
                     f"({m['goodput_gain_per_gpu'][pool]:+.2f} per GPU), margin {x['slack']:+.0%} ({lat})")
    if m["equal"]:
        lines.append("The two gains are equal within tolerance: the paper's equilibrium condition holds at this split.")
    else:
        by = "goodput" if m["measure"] == "goodput" else "SLO margin (goodput gains are equal)"
        lines.append(f"The gains differ ({by}): the {m['under_provisioned']} pool is under-provisioned; "
                     f"the equilibrium condition does not hold at this split.")
    return "\n".join(lines)
