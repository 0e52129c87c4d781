"""The bqplot chart (``_chart.py``): curves from ``sweep`` recomputed on its own thread when the
pools change, the live operating point, and theta1/theta2/C* taken from the page's schema."""
import math
import time

import numpy as np
import pytest

from orbits_widget import OrbitsWidget
from orbits_widget.widget._chart import Chart, fmt_ms


def test_chart_curves_and_recompute_on_pool_change():
    w = OrbitsWidget(autoplay=False)
    try:
        assert w.chart.computed.wait(60)
        d = w.chart.data
        assert (d["n_prefill"], d["n_decode"]) == (1, 2) and len(d["static"]) == len(d["c"]) == 16
        assert d["c"][0] == 8 and d["c"][-1] == 256
        # the knee the chart marks (the profile's C*, from the schema) is where the static curve leaves theta1
        knee, th1, th2 = (w._schema[k] for k in ("knee_concurrency", "theta1_ms", "theta2_ms"))
        assert knee == w.simulation.profile.knee_concurrency
        assert all(s < th1 for c, s in zip(d["c"], d["static"]) if c < knee)
        assert all(s > th1 for c, s in zip(d["c"], d["static"]) if c >= knee)
        # past it the single prefill worker saturates: adapting rebalances the decode pool but the queue
        # in front of the prefill worker stays, so both curves end far past theta2 and close together
        assert d["static"][-1] > th2 and d["adaptive"][-1] > th2
        assert abs(d["static"][-1] - d["adaptive"][-1]) < 0.2 * d["static"][-1]
        # one more prefill worker moves the knee and brings TTFT back; one more decode worker does not
        assert d["plus1_prefill"][-1] < 0.25 * d["adaptive"][-1]
        assert all(p < th1 for c, p in zip(d["c"], d["plus1_prefill"]) if c < 1.5 * knee)
        assert d["plus1_decode"][-1] > 0.7 * d["adaptive"][-1]
        assert all(p > th1 for c, p in zip(d["c"], d["plus1_decode"]) if c >= 1.5 * knee)
        assert len(d["plus1_prefill"]) == 16
        assert list(w.chart.static.y) == pytest.approx(np.clip(d["static"], 30, 30_000))
        for mark, key, label in ((w.chart.plus1_decode, "plus1_decode", "+1 Decode"),
                                 (w.chart.plus1_prefill, "plus1_prefill", "+1 Prefill")):
            assert list(mark.y) == pytest.approx(np.clip(d[key], 30, 30_000)) and list(mark.labels) == [label]
        assert w.chart.plus1_prefill.colors != w.chart.plus1_decode.colors
        # the live operating point: the shown twin's rolling p99 at the current C, or the curve
        w.chart.point(time.monotonic() + 1.0, 256, 5000.0)
        assert (list(w.chart.op.x), list(w.chart.op.y)) == ([256.0], [5000.0])
        w.chart.point(time.monotonic() + 2.0, 128, math.nan)
        assert list(w.chart.op.y) == pytest.approx([np.interp(128, d["c"], d["static"])])
        w.n_decode = 3
        assert w.chart.computed.wait(60)
        assert w.chart.data["n_decode"] == 3
        w.n_prefill = w.max_workers                         # no room for one more prefill worker
        assert w.chart.computed.wait(60)
        assert w.chart.data["plus1_prefill"] == [] and len(w.chart.plus1_prefill.y) == 0
        assert len(w.chart.data["plus1_decode"]) == 16
        w.n_decode = 0
        assert w.chart.computed.wait(60)
        assert w.chart.data["static"] == [] and len(w.chart.static.y) == 0
        assert len(w.chart.plus1_decode.y) == len(w.chart.plus1_prefill.y) == 0
        bundle = w._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["text/plain"] == repr(w)
        # the thresholds and the knee are the simulation's, as the page's schema has them
        assert list(w.chart.labels.text[:3]) == ["θ₁ 300ms", "θ₂ 2s", f"C* {w.simulation.profile.knee_concurrency}"]
    finally:
        w.close()


