"""``omninode --help`` imports no heavy module; the command table agrees with the commands."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from omninode_bridge.cli.command_table import COMMANDS
from omninode_bridge.cli.commands import app


def test_top_level_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys, io\n"
        "from omninode_bridge.cli.app import main\n"
        "sys.argv = ['omninode', '--help']\n"
        "real, sys.stdout = sys.stdout, io.StringIO()\n"
        "main()\n"
        "text = sys.stdout.getvalue()\n"
        "heavy = ('typer', 'rich', 'sqlalchemy', 'alembic', 'omninode_bridge.quorum',\n"
        "         'distributed', 'importlib.metadata')\n"
        "real.write(repr(([m for m in heavy if m in sys.modules], text)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported, text = eval(done.stdout)  # a repr of a tuple of lists and str, written above
    assert imported == []
    for name in COMMANDS:
        assert f"  {name} " in text


def test_command_table_short_help_matches_each_command() -> None:
    runner = CliRunner()
    for name, (_, short) in COMMANDS.items():
        result = runner.invoke(app, [name, "--help"], terminal_width=400)
        assert result.exit_code == 0, result.output
        flat = " ".join(result.output.split())
        assert " ".join(short.split()) in flat, name


def test_rich_help_and_commands_still_work_through_typer() -> None:
    result = CliRunner().invoke(app, ["runs", "--help"])
    assert result.exit_code == 0
    assert "list" in result.output
