"""Attainment in SQL: CO and PO/PSO attainment of a course computed in the database over its marks,
per-student intermediate numbers (a student's `/progress`, the teacher's check-by-hand spreadsheet),
the Bloom-level distribution of a paper, and the per-course result cache.

``domain.attainment`` is the definition (and a plain-Python reference); everything here must agree
with it to the last digit. Comparisons are done exactly in ``numeric`` ("at or above" as
``sum(marks)·100 ≥ threshold·sum(max)`` and ``at·100 ≥ band·counted``), and derived values are
rounded with ``round(numeric, n)``, which is half-up for the non-negative values involved, as
``domain.attainment.q`` is. A course's marks never travel to Python: one statement aggregates them
and returns a handful of small rows (the totals, one per CO, one per PO/PSO).

The course's outcomes are those of its newest ``outcome_sets`` version; an item counts for the CO
named by its ``co_code`` and for its assessment's component. POs are the organization's; PSOs are
those of the course's program that the mapping uses (a course without a program has its PSOs under
``GENERAL``, as ``domain.services.outcomes`` stores them). The indirect part comes from the course's
latest survey.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from domain import sysconfig
from domain.attainment import COMPONENTS, AttainmentResult, ComponentResult, CoResult, Params, PoResult
from domain.model.obe import AttainmentCache
from domain.model.people import Course

#: Where PSOs of a course without a program live (``domain.services.outcomes`` stores them there).
NO_PROGRAM = "GENERAL"
#: ``work_mem`` for the one big aggregation (the per-student hash table of a large course).
COMPUTE_WORK_MEM = "64MB"
#: Version of the cached JSON document; a cache written in another shape reads as absent.
CACHE_FORMAT = 1


# ---- parameters --------------------------------------------------------------------------------------


async def load_params(session: AsyncSession, org_id: int) -> Params:
    """The organization's attainment settings (``attainment.*`` system config, defaults when unset)."""
    values = {key: await sysconfig.get(session, org_id, key) for key in sysconfig.KEYS
              if key.startswith("attainment.")}
    return Params.from_config(values)


def _bind(params: Params) -> dict[str, Any]:
    missing = [c for c in COMPONENTS if c not in params.weights]
    if missing:
        raise ValueError(f"attainment weights lack {', '.join(missing)}")
    b1, b2, b3 = params.levels_pct
    return {"no_program": NO_PROGRAM, "threshold": params.threshold_pct, "b1": b1, "b2": b2, "b3": b3,
            "w_cie": params.weights["CIE"], "w_see": params.weights["SEE"], "dw": params.direct_weight}


async def _course_params(session: AsyncSession, course_id: int) -> Params:
    org_id = await session.scalar(select(Course.org_id).where(Course.id == course_id))
    if org_id is None:
        raise LookupError(f"no course {course_id}")
    return await load_params(session, org_id)


# ---- the course's attainment ---------------------------------------------------------------------------

# The outcomes in force: the newest version of the course's outcome set, in their order.
_OUTCOMES = """
oset AS (
    SELECT id FROM outcome_sets WHERE course_id = :course ORDER BY version DESC LIMIT 1
),
co AS (
    SELECT o.id, o.code, o.description, o.bloom,
           row_number() OVER (ORDER BY o.position, o.code) AS ord
    FROM course_outcomes o JOIN oset ON o.set_id = oset.id
)"""


def _per_student(*, one_student: bool = False) -> str:
    """Per (student, CO, component): marks obtained and the maximum of the items the student was present for.

    Both are NULL when the student was absent for all of them. This is the only step that reads the
    marks, so each mark costs one hash probe and one hash-aggregate update: the course's items are
    prepared once (kept out of the join's flattening by OFFSET 0) with their CO, "is SEE" (components
    are CIE or SEE, a CHECK says so) and their maximum in hundredths as an integer, whose sum is far
    cheaper than a numeric one. A mark's maximum is its item's (the composite foreign key says so).
    """
    student = "AND m.student_id = :student" if one_student else ""
    return f"""
per_student AS MATERIALIZED (
    SELECT m.student_id, it.co_code, it.see,
           sum(m.marks) AS got,
           sum(it.max_c) FILTER (WHERE m.marks IS NOT NULL) * 0.01 AS out_of
    FROM marks m
    JOIN (SELECT i.id, i.co_code, a.component = 'SEE' AS see, CAST(i.max_marks * 100 AS integer) AS max_c
          FROM assessment_items i JOIN assessments a ON a.id = i.assessment_id
          WHERE a.course_id = :course
          OFFSET 0) it ON it.id = m.item_id
    WHERE m.course_id = :course {student}
    GROUP BY m.student_id, it.co_code, it.see
)"""  # noqa: S608 - constant fragments, no input


