"""OmniNodeTemplateEngine: templates loaded on first use, through the manager's cache."""

from __future__ import annotations

from pathlib import Path

from omninode_bridge.codegen.render import TEMPLATE_IDS
from omninode_bridge.codegen.template_engine import OmniNodeTemplateEngine


def test_templates_load_on_first_use_and_reload_from_the_cache() -> None:
    engine = OmniNodeTemplateEngine(enable_cache=True)

    templates = engine.templates
    first = engine.get_cache_stats()
    engine._load_templates()
    second = engine.get_cache_stats()

    assert sorted(templates) == sorted(TEMPLATE_IDS)
    assert (first["misses"], first["hits"]) == (len(TEMPLATE_IDS), 0)
    assert (second["misses"], second["hits"]) == (len(TEMPLATE_IDS), len(TEMPLATE_IDS))


def test_templates_apply_user_overrides(tmp_path: Path) -> None:
    (tmp_path / "readme_v1.j2").write_text("# {{ title }}\n")
    engine = OmniNodeTemplateEngine(template_dir=tmp_path)

    assert engine.templates["readme_v1"] == "# {{ title }}\n"


async def test_invalidating_one_template_reloads_it_on_next_use() -> None:
    engine = OmniNodeTemplateEngine()
    assert "node_effect_v1" in engine.templates

    assert engine.invalidate_cache("node_effect_v1") == 1
    await engine.load_templates()

    assert engine.get_cache_stats()["misses"] == len(TEMPLATE_IDS) + 1
