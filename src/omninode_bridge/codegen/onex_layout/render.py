"""The files of an ONEX node folder, as text.

``node.py``, ``__init__.py``, the tests and the contract are the generator's
(rewritten on every run); models, handlers and registries are the user's
(created once, never overwritten).
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from omninode_bridge.codegen.onex_layout.layout import ClassSpec, NodeLayout, node_base
from omninode_bridge.contracts.model import Contract, ModelRef, NodeType

__all__ = ["ImportBlock", "render_class_module", "render_node", "render_tests"]

_CONTAINER = ("omnibase_core.models.container.model_onex_container", "ModelONEXContainer")
_ERROR = ("omnibase_core.errors.model_onex_error", "ModelOnexError")
_ERROR_CODE = ("omnibase_core.enums.enum_core_error_code", "EnumCoreErrorCode")
_RESERVED = frozenset(dir(BaseModel))
#: omnibase_core's generic models (and their arity) a contract may name as a type.
_CORE_GENERICS = {
    "ModelComputeInput": 1,
    "ModelComputeOutput": 1,
    "ModelErrorDetails": 1,
    "ModelEventEnvelope": 1,
    "ModelHandlerOutput": 1,
    "ModelMessageEnvelope": 1,
    "ModelReducerInput": 1,
    "ModelReducerOutput": 1,
    "ModelReplayInput": 1,
    "ModelResult": 2,
    "ModelSkillResult": 1,
    "ModelUsageExample": 2,
    "ModelValidationResult": 1,
}
_LINE = 100


@dataclass(slots=True)
class ImportBlock:
    """``from`` imports sorted the way ruff's isort wants them.

    Attributes:
        first_party: Top-level packages that count as first party (those under ``--out``).
        stdlib: ``module -> names`` of the standard library.
        names: ``module -> names`` of everything else.
    """

    first_party: frozenset[str]
    stdlib: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)
    std_modules: set[str] = field(default_factory=set)

    def add(self, module: str, name: str) -> None:
        """Import ``name`` from ``module``."""
        self.names.setdefault(module, set()).add(name)

    def add_std(self, module: str, name: str) -> None:
        """Import ``name`` from a standard-library ``module``."""
        self.stdlib.setdefault(module, set()).add(name)

    def render(self) -> str:
        """The import sections, blank-line separated, ``from __future__`` first."""
        third = {m: n for m, n in self.names.items() if m.split(".")[0] not in self.first_party}
        first = {m: n for m, n in self.names.items() if m.split(".")[0] in self.first_party}
        sections = [["from __future__ import annotations"]]
        groups: tuple[tuple[set[str], dict[str, set[str]]], ...] = (
            (self.std_modules, self.stdlib),
            (self.modules, third),
            (set(), first),
        )
        sections += [_section(group, plain) for plain, group in groups if group or plain]
        return "\n\n".join("\n".join(lines) for lines in sections)


def _section(group: dict[str, set[str]], plain: set[str]) -> list[str]:
    lines = [f"import {m}" for m in sorted(plain, key=_module_key)]
    for module in sorted(group, key=_module_key):
        names = sorted(group[module], key=_name_key)
        single = f"from {module} import {', '.join(names)}"
        opener = f"from {module} import ("
        if len(single) <= _LINE:
            lines.append(single)
        else:
            opener += "  # noqa: E501" if len(opener) > _LINE else ""
            lines += [opener] + [f"    {n}," for n in names] + [")"]
    return lines


def _q(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text)


def _items(values: Sequence[str], indent: str, opener: str = "(", closer: str = ")") -> str:
    """``(a, b, c),`` on one line when it fits, else one item per line."""
    line = f"{indent}{opener}{', '.join(values)}{closer},"
    if len(line) <= _LINE:
        return line + "\n"
    inner = "".join(f"{indent}    {v},\n" for v in values)
    return f"{indent}{opener}\n{inner}{indent}{closer},\n"


def _split_literal(text: str, indent: str) -> str:
    """A long message as implicitly concatenated literals that fit the line."""
    width = max(_LINE - len(indent) - 4, 20)
    chunks = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    return "\n".join(f"{indent}{_q(chunk)}" for chunk in chunks)


def _module_key(module: str) -> tuple[str, str]:
    return module.lower(), module


def _name_key(name: str) -> tuple[int, str, str]:
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def _doc(text: str, indent: str = "") -> str:
    """A one-paragraph docstring body that ruff and Python accept."""
    clean = " ".join(text.replace('"""', "'''").replace("\\", "/").split()) or "No description."
    words, lines, line = clean.split(" "), [], ""
    width = _LINE - len(indent) - 8
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    body = "\n".join(f"{indent}{item}" if item else "" for item in lines)
    return f'{indent}"""\n{body}\n{indent}"""'


