"""Exams in the reader's language: the exam message (question, options, timer, buttons), results,
reviews, summaries, leaderboards and item analysis."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translate as tr
from bot.i18n import translate_plain
from bot.keyboards import ExamTeacherCB, PagesCB, Rows, exam_data
from bot.presenters import RENDERERS
from domain.errors import N_
from domain.item_analysis import ItemStats
from domain.render import esc
from domain.reports.item_analysis_xlsx import COLUMNS
from domain.scoring import WRITTEN
from domain.services.attempts import AnswerState, AttemptView
from domain.services.results import Standing, Summary

LETTERS = "ABCDEF"
REVIEW_BUTTONS = 96  # a keyboard holds 100 buttons; the rest are the review's own


def clock(seconds: int) -> str:
    h, rest = divmod(max(0, seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _btn(text: str, attempt_id: int, op: str, pos: int, arg: int = 0) -> tuple[str, str]:
    return text, exam_data(attempt_id, op, pos, arg)


def _head(view: AttemptView, language: str) -> str:
    return tr(N_("<b>{title}</b> — question {n} of {count} · ⏱ {left} left"), language, title=view.exam_title,
              n=view.position + 1, count=view.count, left=clock(view.seconds_left))


def _options_block(q: dict[str, Any]) -> list[str]:
    order = q.get("order") or list(range(len(q["options"])))
    return [f"{LETTERS[i]}) {esc(q['options'][bank])}" for i, bank in enumerate(order)]


def exam_message(view: AttemptView, language: str) -> tuple[str, Rows | None]:
    """The one exam message, as it is edited after every press: its text and keyboard."""
    if view.mode == "submitted":
        how = N_("Time was up: your answers were submitted for you.") if view.submitted_how == "timer" else \
            N_("Submitted. Your score comes in a moment.")
        return tr(N_("<b>{title}</b>"), language, title=view.exam_title) + "\n" + tr(how, language), None
    if view.mode == "timeup":
        text = tr(N_("<b>{title}</b> — time is up. Your answers are saved; submit now (or they are submitted for "
                     "you shortly)."), language, title=view.exam_title)
        return text, [[_btn(tr(N_("Submit"), language), view.attempt_id, "S", view.position)]]
    if view.mode == "review":
        return _review(view, language)
    if view.mode == "confirm":
        return _confirm(view, language)
    return _question(view, language)


def _question(view: AttemptView, language: str) -> tuple[str, Rows]:
    q, a, pos, aid = view.question, view.current, view.position, view.attempt_id
    lines = [_head(view, language), ""]
    if a.flagged:
        lines.append(tr(N_("🚩 flagged for review"), language))
    lines.append(esc(q["stem"]))
    rows: Rows = []
    kind = q["kind"]
    if kind == "MCQ":
        lines += ["", *_options_block(q)]
        order = q.get("order") or list(range(len(q["options"])))
        several = len(q["correct"]) > 1
        if several:
            lines += ["", tr(N_("Choose every right option, then ▶."), language)]
        row = []
        for i, bank in enumerate(order):
            on = bank in a.chosen
            if several:
                row.append(_btn(("☑ " if on else "☐ ") + LETTERS[i], aid, "t" if on else "T", pos, bank))
            else:
                row.append(_btn(("✅ " if on else "") + LETTERS[i], aid, "o", pos, bank))
        rows.append(row)
    elif kind == "TF":
        rows.append([_btn(("✅ " if i in a.chosen else "") + tr(label, language), aid, "o", pos, i)
                     for i, label in enumerate((N_("True"), N_("False")))])
    elif kind == "NUM":
        lines += ["", tr(N_("Type your answer as a number and send it."), language)]
        if a.number is not None:
            lines.append(tr(N_("Your answer: {value}"), language, value=f"{a.number.normalize():f}"))
    else:
        lines += ["", tr(N_("Written answer ({marks} marks): write it on paper, then send photos or a PDF of your "
                            "pages here, in order (they are numbered as they arrive). 📄 Pages shows what you "
                            "sent, to check or replace before you submit."), language, marks=_num(q["marks"]))]
        rows.append([(tr(N_("📄 Pages"), language), PagesCB(a=aid, op="l").pack())])
    if kind not in WRITTEN:
        sure = a.confidence
        rows.append([_btn(("✅ " if sure == "sure" else "") + tr(N_("Sure"), language), aid, "c", pos, 1),
                     _btn(("✅ " if sure == "unsure" else "") + tr(N_("Not sure"), language), aid, "c", pos, 2)])
    nav = []
    if pos > 0:
        nav.append(_btn("◀", aid, "n", pos - 1))
    nav.append(_btn("🚩" if not a.flagged else tr(N_("Unflag"), language), aid, "f" if a.flagged else "F", pos))
    if pos < view.count - 1:
        nav.append(_btn(tr(N_("Skip ▶") if not a.answered else N_("▶"), language), aid, "n", pos + 1))
    rows.append(nav)
    rows.append([_btn(tr(N_("Review"), language), aid, "r", pos), _btn(tr(N_("Submit"), language), aid, "s", pos)])
    return "\n".join(lines), rows


def _mark(a: AnswerState, kind: str) -> str:
    if a.flagged:
        return "🚩"
    if kind in WRITTEN:
        return "✍"
    return "✓" if a.answered else "·"


def _review(view: AttemptView, language: str) -> tuple[str, Rows]:
    answered = sum(1 for i in range(view.count) if view.answers.get(i, AnswerState()).answered)
    flagged = sum(1 for a in view.answers.values() if a.flagged)
    text = tr(N_("<b>{title}</b> — review · ⏱ {left} left\nAnswered {answered} of {count}; flagged {flagged}. "
                 "✓ answered · not answered 🚩 flagged ✍ written. Press a number to go there."), language,
              title=view.exam_title, left=clock(view.seconds_left), answered=answered, count=view.count,
              flagged=flagged)
    buttons = [_btn(f"{i + 1}{_mark(view.answers.get(i, AnswerState()), kind)}", view.attempt_id, "n", i)
               for i, kind in enumerate(view.kinds)][:REVIEW_BUTTONS]
    rows = [buttons[i:i + 6] for i in range(0, len(buttons), 6)]
    rows.append([_btn(tr(N_("Submit"), language), view.attempt_id, "s", view.position)])
    return text, rows


def _confirm(view: AttemptView, language: str) -> tuple[str, Rows]:
    text = tr(N_("<b>{title}</b> — submit now? {unanswered} questions are not answered. After submitting you "
                 "cannot change anything."), language, title=view.exam_title, unanswered=view.unanswered)
    if "pages" in view.extra:
        text += "\n" + (tr(N_("You have sent {pages} pages of written answers."), language, pages=view.extra["pages"])
                        if view.extra["pages"] else
                        tr(N_("⚠ You have sent no pages of written answers: they would count 0. Send photos of "
                              "your pages first."), language))
    return text, [[_btn(tr(N_("Yes, submit"), language), view.attempt_id, "S", view.position),
                   _btn(tr(N_("Back"), language), view.attempt_id, "b", view.position)]]


# ---- results ---------------------------------------------------------------------------------------


def _num(value: Any) -> str:
    d = Decimal(str(value))
    return f"{d.normalize():f}"


def duration(seconds: int, language: str) -> str:
    m, s = divmod(max(0, int(seconds)), 60)
    return tr(N_("{m} min {s} s"), language, m=m, s=s)


def working_time(seconds: float, language: str) -> str:
    """A length of working time: 48 h, 1 h 30 min, 12 min, 40 s."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return tr(N_("{h} h {m} min"), language, h=h, m=m) if m else tr(N_("{h} h"), language, h=h)
    if m:
        return tr(N_("{m} min"), language, m=m)
    return tr(N_("{s} s"), language, s=s)


