"""Redeeming an invite, whatever it is for: staff roles, a class join link (then the USN), a personal
student link, or a parent code. One use case each, committed once; every refusal is a sentence."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.org import Organization
from domain.model.people import Invite, Role, SchoolClass, Student, User
from domain.services import invites, parents, students
from domain.services.invites import AttemptCounter


@dataclass(frozen=True)
class Joined:
    org_id: int
    org_name: str
    role: Role
    already: bool
    detail: str | None = None  # the student's or child's name and USN


@dataclass(frozen=True)
class NeedsUsn:
    """A class link: the student must say which roster row is theirs."""

    invite_id: int
    org_name: str
    class_name: str


@dataclass(frozen=True)
class NeedsConfirmation:
    """The USN is not on the class roster: join as a new student only if the person confirms."""

    invite_id: int
    usn: str
    class_name: str


async def _user(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id)
    assert user is not None
    return user


async def _org_name(session: AsyncSession, org_id: int) -> str:
    return str(await session.scalar(select(Organization.name).where(Organization.id == org_id)))


async def redeem(
    session: AsyncSession, actor: Actor, code: str, *, attempts: AttemptCounter | None = None
) -> Joined | NeedsUsn:
    invite = await invites.find_redeemable(session, actor, code, attempts=attempts)
    user = await _user(session, actor)
    org_name = await _org_name(session, invite.org_id)
    if invite.role in (Role.ADMIN, Role.TEACHER):
        fresh = await invites.grant_membership(session, invite, user)
        if fresh:
            await invites.consume(session, invite, user.id)
        user.current_org_id = invite.org_id
        await session.commit()
        return Joined(invite.org_id, org_name, invite.role, already=not fresh)
    if invite.role is Role.STUDENT and invite.student_id is None:
        class_name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == invite.class_id))
        needs = NeedsUsn(invite.id, org_name, str(class_name))
        await session.commit()  # nothing changed: the link is used only when the USN is confirmed
        return needs
    student = await session.scalar(select(Student).where(Student.id == invite.student_id).with_for_update())
    if student is None:
        raise NotFound(N_("This invite code is not valid. Check it, or ask for a new one."))
    if invite.role is Role.STUDENT:
        joined = await _claim(session, user, student, org_name)
        if not joined.already:
            await invites.consume(session, invite, user.id)
        await session.commit()
        return Joined(student.org_id, org_name, Role.STUDENT, joined.already, f"{student.name} ({student.usn})")
    linked = await parents.link(session, user, student, org_name)
    if not linked.already:
        await invites.consume(session, invite, user.id)
    await session.commit()
    return Joined(student.org_id, org_name, Role.PARENT, linked.already, f"{student.name} ({student.usn})")


async def _claim(session: AsyncSession, user: User, student: Student, org_name: str) -> students.StudentJoined:
    try:
        return await students.claim(session, user, student, org_name)
    except students.UsnTaken as clash:
        await students.tell_teachers_of_clash(session, clash)
        await session.commit()  # the alert is kept; the refusal is raised to the person
        raise


async def join_class(
    session: AsyncSession, actor: Actor, invite_id: int, raw_usn: str, *, confirmed_new: bool = False
) -> Joined | NeedsConfirmation:
    """Second step of a class link: the student's USN picks (or, when confirmed, creates) their roster row."""
    invite = await session.scalar(select(Invite).where(Invite.id == invite_id).with_for_update())
    if invite is None or invite.role is not Role.STUDENT or invite.class_id is None or invite.revoked_at:
        raise NotFound(N_("This class link is no longer valid. Ask your teacher for a new one."))
    if invite.expires_at <= utcnow():
        raise Conflict(N_("This invite has expired. Ask for a new one."))
    usn = raw_usn.strip().upper()
    if not students.USN_RE.match(usn):
        raise Invalid(N_("{usn} does not look like a USN (letters and digits, e.g. 1CR24CS001). Send your USN."),
                      usn=raw_usn.strip()[:40])
    user = await _user(session, actor)
    org_name = await _org_name(session, invite.org_id)
    class_name = str(await session.scalar(select(SchoolClass.name).where(SchoolClass.id == invite.class_id)))
    student = await students.find_student(session, invite.org_id, usn)
    if student is not None and student.class_id not in (None, invite.class_id):
        other = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == student.class_id))
        raise Conflict(N_("USN {usn} is on the roster of {other}, not {klass}. Check your USN, or ask your teacher."),
                       usn=usn, other=other, klass=class_name)
    if student is None:
        if not confirmed_new:
            ask = NeedsConfirmation(invite.id, usn, class_name)
            await session.commit()  # nothing changed yet
            return ask
        name = " ".join(p for p in (user.first_name, user.last_name) if p) or usn
        student = Student(org_id=invite.org_id, usn=usn, name=name[:120], class_id=invite.class_id)
        session.add(student)
        await session.flush()
    elif student.class_id is None:
        student.class_id = invite.class_id
    joined = await _claim(session, user, student, org_name)
    if not joined.already:
        await invites.consume(session, invite, user.id)
    await session.commit()
    return Joined(invite.org_id, org_name, Role.STUDENT, joined.already, f"{student.name} ({student.usn})")
