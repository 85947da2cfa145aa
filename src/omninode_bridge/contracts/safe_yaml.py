"""Reading untrusted YAML: plain data only, with a line for every field.

PyYAML composes the node graph; this module turns the nodes into plain
``dict`` / ``list`` / ``str`` / ``int`` / ``float`` / ``bool`` / ``None``
values itself, so:

* no Python object is ever built from a tag: only the YAML core tags are
  accepted, anything else (``!!python/object``, ``!custom``) is a problem;
* duplicate mapping keys are reported with both lines;
* alias bombs are refused: the number of alias references and the number of
  values built (aliases expanded) are capped, recursive aliases are refused;
* oversized files and over-deep nesting are refused;
* every mapping key and sequence item gets its 1-based line under a dotted
  path (``advanced_features.circuit_breaker.failure_threshold``, ``mixins[0]``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from omninode_bridge.contracts.problems import (
    ContractProblem,
    ContractValidationError,
    contract_error,
)

__all__ = [
    "DEFAULT_LIMITS",
    "YamlDocument",
    "YamlLimits",
    "join_path",
    "parse_yaml",
    "read_bounded",
    "read_yaml_file",
    "too_many_fields",
]

_CORE: Final = "tag:yaml.org,2002:"
_STR: Final = _CORE + "str"
_INT: Final = _CORE + "int"
_FLOAT: Final = _CORE + "float"
_BOOL: Final = _CORE + "bool"
_NULL: Final = _CORE + "null"
_TIMESTAMP: Final = _CORE + "timestamp"
_MAP: Final = _CORE + "map"
_SEQ: Final = _CORE + "seq"
_MERGE: Final = _CORE + "merge"


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """Caps that make hostile input fail fast.

    Attributes:
        max_bytes: Largest file accepted.
        max_aliases: Most alias references (``*name``) in one document.
        max_values: Most values built, counting every alias expansion.
        max_depth: Deepest nesting of mappings and sequences.
        max_schema_fields: Most entries of all ``properties`` mappings (JSON
            Schema fields) together; a long document over it is refused from
            the event stream, before any node is built.
    """

    max_bytes: int = 1_048_576
    max_aliases: int = 100
    max_values: int = 100_000
    max_depth: int = 64
    max_schema_fields: int = 1000


DEFAULT_LIMITS: Final = YamlLimits()


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed document: its data, the line of each field, and problems found.

    Attributes:
        source: The file name used in messages.
        data: Plain data (``None`` for an empty document).
        lines: Dotted field path -> 1-based line; ``""`` is the document start.
        problems: Non-fatal problems (duplicate keys, refused tags).
    """

    source: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    problems: tuple[ContractProblem, ...] = ()

    def line_of(self, path: str) -> int | None:
        """Line of ``path`` or of its closest located parent."""
        while True:
            line = self.lines.get(path)
            if line is not None or not path:
                return line
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""


def join_path(parent: str, part: str | int) -> str:
    """``join_path("mixins", 0) == "mixins[0]"``; ``join_path("a", "b") == "a.b"``."""
    if isinstance(part, int):
        return f"{parent}[{part}]"
    return f"{parent}.{part}" if parent else part


