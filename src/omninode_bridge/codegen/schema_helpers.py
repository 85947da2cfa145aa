"""Source of the private helpers that generated model modules define.

pydantic's own coercions are laxer than JSON Schema: ``int`` takes ``"5"`` and
``True``, ``datetime`` takes a Unix timestamp, ``UUID`` takes 32 hex digits
without hyphens. The translator wraps such types in ``BeforeValidator``\\ s
that apply the JSON Schema rule to the raw JSON value first; this module holds
their source, emitted once per model module that uses them, so generated
modules import nothing but the standard library and pydantic.

:data:`HELPERS` maps a helper name to its source, the ``module:name`` imports
it needs and the other helpers it calls.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMAT_HELPERS", "HELPERS", "Helper", "helper_closure"]


@dataclass(frozen=True, slots=True)
class Helper:
    """One module-level definition of a generated models module."""

    source: str
    imports: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


def _check(name: str, bad: str, message: str, *, regex: str | None = None) -> Helper:
    lines = []
    lines.append(
        f"def {name}(value: object) -> object:\n"
        f"    if isinstance(value, str) and {bad}:\n"
        f"        raise ValueError({message!r})\n"
        "    return value\n"
    )
    return Helper("".join(lines), ("re",) if regex is not None else ())


_DT = r"r'^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$'"
_TIME = r"r'^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$'"
_UUID = r"r'^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'"
_URI = r"""r'^[A-Za-z][A-Za-z0-9+.\-]*:(?:[^\s<>"{}|\\^`%]|%[0-9A-Fa-f]{2})*$'"""
_URI_REF = r"""r'^(?:[^\s<>"{}|\\^`%]|%[0-9A-Fa-f]{2})*$'"""
_HOST = (
    r"r'^(?=.{1,253}\.?$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
    r"(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$'"
)
_DURATION = r"r'^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$'"
_POINTER = r"r'^(/([^~/]|~[01])*)*$'"

#: ``format`` value -> (regex source, message).
_FORMAT_TESTS: dict[str, tuple[str, str]] = {
    "date-time": (_DT, "expected an RFC 3339 date-time"),
    "date": (r"r'^\d{4}-\d{2}-\d{2}$'", "expected an RFC 3339 full-date"),
    "time": (_TIME, "expected an RFC 3339 time with an offset"),
    "uuid": (_UUID, "expected a hyphenated UUID"),
    "uri": (_URI, "expected an absolute URI"),
    "uri-reference": (_URI_REF, "expected a URI reference"),
    "hostname": (_HOST, "expected a host name"),
    "duration": (_DURATION, "expected an ISO 8601 duration"),
    "json-pointer": (_POINTER, "expected a JSON pointer"),
}


def _format_helpers() -> dict[str, str]:
    """``format`` -> helper name; fills :data:`HELPERS` as a side effect."""
    names: dict[str, str] = {}
    for fmt, (regex, message) in _FORMAT_TESTS.items():
        name = "_format_" + fmt.replace("-", "_")
        HELPERS[name] = _check(name, f"re.fullmatch({regex}, value) is None", message, regex=regex)
        names[fmt] = name
    HELPERS["_format_email"] = _check("_format_email", '"@" not in value', "expected an email")
    names["email"] = "_format_email"
    HELPERS["_format_ipv6"] = _check("_format_ipv6", '"%" in value', "expected an IPv6")
    names["ipv6"] = "_format_ipv6"
    HELPERS["_format_regex"] = Helper(
        "def _format_regex(value: object) -> object:\n"
        "    if isinstance(value, str):\n"
        "        try:\n"
        "            re.compile(value)\n"
        "        except re.error:\n"
        '            raise ValueError("expected a regular expression") from None\n'
        "    return value\n",
        ("re",),
    )
    names["regex"] = "_format_regex"
    return names


HELPERS: dict[str, Helper] = {
    "_json_string": Helper(
        "def _json_string(value: object) -> object:\n"
        "    if not isinstance(value, str):\n"
        '        raise ValueError("expected a string")\n'
        "    return value\n"
    ),
    "_json_integer": Helper(
        "def _json_integer(value: object) -> object:\n"
        "    if isinstance(value, float) and value.is_integer():\n"
        "        return int(value)\n"
        "    if isinstance(value, bool) or not isinstance(value, int):\n"
        '        raise ValueError("expected an integer")\n'
        "    return value\n"
    ),
    "_json_equal": Helper(
        "def _json_equal(left: object, right: object) -> bool:\n"
        "    if isinstance(left, bool) or isinstance(right, bool):\n"
        "        return type(left) is type(right) and left == right\n"
        "    if isinstance(left, dict) and isinstance(right, dict):\n"
        "        return left.keys() == right.keys() and all(\n"
        "            _json_equal(left[key], right[key]) for key in left\n"
        "        )\n"
        "    if isinstance(left, list) and isinstance(right, list):\n"
        "        return len(left) == len(right) and all(\n"
        "            _json_equal(a, b) for a, b in zip(left, right, strict=True)\n"
        "        )\n"
        "    numbers = (int, float)\n"
        "    if type(left) in numbers and type(right) in numbers:\n"
        "        return left == right\n"
        "    return type(left) is type(right) and left == right\n"
    ),
    "_member_of": Helper(
        "def _member_of(allowed: tuple[object, ...], value: object) -> object:\n"
        "    if not any(_json_equal(value, item) for item in allowed):\n"
        '        raise ValueError(f"expected one of {allowed!r}")\n'
        "    return value\n",
        (),
        ("_json_equal",),
    ),
    "_unique_items": Helper(
        "def _unique_items(value: object) -> object:\n"
        "    if isinstance(value, list):\n"
        "        for index, item in enumerate(value):\n"
        "            if any(_json_equal(item, other) for other in value[:index]):\n"
        '                raise ValueError("expected unique items")\n'
        "    return value\n",
        (),
        ("_json_equal",),
    ),
}

#: ``format`` value -> the helper that checks it (a ``BeforeValidator``).
FORMAT_HELPERS: dict[str, str] = _format_helpers()


def helper_closure(names: set[str] | frozenset[str] | tuple[str, ...]) -> list[str]:
    """``names`` and the helpers they call, in definition order (callees first)."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for need in HELPERS[name].needs:
            visit(need)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered
