"""What a template manager did since it was last asked: small deltas that travel to the run.

With worker processes or a Dask cluster, templates render in the workers, each
with its own :class:`~omninode_bridge.codegen.template_manager.TemplateManager`
and cache. A worker task takes its manager's :class:`TemplateActivity` (the
lookups, loads and renders since the previous take) and returns it with its
result; the client adds the deltas up in an :class:`ActivityTally` and merges
the run's total into its own manager
(:meth:`~omninode_bridge.codegen.template_manager.TemplateManager.merge_activity`),
so the run's hit rate, per-template hits and misses and load times count every
render, wherever it ran. A delta is a few template ids and numbers, never a cache.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

__all__ = ["ActivityTally", "TemplateActivity", "TemplateLoads"]


@dataclass(frozen=True, slots=True)
class TemplateLoads:
    """The file loads of one template.

    Attributes:
        template_id: The template.
        count: Files read and compiled.
        last_ms: How long the last of them took.
    """

    template_id: str
    count: int
    last_ms: float


@dataclass(frozen=True, slots=True)
class TemplateActivity:
    """Template cache lookups, file loads and renders over some span of time (a delta).

    Attributes:
        hits: ``(template id, hits)`` pairs, each id once.
        misses: ``(template id, misses)`` pairs, each id once.
        loads: The file loads, per template.
        renders: Templates rendered.
        render_ms: Their summed render time.
    """

    hits: tuple[tuple[str, int], ...] = ()
    misses: tuple[tuple[str, int], ...] = ()
    loads: tuple[TemplateLoads, ...] = ()
    renders: int = 0
    render_ms: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.hits or self.misses or self.loads or self.renders)

    @property
    def hit_count(self) -> int:
        """All hits."""
        return sum(n for _, n in self.hits)

    @property
    def miss_count(self) -> int:
        """All misses."""
        return sum(n for _, n in self.misses)

    @property
    def load_count(self) -> int:
        """All file loads."""
        return sum(load.count for load in self.loads)


#: Nothing happened (what a take returns when nothing did).
_NOTHING = TemplateActivity()


class ActivityTally:
    """Counts lookups, loads and renders until :meth:`take` hands them over (thread-safe)."""

    __slots__ = ("_hits", "_loads", "_lock", "_misses", "_render_ms", "_renders")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._misses: Counter[str] = Counter()
        self._loads: dict[str, tuple[int, float]] = {}
        self._renders = 0
        self._render_ms = 0.0

    def hit(self, template_id: str) -> None:
        """Count a cache hit of ``template_id``."""
        with self._lock:
            self._hits[template_id] += 1

    def miss(self, template_id: str) -> None:
        """Count a cache miss of ``template_id``."""
        with self._lock:
            self._misses[template_id] += 1

    def load(self, template_id: str, elapsed_ms: float) -> None:
        """Count a file load of ``template_id`` that took ``elapsed_ms``."""
        with self._lock:
            count, _ = self._loads.get(template_id, (0, 0.0))
            self._loads[template_id] = (count + 1, elapsed_ms)

    def render(self, elapsed_ms: float) -> None:
        """Count a render that took ``elapsed_ms``."""
        with self._lock:
            self._renders += 1
            self._render_ms += elapsed_ms

    def add(self, activity: TemplateActivity) -> None:
        """Add a delta counted elsewhere (a worker's)."""
        if not activity:
            return
        with self._lock:
            self._hits.update(dict(activity.hits))
            self._misses.update(dict(activity.misses))
            for load in activity.loads:
                count, _ = self._loads.get(load.template_id, (0, 0.0))
                self._loads[load.template_id] = (count + load.count, load.last_ms)
            self._renders += activity.renders
            self._render_ms += activity.render_ms

    def take(self) -> TemplateActivity:
        """Everything counted since the last take; the tally starts again from zero."""
        with self._lock:
            if not (self._hits or self._misses or self._loads or self._renders):
                return _NOTHING
            activity = TemplateActivity(
                hits=tuple(self._hits.items()),
                misses=tuple(self._misses.items()),
                loads=tuple(TemplateLoads(k, n, ms) for k, (n, ms) in self._loads.items()),
                renders=self._renders,
                render_ms=self._render_ms,
            )
            self._hits = Counter()
            self._misses = Counter()
            self._loads = {}
            self._renders = 0
            self._render_ms = 0.0
            return activity
