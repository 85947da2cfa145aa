"""Reading a Markdown PRD: its title, sections and their bullets.

The first ``# `` heading is the title; ``## `` / ``### `` headings open
sections, recognised by name (overview, requirements, features, success
criteria, technical details, dependencies, operations); fenced code blocks are
skipped; top-level bullets (``-``, ``*``, ``+``, ``1.``) of a section are its
items, indented bullets their details.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["PRDItem", "PRDSection", "derived_title", "overview_text", "parse_sections"]

_SECTION_KINDS: Final = {
    "overview": ("overview", "summary", "description", "introduction", "purpose", "background"),
    "requirements": ("functional requirement", "requirement", "user stor", "capabilit"),
    "features": ("feature",),
    "criteria": ("success criteria", "acceptance criteria", "success metric"),
    "technical": ("technical", "architecture", "implementation", "non-functional"),
    "dependencies": ("dependenc", "integration", "external system"),
    "operations": ("operation", "api", "endpoint"),
}
_BULLET: Final = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")
_HEADING: Final = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class PRDItem:
    """A bullet of a section.

    Attributes:
        text: The bullet text without its marker.
        line: 1-based line in the PRD.
        details: Indented sub-bullets, joined.
    """

    text: str
    line: int
    details: str = ""


@dataclass(frozen=True, slots=True)
class PRDSection:
    """A ``##`` (or deeper) section.

    Attributes:
        title: Heading text.
        kind: Recognised kind (``overview``, ``requirements``...) or ``""``.
        line: 1-based line of the heading.
        text: Body text that is not a bullet.
        items: Top-level bullets.
    """

    title: str
    kind: str
    line: int
    text: str
    items: tuple[PRDItem, ...]


def parse_sections(lines: Sequence[str]) -> tuple[str, int, list[str], list[PRDSection]]:
    """The title, its line, the lines before the first section, and the sections."""
    title, title_line = "", 0
    preamble: list[str] = []
    sections: list[PRDSection] = []
    current: dict[str, Any] | None = None
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            title, title_line = _plain(heading.group(2)), number
            continue
        if heading and len(heading.group(1)) >= 2:
            if current is not None:
                sections.append(_section(current))
            name = _plain(heading.group(2))
            current = {"title": name, "line": number, "text": [], "items": []}
            continue
        if current is None:
            preamble.append(line)
            continue
        _add_line(current, line, number)
    if current is not None:
        sections.append(_section(current))
    return title, title_line, preamble, sections


def derived_title(lines: Sequence[str]) -> tuple[str, int]:
    """The first words of the first text line (or ``Generated``), and that line."""
    for number, line in enumerate(lines, start=1):
        words = re.findall(r"[A-Za-z][A-Za-z0-9]*", _plain(line.lstrip("#").strip()))
        if words:
            return " ".join(words[:6]), number
    return "Generated", 0


def _add_line(current: dict[str, Any], line: str, number: int) -> None:
    bullet = _BULLET.match(line)
    if bullet and len(bullet.group(1).expandtabs()) < 2:
        current["items"].append([_plain(bullet.group(2)), number, []])
    elif bullet and current["items"]:
        current["items"][-1][2].append(_plain(bullet.group(2)))
    elif line.strip():
        current["text"].append(line.strip())


def _section(current: dict[str, Any]) -> PRDSection:
    items = tuple(
        PRDItem(text, line, "; ".join(details)) for text, line, details in current["items"]
    )
    return PRDSection(
        title=current["title"],
        kind=_kind(current["title"]),
        line=current["line"],
        text=" ".join(current["text"]),
        items=items,
    )


def _kind(title: str) -> str:
    lowered = title.lower()
    for kind, prefixes in _SECTION_KINDS.items():
        if any(p in lowered for p in prefixes):
            return kind
    return ""


def _plain(text: str) -> str:
    """Markdown links, code spans and emphasis reduced to their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*{1,3}([^*]+)\*{1,3}", r"\1", text)
    text = re.sub(r"(?<!\w)_{1,3}([^_]+)_{1,3}(?!\w)", r"\1", text)
    return text.strip()


def overview_text(preamble: list[str], sections: list[PRDSection]) -> str:
    """The overview section's text and bullets, or else the text before the first section."""
    for section in sections:
        if section.kind == "overview":
            parts = [section.text, *(item.text for item in section.items)]
            return " ".join(p for p in parts if p)
    return " ".join(line.strip() for line in preamble if line.strip())
