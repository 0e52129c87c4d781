"""A fingerprint of the default model's behaviour, stamped into the README's images.

``docs/screenshot.png`` (``scripts/make_screenshot.py``) and ``docs/preview.gif``
(``scripts/make_preview.py``) show what the model did when they were made. Each carries
``model_fingerprint()`` of that moment: in a PNG ``tEXt`` chunk, in a GIF comment extension, both
under ``KEY``. ``tests/test_images.py`` recomputes it and fails when an image was made by another model.

The fingerprint is the first 16 hex digits of a SHA-256 over a canonical JSON of

* the default profile's field values (``default_profile()``: the one ``OrbitsWidget()`` starts with, which
  the images show; its prose ``description`` left out) and the default Saturation Detector and Planner
  configurations;
* the summaries of a few short deterministic runs of that profile, seed 0: the static and adaptive
  twins below and past the knee, and the adaptive twin with the Planner (``RUNS``), with the
  detector's final state, every number rounded to ``DIGITS`` significant figures (so that the last
  bits of a float, which may differ between machines, do not count).

So it changes when the default model's behaviour (or a default it runs with) changes, and not when
anything else does: the widget's text, the docs, a model option that is off by default. It takes well
under 2 s once the kernel is compiled. Reading and writing the stamps needs no Pillow.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import numbers
import struct
import zlib
from pathlib import Path

KEY = "orbits-model-fingerprint"
DIGITS = 6
SEED = 0
# (concurrency, policy, Planner on, seconds measured) after a 30 s warm-up: below the knee (C = 64), past it
# (C = 256) where the detector switches, and the Planner adding a prefill worker
RUNS = ((64, "static", False, 30.0), (256, "static", False, 60.0), (256, "adaptive", False, 60.0),
        (256, "adaptive", True, 90.0))
WARMUP = 30.0
PROSE = ("description",)        # the profile's fields that are text for people, not the model
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _canon(x):
    """``x`` as plain JSON: numbers rounded to DIGITS significant figures, NaN and infinities as strings,
    tuples and arrays as lists, dicts with sorted string keys."""
    if isinstance(x, (bool, str)) or x is None:
        return x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        v = float(x)
        return repr(v) if not math.isfinite(v) else float(f"{v:.{DIGITS - 1}e}")
    if isinstance(x, dict):
        return {str(k): _canon(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return _canon(dataclasses.asdict(x))
    if hasattr(x, "tolist"):
        return _canon(x.tolist())
    if isinstance(x, (list, tuple)):
        return [_canon(v) for v in x]
    raise TypeError(f"fingerprint: cannot canonicalise {type(x).__name__}")


def default_profile() -> str:
    """The profile ``OrbitsWidget()`` starts with: the one the README's images show."""
    from ._widget import OrbitsWidget
    return inspect.signature(OrbitsWidget.__init__).parameters["profile"].default


def fingerprint_inputs(profile=None, **options) -> dict:
    """What the fingerprint hashes: the profile (default: the default one, with ``options`` applied), the
    detector's and Planner's defaults, and the runs' summaries (see the module's docstring)."""
    from ..api.simulation import Simulation
    from ..control import DetectorConfig, PlannerConfig
    from ..profiles import get as get_profile

    prof = get_profile(default_profile() if profile is None else profile, **options)
    runs = []
    for c, policy, planner, seconds in RUNS:
        sim = Simulation(profile=prof, concurrency=c, policy=policy, seed=SEED, planner=planner)
        summary = sim.run(seconds=seconds, warmup=WARMUP).summary()
        det = sim.detector
        runs.append({"run": [c, policy, planner, seconds], "summary": summary,
                     "detector": {k: det[k] for k in ("regime", "ewma_ms", "last_p99_ms", "polls", "switches")}})
    fields = {k: v for k, v in dataclasses.asdict(prof).items() if k not in PROSE}
    return _canon({"profile": fields, "detector": DetectorConfig(), "planner": PlannerConfig(), "warmup": WARMUP,
                   "runs": runs})


def model_fingerprint(profile=None, **options) -> str:
    """16 hex digits that change when the default model's behaviour does (``profile``/``options``: another
    model, for comparison)."""
    text = json.dumps(fingerprint_inputs(profile, **options), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------------- PNG ----
def _png_chunks(data: bytes):
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    i = len(PNG_SIGNATURE)
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        yield kind, data[i + 8:i + 8 + n], i, i + 12 + n
        i += 12 + n
        if kind == b"IEND":
            return


def png_text(data: bytes) -> dict:
    """A PNG's ``tEXt`` chunks, {keyword: text} (Latin-1, as the format says)."""
    out = {}
    for kind, body, _, _ in _png_chunks(data):
        if kind == b"tEXt" and b"\0" in body:
            k, v = body.split(b"\0", 1)
            out[k.decode("latin-1")] = v.decode("latin-1")
    return out


def stamp_png(data: bytes, fingerprint: str, key: str = KEY) -> bytes:
    """``data`` (a PNG) with a ``tEXt`` chunk ``key`` = ``fingerprint`` after its header (one of that key
    already there is replaced); the image itself is untouched."""
    body = key.encode("latin-1") + b"\0" + fingerprint.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    out, header_end = [PNG_SIGNATURE], None
    for kind, part, start, end in _png_chunks(data):
        if kind == b"tEXt" and part.split(b"\0", 1)[0] == key.encode("latin-1"):
            continue
        out.append(data[start:end])
        if kind == b"IHDR":
            out.append(chunk)
            header_end = end
    if header_end is None:
        raise ValueError("PNG without an IHDR chunk")
    return b"".join(out)


# ----------------------------------------------------------------------------------------- GIF ----
def _sub_blocks(data: bytes, i: int) -> tuple[bytes, int]:
    out = []
    while data[i]:
        out.append(data[i + 1:i + 1 + data[i]])
        i += 1 + data[i]
    return b"".join(out), i + 1


def gif_comments(data: bytes) -> list[str]:
    """A GIF's comment extensions, in file order."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF file")
    flags = data[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    out = []
    while i < len(data) and data[i] != 0x3B:
        if data[i] == 0x21:                                    # an extension: its label, then sub-blocks
            label = data[i + 1]
            text, i = _sub_blocks(data, i + 2)
            if label == 0xFE:
                out.append(text.decode("latin-1"))
        elif data[i] == 0x2C:                                  # an image: descriptor, colour table, LZW data
            flags = data[i + 9]
            i += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
            _, i = _sub_blocks(data, i + 1)                    # after the LZW minimum code size
        else:
            raise ValueError(f"GIF: unexpected block 0x{data[i]:02x} at byte {i}")
    return out


def gif_comment(fingerprint: str, key: str = KEY) -> str:
    """The comment a GIF carries its fingerprint in (Pillow: ``save(..., comment=gif_comment(fp))``)."""
    return f"{key}={fingerprint}"


# ------------------------------------------------------------------------------------ either ----
def image_fingerprint(path) -> str | None:
    """The fingerprint stamped into a PNG or GIF file, or None when it has none."""
    data = Path(path).read_bytes()
    if data.startswith(PNG_SIGNATURE):
        return png_text(data).get(KEY)
    for text in gif_comments(data):
        if text.startswith(KEY + "="):
            return text[len(KEY) + 1:]
    return None
