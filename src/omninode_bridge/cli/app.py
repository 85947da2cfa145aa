"""The ``omninode`` entry point.

``omninode --help`` is answered from :mod:`.command_table` alone and
``omninode COMMAND --help`` from :mod:`.help_pages` (no typer, rich,
SQLAlchemy, Alembic, quorum or Dask imported); everything else runs the
typer application of :mod:`.commands`, which imports a command's module only
when that command runs.

Exit codes: 0 success, 1 the job ran and found failures (validation failed,
``--check`` found drift, a workflow failed), 2 bad input or configuration.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omninode_bridge.cli.commands import app

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "app", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def main() -> None:
    """Console-script entry point."""
    if _bootstrapping_worker():
        # a worker process re-importing a script that runs the CLI without an
        # ``if __name__ == "__main__":`` guard: end quietly, the command reports it
        raise SystemExit(EXIT_FAILED)
    if sys.argv[1:] in (["--help"], ["-h"]):
        from omninode_bridge.cli.command_table import top_level_help

        sys.stdout.write(top_level_help())
        return
    from omninode_bridge.cli.help_pages import page_for

    page = page_for(sys.argv[1:])
    if page is not None:  # `omninode COMMAND [SUB] --help`, stored (no command imported)
        sys.stdout.write(page)
        return
    from omninode_bridge.cli.commands import run

    run()


def _bootstrapping_worker() -> bool:
    """Whether this process is a worker process still importing the parent's main script."""
    multiprocessing = sys.modules.get("multiprocessing")  # a worker has it; a command may not
    return multiprocessing is not None and bool(
        getattr(multiprocessing.current_process(), "_inheriting", False)
    )


def __getattr__(name: str) -> Any:
    """``app``: the typer application, built on first use."""
    if name == "app":
        from omninode_bridge.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
