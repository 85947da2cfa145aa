"""JSON Schema files to pydantic v2 modules: ``omninode models``.

Each schema file becomes one self-contained module: the translator of the
node packages (:class:`~omninode_bridge.codegen.schema_models.SchemaTranslator`)
turns the schema into model and enum records, and the ``model_v1`` template
renders them with the context the packages' ``models/*.py`` are rendered
with (:func:`~omninode_bridge.codegen.model_source.model_module_context`),
the enums defined in the module itself. The classes are the packages' own:
same annotations, aliases, constraints and validators, ``mypy --strict``
clean.

Only what this needs is imported (the translator, Jinja, pydantic for the
reserved names): not the contracts, the pipeline, the template manager or
jsonschema (unless a schema has defaults), so the command starts fast.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omninode_bridge import __version__
from omninode_bridge.codegen.model_source import model_module_context
from omninode_bridge.codegen.schema_models import SchemaTranslator
from omninode_bridge.codegen.sources import docstring
from omninode_bridge.errors import GenerationError
from omninode_bridge.schema_values import schema_problems

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "DEFAULT_CLASS_NAME",
    "SCHEMA_SUFFIXES",
    "SchemaModule",
    "build_modules",
    "module_name",
    "read_schema",
    "schema_files",
    "schema_module",
]

#: The root model's class name unless ``--class-name`` says otherwise.
DEFAULT_CLASS_NAME = "Model"
#: The file suffixes read as schemas (a folder is searched for these, not recursively).
SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")
#: The largest schema file read (the limit of contracts and YAML files too).
MAX_SCHEMA_BYTES = 1_048_576
#: Module names a generated module must not take: it would shadow what it imports.
_SHADOWED = frozenset({"pydantic", "pydantic_core", "typing_extensions", "annotated_types"})
#: The root of every schema path in warnings and errors (``$.properties.tags``).
ROOT_PATH = "$"


@dataclass(frozen=True, slots=True)
class SchemaModule:
    """One generated module.

    Attributes:
        schema: The schema file.
        module: The module name (``<out>/<module>.py``).
        text: The module source.
        class_name: The root model.
        models: Every model the module defines, the root last.
        enums: Every enum the module defines.
        warnings: ``FILE[:LINE]: PATH.KEYWORD: message`` per keyword not enforced.
    """

    schema: Path
    module: str
    text: str
    class_name: str
    models: tuple[str, ...]
    enums: tuple[str, ...]
    warnings: tuple[str, ...]


def schema_files(paths: Sequence[Path]) -> list[Path]:
    """The schema files named by ``paths``: files as given, folders' ``*.json/yaml/yml``.

    Raises:
        GenerationError: A path does not exist, or a folder has no schema file.
    """
    found: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p for p in path.iterdir() if p.suffix.lower() in SCHEMA_SUFFIXES and p.is_file()
            )
            if not inside:
                suffixes = ", ".join(SCHEMA_SUFFIXES)
                raise GenerationError(f"{path}: no schema file ({suffixes}) in this folder")
            for item in inside:
                found.setdefault(item.resolve(), item)
        elif path.exists():
            found.setdefault(path.resolve(), path)
        else:
            raise GenerationError(f"{path}: no such file or folder")
    return list(found.values())


def module_name(stem: str) -> str:
    """The module name of a schema file stem: a safe identifier.

    Characters that cannot be in an identifier become ``_``; a leading digit
    gets ``schema_`` in front, a keyword or a module the generated code
    imports (``enum``, ``typing``, ``pydantic``...) gets ``_schema`` after it.
    """
    name = re.sub(r"\W", "_", stem, flags=re.ASCII) or "schema"
    if name[0].isdigit():
        name = f"schema_{name}"
    if keyword.iskeyword(name) or name in sys.stdlib_module_names or name in _SHADOWED:
        name = f"{name}_schema"
    return name


def read_schema(path: Path) -> tuple[Mapping[str, object], Mapping[str, int], str]:
    """The schema object of a JSON or YAML file, the lines of its YAML paths, its sha256.

    Raises:
        GenerationError: Unreadable, not UTF-8, not JSON/YAML, or not an object schema.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SCHEMA_BYTES + 1)
    except OSError as exc:
        raise GenerationError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCHEMA_BYTES:
        raise GenerationError(f"{path}: larger than {MAX_SCHEMA_BYTES} bytes; not a schema file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GenerationError(f"{path}: not UTF-8 text ({exc.reason})") from None
    lines: Mapping[str, int] = {}
    if path.suffix.lower() in (".yaml", ".yml"):
        # imported here: the contracts package is not needed for JSON schemas
        from omninode_bridge.contracts.safe_yaml import parse_yaml
        from omninode_bridge.errors import ContractError

        try:
            document = parse_yaml(text, source=str(path))
        except ContractError as exc:
            problems = "; ".join(str(p) for p in getattr(exc, "problems", ())) or str(exc)
            raise GenerationError(f"{problems}; expected a JSON Schema object in YAML") from None
        if document.problems:
            problems = "; ".join(str(p) for p in document.problems)
            raise GenerationError(f"{problems}; expected a JSON Schema object in YAML")
        data, lines = document.data, document.lines
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GenerationError(
                f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); "
                "expected a JSON Schema object"
            ) from None
        except RecursionError:
            raise GenerationError(f"{path}: JSON nested too deeply") from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {_json_kind(data)}"
        raise GenerationError(f"{path}: expected a JSON Schema object ({{...}}), found {found}")
    types = data.get("type")
    declared = [types] if isinstance(types, str) else types if isinstance(types, list) else None
    if declared is not None and "object" not in declared:
        raise GenerationError(
            f"{path}: expected an object schema (type: object) to make a model of, "
            f"found type {json.dumps(types)}"
        )
    return data, lines, hashlib.sha256(raw).hexdigest()