_COMPUTE = f"""
WITH {_OUTCOMES},{_per_student()},
comp AS (  -- per (CO, component): students counted and those at or above the threshold
    SELECT ps.co_code, CASE WHEN ps.see THEN 'SEE' ELSE 'CIE' END AS component, count(*) AS n,
           count(*) FILTER (WHERE ps.got * 100 >= CAST(:threshold AS numeric) * ps.out_of) AS at
    FROM per_student ps
    WHERE ps.out_of > 0
    GROUP BY ps.co_code, ps.see
),
comp_level AS (
    SELECT c.co_code, c.component, c.n, c.at,
           round(c.at * 100::numeric / c.n, 2) AS pct,
           CASE WHEN c.at * 100 >= CAST(:b3 AS numeric) * c.n THEN 3
                WHEN c.at * 100 >= CAST(:b2 AS numeric) * c.n THEN 2
                WHEN c.at * 100 >= CAST(:b1 AS numeric) * c.n THEN 1
                ELSE 0 END AS level
    FROM comp c
),
survey AS (
    SELECT id FROM surveys WHERE course_id = :course ORDER BY opened_at DESC, id DESC LIMIT 1
),
rating AS (
    SELECT r.co_code, round(avg(r.rating), 4) AS indirect
    FROM survey_responses r JOIN survey s ON s.id = r.survey_id
    GROUP BY r.co_code
),
co_direct AS (
    SELECT co.id, co.code, co.description, co.bloom, co.ord,
           array_agg(cl.component ORDER BY cl.component) FILTER (WHERE cl.component IS NOT NULL) AS comps,
           array_agg(cl.n ORDER BY cl.component) FILTER (WHERE cl.component IS NOT NULL) AS ns,
           array_agg(cl.at ORDER BY cl.component) FILTER (WHERE cl.component IS NOT NULL) AS ats,
           array_agg(cl.pct ORDER BY cl.component) FILTER (WHERE cl.component IS NOT NULL) AS pcts,
           array_agg(cl.level ORDER BY cl.component) FILTER (WHERE cl.component IS NOT NULL) AS levels,
           CASE count(cl.component)
               WHEN 0 THEN NULL
               WHEN 1 THEN max(cl.level)::numeric
               ELSE sum(CASE cl.component WHEN 'CIE' THEN CAST(:w_cie AS numeric)
                                          ELSE CAST(:w_see AS numeric) END * cl.level)
           END AS direct
    FROM co LEFT JOIN comp_level cl ON cl.co_code = co.code
    GROUP BY co.id, co.code, co.description, co.bloom, co.ord
),
co_final AS (
    SELECT d.*, r.indirect,
           CASE WHEN d.direct IS NULL THEN NULL
                WHEN r.indirect IS NULL THEN round(d.direct, 4)
                ELSE round(CAST(:dw AS numeric) * d.direct + (1 - CAST(:dw AS numeric)) * r.indirect, 4)
           END AS final
    FROM co_direct d LEFT JOIN rating r ON r.co_code = d.code
),
prog AS (  -- the organization's POs, and the PSOs of the course's program that the mapping uses
    SELECT p.id, p.code, p.name, p.kind, p.position
    FROM courses c JOIN program_outcomes p ON p.org_id = c.org_id
    WHERE c.id = :course
      AND (p.kind = 'PO'
           OR (p.program = coalesce(c.program, :no_program)
               AND EXISTS (SELECT 1 FROM co_po x JOIN co ON co.id = x.co_id WHERE x.po_id = p.id)))
),
po_value AS (
    SELECT p.id, p.code, p.name, p.kind, p.position,
           array_agg(f.code ORDER BY f.ord) FILTER (WHERE f.code IS NOT NULL) AS map_codes,
           array_agg(x.weight ORDER BY f.ord) FILTER (WHERE f.code IS NOT NULL) AS map_weights,
           round(sum(f.final * x.weight) / nullif(sum(x.weight) FILTER (WHERE f.final IS NOT NULL), 0), 4)
               AS value
    FROM prog p
    LEFT JOIN (co_po x JOIN co_final f ON f.id = x.co_id) ON x.po_id = p.id
    GROUP BY p.id, p.code, p.name, p.kind, p.position
)
SELECT 'total' AS part, 0 AS ord, NULL AS code, NULL AS name, NULL::int AS bloom, NULL AS kind,
       NULL::text[] AS comps, NULL::bigint[] AS ns, NULL::bigint[] AS ats, NULL::numeric[] AS pcts,
       NULL::int[] AS levels, NULL::numeric AS direct, NULL::numeric AS indirect, NULL::numeric AS final,
       NULL::text[] AS map_codes, NULL::int[] AS map_weights,
       (SELECT count(*) FROM (SELECT student_id FROM per_student GROUP BY student_id) s) AS students,
       EXISTS (SELECT 1 FROM rating r JOIN co ON co.code = r.co_code) AS surveyed
UNION ALL
SELECT 'co', f.ord, f.code, f.description, f.bloom, NULL, f.comps, f.ns, f.ats, f.pcts, f.levels,
       f.direct, f.indirect, f.final, NULL, NULL, NULL, NULL
FROM co_final f
UNION ALL
SELECT 'po', row_number() OVER (ORDER BY v.kind = 'PSO', v.position, v.code), v.code, v.name, NULL, v.kind,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, v.value, v.map_codes, v.map_weights, NULL, NULL
FROM po_value v
"""  # noqa: S608 - constant fragments, no input


