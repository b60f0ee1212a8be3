"""Progress output: a rich bar on a terminal, plain lines every 10 % otherwise, never anything on stdout."""

from __future__ import annotations

import io
import sys

from pipeline.cli.progress import _Bar, _Steps, duration, progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_steps_every_tenth_and_at_the_end(monkeypatch, capsys):
    report = progress("firms")  # pytest's stderr is not a terminal, like cron's
    assert isinstance(report, _Steps)
    for done in range(1, 21):
        report(done, 20, f"9900{done:02d}")
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 11  # the first firm (the run has started), then one line per tenth: 2/20, 4/20, … 20/20
    assert lines[-1].startswith("firms: 20/20 (990020), elapsed ") and lines[-1].endswith("ETA 0s")


def test_a_second_pass_starts_its_own_steps(capsys):
    report = progress("firms")
    for done in (1, 2):
        report(done, 2, "a")
    for done in (1, 2):
        report(done, 2, "b")
    assert [l.split(" (")[0] for l in capsys.readouterr().err.splitlines()] == ["firms: 1/2", "firms: 2/2"] * 2


def test_a_terminal_gets_a_bar_and_quiet_gets_plain_lines(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert isinstance(progress("firms"), _Bar)
    assert isinstance(progress("firms", quiet=True), _Steps)
    bar = progress("firms")
    for done in range(1, 4):
        bar(done, 3, "990001")
    assert "3/3" in terminal.getvalue()


def test_empty_work_still_ends():
    report = progress("firms")
    report(0, 0, "")  # an empty universe: no division by zero


def test_durations_read_as_a_person_writes_them():
    assert [duration(s) for s in (0, 59, 61, 3600 * 2 + 5 * 60)] == ["0s", "59s", "1m01s", "2h05m"]
