"""Migrations: every one reversible, and the models agree with what the migrations build."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from domain.model import Base
from edubot.migrate import alembic_config, downgrade, upgrade


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_full_round_trip_down_to_base_and_up_again(fresh_db: str) -> None:
    before = await _tables(fresh_db)
    assert {"organizations", "users", "memberships", "outbox", "audit_log", "processed_updates"} <= before
    await asyncio.to_thread(downgrade, fresh_db, "base")
    assert await _tables(fresh_db) == {"alembic_version"}
    await asyncio.to_thread(upgrade, fresh_db, "head")
    assert await _tables(fresh_db) == before


async def test_each_step_down_and_up(fresh_db: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(fresh_db))
    revisions = list(script.walk_revisions())
    for _ in revisions:
        await asyncio.to_thread(downgrade, fresh_db, "-1")
    for _ in revisions:
        await asyncio.to_thread(upgrade, fresh_db, "+1")
    eng = create_async_engine(fresh_db)
    async with eng.connect() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    await eng.dispose()
    assert head == script.get_current_head()


async def test_models_match_migrations(fresh_db: str) -> None:
    eng = create_async_engine(fresh_db)

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, Base.metadata)

    async with eng.connect() as conn:
        differences = await conn.run_sync(diff)
    await eng.dispose()
    assert differences == []


def test_migration_files_are_dated_and_static() -> None:
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    files = sorted(p.name for p in versions.glob("*.py") if p.name != "__init__.py")
    assert files, "no migrations"
    for name in files:
        assert name[:4].isdigit() and name[4] == "_" and name[7] == "_" and name[10] == "_", name
        source = (versions / name).read_text()
        assert "def downgrade() -> None:" in source
        assert "autogenerate" not in source.lower() or "pass" not in source
