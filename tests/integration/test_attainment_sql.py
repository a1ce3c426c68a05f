"""Attainment in SQL (``domain.services.attainment``) against the definition (``domain.attainment``).

The hand-worked examples of ``tests/unit/test_attainment.py`` are stored as real courses and computed
by the statement; a property test then draws random courses (outcomes, CO–PO/PSO mapping, CIE and SEE
assessments, half-point marks with absences, surveys, settings) and requires ``compute()`` to equal
``reference()`` exactly. Also: the per-student numbers, the Bloom distribution and the cache.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import sysconfig
from domain.attainment import AttainmentResult, MarkRow, Outcome, Params, Program, reference
from domain.services import attainment

D = Decimal
MAXIMA = (D(2), D(5), D("7.5"), D(10))
PO_NAMES = {f"PO{i}": f"Graduate attribute {i}" for i in range(1, 13)}
PSO_NAME = "Program-specific outcome"


# ---- a course as data, stored through SQL and fed to the reference -----------------------------------------


@dataclass
class Item:
    max_marks: Decimal
    co: str


@dataclass
class Assessment:
    component: str
    items: list[Item]


@dataclass
class Spec:
    outcomes: list[Outcome]
    assessments: list[Assessment]
    marks: dict[tuple[int, int, int], Decimal | None]  # (student, assessment, item) → marks; None: absent
    mapping: dict[tuple[str, str], int] = field(default_factory=dict)  # (CO, PO/PSO) → 1–3
    ratings: dict[tuple[int, str], int] | None = None  # (student, CO) → 1–3; None: no survey
    program: str | None = "CSE"
    students: int = 0  # on the roster (some may have no marks)

    def roster(self) -> list[int]:
        return sorted({s for s, _, _ in self.marks} | set(range(self.students))
                      | {s for s, _ in (self.ratings or {})})

    def mark_rows(self) -> list[MarkRow]:
        return [MarkRow(s, self.assessments[a].component, self.assessments[a].items[i].co, m,
                        self.assessments[a].items[i].max_marks)
                for (s, a, i), m in sorted(self.marks.items())]

    def programs(self) -> list[Program]:
        """What the product reports: the organization's POs, and the PSOs the mapping uses."""
        psos = sorted({p for _, p in self.mapping if p.startswith("PSO")}, key=lambda c: int(c[3:]))
        return [Program(c, n, "PO") for c, n in PO_NAMES.items()] + [Program(c, PSO_NAME, "PSO") for c in psos]

    def reference(self, course_id: int, params: Params, students: dict[int, int]) -> AttainmentResult:
        ratings: dict[str, list[int]] = defaultdict(list)
        for (_, co), r in sorted((self.ratings or {}).items()):
            ratings[co].append(r)
        rows = [MarkRow(students[m.student], m.component, m.co, m.marks, m.max_marks) for m in self.mark_rows()]
        return reference(course_id, rows, self.outcomes, self.programs(), self.mapping, ratings, params)


def spec_from_rows(rows: list[MarkRow], cos: tuple[str, ...] = ("CO1",), **kw: Any) -> Spec:
    """A course for hand-made mark rows: one assessment per component; a student's k-th row of a
    (component, CO, maximum) is the k-th item of that kind (so every row is a mark on its own item)."""
    items: dict[tuple[str, str, Decimal, int], tuple[int, int]] = {}
    assessments: dict[str, int] = {}
    specs: list[Assessment] = []
    marks: dict[tuple[int, int, int], Decimal | None] = {}
    seen: dict[tuple[int, str, str, Decimal], int] = defaultdict(int)
    for r in rows:
        k = seen[(r.student, r.component, r.co, r.max_marks)]
        seen[(r.student, r.component, r.co, r.max_marks)] += 1
        key = (r.component, r.co, r.max_marks, k)
        if key not in items:
            if r.component not in assessments:
                assessments[r.component] = len(specs)
                specs.append(Assessment(r.component, []))
            a = assessments[r.component]
            specs[a].items.append(Item(r.max_marks, r.co))
            items[key] = (a, len(specs[a].items) - 1)
        a, i = items[key]
        marks[(r.student, a, i)] = r.marks
    return Spec([Outcome(c, f"outcome {c}", 2) for c in cos], specs, marks, **kw)


