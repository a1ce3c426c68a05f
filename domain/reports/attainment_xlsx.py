"""The attainment workbook a teacher receives: every intermediate number, so the arithmetic can be checked.

Sheets, in order:

* **Summary** — the course, then per CO and component the students counted, those at or above the
  threshold, their %, the level; the weights used, direct, indirect (survey mean), final and whether it
  reaches the target; per PO/PSO the (CO, correlation) pairs, Σ(final × correlation), Σ correlation and
  the value; and the CO–PO matrix with each CO's final value.
* **Students** — one row per student, CO and component: marks obtained, maximum counted, score %,
  at or above the threshold.
* **Questions** — assessment, component, question, maximum, CO.
* **Parameters** — threshold, level bands, weights, target, and the six steps of the computation.

Student rows are :class:`StudentRow`, or anything shaped like ``domain.services.attainment.StudentRow``
(:class:`ScoredStudent`), and may come from an async cursor. Written with
:class:`~domain.reports.xlsx.StreamingWorkbook` (text stays text, numbers stay numbers), so 120,000
student rows take seconds and little memory.
The workbook is in English, like the column names of the files teachers send.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.attainment import COMPONENTS, AttainmentResult, CoResult, Params, PoResult
from domain.reports.xlsx import CellValue, StreamingSheet, StreamingWorkbook

STUDENT_HEADER = ("USN", "Name", "CO", "Component", "Marks obtained", "Maximum counted", "Score %",
                  "At or above threshold")
STUDENT_WIDTHS = (14, 28, 6, 11, 15, 17, 10, 22)
QUESTION_HEADER = ("Assessment", "Component", "Question", "Max marks", "CO")
BATCH_ROWS = 2000  # student rows handed to the writer's thread at a time by the async variant


@dataclass(frozen=True)
class ItemInfo:
    """One question (item) of an assessment: the marks it is out of and the CO it assesses."""

    assessment: str
    component: str
    label: str
    max_marks: Decimal
    co: str


@dataclass(frozen=True)
class StudentRow:
    """One student's score on one CO in one component (step 1 of the computation).

    ``maximum`` counts only the items the student was present for; with nothing counted (absent for
    all of them) ``score_pct`` and ``at_threshold`` are ``None`` and the student is left out of the CO.
    """

    usn: str
    name: str
    co: str
    component: str
    obtained: Decimal
    maximum: Decimal
    score_pct: Decimal | None
    at_threshold: bool | None


class StudentScoreLike(Protocol):
    """A student's numbers on one CO in one component, as ``domain.services.attainment.StudentScore`` has them."""

    @property
    def co(self) -> str: ...

    @property
    def component(self) -> str: ...

    @property
    def marks(self) -> Decimal | None: ...

    @property
    def max_marks(self) -> Decimal: ...

    @property
    def pct(self) -> Decimal | None: ...

    @property
    def at_threshold(self) -> bool | None: ...