def review_lines(review: Sequence[dict[str, Any]], language: str) -> list[str]:
    lines = [tr(N_("<b>Review</b> (questions not fully right):"), language)]
    for r in review:
        lines.append(tr(N_("{n}. {stem}\n   yours: {yours} · right: {correct}"), language, n=r["n"], stem=r["stem"],
                        yours=r["yours"], correct=r["correct"]))
    return lines


def result_message(p: dict[str, Any], language: str) -> str:
    lines = []
    if p.get("how") == "timer":
        lines.append(tr(N_("Time was up: your answers were submitted for you."), language))
    head = (N_("<b>{title}</b> ({course}), the objective part: {score}/{max} ({pct}%), in {time}.") if p.get("pending")
            else N_("<b>{title}</b> ({course}): {score}/{max} ({pct}%), in {time}."))
    lines.append(tr(head, language, title=p["title"], course=p["course"], score=_num(p["score"]), max=_num(p["max"]),
                    pct=_num(p["pct"]), time=duration(p["seconds"], language)))
    lines.append(tr(N_("Right {correct} · partly right {partial} · wrong {wrong} · not answered {unanswered}"),
                    language, correct=p["correct"], partial=p["partial"], wrong=p["wrong"],
                    unanswered=p["unanswered"]))
    if p.get("pending") and p.get("deadline"):
        lines.append(tr(N_("{pending} written answers are with your teacher, to be evaluated by {deadline}; the "
                           "final result comes here then."), language, pending=p["pending"], deadline=p["deadline"]))
    elif p.get("pending"):
        lines.append(tr(N_("{pending} written answers are still to be evaluated by your teacher."), language,
                        pending=p["pending"]))
    if p.get("no_pages"):
        lines.append(tr(N_("You sent no pages of written answers, so they count 0. This result is final."),
                        language))
    if p.get("review"):
        lines += ["", *review_lines(p["review"], language)]
    elif p.get("review_at"):
        lines.append(tr(N_("The review of your answers comes when the exam closes ({at})."), language,
                        at=p["review_at"]))
    return "\n".join(lines)