def test_thresholds_and_knee_come_from_the_schema():
    schema = {"theta1_ms": 500.0, "theta2_ms": 3000.0, "knee_concurrency": 64}
    chart = Chart("nemotron-340b-1p2d", schema, 8, lambda: False, 0, 2)     # no prefill worker: no sweep
    try:
        assert chart.computed.wait(10) and chart.data["static"] == []
        assert list(chart.labels.text[:3]) == ["θ₁ 500ms", "θ₂ 3s", "C* 64"]
        thetas, cstar = chart.figure.marks[1], chart.figure.marks[2]
        assert np.asarray(thetas.y).tolist() == [[500.0, 500.0], [3000.0, 3000.0]]
        assert np.asarray(cstar.x).tolist() == [64, 64]
    finally:
        chart.close()
    far = Chart("nemotron-340b-1p2d", dict(schema, knee_concurrency=512), 8, lambda: False, 0, 2)
    try:                                    # a knee past the chart's range is not drawn at its edge
        assert len(far.figure.marks[2].x) == 0 and "C* 512" not in list(far.labels.text)
    finally:
        far.close()
    assert (fmt_ms(300.0), fmt_ms(2000.0), fmt_ms(1500.0)) == ("300ms", "2s", "1.5s")


def test_the_curves_follow_the_router_and_load_config():
    from orbits_widget.api.sweep import sweep
    from orbits_widget.widget._chart import CHART_GRID, CHART_SECONDS

    w = OrbitsWidget(autoplay=False, profile="llama-70b-1p2d")
    try:
        assert w.chart.computed.wait(60) and list(w.chart.static.labels) == ["Dynamo (static)"]
        w.load_config({"profile": "llama-70b-1p2d", "n_prefill": 2, "n_decode": 1, "tau": 0.8, "omega": 0.1,
                       "policy": "static", "planner": False, "workload": {"kind": "paper", "concurrency": 64}})
        assert w.chart.computed.wait(60)
        d = w.chart.data
        assert (d["n_prefill"], d["n_decode"], d["tau"], d["omega"]) == (2, 1, 0.8, 0.1)
        assert list(w.chart.static.labels) == ["static (τ 0.8, ω 0.1)"]
        # the static curve is the static twin's router, not Dynamo's default
        c = CHART_GRID[-1]
        at = sweep("llama-70b-1p2d", concurrency=[c], policy=["static"], seconds=CHART_SECONDS, n_prefill=2,
                   n_decode=1, tau=0.8, omega=0.1).ttft_p99_ms.iloc[0]
        default = sweep("llama-70b-1p2d", concurrency=[c], policy=["static"], seconds=CHART_SECONDS, n_prefill=2,
                        n_decode=1).ttft_p99_ms.iloc[0]
        assert d["static"][-1] == at != default
        w.omega = 1.0
        assert w.chart.computed.wait(60) and w.chart.data["omega"] == 1.0
    finally:
        w.close()


def test_the_curves_are_simulated_with_the_twins_model(monkeypatch):
    """The chart (and a recording's chart) sweeps the Profile the twins run, options included, not the named
    profile's defaults: a widget on the model before the hypothesis bench (the detector's exact P99) charts that
    model, and the default widget charts the default model (the detector reads the frontend's histogram)."""
    import pandas as pd

    from orbits_widget import profiles
    from orbits_widget.widget import _chart

    swept = []

    def fake_sweep(profile, concurrency, policy, **kw):
        swept.append(profile)
        return pd.DataFrame({"policy": [p for p in policy for _ in concurrency],
                             "ttft_p99_ms": [100.0 for _ in policy for _ in concurrency]})

    monkeypatch.setattr(_chart, "sweep", fake_sweep)
    before = profiles.get("nemotron-340b-1p2d", **profiles.BEFORE_HYPOTHESES)
    for prof, signal in ((before, "exact"), (profiles.get("nemotron-340b-1p2d"), "prometheus")):
        swept.clear()
        w = OrbitsWidget(profile=prof, autoplay=False)
        try:
            assert w.chart.computed.wait(30)
            w._recorded_chart()
        finally:
            w.close()
        assert len(swept) == 6 and all(p == prof and p.detector_signal == signal for p in swept)
