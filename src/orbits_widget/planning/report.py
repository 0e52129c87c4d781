"""A plan as files: the rows (CSV), every run (CSV), the frontier (SVG, no plotting library) and a
Markdown summary: what ``python -m orbits_widget plan`` writes."""
from __future__ import annotations

import html
import math
import os

from .result import SLA_NAMES, describe_config

POLICY_COLOURS = {"static": "#ff7f50", "adaptive": "#4fc3f7"}


def _fmt(v, spec=",.1f"):
    return "–" if not (isinstance(v, (int, float)) and math.isfinite(v)) else format(v, spec)


def frontier_svg(plan, width=720, height=420) -> str:
    """Goodput per GPU against TTFT p99 (log) for every row that meets the SLA, the Pareto frontier
    joined, the winner ringed, the TTFT target dashed."""
    left, right, top, bottom = 72, 24, 44, 56
    ok = plan[plan.meets_sla & plan.ttft_p99_ms.gt(0)]
    t_values = list(ok.ttft_p99_ms) + [plan.sla["ttft_p99_ms"]] if math.isfinite(plan.sla["ttft_p99_ms"]) \
        else list(ok.ttft_p99_ms)
    lo = math.log10(min(t_values)) - 0.1 if t_values else 0.0
    hi = math.log10(max(t_values)) + 0.1 if t_values else 1.0
    g_max = max(float(ok.goodput_per_gpu.max()) if len(ok) else 1.0, 1e-9) * 1.1

    def px(ms):
        return left + (math.log10(ms) - lo) / (hi - lo) * (width - left - right)

    def py(g):
        return height - bottom - g / g_max * (height - top - bottom)

    title = html.escape(f"Goodput per GPU vs. TTFT p99 — {plan.profile}, {plan.budget_gpus} GPUs")
    el = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
          f'font-size="12">', f'<rect width="{width}" height="{height}" fill="#0b1020"/>',
          f'<text x="{width / 2}" y="24" fill="#e6e6e6" text-anchor="middle" font-size="14">{title}</text>']
    for k in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 3):
            ms = m * 10 ** k
            if lo <= math.log10(ms) <= hi:
                label = f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"
                el.append(f'<line x1="{px(ms):.1f}" x2="{px(ms):.1f}" y1="{top}" y2="{height - bottom}" '
                          f'stroke="#1c2238"/><text x="{px(ms):.1f}" y="{height - bottom + 18}" fill="#9aa" '
                          f'text-anchor="middle">{label}</text>')
    for i in range(6):
        g = g_max * i / 5
        el.append(f'<text x="{left - 6}" y="{py(g) + 4:.1f}" fill="#9aa" text-anchor="end">{g:.1f}</text>')
    el.append(f'<text x="{width / 2}" y="{height - 14}" fill="#9aa" text-anchor="middle">TTFT p99 at the operating '
              f'load (log)</text>')
    el.append(f'<text x="18" y="{height / 2}" fill="#9aa" text-anchor="middle" '
              f'transform="rotate(-90 18 {height / 2})">goodput per GPU (req/s)</text>')
    target = plan.sla["ttft_p99_ms"]
    if math.isfinite(target) and len(ok):
        el.append(f'<line x1="{px(target):.1f}" x2="{px(target):.1f}" y1="{top}" y2="{height - bottom}" '
                  f'stroke="#888" stroke-dasharray="5,4"/><text x="{px(target) - 4:.1f}" y="{top + 12}" fill="#888" '
                  f'text-anchor="end">SLA {target:g} ms</text>')
    for r in ok.itertuples():
        el.append(f'<circle cx="{px(r.ttft_p99_ms):.1f}" cy="{py(r.goodput_per_gpu):.1f}" r="3" '
                  f'fill="{POLICY_COLOURS[r.policy]}" fill-opacity="0.55"/>')
    front = plan.frontier
    if len(front):
        pts = " ".join(f"{px(t):.1f},{py(g):.1f}" for t, g in zip(front.ttft_p99_ms, front.goodput_per_gpu))
        el.append(f'<polyline points="{pts}" fill="none" stroke="#e6e6e6" stroke-width="1.5"/>')
    if plan.best is not None:
        b = plan.loc[plan.best.index]
        el.append(f'<circle cx="{px(b.ttft_p99_ms):.1f}" cy="{py(b.goodput_per_gpu):.1f}" r="8" fill="none" '
                  f'stroke="#ffd54f" stroke-width="2"/>')
        el.append(f'<text x="{left + 10}" y="{top + 50}" fill="#ffd54f">'
                  f'{html.escape("best: " + describe_config(b))}</text>')
    else:
        el.append(f'<text x="{width / 2}" y="{height / 2}" fill="#ffd54f" text-anchor="middle">'
                  f'no configuration meets the SLA</text>')
    for k, (pol, colour) in enumerate(POLICY_COLOURS.items()):
        el.append(f'<text x="{left + 10}" y="{top + 14 + 16 * k}" fill="{colour}">● {pol}</text>')
    el.append("</svg>")
    return "\n".join(el) + "\n"


