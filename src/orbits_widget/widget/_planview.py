"""``PlanView``: a plan's configurations as a bqplot scatter; clicking one puts it on the stage.

x = TTFT p99 (log scale), y = goodput per GPU, one point per row of ``ow.plan``'s ``Plan``: colour and
marker by policy (a white rim when the Planner is on), the Pareto frontier ringed in gold and joined
by a line, the winner labelled. The tooltip (bqplot's, which sets its values as text) gives the
configuration and its figures. A click, or ``select(label)``, loads that row's configuration into an
``OrbitsWidget`` with ``load_config(plan.deployment(label))``; the line under the chart says what is
loaded (plain text, escaped).

Rows without a finite, positive TTFT p99 or a finite goodput (no request completed) have no place on
the axes: they are left out (``hidden`` lists them and the line under the chart counts them) but
``select`` still loads them.
"""
from __future__ import annotations

import html
import math
import re

import ipywidgets as widgets
import numpy as np
import traitlets as T

from ..api.deployment import FIELDS
from ._widget import OrbitsWidget

# a row holds a DeploymentConfig's fields but the profile and the workload, which are the plan's; and
# the figures the chart and the tooltip show
NEEDED = tuple(f for f in FIELDS if f not in ("profile", "workload")) + (
    "goodput_rps", "goodput_per_gpu", "ttft_p99_ms", "itl_p99_ms", "meets_sla", "pareto")
# (policy, planner) -> how its points look. Static and adaptive often measure alike (a controller that
# never leaves BELOW routes as the static router does): the static circle is drawn larger than the
# adaptive triangle on it, so that both can be hovered and clicked.
STYLES = {
    ("static", False): {"colors": ["#ff6b6b"], "marker": "circle", "label": "static", "size": 130},
    ("adaptive", False): {"colors": ["#4ade80"], "marker": "triangle-up", "label": "adaptive", "size": 50},
    ("static", True): {"colors": ["#ff6b6b"], "marker": "circle", "label": "static + Planner", "size": 130,
                       "stroke": "#ffffff"},
    ("adaptive", True): {"colors": ["#4ade80"], "marker": "triangle-up", "label": "adaptive + Planner", "size": 50,
                         "stroke": "#ffffff"},
}
GOLD, TEXT, GREY = "#ffd166", "#c9d1f5", "#8a93b8"
NOT_FINITE = re.compile(r"\b(nan|-?inf)\b", re.IGNORECASE)


def _ms(v) -> str:
    return f"{v:,.1f} ms" if math.isfinite(v) else "—"


