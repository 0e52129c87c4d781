"""``_traits.applies``: the opening the widget's observers share. An observer gets the runner, and
is not called before the runner exists nor, unless it asks, while load_config installs twins."""
import types

import traitlets as T

from orbits_widget.widget._traits import applies


class Host(T.HasTraits):
    x = T.Int(0)
    y = T.Int(0)

    def __init__(self):
        self.calls = []
        self._runner = None
        super().__init__()

    @applies("x")
    def _on_x(self, r, change):
        self.calls.append(("x", r, change["new"]))

    @applies("y", while_loading=True)
    def _on_y(self, r, change):
        self.calls.append(("y", r, change["new"]))


def test_applies_passes_the_runner_and_skips_until_it_exists_and_while_loading():
    h = Host()
    h.x, h.y = 1, 1                                 # no runner yet: neither observer runs
    assert h.calls == []
    r = types.SimpleNamespace(loading=False)
    h._runner = r
    h.x, h.y = 2, 2
    assert h.calls == [("x", r, 2), ("y", r, 2)]
    r.loading = True                                # load_config: only the one that asked runs
    h.x, h.y = 3, 3
    assert h.calls[2:] == [("y", r, 3)]
