"""The ``omninode`` typer application (``omninode_bridge.cli.app`` is the entry point).

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
import typer.main
from typer import _click as click  # the click typer builds its groups with
from typer.core import TyperCommand, TyperGroup

from omninode_bridge.cli.command_table import COMMANDS as _COMMANDS
from omninode_bridge.errors import OmniNodeError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "app", "run"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

#: Command modules, each with ``register(app)``.
_COMMAND_MODULES: list[str] = sorted({module for module, _ in _COMMANDS.values()})


class _LazyGroup(TyperGroup):
    """Lists the commands from :data:`_COMMANDS`; imports a module when its command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*_COMMANDS, *self.commands]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in _COMMANDS:
            return self.commands.get(cmd_name)
        # not loaded yet: a stand-in carrying the short help for the command list;
        # running the command goes through resolve_command, which loads it
        return TyperCommand(cmd_name, help=_COMMANDS[cmd_name][1])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in _COMMANDS:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, cmd_name: str) -> click.Command | None:
        """Import the module of ``cmd_name`` and add its commands to this group."""
        if cmd_name not in self.commands:
            module = importlib.import_module(_COMMANDS[cmd_name][0])
            holder = typer.Typer()
            module.register(holder)
            group = typer.main.get_group(holder)
            for name, command in group.commands.items():
                self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)


app = typer.Typer(
    name="omninode",
    help="Turn ONEX node contracts and PRDs into working, tested node packages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)


def _register_commands() -> None:
    """Import every command module now (for tools that read ``app`` directly)."""
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
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    # Commands print their own summaries; logs stay at WARNING unless asked for.
    explicit = os.environ.get("OMNINODE_LOG_LEVEL")
    configure_logging(settings, level="INFO" if verbose else (explicit or "WARNING"))


def run() -> None:
    """Run the application on ``sys.argv`` (errors as one message and an exit status)."""
    try:
        app()
    except OmniNodeError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        from rich.console import Console

        Console(stderr=True).print("interrupted")
        sys.exit(130)
