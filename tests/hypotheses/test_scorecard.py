"""The hypothesis bench: its catalog, the rules that score a row, calibrate it and rank the rows, the recorded
scorecard against the code's default model, and ``python -m orbits_widget explain``."""
import dataclasses
import json
import pathlib

import numpy as np
import pandas as pd
import pytest

from orbits_widget.__main__ import main
from orbits_widget.hypotheses import HYPOTHESES, MECHANISMS, OBSERVATIONS, TODAY
from orbits_widget.hypotheses.observations import KNEE_C, knee_of, measure, runs_for
from orbits_widget.hypotheses.scorecard import TIE, Scorecard, choose_length, evaluate, fit_distance
from orbits_widget.profiles import BEFORE_HYPOTHESES, get

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIELDS = {f.name for f in dataclasses.fields(get())}


# ---- the catalog ----
@pytest.mark.parametrize("key", sorted(MECHANISMS))
def test_a_mechanism_is_profile_options_that_differ_from_todays_model(key):
    m = MECHANISMS[key]
    assert m.overrides and set(m.overrides) <= FIELDS
    before = get("llama-70b-1p2d", **BEFORE_HYPOTHESES)
    assert all(getattr(before, k) != v for k, v in m.overrides.items()), "off unless chosen"
    get("llama-70b-1p2d", **m.overrides)                # a valid profile
    assert m.source and m.assumes and m.evidence and m.strength in ("strong", "medium", "contested")


def test_every_row_is_made_of_known_mechanisms_and_a_combination_says_why():
    assert list(HYPOTHESES)[0] == TODAY and HYPOTHESES[TODAY].mechanisms == ()
    for h in HYPOTHESES.values():
        assert set(h.mechanisms) <= set(MECHANISMS)
        if len(h.mechanisms) > 1:
            assert len(h.why) > 20
    for k in MECHANISMS:                                  # each alone
        assert HYPOTHESES[k].mechanisms == (k,)


# ---- measuring one row ----
def test_the_knee_is_the_steepest_rise():
    assert knee_of({8: 40, 96: 50, 128: 400, 192: 1000, 256: 2000}) == 128
    assert knee_of({8: 40, 96: 50, 128: 90, 192: 1000, 256: 2000}) == 192


def synthetic(ttft_gain, poa_gain, five_poa=1.2, five_cost=0.02, plateau_cv=0.001, resource=0.8):
    """Summaries for every run a row needs, built so that each observation's value is known."""
    from orbits_widget.hypotheses.observations import CALIBRATION_PROFILE, DEEP_C, MAIN, PAPER_DEPLOYMENTS, PLATEAU_C
    knee_curve = {8: 40.0, 16: 41.0, 32: 42.0, 64: 45.0, 96: 50.0, 128: 400.0, 192: 1000.0, 256: 2000.0}
    moved = {**knee_curve, 128: 60.0, 192: 70.0}          # +1 prefill: the rise moves to 256
    res = {}
    rng = np.random.default_rng(0)
    for key in runs_for():
        name, c, pol, seed, tau, omega, extra = key
        extra = dict(extra)
        p99 = (moved if "n_prefill" in extra else knee_curve).get(c, 30.0)
        poa, rps = p99 / 25.0, 100.0
        if pol == "adaptive" and name == CALIBRATION_PROFILE and c == KNEE_C:
            p99, poa = p99 / ttft_gain, poa / poa_gain
        if name == PAPER_DEPLOYMENTS[2] and pol == "adaptive":
            poa, rps = poa / five_poa, rps * (1 - five_cost)
        if name == MAIN and c == PLATEAU_C:
            poa = 1.7 * (1 + plateau_cv * rng.standard_normal()) if (tau, omega) != (0.0, 1.0) else 1.7
        if name == MAIN and c == DEEP_C and pol == "adaptive":
            # the decomposition: excess 2000 - 30; routing 100; resource `resource` of the excess
            p99 = 1900.0 - (resource * 1970.0 if extra.get("n_prefill") else 0.0)
            if extra.get("n_decode"):
                p99 = 1890.0
        res[key] = dict(ttft_p99_ms=p99, poa_hat=poa, throughput_rps=rps)
    return res


def test_each_observation_holds_by_its_rule():
    cells = measure(synthetic(7.6, 2.2))
    assert all(c["holds"] for k, c in cells.items() if k != "plateau"), cells
    assert cells["ttft_gain"]["value"] == pytest.approx(7.6) and cells["poa_gain"]["value"] == pytest.approx(2.2)
    assert cells["knee_340b"]["value"] == 128 and cells["plus_prefill"]["value"] == [256, 256, 256]
    assert cells["resource_bound"]["value"] == pytest.approx(0.8, rel=0.01)


@pytest.mark.parametrize("gain, holds", [(3.7, False), (3.9, True), (15.1, True), (15.3, False)])
def test_the_ttft_gain_must_be_within_2x_of_7_6(gain, holds):
    assert measure(synthetic(gain, 2.2))["ttft_gain"]["holds"] is holds


