"""Written answers through the sandbox: a written exam → the student sends, reviews and replaces pages →
the evaluation is assigned with its deadline in working hours → the teacher marks it in chat → the final
result reaches the student and the parent once. Then, with the plan's SLA at a few working seconds on a
24/7 calendar, the reminders and the breach arrive on time and once, and the admin reassigns."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select, text

from domain import sla
from domain.model import Attempt, Notification, Role
from domain.model.evaluation import AnswerPage, Evaluation
from domain.services import classes, courses, evaluations, exams, invites, joining, orgs, students, users
from domain.services.users import TelegramProfile
from edubot.stack import Deployment
from sandbox.client import MessageView, SandboxUser

pytestmark = pytest.mark.e2e

BANK = "\n".join([
    "ID,TYPE,QUESTION,A,B,C,D,ANSWER,MARKS,TOPIC",
    "B1,MCQ,Which gas do plants take in?,Oxygen,Carbon dioxide,Nitrogen,,B,1,Plants",
    "B2,SA,Explain photosynthesis.,,,,,Light energy makes sugar from CO2 and water.,3,Plants",
]) + "\n"


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, 255 - shade)).save(out, "JPEG")
    return out.getvalue()


async def school(dep: Deployment, admin: SandboxUser, teachers: list[SandboxUser], kids: list[SandboxUser],
                 parent: SandboxUser) -> int:
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Written College", timezone="Asia/Kolkata")
        await s.commit()
        for person, role in [(admin, Role.ADMIN), *((t, Role.TEACHER) for t in teachers)]:
            code = await invites.create_invite(s, org_id=org.id, role=role, created_by_user_id=None)
            u = await users.ensure_user(s, TelegramProfile(person.id, person.first_name))
            await s.commit()
            await joining.redeem(s, await users.load_actor(s, u), code)
        actor = await users.load_actor(s, await users.ensure_user(s, TelegramProfile(teachers[0].id, "Meera")))
        cls = await classes.create_class(s, actor, "BIO-A")
        await courses.create_course(s, actor, code="BI101", name="Biology", class_name="BIO-A", program=None)
        out = await students.apply_roster(s, actor, [students.RosterEntry(f"1CR24BI{i:03d}", f"Student {i}", cls.id,
                                                                          None) for i in range(len(kids))])
        await s.commit()
        for person, line in zip(kids, out.lines, strict=True):
            u = await users.ensure_user(s, TelegramProfile(person.id, person.first_name))
            await s.commit()
            assert line.student_code is not None
            await joining.redeem(s, await users.load_actor(s, u), line.student_code)
        u = await users.ensure_user(s, TelegramProfile(parent.id, parent.first_name))
        await s.commit()
        assert out.lines[0].parent_code is not None
        await joining.redeem(s, await users.load_actor(s, u), out.lines[0].parent_code)
        return org.id


async def take(kid: SandboxUser, pages: list[bytes], title: str) -> MessageView:
    """Start the exam, answer the MCQ, send the pages, submit; the exam message."""
    start = await kid.wait_for(f"A new exam is open: {title}", timeout=60)
    await kid.press("▶ Start", message=start)
    msg = await kid.wait_for(r"question \d of 2", timeout=40)
    if "Which gas" in (msg.text or ""):
        letter = next(ln.split(")")[0] for ln in (msg.text or "").splitlines() if ln.endswith("Carbon dioxide"))
        await kid.press(letter, message=msg)
        msg = await kid.wait_for_edit(msg, "Explain photosynthesis", timeout=30)
    for n, page in enumerate(pages, start=1):
        await kid.send_photo(page)
        await kid.wait_for(rf"Page {n} received \({n} in all\)", timeout=30)
    return msg


async def test_written_exam_marked_in_chat_and_the_sla_kept(own_deployment: Deployment) -> None:
    dep = own_deployment
    assert dep.sessionmaker is not None
    admin, meera, ravi = dep.person("Anita"), dep.person("Meera"), dep.person("Ravi")
    kids, mum = [dep.person("Asha"), dep.person("Bala")], dep.person("Mum")
    org_id = await school(dep, admin, [meera, ravi], kids, mum)
    for person in [admin, meera, ravi, *kids, mum]:
        await person.send("/start")
        await person.wait_for("Hello", timeout=30)
    await meera.send_document(BANK.encode(), filename="bank.csv", caption="course=BI101")
    await meera.wait_for(r"Question bank of BI101: 2 new questions", timeout=40)
    await meera.send('/newexam course=BI101 title="Essay 1" kind=fixed questions=all duration=30 opens=now '
                     'closes=+1d written=yes review=now shuffle=no')
    await meera.wait_for(r"Exam Essay 1 \(BI101\) is created: 2 questions", timeout=40)

    # Asha: two pages, the second replaced after a look at the list, then submit
    asha = kids[0]
    msg = await take(asha, [jpeg(10), jpeg(20)], "Essay 1")
    await asha.press("📄 Pages", message=msg)
    listing = await asha.wait_for("Your pages", timeout=20)
    await asha.press("Replace 2", message=listing)
    await asha.wait_for("Send the new photo or PDF for page 2", timeout=20)
    await asha.send_photo(jpeg(200))
    await asha.wait_for("Page 2 replaced", timeout=20)
    await asha.press("Submit", message=msg)
    confirm = await asha.wait_for_edit(msg, "submit now", timeout=20)
    assert "You have sent 2 pages of written answers" in (confirm.text or "")
    await asha.press("Yes, submit", message=confirm)
    told = await asha.wait_for(r"with your teacher, to be evaluated by", timeout=60)

    # the deadline: submission + Premium's 48 working hours in the school's calendar, as the teacher is told
    async with dep.sessionmaker() as s:
        attempt = await s.scalar(select(Attempt).join(Evaluation, Evaluation.attempt_id == Attempt.id))
        assert attempt is not None and attempt.submitted_at is not None
        evaluation = await s.scalar(select(Evaluation).where(Evaluation.attempt_id == attempt.id))
        assert evaluation is not None
        cal = await evaluations.calendar_of(s, org_id)
        stored = (await s.execute(select(AnswerPage.page, AnswerPage.status, AnswerPage.telegram_file_unique_id)
                                  .where(AnswerPage.attempt_id == attempt.id).order_by(AnswerPage.page))).all()
    expected = sla.add_working(cal, attempt.submitted_at, dt.timedelta(hours=48))
    assert evaluation.deadline_at == expected
    shown = exams.local(expected, "Asia/Kolkata")
    assert shown in (told.text or "")
    assert [p for p, _s, _u in stored] == [1, 2]
    assigned = await meera.wait_for(rf"New answer sheets to evaluate: Essay 1 \(BI101\), Student 0.*Due {shown}",
                                    timeout=40)
    assert "48 h of working time" in (assigned.text or "")

    # Meera marks it in chat: pages first, then the question with mark buttons in halves up to 3
    await meera.send("/evaluate")
    await meera.wait_for(r"2 pages, in the order sent", timeout=30)
    album = [await meera.wait_for(predicate=lambda v: v.photo is not None, timeout=30) for _ in range(2)]
    assert [m.caption for m in album] == ["1", "2"]
    by_page = {p: u for p, _s, u in stored}
    assert [m.photo[-1]["file_unique_id"] for m in album if m.photo] == [by_page[1], by_page[2]]
    question = await meera.wait_for(r"Question 2 \(SA, 3 marks\)", timeout=30)
    assert "Light energy makes sugar" in (question.text or "")
    labels = [label for row in question.buttons for label, _ in row]
    assert labels[:7] == ["0", "0.5", "1", "1.5", "2", "2.5", "3"] and "3.5" not in labels
    await meera.press("2.5", message=question)
    summary = await meera.wait_for_edit(question, r"Written 2\.5 of 3 \+ objective 1 of 1 = 3\.5 of 4", timeout=30)
    await meera.press("✅ Finish and tell them", message=summary)
    await meera.wait_for_edit(summary, r"Evaluated: Essay 1 \(BI101\) — Student 0: 3\.5 of 4", timeout=30)
    await asha.wait_for(r"Essay 1.*final result: 3\.5/4 \(87\.5%\): objective 1/1, written 2\.5/3", timeout=40)
    await mum.wait_for(r"Student 0 scored 3\.5/4 \(87\.5%\) in Essay 1", timeout=40)

    # the SLA at six working seconds on a 24/7 calendar: reminders at 3 s and 5.4 s, the breach at 6 s
    await admin.send("/plans plan=Premium sla=6s")
    await admin.wait_for("evaluated within 6 s of working time", timeout=20)
    today = dt.datetime.now(dt.UTC).date()
    d1, d2 = today + dt.timedelta(days=30), today + dt.timedelta(days=61)
    await admin.send_document(f"DATE,NAME\n{d1:%d/%m/%Y},Founders Day\n{d2:%Y-%m-%d},Annual Day\n".encode(),
                              filename="holidays.csv")
    await admin.wait_for(r"Holidays: 2 days in the file, 2 new, 0 renamed", timeout=40)
    await admin.send("/calendar hours=00:00-24:00 days=all")
    await admin.wait_for("Calendar changed", timeout=20)
    shown_cal = await admin.wait_for("Calendar — Written College", timeout=20)
    assert "Working hours: 00:00–24:00 on Mon, Tue, Wed, Thu, Fri, Sat, Sun" in (shown_cal.text or "")
    assert f"{d1:%d/%m/%Y} Founders Day" in (shown_cal.text or "")
    async with dep.sessionmaker() as s:  # a 24/7 SLA must not stop for a holiday that happens to be today
        await s.execute(text("DELETE FROM holidays WHERE org_id = :o"), {"o": org_id})
        await s.commit()
    bala = kids[1]
    msg = await take(bala, [jpeg(90)], "Essay 1")
    await bala.press("Submit", message=msg)
    confirm = await bala.wait_for_edit(msg, "submit now", timeout=20)
    await bala.press("Yes, submit", message=confirm)
    await bala.wait_for(r"with your teacher, to be evaluated by", timeout=60)
    async with dep.sessionmaker() as s:
        second = await s.scalar(select(Evaluation).order_by(Evaluation.id.desc()).limit(1))
    assert second is not None and second.sla_seconds == 6 and second.teacher_membership_id is not None
    who = ravi if second.teacher_membership_id != evaluation.teacher_membership_id else meera
    other = meera if who is ravi else ravi  # the least loaded: Meera has none open now either; either may get it
    await who.wait_for(r"New answer sheets to evaluate: Essay 1.*Student 1", timeout=30)
    await who.wait_for(r"Reminder: the answer sheets of Student 1", timeout=30)
    breach = await admin.wait_for(r"Deadline missed: the answer sheets of Student 1", timeout=30)
    await asyncio.sleep(3)  # any second copy would have come by now
    async with dep.sessionmaker() as s:
        rows = (await s.execute(select(Notification.event_key, Notification.status).where(
            Notification.event_key.like(f"evaluation:{second.id}:%")))).all()
        done = await s.scalar(select(Evaluation).where(Evaluation.id == second.id))
    keys = sorted(k for k, _ in rows)
    assert done is not None and done.breached_at is not None and done.reminded_first_at is not None
    assert done.deadline_at == second.submitted_at + dt.timedelta(seconds=6)
    # on time: the sweep runs every second, so each comes within a few seconds of its moment (the reminder first)
    assert dt.timedelta(0) <= done.reminded_first_at - done.remind_first_at < dt.timedelta(seconds=3)
    assert dt.timedelta(0) <= done.breached_at - done.deadline_at < dt.timedelta(seconds=3)
    assert done.reminded_first_at < done.breached_at
    # each told once: the reminders' moments are 3 s apart from the breach at most, so a sweep may have found the
    # second one already overtaken by the breach (then it is recorded, not sent)
    assert keys[0] == f"evaluation:{second.id}:assigned:{second.teacher_membership_id}"
    assert f"evaluation:{second.id}:breach" in keys and f"evaluation:{second.id}:first" in keys
    assert len(keys) == len(set(keys))
    reminders = [m for m in who.messages if "Reminder: the answer sheets of Student 1" in (m.text or "")]
    assert 1 <= len(reminders) <= 2
    breaches = [m for m in admin.messages if "Deadline missed" in (m.text or "")]
    assert len(breaches) == 1

    # the admin gives it to the other teacher, who is told
    await admin.press("↪ Reassign", message=breach)
    choices = await admin.wait_for("Give these answer sheets to", timeout=20)
    await admin.press(re.compile(rf"{other.first_name} \(\d+ open\)"), message=choices)
    await admin.wait_for_edit(choices, f"Given to {other.first_name}", timeout=20)
    await other.wait_for(r"New answer sheets to evaluate: Essay 1.*Student 1", timeout=30)
    await admin.send("/sla")
    report = await admin.wait_for("Evaluations — the organization", timeout=20)
    assert f"Student 1 · {other.first_name}: ⚠ breached, was due" in (report.text or "")