#: Planner settings for a statement that reads all of one course's marks. Right after a bulk COPY the
#: table's statistics are stale (autovacuum has not seen the new rows yet) and the planner, expecting a
#: handful of rows, probes the marks once per question; reading them once and hashing is always right here.
WHOLE_COURSE = {"work_mem": COMPUTE_WORK_MEM, "enable_nestloop": "off"}


@asynccontextmanager
async def _whole_course(session: AsyncSession) -> AsyncIterator[None]:
    """Planner settings of ``WHOLE_COURSE`` for the statements planned inside; restored afterwards
    (after an error the rollback undoes them anyway)."""
    names = list(WHOLE_COURSE)
    old = (await session.execute(
        text("WITH o AS MATERIALIZED (SELECT n, current_setting(n) AS old FROM unnest(CAST(:n AS text[])) AS n) "
             "SELECT o.n, o.old, set_config(o.n, v.v, true) FROM o "
             "JOIN unnest(CAST(:n AS text[]), CAST(:v AS text[])) AS v(n, v) ON v.n = o.n"),
        {"n": names, "v": [WHOLE_COURSE[n] for n in names]})).all()
    yield
    await session.execute(text("SELECT set_config(n, v, true) FROM unnest(CAST(:n AS text[]), CAST(:v AS text[])) "
                               "AS t(n, v)"), {"n": [r.n for r in old], "v": [r.old for r in old]})


async def compute(session: AsyncSession, course_id: int, params: Params) -> AttainmentResult:
    """The course's CO and PO/PSO attainment, computed by one statement over its marks."""
    bind = {"course": course_id, **_bind(params)}
    async with _whole_course(session):
        rows = (await session.execute(text(_COMPUTE), bind)).all()
    students, surveyed = 0, False
    cos: list[tuple[int, CoResult]] = []
    pos: list[tuple[int, PoResult]] = []
    for r in rows:
        if r.part == "total":
            students, surveyed = int(r.students), bool(r.surveyed)
        elif r.part == "co":
            cos.append((r.ord, _co_result(r)))
        else:
            mapped = tuple(zip(r.map_codes or [], r.map_weights or [], strict=True))
            pos.append((r.ord, PoResult(r.code, r.name, r.kind, r.final, mapped)))
    return AttainmentResult(course_id, params, [c for _, c in sorted(cos, key=lambda t: t[0])],
                            [p for _, p in sorted(pos, key=lambda t: t[0])], students, surveyed)


async def explain(session: AsyncSession, course_id: int, params: Params) -> list[str]:
    """The plan of ``compute``'s statement as it runs (EXPLAIN ANALYZE), for tuning and benchmarks."""
    bind = {"course": course_id, **_bind(params)}
    async with _whole_course(session):
        return [str(r[0]) for r in await session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + _COMPUTE), bind)]


