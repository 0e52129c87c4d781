"""The README's images were made by the current default model.

``docs/screenshot.png`` (``scripts/make_screenshot.py``) and ``docs/preview.gif`` (``scripts/make_preview.py``)
carry the fingerprint of the model that made them (``orbits_widget.widget._fingerprint``: a PNG tEXt chunk, a GIF
comment extension). Here it is recomputed, without a browser or Pillow, and compared: a change to the default
model's behaviour makes these tests fail until both images are made again."""
import struct
import zlib
from pathlib import Path

import pytest

from orbits_widget import profiles
from orbits_widget.widget import _fingerprint as F

DOCS = Path(__file__).resolve().parents[1] / "docs"
IMAGES = {"screenshot.png": "python scripts/make_screenshot.py", "preview.gif": "python scripts/make_preview.py"}


@pytest.fixture(scope="module")
def current():
    return F.model_fingerprint()


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_the_image_was_made_by_the_current_model(name, current):
    stamped = F.image_fingerprint(DOCS / name)
    assert stamped is not None, f"docs/{name} carries no model fingerprint: make it with `{IMAGES[name]}`"
    assert stamped == current, (f"docs/{name} was made by another model (fingerprint {stamped}, the current "
                                f"default model's is {current}): make it again with `{IMAGES[name]}`")


def test_the_fingerprint_follows_the_models_behaviour_and_nothing_else(current):
    assert len(current) == 16 and int(current, 16) >= 0
    assert F.model_fingerprint() == current                     # deterministic
    # the model before the hypothesis bench (the detector's exact P99): another behaviour, another fingerprint,
    # and not only through the profile's fields: the short runs themselves tell the two apart
    before = F.fingerprint_inputs(**profiles.BEFORE_HYPOTHESES)
    now = F.fingerprint_inputs()
    assert before["runs"] != now["runs"] and F.model_fingerprint(**profiles.BEFORE_HYPOTHESES) != current
    assert [r["detector"] for r in before["runs"]] != [r["detector"] for r in now["runs"]]
    assert F.model_fingerprint(detector_signal="exact") != current
    # one default changed that the runs feel (the output length), another the runs do not reach (the KVBM's
    # network store is never used at this load) but which is a field of the model all the same
    assert F.model_fingerprint(output_tokens=200) != current
    assert F.model_fingerprint(kvbm_net_gb=999_999.0) != current
    # prose is not the model; numbers are compared to 6 significant figures
    assert F.model_fingerprint(description="another text") == current
    assert F._canon(1.0000001) == F._canon(1.0000002) and F._canon(1.00001) != F._canon(1.00002)
    # the default is the widget's default profile, the one the images show
    assert now["profile"]["name"] == F.default_profile() == "nemotron-340b-1p2d"
    assert now["profile"]["detector_signal"] == "prometheus"


def _png(text_chunks=()) -> bytes:
    """A 1x1 grey PNG, with tEXt chunks."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (F.PNG_SIGNATURE + chunk(b"IHDR", ihdr)
            + b"".join(chunk(b"tEXt", k.encode() + b"\0" + v.encode()) for k, v in text_chunks)
            + chunk(b"IDAT", zlib.compress(b"\0\x80")) + chunk(b"IEND", b""))


def _gif(comments=()) -> bytes:
    """A 1x1 two-colour GIF with comment extensions before its image."""
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    ext = b"".join(b"\x21\xfe" + bytes([len(c)]) + c.encode() + b"\0" for c in comments)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return head + ext + image + b"\x3b"


def test_stamps_are_written_and_read_back(tmp_path):
    png = _png([("Software", "x")])
    assert F.png_text(png) == {"Software": "x"}
    stamped = F.stamp_png(png, "0123456789abcdef")
    assert F.png_text(stamped) == {"Software": "x", F.KEY: "0123456789abcdef"}
    restamped = F.stamp_png(stamped, "fedcba9876543210")          # one stamp, the new one
    assert F.png_text(restamped)[F.KEY] == "fedcba9876543210" and restamped.count(F.KEY.encode()) == 1
    # the image's own chunks are untouched
    assert [k for k, *_ in F._png_chunks(restamped) if k != b"tEXt"] == [b"IHDR", b"IDAT", b"IEND"]
    (tmp_path / "a.png").write_bytes(restamped)
    (tmp_path / "b.png").write_bytes(png)
    assert F.image_fingerprint(tmp_path / "a.png") == "fedcba9876543210"
    assert F.image_fingerprint(tmp_path / "b.png") is None
    gif = _gif(["made by hand", F.gif_comment("0123456789abcdef")])
    assert F.gif_comments(gif) == ["made by hand", f"{F.KEY}=0123456789abcdef"]
    (tmp_path / "a.gif").write_bytes(gif)
    (tmp_path / "b.gif").write_bytes(_gif())
    assert F.image_fingerprint(tmp_path / "a.gif") == "0123456789abcdef"
    assert F.image_fingerprint(tmp_path / "b.gif") is None
    with pytest.raises(ValueError, match="not a GIF"):
        F.gif_comments(b"JFIF....")
