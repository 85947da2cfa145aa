"""ONEXComplianceValidator: the ONEX node conventions, as errors that fail.

Node modules:

- ``ONEX001`` the node class is named ``Node<Name><Type>`` with the suffix of
  its node type (``NodePostgresCrudEffect``);
- ``ONEX002`` it inherits the base class of its node type (``NodeEffect``,
  ``NodeCompute``, ``NodeReducer``, ``NodeOrchestrator``);
- ``ONEX003`` its ``execute``/``execute_*`` methods are ``async def``;
- ``ONEX006`` its required execute method takes a pydantic model (a class
  deriving ``BaseModel`` in the module, or an imported ``Model*`` class) and
  is annotated to return one.

Every non-test module:

- ``ONEX004`` raised errors are ``ModelOnexError`` (or a class of the module
  deriving from it); re-raises, ``raise exc`` of a caught variable, pydantic
  validators (decorated, or module functions passed to ``BeforeValidator``
  and the other ``*Validator`` markers) raising ``ValueError``/``TypeError``/``AssertionError``,
  abstract methods raising ``NotImplementedError`` and ``SystemExit`` under
  ``if __name__ == "__main__":`` are allowed;
- ``ONEX005`` no ``print``/``pprint``/``sys.stdout.write`` outside an
  ``if __name__ == "__main__":`` block: log with ``emit_log_event``;
- ``ONEX007`` public functions and methods (``__init__`` included) do not
  use ``Any`` in their signatures.

Score: ``1 - min(errors, 10) / 10``.
"""

from __future__ import annotations

import ast
import re
import time

from omninode_bridge.validation.base import FindingSink
from omninode_bridge.validation.completeness import REQUIRED_METHODS
from omninode_bridge.validation.models import (
    ModuleKind,
    Severity,
    ValidationContext,
    ValidatorReport,
)
from omninode_bridge.validation.source import (
    NODE_BASES,
    NodeClassInfo,
    ParsedSource,
    annotation_names,
    base_names,
    dotted_name,
    pick_node_class,
)

__all__ = ["ONEXComplianceValidator"]

_NAME_RE = re.compile(r"^Node([A-Z][A-Za-z0-9]*?)(Effect|Compute|Reducer|Orchestrator)$")
_VALIDATOR_DECORATORS = {"field_validator", "model_validator", "validator", "root_validator"}
_VALIDATOR_ERRORS = {"ValueError", "TypeError", "AssertionError", "PydanticCustomError"}
_VALIDATOR_MARKERS = {"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"}
_PRINT_CALLS = {"print", "pprint", "pprint.pprint", "sys.stdout.write", "sys.stderr.write"}
_WRAPPERS = {"Optional", "Annotated", "None"}
_Func = ast.FunctionDef | ast.AsyncFunctionDef


def _pascal(text: str) -> str:
    parts = re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", text)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _marked_validators(source: ParsedSource) -> set[str]:
    """Names passed (directly or inside a call) to ``BeforeValidator(...)`` and kin."""
    names: set[str] = set()
    for call in source.nodes(ast.Call):
        if dotted_name(call.func).rsplit(".", 1)[-1] in _VALIDATOR_MARKERS:
            for arg in call.args:
                names.update(n.id for n in ast.walk(arg) if isinstance(n, ast.Name))
    return names


def _decorator_names(func: _Func) -> set[str]:
    names = set()
    for deco in func.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = dotted_name(target)
        if name:
            names.add(name.rsplit(".", 1)[-1])
    return names


def _class_closure(source: ParsedSource, roots: set[str]) -> set[str]:
    """``roots`` plus every class of the module that derives from one of them."""
    known = set(roots)
    classes = source.nodes(ast.ClassDef)
    changed = True
    while changed:
        changed = False
        for cls in classes:
            if cls.name not in known and known.intersection(base_names(cls)):
                known.add(cls.name)
                changed = True
    return known


