"""Students: the roster (created or updated from a file) and joining (claiming a roster row).

A roster import is one transaction: students are created or updated, moved between classes, and
each one not yet in Telegram gets a fresh personal link; every student gets a parent code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify, sysconfig
from domain.access import Actor
from domain.errors import N_, Conflict, NotFound
from domain.model.base import utcnow
from domain.model.people import (
    ClassTeacher,
    Enrollment,
    Invite,
    Membership,
    ParentLink,
    Role,
    SchoolClass,
    Student,
    User,
)
from domain.services.invites import code_hash, new_code

USN_RE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{0,31}$")


@dataclass(frozen=True)
class RosterEntry:
    usn: str
    name: str
    class_id: int
    parent_phone: str | None


@dataclass(frozen=True)
class RosterLine:
    usn: str
    name: str
    class_name: str
    status: str  # new / updated / unchanged
    joined: bool
    student_code: str | None
    parent_code: str | None


@dataclass(frozen=True)
class RosterOutcome:
    new: int
    updated: int
    unchanged: int
    lines: list[RosterLine]


async def apply_roster(session: AsyncSession, actor: Actor, entries: Sequence[RosterEntry]) -> RosterOutcome:
    """Create or update the students of a roster and return fresh codes (the caller's transaction)."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    org_id = me.org_id
    ttl = int(await sysconfig.get(session, org_id, "invite.ttl_days"))
    max_parents = int(await sysconfig.get(session, org_id, "parents.max_per_student"))
    expires = utcnow() + dt.timedelta(days=ttl)
    class_names = dict((await session.execute(select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.org_id == org_id))).all())
    usns = [e.usn for e in entries]
    existing = {
        s.usn: s for s in (await session.execute(
            select(Student).where(Student.org_id == org_id, Student.usn.in_(usns)).with_for_update()
        )).scalars()
    }
    parents = dict((await session.execute(
        select(ParentLink.student_id, func.count()).where(ParentLink.org_id == org_id).group_by(ParentLink.student_id)
    )).all())
    new = updated = unchanged = 0
    lines: list[RosterLine] = []
    invites: list[dict[str, object]] = []
    for e in entries:
        student = existing.get(e.usn)
        if student is None:
            student = Student(org_id=org_id, usn=e.usn, name=e.name, class_id=e.class_id, parent_phone=e.parent_phone)
            session.add(student)
            await session.flush()
            status = "new"
            new += 1
        elif (student.name, student.class_id, student.parent_phone) != (e.name, e.class_id, e.parent_phone):
            if student.class_id != e.class_id and student.membership_id is not None:
                await _move_enrollment(session, org_id, student.membership_id, e.class_id)
            student.name, student.class_id, student.parent_phone = e.name, e.class_id, e.parent_phone
            student.updated_at = utcnow()
            status = "updated"
            updated += 1
        else:
            status = "unchanged"
            unchanged += 1
        student_code = parent_code = None
        if student.membership_id is None:
            # a fresh personal link replaces any unused earlier one
            await session.execute(
                update(Invite)
                .where(Invite.student_id == student.id, Invite.role == Role.STUDENT, Invite.uses == 0,
                       Invite.revoked_at.is_(None))
                .values(revoked_at=func.now())
            )
            student_code = new_code()
            invites.append(_invite_row(org_id, Role.STUDENT, student_code, student.id, actor.user_id, expires))
        if parents.get(student.id, 0) < max_parents:
            parent_code = new_code()
            invites.append(_invite_row(org_id, Role.PARENT, parent_code, student.id, actor.user_id, expires))
        lines.append(RosterLine(e.usn, e.name, class_names.get(e.class_id, ""), status,
                                student.membership_id is not None, student_code, parent_code))
    if invites:
        await session.execute(insert(Invite).values(invites))
    await audit.record(session, "roster.imported", org_id=org_id, actor_user_id=actor.user_id, entity="roster",
                       new=new, updated=updated, unchanged=unchanged, codes=len(invites))
    return RosterOutcome(new, updated, unchanged, lines)


def _invite_row(
    org_id: int, role: Role, code: str, student_id: int, by: int, expires: dt.datetime
) -> dict[str, object]:
    return {"org_id": org_id, "role": role, "code_hash": code_hash(code), "student_id": student_id,
            "created_by_user_id": by, "max_uses": 1, "expires_at": expires}


async def _move_enrollment(session: AsyncSession, org_id: int, membership_id: int, class_id: int) -> None:
    await session.execute(delete(Enrollment).where(Enrollment.membership_id == membership_id))
    await session.execute(
        insert(Enrollment)
        .values(org_id=org_id, class_id=class_id, membership_id=membership_id)
        .on_conflict_do_nothing()
    )