@dataclass
class Stored:
    org_id: int
    course_id: int
    students: dict[int, int]  # spec student → students.id
    assessments: list[int]


async def store(session: AsyncSession, spec: Spec) -> Stored:
    """The course in the database: organization, POs and PSOs, a superseded and the current outcome set,
    students, assessments, items, marks, and (when rated) an older and the latest survey."""
    ex = session.execute
    org = (await ex(text("INSERT INTO organizations (name, timezone) VALUES (:n, 'Asia/Kolkata') RETURNING id"),
                    {"n": f"College {uuid.uuid4().hex[:12]}"})).scalar_one()
    program = spec.program or attainment.NO_PROGRAM
    po_rows = [{"o": org, "k": "PO", "p": "", "c": c, "n": n, "pos": i} for i, (c, n) in enumerate(PO_NAMES.items(), 1)]
    po_rows += [{"o": org, "k": "PSO", "p": program, "c": f"PSO{i}", "n": PSO_NAME, "pos": 100 + i} for i in (1, 2, 3)]
    po_rows += [{"o": org, "k": "PSO", "p": "ECE", "c": "PSO1", "n": "another program's", "pos": 101}]
    po_ids: dict[tuple[str, str], int] = {}
    for r in po_rows:
        po_ids[(r["p"], r["c"])] = (await ex(text(
            "INSERT INTO program_outcomes (org_id, kind, program, code, name, position) "
            "VALUES (:o, :k, :p, :c, :n, :pos) RETURNING id"), r)).scalar_one()
    course = (await ex(text("INSERT INTO courses (org_id, code, name, program) VALUES (:o, 'CS501', 'Compilers', :p) "
                            "RETURNING id"), {"o": org, "p": spec.program})).scalar_one()
    old = (await ex(text("INSERT INTO outcome_sets (org_id, course_id, version) VALUES (:o, :c, 1) RETURNING id"),
                    {"o": org, "c": course})).scalar_one()
    for k, o in enumerate([*spec.outcomes[:1], Outcome("CO42", "dropped", 6)], start=1):  # superseded version
        old_co = (await ex(text("INSERT INTO course_outcomes (set_id, code, description, bloom, position) "
                                "VALUES (:s, :c, 'superseded', 6, :p) RETURNING id"),
                           {"s": old, "c": o.code, "p": k})).scalar_one()
        await ex(text("INSERT INTO co_po (co_id, po_id, weight) VALUES (:c, :p, 3)"),
                 {"c": old_co, "p": po_ids[("", "PO12")]})
    current = (await ex(text("INSERT INTO outcome_sets (org_id, course_id, version) VALUES (:o, :c, 2) RETURNING id"),
                        {"o": org, "c": course})).scalar_one()
    co_ids: dict[str, int] = {}
    for k, o in enumerate(spec.outcomes, start=1):
        co_ids[o.code] = (await ex(text("INSERT INTO course_outcomes (set_id, code, description, bloom, position) "
                                        "VALUES (:s, :c, :d, :b, :p) RETURNING id"),
                                   {"s": current, "c": o.code, "d": o.description, "b": o.bloom, "p": k})).scalar_one()
    for (co, po), w in spec.mapping.items():
        pid = po_ids[("" if po.startswith("PO") else program, po)]
        await ex(text("INSERT INTO co_po (co_id, po_id, weight) VALUES (:c, :p, :w)"),
                 {"c": co_ids[co], "p": pid, "w": w})
    roster = spec.roster()
    ids = (await ex(text(
        "INSERT INTO students (org_id, usn, name) "
        "SELECT :o, u, 'Student ' || u FROM unnest(CAST(:usns AS text[])) AS u RETURNING usn, id"),
        {"o": org, "usns": [f"1BM{s:05d}" for s in roster]})).all()
    by_usn: dict[str, int] = {str(usn): int(i) for usn, i in ids}
    students = {s: by_usn[f"1BM{s:05d}"] for s in roster}
    assessment_ids: list[int] = []
    item_ids: dict[tuple[int, int], int] = {}
    for a, spec_a in enumerate(spec.assessments):
        aid = (await ex(text("INSERT INTO assessments (org_id, course_id, name, component) "
                             "VALUES (:o, :c, :n, :k) RETURNING id"),
                        {"o": org, "c": course, "n": f"{spec_a.component} {a + 1}", "k": spec_a.component})
               ).scalar_one()
        assessment_ids.append(aid)
        for i, item in enumerate(spec_a.items):
            item_ids[(a, i)] = (await ex(text(
                "INSERT INTO assessment_items (assessment_id, label, max_marks, co_code, position) "
                "VALUES (:a, :l, :m, :c, :p) RETURNING id"),
                {"a": aid, "l": f"Q{i + 1}", "m": item.max_marks, "c": item.co, "p": i + 1})).scalar_one()
    if spec.marks:
        keys = sorted(spec.marks)
        await ex(text(
            "INSERT INTO marks (item_id, student_id, course_id, assessment_id, marks, max_marks, absent) "
            "SELECT i, s, :c, a, m, x, m IS NULL FROM unnest(CAST(:i AS bigint[]), CAST(:s AS bigint[]), "
            "CAST(:a AS bigint[]), CAST(:m AS numeric[]), CAST(:x AS numeric[])) AS t(i, s, a, m, x)"),
            {"c": course, "i": [item_ids[(a, i)] for _, a, i in keys], "s": [students[s] for s, _, _ in keys],
             "a": [assessment_ids[a] for _, a, _ in keys], "m": [spec.marks[k] for k in keys],
             "x": [spec.assessments[a].items[i].max_marks for _, a, i in keys]})
    if spec.ratings is not None:
        stale = (await ex(text("INSERT INTO surveys (org_id, course_id, set_id, opened_at) "
                               "VALUES (:o, :c, :s, now() - interval '30 days') RETURNING id"),
                          {"o": org, "c": course, "s": old})).scalar_one()
        for o in spec.outcomes:  # an older survey whose ratings must not count
            await ex(text("INSERT INTO survey_responses (survey_id, student_id, co_code, rating) "
                          "VALUES (:v, :s, :c, 3)"),
                     {"v": stale, "s": students[roster[0]], "c": o.code})
        latest = (await ex(text("INSERT INTO surveys (org_id, course_id, set_id) VALUES (:o, :c, :s) RETURNING id"),
                           {"o": org, "c": course, "s": current})).scalar_one()
        for (s, co), rating in spec.ratings.items():
            await ex(text("INSERT INTO survey_responses (survey_id, student_id, co_code, rating) "
                          "VALUES (:v, :s, :c, :r)"), {"v": latest, "s": students[s], "c": co, "r": rating})
    return Stored(org, course, students, assessment_ids)


