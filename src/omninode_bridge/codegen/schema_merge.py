"""``allOf``: merging subschemas into one schema the translator can map.

The merge is exact for the keywords that combine by intersection (``type``,
``required``, ``properties``, bounds, lengths); a keyword that two members
give different values the merge cannot combine is reported through ``warn``
and the first value is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

__all__ = ["merge_all_of"]

_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def merge_all_of(
    members: Sequence[Mapping[str, object]],
    *,
    path: str,
    warn: Callable[[str, str, str], None],
) -> dict[str, object]:
    """One schema equivalent to ``allOf: members`` (as far as it can be)."""
    merged: dict[str, object] = {}
    for member in members:
        for key, value in member.items():
            if key not in merged:
                merged[key] = value
            else:
                merged[key] = _combine(key, merged[key], value, path, warn)
    return merged


def _combine(
    key: str, old: object, new: object, path: str, warn: Callable[[str, str, str], None]
) -> object:
    if old == new:
        return old
    if key == "required" and isinstance(old, list) and isinstance(new, list):
        return [*old, *(item for item in new if item not in old)]
    if key == "properties" and isinstance(old, Mapping) and isinstance(new, Mapping):
        both = dict(old)
        for name, schema in new.items():
            both[name] = {"allOf": [both[name], schema]} if name in both else schema
        return both
    if key == "type":
        left, right = _type_set(old), _type_set(new)
        if "number" in left and "integer" in right:
            left.add("integer")
        if "number" in right and "integer" in left:
            right.add("integer")
        common = [t for t in left if t in right]
        return common[0] if len(common) == 1 else sorted(common)
    if isinstance(old, int | float) and isinstance(new, int | float):
        if key in _LOWER:
            return max(old, new)
        if key in _UPPER:
            return min(old, new)
    if key in ("description", "title", "examples", "default", "$comment"):
        return old
    if key == "allOf" and isinstance(old, list) and isinstance(new, list):
        return [*old, *new]
    warn(path, key, f"allOf members give different '{key}' values; the first is used")
    return old


def _type_set(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    return {str(item) for item in value} if isinstance(value, list) else set()
