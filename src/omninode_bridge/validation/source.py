"""The checked module, parsed once and indexed for every validator.

:func:`parse_source` runs ``ast.parse`` a single time and walks the tree a
single time, recording each node's parent and grouping nodes by type. Every
validator then asks the index (``source.nodes(ast.Call)``) instead of walking
the tree again, which keeps the full validator set to one parse and one walk.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from omninode_bridge.validation.models import (
    NODE_TYPES,
    Finding,
    ModuleKind,
    Severity,
    ValidationContext,
)

__all__ = [
    "NODE_BASES",
    "NodeClassInfo",
    "ParsedSource",
    "annotation_names",
    "base_names",
    "dotted_name",
    "parse_source",
    "pick_node_class",
]

_N = TypeVar("_N", bound=ast.AST)

#: Base class of each node type, as the ONEX runtime exports it.
NODE_BASES: dict[str, str] = {t: f"Node{t.capitalize()}" for t in NODE_TYPES}

_TYPE_SUFFIXES: dict[str, str] = {t.capitalize(): t for t in NODE_TYPES}
_NODE_NAME_RE = re.compile(r"^Node[A-Z][A-Za-z0-9]*(Effect|Compute|Reducer|Orchestrator)$")
_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def dotted_name(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, ``""`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def base_names(cls: ast.ClassDef) -> list[str]:
    """Last dotted component of each base (``onex.NodeEffect`` gives ``NodeEffect``)."""
    names = []
    for base in cls.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        name = dotted_name(target)
        if name:
            names.append(name.rsplit(".", 1)[-1])
    return names


def annotation_names(annotation: ast.AST | None) -> set[str]:
    """Every simple name mentioned in an annotation, string annotations included."""
    if annotation is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval")
            except SyntaxError:
                continue
            names |= annotation_names(inner.body)
    return names


@dataclass(frozen=True, slots=True)
class NodeClassInfo:
    """The class a node module is built around.

    Attributes:
        cls: Its ``ClassDef``.
        node_type: The node type from its base class or name suffix, or None.
        methods: Its methods by name.
    """

    cls: ast.ClassDef
    node_type: str | None
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]


@dataclass(slots=True)
class ParsedSource:
    """One module: its text, its tree and an index over the tree.

    Attributes:
        code: The source text.
        tree: The parsed module, or None when it does not parse.
        syntax_error: The ``SYN001`` finding when it does not parse.
        lines: ``code`` split into lines (no line ends).
        parents: Parent of every node in the tree.
    """

    code: str
    tree: ast.Module | None
    syntax_error: Finding | None
    lines: list[str]
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    _by_type: dict[type[ast.AST], list[ast.AST]] = field(default_factory=dict)
    _node_classes: list[NodeClassInfo] | None = None
    _used_names: set[str] | None = None

    def nodes(self, kind: type[_N]) -> list[_N]:
        """Every node of exactly type ``kind``, in source order."""
        return self._by_type.get(kind, [])  # type: ignore[return-value]

    def functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Every function and method, sync and async, in source order."""
        both: list[ast.FunctionDef | ast.AsyncFunctionDef] = [
            *self.nodes(ast.FunctionDef),
            *self.nodes(ast.AsyncFunctionDef),
        ]
        return sorted(both, key=lambda f: (f.lineno, f.col_offset))

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """Innermost function around ``node`` (lambdas are skipped over)."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, _FunctionNode):
                return current
            current = self.parents.get(current)
        return None

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        """Class that directly holds ``node`` (a method's class)."""
        parent = self.parents.get(node)
        return parent if isinstance(parent, ast.ClassDef) else None

    def ancestors(self, node: ast.AST) -> list[ast.AST]:
        """Parents of ``node`` from the innermost outwards."""
        chain = []
        current = self.parents.get(node)
        while current is not None:
            chain.append(current)
            current = self.parents.get(current)
        return chain

    def used_names(self) -> set[str]:
        """Names read anywhere: ``Name`` loads, string annotations, ``cast("T", ...)`` types."""
        if self._used_names is None:
            used = {n.id for n in self.nodes(ast.Name) if not isinstance(n.ctx, ast.Store)}
            for const in self.nodes(ast.Constant):
                if isinstance(const.value, str) and _in_annotation(self, const):
                    used |= annotation_names(const)
            used |= _dunder_all(self)
            self._used_names = used
        return self._used_names

    def node_classes(self) -> list[NodeClassInfo]:
        """Top-level classes that look like ONEX nodes (by base or by name)."""
        if self._node_classes is None:
            self._node_classes = [
                _node_class_info(cls)
                for cls in (self.tree.body if self.tree else [])
                if isinstance(cls, ast.ClassDef) and _looks_like_node(cls)
            ]
        return self._node_classes

    def module_kind(self, context: ValidationContext) -> ModuleKind:
        """Resolve ``context.module_kind``; see :class:`ModuleKind`."""
        if context.module_kind is not ModuleKind.AUTO:
            return context.module_kind
        if context.is_test_file:
            return ModuleKind.TEST
        if self.node_classes():
            return ModuleKind.NODE
        name = context.file_path.replace("\\", "/").rsplit("/", 1)[-1]
        if context.declared_node_type and name in ("", "node.py"):
            return ModuleKind.NODE
        return ModuleKind.MODULE

    def line_text(self, line: int) -> str:
        """Text of 1-based ``line`` ("" outside the module)."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _in_annotation(source: ParsedSource, node: ast.AST) -> bool:
    parent = source.parents.get(node)
    if (
        isinstance(parent, ast.Call)
        and parent.args
        and parent.args[0] is node
        and dotted_name(parent.func).rsplit(".", 1)[-1] == "cast"
    ):
        return True
    if isinstance(parent, ast.keyword) and parent.arg == "bound":
        return True
    child: ast.AST = node
    for parent in source.ancestors(node):
        if isinstance(parent, ast.arg) and parent.annotation is child:
            return True
        if isinstance(parent, _FunctionNode) and parent.returns is child:
            return True
        if isinstance(parent, ast.AnnAssign) and parent.annotation is child:
            return True
        if isinstance(parent, ast.stmt):
            return False
        child = parent
    return False


def _dunder_all(source: ParsedSource) -> set[str]:
    names: set[str] = set()
    for assign in source.nodes(ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in assign.targets) and (
            isinstance(assign.value, ast.List | ast.Tuple)
        ):
            names |= {
                e.value
                for e in assign.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return names


def _looks_like_node(cls: ast.ClassDef) -> bool:
    if any(b in NODE_BASES.values() for b in base_names(cls)):
        return True
    return _NODE_NAME_RE.match(cls.name) is not None


def _node_class_info(cls: ast.ClassDef) -> NodeClassInfo:
    node_type = next((t for t, b in NODE_BASES.items() if b in base_names(cls)), None)
    if node_type is None:
        match = _NODE_NAME_RE.match(cls.name)
        node_type = _TYPE_SUFFIXES[match.group(1)] if match else None
    methods = {
        item.name: item
        for item in cls.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return NodeClassInfo(cls=cls, node_type=node_type, methods=methods)


def pick_node_class(source: ParsedSource, context: ValidationContext) -> NodeClassInfo | None:
    """The node class to check: the one of the declared node type, else the first."""
    candidates = source.node_classes()
    if not candidates:
        return None
    wanted = context.declared_node_type
    return next((c for c in candidates if c.node_type == wanted), candidates[0])


def _syntax_finding(exc: SyntaxError) -> Finding:
    line = exc.lineno or 0
    column = max((exc.offset or 1) - 1, 0)
    return Finding(
        rule_id="SYN001",
        severity=Severity.ERROR,
        line=line,
        column=column,
        message=f"the source does not parse: {exc.msg}",
        suggestion=f"fix the syntax at line {line}, column {column + 1}",
        validator="parser",
    )


def _index(
    tree: ast.Module,
) -> tuple[dict[ast.AST, ast.AST], dict[type[ast.AST], list[ast.AST]]]:
    """Parent map and nodes by type, in source order, from one walk.

    Reads ``_fields`` directly (faster than ``ast.iter_child_nodes``) and skips
    the shared ``Load``/``Store``/``Del`` context singletons.
    """
    parents: dict[ast.AST, ast.AST] = {}
    by_type: dict[type[ast.AST], list[ast.AST]] = defaultdict(list)
    stack: list[ast.AST] = [tree]
    ast_type, context_type = ast.AST, ast.expr_context
    while stack:
        node = stack.pop()
        by_type[type(node)].append(node)
        children: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                children.extend(
                    v for v in value if isinstance(v, ast_type) and not isinstance(v, context_type)
                )
            elif isinstance(value, ast_type) and not isinstance(value, context_type):
                children.append(value)
        for child in children:
            parents[child] = node
        children.reverse()
        stack.extend(children)
    return parents, by_type


def parse_source(code: str) -> ParsedSource:
    """Parse ``code`` once and index the tree; a syntax error becomes a finding."""
    lines = code.splitlines()
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return ParsedSource(code=code, tree=None, syntax_error=_syntax_finding(exc), lines=lines)
    except ValueError as exc:  # null bytes in the source
        error = SyntaxError(str(exc))
        error.lineno = 1
        return ParsedSource(code=code, tree=None, syntax_error=_syntax_finding(error), lines=lines)
    parents, by_type = _index(tree)
    return ParsedSource(
        code=code,
        tree=tree,
        syntax_error=None,
        lines=lines,
        parents=parents,
        _by_type=dict(by_type),
    )
