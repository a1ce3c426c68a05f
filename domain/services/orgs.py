"""Organizations: creation with everything a new school needs seeded (config, holidays, …)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, sysconfig
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.org import Holiday, Organization
from domain.services.outcomes import seed_program_outcomes
from domain.services.plans import seed_plans

log = logging.getLogger(__name__)

OrgSeeder = Callable[[AsyncSession, Organization], Awaitable[None]]
#: Later capabilities register what a new organization needs (program outcomes, plans…).
ORG_SEEDERS: list[OrgSeeder] = []


def country_holidays(country: str, subdivision: str | None, years: list[int]) -> dict[dt.date, str]:
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdivision, years=years)
    except NotImplementedError:
        raise Invalid(N_("Holidays for country {country} are not known; use a two-letter ISO code such as IN."),
                      country=country) from None
    return {day: str(name) for day, name in sorted(found.items())}


async def seed_holidays(session: AsyncSession, org: Organization, years: list[int]) -> int:
    days = country_holidays(org.country, org.subdivision, years)
    if not days:
        return 0
    rows = [{"org_id": org.id, "day": d, "name": n, "source": "country"} for d, n in days.items()]
    res = await session.execute(
        insert(Holiday).values(rows).on_conflict_do_nothing(index_elements=["org_id", "day"]).returning(Holiday.id)
    )
    return len(res.all())


async def create_organization(
    session: AsyncSession,
    name: str,
    *,
    timezone: str,
    country: str = "IN",
    subdivision: str | None = None,
    today: dt.date | None = None,
) -> Organization:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise Invalid(N_("An organization name must have 1 to 200 characters."))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(N_("Unknown time zone {tz}; use an IANA name such as Asia/Kolkata."), tz=timezone) from None
    country = country.upper()
    exists = await session.scalar(select(func.count()).where(func.lower(Organization.name) == name.lower()))
    if exists:
        raise Conflict(N_("An organization named {name} already exists."), name=name)
    year = (today or dt.datetime.now(ZoneInfo(timezone)).date()).year
    country_holidays(country, subdivision, [year])  # validates the country before anything is written
    org = Organization(name=name, timezone=timezone, country=country, subdivision=subdivision)
    session.add(org)
    await session.flush()
    await sysconfig.seed(session, org.id)
    seeded = await seed_holidays(session, org, [year, year + 1])
    await seed_program_outcomes(session, org)
    await seed_plans(session, org)
    for seeder in ORG_SEEDERS:
        await seeder(session, org)
    await audit.record(session, "org.created", org_id=org.id, actor_user_id=None, entity="organization",
                       entity_id=org.id, name=name, timezone=timezone, country=country, holidays=seeded)
    await session.commit()
    return org


async def get_by_name(session: AsyncSession, name: str) -> Organization:
    wanted = " ".join(name.split()).lower()
    org = await session.scalar(select(Organization).where(func.lower(Organization.name) == wanted))
    if org is None:
        raise NotFound(N_("No organization named {name}."), name=name)
    return org