class _BombError(Exception):
    """Internal: a limit was hit; building stops."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


#: libyaml's parser when PyYAML was built with it (several times faster), else PyYAML's.
_Loader: Final[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


class _Builder:
    """Turns a composed node graph into plain data, recording lines and problems."""

    def __init__(
        self, source: str, loader: yaml.SafeLoader | yaml.CSafeLoader, limits: YamlLimits
    ) -> None:
        self.source = source
        self.loader = loader
        self.limits = limits
        self.lines: dict[str, int] = {}
        self.problems: list[ContractProblem] = []
        self.values = 0
        self.active: set[int] = set()
        self.seen: set[int] = set()
        self.aliases = 0
        self.expanding = 0

    def problem(self, node: Node, path: str, message: str) -> None:
        self.problems.append(ContractProblem(self.source, _line(node), path, message))

    def build(self, node: Node, path: str, depth: int) -> Any:
        self.values += 1
        if self.values > self.limits.max_values:
            raise _BombError(
                _line(node),
                f"more than {self.limits.max_values} values (alias expansion?); refusing to load",
            )
        if depth > self.limits.max_depth:
            raise _BombError(_line(node), f"nesting deeper than {self.limits.max_depth} levels")
        if id(node) in self.active:
            raise _BombError(_line(node), "recursive alias; refusing to load")
        alias = id(node) in self.seen and not self.expanding
        if alias:
            # A node met twice is an alias reference; its subtree counts once.
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise _BombError(
                    _line(node),
                    f"more than {self.limits.max_aliases} alias references; refusing to expand",
                )
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.active.add(id(node))
        self.expanding += alias
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path, depth)
            if isinstance(node, SequenceNode):
                return self.sequence(node, path, depth)
        finally:
            self.active.discard(id(node))
            self.expanding -= alias
        self.problem(node, path, f"unsupported YAML node {type(node).__name__}")
        return None

    def scalar(self, node: ScalarNode, path: str) -> Any:
        tag = node.tag
        try:
            if tag in (_STR, _TIMESTAMP):
                return node.value
            if tag == _INT:
                return self.loader.construct_yaml_int(node)
            if tag == _FLOAT:
                return self.loader.construct_yaml_float(node)
            if tag == _BOOL:
                return self.loader.construct_yaml_bool(node)
            if tag == _NULL:
                return None
        except ValueError as exc:
            self.problem(node, path, f"cannot read scalar {node.value[:40]!r}: {exc}")
            return None
        self.problem(node, path, f"tag {tag!r} is not allowed; only plain YAML data is accepted")
        return None

    def sequence(self, node: SequenceNode, path: str, depth: int) -> list[Any]:
        if node.tag != _SEQ:
            self.problem(node, path, f"tag {node.tag!r} is not allowed on a sequence")
        items: list[Any] = []
        for index, child in enumerate(node.value):
            child_path = join_path(path, index)
            self.lines.setdefault(child_path, _line(child) or 0)
            items.append(self.build(child, child_path, depth + 1))
        return items

    def mapping(self, node: MappingNode, path: str, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            self.problem(node, path, f"tag {node.tag!r} is not allowed on a mapping")
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self.merge(value_node, path, depth))
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            child_path = join_path(path, key)
            line = _line(key_node) or 0
            if key in first_line:
                self.problem(
                    key_node,
                    child_path,
                    f"duplicate key '{key}' (first defined on line {first_line[key]})",
                )
                continue
            first_line[key] = line
            self.lines[child_path] = line
            result[key] = self.build(value_node, child_path, depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def merge(self, node: Node, path: str, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            value = self.build(source, path, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
            else:
                self.problem(source, path, "a merge key ('<<') needs a mapping")
        return merged

    def key(self, node: Node, path: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, path, "mapping keys must be plain scalars")
            return None
        if node.tag not in (_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP):
            self.problem(node, path, f"tag {node.tag!r} is not allowed on a key")
            return None
        return str(node.value)


#: Text this short nests at most a few thousand levels (two characters a
#: level), which libyaml's recursive composer handles; longer text is checked
#: on the event stream first (deep enough nesting crashes the composer).
#: PyYAML's own composer raises RecursionError earlier, which is reported.
_COMPOSE_SAFE_CHARS: Final = 16_384


def too_many_fields(source: str, fields: int, limit: int) -> ContractProblem:
    """The problem of a contract declaring more than ``limit`` schema fields."""
    return ContractProblem(
        source,
        1,
        "",
        f"declares {fields} schema fields; a contract may declare at most "
        f"{limit} (split it into several nodes)",
    )


def _check_structure(text: str, source: str, limits: YamlLimits) -> None:
    """Refuse over-deep nesting and too many schema fields before any node is built.

    Works on the flat event stream. Each open mapping is a stack entry
    ``[expecting_key, counts_fields, last_key]``; a sequence is ``None``.
    """
    loader = _Loader(text)
    depth = 0
    fields = 0
    stack: list[list[Any] | None] = []
    try:
        while loader.check_event():
            event = loader.get_event()
            top = stack[-1] if stack else None
            node = isinstance(event, ScalarEvent | AliasEvent | MappingStartEvent)
            node = node or isinstance(event, SequenceStartEvent)
            is_key = node and top is not None and top[0]
            if is_key and top is not None:
                top[0] = False
                top[2] = event.value if isinstance(event, ScalarEvent) else None
                fields += bool(top[1])
            elif node and top is not None:
                top[0] = True
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    message = f"nesting deeper than {limits.max_depth} levels"
                    raise _document_error(source, line, message)
                under_properties = top is not None and not is_key and top[2] == "properties"
                entry = [True, under_properties, None]
                stack.append(entry if isinstance(event, MappingStartEvent) else None)
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                depth -= 1
                stack.pop()
    except yaml.YAMLError:
        return  # reported with its line by the composing pass
    finally:
        loader.dispose()
    if fields > limits.max_schema_fields:
        raise contract_error([too_many_fields(source, fields, limits.max_schema_fields)])


def _document_error(source: str, line: int | None, message: str) -> ContractValidationError:
    return contract_error([ContractProblem(source, line, "", message)])


def _line(node: Node) -> int | None:
    mark = node.start_mark
    return mark.line + 1 if mark is not None else None


def parse_yaml(
    text: str, *, source: str = "<string>", limits: YamlLimits = DEFAULT_LIMITS
) -> YamlDocument:
    """Parse one YAML document from text.

    Args:
        text: The YAML text.
        source: Name used in problem messages.
        limits: Size, alias, value and depth caps.

    Returns:
        The document; problems that do not stop parsing are in ``problems``.

    Raises:
        ContractValidationError: Syntax errors, several documents, or a limit hit.
    """
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise contract_error(
            [ContractProblem(source, None, "", f"file is larger than {limits.max_bytes} bytes")]
        )
    if len(text) > _COMPOSE_SAFE_CHARS:
        _check_structure(text, source, limits)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(source, None, {"": 1})
        builder = _Builder(source, loader, limits)
        data = builder.build(node, "", 0)
    except _BombError as exc:
        raise contract_error([ContractProblem(source, exc.line, "", exc.message)]) from exc
    except RecursionError:
        message = f"nesting deeper than {limits.max_depth} levels"
        raise _document_error(source, None, message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = " ".join(filter(None, [exc.context, exc.problem]))
        raise contract_error(
            [ContractProblem(source, line, "", f"invalid YAML: {detail}")]
        ) from exc
    except yaml.YAMLError as exc:
        raise contract_error([ContractProblem(source, None, "", f"invalid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    lines = {"": _line(node) or 1, **builder.lines}
    return YamlDocument(source, data, lines, tuple(builder.problems))


def read_bounded(path: str | Path, *, source: str | None = None, max_bytes: int) -> bytes:
    """Read a file of at most ``max_bytes``: the size is checked before reading.

    The read itself is bounded too (a file that grows, a pipe or a device
    whose size the file system does not know), so memory stays below
    ``max_bytes + 1`` whatever the file.

    Raises:
        ContractValidationError: Unreadable or larger than ``max_bytes``.
    """
    name = source if source is not None else str(path)
    too_large = [ContractProblem(name, None, "", f"file is larger than {max_bytes} bytes")]
    try:
        with Path(path).open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                raise contract_error(too_large)
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise contract_error(
            [ContractProblem(name, None, "", f"cannot read: {exc.strerror}")]
        ) from exc
    if len(raw) > max_bytes:
        raise contract_error(too_large)
    return raw


def read_yaml_file(
    path: str | Path, *, source: str | None = None, limits: YamlLimits = DEFAULT_LIMITS
) -> YamlDocument:
    """Read and parse a YAML file, refusing it before reading when it is too large.

    Raises:
        ContractValidationError: Unreadable, too large, not UTF-8, or invalid YAML.
    """
    name = source if source is not None else str(path)
    raw = read_bounded(path, source=name, max_bytes=limits.max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise contract_error(
            [ContractProblem(name, None, "", f"not UTF-8 text: {exc.reason}")]
        ) from exc
    return parse_yaml(text, source=name, limits=limits)
