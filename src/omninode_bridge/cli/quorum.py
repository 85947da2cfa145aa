"""``omninode quorum FILE``: ask the configured models to vote on one file.

Prints one table row per model (vote, confidence, weight, attempts, tokens,
cost, reasoning or the reason it was excluded) and the decision. With no API
key configured the quorum is off: it says so once and exits 0.

Exit codes: 0 passed (or quorum off), 1 failed or too few models answered,
2 bad input or configuration.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from omninode_bridge.errors import ConfigError, InsufficientParticipationError
from omninode_bridge.quorum.models import QuorumResult
from omninode_bridge.quorum.recording import RecordMode
from omninode_bridge.quorum.settings import (
    QUORUM_OFF_MESSAGE,
    build_quorum_from_settings,
    key_variables,
    load_quorum_settings,
)
from omninode_bridge.validation.models import ValidationContext

__all__ = ["infer_node_type", "register", "votes_table"]

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

_NODE_CLASS = re.compile(r"class\s+Node\w*?(Effect|Compute|Reducer|Orchestrator)\b")


def infer_node_type(code: str) -> str:
    """The ONEX node type named by the first ``Node...<Type>`` class, else ``unknown``."""
    match = _NODE_CLASS.search(code)
    return match.group(1).lower() if match else "unknown"


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:.5f}"


def votes_table(result: QuorumResult) -> Table:
    """A rich table with one row per model: votes first, then exclusions."""
    table = Table(title="AI quorum votes")
    for column in ("model", "weight", "vote", "confidence", "ms", "tries", "tokens", "cost"):
        table.add_column(column, justify="left" if column in ("model", "vote") else "right")
    table.add_column("reasoning / reason", overflow="fold")
    for v in result.votes:
        table.add_row(
            v.model_id,
            f"{v.weight:g}",
            "[green]PASS[/]" if v.vote else "[red]FAIL[/]",
            f"{v.confidence:.0%}",
            f"{v.duration_ms:.0f}",
            str(v.attempts),
            f"{v.usage.input_tokens}/{v.usage.output_tokens}",
            _money(v.cost_usd),
            v.reasoning,
        )
    for e in result.exclusions:
        table.add_row(
            e.model_id,
            f"{e.weight:g}",
            f"[yellow]EXCLUDED[/] {e.kind.value}",
            "-",
            f"{e.duration_ms:.0f}",
            str(e.attempts),
            f"{e.usage.input_tokens}/{e.usage.output_tokens}",
            _money(e.cost_usd),
            e.reason,
        )
    return table


def _summary(result: QuorumResult) -> str:
    verdict = "[green]PASSED[/]" if result.passed else "[red]FAILED[/]"
    return (
        f"{verdict} consensus {result.consensus_score:.1%} "
        f"(threshold {result.pass_threshold:.1%}), weight "
        f"{result.participating_weight:g}/{result.total_weight:g}, "
        f"cost ${result.total_cost_usd:.5f}, {result.duration_ms:.0f} ms"
    )


def _as_json(result: QuorumResult) -> str:
    data: dict[str, Any] = asdict(result)
    data["total_cost_usd"] = result.total_cost_usd
    return json.dumps(data, default=str)


def _read_code(file: Path, err: Console) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[bold red]error:[/] {file}: cannot read file: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


async def _run(quorum: Any, code: str, context: ValidationContext) -> QuorumResult:
    try:
        await quorum.initialize()
        result: QuorumResult = await quorum.validate_code(code, context)
        return result
    finally:
        await quorum.close()


def quorum_command(
    file: Annotated[Path, typer.Argument(help="Python file to validate.")],
    node_type: Annotated[
        str | None, typer.Option(help="Node type; inferred from the node class when omitted.")
    ] = None,
    contract: Annotated[str, typer.Option(help="Contract summary given to the models.")] = "",
    criterion: Annotated[
        list[str] | None, typer.Option(help="Validation criterion (repeatable).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Quorum configuration file (omninode-quorum.yaml).")
    ] = None,
    cassette: Annotated[
        Path | None, typer.Option(help="Folder of recorded exchanges to replay (or record).")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record exchanges into --cassette.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Ask the AI quorum to vote on FILE and print every vote as a table."""
    out, err = Console(), Console(stderr=True)
    code = _read_code(file, err)
    try:
        settings = load_quorum_settings(config_file=config)
        if cassette is not None:
            mode = RecordMode.RECORD if record else RecordMode.REPLAY
            settings = settings.model_copy(update={"cassette": cassette, "cassette_mode": mode})
        quorum = build_quorum_from_settings(settings, environ=os.environ)
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if quorum is None:
        hint = ", ".join(key_variables(settings)) or "a model in the quorum configuration"
        err.print(f"{QUORUM_OFF_MESSAGE} (set {hint})", highlight=False)
        return
    context = ValidationContext(
        node_type=node_type or infer_node_type(code),
        contract_summary=contract,
        validation_criteria=list(criterion or []),
    )
    try:
        result = asyncio.run(_run(quorum, code, context))
    except InsufficientParticipationError as exc:
        err.print(f"[bold red]quorum failed:[/] {exc}", highlight=False)
        for note in getattr(exc, "__notes__", []):
            err.print(f"  {note}", highlight=False, markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        print(_as_json(result))
    else:
        out.print(votes_table(result))
        out.print(_summary(result), highlight=False)
    if not result.passed:
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``omninode quorum`` to ``app``."""
    app.command("quorum")(quorum_command)
