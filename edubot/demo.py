"""`edubot demo`: the whole product offline, played through the sandbox as people would use it.

It starts the sandbox as Telegram and the product's real processes (bot, worker, scheduler) on a
demo database, sets up a school, then plays people through every capability that exists, printing
the conversation and a summary of steps and timings. It exits non-zero if any step failed.
Each capability adds its act to ``ACTS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import text

from domain.model.people import Role
from domain.services import invites, orgs
from edubot.stack import Deployment
from sandbox.client import MessageView, SandboxUser

SCHOOL = "Green Valley School"
DATA = Path(__file__).resolve().parent / "demo_data"


@dataclass
class StepResult:
    act: str
    step: str
    ok: bool
    seconds: float
    error: str = ""


class Transcript:
    """Prints the conversation as readable text."""

    def __init__(self, out: TextIO, *, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet

    def line(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def act(self, title: str) -> None:
        self.line()
        self.line(f"══ {title} " + "═" * max(3, 70 - len(title)))

    def note(self, text: str) -> None:
        self.line(f"   · {text}")

    def person(self, who: str, text: str) -> None:
        self.line(f"   {who} ▸ {text}")

    def bot(self, who: str, msg: MessageView) -> None:
        body = msg.content or ""
        if msg.document:
            body = (body + " " if body else "") + f"[file {msg.document.get('file_name')}]"
        if msg.photo:
            body = (body + " " if body else "") + "[photo]"
        lines = body.splitlines() or [""]
        prefix = f"   edubot ▸ {who}{' (edited)' if msg.edited else ''}: "
        self.line(prefix + lines[0])
        for extra in lines[1:]:
            self.line(" " * len(prefix) + extra)
        for row in msg.buttons:
            self.line(" " * len(prefix) + "  ".join(f"[ {label} ]" for label, _data in row))


@dataclass
class DemoRun:
    dep: Deployment
    transcript: Transcript
    results: list[StepResult] = field(default_factory=list)
    people: dict[str, SandboxUser] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)
    act_name: str = ""

    def facts_codes(self, usn: str) -> dict[str, str]:
        codes = self.facts.get("codes")
        assert isinstance(codes, dict) and usn in codes, f"no codes for {usn}"
        return dict(codes[usn])

    def person(self, name: str, *, language: str = "en") -> SandboxUser:
        if name not in self.people:
            first, _, last = name.partition(" ")
            self.people[name] = self.dep.person(first, last or None, language_code=language)
        return self.people[name]

    @contextlib.asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.results.append(StepResult(self.act_name, name, False, time.monotonic() - started, detail))
            self.transcript.line(f"   ✗ {name}: {detail}")
            if not self.transcript.quiet:
                self.transcript.line(textwrap_indent(traceback.format_exc(limit=3)))
            return
        self.results.append(StepResult(self.act_name, name, True, time.monotonic() - started))

    async def say(self, name: str, message: str) -> None:
        self.transcript.person(name, message)
        await self.person(name).send(message)

    async def expect(self, name: str, pattern: str, *, timeout: float = 20.0) -> MessageView:
        msg = await self.person(name).wait_for(pattern, timeout=timeout)
        self.transcript.bot(name, msg)
        return msg

    async def press(self, name: str, label: str, message: MessageView) -> None:
        self.transcript.person(name, f"presses [ {label} ]")
        await self.person(name).press(label, message=message)

    async def expect_edit(self, name: str, message: MessageView, pattern: str) -> MessageView:
        msg = await self.person(name).wait_for_edit(message, pattern, timeout=20)
        self.transcript.bot(name, msg)
        return msg


def _code(msg: MessageView) -> str:
    found = re.search(r"start=([A-Za-z0-9_-]{22})", msg.content)
    if not found:
        raise AssertionError(f"no invite link in: {msg.content}")
    return found.group(1)


def _codes(xlsx: bytes) -> dict[str, dict[str, str]]:
    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active.iter_rows(values_only=True))
    out = {}
    for row in rows[1:]:
        cells = [str(c or "") for c in row]
        student = re.search(r"start=([A-Za-z0-9_-]{22})", cells[4])
        parent = re.search(r"start=([A-Za-z0-9_-]{22})", cells[5])
        out[cells[0]] = {"student": student.group(1) if student else "", "parent": parent.group(1) if parent else ""}
    return out


def textwrap_indent(text: str) -> str:
    return "\n".join("     " + line for line in text.rstrip().splitlines())


Act = Callable[[DemoRun], Awaitable[None]]
ACTS: list[tuple[str, Act]] = []


def act(title: str) -> Callable[[Act], Act]:
    def register(fn: Act) -> Act:
        ACTS.append((title, fn))
        return fn

    return register


# ---- the acts -----------------------------------------------------------------------------------


@act("A school is set up from the command line")
async def school_setup(run: DemoRun) -> None:
    assert run.dep.sessionmaker is not None and run.dep.bot is not None
    async with run.step("edubot org create"):
        async with run.dep.sessionmaker() as session:
            org = await orgs.create_organization(session, SCHOOL, timezone="Asia/Kolkata", country="IN")
            holidays = await session.scalar(text("SELECT count(*) FROM holidays WHERE org_id = :o"), {"o": org.id})
        run.facts["org_id"] = org.id
        run.transcript.note(f'$ edubot org create "{SCHOOL}" --timezone Asia/Kolkata --country IN')
        run.transcript.note(f"created organization {SCHOOL!r}: {holidays} national holidays seeded")
    async with run.step("edubot invite admin"):
        async with run.dep.sessionmaker() as session:
            code = await invites.create_invite(session, org_id=int(str(run.facts["org_id"])), role=Role.ADMIN,
                                               created_by_user_id=None)
            await session.commit()
        run.facts["admin_code"] = code
        run.transcript.note(f'$ edubot invite admin --org "{SCHOOL}"')
        run.transcript.note(f"https://t.me/{run.dep.bot.username}?start={code}")


@act("The admin joins with the link")
async def admin_joins(run: DemoRun) -> None:
    async with run.step("/start <code> makes Anita the admin"):
        await run.say("Anita Desai", f"/start {run.facts['admin_code']}")
        await run.expect("Anita Desai", f"You are now admin of {SCHOOL}")
    async with run.step("/whoami shows the role"):
        await run.say("Anita Desai", "/whoami")
        await run.expect("Anita Desai", f"{SCHOOL}: admin")
    async with run.step("the used link is refused to someone else"):
        await run.say("Mallory", f"/start {run.facts['admin_code']}")
        await run.expect("Mallory", "already been used")


@act("A teacher sets up a class; students and parents join")
async def onboarding(run: DemoRun) -> None:
    async with run.step("the admin makes a teacher link with /invite"):
        await run.say("Anita Desai", "/invite")
        menu = await run.expect("Anita Desai", "Whom do you want to invite")
        await run.press("Anita Desai", "A teacher", menu)
        link = await run.expect("Anita Desai", "A one-time link for a new teacher")
        run.facts["teacher_code"] = _code(link)
    async with run.step("the teacher joins"):
        await run.say("Ravi Kumar", f"/start {run.facts['teacher_code']}")
        await run.expect("Ravi Kumar", f"You are now teacher of {SCHOOL}")
    async with run.step("/newclass asks for what is missing"):
        await run.say("Ravi Kumar", "/newclass")
        await run.expect("Ravi Kumar", "What is the class called")
        await run.say("Ravi Kumar", "CSE-B")
        await run.expect("Ravi Kumar", "Class CSE-B is created")
    async with run.step("/newcourse takes key=value"):
        await run.say("Ravi Kumar", '/newcourse code=CS301 name="Database Systems" class=CSE-B program=CSE')
        await run.expect("Ravi Kumar", "Course CS301 Database Systems is created for class CSE-B")
    async with run.step("a roster file becomes students, links and parent codes"):
        run.transcript.person("Ravi Kumar", "[sends roster.csv: 12 students]")
        await run.person("Ravi Kumar").send_document(DATA / "roster.csv")
        await run.expect("Ravi Kumar", "Received roster.csv")
        sheet = await run.expect("Ravi Kumar", "applied: 12 new", timeout=30)
        codes = _codes(await run.person("Ravi Kumar").download(sheet))
        run.facts["codes"] = codes
        run.transcript.note(f"the spreadsheet lists {len(codes)} students with their personal and parent links")
    async with run.step("a student joins with a personal link"):
        aarav = run.facts_codes("1CR24CS001")
        await run.say("Aarav Shah", f"/start {aarav['student']}")
        await run.expect("Aarav Shah", r"Welcome, Aarav Shah \(1CR24CS001\)")
    async with run.step("a student joins with the class link and their USN"):
        await run.say("Ravi Kumar", "/invite class=CSE-B")
        class_link = await run.expect("Ravi Kumar", "The join link of class CSE-B")
        await run.say("Diya Kulkarni", f"/start {_code(class_link)}")
        await run.expect("Diya Kulkarni", "Send your USN")
        await run.say("Diya Kulkarni", "1cr24cs002")
        await run.expect("Diya Kulkarni", r"Welcome, Diya Kulkarni \(1CR24CS002\)")
    async with run.step("a parent links with the parent code; the student is told"):
        await run.say("Sunita Shah", f"/start {run.facts_codes('1CR24CS001')['parent']}")
        await run.expect("Sunita Shah", r"You are linked to Aarav Shah \(1CR24CS001\) as a parent")
        await run.expect("Aarav Shah", "Sunita Shah is now linked to your account", timeout=30)
        await run.say("Sunita Shah", "/children")
        await run.expect("Sunita Shah", "Your children")
    async with run.step("someone else cannot take a student's USN"):
        await run.say("Mallory", f"/start {_code(class_link)}")
        await run.expect("Mallory", "Send your USN")
        await run.say("Mallory", "1CR24CS001")
        await run.expect("Mallory", "already linked to another Telegram account")
        await run.expect("Ravi Kumar", "Someone tried to join CSE-B as 1CR24CS001", timeout=30)


@act("Marks become outcome attainment; parents see their child's marks")
async def marks_and_attainment(run: DemoRun) -> None:
    ravi = "Ravi Kumar"
    async with run.step("the course outcomes file (CO–PO matrix) is saved"):
        run.transcript.person(ravi, "[sends outcomes.csv: 4 COs mapped to POs and PSOs] course=CS301")
        await run.person(ravi).send_document(DATA / "outcomes.csv", caption="course=CS301")
        await run.expect(ravi, "Course outcomes of CS301 saved: 4 outcomes", timeout=30)
    async with run.step("a marks sheet: the bot asks what it cannot tell"):
        run.transcript.person(ravi, '[sends marks_ia1.csv: MAX and CO rows, 12 students] course=CS301 '
                                    'assessment="IA 1"')
        await run.person(ravi).send_document(DATA / "marks_ia1.csv", caption='course=CS301 assessment="IA 1"')
        question = await run.expect(ravi, r"internal assessment \(CIE\) or the end-semester exam", timeout=30)
        await run.press(ravi, "CIE", question)
    async with run.step("the report: CO and PO attainment, charts and every number"):
        report = await run.expect(ravi, r"IA 1 \(CIE\) of CS301: marks of 12 students saved", timeout=30)
        await run.expect(ravi, "CO attainment of CS301", timeout=60)
        await run.expect(ravi, "PO and PSO attainment of CS301", timeout=30)
        await run.expect(ravi, "Every number of the attainment of CS301", timeout=30)
    async with run.step("publishing tells each student and parent"):
        run.transcript.person(ravi, "presses [ Publish these marks to students and parents ]")
        pressed = await run.person(ravi).press("Publish these marks to students and parents", message=report)
        alert = (await pressed.answer(20)).text or ""
        if not alert.startswith("Published: 12 students' marks of IA 1"):
            raise AssertionError(f"publishing answered {alert!r}")
        run.transcript.note(f"(alert) {alert}")
        await run.expect("Sunita Shah", r"Marks of IA 1 \(CS301\) for Aarav Shah \(1CR24CS001\)", timeout=30)
        await run.expect("Aarav Shah", r"Marks of IA 1 \(CS301\) for Aarav Shah", timeout=30)
    async with run.step("/progress: a student's score per course outcome"):
        await run.say("Aarav Shah", "/progress")
        await run.expect("Aarav Shah", "score per course outcome")
    async with run.step("the course exit survey adds the indirect attainment"):
        await run.say(ravi, "/survey")
        picker = await run.expect(ravi, "Open the course exit survey of which course")
        await run.press(ravi, "CS301 Database Systems", picker)
        opened = await run.expect(ravi, "The exit survey of CS301 is open")
        invitation = await run.expect("Aarav Shah", "Course exit survey of CS301", timeout=30)
        for co, rating in (("CO1", 3), ("CO2", 2), ("CO3", 2), ("CO4", 3)):
            run.transcript.person("Aarav Shah", f"presses [ {co}: {rating} ]")
            pressed = await run.person("Aarav Shah").press(f"{co}: {rating}", message=invitation)
            run.transcript.note(f"(answer) {(await pressed.answer(20)).text}")  # saved before the survey closes
        await run.press(ravi, "Close the survey", opened)
        await run.expect_edit(ravi, opened, "The exit survey of CS301 is closed: 1 students answered")
        await run.say(ravi, "/attainment CS301")
        await run.expect(ravi, r"CO attainment of CS301 Database Systems\n.*exit survey", timeout=30)


#: What Aarav answers in the demo exam, by the question's text: option texts, True/False or a number.
EXAM_ANSWERS = {
    "Which key uniquely identifies a row?": ["Primary key"],
    "Which of these are DML statements? (choose all)": ["SELECT", "INSERT", "UPDATE"],
    "A relation in BCNF is always in 3NF.": ["False"],  # a slip, to show the review
    "How many rows does a CROSS JOIN of 4 and 6 rows give?": ["24"],
}


async def _answer(run: DemoRun, who: str, msg: MessageView) -> MessageView:
    """Answer the question shown in the exam message ``msg``; returns the message after the answer."""
    user = run.person(who)
    lines = [ln for ln in (msg.text or "").splitlines()[1:] if ln.strip()]
    stem = lines[0]
    letters = {m.group(2): m.group(1) for ln in lines if (m := re.match(r"^([A-F])\) (.*)$", ln))}
    pick = EXAM_ANSWERS[stem]
    if stem.startswith("How many"):
        await run.say(who, pick[0])
        return await run.expect(who, r"question \d of 4")
    if len(pick) > 1:
        for option in pick:
            await run.press(who, f"☐ {letters[option]}", msg)
            msg = await user.wait_for_edit(msg, timeout=20)
        if "▶" not in msg.button_texts:
            return msg
        await run.press(who, "▶", msg)
    else:
        await run.press(who, letters.get(pick[0], pick[0]), msg)
    after = await user.wait_for_edit(msg, timeout=20)
    run.transcript.bot(who, after)
    return after


@act("Students take an exam in chat; scores reach them and their parents at once")
async def exam(run: DemoRun) -> None:
    ravi, aarav = "Ravi Kumar", "Aarav Shah"
    async with run.step("a question bank file: MCQ, true/false, numeric and written questions"):
        run.transcript.person(ravi, "[sends question_bank.csv: 6 questions] course=CS301")
        await run.person(ravi).send_document(DATA / "question_bank.csv", caption="course=CS301")
        await run.expect(ravi, "Question bank of CS301: 6 new questions", timeout=30)
    async with run.step("/newexam with key=value; the class is told"):
        await run.say(ravi, '/newexam course=CS301 title="Unit test 1" kind=fixed questions=all duration=15 '
                            "opens=now closes=+1d negative=1/4 review=now")
        await run.expect(ravi, r"Exam Unit test 1 \(CS301\) is created: 4 questions, 15 minutes")
        opened = await run.expect(aarav, "A new exam is open: Unit test 1", timeout=30)
    async with run.step("Aarav starts: one message, edited in place, with the time left"):
        await run.press(aarav, "▶ Start", opened)
        msg = await run.expect(aarav, r"question 1 of 4")
    async with run.step("every press is saved at once; the numeric answer is typed"):
        for _ in range(4):
            msg = await _answer(run, aarav, msg)
    async with run.step("submit, with a confirmation"):
        await run.press(aarav, "Submit", msg)
        confirm = await run.expect_edit(aarav, msg, "submit now")
        await run.press(aarav, "Yes, submit", confirm)
        await run.expect_edit(aarav, msg, "Submitted")
    async with run.step("the score and the review reach Aarav; his mother is told"):
        await run.expect(aarav, r"Unit test 1 \(CS301\): 3\.75/5 \(75%\)(.|\n)*Review", timeout=30)
        await run.expect("Sunita Shah", r"Aarav Shah scored 3\.75/5 \(75%\) in Unit test 1", timeout=30)
    async with run.step("the teacher's exams: leaderboard and item analysis"):
        await run.say(ravi, "/exams")
        card = await run.expect(ravi, r"Unit test 1 \(CS301\).*1 scored")
        await run.press(ravi, "Leaderboard", card)
        await run.expect(ravi, "Leaderboard — Unit test 1")
        await run.press(ravi, "Item analysis", card)
        await run.expect(ravi, "Item analysis — Unit test 1", timeout=30)
    async with run.step("/practice: quiz polls with instant feedback"):
        await run.say(aarav, "/practice")
        poll = await run.person(aarav).wait_for(predicate=lambda v: v.poll is not None, timeout=20)
        assert poll.poll is not None
        run.transcript.note(f"(quiz) {poll.poll['question']}")
        await run.person(aarav).answer_poll(poll, list(poll.poll["correct_option_ids"]))
        nxt = await run.person(aarav).wait_for(predicate=lambda v: v.poll is not None, timeout=20)
        assert nxt.poll is not None
        run.transcript.note(f"(quiz) {nxt.poll['question']}")
    async with run.step("the admin puts a student on a plan"):
        await run.say("Anita Desai", "/plans")
        await run.expect("Anita Desai", "Premium MCQ: 15 exams a month")
        await run.say("Anita Desai", "/plans usn=1CR24CS002 plan=Basic")
        await run.expect("Anita Desai", "1 students are on the Basic plan")


def _page_photo() -> bytes:
    """A photo of an answer page (a plain image: the demo has no camera)."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (480, 640), "white")
    draw = ImageDraw.Draw(page)
    for y in range(80, 600, 32):
        draw.line((40, y, 440, y), fill=(170, 190, 230))
    draw.text((48, 48), "Q2. Lost update: T1 and T2 read x=10; both write; one update is lost.", fill="black")
    out = io.BytesIO()
    page.save(out, "JPEG")
    return out.getvalue()