def meta_schema_problem(schema: Mapping[str, object]) -> tuple[str, str] | None:
    """Where and why ``schema`` breaks its meta-schema, or ``None`` when it is valid.

    The meta-schema is the one its ``$schema`` names. Without ``$schema``, a
    schema that Draft 7, Draft 2020-12 or Draft 4 accepts is valid (Draft 7
    first: the cheapest to check; 2020-12 keywords are checked by the
    translator), and the message is Draft 2020-12's.
    """
    import jsonschema  # imported here: JSON Schema files only, after the cheap checks

    if "$schema" in schema:
        drafts: list[Any] = [jsonschema.validators.validator_for(schema)]
    else:
        drafts = [
            jsonschema.Draft7Validator,
            jsonschema.Draft202012Validator,
            jsonschema.Draft4Validator,
        ]
    if any(_meta_validator(draft).is_valid(schema) for draft in drafts):
        return None
    reference = drafts[0] if len(drafts) == 1 else jsonschema.Draft202012Validator
    error = jsonschema.exceptions.best_match(_meta_validator(reference).iter_errors(schema))
    if error is None:  # pragma: no cover - is_valid said otherwise
        return None
    where = ROOT_PATH + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return where, message


_META_VALIDATORS: dict[type, object] = {}


def _meta_validator(draft: Any) -> Any:
    """A validator of ``draft``'s meta-schema (built once per draft)."""
    validator = _META_VALIDATORS.get(draft)
    if validator is None:
        validator = _META_VALIDATORS[draft] = draft(draft.META_SCHEMA)
    return validator


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else type(value).__name__


def _definitions(schema: Mapping[str, object]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key in ("definitions", "$defs"):
        value = schema.get(key)
        if isinstance(value, dict):
            found.update(value)
    return found


def _line(lines: Mapping[str, int], path: str) -> int | None:
    """The YAML line of schema path ``path`` (``$.properties.a``), or its closest parent's."""
    key = path.removeprefix(ROOT_PATH).removeprefix(".")
    while True:
        if key in lines:
            return lines[key]
        if not key:
            return None
        key = key.rsplit(".", 1)[0] if "." in key else ""


def schema_module(
    path: Path, module: str, *, class_name: str, template: jinja2.Template
) -> SchemaModule:
    """Translate and render one schema file (nothing is written).

    Raises:
        GenerationError: The file is not an object schema, or the translator
            cannot make Python of it (the message names the file and the path).
    """
    schema, lines, sha256 = read_schema(path)
    meta = meta_schema_problem(schema)
    if meta is not None:
        field, message = meta
        line = _line(lines, field)
        raise GenerationError(
            f"{path}{'' if line is None else f':{line}'}: {field}: {message}; "
            "expected a valid JSON Schema"
        )
    for field, message in schema_problems(ROOT_PATH, schema):
        line = _line(lines, field)
        raise GenerationError(f"{path}{'' if line is None else f':{line}'}: {field}: {message}")
    translator = SchemaTranslator(
        definitions=_definitions(schema), source=str(path), origin=_comment(path.name)
    )
    try:
        translator.add_model(class_name, schema, module=module, path=ROOT_PATH)
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError, re.error) as exc:
        # a schema the meta-schema would refuse ("type": 5, "required": "a"...): not a crash
        raise GenerationError(
            f"{path}: not a JSON Schema this generator can read ({type(exc).__name__}: {exc})"
        ) from None
    models = list(translator.models.values())
    enums = list(translator.enums.values())
    title = " ".join(str(schema.get("title") or "").split())
    about = f"{title} ({path.name})" if title else f"JSON Schema {path.name}"
    context = model_module_context(models, module_doc=docstring(f"Models of {about}."), enums=enums)
    header = (
        f"# Generated by omninode-bridge {__version__} from {_comment(path.name)}; "
        "do not edit, regenerate.\n"
        f"# schema sha256:{sha256[:16]}"
    )
    text = template.render({"header": header, **context}).rstrip() + "\n"
    warnings = []
    for w in translator.warnings:
        line = _line(lines, f"{w.path}.{w.keyword}")
        where = f"{path}:{line}" if line is not None else str(path)
        warnings.append(f"{where}: {w}")
    return SchemaModule(
        schema=path,
        module=module,
        text=text,
        class_name=class_name,
        models=tuple(m.name for m in models),
        enums=tuple(e.name for e in enums),
        warnings=tuple(warnings),
    )


def _comment(text: str) -> str:
    """``text`` fit for one comment line."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _template() -> jinja2.Template:
    """The built-in ``model_v1`` template in the template manager's environment settings."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("model_v1.j2")


def build_modules(
    paths: Sequence[Path], *, class_name: str = DEFAULT_CLASS_NAME
) -> list[SchemaModule]:
    """One module per schema file of ``paths`` (nothing is written).

    Raises:
        GenerationError: Bad input: a missing path, a bad class name, two files
            with the same module name, a file that is not an object schema.
    """
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise GenerationError(f"--class-name {class_name!r}: expected a Python class name")
    files = schema_files(paths)
    taken: dict[str, Path] = {}
    for path in files:
        name = module_name(path.stem)
        if name in taken:
            raise GenerationError(
                f"{path}: module name {name!r} is taken by {taken[name]}; rename one of them"
            )
        taken[name] = path
    template = _template()
    return [
        schema_module(path, name, class_name=class_name, template=template)
        for name, path in taken.items()
    ]
