"""Alembic environment: runs on the connection handed in by :mod:`..migrate`."""

from __future__ import annotations

from alembic import context

from omninode_bridge.persistence.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from a bare `alembic` CLI
    raise RuntimeError("run migrations through omninode_bridge.persistence.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