def _alias_for(ref: ModelRef, imports: ImportBlock, here: str, taken: dict[str, str]) -> str:
    """The local name of ``ref`` in a module, importing it unless defined ``here``."""
    if ref.module == here or not ref.module:
        return ref.name
    owner = taken.get(ref.name)
    if owner is None or owner == ref.qualified:
        taken[ref.name] = ref.qualified
        imports.add(ref.module, ref.name)
        return ref.name
    alias = f"{ref.name}{len(taken)}"
    imports.add(ref.module, f"{ref.name} as {alias}")
    taken[alias] = ref.qualified
    return alias


def _type_of(ref: ModelRef, imports: ImportBlock, here: str, taken: dict[str, str]) -> str:
    """``ref`` as a type annotation: omnibase_core's generic models get ``Any`` arguments."""
    alias = _alias_for(ref, imports, here, taken)
    arity = _CORE_GENERICS.get(ref.name, 0) if ref.module.startswith("omnibase_core.") else 0
    if not arity:
        return alias
    imports.add_std("typing", "Any")
    return f"{alias}[{', '.join(['Any'] * arity)}]"


def field_name(raw: str, used: set[str]) -> tuple[str, str | None]:
    """A safe attribute name for a contract field, and its alias when it differs."""
    name = re.sub(r"\W", "_", raw).strip("_") or "field"
    if name[0].isdigit():
        name = f"f_{name}"
    name = name.lower() if name.isupper() else name
    if name.startswith("model_"):
        name = f"f_{name}"  # pydantic reserves the model_ prefix
    while keyword.iskeyword(name) or name in _RESERVED or name in used:
        name = f"{name}_"
    used.add(name)
    return name, (None if name == raw else raw)


def render_class_module(
    layout: NodeLayout, module: str, specs: Sequence[ClassSpec], first_party: frozenset[str]
) -> str:
    """A user-owned module defining ``specs`` (models, handlers, registries)."""
    imports = ImportBlock(first_party)
    taken = {spec.name: f"{module}.{spec.name}" for spec in specs}
    bodies = [_class_body(spec, module, imports, taken, layout) for spec in specs]
    doc = f"{module.rsplit('.', 1)[-1]}: classes of {layout.node_class}; yours to edit."
    names = [_q(s.name) for s in sorted(specs, key=lambda s: s.name)]
    exports = _items(names, "", "__all__ = [", "]").rstrip().removesuffix(",")
    return f"{_doc(doc)}\n\n{imports.render()}\n\n\n" + "\n\n\n".join(bodies) + f"\n\n\n{exports}\n"


