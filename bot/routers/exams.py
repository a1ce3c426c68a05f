"""Exams in chat: /newexam (teachers), /exams and the exam message (students; teachers see their exams),
/results, /leaderboard, /practice (quiz polls) and /plans (admins)."""

from __future__ import annotations

import datetime as dt
import html
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, PollAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import wizard
from bot.client import EditInPlace
from bot.family import for_student_or_child
from bot.keyboards import ExamCB, ExamStartCB, ExamTeacherCB, LeaderboardCB, PracticeCB, ResultsCB, markup, rows_json
from bot.presenters_exam import exam_message, exam_teacher_keyboard, leaderboard_text, summary_text, working_time
from bot.replies import send_long, t
from domain import exam_input
from domain.access import Actor
from domain.errors import N_, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.people import Role
from domain.outbox import enqueue
from domain.params import check_keys, parse_args
from domain.services import attempts, classes, courses, exams, plans, practice, presses, progress, results
from domain.services.attempts import AttemptView

router = Router(name="exams")


# ---- /newexam --------------------------------------------------------------------------------------


async def _tz(session: AsyncSession, actor: Actor) -> str:
    return await exams.org_timezone(session, actor.org_id) if actor.org_id else "UTC"


async def _course(session: AsyncSession, actor: Actor, raw: str) -> str:
    return raw.strip().upper()[:32]


async def _course_choices(session: AsyncSession, actor: Actor) -> list[str]:
    return [c.code for c in await courses.my_courses(session, actor)]


async def _title(session: AsyncSession, actor: Actor, raw: str) -> str:
    title = " ".join(raw.split())
    if not 1 <= len(title) <= 120:
        raise Invalid(N_("An exam's title has 1 to 120 characters."))
    return title


async def _kind(session: AsyncSession, actor: Actor, raw: str) -> str:
    kind = raw.strip().lower()
    if kind not in ("fixed", "blueprint", "adaptive"):
        raise Invalid(N_("kind= is fixed or blueprint, not {value}."), value=raw[:20])
    return kind


async def _kinds(session: AsyncSession, actor: Actor) -> list[str]:
    return ["fixed", "blueprint"]


async def _questions(session: AsyncSession, actor: Actor, raw: str) -> str:
    if not raw.strip():
        raise Invalid(N_("Say which questions: all, their IDs, or blueprint counts."))
    return raw.strip()


async def _all(session: AsyncSession, actor: Actor) -> list[str]:
    return ["all"]


async def _duration(session: AsyncSession, actor: Actor, raw: str) -> str:
    return str(exam_input.parse_minutes(raw))


async def _opens(session: AsyncSession, actor: Actor, raw: str) -> str:
    return exam_input.parse_when(raw, utcnow(), await _tz(session, actor)).isoformat()


async def _now(session: AsyncSession, actor: Actor) -> list[str]:
    return ["now", "+1h", "tomorrow 9:00"]


async def _closes(session: AsyncSession, actor: Actor, raw: str) -> str:
    return exam_input.parse_when(raw, utcnow(), await _tz(session, actor), end_of_day=True).isoformat()


async def _closes_choices(session: AsyncSession, actor: Actor) -> list[str]:
    return ["+1h", "+1d", "+7d"]


async def _classes(session: AsyncSession, actor: Actor, raw: str) -> str:
    names = [n.strip() for n in raw.replace(";", ",").split(",") if n.strip()]
    if not names:
        raise Invalid(N_("Name at least one class, for example CSE-A."))
    return ",".join(names)


async def _class_choices(session: AsyncSession, actor: Actor) -> list[str]:
    return [c.name for c in await classes.offered(session, actor)]


async def _fraction(session: AsyncSession, actor: Actor, raw: str) -> str:
    return str(exam_input.parse_fraction(raw))


async def _yes_no(session: AsyncSession, actor: Actor, raw: str) -> str:
    return "yes" if exam_input.parse_yes_no(raw) else "no"


async def _review(session: AsyncSession, actor: Actor, raw: str) -> str:
    text = raw.strip().lower().replace("_", "-")
    if text in ("after-close", "close", "later", "closed"):
        return "after-close"
    if text in ("now", "immediately", "at-once", "submit"):
        return "now"
    raise Invalid(N_("review= is now or after-close, not {value}."), value=raw[:20])


