"""Append a row to the audit log in the caller's transaction (the table refuses changes afterwards)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model.ops import AuditLog


async def record(
    session: AsyncSession,
    action: str,
    *,
    org_id: int | None,
    actor_user_id: int | None,
    entity: str = "",
    entity_id: object = None,
    **data: Any,
) -> None:
    await session.execute(
        insert(AuditLog).values(
            action=action,
            org_id=org_id,
            actor_user_id=actor_user_id,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            data=data,
        )
    )


AuditRow = tuple[int | None, str, object, dict[str, Any]]  # org id, entity, entity id, data


async def record_many(session: AsyncSession, action: str, rows: Sequence[AuditRow], *,
                      actor_user_id: int | None = None) -> None:
    """Several audit rows of one action in one statement: (org id, entity, entity id, data) each."""
    if not rows:
        return
    await session.execute(insert(AuditLog), [
        {"action": action, "org_id": org_id, "actor_user_id": actor_user_id, "entity": entity,
         "entity_id": None if entity_id is None else str(entity_id), "data": data}
        for org_id, entity, entity_id, data in rows])