async def check(session: AsyncSession, spec: Spec, params: Params | None = None) -> AttainmentResult:
    """Store the course, compute it in SQL, and require the reference's result exactly."""
    params = params or Params()
    stored = await store(session, spec)
    got = await attainment.compute(session, stored.course_id, params)
    assert got == spec.reference(stored.course_id, params, stored.students)
    return got


def mark(student: int, component: str, co: str, marks: str | None, max_marks: str) -> MarkRow:
    return MarkRow(student, component, co, None if marks is None else D(marks), D(max_marks))


def at_of(at: int, n: int, component: str = "CIE", co: str = "CO1", first: int = 0) -> list[MarkRow]:
    """``n`` students on a 10-mark item, the first ``at`` scoring 10, the others 0."""
    return [mark(first + k, component, co, "10" if k < at else "0", "10") for k in range(n)]


# ---- (a) the hand-worked examples through the SQL ------------------------------------------------------------


async def test_threshold_edges(session: AsyncSession) -> None:
    # 6/10, 4.5/7.5, 3/5 and (2+4)/(5+5) are exactly 60 % (at); 5.99/10 and 4.49/7.5 just below → 4 of 6
    rows = [mark(1, "CIE", "CO1", "6", "10"), mark(2, "CIE", "CO1", "5.99", "10"), mark(3, "CIE", "CO1", "4.5", "7.5"),
            mark(4, "CIE", "CO1", "4.49", "7.5"), mark(5, "CIE", "CO1", "3", "5"),
            mark(6, "CIE", "CO1", "2", "5"), mark(6, "CIE", "CO1", "4", "5")]
    cie = (await check(session, spec_from_rows(rows))).co("CO1").components["CIE"]
    assert (cie.students, cie.at_threshold, cie.pct, cie.level) == (6, 4, D("66.67"), 2)


