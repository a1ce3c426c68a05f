"""`edubot bench scoring`: 1,000 attempts submitted in the same second, each scored and its student told.

A deployment (bot, workers as `edubot run` starts them by default, scheduler), 1,000 students of one
class with attempts in progress on a 20-question exam (started and partly answered through the domain
services). Then every attempt's time runs out in one statement (``deadline_at`` and ``submit_due_at``
set to now): the scheduler's auto-submit sweep submits them all, the workers score them and each
student's result message goes out through the sender. Measured from that statement until the last
result message reaches the sandbox.

Delivery is bounded by EDUBOT_TELEGRAM_RATE (30 messages a second by default: 1,000 messages need at
least 33 s), so the run is done twice, each time in a deployment of its own on a fresh database: with
Telegram's limits in the sandbox and the default rate, then with the sandbox's limits off and the rate
raised to 1,000 (a paid broadcast), where the 10 s target is about our own pipeline. Each case also
measures the floor: 1,000 plain messages to the same students through the same sender with the same
settings (as the `fanout` bench does).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from domain import notify
from domain.access import Actor
from domain.config import load_settings
from domain.model.people import User
from domain.services import attempts, users
from edubot.services import resolved, scratch
from edubot.stack import Deployment
from sandbox import Limits
from tests.bench.answers import COURSE, CpuMeter, ExamSchool, create_exam, exam_school, revision, say
from tests.bench.common import machine, pct
from tests.support import exam


@dataclass(frozen=True)
class Case:
    label: str
    limits: Limits
    rate: float


def _sent_to(dep: Deployment, wanted: set[int], pattern: re.Pattern[str]) -> tuple[Counter[int], list[float], int]:
    """Messages matching ``pattern`` the bot sent to ``wanted`` chats: per chat, their times, and 429s."""
    assert dep.sandbox is not None
    count: Counter[int] = Counter()
    times: list[float] = []
    too_many = 0
    for call in dep.sandbox.calls_of("sendMessage"):
        if call.error_code == 429:
            too_many += 1
            continue
        if not call.ok:
            continue
        chat = int(str(call.params.get("chat_id")))
        if chat in wanted and pattern.search(str(call.params.get("text", ""))):
            count[chat] += 1
            times.append(call.finished or call.monotonic)
    return count, times, too_many


async def _wait_all(dep: Deployment, wanted: set[int], pattern: re.Pattern[str], timeout: float
                    ) -> tuple[Counter[int], list[float], int]:
    deadline = time.monotonic() + timeout
    while True:
        count, _times, _too_many = _sent_to(dep, wanted, pattern)
        if len(count) >= len(wanted) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # anything sent twice shows now
    return _sent_to(dep, wanted, pattern)


async def _wait_scored(dep: Deployment, exam_id: int, n: int, timeout: float) -> None:
    assert dep.sessionmaker is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with dep.sessionmaker() as s:
            done = int(await s.scalar(text("SELECT count(scored_at) FROM attempts WHERE exam_id = :e"),
                                      {"e": exam_id}) or 0)
        if done >= n:
            return
        await asyncio.sleep(0.2)


async def _actors(dep: Deployment, school: ExamSchool) -> list[Actor]:
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        out = []
        for p in school.pupils:
            user = await s.get(User, p.user_id)
            assert user is not None
            out.append(await users.load_actor(s, user))
    return out


async def _attempts_in_progress(dep: Deployment, actors: Sequence[Actor], exam_id: int, questions: int,
                                answered: int, lanes: int = 8) -> None:
    """Each student starts the exam and answers its first ``answered`` questions (attempts.start / press)."""
    assert dep.sessionmaker is not None
    sm = dep.sessionmaker
    rnd = random.Random(exam_id)
    picks = [[rnd.randrange(4) for _ in range(answered)] for _ in actors]

    async def lane(k: int) -> None:
        async with sm() as s:
            for i in range(k, len(actors), lanes):
                view = await attempts.start(s, actors[i], exam_id)
                for pos in range(min(answered, questions)):
                    await exam.press(s, actors[i], view.attempt_id, "o", pos, picks[i][pos])

    await asyncio.gather(*(lane(k) for k in range(lanes)))


def _per_second(times: Sequence[float], t0: float) -> str:
    if not times:
        return "-"
    bins = Counter(int(t - t0) for t in times)
    return " ".join(f"{s}s:{bins.get(s, 0)}" for s in range(min(bins), max(bins) + 1))


def _job_ms(log: str, actor: str) -> list[float]:
    return [float(m) for m in re.findall(rf"job done actor={actor} .*?ms=([\d.]+)", log)]


async def run_case(dep: Deployment, school: ExamSchool, actors: Sequence[Actor], case: Case, n: int, questions: int,
                   answered: int) -> bool:
    assert dep.sessionmaker is not None and dep.sandbox is not None and dep.procs is not None
    exam_id = await create_exam(dep, school, "Unit test", minutes=60, class_names=["BENCH-A"],
                                announce=False)
    seeded = time.monotonic()
    await _attempts_in_progress(dep, actors, exam_id, questions, answered)
    say(f"seeded in {time.monotonic() - seeded:.0f} s: {n} attempts in progress on exam #{exam_id} "
        f"({questions} single-answer MCQs), {answered} answered in each (attempts.start, attempts.press)")
    wanted = {p.user.id for p in school.pupils}
    result_re = re.compile(rf"\({COURSE}\): [\d.]+/{questions} \(")
    worker_log_mark = len(dep.procs.procs["worker"].output())
    scheduler_log_mark = len(dep.procs.procs["scheduler"].output())
    dep.sandbox.clear_calls()

    async with dep.sessionmaker() as s:
        await s.execute(text("UPDATE attempts SET deadline_at = now(), submit_due_at = now() "
                             "WHERE exam_id = :e AND submitted_at IS NULL"), {"e": exam_id})
        await s.commit()
    t0_wall, t0 = dt.datetime.now(dt.UTC), time.monotonic()
    with CpuMeter.of(dep) as cpu_scoring:
        await _wait_scored(dep, exam_id, n, timeout=300)
    scored_seen = time.monotonic() - t0
    with CpuMeter.of(dep) as cpu_telling:
        count, times, too_many = await _wait_all(dep, wanted, result_re, timeout=n / case.rate * 3 + 120)
    async with dep.sessionmaker() as s:
        row = (await s.execute(text(
            "SELECT count(*), count(scored_at), min(submitted_at), max(submitted_at), max(scored_at) "
            "FROM attempts WHERE exam_id = :e"), {"e": exam_id})).one()
        total, scored, sub_first, sub_last, scored_last = row
        ids = [int(r[0]) for r in (await s.execute(text("SELECT id FROM attempts WHERE exam_id = :e"),
                                                     {"e": exam_id})).all()]
        # the scoring jobs since the attempts became due (one per attempt, or one per batch of them)
        covering: Counter[int] = Counter()
        undone = 0
        for actor, args, done_at in (await s.execute(text(
                "SELECT actor, args, done_at FROM outbox WHERE actor IN ('score_attempt', 'score_attempts') "
                "AND created_at >= :t"), {"t": t0_wall - dt.timedelta(seconds=1)})).all():
            covered = [args[0]] if actor == "score_attempt" else list(args[0])
            covering.update(int(a) for a in covered)
            undone += done_at is None
        jobs = Counter(covering.get(i, 0) for i in ids)
        rows_per_attempt = Counter(int(r[0]) for r in (await s.execute(text(
            "SELECT count(a.position) FROM attempts t LEFT JOIN attempt_answers a ON a.attempt_id = t.id "
            "AND a.status IS NOT NULL WHERE t.exam_id = :e GROUP BY t.id"), {"e": exam_id})).all())
        told = Counter(int(r[0]) for r in (await s.execute(text(
            "SELECT count(n.id) FROM attempts t JOIN students st ON st.id = t.student_id "
            "JOIN memberships m ON m.id = st.membership_id "
            "LEFT JOIN notifications n ON n.event_key = 'result:' || t.id AND n.recipient_user_id = m.user_id "
            "AND n.status = 'sent' WHERE t.exam_id = :e GROUP BY t.id"), {"e": exam_id})).all())
    worker_log = dep.procs.procs["worker"].output()[worker_log_mark:]
    sweeps = [(int(c), float(ms)) for c, ms in re.findall(r"sweep=attempts-due count=(\d+) ms=([\d.]+)",
                                                           dep.procs.procs["scheduler"].output()[scheduler_log_mark:])
              if int(c)]

    def since(moment: dt.datetime | None) -> float:
        return (moment - t0_wall).total_seconds() if moment is not None else float("nan")

    delivered = sum(count.values())
    first, last = (min(times) - t0, max(times) - t0) if times else (float("nan"), float("nan"))
    rate = (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 and max(times) > min(times) else float("nan")
    lost = len(wanted) - len(count)
    twice = sum(c - 1 for c in count.values() if c > 1)
    say(f"submitted by the scheduler's sweep: first {since(sub_first):.2f} s, last {since(sub_last):.2f} s after "
        f"the attempts became due ({total} attempts)")
    swept = "; ".join(f"{c} attempts submitted in one transaction of {ms / 1000:.2f} s" for c, ms in sweeps)
    say(f"the auto-submit sweep (its log): {swept or '-'} (submitted_at is the sweep's start; the jobs to score "
        "them are queued at its commit)")
    say(f"all scored: committed (seen by polling) {scored_seen:.2f} s after they became due; max(scored_at) "
        f"{since(scored_last):.2f} s after (scored_at is the time its job started); {scored} of {total} scored")
    say(f"result messages: first {first:.2f} s, last {last:.2f} s after they became due; {delivered} delivered "
        f"at {rate:.1f}/s = {rate / case.rate:.2f} × EDUBOT_TELEGRAM_RATE; 429 received {too_many}")
    say(f"delivered per second since due: {_per_second(times, t0)}")
    say(f"all scored and answered within {last:.2f} s (target ≤ 10 s)"
        + (f"; at {case.rate:g} messages/s {n} messages need ≥ {n / case.rate:.1f} s" if n / case.rate > 5 else ""))
    jobs_ms = {a: _job_ms(worker_log, a) for a in ("score_attempt", "score_attempts", "deliver_notifications")}
    say("worker jobs (their log ms=): " + "; ".join(
        f"{a} ×{len(v)} p50 {pct(v, 50):.0f} ms max {max(v):.0f} ms" for a, v in jobs_ms.items() if v))
    say(f"until all scored: {cpu_scoring.summary()}")
    say(f"then until all told: {cpu_telling.summary()}")
    once = (scored == total == n and jobs == Counter({1: n}) and undone == 0
            and rows_per_attempt == Counter({questions: n}))
    say(f"scored exactly once: {'yes' if once else 'NO'} ({scored} scored of {total}; scoring jobs covering each "
        f"attempt {dict(jobs)}, {undone} of them not done; scored answer rows per attempt {dict(rows_per_attempt)})")
    told_once = told == Counter({1: n}) and lost == 0 and twice == 0
    say(f"told exactly once: {'yes' if told_once else 'NO'} (sent notifications result:<attempt> per student "
        f"{dict(told)}; result messages in the sandbox: {lost} students without, {twice} extra)")

    # the floor: the same number of plain messages to the same people, through the same sender and settings
    plain = re.compile(rf"Bench floor {exam_id}:")
    async with dep.sessionmaker() as s:
        f0 = time.monotonic()
        await notify.notify(s, org_id=school.org_id, event_key=f"bench:floor:{exam_id}", kind="result",
                            recipients=[p.user_id for p in school.pupils],
                            message=f"Bench floor {exam_id}: " + "{title}", params={"title": "a plain message"})
        await s.commit()
    fcount, ftimes, _ = await _wait_all(dep, wanted, plain, timeout=n / case.rate * 3 + 120)
    flast = max(ftimes) - f0 if ftimes else float("nan")
    frate = (len(ftimes) - 1) / (max(ftimes) - min(ftimes)) if len(ftimes) > 1 else float("nan")
    say(f"floor: {len(ftimes)} plain messages (one notify call) delivered {flast:.2f} s after it, at {frate:.1f}/s; "
        f"results took {last / flast:.2f} × the floor's time")
    return once and told_once and len(fcount) == len(wanted)


CASES = {"telegram": Case("Telegram's limits, the default rate", Limits.telegram(), 0.0),
         "paid": Case("limits off, a paid broadcast's rate", Limits.off(), 1000.0)}


async def run(db: str, redis: str, data: Path, case: Case, n: int, questions: int, answered: int, workers: int,
              threads: int) -> bool:
    """One case in a deployment of its own (its sandbox limits and EDUBOT_TELEGRAM_RATE) on a fresh database."""
    level = os.environ.get("EDUBOT_BENCH_LOG_LEVEL", "INFO")
    dep = Deployment(db, redis, data, limits=case.limits, worker_processes=workers, worker_threads=threads,
                     extra_env={"EDUBOT_LOG_LEVEL": level, "EDUBOT_TELEGRAM_RATE": f"{case.rate:g}"})
    say(f"--- {case.label}: sandbox limits {case.limits.as_dict() if case.limits.enabled else 'off'}, "
        f"EDUBOT_TELEGRAM_RATE={case.rate:g}")
    await dep.start()
    try:
        seeded = time.monotonic()
        school = await exam_school(dep, {"BENCH-A": n}, questions)
        actors = await _actors(dep, school)
        say(f"seeded in {time.monotonic() - seeded:.0f} s: {n} students of one class, joined with their codes")
        return await run_case(dep, school, actors, case, n, questions, answered)
    finally:
        await dep.stop()


def main(argv: list[str]) -> int:
    settings = load_settings()
    ap = argparse.ArgumentParser(prog="edubot bench scoring")
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--answered", type=int, default=12, help="questions answered in each attempt before the time ends")
    ap.add_argument("--workers", type=int, default=settings.worker_processes,
                    help="worker processes (default: as `edubot run`, EDUBOT_WORKER_PROCESSES)")
    ap.add_argument("--threads", type=int, default=settings.worker_threads)
    ap.add_argument("--cases", default="telegram,paid",
                    help="telegram (Telegram's limits, the default EDUBOT_TELEGRAM_RATE) and/or paid (limits off, "
                         "1000/s)")
    args = ap.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if any(c not in ("telegram", "paid") for c in cases):
        ap.error("--cases takes telegram and/or paid")
    say(f"machine: {machine()}; code {revision()}")
    say(f"workload: {args.students} attempts of a {args.questions}-question exam submitted at once by the "
        f"scheduler's auto-submit sweep (their time made to run out in one statement); workers: "
        f"{args.workers} processes × {args.threads} threads (as `edubot run` starts them)")
    ok = True
    with resolved(settings) as ready:
        for name in cases:
            case = CASES[name]
            if not case.rate:
                case = Case(case.label, case.limits, ready.telegram_rate)
            db, redis = scratch(ready, "edubot_bench_scoring", 9)
            ok = asyncio.run(run(db, redis, ready.data_path / "bench-scoring", case, args.students, args.questions,
                                 args.answered, args.workers, args.threads)) and ok
    return 0 if ok else 1
