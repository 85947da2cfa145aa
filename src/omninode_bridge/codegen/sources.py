"""Python source fragments the templates insert verbatim.

Templates stay free of logic: everything that needs quoting, wrapping or
import sorting is prepared here, in the form ``ruff check`` (isort rules,
line length 100) accepts.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

__all__ = [
    "annotated_name",
    "docstring",
    "field_kwargs",
    "import_block",
    "literal",
    "string_literal",
    "string_literal_lines",
    "wrap_expression",
    "wrap_lines",
]

_WIDTH = 100


def literal(
    value: object, *, indent: int = 0, column: int | None = None, width: int = _WIDTH
) -> str:
    """A Python literal for a JSON value, laid out like ``ruff format`` would.

    The literal starts at ``column`` (default ``indent``: the caller writes
    that much text before it on its line); continuation lines are indented
    from ``indent``. No line exceeds ``width``.
    """
    return _literal(value, indent if column is None else column, width, indent)


def _literal(value: object, column: int, width: int, indent: int) -> str:
    flat = _flat(value, width - column)
    if flat is not None:
        return flat
    if isinstance(value, str):
        chunks = _str_chunks(value, max(width - indent - 5, 20))
        inner = " " * (indent + 4)
        return "(\n" + "".join(f"{inner}{chunk}\n" for chunk in chunks) + " " * indent + ")"
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            prefix = f"{pad}{_literal(key, len(pad), width, indent + 4)}: "
            column = len(prefix.rsplit("\n", 1)[-1])
            lines.append(prefix + _literal(item, column, width, indent + 4) + ",")
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    if isinstance(value, list | tuple):
        lines = [pad + _literal(item, indent + 4, width, indent + 4) + "," for item in value]
        return "[\n" + "\n".join(lines) + "\n" + " " * indent + "]"
    return repr(value)


def _flat(value: object, room: int) -> str | None:
    """One-line form of ``value`` when it fits in ``room`` characters (with a comma)."""
    if isinstance(value, str) and len(value) > 8 and len(set(value)) == 1:
        text = f"{value[0]!a} * {len(value)}"
    elif isinstance(value, dict):
        parts = []
        for key, item in value.items():
            sub = _flat(item, room)
            if sub is None:
                return None
            parts.append(f"{ascii(key) if isinstance(key, str) else repr(key)}: {sub}")
        text = "{" + ", ".join(parts) + "}"
    elif isinstance(value, list | tuple):
        items = [_flat(item, room) for item in value]
        if any(item is None for item in items):
            return None
        text = "[" + ", ".join(str(item) for item in items) + "]"
    else:
        text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) + 1 <= room else None


def string_literal(value: str, *, indent: int, column: int | None = None) -> str:
    """A string literal that parses whatever ``value`` holds, within line length 100.

    ASCII only (every other character escaped, so no ambiguous-character
    finding); a value too long for its line becomes adjacent literals in
    parentheses, continuation lines indented from ``indent``.
    """
    return literal(value, indent=indent, column=column)


def _char_cost(char: str) -> int:
    """Upper bound of the characters ``char`` takes inside an ASCII literal."""
    return len(ascii(char)) - 2 + (char in "'\"")


def _str_chunks(value: str, room: int) -> list[str]:
    """ASCII literals of consecutive pieces of ``value``, each at most ``room`` long.

    A piece ends after its last space when there is one in its second half, so
    words stay whole where they can.
    """
    chunks: list[str] = []
    piece: list[str] = []
    size = 2
    for char in value:
        cost = _char_cost(char)
        if piece and size + cost > room:
            cut = len(piece)
            spaces = [i for i, c in enumerate(piece) if c == " "]
            if spaces and spaces[-1] + 1 > len(piece) // 2:
                cut = spaces[-1] + 1
            chunks.append(ascii("".join(piece[:cut])))
            piece = piece[cut:]
            size = 2 + sum(_char_cost(c) for c in piece)
        piece.append(char)
        size += cost
    if piece or not chunks:
        chunks.append(ascii("".join(piece)))
    return chunks


def string_literal_lines(text: str, *, indent: int, width: int = _WIDTH) -> list[str]:
    """``text`` as adjacent string literals, each line fitting ``width``."""
    return _str_chunks(text, max(width - indent - 1, 20))


def docstring(text: str, *, indent: int = 0, width: int = _WIDTH) -> str:
    """Docstring body: one wrapped paragraph, safe inside triple double quotes."""
    clean = " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''")
    clean = "".join(c if " " <= c <= "~" else _escape(c) for c in clean)
    if clean.endswith('"'):
        clean += " "
    if not clean:
        clean = "Generated."
    # Words are never split: a split could cut an escape sequence in two (a
    # word longer than the line is one "word" that ruff's E501 accepts).
    lines = textwrap.wrap(
        clean, width - indent - 6, break_long_words=False, break_on_hyphens=False
    ) or [clean]
    if len(lines) == 1:
        return lines[0]
    pad = " " * indent
    return ("\n" + pad).join(lines) + "\n" + pad


def _escape(char: str) -> str:
    """``char`` as a backslash escape (docstrings stay ASCII: no ambiguous characters)."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def field_kwargs(
    *,
    default: str | None,
    alias: str | None,
    constraints: Iterable[tuple[str, str]],
    description: str,
    indent: int,
) -> list[str]:
    """Keyword arguments of ``Field(...)``, one entry per line."""
    kwargs: list[str] = []
    if default is not None:
        kwargs.append(f"default={default}")
    if alias is not None:
        kwargs.append(f"alias={literal(alias, indent=indent, column=indent + 6)}")
    kwargs.extend(f"{key}={value}" for key, value in constraints)
    if description:
        parts = string_literal_lines(description, indent=indent + len("description=("))
        if len(parts) == 1 and indent + len("description=") + len(parts[0]) + 1 <= _WIDTH:
            kwargs.append(f"description={parts[0]}")
        else:
            inner = ("\n" + " " * (indent + 4)).join(parts)
            kwargs.append(f"description=(\n{' ' * (indent + 4)}{inner}\n{' ' * indent})")
    return kwargs


