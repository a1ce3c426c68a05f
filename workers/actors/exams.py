"""Exam work in workers: scoring a submitted attempt, what follows an exam's closing (reviews and the
teachers' summary), and an exam's item analysis (text and spreadsheet) for a teacher."""

from __future__ import annotations

from sqlalchemy import select

from bot.presenters_exam import exam_teacher_keyboard, item_analysis_labels, item_analysis_text, summary_text
from domain import item_analysis, notify
from domain.model.exams import Exam
from domain.model.people import Course, User
from domain.reports.item_analysis_xlsx import item_analysis_workbook
from domain.services import results
from workers.jobs import JobContext, job
from workers.telegram import get_sender

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job(queue="default")
async def score_attempt(ctx: JobContext, attempt_id: int) -> None:
    await results.score_attempt(ctx.session, attempt_id)


@job(queue="default")
async def score_attempts(ctx: JobContext, attempt_ids: list[int]) -> None:
    await results.score_attempts(ctx.session, attempt_ids)


@job(queue="default")
async def exam_closed(ctx: JobContext, exam_id: int) -> None:
    await results.send_reviews(ctx.session, exam_id)
    await results.tell_teachers_closed(ctx.session, exam_id)


@job(queue="default")
async def refresh_exam_summary(ctx: JobContext, exam_id: int) -> None:
    """Edit the teacher's live summary message of the exam to its numbers now."""
    exam = await ctx.session.get(Exam, exam_id)
    if exam is None or exam.summary_chat_id is None or exam.summary_message_id is None:
        return
    language = exam.summary_language or "en"
    text = summary_text(await results.summary(ctx.session, exam), language)
    sender = await get_sender(ctx.runtime)
    await sender.edit_message_text(exam.summary_chat_id, exam.summary_message_id, text,
                                   reply_markup=exam_teacher_keyboard(exam.id, language))


@job(queue="default")
async def send_item_analysis(ctx: JobContext, exam_id: int, user_id: int, why: str) -> None:
    """The exam's item analysis for a teacher: the text, then the spreadsheet."""
    s = ctx.session
    exam = await s.get(Exam, exam_id)
    language = await s.scalar(select(User.language).where(User.id == user_id))
    if exam is None or language is None:
        return
    code = await s.scalar(select(Course.code).where(Course.id == exam.course_id)) or ""
    keys, attempts = await results.item_analysis_data(s, exam_id)
    stats = item_analysis.analyse(keys, attempts)
    label = f"{exam.title} ({code})"
    told = await notify.notify(s, org_id=exam.org_id, event_key=f"items:{why}:text", kind="upload",
                               recipients=[user_id], message=notify.HTML,
                               params={"html": item_analysis_text(label, stats, len(attempts), language)},
                               schedule_now=False)
    due = list(told.due)
    if stats:
        book = item_analysis_workbook(label, stats, keys, labels=item_analysis_labels(language))
        sent = await notify.notify(s, org_id=exam.org_id, event_key=f"items:{why}:xlsx", kind="upload",
                                   recipients=[user_id], message=notify.HTML, params={"html": label},
                                   attachment=notify.Attachment(f"item-analysis-{exam.id}.xlsx", XLSX, book),
                                   schedule_now=False)
        due += sent.due
    await notify.schedule(s, due)
