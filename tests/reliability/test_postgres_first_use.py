"""Four ``omninode generate`` processes on a fresh PostgreSQL schema: the
migration runs under the advisory lock, once, and every run is recorded.

The test holds the migration's advisory lock itself while the processes
start, sees all four wait for it with nothing migrated, then lets them go."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from tests.reliability.conftest import MINIMAL, cli_env, omninode, start_omninode

from omninode_bridge.persistence.migrate import _PG_LOCK_KEY, head_revision


async def _query(postgres_url: str, sql: str) -> list[asyncpg.Record]:
    url = make_url(postgres_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


@pytest.fixture
def fresh_schema(postgres_url: str) -> Iterator[str]:
    schema = f"first_use_{uuid.uuid4().hex[:12]}"
    yield schema
    asyncio.run(_query(postgres_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def test_four_processes_on_a_fresh_postgres_schema_record_every_run(
    tmp_path: Path, home: Path, postgres_url: str, fresh_schema: str
) -> None:
    env = cli_env(home, OMNINODE_DATABASE_URL=f"{postgres_url}?schema={fresh_schema}")
    url = make_url(postgres_url)

    async def held_then_released() -> list[tuple[int | None, str, str]]:
        holder = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        try:
            await holder.execute(f"SELECT pg_advisory_lock({_PG_LOCK_KEY})")
            procs = [
                start_omninode(
                    ["generate", str(MINIMAL), "--out", f"out{i}", "--json"],
                    cwd=tmp_path,
                    env=env,
                )
                for i in range(4)
            ]
            waiting, deadline = 0, time.monotonic() + 90
            while waiting < 4 and time.monotonic() < deadline:  # (others may wait too)
                await asyncio.sleep(0.2)
                waiting = await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    f"AND NOT granted AND objid = {_PG_LOCK_KEY}"
                )
            migrated = await holder.fetchval(
                f"SELECT to_regclass('\"{fresh_schema}\".alembic_version')"
            )
            await holder.execute(f"SELECT pg_advisory_unlock({_PG_LOCK_KEY})")
        finally:
            await holder.close()
        assert waiting >= 4, "the four processes did not all wait for the migration lock"
        assert migrated is None, "a process migrated while the lock was held"
        outputs = await asyncio.gather(
            *(asyncio.to_thread(p.communicate, timeout=180) for p in procs)
        )
        return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]

    for code, stdout, stderr in asyncio.run(held_then_released()):
        assert code == 0, stdout + stderr
        assert json.loads(stdout)["warnings"] == [], stderr
    listed = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [r["status"] for r in json.loads(listed.stdout)] == ["completed"] * 4
    versions = asyncio.run(
        _query(postgres_url, f'SELECT version_num FROM "{fresh_schema}".alembic_version')
    )
    assert [v["version_num"] for v in versions] == [head_revision()]
    # The widened status constraint of the newest migration is in place.
    checks = asyncio.run(
        _query(
            postgres_url,
            "SELECT pg_get_constraintdef(c.oid) AS text FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            f"WHERE n.nspname = '{fresh_schema}' AND c.conname = 'ck_runs_status'",
        )
    )
    assert len(checks) == 1
    assert "abandoned" in checks[0]["text"]
