"""The authorization matrix: every command and every callback, for every kind of person, through the
sandbox. Only the allowed succeed; everyone else gets a sentence. Forged callback data is refused."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.keyboards import (
    AttainmentCB,
    EvalCB,
    ExamCB,
    ExamStartCB,
    ExamTeacherCB,
    InviteCB,
    JoinConfirmCB,
    LanguageCB,
    LeaderboardCB,
    PagesCB,
    PracticeCB,
    PrefKindCB,
    PrefQuietCB,
    ProgressCB,
    PublishCB,
    ReassignCB,
    ResultsCB,
    SurveyCB,
    SurveyOpenCB,
    SwitchCB,
    UnlinkCB,
    UploadAnswerCB,
    WizardCB,
)
from domain.model import Assessment, ParentLink, Role, SchoolClass, Student, Upload
from domain.model.base import utcnow
from domain.model.exams import Question
from domain.services import attempts, classes, courses, exams, invites, joining, orgs, parents, students, users
from domain.services.users import TelegramProfile
from edubot.stack import Deployment
from sandbox.client import SandboxUser

pytestmark = pytest.mark.e2e

REFUSED = re.compile(r"Only .+ can do this|no exam in progress with written answers|Join your school first|"
                     r"You are not allowed|not one of yours|"
                     r"not a member of that organization|not linked to you|no longer open|has expired|"
                     r"not a kind of message|Unknown language|no longer offered|not one you sent")

PERSONAS = ["admin", "teacher", "student", "parent", "unlinked_parent", "other_org_teacher", "stranger"]
EVERYONE = set(PERSONAS)
COMMANDS: dict[str, set[str]] = {
    "/start": EVERYONE,
    "/help": EVERYONE,
    "/whoami": EVERYONE,
    "/language": EVERYONE,
    "/cancel": EVERYONE,
    "/switch": EVERYONE,
    "/invite": {"admin", "teacher", "other_org_teacher"},
    "/newclass": {"teacher", "other_org_teacher"},
    "/newcourse": {"teacher", "other_org_teacher"},
    "/courses": {"teacher", "other_org_teacher"},
    "/children": {"parent", "unlinked_parent"},
    "/notifications": {"student", "parent", "unlinked_parent"},
    "[roster file]": {"admin", "teacher", "other_org_teacher"},
    "/attainment": {"teacher", "other_org_teacher"},
    "/survey": {"teacher", "student", "other_org_teacher"},
    "/progress": {"student", "parent", "unlinked_parent"},
    "/newexam": {"teacher", "other_org_teacher"},
    "/exams": {"teacher", "student", "other_org_teacher"},
    "/results": {"student", "parent", "unlinked_parent"},
    "/leaderboard": {"teacher", "student", "other_org_teacher"},
    "/practice": {"student"},
    "/plans": {"admin"},
    "/evaluate": {"teacher", "other_org_teacher"},
    "/sla": {"admin", "teacher", "other_org_teacher"},
    "/calendar": {"admin", "teacher", "other_org_teacher"},
}


@dataclass
class World:
    people: dict[str, SandboxUser]
    org_a: int
    org_b: int
    class_a: int
    link_id: int
    upload_of_teacher: int
    course_a: int
    assessment_a: int
    kid_one: int
    exam_a: int
    attempt_a: int


async def _as_user(dep: Deployment, sb_user: SandboxUser):  # type: ignore[no-untyped-def]
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        u = await users.ensure_user(s, TelegramProfile(sb_user.id, sb_user.first_name))
        await s.commit()
        return await users.load_actor(s, u)


@pytest.fixture(scope="module")
async def world(deployment: Deployment) -> World:
    dep = deployment
    assert dep.sessionmaker is not None
    people = {name: dep.person(name.replace("_", " ").title().replace(" ", "")) for name in PERSONAS}
    async with dep.sessionmaker() as s:
        a = await orgs.create_organization(s, "Matrix A", timezone="Asia/Kolkata")
        b = await orgs.create_organization(s, "Matrix B", timezone="Asia/Kolkata")
        codes = {
            "admin": await invites.create_invite(s, org_id=a.id, role=Role.ADMIN, created_by_user_id=None),
            "teacher": await invites.create_invite(s, org_id=a.id, role=Role.TEACHER, created_by_user_id=None),
            "other_org_teacher": await invites.create_invite(s, org_id=b.id, role=Role.TEACHER,
                                                             created_by_user_id=None),
        }
        await s.commit()
        for who, code in codes.items():
            await joining.redeem(s, await _as_user(dep, people[who]), code)
        teacher = await users.load_actor(s, await users.ensure_user(s, TelegramProfile(people["teacher"].id, "T")))
        cls = await classes.create_class(s, teacher, "A-1")
        out = await students.apply_roster(s, teacher, [students.RosterEntry("1CR24CS001", "Kid One", cls.id, None),
                                                       students.RosterEntry("1CR24CS002", "Kid Two", cls.id, None)])
        await s.commit()
        line1, line2 = out.lines
        assert line1.student_code and line1.parent_code and line2.parent_code
        await joining.redeem(s, await _as_user(dep, people["student"]), line1.student_code)
        await joining.redeem(s, await _as_user(dep, people["parent"]), line1.parent_code)
        unlinked = await _as_user(dep, people["unlinked_parent"])
        await joining.redeem(s, unlinked, line2.parent_code)
        unlinked = await users.load_actor(s, await users.ensure_user(s, TelegramProfile(unlinked.telegram_id, "U")))
        kids = await parents.children(s, unlinked)
        await parents.unlink(s, unlinked, kids[0].link_id)
        link_id = await s.scalar(select(ParentLink.id))
        upload = Upload(org_id=a.id, membership_id=teacher.require(Role.TEACHER).membership_id, file_id="x",
                        file_name="r.csv", chat_id=people["teacher"].id, status="needs_input")
        s.add(upload)
        course = await courses.create_course(s, teacher, code="CS1", name="Matrices", class_name="A-1",
                                             program="CSE")
        assessment = Assessment(org_id=a.id, course_id=course.id, name="IA 1", component="CIE")
        s.add(assessment)
        await s.commit()
        kid_one = await s.scalar(select(Student.id).where(Student.usn == "1CR24CS001"))
        assert link_id is not None and kid_one is not None
        s.add(Question(org_id=a.id, course_id=course.id, ref="Q1", version=1, kind="MCQ", stem="2 + 2?",
                       options=["3", "4"], correct=[1], marks=Decimal(1)))
        await s.commit()
        made = await exams.create_exam(s, teacher, exams.ExamSpec(
            course="CS1", title="Matrix test", kind="fixed", questions="all", minutes=30, opens_at=utcnow(),
            closes_at=utcnow() + dt.timedelta(days=1)))
        started = await attempts.start(s, await _as_user(dep, people["student"]), made.exam_id)
        return World(people, a.id, b.id, cls.id, link_id, upload.id, course.id, assessment.id, kid_one,
                     made.exam_id, started.attempt_id)


async def _reply(user: SandboxUser, command: str) -> str:
    if command == "[roster file]":
        await user.send_document(b"USN,NAME,CLASS\n1CR24CS050,New Kid,A-1\n", filename="matrix.csv")
    else:
        await user.send(command)
    msg = await user.wait_for(None, timeout=15)
    text = msg.content or ""
    if text.startswith("Received matrix.csv"):  # allowed: wait for the worker's answer before going on
        await user.wait_for(r"Roster matrix\.csv applied|matrix\.csv was not applied|no classes yet", timeout=30)
    await user.send("/cancel")  # leave any conversation the command started
    await user.wait_for(r"(?i)cancel", timeout=15)
    return text


async def test_every_command_for_every_person(world: World) -> None:
    wrong: list[str] = []
    for persona in PERSONAS:
        user = world.people[persona]
        for command, allowed in COMMANDS.items():
            text = await _reply(user, command)
            refused = bool(REFUSED.search(text))
            if refused == (persona in allowed):
                wrong.append(f"{persona} {command}: {'refused' if refused else 'allowed'}: {text[:80]!r}")
    assert wrong == []


async def _press(user: SandboxUser, data: str) -> str:
    await user.send("/whoami")  # a fresh bot message to attach the forged button press to
    await user.wait_for(None, timeout=15)
    pressed = await user.press_forged(data)
    answer = await pressed.answer(15)
    return answer.text or ""


async def test_forged_callbacks_are_refused(world: World) -> None:
    p = world.people
    other_class = InviteCB(what="students", class_id=world.class_a).pack()
    cases = [
        (p["other_org_teacher"], other_class, "not one of yours"),
        (p["teacher"], InviteCB(what="teacher").pack(), "Only admins can do this"),
        (p["parent"], InviteCB(what="parents", class_id=world.class_a).pack(), "Only teachers and admins"),
        (p["other_org_teacher"], SwitchCB(org_id=world.org_a).pack(), "not a member of that organization"),
        (p["unlinked_parent"], UnlinkCB(link_id=world.link_id).pack(), "not linked to you"),
        (p["stranger"], UnlinkCB(link_id=world.link_id, confirm=True).pack(), "Join your school first"),
        (p["other_org_teacher"], UploadAnswerCB(upload_id=world.upload_of_teacher, key="class", index=0).pack(),
         "not one you sent"),
        (p["teacher"], PrefKindCB(kind="result").pack(), "Only students and parents"),
        (p["parent"], PrefKindCB(kind="account").pack(), "not a kind of message"),
        (p["parent"], PrefQuietCB(preset="03-04").pack(), "no longer offered"),
        (p["teacher"], WizardCB(field="class", index=0).pack(), "no longer open"),
        (p["stranger"], JoinConfirmCB(invite_id=1, yes=True).pack(), "has expired"),
        (p["student"], LanguageCB(code="xx").pack(), "Unknown language"),
        (p["student"], "garbage-that-no-handler-knows", "no longer active"),
        (p["other_org_teacher"], PublishCB(assessment_id=world.assessment_a).pack(), "not one of yours"),
        (p["student"], PublishCB(assessment_id=world.assessment_a).pack(), "Only teachers and admins"),
        (p["other_org_teacher"], AttainmentCB(course_id=world.course_a).pack(), "not one of yours"),
        (p["other_org_teacher"], SurveyOpenCB(course_id=world.course_a).pack(), "not one of yours"),
        (p["unlinked_parent"], ProgressCB(student_id=world.kid_one).pack(), "not you or one of your children"),
        (p["parent"], SurveyCB(survey_id=1, co=1, rating=3).pack(), "Only students"),
        (p["student"], SurveyCB(survey_id=10**9, co=1, rating=3).pack(), "not for you"),
        (p["student"], SurveyCB(survey_id=1, co=1, rating=7).pack(), "A rating is 1, 2 or 3"),
        (p["parent"], ExamStartCB(exam_id=world.exam_a).pack(), "Only students"),
        (p["stranger"], ExamStartCB(exam_id=world.exam_a).pack(), "Join your school first"),
        (p["other_org_teacher"], ExamTeacherCB(exam_id=world.exam_a, what="ia").pack(), "not one of yours"),
        (p["student"], ExamTeacherCB(exam_id=world.exam_a, what="sum").pack(), "Only teachers and admins"),
        (p["teacher"], ExamCB(a=world.attempt_a, op="o", p=0, x=1).pack(), "Only students"),
        (p["student"], ExamCB(a=10**9, op="o", p=0, x=1).pack(), "not yours"),
        (p["student"], ExamCB(a=world.attempt_a, op="o", p=7, x=1).pack(), "not yours"),
        (p["student"], ExamCB(a=world.attempt_a, op="o", p=0, x=5).pack(), "not yours"),
        (p["student"], ExamCB(a=world.attempt_a, op="?", p=0, x=0).pack(), "not yours"),
        (p["unlinked_parent"], ResultsCB(student_id=world.kid_one).pack(), "not you or one of your children"),
        (p["other_org_teacher"], LeaderboardCB(what="class", id=world.class_a).pack(), "not one of yours"),
        (p["other_org_teacher"], LeaderboardCB(what="exam", id=world.exam_a).pack(), "not one of yours"),
        (p["student"], PracticeCB(course_id=10**9).pack(), "not one of yours"),
        (p["student"], EvalCB(e=1, op="m", p=0, x=1).pack(), "Only teachers and admins"),
        (p["other_org_teacher"], EvalCB(e=10**9, op="f").pack(), "not one of yours"),
        (p["teacher"], ReassignCB(e=1).pack(), "Only admins"),
        (p["admin"], ReassignCB(e=10**9, m=1).pack(), "not one of yours"),
        (p["teacher"], PagesCB(a=world.attempt_a, op="l").pack(), "Only students"),
        (p["student"], PagesCB(a=10**9, op="r", n=1).pack(), "no exam in progress with written answers"),
    ]
    wrong = []
    for user, data, needle in cases:
        text = await _press(user, data)
        if needle not in text:
            wrong.append(f"{user.first_name} {data}: {text!r}")
    assert wrong == [], "\n".join(wrong)


async def test_allowed_callbacks_still_work(world: World, deployment: Deployment) -> None:
    parent = world.people["parent"]
    await parent.send("/children")
    view = await parent.wait_for("Your children")
    await parent.press("Unlink Kid One", message=view)
    confirm = await parent.wait_for_edit(view, "Unlink Kid One\\?")
    await parent.press("Yes, unlink Kid One", message=confirm)
    await parent.wait_for_edit(view, "Kid One is unlinked")
    assert deployment.sessionmaker is not None
    async with deployment.sessionmaker() as s:
        left = await s.scalar(select(ParentLink.id).where(ParentLink.id == world.link_id))
        kid = await s.scalar(select(Student.name).join(SchoolClass, SchoolClass.id == Student.class_id).limit(1))
    assert left is None and kid is not None