async def _finish_exam(message: Message, session: AsyncSession, actor: Actor, values: dict[str, str]) -> None:
    spec = exams.ExamSpec(
        course=values["course"], title=values["title"], kind=values["kind"], questions=values["questions"],
        minutes=int(values["duration"]), opens_at=dt.datetime.fromisoformat(values["opens"]),
        closes_at=dt.datetime.fromisoformat(values["closes"]),
        classes=[c for c in values.get("classes", "").split(",") if c],
        negative=exam_input.parse_fraction(values.get("negative", "0")),
        partial=values.get("partial") == "yes", shuffle=values.get("shuffle", "yes") == "yes",
        written=values.get("written") == "yes", review_after_close=values.get("review", "after-close") != "now")
    made = await exams.create_exam(session, actor, spec)
    tz = await _tz(session, actor)
    when = (t(N_("It is open now: {announced} students were told."), actor.language, announced=made.announced)
            if made.announced or spec.opens_at <= utcnow() else
            t(N_("Its students are told when it opens."), actor.language))
    text = t(N_("Exam {title} ({course}) is created: {count} questions, {minutes} minutes, for {classes}, open "
                "{opens} – {closes}. {when}"), actor.language, title=made.title, course=made.course,
             count=made.questions, minutes=spec.minutes, classes=", ".join(made.classes),
             opens=exams.local(made.opens_at, tz), closes=exams.local(made.closes_at, tz), when=when)
    await message.answer(text)
    card = await message.answer(t(N_("The summary of {title} shows here as students take it."), actor.language,
                                  title=made.title), reply_markup=exam_teacher_keyboard(made.exam_id, actor.language))
    await exams.keep_summary(session, actor, made.exam_id, card.chat.id, card.message_id)


NEWEXAM = wizard.register(wizard.Wizard(
    "newexam",
    (
        wizard.Field("course", N_("Which course is the exam for?"), _course, choices=_course_choices),
        wizard.Field("title", N_("The exam's title? (for example Unit test 1)"), _title),
        wizard.Field("kind", N_("Which kind? fixed: the questions you list, the same for everyone; blueprint: a "
                                "random draw per student from counts per CO, topic or difficulty."), _kind,
                     choices=_kinds),
        wizard.Field("questions", N_("Which questions? Send all, question IDs (DB001, DB004…) or, for a blueprint, "
                                     "counts like CO1:3, CO2/hard:2, SQL:4."), _questions, choices=_all),
        wizard.Field("duration", N_("How many minutes does a student have? (for example 20)"), _duration),
        wizard.Field("opens", N_("When does it open? (now, +2h, 2026-11-25 10:00, tomorrow 9:00)"), _opens,
                     choices=_now),
        wizard.Field("closes", N_("When does it close? (+1d, 2026-11-27 18:00)"), _closes, choices=_closes_choices),
        wizard.Field("classes", N_("Which classes take it? (the course's class if you skip)"), _classes,
                     required=False, choices=_class_choices, ask=False),
        wizard.Field("negative", N_("Marks lost for a wrong answer?"), _fraction, required=False, ask=False),
        wizard.Field("partial", N_("Partial credit for MCQs with several right options?"), _yes_no, required=False,
                     ask=False),
        wizard.Field("shuffle", N_("Shuffle questions and options?"), _yes_no, required=False, ask=False),
        wizard.Field("written", N_("Allow written questions?"), _yes_no, required=False, ask=False),
        wizard.Field("review", N_("Show the review of answers now or after-close?"), _review, required=False,
                     ask=False),
    ),
    _finish_exam,
    positional="title",
))


@router.message(Command("newexam"))
async def newexam(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                  actor: Actor) -> None:
    actor.require(Role.TEACHER)
    await wizard.start(message, command.args, state, session, actor, NEWEXAM)


# ---- /exams and the exam message -------------------------------------------------------------------


async def show_exam(message: Message, view: AttemptView, language: str, *, edit: bool) -> None:
    text, rows = exam_message(view, language)
    if edit:
        assert message.bot is not None
        with suppress(TelegramBadRequest):  # "message is not modified": the same press twice
            await message.bot(EditInPlace(chat_id=message.chat.id, message_id=message.message_id, text=text,
                                          reply_markup=rows_json(rows) if rows else None))
        return
    await message.answer(text, reply_markup=markup(rows) if rows else None)


