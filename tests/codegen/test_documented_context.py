"""The API Reference's short context renders the built-in node templates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from omninode_bridge.codegen.template_manager import TemplateManager
from omninode_bridge.errors import TemplateError, TemplateRenderError

DOCUMENTED = {
    "node_name": "MyEffect",
    "description": "My custom effect node",
    "mixins": ["LoggingMixin", "MetricsMixin"],
}


async def started(template_dir: Path | None = None) -> TemplateManager:
    manager = TemplateManager(template_dir)
    await manager.start()
    return manager


async def test_documented_context_renders_the_generators_node_module() -> None:
    manager = await started()

    text = await manager.render_template("node_effect_v1", DOCUMENTED)

    tree = ast.parse(text)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    bases = [ast.unparse(base) for base in classes["NodeMyEffect"].bases]
    assert bases == ["NodeEffect", "MixinLogData", "MixinMetrics"]
    assert ast.get_docstring(tree) == "NodeMyEffect: My custom effect node"


@pytest.mark.parametrize("kind", ["compute", "reducer", "orchestrator"])
async def test_every_node_type_renders_from_the_documented_keys(kind: str) -> None:
    manager = await started()

    text = await manager.render_template(
        f"node_{kind}_v1", {"node_name": "Totals", "description": "Adds things up"}
    )

    assert f"class NodeTotals{kind.capitalize()}(Node{kind.capitalize()}" in text


async def test_extra_keys_reach_the_template_over_the_derived_ones() -> None:
    manager = await started()

    text = await manager.render_template("node_effect_v1", {**DOCUMENTED, "timeout_repr": "2.5"})

    assert "OPERATION_TIMEOUT_SECONDS: float | None = 2.5" in text


async def test_missing_variable_is_a_render_error_naming_it() -> None:
    manager = await started()

    with pytest.raises(TemplateRenderError) as caught:
        await manager.render_template("node_effect_v1", {"description": "no node_name"})

    assert caught.value.variable == "header"
    assert caught.value.template_id == "node_effect_v1"
    assert "'header'" in str(caught.value)
    assert isinstance(caught.value, TemplateError)


async def test_unknown_mixin_is_named_with_the_close_catalog_names() -> None:
    manager = await started()

    with pytest.raises(TemplateRenderError) as caught:
        await manager.render_template("node_effect_v1", {**DOCUMENTED, "mixins": ["MixinMetrix"]})

    assert caught.value.variable == "mixins"
    assert "MixinMetrix" in str(caught.value)
    assert "MixinMetrics" in str(caught.value)


async def test_empty_node_name_is_a_render_error() -> None:
    manager = await started()

    with pytest.raises(TemplateRenderError) as caught:
        await manager.render_template("node_effect_v1", {**DOCUMENTED, "node_name": " "})

    assert caught.value.variable == "node_name"


async def test_user_override_of_a_node_template_gets_the_context_as_given(tmp_path: Path) -> None:
    (tmp_path / "node_effect_v1.j2").write_text("node {{ node_name }}: {{ description }}\n")
    manager = await started(tmp_path)

    text = await manager.render_template("node_effect_v1", DOCUMENTED)

    assert text == "node MyEffect: My custom effect node\n"