# ---- joining -------------------------------------------------------------------------------------


class UsnTaken(Conflict):
    """The roster row is already another Telegram account's; the use case tells the class teachers."""

    def __init__(self, student: Student, class_name: str | None) -> None:
        super().__init__(N_("USN {usn} is already linked to another Telegram account. Your teacher has been told; "
                            "ask them if this is a mistake."), usn=student.usn)
        self.student = student
        self.class_name = class_name


@dataclass(frozen=True)
class StudentJoined:
    org_id: int
    org_name: str
    name: str
    usn: str
    class_name: str | None
    already: bool


async def claim(session: AsyncSession, user: User, student: Student, org_name: str) -> StudentJoined:
    """Make ``user`` the Telegram account of ``student`` (in the caller's transaction; the caller commits).

    Refuses a roster row claimed by another account (the class teachers are told) and a second
    student record for the same account.
    """
    class_name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == student.class_id)) \
        if student.class_id else None
    if student.membership_id is not None:
        owner = await session.scalar(select(Membership.user_id).where(Membership.id == student.membership_id))
        if owner == user.id:
            return StudentJoined(student.org_id, org_name, student.name, student.usn, class_name, already=True)
        raise UsnTaken(student, class_name)
    if await session.scalar(select(func.count()).select_from(ParentLink).join(
            Membership, Membership.id == ParentLink.parent_membership_id).where(
            ParentLink.student_id == student.id, Membership.user_id == user.id)):
        raise Conflict(N_("You are linked to {name} as a parent, so you cannot also be {name}."), name=student.name)
    mine = (await session.execute(
        insert(Membership).values(org_id=student.org_id, user_id=user.id, role=Role.STUDENT)
        .on_conflict_do_nothing(index_elements=["org_id", "user_id", "role"]).returning(Membership.id)
    )).scalar_one_or_none()
    if mine is None:
        mine = await session.scalar(select(Membership.id).where(
            Membership.org_id == student.org_id, Membership.user_id == user.id, Membership.role == Role.STUDENT))
        other = await session.scalar(select(Student.usn).where(Student.membership_id == mine))
        if other is not None:
            raise Conflict(N_("You are already student {usn} here; one Telegram account is one student."), usn=other)
    else:
        await audit.record(session, "role.granted", org_id=student.org_id, actor_user_id=user.id,
                           entity="membership", entity_id=mine, role="student")
    assert mine is not None
    student.membership_id = mine
    if student.class_id is not None:
        await _move_enrollment(session, student.org_id, mine, student.class_id)
    user.current_org_id = student.org_id
    await audit.record(session, "student.joined", org_id=student.org_id, actor_user_id=user.id, entity="student",
                       entity_id=student.id, usn=student.usn)
    return StudentJoined(student.org_id, org_name, student.name, student.usn, class_name, already=False)


async def tell_teachers_of_clash(session: AsyncSession, clash: UsnTaken) -> None:
    """Tell the class's teachers (or the admins) that someone tried to take a claimed USN."""
    student, class_name = clash.student, clash.class_name
    teachers = (await session.execute(
        select(Membership.user_id).join(ClassTeacher, ClassTeacher.membership_id == Membership.id)
        .where(ClassTeacher.class_id == student.class_id)
    )).scalars().all()
    if not teachers:
        teachers = (await session.execute(select(Membership.user_id).where(
            Membership.org_id == student.org_id, Membership.role == Role.ADMIN))).scalars().all()
    await notify.notify(
        session, org_id=student.org_id, event_key=f"usn-clash:{student.id}:{utcnow():%Y%m%d%H}",
        kind="alert", recipients=teachers,
        message=N_("Someone tried to join {klass} as {usn} ({name}), but that USN is already linked to another "
                   "Telegram account. If the student changed phones, remove the old link and send a new invite."),
        params={"klass": class_name or "—", "usn": student.usn, "name": student.name},
    )


async def find_student(session: AsyncSession, org_id: int, usn: str) -> Student | None:
    return await session.scalar(
        select(Student).where(Student.org_id == org_id, Student.usn == usn.strip().upper()).with_for_update()
    )


async def class_students(session: AsyncSession, actor: Actor, class_id: int) -> list[Student]:
    actor.require(Role.TEACHER, Role.ADMIN)
    return list((await session.execute(
        select(Student).where(Student.org_id == actor.org_id, Student.class_id == class_id).order_by(Student.usn)
    )).scalars())


async def require_student(session: AsyncSession, org_id: int, student_id: int) -> Student:
    student = await session.scalar(select(Student).where(Student.org_id == org_id, Student.id == student_id))
    if student is None:
        raise NotFound(N_("That student is not in your school."))
    return student