async def test_level_band_edges(session: AsyncSession) -> None:
    # one CO per case: CO % 49.9 / 50 / 59.9 / 60 / 69.9 / 70 → levels 0 / 1 / 1 / 2 / 2 / 3
    cases = [(499, 1000, 0), (5, 10, 1), (599, 1000, 1), (6, 10, 2), (699, 1000, 2), (7, 10, 3)]
    rows = [r for k, (at, n, _) in enumerate(cases) for r in at_of(at, n, co=f"CO{k + 1}")]
    result = await check(session, spec_from_rows(rows, cos=tuple(f"CO{k + 1}" for k in range(len(cases)))))
    assert [(c.components["CIE"].pct, c.components["CIE"].level) for c in result.cos] == [
        (D("49.90"), 0), (D("50.00"), 1), (D("59.90"), 1), (D("60.00"), 2), (D("69.90"), 2), (D("70.00"), 3)]


async def test_pct_rounds_half_up(session: AsyncSession) -> None:
    # 1 of 160 = 0.625 % → 0.63
    result = await check(session, spec_from_rows(at_of(1, 160)))
    assert result.co("CO1").components["CIE"].pct == D("0.63")


async def test_absent_is_not_zero(session: AsyncSession) -> None:
    # s1 5/5 with Q2 absent → 100 %; s2 0/15 → counted, not at; s3 absent for both → left out → 1 of 2
    rows = [mark(1, "CIE", "CO1", "5", "5"), mark(1, "CIE", "CO1", None, "10"), mark(2, "CIE", "CO1", "0", "5"),
            mark(2, "CIE", "CO1", "0", "10"), mark(3, "CIE", "CO1", None, "5"), mark(3, "CIE", "CO1", None, "10")]
    result = await check(session, spec_from_rows(rows))
    cie = result.co("CO1").components["CIE"]
    assert (cie.students, cie.at_threshold, cie.pct, cie.level, result.students) == (2, 1, D("50.00"), 1, 3)


async def test_component_weights_and_a_course_outcome_without_marks(session: AsyncSession) -> None:
    # CO1 CIE only (level 3) → 3; CO2 SEE only (level 0) → 0; CO3 CIE 2 + SEE 3 → 0.3·2 + 0.7·3 = 2.7; CO4 none
    rows = at_of(1, 1, "CIE", "CO1") + at_of(0, 1, "SEE", "CO2") + at_of(3, 5, "CIE", "CO3") + at_of(1, 1, "SEE", "CO3")
    result = await check(session, spec_from_rows(rows, cos=("CO1", "CO2", "CO3", "CO4")))
    assert [c.direct for c in result.cos] == [D(3), D(0), D("2.7"), None]
    assert result.co("CO4").components == {}