def _in_main_guard(source: ParsedSource, node: ast.AST) -> bool:
    for parent in source.ancestors(node):
        if isinstance(parent, ast.If) and isinstance(parent.test, ast.Compare):
            names = {dotted_name(parent.test.left)} | {
                c.value for c in parent.test.comparators if isinstance(c, ast.Constant)
            }
            if "__name__" in names and "__main__" in names:
                return True
    return False


class ONEXComplianceValidator:
    """Checks ONEX naming, base classes, async execution, errors, logging and typing."""

    name = "onex_compliance"

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        """Report every ONEX convention the module breaks."""
        started = time.perf_counter()
        sink = FindingSink(self.name)
        kind = source.module_kind(context)
        if kind is ModuleKind.NODE:
            info = pick_node_class(source, context)
            if info is not None:
                self._check_node_class(source, context, info, sink)
        if kind is not ModuleKind.TEST:
            self._check_raises(source, sink)
            self._check_prints(source, sink)
            self._check_any(source, sink)
        errors = sum(1 for f in sink.findings if f.severity is Severity.ERROR)
        return sink.report(score=1 - min(errors, 10) / 10, started=started)

    def _check_node_class(
        self,
        source: ParsedSource,
        context: ValidationContext,
        info: NodeClassInfo,
        sink: FindingSink,
    ) -> None:
        cls = info.cls
        node_type = context.declared_node_type or info.node_type
        match = _NAME_RE.match(cls.name)
        suffix = node_type.capitalize() if node_type else None
        if match is None or (suffix and match.group(2) != suffix):
            stem = match.group(1) if match else _pascal(cls.name.removeprefix("Node")) or "Name"
            for known in ("Effect", "Compute", "Reducer", "Orchestrator", "Service", "Node"):
                stem = stem.removesuffix(known) or stem
            wanted = f"Node{stem}{suffix or '<Type>'}"
            sink.add(
                "ONEX001",
                cls,
                f"node class {cls.name} does not follow Node<Name><Type>"
                + (f" for {_a(node_type)} node" if node_type else ""),
                f"rename the class to {wanted}",
            )
        if node_type is not None:
            base = NODE_BASES[node_type]
            bases = base_names(cls)
            if base not in bases:
                found = ", ".join(bases) or "no base class"
                sink.add(
                    "ONEX002",
                    cls,
                    f"{cls.name} must inherit {base} for {_a(node_type)} node (found: {found})",
                    f"declare `class {cls.name}({base}, ...):` and import {base} from "
                    "omninode_bridge.onex",
                )
        for name, method in info.methods.items():
            if (name == "execute" or name.startswith("execute_")) and isinstance(
                method, ast.FunctionDef
            ):
                sink.add(
                    "ONEX003",
                    method,
                    f"{cls.name}.{name}() is synchronous; ONEX execute methods are async",
                    f"declare it `async def {name}(...)` and await I/O inside it",
                )
        self._check_models(source, context, info, node_type, sink)

    def _check_models(
        self,
        source: ParsedSource,
        context: ValidationContext,
        info: NodeClassInfo,
        node_type: str | None,
        sink: FindingSink,
    ) -> None:
        wanted = context.required_methods or (
            [REQUIRED_METHODS[node_type]] if node_type in REQUIRED_METHODS else []
        )
        models = _class_closure(source, {"BaseModel"})
        plain = {c.name for c in source.nodes(ast.ClassDef)} - models
        for name in wanted:
            method = info.methods.get(name)
            if method is None:
                continue
            params = [*method.args.posonlyargs, *method.args.args][1:]
            problems = []
            if not params:
                problems.append("it takes no input model")
            elif not _is_model(params[0].annotation, models, plain):
                problems.append(f"input '{params[0].arg}' is not annotated with a pydantic model")
            if not _is_model(method.returns, models, plain):
                problems.append("its return is not annotated with a pydantic model")
            if problems:
                sink.add(
                    "ONEX006",
                    method,
                    f"{info.cls.name}.{name}(): " + "; ".join(problems),
                    f"take and return pydantic models, e.g. `async def {name}(self, "
                    "contract: Model<Name>Input) -> Model<Name>Output`",
                )

    def _check_raises(self, source: ParsedSource, sink: FindingSink) -> None:
        allowed = _class_closure(source, {"ModelOnexError"})
        marked = _marked_validators(source)
        for node in source.nodes(ast.Raise):
            if node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = dotted_name(target).rsplit(".", 1)[-1]
            if not name or not name[0].isupper() or name in allowed:
                continue
            func = source.enclosing_function(node)
            decorators = _decorator_names(func) if func else set()
            is_validator = bool(decorators & _VALIDATOR_DECORATORS) or (
                func is not None and func.name in marked
            )
            if is_validator and name in _VALIDATOR_ERRORS:
                continue
            if name == "NotImplementedError" and "abstractmethod" in decorators:
                continue
            if name == "SystemExit" and _in_main_guard(source, node):
                continue
            sink.add(
                "ONEX004",
                node,
                f"raises {name}; ONEX code raises ModelOnexError",
                f"raise ModelOnexError(error_code=EnumCoreErrorCode..., message=...) "
                f"instead of {name}, chaining the cause with `from`",
            )

    def _check_prints(self, source: ParsedSource, sink: FindingSink) -> None:
        defined = {f.name for f in source.functions()}
        for call in source.nodes(ast.Call):
            name = dotted_name(call.func)
            if name not in _PRINT_CALLS or name in defined:
                continue
            if _in_main_guard(source, call):
                continue
            sink.add(
                "ONEX005",
                call,
                f"{name}() writes to the console; ONEX code logs with emit_log_event",
                "replace it with `emit_log_event(EnumLogLevel.INFO, message, {...})`",
            )

    def _check_any(self, source: ParsedSource, sink: FindingSink) -> None:
        for func in _public_functions(source):
            args = func.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            params += [a for a in (args.vararg, args.kwarg) if a is not None]
            using = [p.arg for p in params if "Any" in annotation_names(p.annotation)]
            if "Any" in annotation_names(func.returns):
                using.append("return")
            if using:
                sink.add(
                    "ONEX007",
                    func,
                    f"public signature {func.name}() uses Any for: {', '.join(using)}",
                    "use a pydantic model, a TypedDict, a Protocol or `object` instead of Any",
                )


