"""The command line's surface: -v and -q after the command, help text on every option,
and validate's verdict on standard output."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from conftest import CliRun
from kgload.cli import main


def _commands() -> list[tuple[str, click.Command]]:
    return [("kgload", main), *sorted(main.commands.items())]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_option_has_help_text(name: str, command: click.Command) -> None:
    missing = [option.opts[0] for option in command.params
               if isinstance(option, click.Option) and not (option.help or "").strip()]
    assert missing == [], f"{name}: options without help text: {', '.join(missing)}"


def test_verbose_after_the_command(cli: CliRun, example_store: Path) -> None:
    plain = cli("query", "who-threatened-whom", "--format", "csv", store=example_store)
    assert plain.exit_code == 0 and plain.stderr == ""
    after = cli("query", "who-threatened-whom", "--format", "csv", "-v", store=example_store)
    before = cli("-v", "query", "who-threatened-whom", "--format", "csv", store=example_store)
    assert after.exit_code == 0
    assert after.stderr == before.stderr == "4 row(s)\n"
    assert after.stdout == before.stdout == plain.stdout


def test_quiet_after_the_command(cli: CliRun, tmp_path: Path, twins_file: Path) -> None:
    loud = cli("load", twins_file, store=tmp_path / "loud")
    assert loud.exit_code == 0 and "1 loaded" in loud.stderr
    quiet = cli("load", twins_file, "-q", store=tmp_path / "quiet")
    assert quiet.exit_code == 0
    assert quiet.output == ""
    both = cli("-v", "load", twins_file, "-q", store=tmp_path / "both")  # -q wins
    assert both.exit_code == 0 and both.output == ""


def test_validate_prints_its_verdict_on_stdout(cli: CliRun, twins_file: Path) -> None:
    result = cli("validate", twins_file)
    assert result.exit_code == 0
    assert result.stdout == "1 valid, 0 rejected.\n"
    assert "valid, 0 rejected" not in result.stderr
    quiet = cli("validate", twins_file, "-q")  # a result: printed even with -q
    assert (quiet.stdout, quiet.stderr) == ("1 valid, 0 rejected.\n", "")
