"""CompletenessValidator: is everything the contract asks for in the module?

Checks (node modules only, except docstrings):

- ``CMP001`` a node class exists (a class named ``Node...`` or inheriting a
  node base class);
- ``CMP002`` it defines the method its node type requires
  (:data:`REQUIRED_METHODS`) or the ones ``context.required_methods`` names;
- ``CMP003`` every ``context.operations`` entry is handled: a function named
  for it (``create``, ``handle_create``, ``_handle_create``, ``execute_create``,
  ``_create``) or a dispatch on it (a comparison, ``match`` case or dict key
  with the operation's string or enum member);
- ``CMP004`` every ``context.models`` class is defined or imported;
- ``CMP005`` (warning, every non-test module) public classes and functions
  have docstrings.

Score: ``0.7 * met / required + 0.3 * docstring_coverage``, where
``required`` counts the node class, its required methods, the operations and
the models (the first term is 0.7 when nothing is required).
"""

from __future__ import annotations

import ast
import time

from omninode_bridge.validation.base import FindingSink
from omninode_bridge.validation.models import (
    ModuleKind,
    ValidationContext,
    ValidatorReport,
)
from omninode_bridge.validation.source import (
    NODE_BASES,
    ParsedSource,
    pick_node_class,
)

__all__ = ["REQUIRED_METHODS", "CompletenessValidator", "docstring_targets"]

#: The async method each node type's class must define.
REQUIRED_METHODS: dict[str, str] = {
    "effect": "execute_effect",
    "compute": "execute_compute",
    "reducer": "execute_reduction",
    "orchestrator": "execute_orchestration",
}

_HANDLER_FORMS = ("{}", "handle_{}", "_handle_{}", "execute_{}", "_execute_{}", "_{}", "on_{}")
_SKIP_DECORATORS = ("setter", "deleter", "overload")


def docstring_targets(
    source: ParsedSource,
) -> list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    """Public classes and functions that should carry a docstring.

    Module-level classes and functions and the methods of public classes;
    names starting with ``_`` (dunders included), nested functions, property
    setters and ``@overload`` stubs are left out.
    """
    if source.tree is None:
        return []
    targets: list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef] = []
    for item in source.tree.body:
        if isinstance(item, ast.ClassDef) and not item.name.startswith("_"):
            targets.append(item)
            targets.extend(
                m
                for m in item.body
                if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and _public(m)
            )
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _public(item):
            targets.append(item)
    return targets


