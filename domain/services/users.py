"""Users as Telegram presents them: first contact, profile changes, language, what they are."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor, MembershipView
from domain.errors import N_, Invalid
from domain.model.org import Organization
from domain.model.people import Membership, User

LANGUAGES = {"en": "English", "hi": "हिन्दी"}


@dataclass(frozen=True)
class TelegramProfile:
    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def language_for(code: str | None) -> str:
    """Our language for a Telegram language code (the default for a user who has not chosen)."""
    if code and code.split("-")[0].lower() in LANGUAGES:
        return code.split("-")[0].lower()
    return "en"


async def ensure_user(session: AsyncSession, profile: TelegramProfile) -> User:
    """The user for this Telegram account, created on first contact and kept up to date."""
    user = await session.scalar(select(User).where(User.telegram_id == profile.telegram_id))
    if user is None:
        stmt = (
            insert(User)
            .values(
                telegram_id=profile.telegram_id,
                first_name=profile.first_name or "",
                last_name=profile.last_name,
                username=profile.username,
                language=language_for(profile.language_code),
            )
            .on_conflict_do_nothing(index_elements=["telegram_id"])
        )
        await session.execute(stmt)
        user = await session.scalar(select(User).where(User.telegram_id == profile.telegram_id))
        assert user is not None
        return user
    await _refresh(session, user, profile)
    return user


async def _refresh(session: AsyncSession, user: User, profile: TelegramProfile) -> None:
    """Keep the user's name, username and (unless they chose one) language as Telegram shows them."""
    changes: dict[str, object] = {}
    if user.first_name != (profile.first_name or ""):
        changes["first_name"] = profile.first_name or ""
    if user.last_name != profile.last_name:
        changes["last_name"] = profile.last_name
    if user.username != profile.username:
        changes["username"] = profile.username
    if not user.language_chosen and user.language != language_for(profile.language_code):
        changes["language"] = language_for(profile.language_code)
    if not user.reachable:
        changes["reachable"] = True
        changes["unreachable_at"] = None
    if changes:
        for k, v in changes.items():
            setattr(user, k, v)
        await session.flush()


async def load_actor(session: AsyncSession, user: User) -> Actor:
    rows = (
        await session.execute(
            select(Membership.id, Membership.org_id, Organization.name, Membership.role)
            .join(Organization, Organization.id == Membership.org_id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.org_id, Membership.role)
        )
    ).all()
    return _actor(user, [MembershipView(r[0], r[1], r[2], r[3]) for r in rows])


def _actor(user: User, memberships: list[MembershipView]) -> Actor:
    return Actor(
        user_id=user.id,
        telegram_id=user.telegram_id,
        first_name=user.first_name,
        language=user.language,
        memberships=tuple(memberships),
        current_org_id=user.current_org_id,
    )


#: Built once: every update runs it.
_ACTOR = (
    select(User, Membership.id, Membership.org_id, Organization.name, Membership.role)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organization, Organization.id == Membership.org_id)
    .where(User.telegram_id == bindparam("telegram_id"))
    .order_by(Membership.org_id, Membership.role)
)


async def actor_for(session: AsyncSession, profile: TelegramProfile) -> Actor:
    """The actor behind an update: the user (created on first contact, kept up to date) with their
    memberships, in one round trip when the user is known (every update pays for this)."""
    rows = (await session.execute(_ACTOR, {"telegram_id": profile.telegram_id})).all()
    if not rows:
        return await load_actor(session, await ensure_user(session, profile))
    user = rows[0][0]
    await _refresh(session, user, profile)
    return _actor(user, [MembershipView(r[1], r[2], r[3], r[4]) for r in rows if r[1] is not None])


async def set_language(session: AsyncSession, actor: Actor, language: str) -> str:
    if language not in LANGUAGES:
        raise Invalid(N_("Unknown language {code}."), code=language)
    await session.execute(
        update(User).where(User.id == actor.user_id).values(language=language, language_chosen=True)
    )
    await session.commit()
    return language


async def set_reachable(session: AsyncSession, telegram_id: int, reachable: bool) -> None:
    """Record that a user blocked (or unblocked) the bot."""
    await session.execute(
        update(User)
        .where(User.telegram_id == telegram_id)
        .values(reachable=reachable, unreachable_at=None if reachable else func.now())
    )
    await session.commit()
