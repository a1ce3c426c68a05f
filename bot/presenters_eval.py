"""Written answers in the reader's language: the teacher's evaluation message (a question, its model
answer and mark buttons in halves), the summary before finishing, the final result, reminders and
breaches, answer pages, and /sla."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translate as tr
from bot.keyboards import EvalCB, PagesCB
from bot.presenters import RENDERERS
from bot.presenters_exam import working_time
from domain.errors import N_
from domain.render import esc
from domain.services.calendars import DAY_NAMES, CalendarView
from domain.services.evaluations import EvalView, PageView, SlaReport


def _num(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _btn(text: str, evaluation_id: int, op: str, p: int = 0, x: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=EvalCB(e=evaluation_id, op=op, p=p, x=x).pack())


def _head(v: EvalView, language: str) -> str:
    due = (tr(N_("⚠ past its deadline ({deadline})"), language, deadline=v.deadline) if v.left_seconds <= 0
           else tr(N_("due {deadline} · {left} of working time left"), language, deadline=v.deadline,
                   left=working_time(v.left_seconds, language)))
    return tr(N_("<b>{title}</b> ({course}) — {student} ({usn}) · {due}"), language, title=esc(v.title),
              course=esc(v.course), student=esc(v.student), usn=v.usn, due=due)


def evaluation_message(v: EvalView, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    if v.mode == "done":
        return _done(v, language), None
    if v.mode == "summary" or not v.questions:
        return _summary(v, language)
    q = v.current
    lines = [_head(v, language), "",
             tr(N_("Question {n} ({kind}, {max} marks) — {i} of {count} written"), language, n=q.number, kind=q.kind,
                max=_num(q.max_marks), i=v.index + 1, count=len(v.questions)),
             esc(q.stem)]
    if q.model_answer:
        lines += ["", tr(N_("<i>Model answer:</i> {answer}"), language, answer=esc(q.model_answer))]
    lines.append("")
    lines.append(tr(N_("Marks given: {marks}"), language, marks=_num(q.marks)) if q.marks is not None
                 else tr(N_("Not marked yet."), language))
    if q.comment:
        lines.append(tr(N_("Comment: {comment}"), language, comment=esc(q.comment)))
    halves = int(q.max_marks * 2)
    buttons = [_btn(("✅ " if q.marks is not None and q.marks * 2 == h else "") + _num(Decimal(h) / 2), v.evaluation_id,
                    "m", q.position, h) for h in range(halves + 1)]
    rows = [buttons[i:i + 5] for i in range(0, len(buttons), 5)]
    nav = []
    if v.index > 0:
        nav.append(_btn("◀", v.evaluation_id, "g", v.index - 1))
    nav.append(_btn(tr(N_("💬 Comment"), language), v.evaluation_id, "c", q.position))
    nav.append(_btn(tr(N_("📄 Pages"), language), v.evaluation_id, "p"))
    if v.index < len(v.questions) - 1:
        nav.append(_btn("▶", v.evaluation_id, "g", v.index + 1))
    rows.append(nav)
    rows.append([_btn(tr(N_("Finish…"), language), v.evaluation_id, "s", -1)])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _summary(v: EvalView, language: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_head(v, language), "", tr(N_("<b>Summary</b>"), language)]
    for q in v.questions:
        lines.append(tr(N_("Question {n}: {marks} of {max}"), language, n=q.number,
                        marks=_num(q.marks) if q.marks is not None else "—", max=_num(q.max_marks)))
    lines.append(tr(N_("Written {written} of {max_written} + objective {objective} of {max_objective} = "
                       "<b>{total} of {max}</b>"), language, written=_num(v.written), max_written=_num(v.max_written),
                    objective=_num(v.objective), max_objective=_num(v.max_objective),
                    total=_num(max(Decimal(0), v.objective + v.written)), max=_num(v.max_objective + v.max_written)))
    rows = []
    if v.unmarked:
        lines.append(tr(N_("Not marked yet: question {numbers}."), language,
                        numbers=", ".join(map(str, v.unmarked))))
    else:
        lines.append(tr(N_("Finish? The student and their parents are told the final result at once."), language))
        rows.append([_btn(tr(N_("✅ Finish and tell them"), language), v.evaluation_id, "f")])
    rows.append([_btn(tr(N_("◀ Back to the questions"), language), v.evaluation_id, "g", max(0, v.index))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _done(v: EvalView, language: str) -> str:
    return tr(N_("Evaluated: <b>{title}</b> ({course}) — {student}: {total} of {max}. The student and their parents "
                 "have been told."), language, title=esc(v.title), course=esc(v.course), student=esc(v.student),
              total=_num(max(Decimal(0), v.objective + v.written)), max=_num(v.max_objective + v.max_written))


def pages_caption(pages: list[PageView], language: str) -> str:
    if not pages:
        return tr(N_("No pages were sent."), language)
    return tr(N_("{count} pages, in the order sent."), language, count=len(pages))


def student_pages(attempt_id: int, pages: list[PageView], language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The student's own list of pages, with a Replace button for each."""
    if not pages:
        return tr(N_("You have sent no pages yet. Send photos or a PDF of your written answers here, in order."),
                  language), None
    marks = {"received": "⏳", "stored": "✓", "rejected": "✗"}
    lines = [tr(N_("Your pages (✓ kept · ⏳ being kept · ✗ could not be read, send it again):"), language),
             " ".join(f"{p.page}{marks.get(p.status, '')}" for p in pages),
             tr(N_("To replace a page, press it and send the new photo."), language)]
    buttons = [InlineKeyboardButton(text=tr(N_("Replace {n}"), language, n=p.page),
                                    callback_data=PagesCB(a=attempt_id, op="r", n=p.page).pack()) for p in pages]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[buttons[i:i + 4]
                                                                  for i in range(0, len(buttons), 4)])


