"""Distinct contracts for the CLI benchmarks and tests: the examples, renamed.

Contract ``i`` is example ``i % 3`` with its name stem suffixed by ``i`` (so
every contract makes its own package) and one extra optional input field
(so no two contracts render the same models).
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "contracts"

#: example file -> the name stem repeated through it
_STEMS = {
    "distributed_lock_effect.yaml": "distributed_lock",
    "event_aggregator_reducer.yaml": "event_aggregator",
    "order_pricing_compute.yaml": "order_pricing",
}


def write_contracts(target: Path, count: int) -> list[Path]:
    """Write ``count`` distinct contracts into ``target``; returns their paths."""
    target.mkdir(parents=True, exist_ok=True)
    sources = [(EXAMPLES / name).read_text(encoding="utf-8") for name in sorted(_STEMS)]
    stems = [_STEMS[name] for name in sorted(_STEMS)]
    paths: list[Path] = []
    for i in range(count):
        text, stem = sources[i % 3], stems[i % 3]
        text = text.replace(stem, f"{stem}_n{i}")
        text = text.replace(
            "\n  properties:\n",
            f"\n  properties:\n    extra_note_{i}:\n      type: string\n"
            f'      description: "Free note {i}"\n',
            1,
        )
        path = target / f"{stem}_n{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