def _class_body(
    spec: ClassSpec, here: str, imports: ImportBlock, taken: dict[str, str], layout: NodeLayout
) -> str:
    if spec.kind == "model":
        imports.add("pydantic", "BaseModel")
        imports.add("pydantic", "ConfigDict")
        lines = [f"class {spec.name}(BaseModel):", _doc(spec.description or spec.name, "    "), ""]
        populate = ", populate_by_name=True" if _any_alias(spec.fields) else ""
        lines.append(f'    model_config = ConfigDict(extra="forbid", frozen=True{populate})')
        used: set[str] = set()
        if spec.fields:
            lines.append("")
        for raw in spec.fields:
            name, alias = field_name(raw, used)
            if alias is None:
                lines.append(f"    {name}: object | None = None")
            else:
                imports.add("pydantic", "Field")
                lines.append(f"    {name}: object | None = Field(default=None, alias={_q(alias)})")
        return "\n".join(lines)
    imports.add(*_CONTAINER)
    init = [
        f"    def __init__(self, container: {_CONTAINER[1]}) -> None:",
        '        """Keep the container the handler resolves its services from."""',
        "        self.container = container",
    ]
    head = [f"class {spec.name}:", _doc(spec.description or spec.name, "    "), "", *init]
    if spec.kind != "handler":
        return "\n".join(head)
    imports.add(*_ERROR)
    imports.add(*_ERROR_CODE)
    payload = " | ".join(_type_of(r, imports, here, taken) for r in spec.inputs) or "object"
    result = " | ".join(_type_of(r, imports, here, taken) for r in spec.outputs) or "object"
    where = layout.file_of(here)
    message = f"{spec.name}.handle is not implemented yet: write it in {where}"
    signature = f"    async def handle(self, payload: {payload}) -> {result}:"
    if len(signature) > _LINE:
        signature = "\n".join(
            ["    async def handle(", "        self,", f"        payload: {payload},",
             f"    ) -> {result}:"]
        )  # fmt: skip
    method = [
        "",
        signature,
        '        """Handle one routed payload; raises until written."""',
        f"        raise {_ERROR[1]}(",
        _split_literal(message, "            ") + ",",
        f"            error_code={_ERROR_CODE[1]}.METHOD_NOT_IMPLEMENTED,",
        "        )",
    ]
    return "\n".join(head + method)


def _any_alias(fields: Iterable[str]) -> bool:
    used: set[str] = set()
    return any(field_name(raw, used)[1] is not None for raw in fields)


def _type_args(contract: Contract, imports: ImportBlock, here: str) -> list[str]:
    if contract.node_type not in (NodeType.COMPUTE, NodeType.REDUCER):
        return []
    taken: dict[str, str] = {contract.name: f"{here}.{contract.name}"}
    first = contract.input_model or contract.state_model
    second = contract.output_model or contract.state_model
    return [_type_of(r, imports, here, taken) if r else "object" for r in (first, second)]


def render_node(contract: Contract, layout: NodeLayout, first_party: frozenset[str]) -> str:
    """``node.py``: the declarative node class, its routes and its topics."""
    here = f"{layout.package}.node"
    imports = ImportBlock(first_party)
    imports.add_std("typing", "Final")
    imports.add(*_CONTAINER)
    base_module, base = node_base(contract.node_type)
    imports.add(base_module, base)
    type_args = _type_args(contract, imports, here)
    taken: dict[str, str] = {contract.name: f"{here}.{contract.name}"}
    routes: list[str] = []
    seen: set[str] = set()
    for key, handler in layout.routes:
        if key in seen:
            continue
        seen.add(key)
        target = _alias_for(handler, imports, here, taken)
        entry = f"    {_q(key)}: {target},"
        routes.append(entry if len(entry) <= _LINE else f"{entry}  # noqa: E501")
    route_table = (
        "HANDLER_ROUTES: Final[dict[str, type[object]]] = {\n" + "\n".join(routes) + "\n}"
        if routes
        else "HANDLER_ROUTES: Final[dict[str, type[object]]] = {}"
    )
    strategy = contract.routing_strategy
    parts = [
        _doc(f"{contract.name}: {contract.description}"),
        "",
        imports.render(),
        "",
        "#: handler_routing of the contract: operation, event model or topic -> handler class.",
        route_table,
        f"ROUTING_STRATEGY: Final[str | None] = {_q(strategy) if strategy else None}",
        f"SUBSCRIBE_TOPICS: Final[tuple[str, ...]] = {_tuple(layout.subscribe_topics)}",
        f"PUBLISH_TOPICS: Final[tuple[str, ...]] = {_tuple(layout.publish_topics)}",
        "",
        "",
        _class_header(contract.name, base, type_args),
        _doc(
            f"Declarative {contract.node_type.value} node: behaviour comes from contract.yaml "
            "and the handlers it routes to.",
            "    ",
        ),
        "",
        f"    def __init__(self, container: {_CONTAINER[1]}) -> None:",
        '        """Build the node from its ONEX container."""',
        "        super().__init__(container)",
        "",
        "",
        "__all__ = [",
        '    "HANDLER_ROUTES",',
        '    "PUBLISH_TOPICS",',
        '    "ROUTING_STRATEGY",',
        '    "SUBSCRIBE_TOPICS",',
        f'    "{contract.name}",',
        "]",
    ]
    return "\n".join(parts) + "\n"


