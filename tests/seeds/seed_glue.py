"""The mechanical glue that turns a seed document's Python block into a script.

Three kinds, nothing else:

- ``IMPORTS``: each documented module the product does not have under that
  name, mapped to the module that defines the names (the Phase 7 guide's
  ``agents.lib.*``; see docs/seed-compatibility.md);
- placeholders the document leaves to the reader (``prd_text``,
  ``generated_code``, ``GeminiClient(...)``...), filled by ``Glue.prelude`` and
  ``Glue.replace``;
- earlier blocks a block continues (``Glue.after``), and an ``epilogue`` that
  calls what a block only defines, so that the definition is exercised.

Top-level ``await`` is run the way ``python -m asyncio`` runs it: the block is
compiled with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and the coroutine given to
``asyncio.run`` (see ``RUNNER``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# documented module -> module that defines the names
IMPORTS: dict[str, str] = {
    "agents.lib.persistence": "omninode_bridge.persistence",
    "agents.lib.db": "omninode_bridge.persistence",
    "agents.lib.codegen_workflow": "omninode_bridge.codegen.workflow",
    "agents.lib.omninode_template_engine": "omninode_bridge.codegen.template_engine",
    "agents.lib.template_cache": "omninode_bridge.codegen.template_manager",
    "agents.parallel_execution.agent_code_generator": "omninode_bridge.codegen.parallel",
    "agents.lib.mixin_learning": "omninode_bridge.intelligence.mixin_learning",
    "agents.lib.pattern_matcher": "omninode_bridge.intelligence.patterns",
    "agents.lib.quality_validator": "omninode_bridge.validation",
    "agents.lib.event_processor": "omninode_bridge.events",
    "agents.lib.events": "omninode_bridge.events",
    "agents.lib.monitoring": "omninode_bridge.observability",
    "agents.lib.alert_manager": "omninode_bridge.observability",
    "agents.lib.health_checker": "omninode_bridge.observability",
    "agents.lib.structured_logger": "omninode_bridge.observability",
    "agents.lib.log_context": "omninode_bridge.observability",
    "agents.scripts.monitoring_dashboard": "omninode_bridge.observability",
}

_IMPORT_LINE = re.compile(r"^(\s*from\s+)([\w.]+)(\s+import\b)", re.MULTILINE)


def map_imports(source: str) -> tuple[str, int]:
    """``source`` with documented modules replaced; the number replaced."""
    count = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        target = IMPORTS.get(match[2])
        if target is None:
            return match[0]
        count += 1
        return f"{match[1]}{target}{match[3]}"

    return _IMPORT_LINE.sub(swap, source), count


@dataclass(frozen=True)
class Glue:
    """What a block needs beyond its own text."""

    after: tuple[str, ...] = ()
    prelude: str = ""
    replace: tuple[tuple[str, str], ...] = ()
    epilogue: str = ""


# The compiled script is run by this wrapper in a fresh interpreter.
RUNNER = """\
import ast, asyncio, inspect, sys, types
source = open(sys.argv[1], encoding="utf-8").read()
code = compile(source, sys.argv[2], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = types.FunctionType(code, {"__name__": "__main__", "__builtins__": __builtins__})()
if inspect.iscoroutine(result):
    asyncio.run(result)
"""
