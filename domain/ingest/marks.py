"""Marks sheets: an assessment's marks replaced whole (COPY), then the course's attainment computed again."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_
from domain.files.marks import parse_marks
from domain.files.table import Table
from domain.ingest import CHOICES, HANDLERS, TYPED, IngestContext, IngestReport, Question, ask, course_of
from domain.model.messaging import Upload
from domain.services import assessments, attainment, outcomes

_SEE = re.compile(r"\b(SEE|END[ -]?SEM(ESTER)?|SEMESTER END|FINAL)\b", re.IGNORECASE)


async def ingest_marks(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, ctx: IngestContext
) -> IngestReport:
    course = await course_of(session, actor, upload)
    if isinstance(course, IngestReport):
        return course
    cos = await outcomes.current_outcomes(session, course.id)
    if not cos:
        return IngestReport("rejected", N_("{course} has no course outcomes yet: send its outcomes file (CO, "
                                           "DESCRIPTION, BLOOM, PO1…) first, then the marks."),
                            {"course": course.code})
    raw_name = upload.params.get("assessment")
    if not raw_name:
        return ask(upload, Question("assessment", N_("Which assessment are these marks of? Choose one, or type its "
                                                     "name (for example IA 1)."), {},
                                    await assessments.assessment_names(session, course.id), free_text=True))
    name = assessments.clean_assessment_name(str(raw_name))
    existing = await assessments.find_assessment(session, course, name)
    component = upload.params.get("component")
    if component:
        component = assessments.clean_component(str(component))
    elif existing is not None:
        component = existing.component
    elif _SEE.search(name):
        component = "SEE"
    else:
        return ask(upload, Question("component", N_("Is {name} part of the internal assessment (CIE) or the "
                                                    "end-semester exam (SEE)?"), {"name": name}, ["CIE", "SEE"]))
    students = await assessments.course_students(session, course)
    items = await assessments.existing_items(session, existing)
    parsed = await asyncio.to_thread(
        parse_marks, table, known_usns=students, known_cos=[c.code for c in cos], existing_items=items,
        on_progress=ctx.progress,
    )
    saved = await assessments.replace_marks(
        session, course, name=name, component=component,
        items=[assessments.ItemInput(i.label, i.max_marks, i.co) for i in parsed.items],
        rows=[(r.student_id, r.values) for r in parsed.rows], upload_id=upload.id, user_id=actor.user_id,
    )
    result = await attainment.compute(session, course.id, await attainment.load_params(session, course.org_id))
    await attainment.cache(session, result)
    message = (N_("{assessment} ({component}) of {course}: marks of {students} students saved ({absent} absent "
                  "entries). The previous marks of {assessment} were replaced.")
               if not saved.created else
               N_("{assessment} ({component}) of {course}: marks of {students} students saved ({absent} absent "
                  "entries)."))
    return IngestReport(
        "done", message,
        {"assessment": name, "component": component, "course": course.code, "students": saved.students,
         "absent": saved.absent},
        rows=saved.students,
        summary={"assessment_id": saved.assessment_id, "cells": saved.cells, "insert_ms": round(saved.insert_seconds
                                                                                                 * 1000, 1)},
        attainment=result, course_label=f"{course.code} {course.name}",
        buttons=[[{"text": N_("Publish these marks to students and parents"),
                   "callback_data": f"pub:{saved.assessment_id}"}]],
    )


async def assessment_choices(session: AsyncSession, actor: Actor, upload: Upload) -> list[str]:
    code = upload.params.get("course")
    if not code:
        return []
    course = await assessments.teachers_course(session, actor, str(code))
    return await assessments.assessment_names(session, course.id)


async def component_choices(session: AsyncSession, actor: Actor, upload: Upload) -> list[str]:
    return ["CIE", "SEE"]


async def typed_assessment(session: AsyncSession, actor: Actor, text: str) -> str:
    return assessments.clean_assessment_name(text)


HANDLERS["marks"] = ingest_marks
CHOICES["assessment"] = assessment_choices
CHOICES["component"] = component_choices
TYPED["assessment"] = typed_assessment
