"""The one contract (``_schema.py`` <-> ``js/protocol/contract.js``): the schema carries the running
simulation's parameters, and a field that either side has and the other does not know fails here."""
import importlib
import json
import pkgutil
import re

import pytest
from page_tools import JS, js_path, run_node

import orbits_widget.kernel
from orbits_widget import DetectorConfig, profiles
from orbits_widget.control.detector import DYNAMO_TTFT_BUCKETS, REGIMES
from orbits_widget.control.planner import PREDICTORS
from orbits_widget.hypotheses.observations import TARGET_TTFT_GAIN
from orbits_widget.widget import _schema as S


def page_reads(schema: dict, tmp_path) -> dict:
    """What the page declares it reads (PAGE_READS), the same groups of ``schema`` as the page sees
    them, the page's own check of ``schema``, and the keys of the view's per-name styles."""
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    return run_node(
        f"import {{ PAGE_READS, schemaGroups, checkSchema }} from {js_path(JS / 'protocol' / 'contract.js')};\n"
        f"import {{ ROUTE_STYLE }} from {js_path(JS / 'view' / 'shuttles.js')};\n"
        f"import {{ NARRATIVE }} from {js_path(JS / 'view' / 'controls.js')};\n"
        f"import {{ REGIME_STYLE }} from {js_path(JS / 'view' / 'regimes.js')};\n"
        "import { readFileSync } from 'node:fs';\n"
        f"const schema = JSON.parse(readFileSync({json.dumps(str(tmp_path / 'schema.json'))}, 'utf8'));\n"
        "console.log(JSON.stringify({ reads: PAGE_READS, sent: schemaGroups(schema), problems: checkSchema(schema),\n"
        "  styles: { routes: Object.keys(ROUTE_STYLE), modes: Object.keys(NARRATIVE),\n"
        "            regimes: Object.keys(REGIME_STYLE) } }));\n", tmp_path)


def test_both_sides_know_the_same_fields(w, tmp_path):
    schema = w._schema
    page = page_reads(schema, tmp_path)
    sent = {"schema": list(schema), "frame": list(schema["frame"]),
            "header": [name for name, _ in schema["frame"]["header"]],
            **{g: schema["frame"][g] for g in ("scalars", "prefill", "decode", "routes", "per_decode", "flags")},
            "hypothesis": list(schema["hypotheses"][0]), "mechanisms": list(schema["mechanisms"]),
            **{g: schema[g] for g in ("regimes", "worker_states", "modes")}}
    assert page["sent"] == sent                 # the page reads the groups where Python puts them
    assert set(page["reads"]) == set(sent)
    for group, names in sent.items():
        python_only = sorted(set(names) - set(page["reads"][group]))
        page_only = sorted(set(page["reads"][group]) - set(names))
        assert not python_only, f"{group}: Python sends {python_only}, which the page does not know"
        assert not page_only, f"{group}: the page reads {page_only}, which Python does not send"
    assert page["problems"] == []
    assert all(list(c) == sent["hypothesis"] for c in schema["hypotheses"])     # every choice has the same keys
    # the view has a style (colour, text, drawing) for every name it declares
    for group in ("routes", "modes", "regimes"):
        assert page["styles"][group] == page["reads"][group], group


def test_a_field_one_side_does_not_know_fails(w, tmp_path):
    """The check itself: a scalar only Python sends, a route only the page reads."""
    schema = json.loads(json.dumps(w._schema))
    schema["frame"]["scalars"].append("made_up_ms")
    schema["frame"]["routes"].remove("tokens_home")
    schema["made_up_parameter"] = 1
    schema["mechanisms"]["made_up_cache"] = True
    del schema["mechanisms"]["posting"]
    problems = page_reads(schema, tmp_path)["problems"]
    assert problems == ["schema: Python sends made_up_parameter, which the page does not know",
                        "scalars: Python sends made_up_ms, which the page does not know",
                        "routes: the page reads tokens_home, which Python does not send",
                        "mechanisms: Python sends made_up_cache, which the page does not know",
                        "mechanisms: the page reads posting, which Python does not send"]


