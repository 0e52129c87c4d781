"""The jitted code's cache directory follows the kernel's source: an edit to any jitted module
(even one that only other files call or inline) starts a fresh cache."""
import shutil

import numba

from orbits_widget import _numba_cache as nc


def test_an_edit_to_any_jitted_module_changes_the_cache_key(tmp_path, monkeypatch):
    for folder in nc.JITTED:
        shutil.copytree(nc.ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(nc, "ROOT", tmp_path)
    before = nc.source_key()
    assert nc.source_key() == before
    model = tmp_path / "profiles" / "perf_model.py"
    model.write_text(model.read_text() + "\n# an edit\n")
    assert nc.source_key() != before


def test_the_setting_is_restored_after_the_imports():
    old = numba.config.CACHE_DIR
    with nc.keyed_cache():
        assert numba.config.CACHE_DIR.endswith(f"numba-{nc.source_key()}")
    assert numba.config.CACHE_DIR == old
