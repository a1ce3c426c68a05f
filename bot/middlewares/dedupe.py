"""Update dedupe: an update_id already handled by this bot is skipped.

The row is written in the update's own transaction: if handling fails, the row rolls back with
everything else and a redelivery is handled afresh; two deliveries at once serialize on the key.

It is also the update's first statement. The bot's pool does not test connections before use (that
costs three round trips per update); a connection that died while idle (PostgreSQL restarted) fails
here, before anything has been done or sent, so this one statement is tried once more on a fresh one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model.ops import ProcessedUpdate

log = logging.getLogger("edubot.update")

#: Built once: every update runs it.
_RECORD = (
    insert(ProcessedUpdate)
    .values(bot_id=bindparam("bot_id"), update_id=bindparam("update_id"))
    .on_conflict_do_nothing()
    .returning(ProcessedUpdate.update_id)
)


class UpdateDedupeMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        session: AsyncSession = data["session"]
        bot_id = data["bot"].id
        params = {"bot_id": bot_id, "update_id": event.update_id}
        try:
            fresh = (await session.execute(_RECORD, params)).scalar_one_or_none()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("database connection lost while idle; once more on a fresh one",
                        extra={"update_id": event.update_id})
            await session.rollback()
            fresh = (await session.execute(_RECORD, params)).scalar_one_or_none()
        if fresh is None:
            data["duplicate_update"] = True
            log.info("duplicate update skipped", extra={"update_id": event.update_id})
            return None
        return await handler(event, data)
