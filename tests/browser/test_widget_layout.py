"""The widget fits its cell (a real JupyterLab page, the file browser open): at window widths 1000,
1280 and 1600 the layout reflows and every panel, tab and label lies inside its box, the widget and
the chart inside the output area; the chart's axis labels read in full, its log ticks are plain
numbers and its legend and threshold labels cover no curve. Screenshots: test-artifacts/layout-*.png."""
import pytest
from harness import ARTIFACTS

WIDTHS = (1000, 1280, 1600)

# Every problem found in the page's DOM: an element outside the box it belongs in.
BOXES = """() => {
  const problems = [];
  const rect = (el) => el.getBoundingClientRect();
  const fmt = (r) => [r.left, r.right, r.top, r.bottom].map(Math.round).join(' ');
  const name = (el) => el.dataset.panel || el.dataset.planet || el.dataset.role || el.dataset.mode
    || `${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''}`;
  const shown = (el) => { const r = rect(el); return r.width > 0 && r.height > 0; };
  const need = (el, box, what) => {
    const a = rect(el), b = rect(box), tol = 1;
    if (shown(el) && !(a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol
                       && a.bottom <= b.bottom + tol))
      problems.push(`${what}: ${name(el)} ${fmt(a)} is not inside ${name(box)} ${fmt(b)}`);
  };
  const roots = [...document.querySelectorAll('.ow-root')];
  if (!roots.length) problems.push('no widget on the page');
  for (const root of roots) {
    const out = root.closest('.jp-OutputArea-output');
    need(root, out, 'widget');
    const chart = out.querySelector('.orbits-chart');
    if (chart) need(chart, out, 'chart');
    const parts = '.ow-head, .ow-tabsbar, .ow-left, .ow-side, .ow-stagebox, .ow-foot, .ow-card, .ow-tab, [data-panel]';
    for (const el of root.querySelectorAll(parts)) need(el, root, 'part');
    // everything inside a card, tab, button, the header and the footer stays inside it (the log's lines scroll)
    for (const box of root.querySelectorAll('.ow-head, .ow-tabsbar, .ow-card, .ow-tab, .ow-foot, .ow-btn, .ow-seg'))
      for (const el of box.querySelectorAll('*')) if (!el.closest('.ow-log')) need(el, box, 'inside');
    for (const el of root.querySelectorAll('.ow-card, .ow-tab, .ow-head, .ow-foot, .ow-side, .ow-left'))
      if (el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)} is wider inside than its box`);
    // the stage: every planet's label, all of it
    const stage = root.querySelector('.ow-stagebox');
    for (const el of stage.querySelectorAll('[data-planet], [data-planet] *, .ow-badge, .ow-model, .ow-model *'))
      need(el, stage, 'stage');
  }
  return problems;
}"""

# The chart: axis labels and ticks as text, and curve points under the legend or a threshold label.
CHART = """(chart) => {
  const inside = (p, r) => p.x > r.left && p.x < r.right && p.y > r.top && p.y < r.bottom;
  const covers = [...chart.querySelectorAll('.g_legend rect')].slice(0, 1).map((el) => ['legend', el])
    .concat([...chart.querySelectorAll('text.label')].filter((t) => t.textContent.startsWith('θ'))
      .map((t) => [t.textContent, t]));
  const hits = [];
  // the data curves (static, adaptive, +1 Decode, +1 Prefill) by their colours in _chart.py
  const colours = ['rgb(255, 107, 107)', 'rgb(74, 222, 128)', 'rgb(96, 165, 250)', 'rgb(232, 121, 249)'];
  const curves = [...chart.querySelectorAll('path.line')]
    .filter((l) => !l.closest('.g_legend') && colours.includes(getComputedStyle(l).stroke));
  for (const line of curves) {
    const n = line.getTotalLength(), m = line.getScreenCTM();
    for (let i = 0; i <= 400 && n > 0; i++) {
      const q = line.getPointAtLength((n * i) / 400).matrixTransform(m);
      for (const [what, el] of covers) if (inside(q, el.getBoundingClientRect())) hits.push(what);
    }
  }
  const box = chart.getBoundingClientRect();     // the figure's box (its svg may be wider, and cut off)
  const off = [...chart.querySelectorAll('text')].filter((t) => t.textContent && t.getBoundingClientRect().width > 0)
    .filter((t) => { const r = t.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1; })
    .map((t) => t.textContent);
  const labels = [...chart.querySelectorAll('text.axislabel')].map((t) => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom];
  });
  const ticks = [...chart.querySelectorAll('.axis .tick text')].map((t) => t.textContent);
  return { hits: [...new Set(hits)], labels, ticks, off, curves: curves.length };
}"""


@pytest.fixture
def lab_page(session):
    page, kernel, _, _ = session
    browser = page.locator(".jp-FileBrowser")
    if not browser.is_visible():                # the file browser open, as a newcomer has it
        page.locator(".jp-SideBar [data-id=filebrowser]").click()
    browser.wait_for(state="visible")
    yield page, kernel
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_widget_fits_its_cell(lab_page, width):
    page, kernel = lab_page
    page.set_viewport_size({"width": width, "height": 900})
    assert page.locator(".jp-FileBrowser").is_visible()
    page.wait_for_function("() => document.querySelector('.orbits-chart path.line') !== null", timeout=60_000)
    page.wait_for_timeout(600)                  # the resize observer, the container query and a label fit
    root = page.locator(".ow-root").first
    root.scroll_into_view_if_needed()
    root.screenshot(path=str(ARTIFACTS / f"layout-{width}.png"))
    chart = page.locator(".orbits-chart").first
    chart.scroll_into_view_if_needed()         # bqplot lays its figure out anew once it is in view ...
    chart.evaluate("""(c) => new Promise((done) => {   // ... after a debounce: wait for its title to fit
      const fits = () => { const t = c.querySelector('text.mainheading').getBoundingClientRect(),
        b = c.getBoundingClientRect(); return t.left >= b.left && t.right <= b.right; };
      const poll = () => (fits() ? done() : setTimeout(poll, 50)); poll(); })""")
    chart.screenshot(path=str(ARTIFACTS / f"layout-{width}-chart.png"))
    page.screenshot(path=str(ARTIFACTS / f"layout-{width}-page.png"))
    output = page.evaluate("() => document.querySelector('.jp-OutputArea-output').getBoundingClientRect().width")
    assert output < width - 250                 # the file browser takes its share of the window
    problems = page.evaluate(BOXES)
    assert problems == [], "\n".join(problems)
    c = chart.evaluate(CHART)
    assert c["curves"] == 4
    assert c["off"] == []                       # every text of the chart (title, ticks, labels) inside it
    assert c["labels"] == [["concurrency C (clients)", True], ["TTFT p99 (ms)", True]]
    assert not any("e+" in t or "e-" in t for t in c["ticks"])
    knee = kernel.value("w.simulation.profile.knee_concurrency")       # C* has a tick of its own
    assert {"8", str(knee), "256", "30", "100", "1,000", "30,000"} <= set(c["ticks"])
    assert c["hits"] == []                      # no curve under the legend or a threshold's label
