"""The ``omninode`` typer application.

Each command family lives in its own module exposing ``register(app)``; this
module only assembles them and turns package errors into one clear message and
a non-zero exit code, never a traceback.

Exit codes: 0 success, 1 the job ran and found failures (validation failed,
``--check`` found drift, a workflow failed), 2 bad input or configuration.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from omninode_bridge.errors import OmniNodeError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "app", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="omninode",
    help="Turn ONEX node contracts and PRDs into working, tested node packages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, each with ``register(app)``. Keep sorted.
_COMMAND_MODULES: list[str] = [
    "omninode_bridge.cli.example",
    "omninode_bridge.cli.generate",
    "omninode_bridge.cli.mixins",
    "omninode_bridge.cli.quorum",
    "omninode_bridge.cli.runs",
    "omninode_bridge.cli.serve",
    "omninode_bridge.cli.validate",
]


def _register_commands() -> None:
    for module_name in _COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(app)


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress at INFO level on stderr.")
    ] = False,
) -> None:
    """Turn ONEX node contracts and PRDs into working, tested node packages."""
    from omninode_bridge.config import load_settings
    from omninode_bridge.logs import configure_logging

    try:
        settings = load_settings()
    except OmniNodeError as exc:  # every setting is honoured or refused here, at start
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    # Commands print their own summaries; logs stay at WARNING unless asked for.
    explicit = os.environ.get("OMNINODE_LOG_LEVEL")
    configure_logging(settings, level="INFO" if verbose else (explicit or "WARNING"))


_register_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except OmniNodeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)