def _log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks within [lo, hi], finer when that gives fewer than four."""
    decades = range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1, 2, 5), (1, 1.5, 2, 3, 4, 5, 6, 7, 8)):
        ticks = [m * 10.0 ** e for e in decades for m in mantissas if lo <= m * 10.0 ** e <= hi]
        if len(ticks) >= 4:
            break
    return ticks if len(ticks) >= 2 else [lo, hi]


def _padded(lo: float, hi: float) -> tuple[float, float]:
    """A goodput axis around [lo, hi] with a margin (never below 0; a single value gets +-10 %)."""
    pad = 0.12 * (hi - lo) if hi > lo else 0.1 * abs(hi) or 1.0
    return max(0.0, lo - pad), hi + pad


class PlanView(widgets.VBox):
    """``PlanView(plan, widget=None)``: the chart of ``plan`` (``ow.plan``'s result), a line saying
    what is selected, and the ``OrbitsWidget`` it loads configurations into: ``widget``, or one made
    with ``OrbitsWidget(profile=plan.profile)`` at the first selection.

    ``select(label)`` does what a click on that row's point does; ``selected`` is the label of the
    last row loaded (None before); ``tooltip(label)`` the fields its point's tooltip shows;
    ``hidden`` the rows not drawn (no finite TTFT p99 or goodput); ``scatters``, ``frontier``,
    ``rings``, ``winner`` and ``figure`` the bqplot objects."""

    selected = T.Any(None, help="label of the row last loaded into the widget (None before any)")

    def __init__(self, plan, widget: OrbitsWidget | None = None, **kwargs):
        import bqplot as bq

        missing = [c for c in NEEDED if c not in getattr(plan, "columns", ())]
        if missing or not hasattr(plan, "deployment") or not hasattr(plan, "profile"):
            raise TypeError(f"plan: must be ow.plan()'s result (a Plan); got {type(plan).__name__}"
                            + (f" without the columns {missing}" if missing else ""))
        if widget is not None and not isinstance(widget, OrbitsWidget):
            raise TypeError(f"widget: must be an OrbitsWidget or None, got {type(widget).__name__}")
        if widget is not None and widget.runner.profile.name != plan.profile:
            raise ValueError(f"widget: simulates {widget.runner.profile.name!r}, the plan is for {plan.profile!r}")
        self.plan, self._widget = plan, widget
        best = getattr(plan, "best", None)
        self.best = None if best is None else best.index
        ttft = plan.ttft_p99_ms.to_numpy(float)
        gpg = plan.goodput_per_gpu.to_numpy(float)
        shown = np.isfinite(ttft) & (ttft > 0) & np.isfinite(gpg)
        self.hidden = plan.index[~shown].tolist()           # labels as plain Python values (.tolist())
        rows = plan[shown]

        t_lo, t_hi = (float(rows.ttft_p99_ms.min()), float(rows.ttft_p99_ms.max())) if len(rows) else (1.0, 1e3)
        lo, hi = t_lo / 1.25, t_hi * 1.25
        g_lo, g_hi = _padded(*((float(rows.goodput_per_gpu.min()), float(rows.goodput_per_gpu.max()))
                               if len(rows) else (0.0, 0.0)))
        xs = bq.LogScale(min=lo, max=hi)
        ys = bq.LinearScale(min=g_lo, max=g_hi)
        sc = {"x": xs, "y": ys}
        ax = bq.Axis(scale=xs, label="TTFT p99 (ms) · log scale", tick_values=_log_ticks(lo, hi), tick_format=",~g",
                     color=TEXT, label_color=TEXT, label_offset="34px", grid_lines="none",
                     tick_style={"fill": TEXT, "font-size": "12px"})
        ay = bq.Axis(scale=ys, orientation="vertical", label="goodput per GPU (req/s)", tick_format=".2~f",
                     color=GREY, label_color=TEXT, label_offset="48px", grid_lines="none",
                     tick_style={"fill": TEXT, "font-size": "12px"})

        front = rows[rows.pareto.astype(bool)].sort_values(["ttft_p99_ms", "goodput_per_gpu"])
        self.frontier = bq.Lines(x=front.ttft_p99_ms.to_numpy(float), y=front.goodput_per_gpu.to_numpy(float),
                                 scales=sc, colors=[GOLD], stroke_width=1.5, labels=["Pareto frontier"],
                                 display_legend=True)
        self.frontier_labels = front.index.tolist()
        self.rings = bq.Scatter(x=front.ttft_p99_ms.to_numpy(float), y=front.goodput_per_gpu.to_numpy(float),
                                scales=sc, colors=[GOLD], fill=False, stroke=GOLD, stroke_width=2, default_size=300,
                                marker="circle", interactions={})
        # one scatter per (policy, planner): its own colour and marker, and its row labels in point order
        self.scatters, self._labels = {}, {}
        # the tooltip is the point's name: its lines, set as text by bqplot (pre-line keeps the breaks)
        tooltip = bq.Tooltip(fields=["name"], show_labels=False)
        for key, style in STYLES.items():
            part = rows[(rows.policy == key[0]) & (rows.planner.astype(bool) == key[1])]
            if not len(part):
                continue
            m = bq.Scatter(x=part.ttft_p99_ms.to_numpy(float), y=part.goodput_per_gpu.to_numpy(float), scales=sc,
                           names=[self.tooltip_text(lab) for lab in part.index], display_names=False,
                           names_unique=False, tooltip=tooltip, colors=style["colors"], marker=style["marker"],
                           tooltip_style={"opacity": 0.95, "white-space": "pre-line", "max-width": "420px"},
                           stroke=style.get("stroke"), stroke_width=1.5, default_size=style["size"],
                           labels=[style["label"]], display_legend=True)
            m.on_element_click(self._on_click)
            self.scatters[key] = m
            self._labels[m] = part.index.tolist()
        b = rows.loc[[self.best]] if self.best is not None and self.best in rows.index else rows.iloc[:0]
        self.winner = bq.Label(x=b.ttft_p99_ms.to_numpy(float), y=b.goodput_per_gpu.to_numpy(float), scales=sc,
                               text=["★ best"] * len(b), colors=[GOLD], default_size=13, x_offset=10, y_offset=-10,
                               font_weight="bold")
        self.selection = bq.Scatter(x=[], y=[], scales=sc, colors=["#ffffff"], fill=False, stroke="#ffffff",
                                    stroke_width=2.5, default_size=520, marker="circle", interactions={})
        self.figure = bq.Figure(
            # the rings behind the points, so that a click always lands on a point
            marks=[self.frontier, self.rings, self.selection, *self.scatters.values(), self.winner], axes=[ax, ay],
            title=f"Plan for {plan.profile}: goodput per GPU vs. TTFT p99 (click a point to load it)",
            title_style={"fill": GOLD, "font-size": "14px"}, background_style={"fill": "#070b1a"},
            legend_location="top-right", legend_style={"fill": "#0d1330", "stroke": "#2a3366"},
            legend_text={"fill": TEXT}, fig_margin={"top": 40, "bottom": 52, "left": 70, "right": 14},
            layout=widgets.Layout(width="100%", max_width="980px", height="420px"))
        self.figure.add_class("orbits-plan-chart")
        self.status = widgets.HTML(layout=widgets.Layout(margin="2px 8px"))
        self.status.add_class("orbits-plan-status")
        self.stage = widgets.Box([widget._box()] if widget is not None else [],
                                 layout=widgets.Layout(width="100%"))
        super().__init__([self.figure, self.status, self.stage], **kwargs)
        self.add_class("orbits-plan-view")
        self._say(self._intro())

    # ------------------------------------------------------------------ reading ----
    @property
    def widget(self) -> OrbitsWidget | None:
        """The OrbitsWidget the view loads into (None until the first selection when none was given)."""
        return self._widget

    def labels_of(self, scatter) -> list:
        """The row labels of ``scatter``'s points, in order."""
        return list(self._labels[scatter])

    def tooltip(self, label) -> dict:
        """The figures of row ``label`` its point's tooltip shows."""
        r = self.plan.loc[self._check(label)]
        return {"split": f"{int(r.n_prefill)}P/{int(r.n_decode)}D", "tau": float(r.tau), "omega": float(r.omega),
                "policy": str(r.policy), "planner": bool(r.planner), "goodput_rps": float(r.goodput_rps),
                "goodput_per_gpu": float(r.goodput_per_gpu), "ttft_p99_ms": float(r.ttft_p99_ms),
                "itl_p99_ms": float(r.itl_p99_ms), "meets_sla": bool(r.meets_sla)}

    def tooltip_lines(self, label) -> list[str]:
        """Row ``label`` as its tooltip shows it, line by line."""
        f = self.tooltip(label)
        return [f"{f['split']} · {f['policy']} · τ {f['tau']:g} · ω {f['omega']:g} · Planner "
                f"{'on' if f['planner'] else 'off'}",
                f"goodput {f['goodput_rps']:.2f} req/s ({f['goodput_per_gpu']:.3f} / GPU)",
                f"TTFT p99 {_ms(f['ttft_p99_ms'])} · ITL p99 {_ms(f['itl_p99_ms'])}",
                f"{'meets' if f['meets_sla'] else 'misses'} the SLA"]

    def tooltip_text(self, label) -> str:
        """Row ``label``'s tooltip: its point's name in the chart."""
        return "\n".join(self.tooltip_lines(label))

    # ----------------------------------------------------------------- choosing ----
    def select(self, label):
        """Load row ``label``'s configuration into the widget (made now if there is none), as a click
        on its point does; mark the point and say what was loaded. KeyError for a label the plan does
        not have."""
        label = self._check(label)
        cfg = self.plan.deployment(label)
        if self._widget is None:
            self._widget = OrbitsWidget(profile=self.plan.profile)
            self.stage.children = [self._widget._box()]
        self._widget.load_config(cfg)
        self.selected = label
        r = self.plan.loc[label]
        shown = label not in self.hidden
        self.selection.x = [float(r.ttft_p99_ms)] if shown else []
        self.selection.y = [float(r.goodput_per_gpu)] if shown else []
        self._say(f"Loaded row {label}: {' · '.join(self.tooltip_lines(label))}."
                  + ("" if shown else " (Not on the chart: no finite TTFT p99 or goodput.)"))
        return self

    def _check(self, label):
        # labels come from clicks and from users: a clear error, not pandas' own, for one not in the plan
        try:
            ok = label in self.plan.index
        except TypeError:
            ok = False
        if not ok:
            idx = self.plan.index
            have = f"{idx[0]!r} … {idx[-1]!r}" if len(idx) else "none"
            raise KeyError(f"label: the plan has no row {label!r} (its {len(idx)} labels: {have})")
        return label.item() if isinstance(label, np.generic) else label

    def _on_click(self, mark, content):
        """A point clicked in the page: bqplot sends the point's index within its scatter."""
        data = (content or {}).get("data") or {}
        labels = self._labels.get(mark, [])
        i = data.get("index")
        if not isinstance(i, int) or not 0 <= i < len(labels):
            return
        try:
            self.select(labels[i])
        except Exception as e:          # a comm callback's error would only reach the log: show it
            self._say(f"Could not load row {labels[i]}: {e}")

    # ------------------------------------------------------------------- status ----
    def _intro(self) -> str:
        p = self.plan
        best = getattr(p, "best", None)
        head = f"Best: {best.reason}" if best is not None else str(getattr(p, "verdict", None) or "")
        if not head or NOT_FINITE.search(head):         # a figure that was never measured is not shown
            head = "No configuration meets the SLA."
        head = head if head.endswith(".") else head + "."
        hid = f" {len(self.hidden)} row(s) without a finite TTFT p99 or goodput are not drawn." if self.hidden else ""
        return f"{head}{hid} Click a point (or call select(label)) to load its configuration into the stage."

    def _say(self, text: str):
        # plain text only: the plan's strings are escaped, never markup
        self.status.value = f'<span style="white-space:normal">{html.escape(str(text))}</span>'

    def __repr__(self):
        return (f"PlanView(profile={self.plan.profile!r}, rows={len(self.plan)}, hidden={len(self.hidden)}, "
                f"selected={self.selected!r})")
