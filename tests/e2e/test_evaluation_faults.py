"""The SLA under faults: 16 evaluations come due together while the worker is SIGKILLed in the middle of
sending their first reminders, and the active scheduler is SIGKILLed between the reminders and the
breach (a standby copy runs all along and takes over; the killed one comes back as the standby). Every
reminder and every breach is recorded once and told once; only a message in flight at the instant of
the worker's death may reach its teacher twice."""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter

import pytest
from sqlalchemy import text

from edubot.stack import Deployment, Proc
from tests.e2e.test_exam_faults import _count, _open_attempts, _seed, _until

pytestmark = pytest.mark.e2e
EVALUATIONS = 16
TEACHERS = 2


@pytest.mark.deployment(extra_env={"EDUBOT_WORKER_ORPHAN_SECONDS": "4"})
async def test_reminders_and_breaches_once_through_worker_and_scheduler_deaths(own_deployment: Deployment) -> None:
    dep = own_deployment
    assert dep.procs is not None and dep.sandbox is not None and dep.sessionmaker is not None
    org_id, exam_id, students, _people = await _seed(dep, EVALUATIONS)
    teachers = [dep.sandbox.add_user(f"Marker{i}", started=True) for i in range(TEACHERS)]
    admin = dep.sandbox.add_user("Principal", started=True)
    async with dep.sessionmaker() as s:
        users = [r[0] for r in await s.execute(text(
            "INSERT INTO users (telegram_id, first_name) SELECT unnest(CAST(:ids AS bigint[])), 'Marker' "
            "RETURNING id"), {"ids": [p.id for p in [*teachers, admin]]})]
        members = [r[0] for r in await s.execute(text(
            "INSERT INTO memberships (org_id, user_id, role) SELECT :o, u, "
            "CASE WHEN n <= :t THEN 'teacher' ELSE 'admin' END "
            "FROM unnest(CAST(:u AS bigint[])) WITH ORDINALITY AS x(u, n) RETURNING id"),
            {"o": org_id, "u": users, "t": TEACHERS})]
        await s.commit()
    await _open_attempts(dep, exam_id, students, due_in=3600)
    standby = Proc("scheduler-2", [sys.executable, "-m", "edubot", "scheduler"], dep.env, dep.procs.log_dir)
    try:
        async with dep.sessionmaker() as s:  # submitted now; first reminder in 2 s, second in 9 s, breach in 11 s
            await s.execute(text(
                "UPDATE attempts SET submitted_at = now(), submitted_how = 'student', scored_at = now(), "
                "score = 1, max_score = 3 WHERE exam_id = :e"), {"e": exam_id})
            await s.execute(text(
                "INSERT INTO evaluations (org_id, attempt_id, exam_id, teacher_membership_id, sla_seconds, "
                "submitted_at, deadline_at, remind_first_at, remind_second_at, assigned_at) "
                "SELECT a.org_id, a.id, a.exam_id, (CAST(:m AS bigint[]))[1 + (row_number() OVER (ORDER BY a.id)) "
                "% :t], 11, now(), now() + interval '11 s', now() + interval '2 s', now() + interval '9 s', now() "
                "FROM attempts a WHERE a.exam_id = :e"), {"e": exam_id, "m": members[:TEACHERS], "t": TEACHERS})
            await s.commit()

        # the worker dies while the first reminders go out (one teacher's chat takes a message a second)
        sent_first = "SELECT count(*) FROM notifications WHERE event_key LIKE 'evaluation%first' AND status = 'sent'"
        before = await _until(dep, sent_first, 3, timeout=30)
        in_flight = set(await _rows(dep, "SELECT n.event_key FROM notifications n WHERE n.event_key LIKE "
                                          "'evaluation%first' AND n.status = 'sending'"))
        dep.procs.kill("worker")
        assert before < EVALUATIONS, "every reminder went before the kill; the test proves nothing"
        dep.procs.start("worker")

        # the active scheduler dies between the reminders and the breach; the standby takes over
        await asyncio.sleep(4)
        dep.procs.kill("scheduler")
        breached = await _until(dep, "SELECT count(*) FROM evaluations WHERE breached_at IS NOT NULL", EVALUATIONS,
                                timeout=60)
        assert breached == EVALUATIONS
        dep.procs.start("scheduler")  # back, as the standby now
        everything = -1
        # until nothing about evaluations is left to send: a message the dead worker had claimed goes again once
        # its claim is stale (a minute), so the sweep finds it
        for _ in range(300):
            everything = await _count(dep, "SELECT count(*) FROM notifications WHERE event_key LIKE "
                                           "'evaluation:%' AND status IN ('pending', 'sending')")
            if everything == 0:
                break
            await asyncio.sleep(0.5)
        assert everything == 0, await _rows(dep, "SELECT event_key || ' ' || status || ' ' || attempts "
                                                 "FROM notifications WHERE status IN ('pending', 'sending')")
        await asyncio.sleep(2)  # anything sent twice would have arrived by now
        assert "scheduler is active" in standby.output()
    finally:
        standby.stop()

    rows = await _rows(dep, "SELECT event_key || '|' || status FROM notifications WHERE event_key LIKE 'evaluation:%'")
    kinds = Counter(r.split("|")[0].rsplit(":", 1)[1] for r in rows)
    assert kinds["first"] == EVALUATIONS and kinds["breach"] == EVALUATIONS and kinds["second"] <= EVALUATIONS
    assert all(r.endswith("|sent") for r in rows), rows
    assert await _count(dep, "SELECT count(*) FROM evaluations WHERE reminded_first_at IS NULL OR "
                             "reminded_second_at IS NULL OR breached_at IS NULL") == 0
    # in the chats: each reminder told (twice only if it was in flight at the kill), each breach once
    of = dict(r.split("|") for r in await _rows(dep, "SELECT e.id || '|' || s.usn FROM evaluations e JOIN attempts a "
                                                     "ON a.id = e.attempt_id JOIN students s ON s.id = a.student_id"))
    expected = Counter({of[r.split(":")[1]]: 0 for r in rows})
    for r in rows:
        key = r.split("|")[0]
        if key.endswith((":first", ":second")):
            expected[of[key.split(":")[1]]] += 1
    usn = re.compile(r"\((1BM24CS\d+)\)")
    reminders = Counter(m for t in teachers for v in t.bot_messages if "Reminder" in v.content
                        for m in usn.findall(v.content))
    breaches = Counter(m for v in admin.bot_messages if "Deadline missed" in v.content for m in usn.findall(v.content))
    assert len(breaches) == EVALUATIONS and set(breaches.values()) == {1}
    missing = [u for u in expected if reminders[u] < expected[u]]
    extra = [u for u in expected if reminders[u] > expected[u]]
    assert missing == []
    assert len(extra) <= len(in_flight), (extra, in_flight)


async def _rows(dep: Deployment, sql: str) -> list[str]:
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        return [str(r[0]) for r in await s.execute(text(sql))]
