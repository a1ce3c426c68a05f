"""The audit log is append-only: the database refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit


async def test_rows_can_be_added(session: AsyncSession) -> None:
    await audit.record(session, "test.event", org_id=None, actor_user_id=None, entity="thing", entity_id=7, x=1)
    row = (await session.execute(text("SELECT action, entity_id, data FROM audit_log WHERE action='test.event'"))).one()
    assert row.action == "test.event" and row.entity_id == "7" and row.data == {"x": 1}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_changes_are_refused(session: AsyncSession, statement: str) -> None:
    await audit.record(session, "test.event", org_id=None, actor_user_id=None)
    await session.commit()  # a savepoint: the row exists for the statement below
    with pytest.raises(DBAPIError) as info:
        async with session.begin_nested():
            await session.execute(text(statement))
    assert "audit_log rows cannot be changed or deleted" in str(info.value)
    count = (await session.execute(text("SELECT count(*) FROM audit_log WHERE action='test.event'"))).scalar_one()
    assert count >= 1
