"""`edubot bench answers`: students pressing option buttons through the sandbox.

First the *floor*: a bare aiogram bot (press → edit, no database) in its own process, polling the
sandbox, with 500 concurrent users. Then the real exam flow, measured the same way on the same kind of
sandbox: a whole deployment (bot, worker and scheduler as processes, PostgreSQL and Redis), 500 students
of one class each in an attempt of a 40-question exam, pressing option buttons; the bot stores every
answer in PostgreSQL and edits the exam message to the next question. Both in a closed loop (each
student presses again as soon as the message is edited) and in an open loop at a fixed rate. A press
the bot answers with an alert instead ("Sorry, something went wrong…"), or not at all within 30 s, is
pressed again, as a person would, and counted; the answers stored are counted against the presses.

Then memory: another class of students starts the same exam (1,000 attempts in progress at the
default sizes) and the bot process's resident memory is printed.

The seeding helpers here (a school with joined students, a question bank, an exam) are used by the
`scoring` bench too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psutil
from sqlalchemy import select, text

from domain.access import Actor
from domain.config import load_settings
from domain.files.questions import QuestionRow
from domain.model.people import Course, Role
from domain.services import classes, courses, exams, invites, joining, orgs, questions, students, users
from domain.services.users import TelegramProfile
from edubot.services import resolved, scratch
from edubot.stack import Deployment, Proc
from sandbox import Limits, Sandbox
from sandbox.client import MessageView, Press, SandboxUser
from tests.bench.common import LoadResult, closed_loop, machine, open_loop, pct

HERE = Path(__file__).resolve().parent
COURSE = "BENCH101"
OPTION_LABELS = ("A", "B", "C", "D")


# ---- the floor: a bare aiogram bot -----------------------------------------------------------------


async def _press_next(user: SandboxUser, msg: MessageView) -> MessageView:
    label = "ABCD"[msg.message_id % 4]
    await user.press(label, message=msg)
    return await user.wait_for_edit(msg, timeout=30)


async def measure_floor(users_n: int, seconds: float, open_rate: float) -> tuple[LoadResult, LoadResult, str]:
    sb = Sandbox(limits=Limits.off())
    await sb.start()
    bot = sb.add_bot(token="700000001:AAFloorBotTokenForBenchmarks00000", username="floor_bot")
    env = {**os.environ, "EDUBOT_TELEGRAM_API_URL": sb.api_url, "EDUBOT_BOT_TOKEN": bot.token}
    proc = Proc("floor-bot", [sys.executable, str(HERE / "floor_bot.py")], env)
    try:
        users = [sb.add_user(f"Student{i}", language_code="en") for i in range(users_n)]
        for u in users:
            await u.send("/start")
        first = [await u.wait_for("Question 1", timeout=60) for u in users]
        with CpuMeter({"floor bot": proc}) as cpu:
            closed = await closed_loop(users, first, _press_next, seconds)
        opened = await open_loop(users, closed.final, _press_next, open_rate, seconds)
        return closed, opened, f"{cpu.summary()}; floor bot RSS {rss_mb(proc):.0f} MB"
    finally:
        proc.stop()
        await sb.stop()


# ---- seeding: a school, its students (joined, as through their codes), a bank, an exam ------------


def bank_rows(n: int) -> list[QuestionRow]:
    """``n`` single-answer MCQs of four options, one mark each."""
    return [QuestionRow(row=i + 2, ref=f"BQ{i:03d}", kind="MCQ", text=f"Bench question {i}: which option is right?",
                        options=("Alpha", "Beta", "Gamma", "Delta"), correct=(i % 4,), value=None,
                        tolerance=Decimal(0), model_answer="", marks=Decimal(1), co=None, bloom=None, topic="Bench",
                        concept="Bench", difficulty=None, irt=None)
            for i in range(1, n + 1)]


@dataclass
class Pupil:
    user: SandboxUser
    user_id: int
    class_name: str


@dataclass
class ExamSchool:
    org_id: int
    teacher: Actor
    pupils: list[Pupil] = field(default_factory=list)

    def of_class(self, name: str) -> list[Pupil]:
        return [p for p in self.pupils if p.class_name == name]


async def exam_school(dep: Deployment, class_sizes: dict[str, int], n_questions: int,
                      *, telegram_ids: Sequence[int] | None = None) -> ExamSchool:
    """An organization, a teacher of course BENCH101 (of the first class) with a bank of ``n_questions`` MCQs,
    and classes of students who joined with their personal codes (through the domain services, as the
    bot does). Students are sandbox people who started the bot earlier; ``telegram_ids`` reuses ids."""
    assert dep.sessionmaker is not None and dep.sandbox is not None
    sb = dep.sandbox
    ids = iter(telegram_ids or ())
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Bench Exam College", timezone="Asia/Kolkata")
        code = await invites.create_invite(s, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
        await s.commit()
        teacher_person = sb.add_user("Teacher", started=True)
        t_user = await users.ensure_user(s, TelegramProfile(teacher_person.id, "Teacher", language_code="en"))
        await s.commit()
        await joining.redeem(s, await users.load_actor(s, t_user), code)
        teacher = await users.load_actor(s, t_user)
        school = ExamSchool(org.id, teacher)
        made = {name: await classes.create_class(s, teacher, name) for name in class_sizes}
        first = next(iter(class_sizes))
        await courses.create_course(s, teacher, code=COURSE, name="Benchmarks", class_name=first, program=None)
        await s.commit()
        course = await s.scalar(select(Course).where(Course.org_id == org.id, Course.code == COURSE))
        assert course is not None
        await questions.apply_bank(s, course, bank_rows(n_questions), upload_id=None, user_id=teacher.user_id)
        await s.commit()
        n = 0
        for name, size in class_sizes.items():
            entries = [students.RosterEntry(f"1BE24{name[-1]}{n + i:05d}", f"Student {n + i}", made[name].id, None)
                       for i in range(size)]
            out = await students.apply_roster(s, teacher, entries)
            await s.commit()
            for i, line in enumerate(out.lines):
                tid = next(ids, None)
                person = sb.add_user(f"Student{n + i}", started=True, user_id=tid)
                u = await users.ensure_user(s, TelegramProfile(person.id, person.first_name, language_code="en"))
                await s.commit()
                assert line.student_code is not None
                await joining.redeem(s, await users.load_actor(s, u), line.student_code)
                school.pupils.append(Pupil(person, u.id, name))
            n += size
    return school


async def create_exam(dep: Deployment, school: ExamSchool, title: str, *, minutes: int, class_names: Sequence[str],
                      announce: bool = True) -> int:
    """A fixed exam of every question of the bank, open now for a day, for ``class_names``.

    With ``announce`` its students are told now (a message with ▶ Start, sent by the worker); without,
    it is made to open already announced (only the messages measured afterwards reach the students)."""
    assert dep.sessionmaker is not None
    now = dt.datetime.now(dt.UTC)
    opens = now if announce else now + dt.timedelta(hours=1)
    spec = exams.ExamSpec(course=COURSE, title=title, kind="fixed", questions="all", minutes=minutes,
                          opens_at=opens, closes_at=now + dt.timedelta(days=1), classes=list(class_names))
    async with dep.sessionmaker() as s:
        made = await exams.create_exam(s, school.teacher, spec)
        if not announce:
            await s.execute(text("UPDATE exams SET opens_at = now() - interval '1 second', announced_at = now() "
                                 "WHERE id = :e"), {"e": made.exam_id})
            await s.commit()
    return made.exam_id


# ---- the exam flow through the sandbox --------------------------------------------------------------


#: Alerts the bot answered a press with instead of doing it ("Sorry, something went wrong…"), by text.
FAILED_PRESSES: Counter[str] = Counter()


def failed_since(before: Counter[str]) -> str:
    new = FAILED_PRESSES - before
    if not new:
        return "0"
    return f"{sum(new.values())} (" + "; ".join(f"{n}× {text!r}" for text, n in new.most_common()) + ")"


async def press_until(user: SandboxUser, label: str, message: MessageView,
                      outcome: Callable[[], Awaitable[MessageView]], *, tries: int = 8,
                      patience: float | None = None) -> MessageView:
    """Press ``label`` on ``message`` and wait for ``outcome`` (the edit, or a new message). When the bot
    answers the press with an alert instead, or (with ``patience``) when nothing at all comes within that
    many seconds, press again as a person would; each such press is counted in FAILED_PRESSES."""
    for _ in range(tries):
        pressed = await user.press(label, message=message)

        async def alert(p: Press = pressed) -> str | None:
            try:
                answer = await p.answer(timeout=60)
            except AssertionError:  # not answered in time: the outcome decides
                return None
            return answer.text if answer.show_alert else None

        result = asyncio.ensure_future(outcome())
        refused = asyncio.ensure_future(alert())
        done, _ = await asyncio.wait({result, refused}, timeout=patience, return_when=asyncio.FIRST_COMPLETED)
        if result.done():
            refused.cancel()
            return result.result()
        if not done:  # silence: no answer to the press and no outcome within the patience
            result.cancel()
            refused.cancel()
            FAILED_PRESSES[f"(nothing within {patience:g} s)"] += 1
            continue
        text = refused.result()
        if text is None:
            return await result
        result.cancel()
        FAILED_PRESSES[text] += 1
    raise AssertionError(f"the bot refused {tries} presses of {label!r} in a row: {FAILED_PRESSES.most_common(2)}")


async def answer_press(user: SandboxUser, msg: MessageView) -> MessageView:
    """Press an option button of the current question (one not chosen yet: op ``o``), then wait for the edit.

    The bot stores the answer and moves to the next question still to answer; on the last question the
    message stays there with the new choice ticked, so every press is an answer written to PostgreSQL."""
    free = [t for t in msg.button_texts if t in OPTION_LABELS]
    if not free:
        raise AssertionError(f"no option button to press on: {msg.line()}")
    return await press_until(user, random.choice(free), msg, lambda: user.wait_for_edit(msg, timeout=60),
                             patience=30)


async def announcements(pupils: Sequence[Pupil]) -> list[MessageView]:
    """The exam's announcement (with ▶ Start) in each pupil's chat, once the worker has sent them all."""
    return list(await asyncio.gather(*(p.user.wait_for("A new exam is open", timeout=300) for p in pupils)))


async def start_attempts(pupils: Sequence[Pupil], announced: Sequence[MessageView], n_questions: int
                         ) -> list[MessageView]:
    """Every pupil presses ▶ Start on the exam's announcement; their exam messages (question 1)."""

    async def one(p: Pupil, ann: MessageView) -> MessageView:
        return await press_until(p.user, "▶ Start", ann,
                                 lambda: p.user.wait_for(f"question 1 of {n_questions}", timeout=180), patience=30)

    return list(await asyncio.gather(*(one(p, a) for p, a in zip(pupils, announced, strict=True))))