def import_block(imports: Iterable[str], *, local: Mapping[str, Iterable[str]] = {}) -> list[str]:
    """Sorted import lines: stdlib, third party, then relative imports.

    Args:
        imports: ``"module:name"`` entries for absolute imports.
        local: Relative module (``.models``) -> names.
    """
    by_module: dict[str, set[str]] = {}
    plain: set[str] = set()
    for entry in imports:
        module, _, name = entry.partition(":")
        if name:
            by_module.setdefault(module, set()).add(name)
        else:
            plain.add(module)
    sections: list[list[str]] = []
    for third in (False, True):
        straight = sorted(m for m in plain if (_top(m) in _THIRD_PARTY) is third)
        froms = sorted(m for m in by_module if (_top(m) in _THIRD_PARTY) is third)
        section = [f"import {m}" for m in straight]
        section += [_from_line(m, by_module[m]) for m in froms]
        if section:
            sections.append(section)
    rel = {m: set(n) for m, n in local.items() if n}
    if rel:
        sections.append([_from_line(m, rel[m]) for m in sorted(rel, key=_relative_key)])
    lines: list[str] = []
    for index, section in enumerate(sections):
        if index:
            lines.append("")
        lines.extend(section)
    return lines


_THIRD_PARTY = frozenset({"pydantic", "pytest"})


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _relative_key(module: str) -> tuple[int, str]:
    dots = len(module) - len(module.lstrip("."))
    return (-dots, module.lstrip("."))


def _name_key(name: str) -> tuple[int, str]:
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _from_line(module: str, names: Iterable[str]) -> str:
    ordered = sorted(set(names), key=_name_key)
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= _WIDTH:
        return line
    inner = "".join(f"    {name},\n" for name in ordered)
    return f"from {module} import (\n{inner})"


