"""``omninode mixins train`` and ``omninode mixins suggest CONTRACT``.

Both read the mixin outcomes that ``omninode generate`` recorded in the
configured store (``--database-url`` names another), train mixin learning on
them and evaluate it on held-out contracts
(:mod:`omninode_bridge.intelligence.mixin_training`). With too little data
the catalogue's rules are used, and the output says so and why.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from omninode_bridge.contracts.loader import load_contract
from omninode_bridge.errors import OmniNodeError
from omninode_bridge.intelligence.mixin_learning import MixinLearningModel
from omninode_bridge.intelligence.mixin_training import MixinTrainer, TrainingReport, suggest
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.engine import default_database_url

__all__ = ["register"]

EXIT_BAD_INPUT = 2

mixins_app = typer.Typer(
    help="Mixin learning from the store's generation outcomes.", no_args_is_help=True
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: the configured store)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _train(url: str | None) -> tuple[MixinLearningModel, TrainingReport]:
    async def _main() -> tuple[MixinLearningModel, TrainingReport]:
        async with OmniNodePersistence(url or default_database_url()) as store:
            return await MixinTrainer(store).train()

    try:
        return asyncio.run(_main())
    except (OmniNodeError, SQLAlchemyError, OSError) as exc:
        Console(stderr=True).print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_report(console: Console, report: TrainingReport) -> None:
    if report.mode == "learned":
        console.print(f"model: learned ({report.reason})", highlight=False)
    else:
        console.print(f"model: catalogue rules ({report.reason})", highlight=False)
    console.print(
        f"outcomes: {report.outcomes} from {report.contracts} contract(s); "
        f"trained on {report.train_contracts}, held out {report.test_contracts} "
        f"({report.test_outcomes} outcome(s))",
        highlight=False,
    )
    console.print(
        f"held-out precision {_figure(report.precision)}  recall {_figure(report.recall)}  "
        f"accuracy {_figure(report.accuracy)}",
        highlight=False,
    )


@mixins_app.command("train")
def train(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Train on the recorded outcomes and report precision/recall on held-out contracts."""
    _, report = _train(database_url)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    _print_report(Console(), report)


@mixins_app.command("suggest")
def suggest_command(
    contract: Annotated[Path, typer.Argument(help="Contract YAML file.")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Score the catalogue's mixins against the contract's mixins, best fit first."""
    loaded = load_contract(contract)
    node_type = loaded.node_type.value.upper()
    declared = [m.name for m in loaded.enabled_mixins]
    model, report = _train(database_url)
    suggestions = suggest(model, node_type, declared)
    if as_json:
        data: dict[str, Any] = {
            "contract": str(contract),
            "node_type": node_type,
            "declared": declared,
            "model": report.to_dict(),
            "suggestions": [
                {"mixin": s.mixin, "score": s.score, "declared": s.declared} for s in suggestions
            ],
        }
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    _print_report(console, report)
    table = Table("mixin", "score", "declared", title=f"{contract} ({node_type})")
    for s in suggestions:
        table.add_row(s.mixin, f"{s.score:.3f}", "yes" if s.declared else "")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``mixins`` to the ``omninode`` application."""
    app.add_typer(mixins_app, name="mixins")