def _class_header(name: str, base: str, type_args: list[str]) -> str:
    subscript = f"[{', '.join(type_args)}]" if type_args else ""
    line = f"class {name}({base}{subscript}):"
    if len(line) <= _LINE:
        return line
    args = "".join(f"        {a},\n" for a in type_args)
    return f"class {name}(\n    {base}[\n{args}    ],\n):"


def _tuple(items: Sequence[str]) -> str:
    if not items:
        return "()"
    text = "(" + ", ".join(_q(i) for i in items) + ("," if len(items) == 1 else "") + ")"
    if len(text) <= 50:
        return text
    return "(\n" + "".join(f"    {_q(i)},\n" for i in items) + ")"


_ROUTE_TEST = """@pytest.mark.parametrize(("key", "module", "name"), ROUTES)
def test_route_reaches_its_handler(key: str, module: str, name: str) -> None:
    handler = getattr(importlib.import_module(module), name)
    assert HANDLER_ROUTES[key] is handler
    assert key.rsplit(".", 1)[-1] in CONTRACT.read_text(encoding="utf-8")


"""


def render_tests(contract: Contract, layout: NodeLayout, first_party: frozenset[str]) -> str:
    """``tests/test_node.py``: the node builds, routes and declares its topics."""
    imports = ImportBlock(first_party)
    imports.add_std("pathlib", "Path")
    imports.add(*_CONTAINER)
    base_module, base = node_base(contract.node_type)
    imports.add(base_module, base)
    node_module = f"{layout.package}.node"
    for name in ("HANDLER_ROUTES", "PUBLISH_TOPICS", "SUBSCRIBE_TOPICS", contract.name):
        imports.add(node_module, name)
    seen: dict[str, ModelRef] = {}
    for key, handler in layout.routes:
        seen.setdefault(key, handler)
    cases = "".join(_items([_q(k), _q(h.module), _q(h.name)], "    ") for k, h in seen.items())
    own_handlers = sorted(
        {
            (s.module, s.name)
            for specs in layout.classes.values()
            for s in specs
            if s.kind == "handler"
        }
    )
    if seen or own_handlers:
        imports.std_modules.add("importlib")
        imports.modules.add("pytest")
    if own_handlers:
        imports.std_modules.add("inspect")
    head = f"{_doc(f'Generated tests of {contract.name}: build, routing, topics.')}\n\n"
    body = f"""

CONTRACT = Path(__file__).resolve().parent.parent / "contract.yaml"
ROUTES: list[tuple[str, str, str]] = [
{cases}]


def test_node_builds_from_a_container() -> None:
    node = {contract.name}({_CONTAINER[1]}())
    assert isinstance(node, {base})


def test_every_declared_route_has_a_handler() -> None:
    assert sorted(HANDLER_ROUTES) == sorted(key for key, _, _ in ROUTES)


{_ROUTE_TEST if seen else ""}def test_event_bus_topics_are_declared() -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    assert SUBSCRIBE_TOPICS == {_tuple(layout.subscribe_topics)}
    assert PUBLISH_TOPICS == {_tuple(layout.publish_topics)}
    topics: tuple[str, ...] = (*SUBSCRIBE_TOPICS, *PUBLISH_TOPICS)
    for topic in topics:
        assert topic in text
"""
    if own_handlers:
        listed = "".join(_items([_q(m), _q(n)], "    ") for m, n in own_handlers)
        body += f"""

OWN_HANDLERS: list[tuple[str, str]] = [
{listed}]


@pytest.mark.parametrize(("module", "name"), OWN_HANDLERS)
def test_own_handler_builds_and_handles_asynchronously(module: str, name: str) -> None:
    handler = getattr(importlib.import_module(module), name)({_CONTAINER[1]}())
    assert inspect.iscoroutinefunction(handler.handle)
"""
    return head + imports.render() + body
