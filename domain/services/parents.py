"""Parents: linking to a child with a parent code, listing and unlinking children."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, cast, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify, sysconfig
from domain.access import Actor
from domain.errors import N_, Conflict, NotFound
from domain.model.people import Membership, ParentLink, Role, SchoolClass, Student, User


@dataclass(frozen=True)
class ParentLinked:
    org_id: int
    org_name: str
    child_name: str
    child_usn: str
    already: bool


@dataclass(frozen=True)
class Child:
    link_id: int
    student_id: int
    name: str
    usn: str
    class_name: str | None
    joined: bool


async def link(session: AsyncSession, user: User, student: Student, org_name: str) -> ParentLinked:
    """Link ``user`` as a parent of ``student`` (the caller's transaction; the caller commits)."""
    own = await session.scalar(select(Membership.user_id).where(Membership.id == student.membership_id)) \
        if student.membership_id else None
    if own == user.id:
        raise Conflict(N_("This parent code is for a parent of {name}; you cannot link to yourself."),
                       name=student.name)
    membership = (await session.execute(
        insert(Membership).values(org_id=student.org_id, user_id=user.id, role=Role.PARENT)
        .on_conflict_do_nothing(index_elements=["org_id", "user_id", "role"]).returning(Membership.id)
    )).scalar_one_or_none()
    if membership is None:
        membership = await session.scalar(select(Membership.id).where(
            Membership.org_id == student.org_id, Membership.user_id == user.id, Membership.role == Role.PARENT))
    else:
        await audit.record(session, "role.granted", org_id=student.org_id, actor_user_id=user.id,
                           entity="membership", entity_id=membership, role="parent")
    assert membership is not None
    exists = await session.scalar(select(ParentLink.id).where(
        ParentLink.parent_membership_id == membership, ParentLink.student_id == student.id))
    if exists is not None:
        return ParentLinked(student.org_id, org_name, student.name, student.usn, already=True)
    limit = int(await sysconfig.get(session, student.org_id, "parents.max_per_student"))
    count = int(await session.scalar(
        select(func.count()).select_from(ParentLink).where(ParentLink.student_id == student.id)) or 0)
    if count >= limit:
        raise Conflict(N_("{name} already has {count} parents linked, the most allowed. Ask the school for help."),
                       name=student.name, count=count)
    link_id = (await session.execute(
        insert(ParentLink).values(org_id=student.org_id, parent_membership_id=membership, student_id=student.id)
        .returning(ParentLink.id)
    )).scalar_one()
    user.current_org_id = student.org_id
    await audit.record(session, "parent.linked", org_id=student.org_id, actor_user_id=user.id, entity="student",
                       entity_id=student.id, link=link_id)
    if own is not None:
        parent_name = " ".join(p for p in (user.first_name, user.last_name) if p)
        await notify.notify(
            session, org_id=student.org_id, event_key=f"parent-linked:{link_id}", kind="account", recipients=[own],
            message=N_("{parent} is now linked to your account as a parent and will receive your results."),
            params={"parent": parent_name or "A parent"},
        )
    return ParentLinked(student.org_id, org_name, student.name, student.usn, already=False)


async def children(session: AsyncSession, actor: Actor) -> list[Child]:
    me = actor.require(Role.PARENT)
    rows = (await session.execute(
        select(ParentLink.id, Student.id, Student.name, Student.usn, SchoolClass.name, Student.membership_id)
        .join(Student, Student.id == ParentLink.student_id)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .where(ParentLink.parent_membership_id == me.membership_id, ParentLink.org_id == me.org_id)
        .order_by(Student.name)
    )).all()
    return [Child(r[0], r[1], r[2], r[3], r[4], r[5] is not None) for r in rows]


async def unlink(session: AsyncSession, actor: Actor, link_id: int) -> Child:
    """Remove one of the actor's own links (the id from a button is checked, never trusted)."""
    for child in await children(session, actor):
        if child.link_id == link_id:
            await session.execute(delete(ParentLink).where(ParentLink.id == link_id))
            await audit.record(session, "parent.unlinked", org_id=actor.org_id, actor_user_id=actor.user_id,
                               entity="student", entity_id=child.student_id, link=link_id)
            await session.commit()
            return child
    raise NotFound(N_("That child is not linked to you (any more)."))


async def parents_of(session: AsyncSession, org_id: int, student_ids: list[int]) -> dict[int, list[int]]:
    """User ids of each student's parents."""
    rows = (await session.execute(
        select(ParentLink.student_id, Membership.user_id)
        .join(Membership, Membership.id == ParentLink.parent_membership_id)
        .where(ParentLink.org_id == org_id, ParentLink.student_id == func.any(cast(student_ids, ARRAY(BigInteger))))
    )).all()
    out: dict[int, list[int]] = {}
    for student_id, user_id in rows:
        out.setdefault(student_id, []).append(user_id)
    return out


async def unreachable_parents(session: AsyncSession, org_id: int, class_ids: list[int]) -> list[tuple[str, str, str]]:
    """(student USN, student name, parent name) for parents who blocked the bot, for teachers' reports."""
    rows = (await session.execute(
        select(Student.usn, Student.name, User.first_name, User.last_name)
        .join(ParentLink, ParentLink.student_id == Student.id)
        .join(Membership, Membership.id == ParentLink.parent_membership_id)
        .join(User, User.id == Membership.user_id)
        .where(Student.org_id == org_id, Student.class_id.in_(class_ids), User.reachable.is_(False))
        .order_by(Student.usn)
    )).all()
    return [(r[0], r[1], " ".join(p for p in (r[2], r[3]) if p)) for r in rows]
