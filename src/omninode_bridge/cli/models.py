"""``omninode models``: pydantic v2 modules from JSON Schema files.

The like-for-like job of ``datamodel-codegen --input DIR``: one module per
schema file, made by the translator and template of the node packages'
models (:mod:`omninode_bridge.codegen.schema_modules`). Imports stay lean
(no rich, contracts, pipeline or store), so the command starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from omninode_bridge.cli.app import EXIT_BAD_INPUT
from omninode_bridge.errors import OmniNodeError

__all__ = ["models", "register"]


def models(
    schemas: Annotated[
        list[Path],
        typer.Argument(
            help="JSON Schema files (.json, .yaml, .yml) or folders of them.", show_default=False
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder, one module per schema.")],
    class_name: Annotated[
        str, typer.Option("--class-name", help="Class name of each schema's root model.")
    ] = "Model",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Write a pydantic v2 module per JSON Schema file (the node packages' models).

    Each module is named after its file (a safe identifier) and defines the
    root model, its nested models and enums; mypy --strict clean. Keywords the
    models do not enforce are reported as warnings naming the schema path.
    Exit codes: 0 written (warnings included); 2 bad input, nothing written.
    """
    from omninode_bridge.atomic import atomic_write_texts
    from omninode_bridge.codegen.schema_modules import build_modules

    try:
        modules = build_modules(schemas, class_name=class_name)
    except OmniNodeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    writes = [(out / f"{m.module}.py", m.text) for m in modules]
    try:
        atomic_write_texts(writes)
    except OSError as exc:
        typer.echo(f"error: cannot write to {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    warnings = [w for m in modules for w in m.warnings]
    if as_json:
        document = {
            "out": str(out),
            "modules": [
                {
                    "schema": str(m.schema),
                    "path": str(path),
                    "module": m.module,
                    "class_name": m.class_name,
                    "models": list(m.models),
                    "enums": list(m.enums),
                    "warnings": list(m.warnings),
                }
                for m, (path, _) in zip(modules, writes, strict=True)
            ],
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    count = len(modules)
    typer.echo(
        f"wrote {count} module{'s' * (count != 1)} to {out}"
        + (f" ({len(warnings)} warning{'s' * (len(warnings) != 1)})" if warnings else "")
    )


def register(app: typer.Typer) -> None:
    """Add the ``models`` command."""
    app.command("models")(models)
