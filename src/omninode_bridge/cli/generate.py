"""``omninode generate``: contracts (or a PRD) in, node packages out.

Usage::

    omninode generate CONTRACT_OR_DIR... --out DIR [--dry-run | --check] [--json] [--run-tests]
    omninode generate --prd FILE --out DIR [--contracts-dir DIR] [--run-tests]

``--dry-run`` prints, per file, whether it would be new, changed or
unchanged, and writes nothing. ``--check`` does the same and exits 1 when
regeneration would change anything (for CI). ``--run-tests`` runs ``ruff
check``, ``mypy --strict`` and ``pytest`` over the generated packages.

Exit codes: 0 success; 1 generation failed, ``--check`` found drift, or a
check of ``--run-tests`` failed; 2 bad input (a missing path, an invalid
contract or PRD: one message naming file, line and field; nothing written);
127 a tool of ``--run-tests`` is not installed (the message names it and the
install command). ``--json``'s ``success`` is true exactly when the exit
status is 0.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omninode_bridge.cli.runtimes import WORKER_MODULES, Runtime
from omninode_bridge.engine.backends import ProcessPoolBackend

if TYPE_CHECKING:
    from omninode_bridge.engine.backends import ExecutionBackend

__all__ = ["generate", "register"]


def generate(
    contracts: Annotated[
        list[Path] | None,
        typer.Argument(help="Contract files or folders (searched for *.yaml / *.yml)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("generated"),
    prd: Annotated[
        Path | None, typer.Option("--prd", help="Generate from a Markdown PRD instead.")
    ] = None,
    contracts_dir: Annotated[
        Path | None,
        typer.Option("--contracts-dir", help="Where --prd writes its contracts (OUT/contracts)."),
    ] = None,
    template_dir: Annotated[
        Path | None,
        typer.Option("--template-dir", help="Templates overriding the built-ins by id."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan per file; write nothing.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when regeneration would change a file.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    run_tests: Annotated[
        bool,
        typer.Option("--run-tests", help="Run ruff, mypy --strict and pytest on the packages."),
    ] = False,
    quorum: Annotated[
        bool,
        typer.Option("--quorum", help="Gate the quality stage on the AI quorum (API keys set)."),
    ] = False,
    draft: Annotated[
        bool,
        typer.Option("--draft", help="With --prd: draft the contracts with the draft_model."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Refuse contracts with warnings (unknown fields, ...)."),
    ] = False,
    # -- runtime target (issue 14) --
    runtime: Annotated[
        Runtime | None,
        typer.Option(
            "--runtime",
            help="embedded or omnibase-core (default: omnibase-core for omnibase_core-dialect "
            "contracts, embedded otherwise).",
        ),
    ] = None,
    python: Annotated[
        Path | None,
        typer.Option("--python", help="Python >= 3.12 with omnibase-core for --run-tests."),
    ] = None,
    # -- end runtime target --
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Worker processes for the CPU work (OMNINODE_WORKERS; default: CPU count; "
            "0: in the main process).",
        ),
    ] = None,
    no_history: Annotated[
        bool,
        typer.Option(
            "--no-history",
            help="Do not record this run in the store (OMNINODE_RECORD_HISTORY=false).",
        ),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run the per-contract work on this Dask scheduler, tcp://HOST:PORT "
            "(OMNINODE_DASK_SCHEDULER; needs the dask extra).",
        ),
    ] = None,
) -> None:
    """Generate ONEX node packages from contracts or a PRD.

    Exit codes: 0 success; 1 failures or drift; 2 bad input; 127 a check
    tool of --run-tests is not installed.
    """
    backend = _started_backend(contracts, prd, runtime, workers, scheduler)
    try:
        # the code generator, the store and the quorum: imported while the workers start
        from omninode_bridge.cli.generate_run import run_generate

        run_generate(
            contracts=contracts,
            out=out,
            prd=prd,
            contracts_dir=contracts_dir,
            template_dir=template_dir,
            dry_run=dry_run,
            check=check,
            as_json=as_json,
            run_tests=run_tests,
            quorum=quorum,
            draft=draft,
            strict=strict,
            runtime=runtime,
            python=python,
            workers=workers,
            no_history=no_history,
            scheduler=scheduler,
            backend=backend,
        )
    finally:
        if isinstance(backend, ProcessPoolBackend):  # however the run ended: no worker outlives
            backend.shutdown()  # the command (the run closes it too; a second call is free)


def _started_backend(
    contracts: list[Path] | None,
    prd: Path | None,
    runtime: Runtime | None,
    workers: int | None,
    scheduler: str | None,
) -> ExecutionBackend | None:
    """Worker processes, starting now, when the run will hand them work.

    That is: the embedded runtime, no PRD and at least two contract files
    (a run of one contract does its work in this process). A bad
    ``--workers`` / ``--scheduler`` returns None: the run reports it.
    """
    if prd is not None or runtime is Runtime.OMNIBASE_CORE or _contract_files(contracts or []) < 2:
        return None
    from omninode_bridge.engine.backends import make_backend
    from omninode_bridge.errors import ConfigError

    try:
        backend = make_backend(workers, scheduler, preload=WORKER_MODULES)
    except ConfigError:
        return None
    backend.prestart()
    return backend


def _contract_files(paths: Iterable[Path], enough: int = 2) -> int:
    """How many ``*.yaml`` / ``*.yml`` files ``paths`` name or hold, counting up to ``enough``."""
    count = 0
    for path in paths:
        if path.is_dir():
            for _folder, _dirs, names in os.walk(path):
                count += sum(1 for n in names if n.endswith((".yaml", ".yml")))
                if count >= enough:
                    return count
        elif path.suffix in (".yaml", ".yml"):
            count += 1
        if count >= enough:
            return count
    return count


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""
    app.command("generate")(generate)
