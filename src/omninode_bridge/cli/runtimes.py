"""Names ``omninode generate`` needs before it imports the code generator.

:mod:`omninode_bridge.cli.generate` declares its options and starts the worker
processes from these alone, so the workers' start-up (the fork server
importing :data:`WORKER_MODULES`) overlaps the command importing the rest.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["WORKER_MODULES", "Runtime"]

#: What the worker processes import once (the stages' CPU work).
WORKER_MODULES = ("omninode_bridge.codegen.stages.worker_init",)


class Runtime(StrEnum):
    """The runtimes ``omninode generate`` targets."""

    EMBEDDED = "embedded"
    OMNIBASE_CORE = "omnibase-core"