def _table(df, cols) -> list[str]:
    head = "| " + " | ".join(c for c, _ in cols) + " |"
    rule = "|" + "|".join("---" for _ in cols) + "|"
    rows = []
    for _, r in df.iterrows():
        rows.append("| " + " | ".join(f(r) for _, f in cols) + " |")
    return [head, rule, *rows]


ROW_COLUMNS = [
    ("split", lambda r: f"{r.n_prefill}P/{r.n_decode}D"), ("policy", lambda r: r.policy),
    ("τ / ω", lambda r: f"{r.tau:g} / {r.omega:g}"), ("Planner", lambda r: "on" if r.planner else "off"),
    ("load", lambda r: f"{r.load:g}"), ("goodput req/s", lambda r: _fmt(r.goodput_rps)),
    ("per GPU", lambda r: _fmt(r.goodput_per_gpu, ".2f")), ("TTFT p99 ms", lambda r: _fmt(r.ttft_p99_ms)),
    ("ITL p99 ms", lambda r: _fmt(r.itl_p99_ms, ".2f")), ("bottleneck", lambda r: r.bottleneck),
    ("binding", lambda r: r.binding)]


def policy_comparison(plan) -> list[str]:
    """The best row of each policy, and whether the policy changes the winner."""
    out = []
    for pol in ("static", "adaptive"):
        mine = plan[(plan.policy == pol) & plan.meets_sla]
        if len(mine):
            r = mine.sort_values(["goodput_per_gpu", "ttft_p99_ms"], ascending=[False, True]).iloc[0]
            out.append(f"- best {pol}: {describe_config(r)}, {r.goodput_rps:.1f} req/s at load {r.load:g}")
    return out


def summary_markdown(plan) -> str:
    s = plan.search
    sla = ", ".join(f"{SLA_NAMES[k]} ≤ {v:g} ms" for k, v in plan.sla.items() if math.isfinite(v))
    lines = [f"# Deployment plan: {plan.profile} on {plan.budget_gpus} GPUs", "",
             f"- workload: {plan.workload.describe()}; loads ({plan.workload.load_name}): "
             f"{', '.join(f'{x:g}' for x in s['loads'])}",
             f"- SLA: {sla}",
             f"- searched: {len(s['splits'])} splits × {len(s['router_grid'])} router settings × "
             f"{len(s['policies'])} policies × {len(s['planner'])} Planner settings = {len(plan)} configurations, "
             f"{len(plan.runs)} runs ({s['seconds']:g} s measured after {s['warmup']:g} s, seeds {s['seeds']})", "",
             "## Winner", "", plan.verdict, ""]
    lines += policy_comparison(plan) + [""]
    if plan.marginal is not None:
        lines += ["## One more worker: the equilibrium condition", "", plan.marginal["text"], ""]
    lines += ["## Pareto frontier (goodput per GPU vs TTFT p99)", ""]
    lines += _table(plan.frontier, ROW_COLUMNS) + [""]
    top = plan.sort_values(["goodput_per_gpu", "ttft_p99_ms"], ascending=[False, True]).head(10)
    lines += ["## Top 10 configurations", ""] + _table(top, ROW_COLUMNS) + [""]
    lines += ["Goodput: the highest throughput among the loads whose run meets the SLA (TTFT p99 and ITL p99 "
              "within their targets), 0 when none does. See docs/planning.md."]
    return "\n".join(lines) + "\n"


def write(plan, out_dir) -> list[str]:
    """Write plan.csv, runs.csv, frontier.svg and summary.md into ``out_dir``; return the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, n) for n in ("plan.csv", "runs.csv", "frontier.svg", "summary.md")]
    plan.to_csv(paths[0], index_label="config", float_format="%.12g")
    plan.runs.to_csv(paths[1], index=False, float_format="%.12g")
    with open(paths[2], "w", encoding="utf-8") as fh:
        fh.write(frontier_svg(plan))
    with open(paths[3], "w", encoding="utf-8") as fh:
        fh.write(summary_markdown(plan))
    return paths