@act("Written answers: pages in chat, marked by the teacher against a deadline in working hours")
async def evaluation(run: DemoRun) -> None:
    ravi, aarav, anita = "Ravi Kumar", "Aarav Shah", "Anita Desai"
    async with run.step("an exam with a written question"):
        await run.say(ravi, '/newexam course=CS301 title="Written test 1" kind=fixed questions=DB001,DB005 '
                            "duration=20 opens=now closes=+1d written=yes shuffle=no")
        await run.expect(ravi, r"Exam Written test 1 \(CS301\) is created: 2 questions")
        opened = await run.expect(aarav, "A new exam is open: Written test 1", timeout=30)
    async with run.step("Aarav answers the MCQ, writes on paper and sends a photo of the page"):
        await run.press(aarav, "▶ Start", opened)
        msg = await run.expect(aarav, r"question 1 of 2")
        letter = next(ln.split(")")[0] for ln in (msg.text or "").splitlines() if ln.endswith("Primary key"))
        await run.press(aarav, letter, msg)
        msg = await run.expect_edit(aarav, msg, "Written answer")
        run.transcript.person(aarav, "[sends a photo of his answer page]")
        await run.person(aarav).send_photo(_page_photo())
        await run.expect(aarav, r"Page 1 received \(1 in all\)")
        await run.press(aarav, "📄 Pages", msg)
        await run.expect(aarav, "Your pages")
    async with run.step("submitted: the written part goes to the teacher with its deadline"):
        await run.press(aarav, "Submit", msg)
        confirm = await run.expect_edit(aarav, msg, "submit now")
        await run.press(aarav, "Yes, submit", confirm)
        await run.expect(aarav, r"with your teacher, to be evaluated by", timeout=30)
        await run.expect(ravi, r"New answer sheets to evaluate: Written test 1", timeout=30)
    async with run.step("Ravi marks it in chat: the page, the model answer, marks in halves"):
        await run.say(ravi, "/evaluate")
        question = await run.expect(ravi, r"Question 2 \(SA, 3 marks\)")
        await run.press(ravi, "2.5", question)
        summary = await run.expect_edit(ravi, question, r"Written 2\.5 of 3")
        await run.press(ravi, "✅ Finish and tell them", summary)
        await run.expect_edit(ravi, summary, "Evaluated")
    async with run.step("the final result reaches Aarav and his mother"):
        await run.expect(aarav, r"Written test 1 \(CS301\) — final result: 3\.5/4", timeout=30)
        await run.expect("Sunita Shah", r"Aarav Shah scored 3\.5/4 \(87\.5%\) in Written test 1", timeout=30)
    async with run.step("/sla and /calendar for the admin"):
        await run.say(anita, "/sla")
        await run.expect(anita, r"On time over 30 days(.|\n)*Ravi.*100% \(1 of 1 on time\)")
        await run.say(anita, "/calendar")
        await run.expect(anita, r"Working hours: 09:00–18:00 on Mon, Tue, Wed, Thu, Fri, Sat")


