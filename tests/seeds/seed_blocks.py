"""Read the seed documents and pull out their fenced Python blocks."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[A-Za-z0-9_+-]*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced Python block: document stem, 1-based index in it, first line."""

    doc: str
    index: int
    line: int
    source: str

    @property
    def key(self) -> str:
        return f"{self.doc}#{self.index}"


def seed_documents() -> list[Path]:
    """The seed documents, sorted by name (empty when the folder is absent)."""
    if not SEEDS_DIR.is_dir():
        return []
    return sorted(SEEDS_DIR.glob("*.txt"))


def python_blocks(path: Path) -> list[Block]:
    """Every fenced ```python block of ``path`` (nested ones too), dedented.

    A block whose docstring holds an ``Example:`` fence yields the outer block
    and then the inner one, in document order of their opening lines.
    """
    doc = path.name.split("_", 1)[0]
    found: list[tuple[int, str]] = []
    _scan(path.read_text(encoding="utf-8").splitlines(), 0, found)
    found.sort()
    return [Block(doc, n, line, source) for n, (line, source) in enumerate(found, 1)]


def _scan(lines: list[str], offset: int, found: list[tuple[int, str]]) -> None:
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, lang = match["indent"], match["lang"]
        j = i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close is not None and close["lang"] == "" and close["indent"] == indent:
                break
            j += 1
        if lang == "python":
            body = lines[i + 1 : j]
            found.append((offset + i + 2, textwrap.dedent("\n".join(body)) + "\n"))
            _scan(body, offset + i + 1, found)
        i = j + 1
