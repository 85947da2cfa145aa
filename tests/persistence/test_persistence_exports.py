"""Every name the integration guide imports from persistence and events is exported."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "omninode_bridge.persistence",
            [
                "OmniNodePersistence",
                "initialize_db_pool",
                "get_db_pool",
                "close_db_pool",
                "RunRecorder",
            ],
        ),
        ("omninode_bridge.events", ["EventProcessor", "ModelEvent", "LifecyclePublisher"]),
        ("omninode_bridge.metrics.sinks", ["DatabaseMetricSink", "KafkaMetricSink"]),
    ],
    ids=["persistence", "events", "sinks"],
)
def test_guide_names_are_exported(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    for name in names:
        assert name in mod.__all__
        assert getattr(mod, name) is not None