@act("Anyone can start, get help and choose a language")
async def everyone(run: DemoRun) -> None:
    async with run.step("/start greets a newcomer"):
        await run.say("Kabir Das", "/start")
        await run.expect("Kabir Das", "Hello, Kabir!")
    async with run.step("/help lists the commands"):
        await run.say("Kabir Das", "/help")
        await run.expect("Kabir Das", "What I can do for you")
    async with run.step("/language switches to Hindi"):
        await run.say("Kabir Das", "/language")
        question = await run.expect("Kabir Das", "Choose your language")
        await run.press("Kabir Das", "हिन्दी", question)
        await run.expect_edit("Kabir Das", question, "हिन्दी")
        await run.say("Kabir Das", "/help")
        await run.expect("Kabir Das", "मैं आपके लिए क्या कर सकता हूँ")
    async with run.step("a Hindi speaker is greeted in Hindi"):
        run.person("Meera Pillai", language="hi")
        await run.say("Meera Pillai", "/start")
        await run.expect("Meera Pillai", "नमस्ते, Meera!")


@act("Mistakes get a sentence, never silence")
async def refusals(run: DemoRun) -> None:
    async with run.step("an unknown command"):
        await run.say("Kabir Das", "/attendance")
        await run.expect("Kabir Das", "/attendance")
    async with run.step("a wrong invite code"):
        await run.say("Mallory", "/start AAAAAAAAAAAAAAAAAAAAAA")
        await run.expect("Mallory", "not valid")
    async with run.step("chatter"):
        await run.say("Mallory", "hello?")
        await run.expect("Mallory", "did not understand")


