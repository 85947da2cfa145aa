"""``omninode COMMAND --help`` is answered from the stored pages, which match typer's."""

from __future__ import annotations

import subprocess
import sys

from omninode_bridge.cli.help_pages import PAGES_FILE, page_for, render_pages

_HEAVY = (
    "typer",
    "rich",
    "sqlalchemy",
    "alembic",
    "jsonschema",
    "omninode_bridge.quorum",
    "omninode_bridge.codegen",
    "distributed",
)


def test_stored_pages_are_what_typer_renders_now() -> None:
    import json

    stored = json.loads(PAGES_FILE.read_text(encoding="utf-8"))
    live = render_pages()
    assert sorted(stored) == sorted(live)
    stale = [name for name in live if stored[name] != live[name]]
    assert stale == [], (
        f"help pages out of date for {stale}: run 'python -m omninode_bridge.cli.help_pages'"
    )


def test_each_command_help_imports_nothing_heavy() -> None:
    for words in (["generate"], ["validate"], ["runs", "list"], ["serve"], ["db", "upgrade"]):
        probe = (
            "import sys, io\n"
            "from omninode_bridge.cli.app import main\n"
            f"sys.argv = ['omninode', *{words!r}, '--help']\n"
            "real, sys.stdout = sys.stdout, io.StringIO()\n"
            "main()\n"
            "text = sys.stdout.getvalue()\n"
            f"heavy = {_HEAVY!r}\n"
            "real.write(repr(([m for m in heavy if m in sys.modules], text)))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        imported, text = eval(done.stdout)  # repr of a (list, str) tuple written above
        assert imported == [], words
        assert f"Usage: omninode {' '.join(words)} " in text


def test_only_plain_help_requests_are_answered_from_the_file() -> None:
    assert page_for(["generate", "--help"]) is not None
    assert page_for(["runs", "show", "-h"]) is not None
    assert page_for(["generate"]) is None
    assert page_for(["generate", "--json", "--help"]) is None  # typer handles the rest
    assert page_for(["no-such-command", "--help"]) is None