_OPEN = {"(": ")", "[": "]", "{": "}"}


def _scan(text: str) -> list[int]:
    """Bracket depth before each character; -1 inside string literals."""
    depths: list[int] = []
    depth, quote, index = 0, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            depths.append(-1)
            if char == "\\" and index + 1 < len(text):
                depths.append(-1)
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            depths.append(-1)
        else:
            if char in ")]}":
                depth -= 1
            depths.append(depth)
            if char in _OPEN:
                depth += 1
        index += 1
    return depths


def _split_top(text: str, separator: str) -> list[str]:
    depths = _scan(text)
    parts, start = [], 0
    index = 0
    while index < len(text):
        if depths[index] == 0 and text.startswith(separator, index):
            parts.append(text[start:index].strip())
            start = index + len(separator)
            index = start
            continue
        index += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _groups(text: str) -> list[tuple[int, int]]:
    """``(open, close)`` indexes of the bracket groups at depth 0."""
    depths = _scan(text)
    groups, start = [], -1
    for index, char in enumerate(text):
        if depths[index] != 0:
            continue
        if char in _OPEN:
            start = index
        elif char in ")]}" and start >= 0:
            groups.append((start, index))
            start = -1
    return groups


def wrap_expression(text: str, *, indent: int, width: int = _WIDTH) -> str:
    """``text`` (a Python expression starting at column ``indent``) split like ``ruff format``.

    The widest bracket group is opened one item per line, recursively, until
    every line fits; a line that cannot be split (one long string) is marked
    ``# noqa: E501``.
    """
    if indent + len(text) <= width:
        return text
    if len(_split_top(text, " | ")) > 1:
        text = f"({text})"
    groups = _groups(text)
    if not groups:
        return text
    start, end = max(groups, key=lambda g: g[1] - g[0])
    inner = text[start + 1 : end]
    pad = " " * (indent + 4)
    items = _split_top(inner, ", ")
    if len(items) > 1:
        body = "".join(
            f"{pad}{wrap_expression(item, indent=indent + 4, width=width - 1)},\n" for item in items
        )
    else:
        members = _split_top(inner, " | ")
        lines = [wrap_expression(members[0], indent=indent + 4, width=width)]
        lines += ["| " + wrap_expression(m, indent=indent + 6, width=width) for m in members[1:]]
        body = "".join(f"{pad}{line}\n" for line in lines)
    return f"{text[: start + 1]}\n{body}{' ' * indent}{text[end:]}"


def _mark_long(text: str, width: int) -> str:
    # ruff's E501 skips a line that is one "word" (no inner whitespace); a noqa
    # there would itself be flagged as unused (RUF100).
    return "\n".join(
        f"{line}  # noqa: E501" if len(line) > width and " " in line.strip() else line
        for line in text.split("\n")
    )


def annotated_name(name: str, annotation: str, *, indent: int, width: int = _WIDTH) -> str:
    """``name: annotation`` for a class body at ``indent``, wrapped to fit ``width``.

    The template writes `` = Field(`` after it, hence the reserved room.
    """
    head = f"{name}: {annotation}"
    if indent + len(head) + len(" = Field(") <= width:
        return head
    if len(_split_top(annotation, " | ")) > 1 or not _groups(annotation):
        annotation = f"({annotation})"
    wrapped = wrap_expression(
        f"{name}: {annotation}", indent=indent, width=width - len(" = Field(")
    )
    return _mark_long(wrapped, width)


def wrap_lines(lines: Iterable[str], *, indent: int, width: int = _WIDTH) -> list[str]:
    """Each source line wrapped (continuations indented from ``indent``)."""
    out: list[str] = []
    for line in lines:
        stripped = line.lstrip(" ")
        own = indent + len(line) - len(stripped)
        text = _mark_long(" " * own + wrap_expression(stripped, indent=own, width=width), width)
        out.append(text[indent:])
    return out
