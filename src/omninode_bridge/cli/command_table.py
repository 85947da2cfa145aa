"""The ``omninode`` commands and their one-line help, importable without typer.

``omninode --help`` prints :func:`top_level_help` from this table without
importing typer, rich or any command (a cold start near ``python -c pass``);
running a command imports its module (:mod:`omninode_bridge.cli.commands`).
"""

from __future__ import annotations

__all__ = ["COMMANDS", "SUMMARY", "top_level_help"]

SUMMARY = "Turn ONEX node contracts and PRDs into working, tested node packages."

# Commands: name -> (module with ``register(app)``, short help). A module is
# imported only when one of its commands runs or shows its own help, so
# ``omninode --help`` stays cheap (no SQLAlchemy, Alembic, quorum or Dask).
# tests/cli/test_app_lazy.py checks each short help against the command's own.
COMMANDS: dict[str, tuple[str, str]] = {
    "example": (
        "omninode_bridge.cli.example",
        "Run a six-stage example workflow and print its stage table.",
    ),
    "generate": (
        "omninode_bridge.cli.generate",
        "Generate ONEX node packages from contracts or a PRD.",
    ),
    "models": (
        "omninode_bridge.cli.models",
        "Write a pydantic v2 module per JSON Schema file (the node packages' models).",
    ),
    "mixins": (
        "omninode_bridge.cli.mixins",
        "Mixin learning from the store's generation outcomes.",
    ),
    "quorum": (
        "omninode_bridge.cli.quorum",
        "Ask the AI quorum to vote on FILE and print every vote as a table.",
    ),
    "stats": ("omninode_bridge.cli.runs", "Print the analytics summaries."),
    "serve": (
        "omninode_bridge.cli.serve",
        "Serve the runs pages, /metrics, /health and /api/* until interrupted.",
    ),
    "validate": (
        "omninode_bridge.cli.validate",
        "Validate node code: completeness, quality, ONEX compliance and anti-patterns.",
    ),
    "runs": ("omninode_bridge.cli.runs", "Workflow run history."),
    "db": ("omninode_bridge.cli.runs", "Database maintenance."),
}


def top_level_help() -> str:
    """``omninode --help``: usage, options and one line per command."""
    width = max(len(name) for name in COMMANDS)
    lines = [
        "Usage: omninode [OPTIONS] COMMAND [ARGS]...",
        "",
        f"  {SUMMARY}",
        "",
        "Options:",
        "  -v, --verbose  Log progress at INFO level on stderr.",
        "  --help         Show this message and exit.",
        "",
        "Commands:",
        *(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()),
        "",
        "Run 'omninode COMMAND --help' for a command's options.",
    ]
    return "\n".join(lines) + "\n"