class ScoredStudent(Protocol):
    """A student row in the shape of ``domain.services.attainment.StudentRow``: who, and a score."""

    @property
    def usn(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def score(self) -> StudentScoreLike: ...


AnyStudentRow = StudentRow | ScoredStudent


def attainment_workbook(result: AttainmentResult, *, course: str, items: Iterable[ItemInfo],
                        students: Iterable[AnyStudentRow]) -> bytes:
    """The workbook as bytes (.xlsx). For student rows from an async cursor use :func:`attainment_workbook_async`."""
    if isinstance(students, AsyncIterable):
        raise TypeError("async student rows: use attainment_workbook_async")
    book = StreamingWorkbook()
    write_summary(book, result, course)
    _student_sheet(book).extend(student_cells(s) for s in students)
    write_questions(book, items)
    write_parameters(book, result)
    return book.close()


async def attainment_workbook_async(result: AttainmentResult, *, course: str, items: Iterable[ItemInfo],
                                    students: AsyncIterable[AnyStudentRow] | Iterable[AnyStudentRow]) -> bytes:
    """Like :func:`attainment_workbook`; the writing runs in a thread, batch by batch, off the event loop."""
    book = StreamingWorkbook()
    await asyncio.to_thread(write_summary, book, result, course)
    sheet = _student_sheet(book)
    if isinstance(students, AsyncIterable):
        batch: list[list[CellValue]] = []
        async for row in students:
            batch.append(student_cells(row))
            if len(batch) >= BATCH_ROWS:
                await asyncio.to_thread(sheet.extend, batch)
                batch = []
        if batch:
            await asyncio.to_thread(sheet.extend, batch)
    else:
        await asyncio.to_thread(sheet.extend, (student_cells(s) for s in students))
    await asyncio.to_thread(write_questions, book, list(items))
    await asyncio.to_thread(write_parameters, book, result)
    return await asyncio.to_thread(book.close)


# ---- the sheets ----------------------------------------------------------------------------------


def components_of(result: AttainmentResult) -> list[str]:
    """CIE, SEE, then any other component that has results or a weight, in a stable order."""
    extra = {c for co in result.cos for c in co.components} | set(result.params.weights)
    return list(COMPONENTS) + sorted(extra - set(COMPONENTS))


def weights_used(co: CoResult, params: Params) -> dict[str, Decimal]:
    """The weight each component had in the CO's direct attainment (step 4): 1 for a lone component."""
    if not co.components:
        return {}
    if len(co.components) == len(COMPONENTS) and all(c in co.components for c in COMPONENTS):
        return {c: params.weights[c] for c in COMPONENTS}
    return {next(iter(co.components)): Decimal(1)}


def po_sums(po: PoResult, finals: dict[str, Decimal]) -> tuple[Decimal | None, int | None]:
    """Σ(final CO attainment × correlation) and Σ correlation over the mapped COs that have a final value."""
    counted = [(finals[code], corr) for code, corr in po.mapped if code in finals]
    if not counted:
        return None, None
    return sum((f * corr for f, corr in counted), Decimal(0)), sum(corr for _, corr in counted)


def write_summary(book: StreamingWorkbook, result: AttainmentResult, course: str) -> None:
    params = result.params
    components = components_of(result)
    ws = book.sheet("Summary", None, widths=[22, 30, 8, 24] + [14] * (5 * len(components) + 6), freeze_header=False)
    ws.append(["CO and PO attainment"], bold=True)
    ws.append(["Course", course])
    ws.append(["Students with marks", result.students])
    ws.append(["Exit survey", "yes" if result.surveyed else "no"])
    ws.append(["Threshold %", params.threshold_pct])
    ws.append(["Target level", params.target_level])
    ws.append([])

    ws.append(["Course outcomes (COs)"], bold=True)
    header: list[CellValue] = ["CO", "Description", "Bloom"]
    for comp in components:
        header += [f"{comp} students counted", f"{comp} at or above threshold", f"{comp} %", f"{comp} level"]
    header += [f"{comp} weight used" for comp in components]
    header += ["Direct", "Indirect (survey mean)", "Direct weight used", "Final", "Target", "Meets target",
               "Note"]
    ws.append(header, bold=True)
    for co in result.cos:
        _co_row(ws, co, components, params)
    ws.append([])

    finals = {co.code: co.final for co in result.cos if co.final is not None}
    ws.append(["Program outcomes (POs and PSOs)"], bold=True)
    ws.append(["Code", "Name", "Kind", "Mapped COs (CO: correlation)", "COs counted", "Σ(final × correlation)",
               "Σ correlation", "Value = Σ(final × correlation) ÷ Σ correlation", "Note"], bold=True)
    for po in result.pos:
        total, weight = po_sums(po, finals)
        counted = [code for code, _ in po.mapped if code in finals]
        note = "not mapped" if not po.mapped else "no mapped CO has a final value" if weight is None else None
        ws.append([po.code, po.name, po.kind, ", ".join(f"{code}: {corr}" for code, corr in po.mapped),
                   ", ".join(counted), total, weight, po.value, note])
    ws.append([])

    ws.append(["CO–PO correlation matrix (3 strong, 2 moderate, 1 slight)"], bold=True)
    ws.append(["CO", "Final", *[po.code for po in result.pos]], bold=True)
    correlation = {(code, po.code): corr for po in result.pos for code, corr in po.mapped}
    for co in result.cos:
        ws.append([co.code, co.final, *[correlation.get((co.code, po.code)) for po in result.pos]])
    ws.close()


def _co_row(ws: StreamingSheet, co: CoResult, components: Sequence[str], params: Params) -> None:
    row: list[CellValue] = [co.code, co.description, co.bloom]
    for comp in components:
        part = co.components.get(comp)
        row += [part.students, part.at_threshold, part.pct, part.level] if part else [None] * 4
    used = weights_used(co, params)
    row += [used.get(comp) for comp in components]
    direct_weight = None if co.direct is None else params.direct_weight if co.indirect is not None else Decimal(1)
    meets = None if co.final is None else co.final >= params.target_level
    note = "not assessed" if co.direct is None else None if co.indirect is not None else "no survey: final = direct"
    row += [co.direct, co.indirect, direct_weight, co.final, params.target_level, meets, note]
    ws.append(row)


def _student_sheet(book: StreamingWorkbook) -> StreamingSheet:
    return book.sheet("Students", STUDENT_HEADER, widths=STUDENT_WIDTHS)


def student_cells(s: AnyStudentRow) -> list[CellValue]:
    if isinstance(s, StudentRow):
        return [s.usn, s.name, s.co, s.component, s.obtained, s.maximum, s.score_pct, s.at_threshold]
    sc = s.score
    return [s.usn, s.name, sc.co, sc.component, sc.marks, sc.max_marks, sc.pct, sc.at_threshold]


def write_questions(book: StreamingWorkbook, items: Iterable[ItemInfo]) -> None:
    ws = book.sheet("Questions", QUESTION_HEADER, widths=[24, 11, 12, 11, 6])
    ws.extend([i.assessment, i.component, i.label, i.max_marks, i.co] for i in items)
    ws.close()


def write_parameters(book: StreamingWorkbook, result: AttainmentResult) -> None:
    p = result.params
    l1, l2, l3 = p.levels_pct
    ws = book.sheet("Parameters", ("Parameter", "Value", "Meaning"), widths=[26, 10, 110])
    ws.append(["Threshold %", p.threshold_pct, "a student attains a CO with a score at or above this"])
    for level, band in enumerate(p.levels_pct, start=1):
        ws.append([f"Level {level} from %", band, f"level {level} when this share of students or more attain the CO"])
    for comp in components_of(result):
        if comp in p.weights:
            ws.append([f"Weight {comp}", p.weights[comp], f"weight of the {comp} level in the direct attainment"])
    ws.append(["Direct weight", p.direct_weight, "weight of the direct attainment in the final one (with a survey)"])
    ws.append(["Indirect weight", 1 - p.direct_weight, "weight of the exit-survey mean in the final one"])
    ws.append(["Target level", p.target_level, "a CO below this needs attention"])
    ws.append(["Students with marks", result.students, "distinct students with any mark in the course"])
    ws.append([])
    weights = " + ".join(f"{p.weights[c]} × level {c}" for c in COMPONENTS if c in p.weights)
    steps = [
        "A student's score on a CO in a component = marks obtained on that CO's questions ÷ the maximum of the "
        "questions they were present for (sheet Students). Absent for all of them: left out of that CO.",
        f"CO attainment % = students with a score at or above {p.threshold_pct}% ÷ students counted.",
        f"Level 3 if that % is at or above {l3}, 2 if at or above {l2}, 1 if at or above {l1}, else 0.",
        f"Direct = {weights}; when one component has no marks, the other one's level with weight 1.",
        f"Indirect = the mean exit-survey rating (1–3). Final = {p.direct_weight} × direct + "
        f"{1 - p.direct_weight} × indirect when there is a survey, else final = direct.",
        "PO (or PSO) = Σ(final CO attainment × correlation) ÷ Σ correlation, over the COs mapped to it that "
        "have a final value (Summary, the PO table and the matrix).",
    ]
    ws.append(["How it is computed"], bold=True)
    for n, step in enumerate(steps, start=1):
        ws.append([f"Step {n}", None, step])
    ws.append(["Rounding", None, "half-up: % to 2 decimals, indirect, final and PO values to 4 decimals; "
                                  "levels are compared exactly (at or above)."])
    ws.close()
