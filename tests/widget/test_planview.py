"""``PlanView`` on a real (small) ``ow.plan``: every row is a point whose tooltip carries its
configuration, the frontier line joins exactly the plan's Pareto rows, and a click (the message
bqplot sends) or ``select(label)`` loads the row into the widget's traits and both of its twins."""
import math

import numpy as np
import pytest

from orbits_widget import OrbitsWidget
from orbits_widget.kernel import layout as L
from orbits_widget.planning import plan
from orbits_widget.widget import PlanView

PROFILE = "llama-70b-1p2d"          # TP 4: a 12-GPU budget is 3 workers, split 1P/2D or 2P/1D
SLA = {"ttft_p99_ms": 1000, "itl_p99_ms": 100}


def small_plan(seconds=20.0, warmup=None):
    kw = {} if warmup is None else {"warmup": warmup}
    return plan("paper", gpus=12, sla=SLA, profile=PROFILE, loads=(8, 64), router_grid=[(0.0, 1.0), (0.8, 0.1)],
                seconds=seconds, progress=False, **kw)


@pytest.fixture(scope="module")
def p():
    return small_plan()


@pytest.fixture
def w():
    widget = OrbitsWidget(profile=PROFILE, autoplay=False, chart=False)
    yield widget
    widget.close()


def click(view, scatter, i):
    """What the page does on a click on point ``i``: bqplot's element_click message to the mark."""
    scatter._handle_custom_msgs(None, {"event": "element_click", "data": {"index": i, "name": "Dot"}})


def below_row(sim):
    p = sim.state.params
    return float(p[L.P_REGIME_TABLE]), float(p[L.P_REGIME_TABLE + 1])


def assert_loaded(view, w, p, label):
    """The row's configuration in the widget's traits and in both twins, from t = 0."""
    r = p.loc[label]
    adaptive = r.policy == "adaptive"
    assert view.selected == label
    assert (w.n_prefill, w.n_decode, w.tau, w.omega, w.adaptive, w.planner) == (
        r.n_prefill, r.n_decode, r.tau, r.omega, adaptive, bool(r.planner))
    s, a = w.twins.static, w.twins.adaptive
    for sim in (s, a):
        assert (sim.n_prefill, sim.n_decode, sim.time) == (r.n_prefill, r.n_decode, 0.0)
        assert sim.concurrency == r.load and sim.planner.enabled == bool(r.planner)
    assert (s.tau, s.omega) == (r.tau, r.omega)
    assert below_row(a) == (r.tau, r.omega) == (a.tau, a.omega)
    assert w.simulation is (a if adaptive else s)
    assert w.log()[-1][1] == "config" and f"{r.n_prefill}P/{r.n_decode}D" in w.log()[-1][2]


def test_select_loads_pools_router_and_policy_into_the_traits_and_both_twins(p, w):
    view = PlanView(p, w)
    assert view.selected is None and view.widget is w
    # two rows that differ in every field the widget takes
    first = p.index[(p.n_prefill == 1) & (p.tau == 0.0) & (p.policy == "static")][0]
    second = p.index[(p.n_prefill == 2) & (p.tau == 0.8) & (p.policy == "adaptive")][0]
    for label in (first, second, first):
        view.select(label)
        assert_loaded(view, w, p, label)
        r = p.loc[label]
        assert (list(view.selection.x), list(view.selection.y)) == ([r.ttft_p99_ms], [r.goodput_per_gpu])
        assert f"Loaded row {label}: {' · '.join(view.tooltip_lines(label))}." in view.status.value


def test_a_click_on_a_point_loads_that_points_row(p, w):
    view = PlanView(p, w)
    for scatter in view.scatters.values():
        labels = view.labels_of(scatter)
        for i in (len(labels) - 1, 0):
            click(view, scatter, i)
            assert_loaded(view, w, p, labels[i])
    before = view.selected
    click(view, scatter, len(labels))           # no such point (a stale page): nothing happens
    click(view, scatter, None)
    assert view.selected == before and type(before) is int        # a plain label (JSON-able), not numpy's


def test_the_widget_is_made_at_the_first_selection_and_shown_under_the_chart(p):
    view = PlanView(p)
    assert view.widget is None and view.children == (view.figure, view.status, view.stage)
    assert view.stage.children == ()
    label = p.best.index
    view.select(label)
    w = view.widget
    try:
        assert isinstance(w, OrbitsWidget) and w.runner.profile.name == PROFILE
        assert_loaded(view, w, p, label)
        box = view.stage.children[0]
        assert box.children[0] is w and box.children[1] is w.chart.figure       # the stage and its chart
        view.select(p.index[0])
        assert view.widget is w                 # made once
    finally:
        w.close()


