"""Exams under faults: the worker SIGKILLed while 1,000 submitted attempts are being scored (each is
scored and announced exactly once after a restart), and the active scheduler killed at the deadline
(the standby copy submits the attempts, once)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time

import pytest
from sqlalchemy import select, text

from domain.model.base import utcnow
from domain.model.exams import Exam
from domain.model.people import Course, User
from domain.services import attempts, exams, questions
from domain.services.users import load_actor
from edubot.stack import Deployment, Proc
from sandbox.client import SandboxUser
from tests.integration.test_exams import row
from tests.support.seed import course_with_students

pytestmark = pytest.mark.e2e
TAKERS = 1000


async def _seed(dep: Deployment, n: int) -> tuple[int, int, list[int], list[SandboxUser]]:
    """A course with ``n`` joined students (each a sandbox person), a bank and an exam open now.

    Returns (org id, exam id, student ids, the people in the students' order)."""
    assert dep.sessionmaker is not None and dep.sandbox is not None
    teacher = dep.person("Teacher")
    people = [dep.sandbox.add_user(f"Taker{i}", started=True) for i in range(n)]
    async with dep.sessionmaker() as s:
        org_id, code, usns = await course_with_students(s, teacher.id, n, org_name="Fault College")
        user_ids = [r[0] for r in await s.execute(text(
            "INSERT INTO users (telegram_id, first_name) SELECT unnest(CAST(:ids AS bigint[])), 'Taker' RETURNING id"),
            {"ids": [p.id for p in people]})]
        members = [r[0] for r in await s.execute(text(
            "INSERT INTO memberships (org_id, user_id, role) SELECT :o, unnest(CAST(:u AS bigint[])), 'student' "
            "RETURNING id"), {"o": org_id, "u": user_ids})]
        linked = (await s.execute(text(
            "UPDATE students s SET membership_id = x.m FROM unnest(CAST(:usns AS text[]), CAST(:m AS bigint[])) "
            "AS x(u, m) WHERE s.org_id = :o AND s.usn = x.u RETURNING s.id, s.usn"), {"o": org_id, "usns": usns,
                                                                                        "m": members})).all()
        student_ids, returned_usns = [r[0] for r in linked], [r[1] for r in linked]
        course = await s.scalar(select(Course).where(Course.org_id == org_id, Course.code == code))
        assert course is not None
        await questions.apply_bank(s, course, [row("Q1"), row("Q2", "TF", "Water is wet."),
                                               row("Q3", "NUM", "6 * 7?", value=42)], upload_id=None, user_id=None)
        await s.commit()
        t_user = await s.scalar(select(User).where(User.telegram_id == teacher.id))
        assert t_user is not None
        made = await exams.create_exam(s, await load_actor(s, t_user), exams.ExamSpec(
            course=code, title="Fault test", kind="fixed", questions="all", minutes=30,
            opens_at=utcnow() + dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=2), shuffle=False))
    order = dict(zip(usns, people, strict=True))
    return org_id, made.exam_id, student_ids, [order[u] for u in returned_usns]


async def _open_attempts(dep: Deployment, exam_id: int, student_ids: list[int], due_in: float) -> None:
    """Attempts in progress for these students (their paper frozen as a start would), due in ``due_in`` s;
    each answered Q1 right, Q2 wrong, Q3 not at all."""
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        exam = await s.get(Exam, exam_id)
        assert exam is not None
        paper = await attempts.build_paper(s, exam, 1)
        ids = [r[0] for r in await s.execute(text(
            "INSERT INTO attempts (org_id, exam_id, student_id, paper, deadline_at, submit_due_at) "
            "SELECT :o, :e, unnest(CAST(:s AS bigint[])), CAST(:p AS jsonb), now() + interval '30 minutes', "
            "now() + make_interval(secs => :due) RETURNING id"),
            {"o": exam.org_id, "e": exam.id, "s": student_ids, "p": json.dumps(paper), "due": due_in})]
        await s.execute(text(
            "INSERT INTO attempt_answers (attempt_id, position, chosen, answered_at) "
            "SELECT a, 0, '{1}'::smallint[], now() FROM unnest(CAST(:ids AS bigint[])) AS a UNION ALL "
            "SELECT a, 1, '{1}'::smallint[], now() FROM unnest(CAST(:ids AS bigint[])) AS a"), {"ids": ids})
        await s.commit()