def _co_result(r: Row[Any]) -> CoResult:
    comps: dict[str, ComponentResult] = {}
    if r.comps:
        for comp, n, at, pct, level in zip(r.comps, r.ns, r.ats, r.pcts, r.levels, strict=True):
            comps[comp] = ComponentResult(comp, int(n), int(at), pct, int(level))
    ordered = {c: comps[c] for c in COMPONENTS if c in comps}
    return CoResult(r.code, r.name, int(r.bloom), ordered, r.direct, r.indirect, r.final)


# ---- per-student numbers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentScore:
    """One student's numbers on one CO in one component.

    ``max_marks`` is the maximum of the items the student was present for; absent for all of them,
    ``marks``, ``pct`` and ``at_threshold`` are None and the student is not counted for that CO.
    """

    co: str
    component: str
    marks: Decimal | None
    max_marks: Decimal
    pct: Decimal | None  # rounded to 0.01
    at_threshold: bool | None  # exact comparison, not of the rounded pct

    @property
    def counted(self) -> bool:
        return self.pct is not None


@dataclass(frozen=True)
class StudentRow:
    """A line of the check-by-hand spreadsheet: a student's numbers on one CO in one component."""

    usn: str
    name: str
    score: StudentScore


_STUDENT_COLUMNS = """
    ps.co_code, CASE WHEN ps.see THEN 'SEE' ELSE 'CIE' END AS component, ps.got, coalesce(ps.out_of, 0) AS out_of,
    CASE WHEN ps.out_of > 0 THEN round(ps.got * 100 / ps.out_of, 2) END AS pct,
    CASE WHEN ps.out_of > 0 THEN ps.got * 100 >= CAST(:threshold AS numeric) * ps.out_of END AS at_threshold"""

_STUDENT_SCORES = f"""
WITH {_OUTCOMES},{_per_student(one_student=True)}
SELECT {_STUDENT_COLUMNS}
FROM per_student ps JOIN co ON co.code = ps.co_code
ORDER BY co.ord, ps.see
"""  # noqa: S608 - constant fragments, no input

_STUDENT_ROWS = f"""
WITH {_OUTCOMES},{_per_student()}
SELECT s.usn, s.name, {_STUDENT_COLUMNS}
FROM per_student ps JOIN co ON co.code = ps.co_code JOIN students s ON s.id = ps.student_id
ORDER BY s.usn, co.ord, ps.see
"""  # noqa: S608 - constant fragments, no input


def _score(r: Row[Any]) -> StudentScore:
    return StudentScore(r.co_code, r.component, r.got, r.out_of, r.pct, r.at_threshold)


async def student_scores(session: AsyncSession, course_id: int, student_id: int, *,
                         params: Params | None = None) -> list[StudentScore]:
    """One student's per-CO, per-component numbers (for ``/progress``), in CO order, CIE before SEE."""
    params = params or await _course_params(session, course_id)
    rows = await session.execute(text(_STUDENT_SCORES),
                                 {"course": course_id, "student": student_id, "threshold": params.threshold_pct})
    return [_score(r) for r in rows]


async def student_rows(session: AsyncSession, course_id: int, *, params: Params | None = None,
                       batch: int = 2000) -> AsyncGenerator[StudentRow, None]:
    """Every student's numbers per CO per component, by USN, streamed from a server-side cursor.

    ``batch`` rows are fetched at a time; close the generator (``aclose``) when stopping early.
    """
    params = params or await _course_params(session, course_id)
    async with _whole_course(session):  # the statement is planned when the cursor opens
        result = await session.stream(text(_STUDENT_ROWS), {"course": course_id, "threshold": params.threshold_pct},
                                      execution_options={"yield_per": batch})
    try:
        async for r in result:
            yield StudentRow(r.usn, r.name, _score(r))
    finally:
        await result.close()


# ---- Bloom-level distribution of a paper ---------------------------------------------------------------


@dataclass(frozen=True)
class BloomShare:
    """Items of one Bloom level (None: their CO is not among the course's outcomes) and their share."""

    bloom: int | None
    items: int
    max_marks: Decimal
    share_pct: Decimal  # of the assessment's total maximum, rounded to 0.01


