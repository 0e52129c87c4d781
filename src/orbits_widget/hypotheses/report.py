"""The scorecard as Markdown (docs/hypotheses.md) and JSON (benchmarks/hypotheses.json), and
``python -m orbits_widget explain``."""
from __future__ import annotations

import json
import math
import os

import numpy as np

from .catalog import MECHANISMS, TODAY, get
from .observations import OBSERVATIONS, TARGET_POA_GAIN, TARGET_TTFT_GAIN
from .scorecard import CALIBRATION_RANGE, CALIBRATION_STEP, SECONDS, SEEDS, TIE, Scorecard, evaluate

COMMAND = "python -m orbits_widget explain --out docs --json benchmarks/hypotheses.json"


def _clean(v):
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def to_json(card: Scorecard, seconds=SECONDS, seeds=SEEDS) -> dict:
    rows = []
    for r in card.itertuples():
        cal = card.calibration.get(r.hypothesis)
        cells = {o.key: _clean({k: v for k, v in card.cells[r.hypothesis][o.key].items()}) for o in OBSERVATIONS}
        rows.append(dict(hypothesis=r.hypothesis, mechanisms=list(get(r.hypothesis).mechanisms),
                         options=get(r.hypothesis).overrides, why=get(r.hypothesis).why,
                         output_tokens=_clean(r.output_tokens), held=int(r.held), cells=cells,
                         calibration=None if cal is None else _clean(dict(
                             parameter=cal["parameter"], range=list(cal["range"]), step=cal["step"],
                             value=cal["value"], centre=cal["centre"], best=cal["best"], feasible=cal["feasible"],
                             table=cal["table"].to_dict(orient="records")))))
    return dict(command=COMMAND, seeds=list(seeds), seconds=seconds, warmup=30.0,
                targets=dict(ttft_gain=TARGET_TTFT_GAIN, poa_gain=TARGET_POA_GAIN),
                calibration=dict(parameter="output_tokens", profile="llama-70b-1p2d", range=list(CALIBRATION_RANGE),
                                 step=CALIBRATION_STEP, tie=TIE),
                observations=[dict(key=o.key, title=o.title, rule=o.rule) for o in OBSERVATIONS],
                mechanisms=[m.row() for m in MECHANISMS.values()], rows=rows, default=card.default,
                ranking=card.ranking())


def _mark(ok):
    return "✓" if ok else "✗"