async def test_survey_and_po(session: AsyncSession) -> None:
    # CO1 direct 2.7, ratings 3, 3, 2 → 2.6667, final 2.69334 → 2.6933; CO2 SEE level 3 → 3.0000; CO3 unassessed
    # PO1 ← CO1·1, CO2·1, CO3·2 → (2.6933 + 3) / 2 = 2.84665 → 2.8467 (CO3 left out)
    # PSO2 ← CO2·2 → 3.0000; PO2 unmapped → None
    rows = at_of(3, 5, "CIE", "CO1") + at_of(1, 1, "SEE", "CO1") + at_of(1, 1, "SEE", "CO2")
    spec = spec_from_rows(rows, cos=("CO1", "CO2", "CO3"),
                          mapping={("CO1", "PO1"): 1, ("CO2", "PO1"): 1, ("CO3", "PO1"): 2, ("CO2", "PSO2"): 2},
                          ratings={(0, "CO1"): 3, (1, "CO1"): 3, (2, "CO1"): 2})
    result = await check(session, spec)
    assert [(c.indirect, c.final) for c in result.cos] == [(D("2.6667"), D("2.6933")), (None, D("3.0000")),
                                                           (None, None)]
    assert (result.po("PO1").value, result.po("PSO2").value, result.po("PO2").value) == (D("2.8467"), D(3), None)
    assert result.po("PO1").mapped == (("CO1", 1), ("CO2", 1), ("CO3", 2))
    assert [p.code for p in result.pos] == [*PO_NAMES, "PSO2"]  # only the PSOs the mapping uses
    assert result.surveyed


async def test_rounding_half_up_at_four_places(session: AsyncSession) -> None:
    # direct weight 0.75; all 40 at → level 3; 39 ratings of 1 and one 2 → 1.025
    # final 0.75·3 + 0.25·1.025 = 2.50625 → 2.5063
    spec = spec_from_rows(at_of(40, 40), ratings={(s, "CO1"): 2 if s == 0 else 1 for s in range(40)})
    result = await check(session, spec, Params(direct_weight=D("0.75")))
    assert (result.co("CO1").indirect, result.co("CO1").final) == (D("1.0250"), D("2.5063"))
    # 31 ratings of 1 and one 2 → 33/32 = 1.03125 → 1.0313
    spec = spec_from_rows(at_of(1, 32), ratings={(s, "CO1"): 2 if s == 0 else 1 for s in range(32)})
    assert (await check(session, spec)).co("CO1").indirect == D("1.0313")


async def test_a_course_without_marks(session: AsyncSession) -> None:
    spec = Spec([Outcome("CO1", "a", 1), Outcome("CO2", "b", 3)], [], {}, mapping={("CO1", "PO3"): 2}, students=3)
    result = await check(session, spec)
    assert [(c.components, c.direct, c.final) for c in result.cos] == [({}, None, None)] * 2
    assert (result.students, result.surveyed, result.po("PO3").value) == (0, False, None)


async def test_a_course_without_outcomes_reports_students_and_pos(session: AsyncSession) -> None:
    result = await check(session, Spec([], [Assessment("CIE", [Item(D(5), "CO1")])], {(0, 0, 0): D(3)}))
    assert (result.cos, result.students, len(result.pos)) == ([], 1, 12)


async def test_a_course_without_a_program_uses_the_general_psos(session: AsyncSession) -> None:
    spec = spec_from_rows(at_of(1, 1), mapping={("CO1", "PSO1"): 3}, program=None)
    assert (await check(session, spec)).po("PSO1").value == D(3)


async def test_params_come_from_the_organizations_settings(session: AsyncSession) -> None:
    stored = await store(session, spec_from_rows(at_of(1, 1)))
    assert await attainment.load_params(session, stored.org_id) == Params()  # unset keys read their defaults
    await sysconfig.seed(session, stored.org_id)
    await session.execute(text("UPDATE system_config SET value = CAST(:v AS jsonb) WHERE org_id = :o AND key = :k"),
                          {"v": "[40, 55, 65.5]", "o": stored.org_id, "k": "attainment.levels_pct"})
    await session.execute(text("UPDATE system_config SET value = CAST(:v AS jsonb) WHERE org_id = :o AND key = :k"),
                          {"v": '{"CIE": 0.4, "SEE": 0.6}', "o": stored.org_id, "k": "attainment.weights"})
    params = await attainment.load_params(session, stored.org_id)
    assert params == Params(levels_pct=(D(40), D(55), D("65.5")), weights={"CIE": D("0.4"), "SEE": D("0.6")})


