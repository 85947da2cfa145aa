"""Persistence: analytics, stored metrics and run history on SQLite or PostgreSQL.

``OmniNodePersistence`` is the store; ``initialize_db_pool`` / ``get_db_pool`` /
``close_db_pool`` manage the shared connection pool; ``RunRecorder`` writes
run history from the executor's lifecycle signals.
"""

from omninode_bridge.persistence.pool import (
    DatabasePool,
    PoolConnection,
    close_db_pool,
    get_db_pool,
    initialize_db_pool,
)
from omninode_bridge.persistence.recorder import RunRecorder
from omninode_bridge.persistence.records import (
    FileRecord,
    RunDetail,
    RunRecord,
    StageRecord,
    StepRecord,
    ValidationRecord,
)
from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = [
    "DatabasePool",
    "FileRecord",
    "OmniNodePersistence",
    "PoolConnection",
    "RunDetail",
    "RunRecord",
    "RunRecorder",
    "StageRecord",
    "StepRecord",
    "ValidationRecord",
    "close_db_pool",
    "get_db_pool",
    "initialize_db_pool",
]
