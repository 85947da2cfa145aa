"""The integration guide's template engine: the node templates with their cache statistics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omninode_bridge.codegen.render import TEMPLATE_IDS
from omninode_bridge.codegen.stages.models import ManagerTemplates
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType

__all__ = ["OmniNodeTemplateEngine"]


class OmniNodeTemplateEngine:
    """The guide's template engine: the node templates with their cache statistics.

    A thin entry onto the :class:`TemplateManager` the workflow renders with.

    Args:
        enable_cache: Kept for the guide's signature; templates are always cached.
        template_dir: User template directory overriding built-ins by id.
        manager: A manager to share instead of building one.
    """

    def __init__(
        self,
        enable_cache: bool = True,
        *,
        template_dir: Path | str | None = None,
        manager: TemplateManager | None = None,
    ) -> None:
        self.enable_cache = enable_cache
        self.manager = manager or TemplateManager(template_dir)
        self._templates: dict[str, str] = {}

    @property
    def templates(self) -> dict[str, str]:
        """Template id -> source of every built-in id (overrides applied), loaded on first use."""
        if not self._templates:
            self._load_templates()
        return self._templates

    def _load_templates(self) -> dict[str, str]:
        """Load (through the cache) every built-in template id into :attr:`templates`.

        The guide calls it without ``await``: the files are read in this
        thread, through the same cache as :meth:`load_templates`, so a second
        call is all cache hits.
        """
        for template_id in TEMPLATE_IDS:
            template = self.manager.load_template_now(template_id, TemplateType.infer(template_id))
            self._templates[template_id] = template.content
        return dict(self._templates)

    async def load_templates(self) -> dict[str, str]:
        """Load every built-in template id (overrides applied) into :attr:`templates`."""
        if not self.manager.is_started:
            await self.manager.start()
        for template_id in TEMPLATE_IDS:
            template = await self.manager.load_template(
                template_id, TemplateType.infer(template_id)
            )
            self._templates[template_id] = template.content
        return dict(self._templates)

    async def render(self, template_id: str, context: Mapping[str, object]) -> str:
        """Render one template by id."""
        if not self.manager.is_started:
            await self.manager.start()
        return await ManagerTemplates(self.manager).render(template_id, context)

    def get_cache_stats(self) -> dict[str, Any]:
        """Cache statistics as a dict (``hits``, ``misses``, ``hit_rate``...)."""
        return self.manager.get_cache_stats().as_dict()

    def invalidate_cache(self, template_id: str | None = None) -> int:
        """Drop one template (or all) from the cache; returns how many were dropped."""
        if template_id is None:
            self._templates.clear()
        else:
            self._templates.pop(template_id, None)
        return self.manager.invalidate(template_id)
