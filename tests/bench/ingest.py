"""`edubot bench ingest`: a marks sheet of 5,000 students × 40 questions sent as a document, timed from
the send to the report message; the marks insert compared with a plain COPY of the same rows."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy import text

from domain.config import load_settings
from edubot.services import resolved, scratch
from edubot.stack import Deployment
from tests.bench.common import machine
from tests.support.seed import course_with_students, marks_csv


async def plain_copy_seconds(db_url: str, records: Sequence[tuple[object, ...]]) -> float:
    """The floor: COPY of the same rows into a bare table of the same columns (no keys, no checks)."""
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("CREATE TEMP TABLE floor_marks (item_id bigint, student_id bigint, course_id bigint, "
                           "assessment_id bigint, marks numeric(7,2), max_marks numeric(7,2), absent boolean, "
                           "upload_id bigint)")
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("floor_marks", records=records)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def run(db: str, redis: str, data: Path, students: int, questions: int, rounds: int) -> int:
    level = os.environ.get("EDUBOT_BENCH_LOG_LEVEL", "WARNING")
    dep = Deployment(db, redis, data, extra_env={"EDUBOT_LOG_LEVEL": level})
    await dep.start()
    try:
        assert dep.sessionmaker is not None
        teacher = dep.person("Teacher")
        async with dep.sessionmaker() as s:
            _org, code, usns = await course_with_students(s, teacher.id, students)
        await teacher.send("/start")
        await teacher.wait_for("Hello")
        sheet = marks_csv(usns, questions)
        print(f"sheet: {students} students × {questions} questions = {students * questions:,} marks, "
              f"{len(sheet) / 1024:.0f} KiB CSV")
        ends, fulls, inserts = [], [], []
        for n in range(rounds):
            started = time.monotonic()
            await teacher.send_document(sheet, filename="ia1.csv",
                                        caption=f'course={code} assessment="IA 1" component=CIE')
            await teacher.wait_for(f"IA 1 \\(CIE\\) of {code}: marks of {students} students saved", timeout=120)
            ends.append(time.monotonic() - started)
            # the rest of the report (CO and PO charts, the spreadsheet) before the next round starts
            await teacher.wait_for(f"Every number of the attainment of {code}", timeout=120)
            fulls.append(time.monotonic() - started)
            async with dep.sessionmaker() as s:
                insert_ms = await s.scalar(text("SELECT (summary->>'insert_ms')::float FROM uploads "
                                                "WHERE kind = 'marks' ORDER BY id DESC LIMIT 1"))
            inserts.append(float(insert_ms or 0) / 1000)
            print(f"round {n + 1}: document → report message {ends[-1]:.2f} s, → charts and spreadsheet "
                  f"{fulls[-1]:.2f} s; marks insert {inserts[-1]:.3f} s"
                  f"{' (replacing the previous marks)' if n else ''}")
        records = [(i % questions + 1, i // questions + 1, 1, 1, Decimal("7.5"), Decimal(10), False, 1)
                   for i in range(students * questions)]
        floor = await plain_copy_seconds(db, records)
        first, median = ends[0], statistics.median(ends)
        print(f"document → report message: first {first:.2f} s, median {median:.2f} s (target ≤ 3 s); "
              f"→ charts and spreadsheet: median {statistics.median(fulls):.2f} s")
        print(f"insert: {inserts[0]:.3f} s vs plain COPY of the same rows {floor:.3f} s "
              f"= {inserts[0] / floor:.2f}× (target ≤ 2×)")
        return 0
    finally:
        await dep.stop()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="edubot bench ingest")
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with resolved(load_settings()) as ready:
        db, redis = scratch(ready, "edubot_bench_ingest", 11)
        return asyncio.run(run(db, redis, ready.data_path / "bench-ingest", args.students, args.questions,
                               args.rounds))
