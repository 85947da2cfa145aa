"""The validation tests' generation runs are not recorded in a store.

``CodegenWorkflow`` records every run in the configured store (SQLite under
``./.omninode/`` by default): without this, each run of these tests would
write into the checkout's ``.omninode/`` (``tests/codegen/test_recording.py``
tests the recording).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_run_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNINODE_RECORD_HISTORY", "false")