@router.message(Command("exams"))
async def exams_(message: Message, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.STUDENT, Role.TEACHER)
    lang = actor.language
    if actor.has(Role.TEACHER) and not actor.has(Role.STUDENT):
        await _teacher_exams(message, session, actor)
        return
    listing = await exams.open_for_student(session, actor)
    if not listing:
        await message.answer(t(N_("No exam is open for you now. You are told here when one opens."), lang))
        return
    tz = await _tz(session, actor)
    for e in listing:
        text = t(N_("<b>{title}</b> ({course}): {count} questions, {minutes} minutes, open until {closes}."), lang,
                 title=e.title, course=e.course, count=e.questions, minutes=e.minutes,
                 closes=exams.local(e.closes_at, tz))
        if e.state == "submitted":
            await message.answer(text + "\n" + t(N_("You have taken it."), lang))
            continue
        kb = InlineKeyboardBuilder()
        kb.button(text=t(N_("▶ Start") if e.state == "new" else N_("▶ Continue"), lang),
                  callback_data=ExamStartCB(exam_id=e.exam_id))
        await message.answer(text, reply_markup=kb.as_markup())


@router.callback_query(ExamStartCB.filter())
async def start_exam(query: CallbackQuery, callback_data: ExamStartCB, session: AsyncSession, actor: Actor) -> None:
    view = await attempts.start(session, actor, callback_data.exam_id)
    await query.answer()
    if isinstance(query.message, Message):
        await show_exam(query.message, view, actor.language, edit=False)


@router.callback_query(ExamCB.filter())
async def exam_submit(query: CallbackQuery, callback_data: ExamCB, session: AsyncSession, actor: Actor) -> None:
    """Submit (S) and the confirmation before it (s); the other presses of the exam message are the presses
    lane's (bot/routers/presses.py)."""
    cb = callback_data
    if cb.op == "S":
        view = await presses.submit_pressed(session, actor, cb.a, cb.p)
    elif cb.op == "s":
        view = await presses.confirm(session, actor, cb.a, cb.p)
    else:
        raise NotFound(N_("That exam attempt is not yours."))
    with suppress(TelegramBadRequest):  # a press answered late (the bot was restarting) still edits the message
        await query.answer()
    if isinstance(query.message, Message):
        await show_exam(query.message, view, actor.language, edit=True)


class _NumericAnswer(Filter):
    """True when the student's current exam question wants a typed number (the attempt is kept for the handler)."""

    async def __call__(self, message: Message, session: AsyncSession, actor: Actor
                       ) -> bool | dict[str, object]:
        attempt = await attempts.current_numeric(session, actor)
        return {"attempt_id": attempt.id, "position": attempt.position} if attempt is not None else False


@router.message(F.text, ~F.text.startswith("/"), _NumericAnswer())
async def typed_number(message: Message, session: AsyncSession, actor: Actor, attempt_id: int,
                       position: int) -> None:
    view = await presses.type_number(session, actor, attempt_id, position, message.text or "")
    await show_exam(message, view, actor.language, edit=False)


# ---- teachers' exams -------------------------------------------------------------------------------


async def _teacher_exams(message: Message, session: AsyncSession, actor: Actor) -> None:
    lang = actor.language
    mine = await exams.teacher_exams(session, actor)
    if not mine:
        await message.answer(t(N_("You have set no exam yet: create one with /newexam."), lang))
        return
    tz = await _tz(session, actor)
    for e in mine:
        await message.answer(t(N_("<b>{title}</b> ({course}), {opens} – {closes}: {started} started, {scored} scored."),
                               lang, title=e.title, course=e.course, opens=exams.local(e.opens_at, tz),
                               closes=exams.local(e.closes_at, tz), started=e.started, scored=e.scored),
                             reply_markup=exam_teacher_keyboard(e.exam_id, lang))


@router.callback_query(ExamTeacherCB.filter())
async def teacher_exam(query: CallbackQuery, callback_data: ExamTeacherCB, session: AsyncSession,
                       actor: Actor) -> None:
    lang = actor.language
    exam, _course = await exams.require_exam_teacher(session, actor, callback_data.exam_id)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.what == "sum":
        await query.message.answer(summary_text(await results.summary(session, exam), lang))
    elif callback_data.what == "ia":
        why = f"{query.message.chat.id}:{query.id}"
        await enqueue(session, "send_item_analysis", exam.id, actor.user_id, why, dedupe_key=f"items:{why}")
        await session.commit()
        await query.message.answer(t(N_("Preparing the item analysis of {title}…"), lang, title=exam.title))
    else:
        title, rows = await results.exam_leaderboard(session, actor, exam.id)
        await send_long(query.message, leaderboard_text(title, rows, lang))


