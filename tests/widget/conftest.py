import pytest

from orbits_widget import OrbitsWidget


@pytest.fixture
def w():
    """A paused widget without the chart (closed after the test)."""
    widget = OrbitsWidget(autoplay=False, chart=False)
    yield widget
    widget.close()
