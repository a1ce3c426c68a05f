"""Exams through the sandbox: question bank → /newexam → 20 students take it at once (some finish, some
run out of time, one goes on after the bot restarts, one presses twice) → every score right → each
parent told once → leaderboard and item analysis right; practice polls; the plan's quota."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select, text

from domain.model import Attempt, Notification, Role
from domain.services import classes, courses, invites, joining, orgs, students, users
from domain.services.users import TelegramProfile
from edubot.stack import Deployment
from sandbox.client import MessageView, SandboxUser

pytestmark = pytest.mark.e2e

BANK = "\n".join([
    'ID,TYPE,QUESTION,A,B,C,D,ANSWER,MARKS,CO,BLOOM,TOPIC,CONCEPT,DIFFICULTY',
    'DB001,MCQ,Which key uniquely identifies a row?,Foreign key,Primary key,Candidate key only,Composite key only,B,1,,L1,Keys,Primary key,0.2',  # noqa: E501
    'DB002,MCQ,Which of these are DML statements? (choose all),SELECT,INSERT,CREATE,UPDATE,ABD,2,,L2,SQL,DML,0.5',
    'DB003,TF,A relation in BCNF is always in 3NF.,,,,,T,1,,L2,Normalisation,BCNF,0.4',
    'DB004,NUM,How many rows does a CROSS JOIN of 4 and 6 rows give?,,,,,24±0,1,,L3,SQL,Joins,0.3',
    'DB005,MCQ,Which normal form removes transitive dependencies?,1NF,2NF,3NF,BCNF,C,1,,L2,Normalisation,3NF,0.5',
    'DB006,MCQ,Which isolation level prevents dirty reads but allows phantoms?,Read uncommitted,Read committed,Serializable,,B,1,,L2,Transactions,Isolation,0.6',  # noqa: E501
    'DB007,TF,A foreign key may be NULL.,,,,,T,1,,L1,Keys,Foreign key,0.3',
    'DB008,SA,Explain the lost update problem with an example.,,,,,,3,,L2,Transactions,Concurrency,0.6',
]) + "\n"
OPTIONS = {  # stem → (kind, marks, right answer, a wrong answer) in the bank's terms
    "Which key uniquely identifies a row?": ("MCQ", 1, ["Primary key"], ["Foreign key"]),
    "Which of these are DML statements? (choose all)": ("MULTI", 2, ["SELECT", "INSERT", "UPDATE"], ["SELECT"]),
    "A relation in BCNF is always in 3NF.": ("TF", 1, ["True"], ["False"]),
    "How many rows does a CROSS JOIN of 4 and 6 rows give?": ("NUM", 1, ["24"], ["25"]),
    "Which normal form removes transitive dependencies?": ("MCQ", 1, ["3NF"], ["2NF"]),
    "Which isolation level prevents dirty reads but allows phantoms?": ("MCQ", 1, ["Read committed"],
                                                                        ["Serializable"]),
    "A foreign key may be NULL.": ("TF", 1, ["True"], ["False"]),
}
REFS = {stem: f"DB00{i}" for i, stem in enumerate(OPTIONS, start=1)}
STUDENTS = 20
TIMED_OUT = range(16, 20)  # answer three questions, then stop
RESTARTER = 15  # the bot restarts while this student is half-way
TWICE = 14  # presses each single-answer button twice
PARENTS = 5  # of students 0…4


def right(i: int, ref: str) -> bool:
    return (i + int(ref[-1])) % 4 != 0


@dataclass
class Taker:
    index: int
    user: SandboxUser
    answered: dict[str, bool] = field(default_factory=dict)  # ref → right?

    def expected(self) -> Decimal:
        total = Decimal(0)
        for stem, (_kind, marks, _r, _w) in OPTIONS.items():
            ref = REFS[stem]
            if ref in self.answered:
                total += Decimal(marks) if self.answered[ref] else -Decimal(marks) / 4
        return max(total, Decimal(0))


async def school(dep: Deployment, teacher: SandboxUser, kids: list[SandboxUser], parents: list[SandboxUser]) -> None:
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Exam College", timezone="Asia/Kolkata")
        code = await invites.create_invite(s, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
        await s.execute(text("UPDATE system_config SET value = '0' WHERE org_id = :o AND key = "
                             "'exam.grace_period_minutes'"), {"o": org.id})
        await s.commit()
        t_user = await users.ensure_user(s, TelegramProfile(teacher.id, "Meera"))
        await s.commit()
        await joining.redeem(s, await users.load_actor(s, t_user), code)
        actor = await users.load_actor(s, t_user)
        cls = await classes.create_class(s, actor, "CSE-C")
        await courses.create_course(s, actor, code="CS302", name="Databases", class_name="CSE-C", program=None)
        out = await students.apply_roster(s, actor, [students.RosterEntry(f"1CR24CS{i:03d}", f"Student {i}", cls.id,
                                                                          None) for i in range(STUDENTS)])
        await s.commit()
        for person, line in zip(kids, out.lines, strict=True):
            u = await users.ensure_user(s, TelegramProfile(person.id, person.first_name))
            await s.commit()
            assert line.student_code is not None
            await joining.redeem(s, await users.load_actor(s, u), line.student_code)
        for person, line in zip(parents, out.lines, strict=False):
            u = await users.ensure_user(s, TelegramProfile(person.id, person.first_name))
            await s.commit()
            assert line.parent_code is not None
            await joining.redeem(s, await users.load_actor(s, u), line.parent_code)


def parse_question(msg: MessageView) -> tuple[str, dict[str, str]]:
    """The stem and option letter → text of the exam message."""
    lines = (msg.text or "").splitlines()
    body = [ln for ln in lines[1:] if ln.strip() and not ln.startswith("🚩")]
    stem = body[0].strip()
    options = {}
    for ln in body[1:]:
        m = re.match(r"^([A-F])\) (.*)$", ln)
        if m:
            options[m.group(2)] = m.group(1)
    return stem, options


async def answer_one(t: Taker, msg: MessageView) -> MessageView:
    """Answer the question shown in ``msg``; returns the exam message as it is after the answer."""
    u = t.user
    stem, letters = parse_question(msg)
    kind, _marks, good, bad = OPTIONS[stem]
    ref = REFS[stem]
    ok = right(t.index, ref)
    t.answered[ref] = ok
    pick = good if ok else bad
    if kind == "NUM":
        await u.send(pick[0])
        return await u.wait_for(r"question \d+ of 7", timeout=40)
    if kind == "MULTI":
        for option in pick:
            await u.press(f"☐ {letters[option]}", message=msg)
            msg = await u.wait_for_edit(msg, timeout=40)
        if "▶" not in msg.button_texts:  # the last question: nothing after it
            return msg
        await u.press("▶", message=msg)
        return await u.wait_for_edit(msg, timeout=40)
    label = letters[pick[0]] if kind == "MCQ" else pick[0]
    await u.press(label, message=msg)
    if t.index != TWICE:
        return await u.wait_for_edit(msg, timeout=40)
    await u.press(label, message=msg)  # a double tap: the same button again, before the edit
    after = await u.wait_for_edit(msg, timeout=40)
    try:  # the second press edits the message again (unless nothing on it changed)
        return await u.wait_for_edit(after, timeout=1.5)
    except AssertionError:
        return after


async def take(t: Taker, restart: asyncio.Event, restarted: asyncio.Event) -> None:
    u = t.user
    await u.wait_for("A new exam is open: Unit test 1", timeout=60)
    await u.press("▶ Start")
    msg = await u.wait_for(r"question 1 of 7", timeout=40)
    limit = 3 if t.index in TIMED_OUT else 7
    for step in range(limit):
        msg = await answer_one(t, msg)
        if t.index == RESTARTER and step == 2:
            restart.set()
            await restarted.wait()
            await u.send("/exams")
            listing = await u.wait_for("Unit test 1.*open until", timeout=40)
            await u.press("▶ Continue", message=listing)
            resumed = await u.wait_for(r"question \d+ of 7", timeout=40)
            assert parse_question(resumed)[0] == parse_question(msg)[0], "resumed at another question"
            assert resumed.text is not None and (msg.text or "").split("·")[0] == resumed.text.split("·")[0]
            msg = resumed
    if t.index in TIMED_OUT:
        return
    await u.press("Submit", message=msg)
    msg = await u.wait_for_edit(msg, "submit now", timeout=40)
    await u.press("Yes, submit", message=msg)
    await u.wait_for_edit(msg, "Submitted", timeout=40)


async def test_exam_for_twenty_students(deployment: Deployment) -> None:
    dep = deployment
    teacher = dep.person("Meera")
    kids = [dep.person(f"Kid{i}") for i in range(STUDENTS)]
    parents = [dep.person(f"Parent{i}") for i in range(PARENTS)]
    await school(dep, teacher, kids, parents)
    for person in [teacher, *kids, *parents]:
        await person.send("/start")
        await person.wait_for("Hello", timeout=30)

    await teacher.send_document(BANK.encode(), filename="bank.csv", caption="course=CS302")
    await teacher.wait_for(r"Question bank of CS302: 8 new questions", timeout=40)
    await teacher.send('/newexam course=CS302 title="Unit test 1" kind=fixed questions=all duration=30 opens=now '
                       'closes=+1d negative=1/4 review=now')
    await teacher.wait_for(r"Exam Unit test 1 \(CS302\) is created: 7 questions, 30 minutes, for CSE-C.*20 students "
                           r"were told", timeout=40)

    takers = [Taker(i, kid) for i, kid in enumerate(kids)]
    restart, restarted = asyncio.Event(), asyncio.Event()

    async def restart_bot() -> None:
        await restart.wait()
        await asyncio.to_thread(dep.procs.restart, "bot")
        await dep.wait_ready(parts=["bot"])
        restarted.set()

    await asyncio.gather(restart_bot(), *(take(t, restart, restarted) for t in takers))

    # the time of those who stopped runs out (moved forward instead of waiting half an hour)
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        await s.execute(text("UPDATE attempts SET deadline_at = now() - interval '1 minute', submit_due_at = now() "
                             "WHERE submitted_at IS NULL"))
        await s.commit()

    for t in takers:
        result = await t.user.wait_for(r"Unit test 1.*\(CS302\): [\d.]+/8", timeout=60)
        got = Decimal(re.search(r": ([\d.]+)/8", result.text or "").group(1))  # type: ignore[union-attr]
        assert got == t.expected(), f"student {t.index}: {got} != {t.expected()}\n{result.text}"
        if t.index in TIMED_OUT:
            assert "Time was up" in (result.text or "")
        elif t.expected() < 8:
            assert "Review" in (result.text or "")
    for i, p in enumerate(parents):
        told = await p.wait_for(rf"Student {i} scored [\d.]+/8", timeout=40)
        assert f"{takers[i].expected().normalize():f}/8" in (told.text or "")
    await asyncio.sleep(2)
    async with dep.sessionmaker() as s:
        per_parent = (await s.execute(select(Notification.recipient_user_id, func.count()).where(
            Notification.kind == "result").group_by(Notification.recipient_user_id))).all()
        assert sorted(n for _u, n in per_parent) == [1] * PARENTS
        assert await s.scalar(select(func.count()).select_from(Attempt).where(Attempt.scored_at.is_not(None))) == 20
        restarted_row = (await s.execute(text(
            "SELECT count(*) FROM attempt_answers a JOIN attempts t ON t.id = a.attempt_id JOIN students s ON "
            "s.id = t.student_id WHERE s.usn = :u AND a.answered_at IS NOT NULL"), {"u": f"1CR24CS{RESTARTER:03d}"}
        )).scalar_one()
        assert restarted_row == 7
    for p in parents:
        assert len([m for m in p.messages if "scored" in (m.text or "")]) == 1

    # the teacher's live summary has followed the exam
    await teacher.wait_for(r"Students 20 · started 20 · submitted 20 \(by the timer 4\) · scored 20", timeout=30)

    # the leaderboard: the ten best scores, best first
    await teacher.send("/exams")
    card = await teacher.wait_for(r"Unit test 1.*started, \d+ scored", timeout=30)
    await teacher.press("Leaderboard", message=card)
    board = await teacher.wait_for("Leaderboard — Unit test 1", timeout=30)
    shown = [Decimal(m) for m in re.findall(r"— ([\d.]+)/8", board.text or "")]
    assert shown == sorted((t.expected() for t in takers), reverse=True)[:10]

    # item analysis: facility of each question from the answers given
    await teacher.press("Item analysis", message=card)
    analysis = await teacher.wait_for("Item analysis — Unit test 1", timeout=40)
    for stem, ref in REFS.items():
        marks = Decimal(OPTIONS[stem][1])
        fractions = [Decimal(1) if t.answered.get(ref) else Decimal(0) for t in takers]
        want = sum(fractions, Decimal(0)) / len(fractions)
        m = re.search(rf"{ref} v1 \(\w+\) P ([\d.]+)", analysis.text or "")
        assert m is not None, analysis.text
        assert Decimal(m.group(1)) == want.quantize(Decimal("0.01")), (ref, marks, analysis.text)
    sheet = await teacher.wait_for("Unit test 1", timeout=40, predicate=lambda v: v.document is not None)
    book = openpyxl.load_workbook(io.BytesIO(await teacher.download(sheet)), read_only=True)
    assert "Items" in book.sheetnames

    # practice: a quiz poll, answered, then the next one
    kid = kids[0]
    await kid.send("/practice")
    poll = await kid.wait_for(predicate=lambda v: v.poll is not None, timeout=30)
    assert poll.poll is not None and poll.poll["type"] == "quiz" and poll.poll["is_anonymous"] is False
    await kid.answer_poll(poll, list(poll.poll["correct_option_ids"]))
    nxt = await kid.wait_for(predicate=lambda v: v.poll is not None, timeout=30)
    assert nxt.poll is not None and nxt.poll["question"].startswith("2/10.")
    async with dep.sessionmaker() as s:
        kept = (await s.execute(text("SELECT correct, seconds FROM practice_polls WHERE answered_at IS NOT NULL"))
                ).all()
        assert len(kept) == 1 and kept[0][0] is True
