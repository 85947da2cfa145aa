"""Names used in generated node packages.

One place decides how a contract's names become Python names, so the node
class, models, enums, module files and directories always agree:

* service name: ``snake_case``, 2-64 characters (``postgres_crud``);
* node class: ``Node<Pascal><Type>`` (``NodePostgresCrudEffect``), without the
  doubled suffix a service called ``llm_effect`` used to get;
* models ``Model<Pascal>Input`` / ``Model<Pascal>Output``, enums ``Enum<...>``;
* version directory ``v<major>_<minor>_<patch>``.
"""

from __future__ import annotations

import hashlib
import keyword
import re

__all__ = [
    "NODE_TYPES",
    "class_name",
    "constant_name",
    "field_name",
    "pascal_case",
    "service_name",
    "snake_case",
    "strip_node_affixes",
    "version_dir",
]

NODE_TYPES: tuple[str, ...] = ("effect", "compute", "reducer", "orchestrator")

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")
# Names the generated code itself uses at module or class level; a field or
# member with one of these names is renamed (with an alias) to avoid shadowing.
_RESERVED_FIELDS = frozenset(
    {"model_config", "model_fields", "model_computed_fields", "schema", "json", "copy", "dict"}
)


def _words(text: str) -> list[str]:
    spaced = _CAMEL_BOUNDARY.sub(" ", text)
    return [word for word in _NON_WORD.split(spaced) if word]


def snake_case(text: str) -> str:
    """``"PostgresCRUD Adapter"`` -> ``"postgres_crud_adapter"``."""
    return "_".join(word.lower() for word in _words(text))


def pascal_case(text: str) -> str:
    """``"postgres_crud-adapter"`` -> ``"PostgresCrudAdapter"``."""
    return "".join(word[:1].upper() + word[1:].lower() for word in _words(text))


def strip_node_affixes(name: str, node_type: str) -> str:
    """Drop a leading ``Node`` and a trailing node-type word from ``name``.

    ``NodeDatabaseAdapterEffect`` and ``database_adapter_effect`` both become
    ``DatabaseAdapter`` / ``database_adapter`` stems, so a class name never
    ends in ``EffectEffect``.
    """
    words = _words(name)
    if len(words) > 1 and words[0].lower() == "node":
        words = words[1:]
    while len(words) > 1 and words[-1].lower() in {"node", node_type.lower()}:
        words = words[:-1]
    return "_".join(word.lower() for word in words)


def service_name(name: str, node_type: str) -> str:
    """Snake-case service name for a contract name, e.g. ``database_adapter_effect``.

    The result always ends with the node type, so services of different types
    built from one PRD never collide, and always starts with a letter.
    """
    stem = strip_node_affixes(name, node_type) or "service"
    if not stem[0].isalpha():
        stem = f"node_{stem}"
    return f"{stem}_{node_type.lower()}"


def class_name(name: str, node_type: str) -> str:
    """``Node<Pascal><Type>`` for a contract name and node type."""
    stem = pascal_case(strip_node_affixes(name, node_type)) or "Service"
    return f"Node{stem}{node_type.capitalize()}"


#: Longest attribute or member name derived from a contract value; a longer
#: one is cut and made unique with a hash of the value, so a generated line
#: holding it stays within the line length of 100.
MAX_DERIVED_NAME = 48


def _capped(name: str, source: str) -> str:
    if len(name) <= MAX_DERIVED_NAME:
        return name
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name[: MAX_DERIVED_NAME - 9].rstrip('_')}_{digest}"


def field_name(json_name: str) -> str:
    """A valid, non-reserved Python attribute name for a JSON property name."""
    name = _capped(snake_case(json_name), json_name) or "field"
    if name[0].isdigit():
        name = f"field_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _RESERVED_FIELDS:
        name = f"{name}_"
    return name


def constant_name(value: str) -> str:
    """Enum member name for a value: ``"GET"`` -> ``GET``, ``"date-time"`` -> ``DATE_TIME``."""
    name = _capped(snake_case(value), value).upper() or "VALUE"
    if name[0].isdigit():
        name = f"VALUE_{name}"
    if keyword.iskeyword(name.lower()) and name.lower() == name:
        name = f"{name}_"
    return name


def version_dir(major: int, minor: int, patch: int) -> str:
    """``v1_0_0`` for version 1.0.0."""
    return f"v{major}_{minor}_{patch}"
