"""People services over the real database: classes, courses, rosters, joining, parents, notifications,
and the rule that nothing crosses organizations."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import notify
from domain.access import Actor
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.model import Invite, Notification, ParentLink, Role, Student
from domain.model.messaging import NotificationPrefs
from domain.services import classes, courses, invites, inviting, joining, orgs, parents, students, users
from domain.services.users import TelegramProfile


async def person(session: AsyncSession, tid: int, name: str = "P") -> Actor:
    user = await users.ensure_user(session, TelegramProfile(tid, name))
    return await users.load_actor(session, user)


async def refreshed(session: AsyncSession, actor: Actor) -> Actor:
    user = await session.get(users.User, actor.user_id)
    assert user is not None
    await session.refresh(user)
    return await users.load_actor(session, user)


async def school(session: AsyncSession, name: str = "Green Valley") -> tuple[int, Actor, Actor]:
    """An organization with an admin and a teacher."""
    org = await orgs.create_organization(session, name, timezone="Asia/Kolkata")
    admin = await person(session, 100 + org.id * 1000, "Anita")
    code = await invites.create_invite(session, org_id=org.id, role=Role.ADMIN, created_by_user_id=None)
    await joining.redeem(session, admin, code)
    admin = await refreshed(session, admin)
    made = await inviting.staff_invite(session, admin, Role.TEACHER)
    teacher = await person(session, 200 + org.id * 1000, "Ravi")
    await joining.redeem(session, teacher, made.code)
    return org.id, await refreshed(session, admin), await refreshed(session, teacher)


async def roster(session: AsyncSession, teacher: Actor, class_id: int, n: int) -> students.RosterOutcome:
    entries = [students.RosterEntry(f"1CR24CS{i:03d}", f"Student {i}", class_id, None) for i in range(1, n + 1)]
    return await students.apply_roster(session, teacher, entries)


async def test_classes_and_courses(session: AsyncSession) -> None:
    _org_id, admin, teacher = await school(session)
    cls = await classes.create_class(session, teacher, "  CSE   A ")
    assert cls.name == "CSE A"
    with pytest.raises(Conflict):
        await classes.create_class(session, teacher, "cse a")
    with pytest.raises(Invalid):
        await classes.create_class(session, teacher, "<b>")
    course = await courses.create_course(session, teacher, code="cs101", name="Databases", class_name="cse a",
                                         program="cse")
    assert (course.code, course.class_name, course.program) == ("CS101", "CSE A", "CSE")
    assert [c.code for c in await courses.my_courses(session, teacher)] == ["CS101"]
    with pytest.raises(NotFound) as info:
        await courses.create_course(session, teacher, code="CS102", name="X", class_name="CSE-Z", program=None)
    assert str(info.value) == "There is no class CSE-Z. Classes: CSE A."
    with pytest.raises(Forbidden):
        await courses.create_course(session, admin, code="CS103", name="X", class_name=None, program=None)


async def test_roster_creates_updates_and_issues_codes(session: AsyncSession) -> None:
    _, _, teacher = await school(session)
    a = await classes.create_class(session, teacher, "CSE-A")
    b = await classes.create_class(session, teacher, "CSE-B")
    first = await roster(session, teacher, a.id, 3)
    assert (first.new, first.updated, first.unchanged) == (3, 0, 0)
    assert all(ln.student_code and ln.parent_code for ln in first.lines)
    entries = [
        students.RosterEntry("1CR24CS001", "Student One Renamed", a.id, "+919845000001"),
        students.RosterEntry("1CR24CS002", "Student 2", b.id, None),  # moved
        students.RosterEntry("1CR24CS003", "Student 3", a.id, None),
    ]
    again = await students.apply_roster(session, teacher, entries)
    assert (again.new, again.updated, again.unchanged) == (0, 2, 1)
    # the first personal links were replaced: only the newest per student still works
    live = await session.scalar(select(func.count()).select_from(Invite).where(
        Invite.role == Role.STUDENT, Invite.revoked_at.is_(None)))
    assert live == 3
    old = first.lines[0].student_code
    assert old is not None
    kid = await person(session, 9001)
    with pytest.raises(NotFound):
        await joining.redeem(session, kid, old)


async def test_joining_by_class_link_and_usn_rules(session: AsyncSession) -> None:
    _org_id, _, teacher = await school(session)
    a = await classes.create_class(session, teacher, "CSE-A")
    b = await classes.create_class(session, teacher, "CSE-B")
    await roster(session, teacher, a.id, 2)
    await students.apply_roster(session, teacher, [students.RosterEntry("1CR24CS900", "Other", b.id, None)])
    link = await inviting.class_link(session, teacher, a.id)
    asha = await person(session, 9101, "Asha")
    first = await joining.redeem(session, asha, link.code)
    assert isinstance(first, joining.NeedsUsn) and first.class_name == "CSE-A"
    with pytest.raises(Invalid):
        await joining.join_class(session, asha, first.invite_id, "not a usn!")
    with pytest.raises(Conflict) as info:
        await joining.join_class(session, asha, first.invite_id, "1cr24cs900")
    assert "on the roster of CSE-B, not CSE-A" in str(info.value)
    joined = await joining.join_class(session, asha, first.invite_id, " 1cr24cs001 ")
    assert isinstance(joined, joining.Joined) and joined.role is Role.STUDENT
    assert joined.detail == "Student 1 (1CR24CS001)"

    thief = await person(session, 9102, "Thief")
    again = await joining.redeem(session, thief, link.code)  # a class link is not used up
    assert isinstance(again, joining.NeedsUsn)
    with pytest.raises(Conflict) as info:
        await joining.join_class(session, thief, again.invite_id, "1CR24CS001")
    assert "already linked to another Telegram account" in str(info.value)
    alert = (await session.execute(select(Notification.kind, Notification.recipient_user_id).where(
        Notification.event_key.like("usn-clash:%")))).all()
    assert alert == [("alert", teacher.user_id)]  # the teacher is told

    newbie = await joining.join_class(session, thief, again.invite_id, "1CR24CS777")
    assert isinstance(newbie, joining.NeedsConfirmation)
    created = await joining.join_class(session, thief, again.invite_id, "1CR24CS777", confirmed_new=True)
    assert isinstance(created, joining.Joined)
    assert await session.scalar(select(Student.class_id).where(Student.usn == "1CR24CS777")) == a.id
    with pytest.raises(Conflict) as info:  # one account is one student
        await joining.join_class(session, thief, again.invite_id, "1CR24CS002")
    assert "You are already student 1CR24CS777" in str(info.value)


async def test_parents_link_limit_self_and_unlink(session: AsyncSession) -> None:
    _org_id, _, teacher = await school(session)
    a = await classes.create_class(session, teacher, "CSE-A")
    out = await roster(session, teacher, a.id, 1)
    student_code = out.lines[0].student_code
    assert student_code
    kid = await person(session, 9201, "Kid")
    await joining.redeem(session, kid, student_code)
    _, codes = await inviting.parent_codes(session, teacher, a.id)
    with pytest.raises(Conflict) as info:  # the student cannot be their own parent
        await joining.redeem(session, kid, codes[0].code)
    assert "you cannot link to yourself" in str(info.value)

    codes_needed = [out.lines[0].parent_code, codes[0].code]
    for _ in range(3):
        codes_needed.append((await inviting.parent_codes(session, teacher, a.id))[1][0].code)
    linked = []
    for i, code in enumerate(codes_needed[:4]):
        mum = await person(session, 9300 + i, f"Parent{i}")
        assert code is not None
        res = await joining.redeem(session, mum, code)
        assert isinstance(res, joining.Joined) and res.role is Role.PARENT and not res.already
        linked.append(mum)
    fifth = await person(session, 9399, "Fifth")
    assert codes_needed[4] is not None
    with pytest.raises(Conflict) as info:
        await joining.redeem(session, fifth, codes_needed[4])
    assert "4 parents linked, the most allowed" in str(info.value)
    told = await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_user_id == kid.user_id, Notification.kind == "account"))
    assert told == 4  # the student hears of each parent

    mum = await refreshed(session, linked[0])
    kids = await parents.children(session, mum)
    assert [k.name for k in kids] == ["Student 1"]
    other = await refreshed(session, linked[1])
    with pytest.raises(NotFound):  # another parent's link id is refused
        await parents.unlink(session, other, kids[0].link_id)
    await parents.unlink(session, mum, kids[0].link_id)
    assert await parents.children(session, mum) == []


async def test_database_refuses_a_self_link_whatever_comes_first(session: AsyncSession) -> None:
    org_id, _, teacher = await school(session)
    a = await classes.create_class(session, teacher, "CSE-A")
    out = await roster(session, teacher, a.id, 1)
    someone = await person(session, 9401, "Same")
    code = out.lines[0].parent_code
    assert code is not None
    await joining.redeem(session, someone, code)  # linked as parent first…
    student_code = out.lines[0].student_code
    assert student_code is not None
    with pytest.raises(Conflict):  # …then claiming the student row is refused by the service
        await joining.redeem(session, someone, student_code)
    sid = await session.scalar(select(Student.id).where(Student.usn == "1CR24CS001"))
    member = await session.scalar(text(
        "SELECT id FROM memberships WHERE user_id = :u AND role = 'parent'"), {"u": someone.user_id})
    await session.execute(
        text("INSERT INTO memberships (org_id, user_id, role) VALUES (:o, :u, 'student')"),
        {"o": org_id, "u": someone.user_id},
    )
    smember = await session.scalar(text(
        "SELECT id FROM memberships WHERE user_id = :u AND role = 'student'"), {"u": someone.user_id})
    assert member and smember
    with pytest.raises(DBAPIError) as info:  # …and by the database itself
        async with session.begin_nested():
            await session.execute(text("UPDATE students SET membership_id = :m WHERE id = :s"),
                                  {"m": smember, "s": sid})
    assert "cannot be linked as their own parent" in str(info.value)


async def test_nothing_crosses_organizations(session: AsyncSession) -> None:
    _, _, teacher_a = await school(session, "School A")
    _, admin_b, teacher_b = await school(session, "School B")
    cls_a = await classes.create_class(session, teacher_a, "A-1")
    await roster(session, teacher_a, cls_a.id, 1)
    with pytest.raises(NotFound):
        await inviting.class_link(session, teacher_b, cls_a.id)
    with pytest.raises(NotFound):
        await inviting.parent_codes(session, admin_b, cls_a.id)  # an admin of B is nobody in A
    with pytest.raises(NotFound):
        await classes.find_class(session, admin_b.org_id or 0, "A-1")
    sid = await session.scalar(select(Student.id).where(Student.usn == "1CR24CS001"))
    b_parent = await session.scalar(text(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (:o, :u, 'parent') RETURNING id"),
        {"o": admin_b.org_id, "u": admin_b.user_id})
    with pytest.raises(DBAPIError):  # the composite keys refuse a link across organizations
        async with session.begin_nested():
            await session.execute(insert_link(), {"o": admin_b.org_id, "p": b_parent, "s": sid})


def insert_link():  # type: ignore[no-untyped-def]
    return text("INSERT INTO parent_links (org_id, parent_membership_id, student_id) VALUES (:o, :p, :s)")


async def test_notify_once_per_person_muted_and_quiet(session: AsyncSession) -> None:
    org_id, _admin, _teacher = await school(session)
    people = [await person(session, 9500 + i, f"N{i}") for i in range(3)]
    ids = [p.user_id for p in people]
    session.add(NotificationPrefs(user_id=ids[1], muted_kinds=["result"]))
    session.add(NotificationPrefs(user_id=ids[2], quiet_start=dt.time(21), quiet_end=dt.time(7)))
    await session.flush()
    at_night = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)  # 22:30 in Kolkata
    out = await notify.notify(session, org_id=org_id, event_key="exam:1", kind="result", recipients=ids + ids,
                              message="Result: {score}", params={"score": 7}, now=at_night)
    assert (out.recorded, out.muted, out.deferred) == (3, 1, 1)
    again = await notify.notify(session, org_id=org_id, event_key="exam:1", kind="result", recipients=ids,
                                message="Result: {score}", params={"score": 7}, now=at_night)
    assert again.recorded == 0  # never twice for one event and person
    rows = dict((await session.execute(select(Notification.recipient_user_id, Notification.not_before).where(
        Notification.event_key == "exam:1"))).all())
    assert rows[ids[2]] == dt.datetime(2026, 11, 22, 1, 30, tzinfo=dt.UTC)  # 07:00 in Kolkata
    jobs = await session.scalar(text("SELECT count(*) FROM outbox WHERE actor = 'deliver_notifications'"))
    assert jobs == 1
    account = await notify.notify(session, org_id=org_id, event_key="acct:1", kind="account", recipients=[ids[1]],
                                  message="x", now=at_night)
    assert account.muted == 0
    assert await session.scalar(select(func.count()).select_from(ParentLink)) == 0
