"""Structured logging entry point used by every part of the package.

Every module gets its logger here (``log = get_logger(__name__, component="...")``)
so that configuration (JSON lines, correlation ids, rotation) is applied in one
place.
"""

from __future__ import annotations

from typing import Any

import structlog

__all__ = ["get_logger"]


def get_logger(name: str, component: str | None = None, **initial: Any) -> Any:
    """Return a structlog logger bound to ``logger`` name and ``component``.

    Args:
        name: Usually ``__name__`` of the calling module.
        component: Logical component (``executor``, ``templates``...), attached
            to every line the logger writes.
        **initial: Extra key-value pairs bound to every line.
    """
    fields: dict[str, Any] = {"logger": name, **initial}
    if component is not None:
        fields["component"] = component
    return structlog.get_logger(name).bind(**fields)