class CpuMeter:
    """CPU used over one phase by each part: the bot, worker and scheduler (their process trees), PostgreSQL
    (our database's backends and the server's own processes), Redis, and this process (the sandbox and the
    simulated people); the rest of the machine's busy time is other work on a shared machine."""

    def __init__(self, procs: Mapping[str, Proc], database: str | None = None) -> None:
        self.procs = procs
        self.database = database

    @classmethod
    def of(cls, dep: Deployment) -> CpuMeter:
        assert dep.procs is not None
        return cls(dep.procs.procs, dep.database_url.rsplit("/", 1)[-1])

    def _sample(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, psutil.Process]] = {}
        for name, proc in self.procs.items():
            for p in proc.tree():
                found[p.pid] = (name, p)
        db_name = self.database or "-"
        for p in psutil.process_iter(["name", "cmdline"]):
            pname, title = p.info["name"] or "", " ".join(p.info["cmdline"] or ())
            if p.pid in found:
                continue
            if pname.startswith("redis-server"):
                found[p.pid] = ("redis", p)
            elif self.database and pname.startswith("postgres") and (db_name in title or "edubot" not in title):
                found[p.pid] = ("postgres", p)  # our database's backends and the server's own processes
        found[os.getpid()] = ("sandbox + people", psutil.Process())
        out = {}
        for pid, (name, p) in found.items():
            try:
                t = p.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            out[pid] = (name, t.user + t.system)
        return out

    def __enter__(self) -> CpuMeter:
        self.t0 = time.monotonic()
        self.s0 = self._sample()
        self.sys0 = psutil.cpu_times()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.monotonic() - self.t0
        s1 = self._sample()
        self.share: dict[str, float] = {}
        for pid, (name, cpu) in s1.items():
            before = self.s0.get(pid, (name, 0.0))[1]
            self.share[name] = self.share.get(name, 0.0) + (cpu - before) / wall
        t1 = psutil.cpu_times()
        t0 = self.sys0
        whole = (sum(t1) - t1.guest - t1.guest_nice) - (sum(t0) - t0.guest - t0.guest_nice)
        busy = whole - (t1.idle + t1.iowait + t1.steal - t0.idle - t0.iowait - t0.steal)
        self.machine_busy = busy / whole if whole else float("nan")
        self.steal = (t1.steal - t0.steal) / whole if whole else float("nan")

    def summary(self) -> str:
        parts = ", ".join(f"{name} {100 * v:.0f}%" for name, v in sorted(self.share.items(), key=lambda kv: -kv[1]))
        others = self.machine_busy * (psutil.cpu_count() or 1) - sum(self.share.values())
        parts += f", everything else on the machine {100 * max(0.0, others):.0f}%"
        return (f"CPU (% of one core): {parts}; machine {100 * self.machine_busy:.0f}% busy of "
                f"{psutil.cpu_count()} cores ({100 * self.steal:.0f}% stolen by the host)")