@act("Reliability: repeats and background work")
async def reliability(run: DemoRun) -> None:
    async with run.step("the same update delivered twice is answered once"):
        user = run.person("Dev Patel")
        run.transcript.person("Dev Patel", "/whoami   (Telegram delivers this update twice)")
        await user.send("/whoami", duplicate=True)
        await run.expect("Dev Patel", "not joined")
        await user.assert_no_message(within=1.0)
        run.transcript.note("answered once")
    async with run.step("a job goes through outbox → relay → worker"):
        assert run.dep.sessionmaker is not None
        from domain.outbox import enqueue

        label = f"demo-{time.time_ns()}"
        started = time.monotonic()
        async with run.dep.sessionmaker() as session:
            await enqueue(session, "system_ping", label)
            await session.commit()
            while True:
                done = await session.scalar(
                    text("SELECT count(*) FROM audit_log WHERE action='system.ping' AND data->>'label' = :l"),
                    {"l": label},
                )
                await session.rollback()
                if done:
                    break
                if time.monotonic() - started > 20:
                    raise AssertionError("the worker did not run the job within 20 s")
                await asyncio.sleep(0.05)
        run.transcript.note(f"the worker ran the job {1000 * (time.monotonic() - started):.0f} ms after commit")


# ---- running ------------------------------------------------------------------------------------


