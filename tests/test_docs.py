"""The README stays true: every command is documented with an example, every mart table is described."""

from __future__ import annotations

import re

import typer.main

from pipeline.cli import app
from pipeline.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[tuple[str, object]]:
    """(`name` or `group name`, click command) for every command, including those in groups."""
    root = typer.main.get_command(app)
    found = []
    for name, command in root.commands.items():
        if hasattr(command, "commands"):
            found.append((name, command))
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        else:
            found.append((name, command))
    return found


def test_every_command_is_in_the_readme():
    missing = [name for name, _ in command_paths() if f"leasewatch {name}" not in README]
    assert missing == []


def test_every_command_has_help_with_a_real_example():
    for name, command in command_paths():
        if hasattr(command, "commands"):
            continue
        assert command.help and "Example:" in command.help, f"{name} lacks an example in its help"
        example = command.help.split("Example:", 1)[1].strip().splitlines()[0]
        assert example.startswith("leasewatch "), f"{name}: example should be a full command line"


def test_every_mart_is_documented_in_the_readme():
    marts = sorted(p.stem for p in (PROJECT_ROOT / "sql" / "30_marts").glob("*.sql"))
    missing = [m for m in marts if f"marts.{m}" not in README]
    assert missing == []


def test_quickstart_is_the_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\$ (.+)$", quickstart, flags=re.M)
    assert commands[-2:] == ["make demo", "make test"] or commands == ["make demo", "make test"]
