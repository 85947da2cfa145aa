"""Load-time checks of contract *values* that reach generated code.

The loader is tolerant of unknown fields (they become warnings), but a value
that the generator copies into Python source must be usable there, or the
generated package would not import, would not parse, or would fail its own
tests. Every such value is checked here, at load, so it is refused with exit 2
and ``file:line: field: message`` instead of surfacing as a crash later:

* size: at most :data:`MAX_FIELDS` schema properties and
  :data:`MAX_OPERATIONS` operations per contract (counted on the raw document,
  before any costly validation, so a huge contract is refused at once);
* regexes: every ``pattern``, ``patternProperties`` key and
  ``forbidden_patterns`` entry compiles with :mod:`re` and holds no control
  character (a newline or NUL in a regex is legal for :mod:`re` but not what
  a contract author means); the schema checks are in
  :mod:`omninode_bridge.schema_values`, shared with ``omninode models``;
* constraints: ``minItems``, ``maxLength``... are non-negative integers, each
  minimum is at most its maximum, ``multipleOf`` is positive;
* field names: a property name is a string.

A ``default`` that breaks its own schema and a property named like a
``BaseModel`` attribute (``model_dump``) are not refused: the generated model
does not validate defaults (as a JSON Schema validator does not) and gives such
a property a safe attribute name with the JSON name as alias; the schema
translator reports the default as a warning (file, line, field).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from omninode_bridge.contracts.model import Contract
from omninode_bridge.contracts.safe_yaml import (
    DEFAULT_LIMITS,
    YamlDocument,
    join_path,
    too_many_fields,
)
from omninode_bridge.errors import ContractProblem
from omninode_bridge.schema_values import regex_problem, schema_problems

__all__ = ["MAX_FIELDS", "MAX_OPERATIONS", "size_problems", "value_problems"]

#: Most schema properties (all schemas of a contract together) a contract may declare.
MAX_FIELDS: Final = DEFAULT_LIMITS.max_schema_fields
#: Most operations a contract may declare.
MAX_OPERATIONS: Final = 200


def size_problems(document: YamlDocument, data: Mapping[str, Any]) -> list[ContractProblem]:
    """Refuse a contract over :data:`MAX_FIELDS` fields or :data:`MAX_OPERATIONS` operations.

    Counts on the raw document, so it runs before schema validation.
    """
    fields = sum(_count_properties(data, depth=0))
    problems = []
    if fields > MAX_FIELDS:
        problems.append(too_many_fields(document.source, fields, MAX_FIELDS))
    operations = data.get("operations")
    if isinstance(operations, list | dict) and len(operations) > MAX_OPERATIONS:
        problems.append(
            ContractProblem(
                document.source,
                document.line_of("operations") or 1,
                "operations",
                f"declares {len(operations)} operations; a contract may declare at most "
                f"{MAX_OPERATIONS}",
            )
        )
    return problems


def _count_properties(node: object, *, depth: int) -> Iterator[int]:
    if depth > 64:
        return
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield len(properties)
        for value in node.values():
            yield from _count_properties(value, depth=depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _count_properties(item, depth=depth + 1)


def value_problems(contract: Contract, source: str) -> list[ContractProblem]:
    """Every value of ``contract`` that would break generated code, as problems."""
    problems: list[ContractProblem] = []

    def report(field: str, message: str) -> None:
        problems.append(ContractProblem(source, contract.line_for(field), field, message))

    security = contract.advanced_features.security_validation
    if security is not None:
        for index, pattern in enumerate(security.forbidden_patterns):
            field = join_path("advanced_features.security_validation.forbidden_patterns", index)
            message = regex_problem(pattern)
            if message:
                report(field, message)
    schemas: list[tuple[str, object]] = [
        ("input_schema", contract.input_schema),
        ("output_schema", contract.output_schema),
    ]
    for index, operation in enumerate(contract.operations):
        base = join_path("operations", index)
        schemas.append((f"{base}.input_schema", operation.input_schema))
        schemas.append((f"{base}.output_schema", operation.output_schema))
    for path, schema in schemas:
        if isinstance(schema, dict):
            for field, message in schema_problems(path, schema):
                report(field, message)
    return problems
