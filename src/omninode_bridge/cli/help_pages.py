"""Each command's ``--help`` page, stored so printing it imports no command.

``omninode generate --help`` (and every other command's and subcommand's
``--help``) is answered from ``help_pages.json``: the page typer renders for
that command (80 columns, no colour), stored at build time. Answering from the
file keeps ``--help`` near a bare ``python -c pass``: no typer, rich,
SQLAlchemy, Alembic, jsonschema or Dask import. ``tests/cli/test_help_pages.py``
fails when a stored page differs from what typer renders now; rewrite the file
with ``python -m omninode_bridge.cli.help_pages``.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["PAGES_FILE", "page_for", "render_pages"]

PAGES_FILE = Path(__file__).with_name("help_pages.json")


def page_for(args: list[str]) -> str | None:
    """The stored page for ``omninode ARGS`` when ARGS is ``COMMAND [SUB] --help``."""
    if len(args) < 2 or args[-1] not in ("--help", "-h"):
        return None
    words = args[:-1]
    if any(w.startswith("-") for w in words):
        return None
    try:
        pages = json.loads(PAGES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # typer renders it instead
    page = pages.get(" ".join(words)) if isinstance(pages, dict) else None
    return page if isinstance(page, str) else None


def render_pages() -> dict[str, str]:
    """Every command's and subcommand's help page as typer renders it now."""
    import typer.main
    from typer.testing import CliRunner

    from omninode_bridge.cli.commands import _register_commands, app

    _register_commands()
    runner = CliRunner()
    pages: dict[str, str] = {}

    def walk(path: list[str], commands: dict[str, object]) -> None:
        for name in sorted(commands):
            command = commands[name]
            words = [*path, name]
            result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "80"})
            if result.exit_code != 0:
                raise RuntimeError(f"omninode {' '.join(words)} --help: {result.output}")
            pages[" ".join(words)] = result.output
            sub = getattr(command, "commands", None)  # a group: its subcommands
            if isinstance(sub, dict):
                walk(words, sub)

    walk([], dict(typer.main.get_group(app).commands))
    return pages


if __name__ == "__main__":
    text = json.dumps(render_pages(), indent=1, sort_keys=True, ensure_ascii=False)
    PAGES_FILE.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {PAGES_FILE}")
