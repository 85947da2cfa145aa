"""Names: snake_case and PascalCase spellings, and node class names."""

from __future__ import annotations

import re

from omninode_bridge.contracts.model import NodeType

__all__ = ["class_name", "pascal_case", "snake_case"]


def snake_case(text: str) -> str:
    """``DatabaseAdapter`` -> ``database_adapter``; ``HTTPClient`` -> ``http_client``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def pascal_case(text: str) -> str:
    """``api_client`` -> ``ApiClient``; ``user management`` -> ``UserManagement``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def class_name(service_name: str, node_type: NodeType) -> str:
    """``order_pricing_compute`` -> ``NodeOrderPricingCompute`` (``node_`` prefix dropped)."""
    stem = service_name.removesuffix("_node").removeprefix("node_")
    stem = stem.removesuffix(f"_{node_type.value}") or stem
    return f"Node{pascal_case(stem)}{node_type.suffix}"
