"""Template manager: cached get and render times next to a bare Jinja2 render.

Measured in one process and run, on a template of about 0.7 KB with loops and
conditionals that renders about 3 KB of Python (a node module with 12 operations):

* ``bare_jinja2_render_us``: ``jinja2.Template.render`` on a template compiled
  once, the floor any cache can reach;
* ``bare_jinja2_compile_and_render_us``: compiling and rendering each time,
  what rendering costs without a cache;
* ``cached_get_us``: ``TemplateManager.load_template`` on a cached template
  (includes the file freshness check: one ``stat`` of the file);
* ``cached_render_us``: ``TemplateManager.render_template`` on a cached template;
* ``uncached_load_ms``: ``load_template(force_reload=True)`` (read, hash, compile);
* ``concurrent``: many asyncio tasks rendering 8 templates at once, first from
  a cold cache, then warm. Every task of the cold wave looks the cache up
  before the first file is read, so it counts as a miss; ``files_loaded``
  shows that those misses still share one load per template.

Each per-call figure is the median over repetitions of a timed loop; the
cases take turns within every repetition so that a change in machine load
affects them alike.

Run: ``python3 benchmarks/run.py --only templates`` (or this file directly).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
import structlog

from omninode_bridge.agents.workflows import TemplateManager, TemplateType

TEMPLATE = '''"""{{ class_name }}: {{ description }}"""

from __future__ import annotations

{% for module, names in imports.items() %}
from {{ module }} import {{ names | join(", ") }}
{% endfor %}


class {{ class_name }}({{ bases | join(", ") }}):
    """Generated node for {{ service_name }}."""

{% for op in operations %}
    async def {{ op.name }}(self, request: {{ op.input }}) -> {{ op.output }}:
        """{{ op.description }}"""
{% if op.timeout %}
        async with self.time_budget({{ op.timeout }}):
            return await self._handlers.{{ op.name }}(request)
{% else %}
        return await self._handlers.{{ op.name }}(request)
{% endif %}

{% endfor %}
'''

CONTEXT: dict[str, Any] = {
    "class_name": "NodeDistributedLockEffect",
    "description": "PostgreSQL-backed distributed locking effect node.",
    "service_name": "distributed_lock_effect",
    "imports": {
        "collections.abc": ["Mapping", "Sequence"],
        "omninode_bridge.onex": ["NodeEffect", "ModelOnexError", "EnumCoreErrorCode"],
        ".models": ["ModelLockRequest", "ModelLockResponse"],
    },
    "bases": ["NodeEffect", "MixinHealthCheck", "MixinMetrics"],
    "operations": [
        {
            "name": f"operation_{i}",
            "input": "ModelLockRequest",
            "output": "ModelLockResponse",
            "description": f"Operation number {i} of the node.",
            "timeout": 30 if i % 2 else None,
        }
        for i in range(12)
    ],
}


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


async def _timed_us(func: Callable[[], Awaitable[object] | object], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        result = func()
        if asyncio.iscoroutine(result):
            await result
    return (time.perf_counter() - start) * 1e6 / calls


async def _interleaved_us(
    cases: dict[str, tuple[Callable[[], Awaitable[object] | object], int]], repeats: int
) -> dict[str, float]:
    """Median per-call time of each case, the cases taking turns in every repetition.

    Taking turns keeps the comparison fair when the machine's load changes
    during the run.
    """
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (func, calls) in cases.items():
            samples[name].append(await _timed_us(func, calls))
    return {name: round(statistics.median(values), 3) for name, values in samples.items()}


async def _concurrent(directory: Path, tasks: int, templates: int) -> dict[str, Any]:
    manager = TemplateManager(directory, builtin_dir=None)
    await manager.start()
    ids = [f"node_{i}_v1" for i in range(templates)]

    async def render(n: int) -> str:
        return await manager.render_template(ids[n % templates], CONTEXT, TemplateType.EFFECT)

    start = time.perf_counter()
    rendered = await asyncio.gather(*(render(n) for n in range(tasks)))
    elapsed_ms = (time.perf_counter() - start) * 1000
    second_start = time.perf_counter()
    await asyncio.gather(*(render(n) for n in range(tasks)))
    second_ms = (time.perf_counter() - second_start) * 1000
    stats = manager.get_cache_stats()
    return {
        "tasks": tasks,
        "templates": templates,
        "rendered_bytes": sum(len(r) for r in rendered),
        "cold_wall_ms": round(elapsed_ms, 3),
        "warm_wall_ms": round(second_ms, 3),
        "files_loaded": stats.loads,
        "hit_rate": round(stats.hit_rate, 4),
        "avg_get_time_ms": round(stats.avg_get_time_ms, 4),
        "avg_render_time_ms": round(stats.avg_render_time_ms, 4),
    }


async def _measure(quick: bool) -> dict[str, Any]:
    calls = 200 if quick else 2000
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for i in range(8):
            (directory / f"node_{i}_v1.j2").write_text(TEMPLATE)
        env = _env()
        compiled = env.from_string(TEMPLATE)
        expected = compiled.render(CONTEXT)

        manager = TemplateManager(directory, builtin_dir=None)
        await manager.start()
        assert await manager.render_template("node_0_v1", CONTEXT) == expected

        async def cached_get() -> object:
            return await manager.load_template("node_0_v1", TemplateType.EFFECT)

        async def cached_render() -> object:
            return await manager.render_template("node_0_v1", CONTEXT, TemplateType.EFFECT)

        async def uncached_load() -> object:
            return await manager.load_template("node_0_v1", TemplateType.EFFECT, force_reload=True)

        few = max(calls // 50, 10)
        timings = await _interleaved_us(
            {
                "bare_render": (lambda: compiled.render(CONTEXT), calls),
                "cached_get": (cached_get, calls),
                "cached_render": (cached_render, calls),
                "bare_compile": (lambda: _env().from_string(TEMPLATE).render(CONTEXT), few),
                "uncached_load": (uncached_load, few),
            },
            repeats,
        )
        concurrent = await _concurrent(directory, 200 if quick else 2000, 8)
    return {
        "template_bytes": len(TEMPLATE.encode()),
        "rendered_bytes": len(expected.encode()),
        "bare_jinja2_render_us": timings["bare_render"],
        "bare_jinja2_compile_and_render_us": timings["bare_compile"],
        "cached_get_us": timings["cached_get"],
        "cached_render_us": timings["cached_render"],
        "cached_render_overhead_us": round(timings["cached_render"] - timings["bare_render"], 3),
        "uncached_load_ms": round(timings["uncached_load"] / 1000, 4),
        "concurrent": concurrent,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure and return the figures (see the module docstring)."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(_measure(quick))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