# ---- (b) random courses: the SQL equals the reference -----------------------------------------------------------


@st.composite
def courses(draw: st.DrawFn) -> tuple[Spec, Params]:
    rnd = draw(st.randoms(use_true_random=False))
    params = Params(
        threshold_pct=draw(st.sampled_from([D(60), D(50), D("62.5")])),
        levels_pct=draw(st.sampled_from([(D(50), D(60), D(70)), (D(40), D(55), D("66.5"))])),
        weights=draw(st.sampled_from([{"CIE": D("0.3"), "SEE": D("0.7")}, {"CIE": D("0.25"), "SEE": D("0.75")}])),
        direct_weight=draw(st.sampled_from([D("0.8"), D("0.75"), D("0.6")])),
    )
    n_cos = draw(st.integers(1, 6))
    codes = [f"CO{k}" for k in range(1, n_cos + 1)]
    outcomes = [Outcome(c, f"outcome {c}", draw(st.integers(1, 6))) for c in codes]
    targets = [*PO_NAMES, "PSO1", "PSO2", "PSO3"]
    mapping = draw(st.dictionaries(st.tuples(st.sampled_from(codes), st.sampled_from(targets)), st.integers(1, 3),
                                   max_size=14))
    item_codes = [*codes, "CO9"]  # now and then an item of a CO the outcome set does not have
    n_assessments = draw(st.integers(1, 4))
    assessments = [Assessment("SEE" if a == n_assessments - 1 > 0 else draw(st.sampled_from(["CIE", "SEE"])),
                              [Item(draw(st.sampled_from(MAXIMA)), draw(st.sampled_from(item_codes)))
                               for _ in range(draw(st.integers(1, 8)))])
                   for a in range(n_assessments)]
    students = draw(st.integers(0, 40))
    absent = draw(st.sampled_from([0.0, 0.1, 0.4, 1.0]))
    missing = draw(st.sampled_from([0.0, 0.0, 0.2]))  # no row at all (not even "absent")
    marks: dict[tuple[int, int, int], Decimal | None] = {}
    for s in range(students):
        skill = rnd.random()
        for a, ass in enumerate(assessments):
            away = rnd.random() < absent / 2  # absent for a whole assessment
            for i, item in enumerate(ass.items):
                if rnd.random() < missing:
                    continue
                halves = int(item.max_marks * 2)
                pick = rnd.random()
                edge = params.threshold_pct * halves / 100  # in half-points: at the threshold, or just around it
                near = min(1.0, max(0.0, skill + (rnd.random() - 0.5) / 2))
                value = (0 if pick < 0.1 else halves if pick < 0.2 else math.floor(edge) if pick < 0.3
                         else math.ceil(edge) if pick < 0.4 else round(near * halves))
                marks[(s, a, i)] = None if away or rnd.random() < absent / 4 else D(value) / 2
    ratings = None
    if draw(st.booleans()) and students:
        rated = [s for s in range(students) if rnd.random() < 0.7]
        ratings = {(s, c): rnd.randint(1, 3) for s in rated for c in [*codes, "CO9"] if rnd.random() < 0.8}
    spec = Spec(outcomes, assessments, marks, mapping, ratings, draw(st.sampled_from(["CSE", None])),
                students=students + draw(st.integers(0, 2)))  # a student or two on the roster without marks
    return spec, params


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(courses())
async def test_sql_equals_reference_on_random_courses(session: AsyncSession, course: tuple[Spec, Params]) -> None:
    spec, params = course
    savepoint = await session.begin_nested()
    try:
        await check(session, spec, params)
    finally:
        await savepoint.rollback()


# ---- per-student numbers ------------------------------------------------------------------------------------------