def sla_text(r: SlaReport, language: str) -> str:
    lines = [tr(N_("<b>Evaluations — the organization</b>") if r.scope == "organization" else
                N_("<b>Your evaluations</b>"), language)]
    if not r.open:
        lines.append(tr(N_("No evaluation is open."), language))
    for o in r.open:
        state = (tr(N_("⚠ breached, was due {deadline}"), language, deadline=o.deadline) if o.breached
                 else tr(N_("⚠ due {deadline}, now past"), language, deadline=o.deadline) if o.left_seconds <= 0
                 else tr(N_("{left} left (due {deadline})"), language, left=working_time(o.left_seconds, language),
                         deadline=o.deadline))
        who = "" if r.scope == "own" else f" · {esc(o.teacher)}"
        lines.append(f"• {esc(o.title)} — {esc(o.student)}{who}: {state}")
    if r.rates:
        lines += ["", tr(N_("<b>On time over 30 days</b>"), language)]
        for t in r.rates:
            rate = f"{round(100 * t.on_time / t.finished)}%" if t.finished else "—"
            lines.append(tr(N_("{teacher}: {rate} ({on_time} of {finished} on time), {open} open"), language,
                            teacher=esc(t.teacher), rate=rate, on_time=t.on_time, finished=t.finished, open=t.open))
    return "\n".join(lines)


def calendar_text(c: CalendarView, language: str) -> str:
    end = "24:00" if c.work_end >= dt.time(23, 59, 59) else c.work_end.strftime("%H:%M")
    days = ", ".join(DAY_NAMES[d - 1] for d in c.work_days)
    lines = [tr(N_("<b>Calendar — {name}</b>"), language, name=esc(c.name)),
             tr(N_("Time zone: {tz}"), language, tz=c.timezone),
             tr(N_("Working hours: {start}–{end} on {days}"), language, start=c.work_start.strftime("%H:%M"),
                end=end, days=days),
             tr(N_("Holidays ahead:"), language) if c.holidays else tr(N_("No holidays ahead."), language)]
    lines += [f"{d.strftime('%d/%m/%Y')} {esc(n)}" for d, n in c.holidays]
    lines += ["", tr(N_("Admins change it: /calendar hours=09:00-18:00 days=Mon-Sat timezone=Asia/Kolkata "
                        "add=\"25/12/2026 Christmas\" remove=24/11/2026 — or send a file of DATE, NAME rows."),
                     language)]
    return "\n".join(lines)


