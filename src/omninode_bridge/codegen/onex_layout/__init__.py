"""The ``omnibase-core`` target: ONEX node folders on the real ``omnibase_core`` runtime."""

from omninode_bridge.codegen.onex_layout.layout import ClassSpec, NodeLayout, plan_layout
from omninode_bridge.codegen.onex_layout.target import (
    generate_onex_contracts,
    generate_onex_nodes,
    node_folder_files,
)

__all__ = [
    "ClassSpec",
    "NodeLayout",
    "generate_onex_contracts",
    "generate_onex_nodes",
    "node_folder_files",
    "plan_layout",
]
