"""The ``orbits-widget`` command: one entry point for every command, the ``python -m`` forms kept."""
import importlib
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from orbits_widget import __main__ as cli

COMMANDS = ("reproduce", "explain", "plan", "record", "parity", "bench", "acceptance", "workload")
MODULES = {"parity": "orbits_widget.paper.parity", "bench": "orbits_widget.paper.bench",
           "acceptance": "orbits_widget.paper.acceptance", "workload": "orbits_widget.workload.__main__"}


def test_the_installed_script_is_the_package_main():
    (ep,) = entry_points(group="console_scripts", name="orbits-widget")
    assert ep.value == "orbits_widget.__main__:main"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_delegated_command_gets_the_rest_of_the_line(monkeypatch, name):
    seen = []
    monkeypatch.setattr(importlib.import_module(MODULES[name]), "main", lambda argv: seen.append(argv) or 7)
    assert cli.main([name, "--json", "x", "-n", "3"]) == 7
    assert seen == [["--json", "x", "-n", "3"]]


def test_the_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


@pytest.mark.parametrize("module", ["orbits_widget.parity", "orbits_widget.bench", "orbits_widget.acceptance",
                                    "orbits_widget.workload"])
def test_the_python_m_forms_still_run(module):
    out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: python -m {module}")
