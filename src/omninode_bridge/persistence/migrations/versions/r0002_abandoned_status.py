"""Status ``abandoned``: a run (and its open stages and steps) whose process died.

The status CHECK constraints of ``runs``, ``run_stages`` and ``run_steps`` allow
one more value. PostgreSQL replaces each constraint. SQLite cannot alter a
constraint, and recreating ``runs`` would cascade-delete its stages (foreign
keys are on), so the constraint text is widened in place in the schema table,
the procedure SQLite documents for loosening a CHECK constraint (every row
that satisfied the old constraint satisfies the new one).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLES = ("runs", "run_stages", "run_steps")
_OLD = "'running', 'completed', 'failed', 'skipped', 'cancelled', 'interrupted'"
_NEW = _OLD + ", 'abandoned'"


def _sqlite_rewrite(old: str, new: str) -> None:
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table in _TABLES:
            bind.exec_driver_sql(
                "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
                "WHERE type = 'table' AND name = ?",
                (f"status IN ({old})", f"status IN ({new})", table),
            )
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version or 0) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _replace(values: str) -> None:
    for table in _TABLES:
        name = op.f(f"ck_{table}_status")
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, f"status IN ({values})")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_OLD, _NEW)
    else:
        _replace(_NEW)


def downgrade() -> None:
    for table in _TABLES:
        op.execute(f"UPDATE {table} SET status = 'interrupted' WHERE status = 'abandoned'")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_NEW, _OLD)
    else:
        _replace(_OLD)
