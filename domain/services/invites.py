"""Invites: random 128-bit codes, stored as SHA-256, bound to a role and organization, expiring.

A code is redeemed with ``/start <code>`` (a deep link) or by pasting it. Wrong, used and expired
codes each get their own sentence; attempts are counted per user so codes cannot be guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound, RateLimited
from domain.model.base import utcnow
from domain.model.people import Invite, Membership, Role, User

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_ATTEMPTS_PER_HOUR = 10


class AttemptCounter(Protocol):
    """Counts a user's attempts in a sliding hour (Redis in production)."""

    async def hit(self, key: str, window_seconds: int) -> int: ...


def new_code() -> str:
    """22 characters of base64url: 128 random bits, fits a /start deep link."""
    return secrets.token_urlsafe(16)


def code_hash(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


def looks_like_code(text: str) -> bool:
    return bool(CODE_RE.match(text.strip()))


async def create_invite(
    session: AsyncSession,
    *,
    org_id: int,
    role: Role,
    created_by_user_id: int | None,
    ttl_days: int = 7,
    class_id: int | None = None,
    student_id: int | None = None,
    max_uses: int | None = 1,
    now: dt.datetime | None = None,
) -> str:
    """Create an invite in the caller's transaction and return its code (shown once, never stored)."""
    code = new_code()
    expires = (now or utcnow()) + dt.timedelta(days=ttl_days)
    invite = Invite(
        org_id=org_id,
        role=role,
        code_hash=code_hash(code),
        class_id=class_id,
        student_id=student_id,
        created_by_user_id=created_by_user_id,
        max_uses=max_uses,
        expires_at=expires,
    )
    session.add(invite)
    await session.flush()
    await audit.record(session, "invite.created", org_id=org_id, actor_user_id=created_by_user_id,
                       entity="invite", entity_id=invite.id, role=role.value, expires_at=expires.isoformat(),
                       max_uses=max_uses, class_id=class_id)
    return code


async def find_redeemable(
    session: AsyncSession,
    actor: Actor,
    code: str,
    *,
    attempts: AttemptCounter | None = None,
    now: dt.datetime | None = None,
) -> Invite:
    """The invite behind ``code``, locked, if it can still be used; otherwise a sentence saying why."""
    code = code.strip()
    if attempts is not None:
        count = await attempts.hit(f"invite:{actor.user_id}", 3600)
        if count > MAX_ATTEMPTS_PER_HOUR:
            raise RateLimited(N_("Too many invite codes tried in the last hour. Please wait and try again later."))
    if not looks_like_code(code):
        raise Invalid(N_("That is not an invite code. A code has 22 letters, digits, - or _."))
    invite = await session.scalar(select(Invite).where(Invite.code_hash == code_hash(code)).with_for_update())
    if invite is None or invite.revoked_at is not None:
        raise NotFound(N_("This invite code is not valid. Check it, or ask for a new one."))
    if invite.expires_at <= (now or utcnow()):
        raise Conflict(N_("This invite has expired. Ask for a new one."))
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise Conflict(N_("This invite has already been used. Ask for a new one if you need it."))
    return invite


async def consume(session: AsyncSession, invite: Invite, user_id: int, now: dt.datetime | None = None) -> None:
    """Count one use of the invite (and audit it) in the caller's transaction."""
    invite.uses += 1
    invite.last_used_at = now or utcnow()
    invite.last_used_by_user_id = user_id
    await audit.record(session, "invite.redeemed", org_id=invite.org_id, actor_user_id=user_id,
                       entity="invite", entity_id=invite.id, role=invite.role.value)


async def grant_membership(session: AsyncSession, invite: Invite, user: User) -> bool:
    """Give the user the invite's role in its organization; False when they already had it."""
    res = await session.execute(
        insert(Membership)
        .values(org_id=invite.org_id, user_id=user.id, role=invite.role)
        .on_conflict_do_nothing(index_elements=["org_id", "user_id", "role"])
        .returning(Membership.id)
    )
    membership_id = res.scalar_one_or_none()
    if membership_id is not None:
        await audit.record(session, "role.granted", org_id=invite.org_id, actor_user_id=user.id,
                           entity="membership", entity_id=membership_id, role=invite.role.value,
                           via_invite=invite.id)
    return membership_id is not None
