"""Where an ONEX-dialect contract's node lives and which classes it must define.

The omnibase_core dialect names its models and handlers by Python reference
(``{name, module}``). Those references say where the node folder is: a
contract whose models live in ``acme.nodes.node_x_effect.models.model_req``
belongs to the package ``acme.nodes.node_x_effect``. Every class referenced
*inside* that package is the node's own and gets generated; everything else
is imported from where the contract says it lives.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from omninode_bridge.contracts.model import Contract, HandlerRoute, ModelRef, NodeType

__all__ = ["ClassSpec", "NodeLayout", "plan_layout"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_IO_FIELDS = re.compile(r"^io_operations\[(\d+)\]\.(input|output)_fields$")
#: Sub-packages of an ONEX node folder, and the kind of class each holds.
_KINDS = {"handlers": "handler", "registry": "registry", "models": "model"}


@dataclass(slots=True)
class ClassSpec:
    """One class the node's own package must define.

    Attributes:
        name: Class name.
        module: Dotted module the contract names for it.
        kind: ``model``, ``handler`` or ``registry``.
        description: What the contract says about it.
        fields: Field names a model carries (from ``input_fields`` / ``output_fields``).
        inputs: References of the payloads a handler handles.
        outputs: References of what a handler returns.
    """

    name: str
    module: str
    kind: str
    description: str = ""
    fields: list[str] = field(default_factory=list)
    inputs: list[ModelRef] = field(default_factory=list)
    outputs: list[ModelRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NodeLayout:
    """The node folder of one contract.

    Attributes:
        package: Dotted package of the node folder (``acme.nodes.node_x_effect``).
        node_class: The declarative node class (``NodeXEffect``).
        classes: Classes the node's own package defines, by module.
        routes: ``(key, handler)`` per ``handler_routing`` entry: the operation,
            event model or topic routed.
        subscribe_topics: ``event_bus`` topics the node consumes.
        publish_topics: ``event_bus`` topics the node produces.
    """

    package: str
    node_class: str
    classes: dict[str, list[ClassSpec]]
    routes: tuple[tuple[str, ModelRef], ...]
    subscribe_topics: tuple[str, ...]
    publish_topics: tuple[str, ...]

    @property
    def folder(self) -> str:
        """The node folder relative to ``--out`` (``acme/nodes/node_x_effect``)."""
        return self.package.replace(".", "/")

    def is_own(self, ref: ModelRef) -> bool:
        """Whether ``ref`` lives inside the node's own package."""
        return ref.module == self.package or ref.module.startswith(self.package + ".")

    def file_of(self, module: str) -> str:
        """The file defining ``module``, relative to the node folder."""
        relative = module[len(self.package) + 1 :] if module != self.package else ""
        if not relative:
            return "__init__.py"
        is_package = relative in _KINDS or any(
            other.startswith(module + ".") for other in self.classes
        )
        path = relative.replace(".", "/")
        return f"{path}/__init__.py" if is_package else f"{path}.py"

    def own_class(self, ref: ModelRef) -> ClassSpec | None:
        """The spec of an own class, or ``None`` for a class imported from elsewhere."""
        for spec in self.classes.get(ref.module, []):
            if spec.name == ref.name:
                return spec
        return None


def plan_layout(contract: Contract) -> NodeLayout:
    """The node folder and own classes of an ONEX-dialect contract."""
    refs = list(_references(contract))
    package = _package(contract, [ref for _, ref in refs])
    layout = NodeLayout(
        package=package,
        node_class=contract.name,
        classes={},
        routes=tuple(_routes(contract)),
        subscribe_topics=contract.events.consumes,
        publish_topics=contract.events.produces,
    )
    for kind, ref in refs:
        if not ref.module or not layout.is_own(ref):
            continue
        if ref.module == f"{package}.node":
            continue  # node.py is generated: it defines the node class only
        if not _PASCAL.match(ref.name) or keyword.iskeyword(ref.name):
            continue
        _add(layout, kind, ref)
    _fill_models(contract, layout)
    _fill_handlers(contract, layout)
    return layout


def _kind(role: str, module: str, package: str) -> str:
    """A handler by its role in the contract; a registry by its place; else a model."""
    parts = module[len(package) + 1 :].split(".") if module.startswith(package + ".") else []
    if role == "handler" or not parts:
        return role
    return "registry" if parts[0] == "registry" else role


def _add(layout: NodeLayout, kind: str, ref: ModelRef) -> ClassSpec:
    specs = layout.classes.setdefault(ref.module, [])
    for spec in specs:
        if spec.name == ref.name:
            return spec
    spec = ClassSpec(
        name=ref.name,
        module=ref.module,
        kind=_kind(kind, ref.module, layout.package),
        description=ref.description,
    )
    specs.append(spec)
    return spec


