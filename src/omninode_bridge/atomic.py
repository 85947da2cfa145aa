"""Atomic file writes: the one place that writes a temporary file and renames it.

A reader never sees a half-written file: each text goes to a temporary sibling
and is renamed into place with :func:`os.replace`. With several files, every
rename waits until all of them are written, so a failure leaves the old files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["atomic_write_text", "atomic_write_texts"]


def atomic_write_texts(writes: Sequence[tuple[Path, str]], *, mode: int | None = None) -> None:
    """Write every ``(path, text)`` as UTF-8, renaming all of them into place at the end.

    Args:
        writes: Target paths (parent folders are created) and their texts.
        mode: Permission bits for the files (the temporary file's 0o600 otherwise).

    Raises:
        OSError: A file could not be written; no target was replaced by then,
            and every temporary file is removed.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in writes:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((temp, path))
            if mode is not None:
                os.fchmod(fd, mode)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        for temp, path in temps:
            os.replace(temp, path)
        temps.clear()
    finally:
        for temp, _path in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write one file atomically (see :func:`atomic_write_texts`)."""
    atomic_write_texts([(path, text)], mode=mode)
