"""Organizations are created with their settings and holidays; admin invites are single use."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import sysconfig
from domain.errors import Conflict, Invalid, NotFound, RateLimited
from domain.model import Holiday, Invite, Membership, Role, SystemConfig
from domain.services import invites, joining, orgs, users
from domain.services.users import TelegramProfile


async def _actor(session: AsyncSession, tid: int, lang: str = "en"):  # type: ignore[no-untyped-def]
    user = await users.ensure_user(session, TelegramProfile(tid, f"User{tid}", language_code=lang))
    return await users.load_actor(session, user)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    async def hit(self, key: str, window_seconds: int) -> int:
        self.n += 1
        return self.n


async def test_org_is_seeded_with_config_and_country_holidays(session: AsyncSession) -> None:
    org = await orgs.create_organization(session, "  Test   College ", timezone="Asia/Kolkata", country="in",
                                         today=dt.date(2026, 11, 21))
    assert org.name == "Test College" and org.country == "IN"
    keys = set((await session.execute(select(SystemConfig.key).where(SystemConfig.org_id == org.id))).scalars())
    assert keys == set(sysconfig.KEYS)
    assert await sysconfig.get(session, org.id, "exam.grace_period_minutes") == 5
    days = dict((await session.execute(select(Holiday.day, Holiday.name).where(Holiday.org_id == org.id))).all())
    assert days[dt.date(2026, 1, 26)] == "Republic Day"
    assert dt.date(2027, 8, 15) in days  # next year too
    audit = await session.scalar(text("SELECT count(*) FROM audit_log WHERE action='org.created'"))
    assert audit == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, Invalid, "Unknown time zone"),
        ({"timezone": "Asia/Kolkata", "country": "XX"}, Invalid, "Holidays for country XX"),
    ],
)
async def test_org_refusals(session: AsyncSession, kwargs: dict, error: type, needle: str) -> None:
    with pytest.raises(error) as info:
        await orgs.create_organization(session, "Bad", **kwargs)
    assert needle in str(info.value)


async def test_duplicate_org_name_refused(session: AsyncSession) -> None:
    await orgs.create_organization(session, "Same", timezone="Asia/Kolkata")
    with pytest.raises(Conflict):
        await orgs.create_organization(session, "same", timezone="Asia/Kolkata")


async def test_admin_invite_redeemed_once(session: AsyncSession) -> None:
    org = await orgs.create_organization(session, "Inv College", timezone="Asia/Kolkata")
    code = await invites.create_invite(session, org_id=org.id, role=Role.ADMIN, created_by_user_id=None)
    await session.commit()
    assert len(code) == 22
    stored = await session.scalar(select(Invite.code_hash).where(Invite.org_id == org.id))
    assert stored == invites.code_hash(code) and code.encode() not in stored  # only the hash is kept

    alice = await _actor(session, 1001)
    result = await joining.redeem(session, alice, code, attempts=Counter())
    assert isinstance(result, joining.Joined)
    assert result.role is Role.ADMIN and result.org_name == "Inv College" and not result.already
    roles = (await session.execute(select(Membership.role).where(Membership.org_id == org.id))).scalars().all()
    assert roles == [Role.ADMIN]

    bob = await _actor(session, 1002)
    with pytest.raises(Conflict) as info:
        await joining.redeem(session, bob, code)
    assert "already been used" in str(info.value)
    actions = (await session.execute(text("SELECT action FROM audit_log ORDER BY id"))).scalars().all()
    assert "invite.created" in actions and "invite.redeemed" in actions and "role.granted" in actions


async def test_wrong_expired_and_malformed_codes(session: AsyncSession) -> None:
    org = await orgs.create_organization(session, "Exp College", timezone="Asia/Kolkata")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    code = await invites.create_invite(session, org_id=org.id, role=Role.TEACHER, created_by_user_id=None, now=past)
    carol = await _actor(session, 1003)
    with pytest.raises(Conflict) as info:
        await joining.redeem(session, carol, code)
    assert "expired" in str(info.value)
    with pytest.raises(NotFound):
        await joining.redeem(session, carol, invites.new_code())
    with pytest.raises(Invalid):
        await joining.redeem(session, carol, "hello there")
    assert await session.scalar(select(func.count()).select_from(Membership)) == 0


async def test_attempts_are_rate_limited(session: AsyncSession) -> None:
    dave = await _actor(session, 1004)
    counter = Counter()
    for _ in range(invites.MAX_ATTEMPTS_PER_HOUR):
        with pytest.raises(NotFound):
            await joining.redeem(session, dave, invites.new_code(), attempts=counter)
    with pytest.raises(RateLimited):
        await joining.redeem(session, dave, invites.new_code(), attempts=counter)


async def test_user_language_follows_telegram_until_chosen(session: AsyncSession) -> None:
    u = await users.ensure_user(session, TelegramProfile(2001, "Ravi", language_code="hi-IN"))
    assert u.language == "hi"
    actor = await users.load_actor(session, u)
    await users.set_language(session, actor, "en")
    u = await users.ensure_user(session, TelegramProfile(2001, "Ravi K", language_code="hi"))
    assert u.language == "en" and u.first_name == "Ravi K"


async def test_actor_of_an_update_in_one_read(session: AsyncSession) -> None:
    """The middleware's one-query actor: created on first contact, memberships in order, profile kept."""
    first = await users.actor_for(session, TelegramProfile(2002, "Meena", language_code="hi"))
    assert first.memberships == () and first.language == "hi" and first.first_name == "Meena"
    org = await orgs.create_organization(session, "Actor School", timezone="Asia/Kolkata")
    for role in (Role.TEACHER, Role.ADMIN):
        code = await invites.create_invite(session, org_id=org.id, role=role, created_by_user_id=None)
        await joining.redeem(session, first, code)
    again = await users.actor_for(session, TelegramProfile(2002, "Meena S", username="meena"))
    assert again.user_id == first.user_id and again.first_name == "Meena S"
    assert [(m.org_id, m.org_name, m.role) for m in again.memberships] == [
        (org.id, "Actor School", Role.ADMIN), (org.id, "Actor School", Role.TEACHER)]
    assert again.memberships == (await users.load_actor(session, await users.ensure_user(
        session, TelegramProfile(2002, "Meena S", username="meena")))).memberships