async def test_student_scores(session: AsyncSession) -> None:
    # s1: CO1 CIE 5/5 (Q2 absent) → 100 %, at; CO1 SEE absent for all → not counted; CO2 CIE 2.5/7.5 → 33.33 %
    rows = [mark(1, "CIE", "CO1", "5", "5"), mark(1, "CIE", "CO1", None, "10"), mark(1, "SEE", "CO1", None, "20"),
            mark(1, "CIE", "CO2", "2.5", "7.5"), mark(2, "CIE", "CO2", "7.5", "7.5"), mark(1, "CIE", "CO9", "1", "2")]
    stored = await store(session, spec_from_rows(rows, cos=("CO1", "CO2")))
    scores = await attainment.student_scores(session, stored.course_id, stored.students[1])
    assert [(s.co, s.component, s.marks, s.max_marks, s.pct, s.at_threshold, s.counted) for s in scores] == [
        ("CO1", "CIE", D(5), D(5), D("100.00"), True, True),
        ("CO1", "SEE", None, D(0), None, None, False),
        ("CO2", "CIE", D("2.5"), D("7.5"), D("33.33"), False, True),
    ]
    loose = await attainment.student_scores(session, stored.course_id, stored.students[1],
                                            params=Params(threshold_pct=D("33.3")))
    assert loose[2].at_threshold  # 33.33… % ≥ 33.3 %


async def test_student_rows_stream_every_students_numbers_in_order(session: AsyncSession) -> None:
    # 300 students × 3 COs × 2 components; streamed 100 rows at a time from a server-side cursor
    rng = random.Random(5)
    marks: dict[tuple[int, int, int], Decimal | None] = {
        (s, a, i): D(rng.randint(0, 20)) / 2 for s in range(300) for a in (0, 1) for i in range(6)}
    marks[(7, 1, 0)] = None
    items = [Item(D(10), f"CO{1 + i % 3}") for i in range(6)]
    spec = Spec([Outcome(f"CO{k}", "", 1) for k in (1, 2, 3)], [Assessment("CIE", items), Assessment("SEE", items)],
                marks)
    stored = await store(session, spec)
    result = await attainment.compute(session, stored.course_id, Params())
    seen: list[tuple[str, str, str]] = []
    cursors = 0
    at: dict[tuple[str, str], int] = defaultdict(int)
    async for row in attainment.student_rows(session, stored.course_id, batch=100):
        if not seen:
            cursors = (await session.execute(text("SELECT count(*) FROM pg_cursors"))).scalar_one()
        seen.append((row.usn, row.score.co, row.score.component))
        at[(row.score.co, row.score.component)] += bool(row.score.at_threshold)
        assert row.name == f"Student {row.usn}"
        assert row.score.pct is not None and row.score.marks is not None
        assert row.score.pct == (row.score.marks * 100 / row.score.max_marks).quantize(D("0.01"), "ROUND_HALF_UP")
    assert cursors >= 1  # a portal stayed open while rows were handed out
    assert len(seen) == 300 * 3 * 2
    assert seen == sorted(seen, key=lambda t: (t[0], t[1], t[2]))
    assert dict(at) == {(c.code, k): r.at_threshold
                                              for c in result.cos for k, r in c.components.items()}


async def test_student_rows_can_stop_early(session: AsyncSession) -> None:
    stored = await store(session, spec_from_rows(at_of(3, 30)))
    rows = attainment.student_rows(session, stored.course_id, batch=5)
    first = [r async for r in _take(rows, 3)]
    await rows.aclose()
    assert [r.usn for r in first] == ["1BM00000", "1BM00001", "1BM00002"]
    assert (await session.execute(text("SELECT 1"))).scalar_one() == 1  # the connection is usable again


async def _take(rows: Any, n: int) -> Any:
    async for r in rows:
        yield r
        n -= 1
        if n == 0:
            return


# ---- Bloom distribution --------------------------------------------------------------------------------------


