"""python -m orbits_widget plan: the files it writes and the errors it exits 2 with."""
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from orbits_widget.__main__ import main
from orbits_widget.workload import synthetic_trace

BASE = ["plan", "--profile", "llama-70b-1p2d", "--gpus", "12", "--ttft-p99-ms", "500", "--itl-p99-ms", "15",
        "--loads", "64,256,512", "--seconds", "20", "--warmup", "5", "--no-progress"]


def test_plan_writes_the_csv_the_frontier_and_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(BASE + ["--paper", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    plan = pd.read_csv(out / "plan.csv", index_col="config")
    runs = pd.read_csv(out / "runs.csv")
    assert len(plan) == 2 * 16 * 2 and len(runs) == 3 * len(plan)      # splits x router grid x policies; x loads
    assert set(plan.columns) >= {"goodput_rps", "goodput_per_gpu", "pareto", "bottleneck", "binding"}
    best = plan.sort_values(["goodput_per_gpu", "ttft_p99_ms"], ascending=[False, True]).iloc[0]
    summary = (out / "summary.md").read_text()
    assert f"{best.n_prefill}P/{best.n_decode}D" in summary.split("## Winner")[1].splitlines()[2]
    assert summary.split("## Winner")[1].splitlines()[2] in printed
    assert "## One more worker" in summary and "## Pareto frontier" in summary
    svg = ET.parse(out / "frontier.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    line = svg.find(f"{ns}polyline")
    assert len(line.get("points").split()) == int(plan.pareto.sum())
    dots = [c for c in svg.iter(f"{ns}circle") if c.get("r") == "3"]
    assert len(dots) == int(plan.meets_sla.sum())


def test_plan_on_a_trace_and_an_infeasible_sla(tmp_path, capsys):
    path = synthetic_trace(200, rate=20.0, path=str(tmp_path / "t.jsonl"))
    out = tmp_path / "o"
    args = ["plan", "--profile", "llama-70b-1p2d", "--trace", path, "--gpus", "12", "--ttft-p99-ms", "0.5",
            "--policies", "static", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    assert "No configuration meets the SLA at any load: TTFT p99 never meets 0.5 ms" in capsys.readouterr().out
    assert "no configuration meets the SLA" in (out / "frontier.svg").read_text()


@pytest.mark.parametrize("args, option", [
    (["--paper", "--gpus", "3"], "--gpus"),
    (["--paper", "--gpus", "twelve"], "--gpus"),
    (["--paper", "--ttft-p99-ms", "-5"], "--ttft-p99-ms"),
    (["--paper", "--itl-p99-ms", "nan"], "--itl-p99-ms"),
    (["--paper", "--loads", "8,x"], "--loads"),
    (["--paper", "--loads", "0"], "--loads"),
    (["--paper", "--profile", "gpt-5"], "--profile"),
    (["--paper", "--policies", "greedy"], "--policies"),
    (["--paper", "--seeds", "0"], "--seeds"),
    (["--paper", "--seconds", "0"], "--seconds"),
    (["--paper", "--workers", "0"], "--workers"),
    (["--trace", "/nonexistent.jsonl"], "--trace"),
    (["--rate", "-2"], "--rate"),
    ([], "--trace --paper --rate"),                         # no workload: argparse names the group
    (["--paper", "--trace", "x.jsonl"], "--trace"),         # two workloads
])
def test_bad_arguments_exit_2_naming_the_option(tmp_path, capsys, args, option):
    base = ["plan", "--gpus", "12", "--ttft-p99-ms", "500", "--out", str(tmp_path / "o"), "--no-progress",
            "--profile", "llama-70b-1p2d", "--loads", "8", "--seconds", "1"]
    with pytest.raises(SystemExit) as e:
        main(base + args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert option.split()[0] in err or option in err, err


def test_no_sla_target_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["plan", "--paper", "--gpus", "12", "--out", str(tmp_path)])
    assert e.value.code == 2 and "--ttft-p99-ms" in capsys.readouterr().err