def _public(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if func.name.startswith("_"):
        return False
    for deco in func.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _SKIP_DECORATORS:
            return False
    return True


def _dispatch_values(source: ParsedSource) -> set[str]:
    """Lower-cased strings and enum member names that the module dispatches on."""
    values: set[str] = set()

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            values.add(node.value.strip().lower())
        elif isinstance(node, ast.Attribute):
            values.add(node.attr.lower())
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for elt in node.elts:
                add(elt)

    for compare in source.nodes(ast.Compare):
        add(compare.left)
        for comparator in compare.comparators:
            add(comparator)
    for case in source.nodes(ast.MatchValue):
        add(case.value)
    for mapping in source.nodes(ast.Dict):
        for key in mapping.keys:
            if key is not None:
                add(key)
    return values


def _defined_names(source: ParsedSource) -> set[str]:
    names = {c.name for c in source.nodes(ast.ClassDef)}
    for imp in source.nodes(ast.ImportFrom):
        names |= {a.asname or a.name for a in imp.names}
    for imp_plain in source.nodes(ast.Import):
        names |= {(a.asname or a.name).split(".")[0] for a in imp_plain.names}
    names |= {a.attr for a in source.nodes(ast.Attribute)}
    for assign in source.nodes(ast.Assign):
        names |= {t.id for t in assign.targets if isinstance(t, ast.Name)}
    return names


class CompletenessValidator:
    """Checks that the node class, its required method, the contract's
    operations and models, and docstrings are all present.

    Args:
        require_docstrings: Report ``CMP005`` for public classes and functions
            without a docstring.
    """

    name = "completeness"

    def __init__(self, *, require_docstrings: bool = True) -> None:
        self.require_docstrings = require_docstrings

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        """Report missing pieces of the node module."""
        started = time.perf_counter()
        sink = FindingSink(self.name)
        required = met = 0
        kind = source.module_kind(context)
        if kind is ModuleKind.NODE:
            required, met = self._check_node(source, context, sink)
        doc_cov = self._check_docstrings(source, sink) if kind is not ModuleKind.TEST else 1.0
        req_term = met / required if required else 1.0
        return sink.report(score=0.7 * req_term + 0.3 * doc_cov, started=started)

    def _check_node(
        self, source: ParsedSource, context: ValidationContext, sink: FindingSink
    ) -> tuple[int, int]:
        info = pick_node_class(source, context)
        node_type = context.declared_node_type or (info.node_type if info else None)
        required = 1 + len(context.operations) + len(context.models)
        met = 0
        if info is None:
            base = NODE_BASES.get(node_type or "effect", "NodeEffect")
            method = REQUIRED_METHODS.get(node_type or "effect", "execute_effect")
            sink.add(
                "CMP001",
                None,
                f"no node class found: expected a class named Node<Name><Type> inheriting {base}",
                f"add `class Node<Name>{base[4:]}({base}):` with `async def {method}(...)`",
                line=1,
            )
        else:
            met += 1
            methods = context.required_methods or (
                [REQUIRED_METHODS[node_type]] if node_type in REQUIRED_METHODS else []
            )
            required += len(methods)
            for method in methods:
                if method in info.methods:
                    met += 1
                    continue
                sink.add(
                    "CMP002",
                    info.cls,
                    f"{info.cls.name} has no method {method}() required for "
                    f"{'an ' + node_type if node_type else 'a'} node",
                    f"add `async def {method}(self, contract) -> ...` to {info.cls.name}",
                )
        met += self._check_operations(source, context, sink)
        met += self._check_models(source, context, sink)
        return required, met

    def _check_operations(
        self, source: ParsedSource, context: ValidationContext, sink: FindingSink
    ) -> int:
        if not context.operations:
            return 0
        functions = {f.name.lower() for f in source.functions()}
        dispatched = _dispatch_values(source)
        met = 0
        for raw in context.operations:
            op = raw.strip().lower()
            if op in dispatched or any(form.format(op) in functions for form in _HANDLER_FORMS):
                met += 1
                continue
            sink.add(
                "CMP003",
                None,
                f"contract operation '{raw}' is not handled: no handler method and no "
                "dispatch on it",
                f"add `async def _handle_{op}(self, ...)` and dispatch '{raw}' to it",
                line=1,
            )
        return met

    def _check_models(
        self, source: ParsedSource, context: ValidationContext, sink: FindingSink
    ) -> int:
        if not context.models:
            return 0
        defined = _defined_names(source)
        met = 0
        for model in context.models:
            if model in defined:
                met += 1
                continue
            sink.add(
                "CMP004",
                None,
                f"contract model {model} is neither defined nor imported",
                f"define `class {model}(BaseModel):` or import it from the package's models",
                line=1,
            )
        return met

    def _check_docstrings(self, source: ParsedSource, sink: FindingSink) -> float:
        targets = docstring_targets(source)
        if not targets:
            return 1.0
        documented = 0
        for target in targets:
            if ast.get_docstring(target) is not None:
                documented += 1
            elif self.require_docstrings:
                what = "class" if isinstance(target, ast.ClassDef) else "function"
                sink.add(
                    "CMP005",
                    target,
                    f"public {what} {target.name} has no docstring",
                    f"add a one-line docstring under `{target.name}` saying what it does",
                )
        return documented / len(targets)