_MS = re.compile(r"type=callback_query .*?ms=([\d.]+)")


def handler_ms(log: str) -> list[float]:
    """The bot's own time per callback query (its ``update … ms=`` log lines)."""
    return [float(m) for m in _MS.findall(log)]


def rss_mb(proc: Proc) -> float:
    total = 0
    for p in proc.tree():
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


async def stored_answers(dep: Deployment, exam_id: int) -> tuple[int, int]:
    """Answers stored for the exam's attempts, and the changes of an answer made after its first choice."""
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        row = (await s.execute(text(
            "SELECT count(*) FILTER (WHERE a.answered_at IS NOT NULL), coalesce(sum(a.changes), 0) "
            "FROM attempt_answers a JOIN attempts t ON t.id = a.attempt_id WHERE t.exam_id = :e"),
            {"e": exam_id})).one()
    return int(row[0]), int(row[1])


def revision() -> str:
    """The commit the benchmarked code is at (and whether the work tree differs from it)."""
    root = HERE.parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "of an unknown commit"
    return f"at {head}" + (" with local changes" if dirty else "")


def say(line: str) -> None:
    print(line, flush=True)


@dataclass
class ExamFigures:
    closed: LoadResult
    opened: LoadResult
    stored: int
    changes: int
    ok: bool


