"""Dotted field paths (``a.b[2].c``) into plain YAML data."""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["pop_path", "split_path"]

_PART: Final = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def split_path(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ``["a", "b", 2, "c"]``."""
    return [int(index) if index else key for index, key in _PART.findall(path)]


def pop_path(data: Any, path: str) -> Any:
    """Remove the value at ``path`` from ``data`` and return it (``None`` when absent)."""
    parts = split_path(path)
    if not parts:
        return None
    parent = data
    for part in parts[:-1]:
        found = (isinstance(parent, dict) and part in parent) or (
            isinstance(parent, list) and isinstance(part, int) and part < len(parent)
        )
        if not found:
            return None
        parent = parent[part]
    last = parts[-1]
    if isinstance(parent, dict):
        return parent.pop(last, None)
    return None