def test_the_schema_holds_the_running_simulations_parameters():
    prof = profiles.get("llama-70b-1p5d")
    s = S.page_schema(prof, DetectorConfig(theta1=0.5, theta2=3.0, hysteresis=4), "constant")
    assert (s["theta1_ms"], s["theta2_ms"], s["hysteresis"]) == (500.0, 3000.0, 4)
    assert s["knee_concurrency"] == prof.knee_concurrency
    # the knee is the prefill side's: the 70B deployments with 2 or 5 decode workers share it, far below
    # the decode slots, and it is not the default profile's
    assert prof.knee_concurrency == profiles.get("llama-70b-1p2d").knee_concurrency < prof.n_decode * prof.max_num_seqs
    assert prof.knee_concurrency != profiles.get("nemotron-340b-1p2d").knee_concurrency
    assert s["predictor"] == "constant" and s["predictors"] == list(PREDICTORS) and "constant" in s["predictors"]
    assert s["regimes"] == list(REGIMES) and s["max_num_seqs"] == prof.max_num_seqs
    assert s["deployment"] == "70B 1P/5D" and s["kvbm_tiers"] == [t["tier"] for t in prof.kvbm_tiers()]
    assert len(s["kvbm_tiers"]) == sum(name.startswith("kvbm_cap_g") for name in S.SCALARS)
    assert list(s["mode_load"]) == s["modes"] == list(S.MODES)
    assert s["speed_range"] == list(S.SPEED_RANGE)
    # what the Saturation Detector reads: the profile's signal (the default model: the frontend's Prometheus
    # histogram, in Dynamo's buckets) and its poll interval; the paper's gain that the page quotes
    assert s["detector_signal"] == prof.detector_signal == "prometheus" and s["poll_interval_s"] == 5.0
    assert s["ttft_buckets_ms"] == pytest.approx([b * 1e3 for b in DYNAMO_TTFT_BUCKETS[:-1]])
    assert s["ttft_buckets_ms"][8:12] == pytest.approx([470.0, 1000.0, 2200.0, 4700.0])
    assert s["paper_gain"] == {"ttft_p99": TARGET_TTFT_GAIN, "deployment": "70B 1P/2D"}
    old = S.page_schema(profiles.get("llama-70b-1p5d", **profiles.BEFORE_HYPOTHESES), DetectorConfig(poll_interval=2.0),
                        "kalman")
    assert (old["detector_signal"], old["poll_interval_s"]) == ("exact", 2.0)
    assert json.loads(json.dumps(s)) == s           # a synced trait: plain JSON


def test_the_schema_offers_every_model_of_the_selector_and_says_what_each_switches_on():
    """The page's model selector offers the ``hypothesis`` trait's values, in its order, each with its texts; and the
    schema's ``mechanisms`` (with ``detector_signal``) say which of the stage's drawings the model on the stage gets:
    H1 the direct path, H2 the postings, H3 v0.9.0's decode leg, H4 Prometheus, H5 the client's connections, H6
    batched prefill; today's model none of them."""
    from orbits_widget import OrbitsWidget
    from orbits_widget.hypotheses import HYPOTHESES, profile_for

    base = profiles.get("nemotron-340b-1p2d")
    s = S.page_schema(base, DetectorConfig(), "kalman")
    assert [c["name"] for c in s["hypotheses"]] == list(HYPOTHESES) == OrbitsWidget.hypothesis.values
    for c in s["hypotheses"]:
        assert all(isinstance(c[k], str) and c[k] for k in ("name", "label", "assumes", "source", "strength"))
        assert c["strength"] in ("strong", "medium", "contested", "-")
        m = S.page_schema(profile_for(c["name"], base), DetectorConfig(), "kalman")
        on = set(c["mechanisms"])
        assert on == set(HYPOTHESES[c["name"]].mechanisms)
        mech = m["mechanisms"]
        assert (mech["direct"], mech["posting"], mech["v090"], mech["client_connections"] > 0,
                m["detector_signal"] == "prometheus", mech["batched_prefill"]) == \
            tuple(k in on for k in ("H1", "H2", "H3", "H5", "H4", "H6")), c["name"]
    assert [c["name"] for c in s["hypotheses"] if "(default)" in c["label"]] == ["H4"]


def test_the_widget_sends_its_simulations_schema(w):
    sim = w.simulation
    assert w._schema == S.page_schema(sim.profile, sim.detector_config, "kalman")
    knee = sim.profile.knee_concurrency
    assert (w._schema["theta1_ms"], w._schema["theta2_ms"], w._schema["knee_concurrency"]) == (300.0, 2000.0, knee)
    # the mode tabs' promise: "busy" stays under the knee, "saturation" is past it
    assert round(S.MODE_LOAD["busy"] * w.c_max) < knee <= round(S.MODE_LOAD["saturation"] * w.c_max)


def test_worker_states_are_the_kernels():
    """WORKER_STATES[i] is the kernel's W_<NAME> = i (wherever in kernel/ it is defined)."""
    codes = {}
    for mod in pkgutil.iter_modules(orbits_widget.kernel.__path__):
        m = importlib.import_module(f"orbits_widget.kernel.{mod.name}")
        codes.update({name: getattr(m, name) for name in dir(m) if re.fullmatch(r"W_[A-Z]+", name)})
    assert codes, "no worker state codes W_* found in orbits_widget.kernel"
    assert {f"W_{name.upper()}": i for i, name in enumerate(S.WORKER_STATES)} == codes


@pytest.mark.parametrize("pattern", [r"θ[₁₂]\s*=?\s*[0-9]", r"C\*\s*=?\s*[0-9]", r"\b(ARIMA|KALMAN|CONSTANT)\b",
                                     r"G[1-4] (HBM|DRAM|SSD|NET)", r"\b(0\.25|50)\b.*speed|speed.*\b(0\.25|50)\b",
                                     r"\|\|\s*(256|8|64)\b", r"\b7\.6\b|70B 1P/2D", r"\b(470|2\.2|4\.7)\s*m?s\b"])
def test_the_page_copies_no_python_parameter(pattern):
    """theta1/theta2, C*, predictors, tiers, the speed range, fallbacks for c_max, max_workers and
    the decode slots, the paper's gain and the frontend histogram's buckets reach the page in the schema or
    the traits, never as literals in js/."""
    hits = [f"{p.relative_to(JS)}:{i}: {line.strip()}" for p in sorted(JS.rglob("*.js"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(pattern, line)]
    assert hits == []