def test_every_point_and_its_tooltip(p, w):
    view = PlanView(p, w)
    drawn = []
    for (policy, planner), scatter in view.scatters.items():
        labels = view.labels_of(scatter)
        drawn += labels
        assert scatter.marker == {"static": "circle", "adaptive": "triangle-up"}[policy]
        assert list(scatter.tooltip.fields) == ["name"]
        assert len(scatter.x) == len(scatter.y) == len(scatter.names) == len(labels)
        for i, label in enumerate(labels):
            r = p.loc[label]
            assert (r.policy, bool(r.planner)) == (policy, planner)
            assert (scatter.x[i], scatter.y[i]) == (r.ttft_p99_ms, r.goodput_per_gpu)
            f = view.tooltip(label)
            assert f == {"split": f"{r.n_prefill}P/{r.n_decode}D", "tau": r.tau, "omega": r.omega,
                         "policy": r.policy, "planner": bool(r.planner), "goodput_rps": r.goodput_rps,
                         "goodput_per_gpu": r.goodput_per_gpu, "ttft_p99_ms": r.ttft_p99_ms,
                         "itl_p99_ms": r.itl_p99_ms, "meets_sla": bool(r.meets_sla)}
            name = scatter.names[i]
            assert name == view.tooltip_text(label) == "\n".join(view.tooltip_lines(label))
            assert len(view.tooltip_lines(label)) == 4
            for part in (f"{r.n_prefill}P/{r.n_decode}D", f" {r.policy} ", f"τ {r.tau:g} ", f"ω {r.omega:g} ",
                         f"Planner {'on' if r.planner else 'off'}", f"goodput {r.goodput_rps:.2f} req/s",
                         f"({r.goodput_per_gpu:.3f} / GPU)", f"TTFT p99 {r.ttft_p99_ms:,.1f} ms",
                         f"ITL p99 {r.itl_p99_ms:,.1f} ms", "meets the SLA" if r.meets_sla else "misses the SLA"):
                assert part in name, (part, name)
    assert sorted(drawn) == list(p.index) and view.hidden == []      # every row once


def test_the_frontier_line_joins_the_pareto_rows_and_the_winner_is_marked(p, w):
    view = PlanView(p, w)
    front = p[p.pareto].sort_values("ttft_p99_ms")
    assert len(front) >= 1
    assert list(view.frontier.x) == list(front.ttft_p99_ms) and list(view.frontier.y) == list(front.goodput_per_gpu)
    assert list(view.rings.x) == list(front.ttft_p99_ms) and sorted(view.frontier_labels) == sorted(front.index)
    best = p.loc[p.best.index]
    assert (list(view.winner.x), list(view.winner.y)) == ([best.ttft_p99_ms], [best.goodput_per_gpu])
    assert list(view.winner.text) == ["★ best"] and view.best == p.best.index
    assert view.status.value.count("Best: ") == 1 and p.best.reason in view.status.value.replace("&#x27;", "'")


def test_no_nan_or_infinity_reaches_the_screen():
    nan_itl = small_plan(seconds=0.02, warmup=0.0)          # first tokens, but no second one: ITL p99 is NaN
    assert nan_itl.itl_p99_ms.isna().all() and np.isfinite(nan_itl.ttft_p99_ms).all()
    nothing = small_plan(seconds=0.001, warmup=0.0)         # not even a first token: TTFT p99 is NaN too
    assert nothing.ttft_p99_ms.isna().all() and nothing.best is None
    w = OrbitsWidget(profile=PROFILE, autoplay=False, chart=False)
    try:
        for pl in (nan_itl, nothing):
            view = PlanView(pl, w)
            marks = [*view.scatters.values(), view.frontier, view.rings, view.winner]
            for m in marks:
                assert np.isfinite(np.asarray(m.x, float)).all() and np.isfinite(np.asarray(m.y, float)).all()
            for scatter in view.scatters.values():
                for name in scatter.names:
                    assert "nan" not in name.lower() and "inf" not in name.lower() and "ITL p99 —" in name
            for scale in (view.figure.axes[0].scale, view.figure.axes[1].scale):
                assert math.isfinite(scale.min) and math.isfinite(scale.max) and scale.min < scale.max
            text = view.status.value.lower()
            assert "nan" not in text and "inf" not in text
        assert view.hidden == list(nothing.index) and view.scatters == {}
        assert "8 row(s) without a finite TTFT p99 or goodput are not drawn" in view.status.value
        view.select(3)                                      # a hidden row still loads
        assert_loaded(view, w, nothing, 3)
        assert list(view.selection.x) == [] and "Not on the chart" in view.status.value
    finally:
        w.close()


def test_bad_labels_and_arguments_raise_clear_errors(p, w):
    view = PlanView(p, w)
    view.select(p.index[2])
    for bad in (99, -1, "2", None, 2.5, [1, 2]):
        with pytest.raises(KeyError, match=r"label: the plan has no row .* \(its 8 labels: 0 … 7\)"):
            view.select(bad)
    assert view.selected == p.index[2]                      # a refused label changes nothing
    with pytest.raises(TypeError, match=r"^plan: must be ow.plan\(\)'s result"):
        PlanView(p[["n_prefill", "n_decode"]], w)
    with pytest.raises(TypeError, match=r"^widget: must be an OrbitsWidget"):
        PlanView(p, widget="stage")
    other = OrbitsWidget(autoplay=False, chart=False)       # the default 340B profile
    try:
        with pytest.raises(ValueError, match=r"^widget: simulates 'nemotron-340b-1p2d', the plan is for "
                                             r"'llama-70b-1p2d'"):
            PlanView(p, other)
    finally:
        other.close()


def test_the_status_line_is_text_not_markup(p, w):
    view = PlanView(p, w)
    view.select(p.index[0])
    # the only markup is the line's own span: every string from the plan is escaped
    assert view.status.value.startswith('<span style="white-space:normal">') and view.status.value.count("<") == 2
    view._say("<img src=x onerror=alert(1)> & more")
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in view.status.value and "<img" not in view.status.value