async def measure_exam(db: str, redis: str, data: Path, users_n: int, extra_n: int, n_questions: int,
                       seconds: float, open_rate: float) -> ExamFigures:
    level = os.environ.get("EDUBOT_BENCH_LOG_LEVEL", "INFO")  # INFO (the default): the bot logs ms= per update
    dep = Deployment(db, redis, data, limits=Limits.off(),
                     extra_env={"EDUBOT_LOG_LEVEL": level, "EDUBOT_TELEGRAM_RATE": "1000"})
    await dep.start()
    try:
        assert dep.sessionmaker is not None and dep.procs is not None
        bot_proc = dep.procs.procs["bot"]
        rss_start = rss_mb(bot_proc)
        seeded = time.monotonic()
        sizes = {"BENCH-A": users_n, **({"BENCH-B": extra_n} if extra_n else {})}
        school = await exam_school(dep, sizes, n_questions)
        exam_id = await create_exam(dep, school, "Bench exam", minutes=120, class_names=list(sizes))
        takers, extra = school.of_class("BENCH-A"), school.of_class("BENCH-B")
        # every announcement delivered (nothing left for the worker to do), then class A starts
        announced = await announcements(takers + extra)
        first = await start_attempts(takers, announced[:len(takers)], n_questions)
        say(f"seeded in {time.monotonic() - seeded:.0f} s: {len(school.pupils)} joined students, exam #{exam_id} of "
            f"{n_questions} single-answer MCQs (120 minutes), {len(takers)} attempts started with ▶ Start; "
            f"▶ Start presses that failed (an alert, or nothing within 30 s: pressed again): "
            f"{failed_since(Counter())}")
        rss_idle = rss_mb(bot_proc)
        people = [p.user for p in takers]

        mark, seen = len(bot_proc.output()), Counter(FAILED_PRESSES)
        seen_before_loops = seen
        with CpuMeter.of(dep) as cpu_closed:
            closed = await closed_loop(people, first, answer_press, seconds)
        log = bot_proc.output()
        ms_closed, failed_closed = handler_ms(log[mark:]), failed_since(seen)
        mark, seen = len(log), Counter(FAILED_PRESSES)
        with CpuMeter.of(dep) as cpu_open:
            opened = await open_loop(people, closed.final, answer_press, open_rate, seconds)
        ms_open, failed_open = handler_ms(bot_proc.output()[mark:]), failed_since(seen)
        stored, changes = await stored_answers(dep, exam_id)
        settle = time.monotonic() + 60
        while time.monotonic() < settle:  # a press given up on (an error) may still be in the bot's hands
            await asyncio.sleep(2)
            again = await stored_answers(dep, exam_id)
            if again == (stored, changes):
                break
            stored, changes = again
        for name, cpu, ms, failures in (("closed loop", cpu_closed, ms_closed, failed_closed),
                                        ("open loop:  ", cpu_open, ms_open, failed_open)):
            say(f"exam {name}: {cpu.summary()}; the bot's own time per update (its log ms=): p50 {pct(ms, 50):.1f} ms, "
                f"p99 {pct(ms, 99):.1f} ms over {len(ms)} updates; failed presses: {failures}")
        presses = closed.presses + opened.presses
        errors = closed.errors + opened.errors
        writes = stored + changes
        n_failed = sum((FAILED_PRESSES - seen_before_loops).values())
        lost = max(0, presses - writes)
        ok = lost == 0
        say(f"stored in PostgreSQL: {stored} answers + {changes} changes of an answer = {writes} answer writes; "
            f"presses that got their edit: {presses}; failed presses (an alert, or nothing within 30 s: pressed "
            f"again): {n_failed}; given up on: {errors}; lost (edited but not stored): {lost}"
            + (f"; {writes - presses} writes of failed presses the bot did after all" if writes > presses else ""))

        rss_busy = rss_mb(bot_proc)
        seen = Counter(FAILED_PRESSES)
        if extra:
            msgs = await start_attempts(extra, announced[len(takers):], n_questions)

            async def few(p: Pupil, msg: MessageView) -> None:
                for _ in range(3):
                    msg = await answer_press(p.user, msg)

            await asyncio.gather(*(few(p, m) for p, m in zip(extra, msgs, strict=True)))
        async with dep.sessionmaker() as s:
            in_progress = int(await s.scalar(text(
                "SELECT count(*) FROM attempts WHERE exam_id = :e AND submitted_at IS NULL"), {"e": exam_id}) or 0)
        rss_full = rss_mb(bot_proc)
        say(f"memory: bot process RSS {rss_full:.0f} MB with {in_progress} attempts in progress (target ≤ 200 MB); "
            f"{rss_busy:.0f} MB after the presses with {len(takers)} attempts, {rss_idle:.0f} MB before them, "
            f"{rss_start:.0f} MB just started (no update handled yet)"
            + (f"; the {len(extra)} more started with ▶ Start and answered 3 questions each (presses answered with "
               f"an alert: {failed_since(seen)})" if extra else ""))
        return ExamFigures(closed, opened, stored, changes, ok)
    finally:
        await dep.stop()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="edubot bench answers")
    ap.add_argument("--users", type=int, default=500, help="students pressing (and users of the floor bot)")
    ap.add_argument("--seconds", type=float, default=15.0, help="length of each loop")
    ap.add_argument("--rate", type=float, default=250.0, help="open-loop presses per second")
    ap.add_argument("--questions", type=int, default=40, help="questions of the exam")
    ap.add_argument("--extra", type=int, default=None,
                    help="students of a second class who start the exam too, for memory (default: --users)")
    args = ap.parse_args(argv)
    extra = args.users if args.extra is None else args.extra
    say(f"machine: {machine()}; code {revision()}")
    say(f"workload: {args.users} users, closed loop {args.seconds:.0f} s, open loop {args.rate:.0f}/s for "
          f"{args.seconds:.0f} s; sandbox limits off")
    closed, opened, cpu = asyncio.run(measure_floor(args.users, args.seconds, args.rate))
    say(f"floor (bare aiogram bot)  closed loop: {closed.summary()}")
    say(f"floor (bare aiogram bot)  open loop:   {opened.summary()}")
    say(f"floor closed loop: {cpu}")
    say("a press in the exam: an option button of the current question not chosen yet (op o); the bot stores the "
          "answer in attempt_answers, moves the attempt to the next question and edits the message (on the last "
          "question it stays there, the new choice ticked)")
    with resolved(load_settings()) as ready:
        db, redis = scratch(ready, "edubot_bench_answers", 10)
        say(f"services: {db.rsplit('@', 1)[-1]}, {redis.rsplit('@', 1)[-1]}; bot, 1 worker × 8 threads, scheduler "
              "as processes; EDUBOT_TELEGRAM_RATE=1000 (only the exam's announcement is sent by the worker, "
              "before the measurement)")
        exam = asyncio.run(measure_exam(db, redis, ready.data_path / "bench-answers", args.users, extra,
                                        args.questions, args.seconds, args.rate))
    say(f"exam (bot + PostgreSQL)   closed loop: {exam.closed.summary()}")
    say(f"exam (bot + PostgreSQL)   open loop:   {exam.opened.summary()}")
    ratio = exam.closed.rate / closed.rate if closed.rate else float("nan")
    say(f"closed-loop throughput: exam {exam.closed.rate:.1f}/s ÷ floor {closed.rate:.1f}/s = {ratio:.2f} "
          f"(target ≥ 0.5)")
    say(f"open loop at {args.rate:.0f}/s: exam p99 {pct(exam.opened.latencies_ms, 99):.1f} ms (target ≤ 100 ms); "
          f"floor p99 {pct(opened.latencies_ms, 99):.1f} ms")
    errors = closed.errors + opened.errors + exam.closed.errors + exam.opened.errors
    return 0 if errors == 0 and exam.ok else 1