# ---- notifications (rendered when sent, in the reader's language) ----------------------------------


def final_result(p: dict[str, Any], language: str) -> str:
    return tr(N_("<b>{title}</b> ({course}) — final result: {score}/{max} ({pct}%): objective {objective}/"
                 "{max_objective}, written {written}/{max_written}."), language, title=esc(p["title"]),
              course=esc(p["course"]), score=_num(p["score"]), max=_num(p["max"]), pct=_num(p["pct"]),
              objective=_num(p["objective"]), max_objective=_num(p["max_objective"]), written=_num(p["written"]),
              max_written=_num(p["max_written"]))


def parent_final_result(p: dict[str, Any], language: str) -> str:
    return tr(N_("{name} scored {score}/{max} ({pct}%) in {title} ({course}), written answers included."), language,
              name=esc(p["name"]), score=_num(p["score"]), max=_num(p["max"]), pct=_num(p["pct"]),
              title=esc(p["title"]), course=esc(p["course"]))


def evaluation_assigned(p: dict[str, Any], language: str) -> str:
    return tr(N_("New answer sheets to evaluate: <b>{title}</b> ({course}), {student} ({usn}). Due {deadline} "
                 "({sla} of working time). /evaluate"), language, title=esc(p["title"]), course=esc(p["course"]),
              student=esc(p["student"]), usn=p["usn"], deadline=p["deadline"],
              sla=working_time(p["sla"], language))


def evaluation_reminder(p: dict[str, Any], language: str) -> str:
    return tr(N_("Reminder: the answer sheets of {student} ({usn}) for <b>{title}</b> ({course}) are due {deadline}; "
                 "{left} of working time left. /evaluate"), language, student=esc(p["student"]), usn=p["usn"],
              title=esc(p["title"]), course=esc(p["course"]), deadline=p["deadline"],
              left=working_time(p["left"], language))


def evaluation_breach(p: dict[str, Any], language: str) -> str:
    return tr(N_("⚠ Deadline missed: the answer sheets of {student} ({usn}) for <b>{title}</b> ({course}), assigned to "
                 "{teacher}, were due {deadline}. Reassign them with the button, or see /sla."), language,
              student=esc(p["student"]), usn=p["usn"], title=esc(p["title"]), course=esc(p["course"]),
              teacher=esc(p["teacher"]), deadline=p["deadline"])


def evaluation_unassigned(p: dict[str, Any], language: str) -> str:
    return tr(N_("No teacher teaches {course}, so nobody was given the answer sheets of {student} ({usn}) for "
                 "<b>{title}</b>, due {deadline}. Choose a teacher with the button."), language,
              course=esc(p["course"]), student=esc(p["student"]), usn=p["usn"], title=esc(p["title"]),
              deadline=p["deadline"])


def answer_page_rejected(p: dict[str, Any], language: str) -> str:
    return tr(N_("Page {page} could not be read as a photo, JPEG, PNG or PDF. Send it again: 📄 Pages → Replace "
                 "{page}."), language, page=p["page"])


RENDERERS.update({"final_result": final_result, "parent_final_result": parent_final_result,
                  "evaluation_assigned": evaluation_assigned, "evaluation_reminder": evaluation_reminder,
                  "evaluation_breach": evaluation_breach, "evaluation_unassigned": evaluation_unassigned,
                  "answer_page_rejected": answer_page_rejected})