def parent_result_message(p: dict[str, Any], language: str) -> str:
    text = tr(N_("{name} scored {score}/{max} ({pct}%) in {title} ({course}), in {time}."), language, name=p["name"],
              score=_num(p["score"]), max=_num(p["max"]), pct=_num(p["pct"]), title=p["title"], course=p["course"],
              time=duration(p["seconds"], language))
    if p.get("pending"):
        text += "\n" + tr(N_("Written answers are still to be evaluated."), language)
    return text


def review_message(p: dict[str, Any], language: str) -> str:
    return "\n".join([tr(N_("<b>{title}</b> is closed."), language, title=p["title"]),
                      *review_lines(p["review"], language)])


def summary_text(s: Summary | dict[str, Any], language: str) -> str:
    p = s.as_params() if isinstance(s, Summary) else s
    lines = [tr(N_("<b>{title}</b> ({course}) — closes {closes}") if not p["closed"] else
                N_("<b>{title}</b> ({course}) — closed {closes}"), language, title=p["title"], course=p["course"],
                closes=p["closes"]),
             tr(N_("Students {students} · started {started} · submitted {submitted} (by the timer {timer}) · scored "
                   "{scored}"), language, students=p["students"], started=p["started"], submitted=p["submitted"],
                timer=p["timer"], scored=p["scored"])]
    if p.get("average") is not None:
        lines.append(tr(N_("Average {avg}/{max} · highest {high} · lowest {low}"), language, avg=_num(p["average"]),
                        max=_num(p["max_score"]), high=_num(p["highest"]), low=_num(p["lowest"])))
    return "\n".join(lines)


def exam_teacher_keyboard(exam_id: int, language: str) -> InlineKeyboardMarkup:
    """The buttons under a teacher's exam card and live summary."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=tr(label, language), callback_data=ExamTeacherCB(exam_id=exam_id, what=what).pack())
        for label, what in ((N_("Summary"), "sum"), (N_("Item analysis"), "ia"), (N_("Leaderboard"), "lb"))]])


RENDERERS.update({"result": result_message, "parent_result": parent_result_message, "review": review_message,
                  "exam_summary": summary_text})


def leaderboard_text(title: str, standings: Sequence[Standing], language: str) -> str:
    if not standings:
        return tr(N_("<b>{title}</b>: no scores yet."), language, title=title)
    lines = [tr(N_("<b>Leaderboard — {title}</b>"), language, title=title)]
    for s in standings:
        name = esc(s.name) if s.name else tr(N_("A student"), language)
        score = f"{_num(s.score)}/{_num(s.max_score)}" if s.max_score is not None else f"{_num(s.score)}%"
        extra = f" · {clock(s.seconds)}" if s.seconds is not None else ""
        line = f"{s.rank}. {name} — {score}{extra}"
        lines.append(f"<b>{line}</b>" if s.me else line)
    return "\n".join(lines)


# ---- item analysis ---------------------------------------------------------------------------------


FLAG_NAMES = {"too hard": N_("too hard"), "too easy": N_("too easy"), "weak discrimination": N_("weak discrimination"),
              "negative discrimination": N_("negative discrimination"), "unused distractor": N_("unused distractor")}


def item_analysis_text(label: str, stats: Sequence[ItemStats], attempts: int, language: str) -> str:
    if not stats:
        return tr(N_("Item analysis of {exam}: no scored attempts yet."), language, exam=label)
    lines = [tr(N_("<b>Item analysis — {exam}</b>, {attempts} scored attempts. P = facility (share of marks won), "
                   "D = discrimination (upper 27% − lower 27%)."), language, exam=label, attempts=attempts)]
    for s in stats:
        p = f"{s.facility:.2f}" if s.facility is not None else "—"
        d = f"{s.discrimination:.2f}" if s.discrimination is not None else "—"
        counts = " ".join(f"{LETTERS[i]}:{c}" for i, c in enumerate(s.option_counts))
        flags = ", ".join(tr(FLAG_NAMES.get(f, f), language) for f in s.flags)
        line = f"{esc(s.label)} ({s.kind}) P {p} · D {d}" + (f" · {counts}" if counts else "")
        lines.append(line + (f" — {flags}" if flags else ""))
    return "\n".join(lines)


class _Catalog(Mapping[str, str]):
    """Any message id → its text in one language (what the workbook writer asks ``labels`` for)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __getitem__(self, message: str) -> str:
        return translate_plain(message, self.language)

    def __iter__(self) -> Iterator[str]:
        return iter(COLUMNS)

    def __len__(self) -> int:
        return len(COLUMNS)


def item_analysis_labels(language: str) -> Mapping[str, str]:
    return _Catalog(language)