def _public_functions(source: ParsedSource) -> list[_Func]:
    if source.tree is None:
        return []
    found: list[_Func] = []
    for item in source.tree.body:
        if isinstance(item, _Func) and not item.name.startswith("_"):
            found.append(item)
        elif isinstance(item, ast.ClassDef) and not item.name.startswith("_"):
            found.extend(
                m
                for m in item.body
                if isinstance(m, _Func) and (not m.name.startswith("_") or m.name == "__init__")
            )
    return found


def _is_model(annotation: ast.AST | None, models: set[str], plain: set[str]) -> bool:
    if annotation is None:
        return False
    core = annotation
    if isinstance(core, ast.BinOp) and isinstance(core.op, ast.BitOr):
        sides = [s for s in (core.left, core.right) if dotted_name(s) != "None"]
        if not (isinstance(core.right, ast.Constant) or isinstance(core.left, ast.Constant)):
            core = sides[0] if len(sides) == 1 else core
        else:
            core = sides[0] if sides else core
    if isinstance(core, ast.Subscript) and dotted_name(core.value).endswith("Optional"):
        core = core.slice
    if isinstance(core, ast.Constant) and isinstance(core.value, str):
        names = annotation_names(core) - _WRAPPERS
        return len(names) == 1 and _model_name(names.pop(), models, plain)
    name = dotted_name(core).rsplit(".", 1)[-1]
    return bool(name) and _model_name(name, models, plain)


def _model_name(name: str, models: set[str], plain: set[str]) -> bool:
    if name in models:
        return True
    return name.startswith("Model") and name not in plain
