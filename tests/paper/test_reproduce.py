"""`python -m orbits_widget reproduce`: the notebook's tables as CSV, the same numbers."""
import json
import pathlib
import subprocess
import sys

import pandas as pd
import pytest

NOTEBOOK = pathlib.Path(__file__).parents[2] / "notebooks" / "02_paper_figures.ipynb"


def run(*args):
    return subprocess.run([sys.executable, "-m", "orbits_widget", *args], capture_output=True, text=True, timeout=600)


def notebook_output(marker):
    for cell in json.loads(NOTEBOOK.read_text())["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in src and marker in src:
            texts = (o.get("text", "") for o in cell["outputs"])
            return "".join(t if isinstance(t, str) else "".join(t) for t in texts)
    raise AssertionError(marker)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("repro")
    r = run("reproduce", "--out", str(d), "--no-progress")
    assert r.returncode == 0, r.stderr
    return d


def test_writes_every_table_and_a_summary(out):
    names = {p.name for p in out.iterdir()}
    assert names == {"ttft_vs_concurrency.csv", "poa_hat_grid.csv", "poa_hat_invariance.csv", "knee.csv",
                     "paper_comparison.csv", "summary.md", "ttft_vs_concurrency.svg"}
    svg = (out / "ttft_vs_concurrency.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "nan" not in svg
    summary = (out / "summary.md").read_text()
    assert "## Beside the paper" in summary and "Knee" in summary
    assert len(pd.read_csv(out / "poa_hat_grid.csv")) == 32


def test_its_numbers_equal_the_notebooks(out):
    cmp = pd.read_csv(out / "paper_comparison.csv")
    assert cmp.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-") + "\n" == \
        notebook_output('T["paper_comparison"]')
    curves = pd.read_csv(out / "ttft_vs_concurrency.csv")
    cols = ["profile", "concurrency", "static_ttft_p99_ms", "adaptive_ttft_p99_ms", "cost_of_not_adapting_ms",
            "static_rps", "adaptive_rps"]
    assert curves[cols].to_string(index=False, float_format=lambda v: f"{v:.1f}") + "\n" == \
        notebook_output("cost_of_not_adapting_ms")


@pytest.mark.parametrize("args,needle", [
    (["reproduce"], "--out"),
    (["reproduce", "--out", "x", "--profile", "gpt-9"], "--profile: unknown gpt-9"),
    (["reproduce", "--out", "x", "--seeds", "0"], "--seeds: must be an integer in [1, 20]"),
    (["reproduce", "--out", "x", "--seeds", "two"], "--seeds"),
    (["explode"], "invalid choice"),
])
def test_bad_arguments_exit_non_zero_with_a_message(args, needle):
    r = run(*args)
    assert r.returncode == 2 and needle in r.stderr


def test_an_unwritable_out_is_a_clear_error(tmp_path):
    f = tmp_path / "a-file"
    f.write_text("")
    r = run("reproduce", "--out", str(f / "sub"), "--profile", "dynamo-mocker-1p2d", "--seeds", "1", "--no-progress")
    assert r.returncode == 2 and "--out: cannot write" in r.stderr
