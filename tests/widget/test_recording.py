"""w.record / record_demo / save_html: the recording's frames, log, size, determinism, and the page
and output that carry it."""
import base64
import re

import numpy as np
import pytest

from orbits_widget import OrbitsWidget
from orbits_widget.__main__ import main
from orbits_widget.widget import _recording
from orbits_widget.widget._frames import decode_frame


@pytest.fixture
def make():
    made = []

    def build(**kw):
        w = OrbitsWidget(autoplay=False, chart=False, **kw)
        made.append(w)
        return w

    yield build
    for w in made:
        w.close()


def test_a_recording_holds_a_frame_every_speed_over_30_seconds(make):
    w = make(mode="saturation", adaptive=True)
    w.record(20.0, speed=2.0)
    rec = _recording.decode(w._recording)
    frames = [decode_frame(f) for f in rec["frames"]]
    assert len(frames) == 20.0 / (2.0 / 30.0) + 1 == w.recording["frames"]
    assert [f["seq"] for f in frames] == list(range(len(frames)))
    np.testing.assert_allclose(np.diff([f["time"] for f in frames]), 2.0 / 30.0, rtol=1e-9)
    assert frames[0]["time"] == 0.0 and frames[-1]["time"] == pytest.approx(20.0)
    assert all(f["flags"]["playing"] and f["flags"]["adaptive"] for f in frames)
    assert rec["fps"] == 30.0 and rec["speed"] == 2.0
    # the clock was paused and stays so; the widget goes on from where the recording ends
    assert not w.playing and w.twins.time == pytest.approx(20.0)
    assert rec["meta"]["traits"]["adaptive"] is True and rec["meta"]["traits"]["mode"] == "saturation"
    assert set(rec["meta"]["chart"]) >= {"c", "static", "adaptive", "plus1_decode", "plus1_prefill"}
    assert len(rec["meta"]["chart"]["static"]) == len(rec["meta"]["chart"]["c"])


def test_the_log_of_the_run_comes_with_it(make):
    """At saturation the adaptive twin's controller flips within the first 30 s: its log line is in
    the recording at the time the simulation logged it."""
    w = make(mode="saturation", adaptive=True)
    w.record(40.0, speed=4.0)
    log = _recording.decode(w._recording)["meta"]["log"]
    flips = [line for line in log if line[1] == "controller"]
    assert flips and 0 < flips[0][0] <= 40.0 and "SATURATED" in flips[0][2]
    assert [line[2] for line in log if line[0] > 0] == [text for t, _, text in w.log() if t > 0]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(make):
    a, b, c = make(mode="busy"), make(mode="busy"), make(mode="busy", seed=1)
    # the same simulation, but b's page was sent five more frames on the way (at 2.5 s; each moves the
    # live frames' running averages): the frames sent before a recording change nothing in it
    a.step(5.0)
    b.step(2.5)
    for _ in range(5):
        with b.runner.lock:
            b.runner.publish(b.runner.clock(), force=True)
    b.step(2.5)
    c.step(5.0)
    assert a.twins.time == b.twins.time == 5.0
    for w in (a, b, c):
        w.record(10.0, speed=4.0)
    assert a._recording == b._recording
    assert a._recording != c._recording


def test_sixty_seconds_at_30_frames_per_second_fit_in_two_megabytes(make):
    w = make(mode="saturation")
    w.record(60.0, speed=1.0)
    raw = len(w._recording)
    saved = len(base64.b64encode(w._recording))            # as the notebook's widget state stores it
    print(f"60 s at 30 frames/s: {w.recording['frames']} frames, {raw:,} bytes, {saved:,} bytes base64")
    assert w.recording["frames"] == 1801
    assert saved <= 2 * 1024 * 1024


def test_the_demo_is_recorded_with_its_narration_to_its_end(make):
    w = make()
    w.record_demo()
    rec = _recording.decode(w._recording)
    demo = [line[2] for line in rec["meta"]["log"] if line[1] == "demo"]
    assert demo[0].startswith("Auto-demo 1/3") and demo[-1].startswith("Auto-demo done")
    assert rec["meta"]["demo"] is True and rec["speed"] == 8.0
    assert w.demo is False and w.demo_phase is None
    assert rec["meta"]["t1"] < 900.0                      # it ended on what the simulation did


def test_save_html_is_one_file_that_asks_for_nothing_outside_it(make, tmp_path):
    w = make(mode="saturation")
    with pytest.raises(ValueError, match="save_html: nothing recorded yet"):
        w.save_html(tmp_path / "x.html")
    w.record(5.0)
    path = w.save_html(tmp_path / "run.html", title="<b>A & B</b>")
    text = open(path, encoding="utf-8").read()
    assert "<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>" in text
    assert "default-src 'none'" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(http" not in text
    b64 = re.search(r'id="orbits-recording">([^<]*)</script>', text).group(1)
    assert base64.b64decode(b64) == w._recording
    bundle = re.search(r'id="orbits-bundle">(.*?)</script>', text, re.S).group(1)
    assert "</script" not in bundle.lower()
    with pytest.raises(ValueError, match="title: must be a string"):
        w.save_html(tmp_path / "y.html", title=3)


@pytest.mark.parametrize("args, field", [((0,), "seconds"), ((-1,), "seconds"), ((float("nan"),), "seconds"),
                                         ((4000,), "seconds"), ((10, 0.0), "speed"), ((10, 500.0), "speed")])
def test_bad_arguments_name_the_field(make, args, field):
    w = make()
    with pytest.raises(ValueError, match=f"^{field}: must be"):
        w.record(*args)
    assert w._recording == b""


def test_decode_refuses_what_is_not_a_recording():
    good = _recording.encode([b"abc", b"de"], {"x": float("nan")})
    rec = _recording.decode(good)
    assert rec["frames"] == [b"abc", b"de"] and rec["meta"] == {"x": None}
    with pytest.raises(ValueError, match="bad magic"):
        _recording.decode(b"XXXX" + good[4:])
    with pytest.raises(ValueError, match="expected"):
        _recording.decode(good[:-1])
    with pytest.raises(ValueError, match="version 9"):
        _recording.decode(good[:4] + (9).to_bytes(2, "little") + good[6:])


def test_a_displayed_widget_brings_the_player_for_html_exports(make, monkeypatch):
    w = make()
    shown = []
    monkeypatch.setattr("IPython.display.publish_display_data", lambda data, **kw: shown.append(data))
    w._ipython_display_()
    assert len(shown) == 2
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    offline = shown[1]["text/html"]
    assert f'data-model-id="{w.model_id}"' in offline and "<script>" in offline
    assert set(shown[1]) == {"text/html", "text/plain"}


def test_record_from_the_shell(tmp_path, capsys):
    out = tmp_path / "run.html"
    assert main(["record", "--mode", "saturation", "--adaptive", "--seconds", "12", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "frames" in printed
    b64 = re.search(r'id="orbits-recording">([^<]*)</script>', out.read_text()).group(1)
    meta = _recording.decode(base64.b64decode(b64))["meta"]
    assert meta["traits"]["adaptive"] is True and meta["t1"] == pytest.approx(12.0)


@pytest.mark.parametrize("args, option", [(["--seconds", "0"], "--seconds"), (["--mode", "crazy"], "--mode"),
                                          (["--profile", "gpt"], "--profile"), (["--speed", "1000"], "--speed")])
def test_record_bad_arguments_exit_2(tmp_path, capsys, args, option):
    with pytest.raises(SystemExit) as e:
        main(["record", "--out", str(tmp_path / "r.html"), *args])
    assert e.value.code == 2 and option in capsys.readouterr().err
