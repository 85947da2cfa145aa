"""Template records: kinds, metadata, loaded templates and per-render options.

Shared by :mod:`.template_manager` and :mod:`.template_cache`, so neither
imports the other's module for its types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = ["Template", "TemplateMetadata", "TemplateRenderContext", "TemplateType"]


class TemplateType(StrEnum):
    """Kinds of templates the code generator uses."""

    EFFECT = "effect"
    COMPUTE = "compute"
    REDUCER = "reducer"
    ORCHESTRATOR = "orchestrator"
    MODEL = "model"
    VALIDATOR = "validator"
    TEST = "test"
    CONTRACT = "contract"

    @classmethod
    def infer(cls, template_id: str) -> TemplateType:
        """Guess the type from an id (``node_effect_v1`` -> ``EFFECT``); ``MODEL`` otherwise."""
        lowered = template_id.lower()
        for kind in cls:
            if kind.value in lowered:
                return kind
        return cls.MODEL


@dataclass(frozen=True, slots=True)
class TemplateMetadata:
    """Where a template came from and when.

    Attributes:
        source_path: The file read.
        sha256: Hex SHA-256 of the content.
        loaded_at: Wall-clock time of the load (seconds since the epoch).
        builtin: Whether the file is one of the package's built-in templates.
    """

    source_path: Path
    sha256: str
    loaded_at: float
    builtin: bool


@dataclass(frozen=True, slots=True)
class Template:
    """A template with its content.

    Attributes:
        template_id: Unique template identifier (the file name without suffix).
        template_type: Type of template.
        content: Template source (Jinja2 syntax).
        metadata: Source file, hash and load time.
        size_bytes: Size of the content in bytes (UTF-8).
    """

    template_id: str
    template_type: TemplateType
    content: str
    metadata: TemplateMetadata | None = None
    size_bytes: int = 0


@dataclass(frozen=True, slots=True)
class TemplateRenderContext:
    """Variables and per-render options.

    Filters and non-default options (``autoescape``, ``trim_blocks``,
    ``lstrip_blocks``) need a separately compiled template, which is not
    cached; plain ``variables`` and ``globals`` use the cached one.

    Attributes:
        variables: Names the template reads.
        filters: Extra Jinja2 filters for this render.
        globals: Extra names, overridden by ``variables``.
        autoescape: HTML-escape output (off: templates render code).
        trim_blocks: Remove the first newline after a block tag.
        lstrip_blocks: Strip whitespace before a block tag on its line.
    """

    variables: Mapping[str, Any] = field(default_factory=dict)
    filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    globals: Mapping[str, Any] = field(default_factory=dict)
    autoescape: bool = False
    trim_blocks: bool = True
    lstrip_blocks: bool = True

    @property
    def needs_own_environment(self) -> bool:
        """Whether this render cannot use the manager's shared environment."""
        return (
            bool(self.filters) or self.autoescape or not (self.trim_blocks and self.lstrip_blocks)
        )