@pytest.mark.parametrize("poa, cost, holds", [(1.2, 0.02, True), (1.02, 0.02, False), (1.2, -0.01, False),
                                              (1.2, 0.3, False)])
def test_1p5d_needs_a_lower_poa_hat_and_some_lost_throughput(poa, cost, holds):
    assert measure(synthetic(7.6, 2.2, five_poa=poa, five_cost=cost))["sat_1p5d"]["holds"] is holds


def test_deep_saturation_must_be_mostly_the_prefill_pools():
    assert not measure(synthetic(7.6, 2.2, resource=0.3))["resource_bound"]["holds"]


def test_a_ratio_must_hold_on_every_seed():
    res = synthetic(7.6, 2.2)
    for key in res:
        if key[:3] == ("llama-70b-1p2d", KNEE_C, "adaptive") and key[3] == 1:
            res[key] = dict(res[key], ttft_p99_ms=res[key]["ttft_p99_ms"] * 7.6)       # that seed: no gain
    cell = measure(res)["ttft_gain"]
    assert not cell["holds"] and min(cell["seeds"]) == pytest.approx(1.0)


# ---- calibration and ranking ----
def table(distances, feasible):
    lengths = list(range(160, 160 + 8 * len(distances), 8))
    return pd.DataFrame(dict(output_tokens=lengths, distance=distances, feasible=feasible))


def test_a_length_that_fits_no_better_than_noise_leaves_the_centre():
    t = table([2.8, 2.7, 2.75, 2.6, 2.8], [False, True, True, True, True])
    assert choose_length(t) == (176, 176, 184)           # centre of 168-192 is 180: 176 and 184 tie, the lower
    t = table([2.8, 2.8, 2.8 - TIE + 0.01, 2.8, 2.8], [True] * 5)
    assert choose_length(t)[0] == 176


def test_a_clearly_better_fit_is_chosen():
    t = table([2.8, 2.8, 2.8, 1.0, 2.8], [True] * 5)
    assert choose_length(t) == (184, 176, 184)


def test_with_no_feasible_length_the_rule_runs_over_all():
    t = table([2.8, 2.8, 2.8, 2.8, 2.8], [False] * 5)
    assert choose_length(t)[0] == 176


def test_fit_distance_is_zero_at_the_papers_ratios():
    assert fit_distance(7.6, 2.2) == 0.0
    assert fit_distance(15.2, 1.1) == pytest.approx(2 * np.log(2))


def test_ranking_most_held_then_fewer_mechanisms_then_stronger_evidence():
    rows = [dict(hypothesis=n, held=h) for n, h in (("today", 6), ("H1", 7), ("H4", 7), ("H1+H4", 7))]
    card = Scorecard(rows)
    # H1 (medium) and H4 (strong) both alone: the stronger evidence first; the pair has two mechanisms
    assert card.ranking() == ["H4", "H1", "H1+H4", "today"] and card.default == "H4"
    assert Scorecard([dict(hypothesis="today", held=7), dict(hypothesis="H3", held=7)]).default == "today"


# ---- end to end, and the recorded scorecard ----
def test_evaluate_runs_a_row_end_to_end():
    card = evaluate(["H4"], seeds=(0,), seconds=20.0, calibrate_each=False)
    r = card.iloc[0]
    assert r.hypothesis == "H4" and 0 <= r.held <= len(OBSERVATIONS)
    for o in OBSERVATIONS:
        assert isinstance(r[o.key + "_holds"], (bool, np.bool_)) and r[o.key + "_text"]
    with pytest.raises(ValueError, match="hypothesis: unknown"):
        evaluate(["H9"])


def test_the_recorded_scorecard_chose_the_profiles_default_model():
    """benchmarks/hypotheses.json (``python -m orbits_widget explain --out docs --json ...``) names a default;
    the profiles' defaults must be that row's options and its calibrated output length."""
    d = json.loads((ROOT / "benchmarks" / "hypotheses.json").read_text())
    row = next(r for r in d["rows"] if r["hypothesis"] == d["default"])
    p = get("llama-70b-1p2d")
    for k, v in HYPOTHESES[d["default"]].overrides.items():
        assert getattr(p, k) == v, k
    for k, v in BEFORE_HYPOTHESES.items():
        if k not in HYPOTHESES[d["default"]].overrides and k != "output_tokens":
            assert getattr(p, k) == v, k
    assert p.output_tokens == row["output_tokens"] == row["calibration"]["value"]
    assert d["ranking"][0] == d["default"] and len(d["rows"]) == len(HYPOTHESES)
    md = (ROOT / "docs" / "hypotheses.md").read_text()
    assert f"**Default: {d['default']}**" in md


@pytest.mark.parametrize("argv, option", [(["--hypothesis", "H9"], "--hypothesis"), (["--seeds", "0"], "--seeds"),
                                          (["--workers", "0"], "--workers"), (["--json", "x.json"], "--json")])
def test_explain_names_the_bad_option(argv, option, capsys):
    with pytest.raises(SystemExit) as e:
        main(["explain", *argv])
    assert e.value.code == 2 and option in capsys.readouterr().err
