"""The validation tests' generation runs are not recorded in a store.

``CodegenWorkflow`` records every run in the configured store (SQLite under
``./.omninode/`` by default): without this, each run of these tests would
write into the checkout's ``.omninode/`` (``tests/codegen/test_recording.py``
tests the recording).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module", autouse=True)
def _no_run_history() -> Iterator[None]:
    # module scope: module-scoped fixtures that generate (test_generated_packages) come after it
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMNINODE_RECORD_HISTORY", "false")
        yield
