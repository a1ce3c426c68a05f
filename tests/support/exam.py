"""Pressing the exam message's buttons from a test's session, as the bot does (the presses lane for
answers and moves, the session for the confirmation and submit)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.db import driver
from domain.model import Attempt
from domain.services import presses
from domain.services.attempts import AttemptView

_UPDATES = itertools.count(1)
TEST_BOT_ID = 1


async def press(session: AsyncSession, actor: Actor, attempt_id: int, op: str, position: int, arg: int,
                now: dt.datetime | None = None) -> AttemptView:
    if op == "S":
        return await presses.submit_pressed(session, actor, attempt_id, position, now)
    if op == "s":
        return await presses.confirm(session, actor, attempt_id, position, now)
    conn = await driver(session)
    pressed = await presses.press(conn, actor.telegram_id, attempt_id, op, position, arg,
                                  update=(TEST_BOT_ID, next(_UPDATES)), now=now)
    await session.commit()  # the press's own transaction is nested in the session's here
    assert pressed is not None
    return pressed.view


__all__ = ["driver", "paper", "press"]


async def paper(session: AsyncSession, attempt_id: int) -> list[dict[str, object]]:
    """The attempt's frozen paper."""
    found: list[dict[str, object]] | None = await session.scalar(select(Attempt.paper).where(Attempt.id == attempt_id))
    assert found is not None
    return found