# ---- /results --------------------------------------------------------------------------------------


async def _send_results(message: Message, session: AsyncSession, actor: Actor, student_id: int) -> None:
    lang = actor.language
    lines = await results.latest_results(session, actor, student_id)
    name = await progress.student_name(session, actor, student_id)
    if not lines:
        await message.answer(t(N_("No exam results for {name} yet."), lang, name=name))
        return
    out = [t(N_("<b>Latest results of {name}</b>"), lang, name=name)]
    for r in lines:
        if r.score is None:
            out.append(t(N_("{title} ({course}): being scored…"), lang, title=r.title, course=r.course))
            continue
        out.append(t(N_("{title} ({course}): {score}/{max} ({pct}%)"), lang, title=r.title, course=r.course,
                     score=r.score.normalize(), max=(r.max_score or 0), pct=r.percentage))
        if r.pending:
            out.append("   " + t(N_("written part still to be evaluated"), lang))
    await send_long(message, "\n".join(out))


@router.message(Command("results"))
async def results_(message: Message, session: AsyncSession, actor: Actor) -> None:
    async def send(student_id: int) -> None:
        await _send_results(message, session, actor, student_id)

    await for_student_or_child(message, session, actor, send, lambda sid: ResultsCB(student_id=sid),
                               N_("Whose results?"))


@router.callback_query(ResultsCB.filter())
async def results_chosen(query: CallbackQuery, callback_data: ResultsCB, session: AsyncSession,
                         actor: Actor) -> None:
    await progress.require_family(session, actor, callback_data.student_id)
    await query.answer()
    if isinstance(query.message, Message):
        await _send_results(query.message, session, actor, callback_data.student_id)


# ---- /leaderboard ----------------------------------------------------------------------------------


async def _leaderboard_menu(session: AsyncSession, actor: Actor) -> InlineKeyboardMarkup:
    lang = actor.language
    kb = InlineKeyboardBuilder()
    if actor.has(Role.TEACHER):
        for e in await exams.teacher_exams(session, actor, limit=8):
            kb.button(text=e.title, callback_data=LeaderboardCB(what="exam", id=e.exam_id))
        for c in await classes.classes_of(session, actor):
            kb.button(text=t(N_("Class {name}"), lang, name=c.name), callback_data=LeaderboardCB(what="class", id=c.id))
    else:
        kb.button(text=t(N_("My class"), lang), callback_data=LeaderboardCB(what="class"))
        for exam_id, title in await results.student_exams(session, actor):
            kb.button(text=title, callback_data=LeaderboardCB(what="exam", id=exam_id))
        hidden = await results.opted_out(session, actor)
        kb.button(text=t(N_("Show my name") if hidden else N_("Hide my name"), lang),
                  callback_data=LeaderboardCB(what="show" if hidden else "hide"))
    kb.adjust(1)
    return kb.as_markup()


@router.message(Command("leaderboard"))
async def leaderboard(message: Message, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.STUDENT, Role.TEACHER)
    if not actor.has(Role.TEACHER):
        student = await exams.student_row(session, actor)
        plan = await plans.plan_of(session, student)
        if not plan.leaderboard:
            await message.answer(t(N_("Your plan ({plan}) does not include the leaderboard."), actor.language,
                                   plan=plan.name))
            return
    await message.answer(t(N_("Which leaderboard?"), actor.language),
                         reply_markup=await _leaderboard_menu(session, actor))


@router.callback_query(LeaderboardCB.filter())
async def leaderboard_chosen(query: CallbackQuery, callback_data: LeaderboardCB, session: AsyncSession,
                             actor: Actor) -> None:
    lang = actor.language
    if callback_data.what in ("hide", "show"):
        hidden = await results.set_opt_out(session, actor, callback_data.what == "hide")
        await query.answer(t(N_("Others see you as “A student” on leaderboards.") if hidden else
                             N_("Others see your name on leaderboards."), lang), show_alert=True)
        return
    if callback_data.what == "exam":
        title, rows = await results.exam_leaderboard(session, actor, callback_data.id)
    else:
        title, rows = await results.class_leaderboard(session, actor, callback_data.id or None)
    await query.answer()
    if isinstance(query.message, Message):
        await send_long(query.message, leaderboard_text(title, rows, lang))


# ---- /plans ----------------------------------------------------------------------------------------


