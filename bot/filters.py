"""Filters that look at the person and their state, not only at the message."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ingest
from domain.access import Actor
from domain.model.people import Role
from domain.services import uploads


class HasWaitingUpload(Filter):
    """True when a teacher's file waits for an answer they may type (an assessment's name, say)."""

    async def __call__(self, message: Message, session: AsyncSession, actor: Actor) -> bool:
        if not actor.has(Role.TEACHER, Role.ADMIN):
            return False
        return await uploads.waiting_for_text(session, actor, list(ingest.TYPED)) is not None
