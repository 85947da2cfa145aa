"""The import graph of ``omninode_bridge`` has layers and no circles.

Imports are read with :mod:`ast` (``TYPE_CHECKING`` and function-local imports
count too: a circle that only type checkers see is still a circle in the
design). Each top-level package or module has a layer; a module may import
its own package and lower layers only. ``agents/`` holds the seed documents'
import paths and nothing else: no function or class is defined there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "omninode_bridge"

# Lowest first. A unit may import units of a strictly lower layer (and itself).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "atomic", "schema_values"}),
    frozenset({"", "config", "onex"}),  # "" is the package root (__version__)
    frozenset({"logs", "ports"}),
    frozenset({"contracts", "engine"}),
    frozenset({"persistence"}),
    frozenset({"metrics"}),
    frozenset({"events", "validation"}),
    frozenset({"quorum", "intelligence"}),
    frozenset({"codegen"}),
    frozenset({"observability"}),
    frozenset({"web"}),
    frozenset({"cli"}),
    frozenset({"agents"}),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
# The runtime that generated code imports depends on nothing of ours but the
# exception tree.
ONEX_MAY_IMPORT = frozenset({"onex", "errors"})


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "omninode_bridge":
                continue
            resolved = _resolve(target)
            if resolved is not None and resolved != module:
                yield resolved


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        found = set(_imports(module, path))
        # ``from pkg import sub`` names both pkg and pkg.sub; keep the most specific.
        graph[module] = {t for t in found if not any(o.startswith(t + ".") for o in found)}
    return graph


GRAPH = _graph()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_unit_has_a_layer() -> None:
    units = {_unit(module) for module in MODULES}
    assert sorted(units - RANK.keys()) == []


def test_there_are_no_import_circles() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_lower_layers_never_import_higher_ones() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if _unit(module) != _unit(target) and RANK[_unit(target)] >= RANK[_unit(module)]
    ]
    assert offenders == []


def test_onex_imports_only_itself_and_the_error_tree() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in sorted(GRAPH.items())
        if _unit(module) == "onex"
        for target in sorted(targets)
        if _unit(target) not in ONEX_MAY_IMPORT
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "module",
    sorted(m for m in MODULES if _unit(m) == "agents"),
    ids=lambda m: m.removeprefix("omninode_bridge."),
)
def test_agents_modules_only_re_export(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), "each facade names where its code lives"
    defined = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert defined == []
    for node in tree.body[1:]:
        is_all = isinstance(node, ast.Assign) and [
            getattr(t, "id", None) for t in node.targets
        ] == ["__all__"]
        assert isinstance(node, ast.ImportFrom) or is_all, ast.dump(node)[:80]