@router.message(Command("plans"))
async def plans_(message: Message, command: CommandObject, session: AsyncSession, actor: Actor) -> None:
    me = actor.require(Role.ADMIN)
    lang = actor.language
    args = parse_args(command.args)
    check_keys(args, ["usn", "class", "plan", "sla"])
    if args.named:
        if "plan" not in args.named:
            raise Invalid(N_("Say which plan: plan=Premium (with usn=…, class=… or sla=…)."))
        if "sla" in args.named:
            plan = await plans.set_sla(session, actor, args.named["plan"],
                                        exam_input.parse_working_time(args.named["sla"]))
            await message.answer(t(N_("Written answers of the {plan} plan are evaluated within {sla} of working "
                                      "time from now on."), lang, plan=plan.name,
                                   sla=working_time(plan.sla_seconds, lang)))
            return
        done = await plans.assign(session, actor, args.named["plan"], usn=args.named.get("usn"),
                                  class_name=args.named.get("class"))
        await message.answer(t(N_("{target}: {students} students are on the {plan} plan from now on."), lang,
                               target=done.target, students=done.students, plan=done.plan))
        return
    lines = [t(N_("<b>Plans</b>"), lang)]
    for p in await plans.org_plans(session, me.org_id):
        quota = str(p.exams_per_month) if p.exams_per_month is not None else t(N_("unlimited"), lang)
        lines.append(t(N_("{name}: {quota} exams a month; {kinds}; written answers {written}; leaderboard "
                          "{leaderboard}; evaluation within {sla} of working time"), lang, name=p.name, quota=quota,
                       kinds=", ".join(p.kinds), written=t(N_("yes") if p.written else N_("no"), lang),
                       leaderboard=t(N_("yes") if p.leaderboard else N_("no"), lang),
                       sla=working_time(p.sla_seconds, lang)))
    lines.append(t(N_("Assign one: /plans usn=1CR21CS001 plan=Premium, or /plans class=CSE-A plan=Centum. "
                      "Set a plan's SLA: /plans plan=Centum sla=24h."), lang))
    await send_long(message, "\n".join(lines))



# ---- /practice -------------------------------------------------------------------------------------


async def _send_poll(bot: Bot, chat_id: int, session: AsyncSession, actor: Actor, course_id: int,
                     round_: int = 1, size: int | None = None) -> None:
    lang = actor.language
    q = await practice.next_question(session, actor, course_id, round_=round_, size=size)
    options = q.options if q.kind == "MCQ" else [t(N_("True"), lang), t(N_("False"), lang)]
    sent = await bot.send_poll(
        chat_id, question=html.escape(f"{q.round}/{q.size}. {q.question}"), options=[html.escape(o) for o in options],
        type="quiz", is_anonymous=False, correct_option_ids=q.correct,
        explanation=html.escape(q.explanation) if q.explanation else None)
    if sent.poll is not None:
        await practice.sent(session, q.practice_id, sent.poll.id)


@router.message(Command("practice"))
async def practice_(message: Message, bot: Bot, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.STUDENT)
    found = await practice.courses_for(session, actor)
    if not found:
        await message.answer(t(N_("No course of yours has quiz questions yet."), actor.language))
        return
    if len(found) == 1:
        await _send_poll(bot, message.chat.id, session, actor, found[0][0])
        return
    kb = InlineKeyboardBuilder()
    for course_id, label in found:
        kb.button(text=label, callback_data=PracticeCB(course_id=course_id))
    kb.adjust(1)
    await message.answer(t(N_("Practise which course?"), actor.language), reply_markup=kb.as_markup())


@router.callback_query(PracticeCB.filter())
async def practice_chosen(query: CallbackQuery, callback_data: PracticeCB, bot: Bot, session: AsyncSession,
                          actor: Actor) -> None:
    await _send_poll(bot, actor.telegram_id, session, actor, callback_data.course_id)
    await query.answer()


@router.poll_answer()
async def practice_answer(poll_answer: PollAnswer, bot: Bot, session: AsyncSession, actor: Actor) -> None:
    done = await practice.answer(session, actor, poll_answer.poll_id, list(poll_answer.option_ids))
    if done is None:
        return
    if done.round < done.size:
        await _send_poll(bot, actor.telegram_id, session, actor, done.course_id, done.round + 1, done.size)
        return
    await bot.send_message(actor.telegram_id, t(N_("Practice done: {right} of {size} right. /practice for more."),
                                                actor.language, right=done.right_so_far, size=done.size))