async def _count(dep: Deployment, sql: str, **params: object) -> int:
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        return int(await s.scalar(text(sql), params) or 0)


async def _until(dep: Deployment, sql: str, want: int, timeout: float, **params: object) -> int:
    deadline = time.monotonic() + timeout
    got = -1
    while time.monotonic() < deadline:
        got = await _count(dep, sql, **params)
        if got >= want:
            return got
        await asyncio.sleep(0.2)
    return got


@pytest.mark.deployment(extra_env={"EDUBOT_WORKER_ORPHAN_SECONDS": "4", "EDUBOT_TELEGRAM_RATE": "1000"})
async def test_worker_killed_while_scoring_and_scheduler_killed_at_the_deadline(own_deployment: Deployment) -> None:
    dep = own_deployment
    assert dep.procs is not None and dep.sandbox is not None
    _org, exam_id, students, people = await _seed(dep, TAKERS + 20)
    first, later = students[:TAKERS], students[TAKERS:]

    # 1,000 attempts due at once; the worker dies while scoring them
    await _open_attempts(dep, exam_id, first, due_in=0)
    scored = await _until(dep, "SELECT count(*) FROM attempts WHERE scored_at IS NOT NULL", 50, timeout=60)
    dep.procs.kill("worker")
    assert scored < TAKERS, "all were scored before the kill; the test proves nothing"
    dep.procs.start("worker")
    done = await _until(dep, "SELECT count(*) FROM attempts WHERE scored_at IS NOT NULL", TAKERS, timeout=120)
    assert done == TAKERS
    sent = await _until(dep, "SELECT count(*) FROM notifications WHERE event_key LIKE 'result:%' AND status = 'sent'",
                        TAKERS, timeout=120)
    assert sent == TAKERS
    await asyncio.sleep(2)  # anything sent twice would have arrived by now
    results = [sum(1 for m in person.bot_messages if "Fault test" in m.content and "/3" in m.content)
               for person in people[:TAKERS]]
    assert results == [1] * TAKERS
    assert await _count(dep, "SELECT count(*) FROM (SELECT event_key, recipient_user_id FROM notifications "
                             "GROUP BY 1, 2 HAVING count(*) > 1) d") == 0
    assert await _count(dep, "SELECT count(*) FROM attempts WHERE score = 1 AND max_score = 3") == TAKERS

    # the active scheduler dies just before the next deadline; the standby submits
    standby = Proc("scheduler-2", [sys.executable, "-m", "edubot", "scheduler"], dep.env, dep.procs.log_dir)
    try:
        await asyncio.sleep(2)
        await _open_attempts(dep, exam_id, later, due_in=3)
        await asyncio.sleep(2)
        dep.procs.kill("scheduler")
        submitted = await _until(dep, "SELECT count(*) FROM attempts WHERE submitted_how = 'timer' AND "
                                       "student_id = ANY(:s)", len(later), timeout=60, s=later)
        assert submitted == len(later)
        scored_later = await _until(dep, "SELECT count(*) FROM attempts WHERE scored_at IS NOT NULL AND "
                                          "student_id = ANY(:s)", len(later), timeout=60, s=later)
        assert scored_later == len(later)
        assert "scheduler is active" in standby.output()
        assert await _count(dep, "SELECT count(*) FROM attempts WHERE scored_at IS NOT NULL") == TAKERS + len(later)
    finally:
        standby.stop()