def summary(results: list[StepResult], out: TextIO) -> None:
    width_act = max([len(r.act) for r in results] + [3])
    width_step = max([len(r.step) for r in results] + [4])
    print(file=out)
    print(f"{'act':<{width_act}}  {'step':<{width_step}}  result  seconds", file=out)
    print(f"{'-' * width_act}  {'-' * width_step}  ------  -------", file=out)
    for r in results:
        print(f"{r.act:<{width_act}}  {r.step:<{width_step}}  {'ok' if r.ok else 'FAILED':<6}  {r.seconds:7.2f}",
              file=out)
    failed = [r for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    print(f"\n{len(results) - len(failed)} of {len(results)} steps worked in {total:.1f} s.", file=out)
    for r in failed:
        print(f"FAILED: {r.act} / {r.step}: {r.error}", file=out)


async def play(dep: Deployment, transcript: Transcript, *, only: str | None = None) -> list[StepResult]:
    run = DemoRun(dep, transcript)
    for title, fn in ACTS:
        if only and not re.search(only, title, re.IGNORECASE):
            continue
        run.act_name = title
        transcript.act(title)
        before = len(run.results)
        try:
            await fn(run)
        except Exception as exc:  # an act that broke outside a step still counts as a failed step
            run.results.append(StepResult(title, "(act)", False, 0.0, f"{type(exc).__name__}: {exc}"))
        if len(run.results) == before:
            run.results.append(StepResult(title, "(act)", False, 0.0, "no step ran"))
    return run.results


async def run_demo(database_url: str, redis_url: str, data_dir: Path, *, quiet: bool = False,
                   only: str | None = None, out: TextIO = sys.stdout) -> bool:
    transcript = Transcript(out, quiet=quiet)
    dep = Deployment(database_url, redis_url, data_dir)
    started = time.monotonic()
    print("starting the sandbox (Telegram) and edubot's bot, worker and scheduler…", file=out, flush=True)
    try:
        await dep.start()
    except Exception as exc:
        print(f"the product did not start: {exc}", file=out)
        for name, log in dep.logs().items():
            print(f"----- {name} -----\n{log[-3000:]}", file=out)
        await dep.stop()
        return False
    print(f"ready in {time.monotonic() - started:.1f} s (sandbox at {dep.sandbox.api_url if dep.sandbox else '?'})",
          file=out, flush=True)
    try:
        results = await play(dep, transcript, only=only)
    finally:
        await dep.stop()
    summary(results, out)
    return bool(results) and all(r.ok for r in results)
