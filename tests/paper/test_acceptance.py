"""The acceptance-table command runs end to end and refuses bad arguments."""
import pytest

from orbits_widget.paper import acceptance


def test_the_command_prints_and_writes_every_table(tmp_path, capsys):
    out = tmp_path / "acc.md"
    assert acceptance.main(["--seconds", "20", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    for heading in ("## Static vs adaptive", "## PoA-hat over the 16", "## Planner and outage"):
        assert heading in printed and heading in text
    assert "| 256 |" in text and "conserved" in text and "computed in" not in text


def test_bad_seconds_exit_with_a_message(capsys):
    with pytest.raises(SystemExit) as e:
        acceptance.main(["--seconds", "0"])
    assert e.value.code == 2 and "--seconds" in capsys.readouterr().err