def _references(contract: Contract) -> Iterator[tuple[str, ModelRef]]:
    """Every class reference of the contract, with the kind its place implies."""
    for ref in (contract.input_model, contract.output_model, contract.state_model):
        if ref is not None:
            yield "model", ref
    for route in contract.handlers:
        yield "handler", route.handler
        for model in (route.event_model, route.input_model, route.output_model):
            if model is not None:
                yield "model", model
    yield from (("model", ref) for ref in _extension_refs(contract.extensions))


def _extension_refs(value: object) -> Iterator[ModelRef]:
    """``{name|class, module}`` mappings anywhere in the fields kept verbatim."""
    if isinstance(value, Mapping):
        name = value.get("name") or value.get("class")
        module = value.get("module")
        if (
            isinstance(name, str)
            and isinstance(module, str)
            and _PASCAL.match(name)
            and all(_IDENTIFIER.match(part) for part in module.split("."))
        ):
            description = value.get("description")
            yield ModelRef(
                name=name,
                module=module,
                description=description if isinstance(description, str) else "",
            )
        for item in value.values():
            yield from _extension_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _extension_refs(item)


def _package(contract: Contract, refs: list[ModelRef]) -> str:
    """The node's package: what the references agree on, else the contract's folder."""
    folder = contract.source_path.parent if contract.source_path else None
    candidates: Counter[str] = Counter()
    for ref in refs:
        parts = ref.module.split(".")
        for i in range(1, len(parts)):
            if parts[i - 1] == "nodes" and parts[i].startswith("node"):
                candidates[".".join(parts[: i + 1])] += 1
                break
    if folder is not None:
        for candidate in candidates:
            if candidate.rsplit(".", 1)[-1] == folder.name:
                return candidate
    if folder is not None and folder.parent.name == "nodes" and _IDENTIFIER.match(folder.name):
        root = folder.parent.parent.name
        if _IDENTIFIER.match(root) and not keyword.iskeyword(root):
            return f"{root}.nodes.{folder.name}"
    if candidates:
        return candidates.most_common(1)[0][0]
    name = contract.service_name
    return name if name.startswith("node_") else f"node_{name}"


def _routes(contract: Contract) -> Iterator[tuple[str, ModelRef]]:
    for route in contract.handlers:
        yield _route_key(route), route.handler


def _route_key(route: HandlerRoute) -> str:
    if route.operation:
        return route.operation
    if route.event_model is not None:
        return route.event_model.qualified
    if route.topic:
        return route.topic
    return route.handler.name


def _io_fields(contract: Contract) -> dict[str, tuple[list[str], list[str]]]:
    """Per ``io_operations`` entry: its operation and the field names it reads and writes."""
    by_index: dict[int, tuple[list[str], list[str]]] = {}
    for key, value in contract.extensions.items():
        match = _IO_FIELDS.match(key)
        if match is None or not isinstance(value, list):
            continue
        entry = by_index.setdefault(int(match.group(1)), ([], []))
        target = entry[0] if match.group(2) == "input" else entry[1]
        target.extend(_field_names(value))
    result: dict[str, tuple[list[str], list[str]]] = {}
    for index, fields in sorted(by_index.items()):
        name = (
            contract.io_operations[index].operation_type
            if index < len(contract.io_operations)
            else str(index)
        )
        result[name] = fields
    return result


def _field_names(values: list[Any]) -> Iterator[str]:
    for item in values:
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            yield from (str(k) for k in item)


def _fill_models(contract: Contract, layout: NodeLayout) -> None:
    io = _io_fields(contract)
    every_in = [name for fields, _ in io.values() for name in fields]
    every_out = [name for _, fields in io.values() for name in fields]
    _extend(layout, contract.input_model, every_in)
    _extend(layout, contract.output_model, every_out)
    for route in contract.handlers:
        fields = io.get(route.operation or "", ([], []))
        _extend(layout, route.event_model or route.input_model, fields[0])
        _extend(layout, route.output_model, fields[1])


def _extend(layout: NodeLayout, ref: ModelRef | None, names: list[str]) -> None:
    spec = layout.own_class(ref) if ref is not None else None
    if spec is None or spec.kind != "model":
        return
    for name in names:
        if name not in spec.fields:
            spec.fields.append(name)


def _fill_handlers(contract: Contract, layout: NodeLayout) -> None:
    for route in contract.handlers:
        spec = layout.own_class(route.handler)
        if spec is None or spec.kind != "handler":
            continue
        payload = route.event_model or route.input_model or contract.input_model
        result = route.output_model or contract.output_model
        if payload is not None and payload not in spec.inputs:
            spec.inputs.append(payload)
        if result is not None and result not in spec.outputs:
            spec.outputs.append(result)
        if not spec.description:
            spec.description = route.description


def node_base(node_type: NodeType) -> tuple[str, str]:
    """The omnibase_core base class of a node type: ``(module, class)``."""
    return f"omnibase_core.nodes.node_{node_type.value}", node_type.base_class