async def test_bloom_distribution(session: AsyncSession) -> None:
    # the paper: Q1 CO1 (bloom 2) 5, Q2 CO1 5, Q3 CO2 (bloom 3) 10, Q4 CO9 (not an outcome) 5 → total 25
    # bloom 2: 2 items, 10 marks → 40.00 %; bloom 3: 1 item, 10 → 40.00 %; unmapped: 1 item, 5 → 20.00 %
    spec = Spec([Outcome("CO1", "", 2), Outcome("CO2", "", 3)],
                [Assessment("CIE", [Item(D(5), "CO1"), Item(D(5), "CO1"), Item(D(10), "CO2"), Item(D(5), "CO9")]),
                 Assessment("SEE", [Item(D(3), "CO1")])], {})
    stored = await store(session, spec)
    shares = await attainment.bloom_distribution(session, stored.assessments[0])
    assert [(b.bloom, b.items, b.max_marks, b.share_pct) for b in shares] == [
        (1, 0, D(0), D("0.00")), (2, 2, D(10), D("40.00")), (3, 1, D(10), D("40.00")), (4, 0, D(0), D("0.00")),
        (5, 0, D(0), D("0.00")), (6, 0, D(0), D("0.00")), (None, 1, D(5), D("20.00"))]
    see = await attainment.bloom_distribution(session, stored.assessments[1])
    assert [(b.bloom, b.share_pct) for b in see if b.items] == [(2, D("100.00"))]
    assert None not in [b.bloom for b in see]


async def test_bloom_distribution_of_an_empty_or_unknown_assessment(session: AsyncSession) -> None:
    stored = await store(session, Spec([Outcome("CO1", "", 2)], [Assessment("CIE", [])], {}))
    assert await attainment.bloom_distribution(session, stored.assessments[0]) == []
    assert await attainment.bloom_distribution(session, -1) == []


# ---- the cache ----------------------------------------------------------------------------------------------------


async def test_cache_round_trips_exactly(session: AsyncSession) -> None:
    rows = at_of(3, 5, "CIE", "CO1") + at_of(1, 1, "SEE", "CO1") + at_of(1, 2, "CIE", "CO2")
    spec = spec_from_rows(rows, cos=("CO1", "CO2", "CO3"), mapping={("CO1", "PO1"): 3, ("CO2", "PSO1"): 2},
                          ratings={(0, "CO1"): 3, (1, "CO1"): 2})
    stored = await store(session, spec)
    params = Params(threshold_pct=D("62.5"), weights={"CIE": D("0.25"), "SEE": D("0.75")})
    assert await attainment.cached(session, stored.course_id) is None
    result = await attainment.compute(session, stored.course_id, params)
    await attainment.cache(session, result)
    back = await attainment.cached(session, stored.course_id)
    assert back == result
    assert back is not None and back.co("CO1").direct is not None
    assert str(back.co("CO1").direct) == str(result.co("CO1").direct)  # the very digits, not just the value
    assert [str(p.value) for p in back.pos] == [str(p.value) for p in result.pos]
    assert back.params.weights == params.weights
    # storing again replaces the row
    await attainment.cache(session, await attainment.compute(session, stored.course_id, Params()))
    again = await attainment.cached(session, stored.course_id)
    assert again is not None and again.params == Params()
    count = (await session.execute(text("SELECT count(*) FROM attainment_cache WHERE course_id = :c"),
                                   {"c": stored.course_id})).scalar_one()
    assert count == 1


async def test_a_cache_in_another_format_reads_as_absent(session: AsyncSession) -> None:
    stored = await store(session, spec_from_rows(at_of(1, 1)))
    await session.execute(text("INSERT INTO attainment_cache (course_id, result) VALUES (:c, CAST(:r AS jsonb))"),
                          {"c": stored.course_id, "r": '{"format": 0}'})
    assert await attainment.cached(session, stored.course_id) is None


async def test_planner_settings_are_restored_after_the_whole_course_statements(session: AsyncSession) -> None:
    before = await session.scalar(text("SELECT current_setting('enable_nestloop') || current_setting('work_mem')"))
    result = await check(session, spec_from_rows(at_of(3, 5)))
    rows = [r async for r in attainment.student_rows(session, result.course_id)]
    after = await session.scalar(text("SELECT current_setting('enable_nestloop') || current_setting('work_mem')"))
    assert len(rows) == 5 and after == before == "on4MB"
