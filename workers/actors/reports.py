"""Attainment work in workers: recomputing a course's attainment, and building its full report
(text, CO and PO charts, the spreadsheet with every intermediate number) for a teacher."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.presenters import attainment_text, co_chart_caption, po_chart_caption, workbook_caption
from domain import notify
from domain.errors import N_
from domain.model.people import Course, User
from domain.reports.attainment_xlsx import attainment_workbook_async
from domain.reports.charts import co_levels_png, po_png
from domain.services import attainment, reports
from workers.jobs import JobContext, job

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job(queue="ingest")
async def compute_attainment(ctx: JobContext, course_id: int) -> None:
    await reports.recompute(ctx.session, course_id)


@job(queue="ingest", time_limit_ms=10 * 60_000)
async def send_attainment_report(ctx: JobContext, course_id: int, user_id: int, why: str, with_text: bool = False,
                                 after: list[int] | None = None) -> None:
    """The course's report for a person: the text (``with_text``), the CO and PO charts and the spreadsheet,
    delivered in this order by one job that starts with the notifications ``after`` (an upload's answer)."""
    s = ctx.session
    course = await s.get(Course, course_id)
    language = await s.scalar(select(User.language).where(User.id == user_id))
    if course is None or language is None:
        return
    result = await reports.current(s, course_id)
    label = f"{course.code} {course.name}"
    key = f"report:{why}"
    due: list[int] = list(after or [])
    if with_text:
        told = await notify.notify(s, org_id=course.org_id, event_key=f"{key}:text", kind="upload",
                                   recipients=[user_id], message=notify.HTML,
                                   params={"html": attainment_text(result, label, language)})
        due += told.due  # sent at once, and first again in the charts' job (skipped there when sent)
    if not result.students:
        if not with_text:
            await notify.notify(s, org_id=course.org_id, event_key=f"{key}:empty", kind="upload",
                                recipients=[user_id], message=N_("{course} has no marks yet."),
                                params={"course": label})
        return
    co_png, po_chart = await asyncio.gather(
        asyncio.to_thread(co_levels_png, result, title=label), asyncio.to_thread(po_png, result, title=label))
    book = await attainment_workbook_async(result, course=label, items=await reports.items_info(s, course_id),
                                           students=attainment.student_rows(s, course_id, params=result.params))
    for part, name, mime, data, caption in (
        ("co", f"co-attainment-{course.code}.png", "image/png", co_png, co_chart_caption(result, label, language)),
        ("po", f"po-attainment-{course.code}.png", "image/png", po_chart, po_chart_caption(label, language)),
        ("xlsx", f"attainment-{course.code}.xlsx", XLSX, book, workbook_caption(label, language)),
    ):
        sent = await notify.notify(s, org_id=course.org_id, event_key=f"{key}:{part}", kind="upload",
                                   recipients=[user_id], message=notify.HTML, params={"html": caption},
                                   attachment=notify.Attachment(name, mime, data), schedule_now=False)
        due += sent.due
    await notify.schedule(s, due)  # one job: the charts, then the spreadsheet, in this order
