"""Dependency graph: validation, cycle detection that names the cycle, waves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from omninode_bridge.errors import CycleError, WorkflowDefinitionError

__all__ = ["DependencyGraph"]


class DependencyGraph:
    """A directed acyclic graph of ids, each listing the ids it depends on.

    Insertion order is kept, so waves and orders are deterministic.
    """

    def __init__(self) -> None:
        self._deps: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_mapping(cls, deps: Mapping[str, Iterable[str]]) -> DependencyGraph:
        """Build a graph from ``{node: [dependencies...]}``."""
        graph = cls()
        for node, node_deps in deps.items():
            graph.add(node, node_deps)
        return graph

    def add(self, node: str, dependencies: Iterable[str] = ()) -> None:
        """Add ``node``; raises WorkflowDefinitionError on a duplicate id."""
        if node in self._deps:
            raise WorkflowDefinitionError(f"duplicate id {node!r}")
        self._deps[node] = tuple(dict.fromkeys(dependencies))

    def __contains__(self, node: object) -> bool:
        return node in self._deps

    def __len__(self) -> int:
        return len(self._deps)

    @property
    def nodes(self) -> list[str]:
        """Node ids in insertion order."""
        return list(self._deps)

    def dependencies(self, node: str) -> tuple[str, ...]:
        """Direct dependencies of ``node``."""
        return self._deps[node]

    def dependents(self, node: str) -> list[str]:
        """Nodes that depend directly on ``node``."""
        return [n for n, deps in self._deps.items() if node in deps]

    def validate(self) -> None:
        """Check that every dependency exists and that there is no cycle.

        Raises:
            WorkflowDefinitionError: A dependency names an unknown id.
            CycleError: The graph has a cycle; the error names it.
        """
        for node, deps in self._deps.items():
            for dep in deps:
                if dep not in self._deps:
                    raise WorkflowDefinitionError(f"{node!r} depends on unknown id {dep!r}")
        cycle = self.find_cycle()
        if cycle is not None:
            raise CycleError(cycle)

    def find_cycle(self) -> list[str] | None:
        """Return one cycle as ``[a, b, ..., a]``, or None when acyclic."""
        white, grey, black = 0, 1, 2
        color = dict.fromkeys(self._deps, white)
        for root in self._deps:
            if color[root] != white:
                continue
            path: list[str] = [root]
            stack: list[tuple[str, int]] = [(root, 0)]
            color[root] = grey
            while stack:
                node, index = stack[-1]
                deps = self._deps[node]
                if index < len(deps):
                    stack[-1] = (node, index + 1)
                    dep = deps[index]
                    if dep not in color:
                        continue
                    if color[dep] == grey:
                        start = path.index(dep)
                        return [*path[start:], dep]
                    if color[dep] == white:
                        color[dep] = grey
                        path.append(dep)
                        stack.append((dep, 0))
                else:
                    color[node] = black
                    stack.pop()
                    path.pop()
        return None

    def waves(self) -> list[list[str]]:
        """Group nodes by level (Kahn's algorithm): each wave needs only earlier waves.

        Raises:
            CycleError: The graph has a cycle.
        """
        self.validate()
        remaining = {node: set(deps) for node, deps in self._deps.items()}
        waves: list[list[str]] = []
        while remaining:
            ready = [node for node, deps in remaining.items() if not deps]
            waves.append(ready)
            for node in ready:
                del remaining[node]
            done = set(ready)
            for deps in remaining.values():
                deps -= done
        return waves

    def topological_order(self) -> list[str]:
        """All nodes, dependencies first."""
        return [node for wave in self.waves() for node in wave]