_BLOOM = """
WITH a AS (
    SELECT id, course_id FROM assessments WHERE id = :assessment
),
oset AS (
    SELECT os.id FROM outcome_sets os JOIN a ON a.course_id = os.course_id ORDER BY os.version DESC LIMIT 1
),
it AS (
    SELECT i.max_marks, o.bloom
    FROM assessment_items i
    JOIN a ON a.id = i.assessment_id
    LEFT JOIN course_outcomes o ON o.set_id = (SELECT id FROM oset) AND o.code = i.co_code
),
levels AS (
    SELECT generate_series(1, 6)::smallint AS bloom
    UNION ALL
    SELECT NULL WHERE EXISTS (SELECT 1 FROM it WHERE bloom IS NULL)
)
SELECT l.bloom, count(it.max_marks) AS items, coalesce(sum(it.max_marks), 0) AS max_marks,
       round(coalesce(sum(it.max_marks), 0) * 100 / (SELECT sum(max_marks) FROM it), 2) AS share_pct
FROM levels l LEFT JOIN it ON it.bloom IS NOT DISTINCT FROM l.bloom
GROUP BY l.bloom
ORDER BY l.bloom NULLS LAST
"""


async def bloom_distribution(session: AsyncSession, assessment_id: int) -> list[BloomShare]:
    """Per Bloom level 1–6 (and "unmapped" when some item's CO is unknown): items and share of the marks.

    An assessment without items has no distribution (an empty list).
    """
    rows = (await session.execute(text(_BLOOM), {"assessment": assessment_id})).all()
    if not rows or rows[0].share_pct is None:
        return []
    return [BloomShare(r.bloom, int(r.items), r.max_marks, r.share_pct) for r in rows]


# ---- the cache -----------------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def to_json(result: AttainmentResult) -> dict[str, Any]:
    """The result as JSON (Decimals as strings, so nothing is lost)."""
    return {
        "format": CACHE_FORMAT,
        "course_id": result.course_id,
        "params": result.params.as_json(),
        "students": result.students,
        "surveyed": result.surveyed,
        "cos": [{"code": c.code, "description": c.description, "bloom": c.bloom,
                 "components": [{"component": k.component, "students": k.students, "at_threshold": k.at_threshold,
                                 "pct": str(k.pct), "level": k.level} for k in c.components.values()],
                 "direct": _dec(c.direct), "indirect": _dec(c.indirect), "final": _dec(c.final)}
                for c in result.cos],
        "pos": [{"code": p.code, "name": p.name, "kind": p.kind, "value": _dec(p.value),
                 "mapped": [[co, w] for co, w in p.mapped]} for p in result.pos],
    }


def _params_from_json(j: Mapping[str, Any]) -> Params:
    l1, l2, l3 = (Decimal(v) for v in j["levels_pct"])
    return Params(threshold_pct=Decimal(j["threshold_pct"]), levels_pct=(l1, l2, l3),
                  weights={k: Decimal(v) for k, v in j["weights"].items()},
                  direct_weight=Decimal(j["direct_weight"]), target_level=Decimal(j["target_level"]))


def from_json(j: Mapping[str, Any]) -> AttainmentResult:
    """The result that ``to_json`` wrote, rebuilt exactly."""
    cos = [CoResult(c["code"], c["description"], int(c["bloom"]),
                    {k["component"]: ComponentResult(k["component"], int(k["students"]), int(k["at_threshold"]),
                                                     Decimal(k["pct"]), int(k["level"]))
                     for k in c["components"]},
                    _undec(c["direct"]), _undec(c["indirect"]), _undec(c["final"]))
           for c in j["cos"]]
    pos = [PoResult(p["code"], p["name"], p["kind"], _undec(p["value"]),
                    tuple((str(co), int(w)) for co, w in p["mapped"]))
           for p in j["pos"]]
    return AttainmentResult(int(j["course_id"]), _params_from_json(j["params"]), cos, pos, int(j["students"]),
                            bool(j["surveyed"]))


async def cache(session: AsyncSession, result: AttainmentResult) -> None:
    """Store the course's result (replacing the previous one) in the caller's transaction."""
    document = to_json(result)
    stmt = insert(AttainmentCache).values(course_id=result.course_id, result=document)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[AttainmentCache.course_id],
        set_={"result": stmt.excluded.result, "computed_at": func.now()},
    ))


async def cached(session: AsyncSession, course_id: int) -> AttainmentResult | None:
    """The course's stored result; None when there is none (or it was stored in an older format)."""
    document = await session.scalar(select(AttainmentCache.result).where(AttainmentCache.course_id == course_id))
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
        return None
    return from_json(document)
