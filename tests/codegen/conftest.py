"""The code generation tests' runs are not recorded in a store unless a test says so.

``CodegenWorkflow`` records every run in the configured store (SQLite under
``./.omninode/`` by default): without this, each run of these tests would
write into the checkout's ``.omninode/``. ``test_recording.py`` switches
recording back on where it is what is tested.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_run_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNINODE_RECORD_HISTORY", "false")
