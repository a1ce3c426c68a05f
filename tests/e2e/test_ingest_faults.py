"""A worker SIGKILLed in the middle of an ingest: after a restart the marks are there exactly once and
the teacher gets one answer and one report."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from edubot.stack import Deployment
from tests.support.seed import course_with_students, marks_csv

pytestmark = pytest.mark.e2e
STUDENTS, QUESTIONS = 10_000, 40  # parsing takes seconds: long enough to show progress and be killed


@pytest.mark.deployment(extra_env={"EDUBOT_WORKER_ORPHAN_SECONDS": "4"})
async def test_worker_killed_mid_ingest_applies_the_marks_once(own_deployment: Deployment) -> None:
    dep = own_deployment
    assert dep.sessionmaker is not None and dep.procs and dep.sandbox is not None and dep.bot is not None
    teacher = dep.person("Teacher")
    async with dep.sessionmaker() as s:
        _org, code, usns = await course_with_students(s, teacher.id, STUDENTS)
    await teacher.send("/start")
    await teacher.wait_for("Hello")
    await teacher.send_document(marks_csv(usns, QUESTIONS), filename="ia1.csv",
                                caption=f'course={code} assessment="IA 1" component=CIE')
    received = await teacher.wait_for("Received ia1.csv")
    await teacher.wait_for_edit(received, r"Checking ia1\.csv: [\d,]+ / [\d,]+ rows", timeout=60)
    dep.procs.kill("worker")  # SIGKILL while the file is being checked, its transaction open
    async with dep.sessionmaker() as s:
        marks_at_kill = await s.scalar(text("SELECT count(*) FROM marks"))
        status_at_kill = await s.scalar(text("SELECT status FROM uploads"))
    assert marks_at_kill == 0 and status_at_kill != "done"  # nothing of it had been committed
    dep.procs.start("worker")
    await teacher.wait_for(rf"IA 1 \(CIE\) of {code}: marks of 10000 students saved", timeout=180)
    await teacher.wait_for(f"Every number of the attainment of {code}", timeout=120)
    await asyncio.sleep(3)  # anything sent twice would have arrived by now
    saved = [m for m in teacher.bot_messages if "marks of 10000 students saved" in m.content]
    sheets = [m for m in teacher.bot_messages if f"Every number of the attainment of {code}" in m.content]
    assert len(saved) == 1 and len(sheets) == 1
    async with dep.sessionmaker() as s:
        marks, distinct = (await s.execute(text(
            "SELECT count(*), count(DISTINCT (student_id, item_id)) FROM marks"))).one()
        uploads = (await s.execute(text("SELECT status, rows FROM uploads"))).all()
        audited = await s.scalar(text("SELECT count(*) FROM audit_log WHERE action LIKE 'marks.%'"))
    assert marks == distinct == STUDENTS * QUESTIONS
    assert [tuple(u) for u in uploads] == [("done", STUDENTS)]
    assert audited == 1
