"""`edubot bench attainment`: CO/PO attainment of one course with 1,000,000 marks, computed in SQL.

Seeds a scratch database (5,000 students × 200 items over 4 CIE assessments and the SEE, 8 COs
mapped to POs and PSOs, some absences, an exit survey) with COPY, runs ANALYZE, then times
``compute()`` and, as a floor, a bare count-and-sum over the same marks. Target: ≤ 1 s.
``--explain`` prints the plan of the statement (EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from domain.attainment import Params
from domain.config import load_settings
from domain.services import attainment
from edubot.services import resolved, scratch
from tests.bench.common import machine

TARGET_SECONDS = 1.0
MAXIMA = (Decimal(2), Decimal(5), Decimal("7.5"), Decimal(10))


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def seed(url: str, students: int, items: int, cos: int, seed_value: int) -> tuple[int, int]:
    """One course with ``students × items`` marks; returns (course id, marks rows)."""
    rnd = random.Random(seed_value)
    conn = await asyncpg.connect(_dsn(url))
    try:
        async with conn.transaction():
            org = await conn.fetchval("INSERT INTO organizations (name, timezone) VALUES ('Bench College', "
                                      "'Asia/Kolkata') RETURNING id")
            po_ids = {}
            for i in range(1, 13):
                po_ids[f"PO{i}"] = await conn.fetchval(
                    "INSERT INTO program_outcomes (org_id, kind, program, code, name, position) "
                    "VALUES ($1, 'PO', '', $2, $3, $4) RETURNING id", org, f"PO{i}", f"Outcome {i}", i)
            for i in range(1, 4):
                po_ids[f"PSO{i}"] = await conn.fetchval(
                    "INSERT INTO program_outcomes (org_id, kind, program, code, name, position) "
                    "VALUES ($1, 'PSO', 'CSE', $2, 'Program-specific outcome', $3) RETURNING id",
                    org, f"PSO{i}", 100 + i)
            course = await conn.fetchval("INSERT INTO courses (org_id, code, name, program) "
                                         "VALUES ($1, 'CS501', 'Compilers', 'CSE') RETURNING id", org)
            old_set = await conn.fetchval("INSERT INTO outcome_sets (org_id, course_id, version) "
                                          "VALUES ($1, $2, 1) RETURNING id", org, course)
            await conn.execute("INSERT INTO course_outcomes (set_id, code, description, bloom, position) "
                               "VALUES ($1, 'CO1', 'superseded', 1, 1)", old_set)
            set_id = await conn.fetchval("INSERT INTO outcome_sets (org_id, course_id, version) "
                                         "VALUES ($1, $2, 2) RETURNING id", org, course)
            co_codes = [f"CO{i}" for i in range(1, cos + 1)]
            for pos, code in enumerate(co_codes, start=1):
                co_id = await conn.fetchval(
                    "INSERT INTO course_outcomes (set_id, code, description, bloom, position) "
                    "VALUES ($1, $2, $3, $4, $5) RETURNING id", set_id, code, f"Outcome {code}", 1 + pos % 6, pos)
                for po in rnd.sample(sorted(po_ids), 5):
                    await conn.execute("INSERT INTO co_po (co_id, po_id, weight) VALUES ($1, $2, $3)",
                                       co_id, po_ids[po], rnd.randint(1, 3))
            assessments = [(f"IA{i}", "CIE") for i in range(1, 5)] + [("SEE", "SEE")]
            per = {"CIE": items // 2 // 4, "SEE": items - 4 * (items // 2 // 4)}
            item_rows: list[tuple[int, int, Decimal]] = []  # (item id, assessment id, max)
            for name, component in assessments:
                aid = await conn.fetchval("INSERT INTO assessments (org_id, course_id, name, component) "
                                          "VALUES ($1, $2, $3, $4) RETURNING id", org, course, name, component)
                for k in range(per[component]):
                    mx = rnd.choice(MAXIMA)
                    iid = await conn.fetchval(
                        "INSERT INTO assessment_items (assessment_id, label, max_marks, co_code, position) "
                        "VALUES ($1, $2, $3, $4, $5) RETURNING id", aid, f"Q{k + 1}", mx, co_codes[k % cos], k + 1)
                    item_rows.append((iid, aid, mx))
            await conn.copy_records_to_table(
                "students", columns=["org_id", "usn", "name"],
                records=[(org, f"1BM22CS{i:05d}", f"Student {i}") for i in range(students)])
            student_ids = [r[0] for r in await conn.fetch("SELECT id FROM students WHERE org_id = $1 ORDER BY id",
                                                          org)]
            ability = {s: rnd.uniform(0.3, 1.0) for s in student_ids}
            missed = {(s, a) for s in student_ids for a in {aid for _, aid, _ in item_rows} if rnd.random() < 0.03}

            def marks_rows() -> Iterator[tuple[Any, ...]]:
                for s in student_ids:
                    p = ability[s]
                    for iid, aid, mx in item_rows:
                        if (s, aid) in missed or rnd.random() < 0.01:
                            yield (iid, s, course, aid, None, mx, True)
                        else:
                            halves = int(mx * 2)
                            got = Decimal(min(halves, max(0, round(rnd.gauss(p, 0.2) * halves)))) / 2
                            yield (iid, s, course, aid, got, mx, False)

            await conn.copy_records_to_table(
                "marks", columns=["item_id", "student_id", "course_id", "assessment_id", "marks", "max_marks",
                                  "absent"], records=marks_rows())
            survey = await conn.fetchval("INSERT INTO surveys (org_id, course_id, set_id) VALUES ($1, $2, $3) "
                                         "RETURNING id", org, course, set_id)
            await conn.copy_records_to_table(
                "survey_responses", columns=["survey_id", "student_id", "co_code", "rating"],
                records=[(survey, s, c, rnd.randint(1, 3)) for s in student_ids[: students * 3 // 5]
                         for c in co_codes])
        await conn.execute("ANALYZE")
        n = await conn.fetchval("SELECT count(*) FROM marks WHERE course_id = $1", course)
        return int(course), int(n)
    finally:
        await conn.close()


async def measure(url: str, course_id: int, runs: int, explain: bool) -> int:
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    params = Params()
    try:
        async with sessions() as s:  # warm the cache and the connection once
            result = await attainment.compute(s, course_id, params)
            await s.rollback()
        times: list[float] = []
        for _ in range(runs):
            async with sessions() as s:
                t0 = time.perf_counter()
                result = await attainment.compute(s, course_id, params)
                times.append(time.perf_counter() - t0)
                await s.rollback()
        floors: list[float] = []
        for _ in range(runs):
            async with sessions() as s:
                t0 = time.perf_counter()
                await s.execute(text("SELECT count(*), sum(marks) FROM marks WHERE course_id = :c"), {"c": course_id})
                floors.append(time.perf_counter() - t0)
                await s.rollback()
        if explain:
            async with sessions() as s:
                for line in await attainment.explain(s, course_id, params):
                    print(line)
                await s.rollback()
        med, floor = statistics.median(times), statistics.median(floors)
        print(f"students with marks: {result.students}; COs: {len(result.cos)}; "
              f"finals: {', '.join(f'{c.code}={c.final}' for c in result.cos)}")
        print(f"compute(): min {min(times):.3f} s, median {med:.3f} s, max {max(times):.3f} s over {runs} runs "
              f"(target ≤ {TARGET_SECONDS:.0f} s: {'met' if max(times) <= TARGET_SECONDS else 'NOT met'})")
        print(f"floor (count and sum of the same marks): min {min(floors):.3f} s, median {floor:.3f} s; "
              f"compute() / floor = {med / floor:.2f}")
        return 0 if med <= TARGET_SECONDS else 1
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="edubot bench attainment")
    ap.add_argument("--students", type=int, default=5_000)
    ap.add_argument("--items", type=int, default=200, help="items over 4 CIE assessments and the SEE (half each)")
    ap.add_argument("--cos", type=int, default=8)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--explain", action="store_true", help="print the statement's plan (EXPLAIN ANALYZE)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with resolved(load_settings()) as ready:
        db, _redis = scratch(ready, "edubot_bench_attainment", 12)
        t0 = time.perf_counter()
        course_id, rows = asyncio.run(seed(db, args.students, args.items, args.cos, args.seed))
        print(f"seeded {rows:,} marks ({args.students:,} students × {args.items} items, {args.cos} COs) "
              f"in {time.perf_counter() - t0:.1f} s (COPY, then ANALYZE)")
        return asyncio.run(measure(db, course_id, args.runs, args.explain))