def markdown(card: Scorecard, seconds=SECONDS, seeds=SEEDS) -> str:
    d = to_json(card, seconds, seeds)
    default = d["default"]
    out = ["# Why adaptive routing helps: the hypothesis bench", "",
           f"Made by `{COMMAND}` (also `ow.hypotheses.evaluate()`); the same numbers are in "
           "[`benchmarks/hypotheses.json`](../benchmarks/hypotheses.json). Every run: the paper's workload, "
           f"{seconds:g} s measured after a 30 s warm-up, seeds {seeds[0]}-{seeds[-1]}. The reasoning behind each "
           "mechanism, and what the bench concludes, is in [model.md](model.md#why-adaptive-routing-helps-the-"
           "hypothesis-bench).", "",
           "## The scorecard", "",
           "Each cell: what the row's model measures, and ✓ if it reproduces the paper's observation (the rule is "
           "under the table). `L` is the row's output length, its one free parameter, fixed on llama-70b-1p2d "
           "(next section).", ""]
    head = ["row", "L", "held"] + [o["title"] for o in d["observations"]]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in d["rows"]:
        cells = [f"{_mark(r['cells'][o['key']]['holds'])} {r['cells'][o['key']]['text']}" for o in d["observations"]]
        name = f"**{r['hypothesis']}**" if r["hypothesis"] == default else r["hypothesis"]
        out.append("| " + " | ".join([name, str(r["output_tokens"]), f"{r['held']}/{len(OBSERVATIONS)}"] + cells)
                   + " |")
    out += ["", "What each observation needs to hold:", ""]
    out += [f"- **{o['title']}**: {o['rule']}." for o in d["observations"]]
    out += ["", "## The default model", "",
            f"The rules: the row reproducing the most observations; ties go to fewer mechanisms (every row has the "
            f"same single free parameter), then to the stronger evidence, then to the order above. Ranked: "
            f"{', '.join(d['ranking'])}.", "",
            f"**Default: {default}**" + (" (today's model)." if default == TODAY else
                                         f" = {', '.join(MECHANISMS[k].name for k in get(default).mechanisms)}; "
                                         f"profile options {get(default).overrides}, the profiles' defaults."),
            "Today's model, the one before this bench, stays one call away: `ow.profiles.get(name, "
            "**ow.profiles.BEFORE_HYPOTHESES)`.", ""]
    gain = [r for r in d["rows"] if r["cells"]["ttft_gain"]["holds"]]
    both = [r["hypothesis"] for r in gain if r["cells"]["poa_gain"]["holds"]]
    closest = min(d["rows"], key=lambda r: abs(math.log(max(r["cells"]["ttft_gain"]["value"], 1e-9)
                                                        / TARGET_TTFT_GAIN)))
    out += [f"- Rows reproducing the 70B 1P/2D TTFT P99 gain (7.6x, within 2x on every seed): "
            f"{', '.join(r['hypothesis'] for r in gain) or 'none'}. Closest: {closest['hypothesis']}, "
            f"{closest['cells']['ttft_gain']['text']}.",
            f"- Rows reproducing both 70B ratios: {', '.join(both) or 'none'}.",
            ""]
    out += ["## Calibration: the output length, on llama-70b-1p2d only", "",
            f"The paper gives no output length. Each row searches it over {CALIBRATION_RANGE[0]}-"
            f"{CALIBRATION_RANGE[1]} tokens in steps of {CALIBRATION_STEP}: for each length, the static TTFT P99 "
            f"over the grid (where its knee falls) and static vs adaptive at C = 128 (TTFT P99 and PoA-hat ratios, "
            f"their distance to 7.6x and 2.2x in summed |log ratio|). Lengths that keep this deployment's knee at "
            f"C = 128 are feasible; the one nearest the middle of the feasible range is kept unless another fits "
            f"the two ratios better by more than {TIE} (the seed-to-seed noise of a model whose ratios do not "
            f"depend on the length). Nothing is fitted on 340B or 1P/5D.", "",
            "| row | feasible lengths | middle | best fit (distance) | chosen |", "|---|---|---|---|---|"]
    for r in d["rows"]:
        c = r["calibration"]
        if c is None:
            continue
        t = {row["output_tokens"]: row for row in c["table"]}
        feas = f"{min(c['feasible'])}-{max(c['feasible'])}" if c["feasible"] else "none (knee never at 128)"
        out.append(f"| {r['hypothesis']} | {feas} | {c['centre']} ({t[c['centre']]['distance']:.2f}) | "
                   f"{c['best']} ({t[c['best']]['distance']:.2f}) | {c['value']} |")
    out += ["", "## The mechanisms", "", "| | mechanism | profile options | assumes | source | evidence |",
            "|---|---|---|---|---|---|"]
    for m in d["mechanisms"]:
        out.append(f"| {m['key']} | {m['name']} | `{m['options']}` | {m['assumes']} | {m['source']} | "
                   f"**{m['strength']}**: {m['evidence']} |")
    out += ["", "Combinations tried, and why:", ""]
    out += [f"- **{r['hypothesis']}**: {r['why']}." for r in d["rows"] if len(r["mechanisms"]) > 1]
    return "\n".join(out) + "\n"


def write(out_dir: str, card: Scorecard, seconds=SECONDS, seeds=SEEDS, json_path=None) -> list[str]:
    """``hypotheses.md`` into ``out_dir`` and the JSON beside it (or at ``json_path``); returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    md = os.path.join(out_dir, "hypotheses.md")
    with open(md, "w") as fh:
        fh.write(markdown(card, seconds, seeds))
    js = json_path or os.path.join(out_dir, "hypotheses.json")
    os.makedirs(os.path.dirname(os.path.abspath(js)), exist_ok=True)
    with open(js, "w") as fh:
        json.dump(to_json(card, seconds, seeds), fh, indent=1, sort_keys=True)
        fh.write("\n")
    return [md, js]


def run(out_dir=None, hypotheses=None, seeds=SEEDS, seconds=SECONDS, workers=2, progress=None,
        json_path=None) -> tuple[Scorecard, list[str]]:
    """Evaluate (on ``workers`` processes) and, with ``out_dir``, write the files."""
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers) as ex:
            card = evaluate(hypotheses, seeds, seconds, executor=ex, progress=progress)
    else:
        card = evaluate(hypotheses, seeds, seconds, progress=progress)
    paths = write(out_dir, card, seconds, seeds, json_path) if out_dir else []
    return card, paths


def text(card: Scorecard) -> str:
    """The scorecard for a terminal: one line per row, ✓/✗ per observation."""
    keys = [o.key for o in OBSERVATIONS]
    lines = ["row          L    held  " + "  ".join(f"{i + 1:>2}" for i in range(len(keys)))]
    for r in card.itertuples():
        marks = "  ".join(f"{_mark(getattr(r, k + '_holds')):>2}" for k in keys)
        lines.append(f"{r.hypothesis:<12} {r.output_tokens!s:>4} {r.held:>2}/{len(keys)}  {marks}")
    lines += [""] + [f"{i + 1:>2} {o.title}" for i, o in enumerate(OBSERVATIONS)]
    lines += ["", f"default: {card.default}"]
    return "\n".join(lines)
