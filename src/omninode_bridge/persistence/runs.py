"""Run history: runs, stages, steps, files written and validations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update

from omninode_bridge.errors import PersistenceError
from omninode_bridge.persistence.liveness import ABANDONED, is_abandoned
from omninode_bridge.persistence.records import (
    FileRecord,
    RunDetail,
    RunRecord,
    StageRecord,
    StepRecord,
    ValidationRecord,
)
from omninode_bridge.persistence.schema import (
    RUN_FILES,
    RUN_STAGES,
    RUN_STATUS_VALUES,
    RUN_STEPS,
    RUN_VALIDATIONS,
    RUNS,
)
from omninode_bridge.persistence.store_base import (
    StoreBase,
    check_choice,
)

__all__ = ["RunHistoryStore"]


class RunHistoryStore(StoreBase):
    """Writes and reads the history of executor runs."""

    # -- run history -----------------------------------------------------------

    async def record_run_started(
        self,
        run_id: str,
        workflow_id: str,
        *,
        correlation_id: str | None = None,
        started_at: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Record that a run started (status ``running``)."""
        await self._insert_row(
            RUNS,
            {
                "run_id": run_id,
                "workflow_id": workflow_id,
                "correlation_id": correlation_id,
                "status": "running",
                "started_at": started_at or self._clock(),
                "metadata": dict(metadata or {}),
            },
        )

    async def record_run_finished(
        self,
        run_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
    ) -> None:
        """Mark a run ``completed`` or ``failed``.

        Raises:
            PersistenceError: No such run.
        """
        status = "completed" if success else "failed"
        await self._finish(
            RUNS, (RUNS.c.run_id == run_id,), run_id, status, completed_at, duration_ms, error
        )

    async def _finish(
        self,
        table: Table,
        where: tuple[Any, ...],
        label: str,
        status: str,
        completed_at: datetime | None,
        duration_ms: float | None,
        error: str | None,
        **extra: Any,
    ) -> None:
        end = completed_at or self._clock()
        async with self._connection() as conn:
            started = (await conn.execute(select(table.c.started_at).where(*where))).scalar()
            if started is None:
                raise PersistenceError(f"{table.name}: no row for {label!r}")
            if duration_ms is None:
                duration_ms = max((end - started).total_seconds() * 1000, 0.0)
            await conn.execute(
                update(table)
                .where(*where)
                .values(
                    status=status,
                    completed_at=end,
                    duration_ms=duration_ms,
                    error=error,
                    **extra,
                )
            )

    async def record_stage_started(
        self,
        run_id: str,
        stage_id: str,
        *,
        stage_number: int | None = None,
        started_at: datetime | None = None,
    ) -> None:
        """Record that a stage of ``run_id`` started."""
        await self.initialize()
        stmt = self._insert(RUN_STAGES).values(
            run_id=run_id,
            stage_id=stage_id,
            stage_number=stage_number,
            status="running",
            started_at=started_at or self._clock(),
        )
        async with self._connection() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def record_stage_finished(
        self,
        run_id: str,
        stage_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
        status: str | None = None,
        stage_number: int | None = None,
    ) -> None:
        """Mark a stage finished (creating it if its start was missed).

        Args:
            success: ``completed`` when True, ``failed`` when False.
            status: Overrides the status (``skipped``, ``cancelled``).
        """
        final = (
            check_choice("status", status, RUN_STATUS_VALUES, upper=False)
            if status
            else ("completed" if success else "failed")
        )
        await self.record_stage_started(
            run_id, stage_id, stage_number=stage_number, started_at=completed_at
        )
        t = RUN_STAGES
        await self._finish(
            t,
            (t.c.run_id == run_id, t.c.stage_id == stage_id),
            stage_id,
            final,
            completed_at,
            duration_ms,
            error,
            **({} if stage_number is None else {"stage_number": stage_number}),
        )

    async def record_step_started(
        self, run_id: str, stage_id: str, step_id: str, *, started_at: datetime | None = None
    ) -> None:
        """Record that a step started (its stage row is created if missing)."""
        when = started_at or self._clock()
        await self.record_stage_started(run_id, stage_id, started_at=when)
        await self.initialize()
        stmt = self._insert(RUN_STEPS).values(
            run_id=run_id,
            stage_id=stage_id,
            step_id=step_id,
            status="running",
            started_at=when,
            attempts=1,
        )
        async with self._connection() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def record_step_finished(
        self,
        run_id: str,
        stage_id: str,
        step_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        attempts: int = 1,
        error: str | None = None,
        status: str | None = None,
    ) -> None:
        """Mark a step ``completed`` or ``failed`` (or ``status``: ``skipped``, ``cancelled``)."""
        await self.record_step_started(run_id, stage_id, step_id, started_at=completed_at)
        t = RUN_STEPS
        where = (t.c.run_id == run_id, t.c.stage_id == stage_id, t.c.step_id == step_id)
        final = (
            check_choice("status", status, RUN_STATUS_VALUES, upper=False)
            if status
            else ("completed" if success else "failed")
        )
        async with self.transaction():
            await self._finish(t, where, step_id, final, completed_at, duration_ms, error)
            async with self._connection() as conn:
                await conn.execute(update(t).where(*where).values(attempts=attempts))

    async def record_stage_batch(
        self,
        run_id: str,
        stage: Mapping[str, Any],
        steps: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Write one stage row and its step rows in one transaction (insert or update).

        ``stage`` has the ``run_stages`` columns but ``run_id``; every ``steps``
        item the ``run_steps`` columns but ``run_id`` and ``stage_id``, the
        same keys in each.
        """
        await self.initialize()
        stage_id = str(stage["stage_id"])
        async with self.transaction(), self._connection() as conn:
            stmt = self._insert(RUN_STAGES).values(run_id=run_id, **stage)
            changes = {k: stmt.excluded[k] for k in stage if k != "stage_id"}
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["run_id", "stage_id"], set_=changes)
            )
            if not steps:
                return
            insert = self._insert(RUN_STEPS)
            keys = [k for k in steps[0] if k != "step_id"]
            await conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["run_id", "stage_id", "step_id"],
                    set_={k: insert.excluded[k] for k in keys},
                ),
                [{"run_id": run_id, "stage_id": stage_id, **row} for row in steps],
            )

    async def record_files_batch(
        self,
        run_id: str,
        paths: Iterable[str],
        *,
        action: str = "written",
        details: Mapping[str, tuple[str | None, int | None]] | None = None,
    ) -> None:
        """Record many files of a run in one statement (``action`` for all).

        ``details``: ``path -> (sha256, size in bytes)`` where known.
        """
        details = details or {}
        now = self._clock()
        rows = []
        for path in dict.fromkeys(str(p) for p in paths):
            sha256, size = details.get(path, (None, None))
            rows.append(
                {
                    "run_id": run_id,
                    "path": path,
                    "action": action,
                    "sha256": sha256,
                    "size_bytes": size,
                    "created_at": now,
                }
            )
        if not rows:
            return
        await self.initialize()
        insert = self._insert(RUN_FILES)
        async with self._connection() as conn:
            await conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["run_id", "path"],
                    set_={
                        "action": insert.excluded.action,
                        "sha256": insert.excluded.sha256,
                        "size_bytes": insert.excluded.size_bytes,
                    },
                ),
                rows,
            )

    async def record_file_written(
        self,
        run_id: str,
        path: str,
        *,
        action: str = "written",
        sha256: str | None = None,
        size_bytes: int | None = None,
    ) -> None:
        """Record a file the run wrote (``written``, ``unchanged``, ``skipped``...)."""
        values = {"action": action, "sha256": sha256, "size_bytes": size_bytes}
        await self.initialize()
        stmt = self._insert(RUN_FILES).values(
            run_id=run_id, path=str(path), created_at=self._clock(), **values
        )
        async with self._connection() as conn:
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["run_id", "path"], set_=values)
            )

    async def record_validation(
        self,
        run_id: str,
        *,
        target: str,
        validator: str,
        passed: bool,
        score: float | None = None,
        issues: Iterable[str] = (),
    ) -> None:
        """Record one validation result of a run."""
        await self._insert_row(
            RUN_VALIDATIONS,
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "target": target,
                "validator": validator,
                "passed": passed,
                "score": score,
                "issues": [str(i) for i in issues],
                "created_at": self._clock(),
            },
        )

    async def mark_interrupted_runs(self, *, started_before: datetime | None = None) -> int:
        """Mark runs still ``running`` (their process died) as ``interrupted``.

        Args:
            started_before: Only runs that started before this time; None for all.

        Returns:
            The number of runs marked.
        """
        end = self._clock()
        async with self._connection() as conn:
            total = 0
            for table in (RUNS, RUN_STAGES, RUN_STEPS):
                query = update(table).where(table.c.status == "running")
                if started_before is not None:
                    query = query.where(table.c.started_at < started_before)
                result = await conn.execute(query.values(status="interrupted", completed_at=end))
                total = result.rowcount if table is RUNS else total
        return int(total)

    async def abandon_dead_runs(self) -> list[str]:
        """Mark ``abandoned`` every ``running`` run whose process is gone (this host only).

        The run, and its stages and steps still ``running``, get status
        ``abandoned``, completed at the run's last recorded activity; the ids
        of the runs marked are returned. Runs of other hosts are left alone.
        """
        running = await self._rows(
            select(RUNS.c.run_id, RUNS.c.metadata).where(RUNS.c.status == "running")
        )
        dead = [row.run_id for row in running if is_abandoned("running", dict(row.metadata or {}))]
        error = "abandoned: the process running it ended without finishing"
        for run_id in dead:
            async with self.transaction():
                last = await self._last_activity(run_id)
                for table in (RUN_STEPS, RUN_STAGES):
                    async with self._connection() as conn:
                        await conn.execute(
                            update(table)
                            .where(table.c.run_id == run_id, table.c.status == "running")
                            .values(status=ABANDONED, completed_at=last)
                        )
                await self._finish(
                    RUNS, (RUNS.c.run_id == run_id,), run_id, ABANDONED, last, None, error
                )
        return dead

    async def _last_activity(self, run_id: str) -> datetime | None:
        """The newest start or completion time recorded for the run, its stages or steps."""
        times: list[datetime] = []
        for table in (RUNS, RUN_STAGES, RUN_STEPS):
            query = select(func.max(table.c.started_at), func.max(table.c.completed_at)).where(
                table.c.run_id == run_id
            )
            for row in await self._rows(query):
                times.extend(t for t in row if t is not None)
        return max(times) if times else None

    async def list_runs(self, *, limit: int = 20, status: str | None = None) -> list[RunRecord]:
        """The newest runs first."""
        query = select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.run_id).limit(limit)
        if status is not None:
            query = query.where(RUNS.c.status == status)
        return [_run_record(r) for r in await self._rows(query)]

    async def get_run(self, run_id: str) -> RunDetail | None:
        """One run with its stages (and steps), files and validations."""
        runs = await self._rows(select(RUNS).where(RUNS.c.run_id == run_id))
        if not runs:
            return None
        stage_rows = await self._rows(
            select(RUN_STAGES)
            .where(RUN_STAGES.c.run_id == run_id)
            .order_by(RUN_STAGES.c.started_at, RUN_STAGES.c.stage_number, RUN_STAGES.c.stage_id)
        )
        step_rows = await self._rows(
            select(RUN_STEPS)
            .where(RUN_STEPS.c.run_id == run_id)
            .order_by(RUN_STEPS.c.started_at, RUN_STEPS.c.step_id)
        )
        file_rows = await self._rows(
            select(RUN_FILES).where(RUN_FILES.c.run_id == run_id).order_by(RUN_FILES.c.path)
        )
        val_rows = await self._rows(
            select(RUN_VALIDATIONS)
            .where(RUN_VALIDATIONS.c.run_id == run_id)
            .order_by(RUN_VALIDATIONS.c.created_at, RUN_VALIDATIONS.c.target)
        )
        return RunDetail(
            run=_run_record(runs[0]),
            stages=tuple(_stage_record(s, step_rows) for s in stage_rows),
            files=tuple(FileRecord(r.path, r.action, r.sha256, r.size_bytes) for r in file_rows),
            validations=tuple(
                ValidationRecord(r.target, r.validator, r.passed, r.score, tuple(r.issues))
                for r in val_rows
            ),
        )


def _run_record(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        workflow_id=row.workflow_id,
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        duration_ms=row.duration_ms,
        correlation_id=row.correlation_id,
        error=row.error,
        metadata=dict(row.metadata or {}),
    )


def _stage_record(row: Any, step_rows: Sequence[Any]) -> StageRecord:
    steps = tuple(
        StepRecord(
            s.stage_id,
            s.step_id,
            s.status,
            s.started_at,
            s.completed_at,
            s.duration_ms,
            s.attempts,
            s.error,
        )
        for s in step_rows
        if s.stage_id == row.stage_id
    )
    return StageRecord(
        stage_id=row.stage_id,
        stage_number=row.stage_number,
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        duration_ms=row.duration_ms,
        error=row.error,
        steps=steps,
    )
