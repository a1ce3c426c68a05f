"""Subscription plans: the four seeded per organization, assigning one to a student or a class, and the
checks an exam start makes (exam kinds the plan allows, the monthly quota with the count used).

A student without a subscription is on the organization's default plan (``plans.default``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, sysconfig
from domain.access import Actor
from domain.errors import N_, Forbidden, NotFound
from domain.model.base import utcnow
from domain.model.exams import Attempt, Exam, Plan, Subscription
from domain.model.org import Organization
from domain.model.people import Role, Student
from domain.services import classes, students


@dataclass(frozen=True)
class PlanSpec:
    name: str
    exams_per_month: int | None
    kinds: tuple[str, ...]
    written: bool
    leaderboard: bool
    sla_seconds: int  # working time to evaluate the written part


HOUR = 3600

# The migration seeds existing organizations with the same values.
SEEDED: tuple[PlanSpec, ...] = (
    PlanSpec("Basic", 5, ("fixed", "blueprint", "practice"), True, False, 48 * HOUR),
    PlanSpec("Premium MCQ", 15, ("fixed", "blueprint", "practice"), False, False, 48 * HOUR),
    PlanSpec("Premium", 50, ("fixed", "blueprint", "adaptive", "practice"), True, True, 48 * HOUR),
    PlanSpec("Centum", 50, ("fixed", "blueprint", "adaptive", "practice"), True, True, 24 * HOUR),
)


async def seed_plans(session: AsyncSession, org: Organization) -> None:
    rows = [{"org_id": org.id, "name": p.name, "exams_per_month": p.exams_per_month, "kinds": list(p.kinds),
             "written": p.written, "leaderboard": p.leaderboard, "sla_seconds": p.sla_seconds, "position": i}
            for i, p in enumerate(SEEDED, start=1)]
    await session.execute(insert(Plan).values(rows).on_conflict_do_nothing())


async def org_plans(session: AsyncSession, org_id: int) -> list[Plan]:
    return list((await session.scalars(select(Plan).where(Plan.org_id == org_id).order_by(Plan.position))).all())


async def find_plan(session: AsyncSession, org_id: int, name: str) -> Plan:
    wanted = " ".join(name.split()).lower()
    plans = await org_plans(session, org_id)
    for plan in plans:
        if plan.name.lower() == wanted:
            return plan
    raise NotFound(N_("There is no plan {name}. Plans: {known}."), name=name, known=", ".join(p.name for p in plans))


async def plan_of(session: AsyncSession, student: Student) -> Plan:
    """The student's open subscription's plan, or the organization's default plan."""
    plan = await session.scalar(select(Plan).join(Subscription, Subscription.plan_id == Plan.id).where(
        Subscription.student_id == student.id, Subscription.ends_at.is_(None)))
    if plan is not None:
        return plan
    return await find_plan(session, student.org_id, str(await sysconfig.get(session, student.org_id, "plans.default")))


@dataclass(frozen=True)
class Assigned:
    plan: str
    students: int
    target: str


async def assign(session: AsyncSession, actor: Actor, plan_name: str, *, usn: str | None = None,
                 class_name: str | None = None) -> Assigned:
    """An admin puts a student (by USN) or every student of a class on a plan, from now on."""
    me = actor.require(Role.ADMIN)
    org_id = me.org_id
    plan = await find_plan(session, org_id, plan_name)
    if usn:
        student = await students.find_student(session, org_id, usn.strip().upper())
        if student is None:
            raise NotFound(N_("There is no student with USN {usn}."), usn=usn)
        ids, target = [student.id], f"{student.usn} {student.name}"
    elif class_name:
        cls = await classes.find_class(session, org_id, class_name)
        ids = list((await session.scalars(select(Student.id).where(Student.org_id == org_id,
                                                                     Student.class_id == cls.id))).all())
        target = cls.name
    else:
        raise NotFound(N_("Say whom: usn=1CR21CS001 plan=Premium, or class=CSE-A plan=Premium."))
    now = utcnow()
    await session.execute(update(Subscription).where(Subscription.student_id.in_(ids), Subscription.ends_at.is_(None))
                          .values(ends_at=now))
    if ids:
        await session.execute(insert(Subscription).values([
            {"org_id": org_id, "student_id": sid, "plan_id": plan.id, "starts_at": now,
             "created_by_user_id": actor.user_id} for sid in ids]))
    await audit.record(session, "plan.assigned", org_id=org_id, actor_user_id=actor.user_id, entity="plan",
                       entity_id=plan.id, target=target, students=len(ids))
    await session.commit()
    return Assigned(plan.name, len(ids), target)


async def set_sla(session: AsyncSession, actor: Actor, plan_name: str, seconds: int) -> Plan:
    """An admin sets the working time a plan's written answers are evaluated within (new evaluations on)."""
    me = actor.require(Role.ADMIN)
    plan = await find_plan(session, me.org_id, plan_name)
    before = plan.sla_seconds
    plan.sla_seconds = seconds
    await audit.record(session, "plan.sla_set", org_id=me.org_id, actor_user_id=actor.user_id, entity="plan",
                       entity_id=plan.id, before=before, after=seconds)
    await session.commit()
    return plan


def month_start(now: dt.datetime, timezone: str) -> dt.datetime:
    """The first instant of ``now``'s calendar month in the organization's time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def exams_used(session: AsyncSession, student: Student, since: dt.datetime) -> int:
    return int(await session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.student_id == student.id, Attempt.started_at >= since)) or 0)


async def check_start(session: AsyncSession, student: Student, exam: Exam, now: dt.datetime) -> Plan:
    """The plan under which ``student`` may start ``exam`` now, or Forbidden saying why (with the count used)."""
    plan = await plan_of(session, student)
    if exam.kind not in plan.kinds:
        raise Forbidden(N_("Your plan ({plan}) does not include {kind} exams."), plan=plan.name, kind=exam.kind)
    if exam.written and not plan.written:
        raise Forbidden(N_("Your plan ({plan}) does not include exams with written answers."), plan=plan.name)
    if plan.exams_per_month is not None:
        tz = await session.scalar(select(Organization.timezone).where(Organization.id == student.org_id)) or "UTC"
        used = await exams_used(session, student, month_start(now, tz))
        if used >= plan.exams_per_month:
            raise Forbidden(N_("You have used {used} of the {quota} exams your plan ({plan}) allows this month."),
                            used=used, quota=plan.exams_per_month, plan=plan.name)
    return plan
