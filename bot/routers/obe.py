"""Outcome-based education in chat: /attainment reports, publishing marks, /progress, /survey."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.family import for_student_or_child
from bot.keyboards import AttainmentCB, ProgressCB, PublishCB, SurveyCB, SurveyCloseCB, SurveyOpenCB, stored_markup
from bot.presenters import profile_text
from bot.replies import send_long, t
from domain.access import Actor
from domain.errors import N_
from domain.model.people import Role
from domain.params import check_keys, parse_args
from domain.services import assessments, courses, progress, reports, surveys

router = Router(name="obe")


# ---- /attainment -----------------------------------------------------------------------------------


async def _course_picker(session: AsyncSession, actor: Actor, make: type[AttainmentCB] | type[SurveyOpenCB]
                         ) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    for c in await courses.my_courses(session, actor):
        kb.button(text=f"{c.code} {c.name}", callback_data=make(course_id=c.id))
    kb.adjust(1)
    markup = kb.as_markup()
    return markup if markup.inline_keyboard else None


@router.message(Command("attainment"))
async def attainment(message: Message, command: CommandObject, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.TEACHER)
    args = parse_args(command.args)
    check_keys(args, ["course"])
    code = args.named.get("course") or (args.positional[0] if args.positional else None)
    if code:
        course = await assessments.teachers_course(session, actor, code)
        await _ask_report(message, session, actor, course.id)
        return
    markup = await _course_picker(session, actor, AttainmentCB)
    if markup is None:
        await message.answer(t(N_("You teach no course yet: create one with /newcourse."), actor.language))
        return
    await message.answer(t(N_("The attainment of which course?"), actor.language), reply_markup=markup)


async def _ask_report(message: Message, session: AsyncSession, actor: Actor, course_id: int) -> None:
    label = await reports.request(session, actor, course_id, why=f"ask:{message.chat.id}:{message.message_id}")
    await message.answer(t(N_("Preparing the attainment report of {course}…"), actor.language, course=label))


@router.callback_query(AttainmentCB.filter())
async def attainment_chosen(query: CallbackQuery, callback_data: AttainmentCB, session: AsyncSession,
                            actor: Actor) -> None:
    await courses.require_course(session, actor, callback_data.course_id)
    await query.answer()
    if isinstance(query.message, Message):
        await _ask_report(query.message, session, actor, callback_data.course_id)


# ---- publishing ------------------------------------------------------------------------------------


@router.callback_query(PublishCB.filter())
async def publish(query: CallbackQuery, callback_data: PublishCB, session: AsyncSession, actor: Actor) -> None:
    done = await assessments.publish(session, actor, callback_data.assessment_id)
    await query.answer(t(N_("Published: {students} students' marks of {assessment} go to {recipients} people."),
                         actor.language, students=done.students, assessment=done.assessment,
                         recipients=done.recipients), show_alert=True)


# ---- /progress -------------------------------------------------------------------------------------


async def _send_profiles(message: Message, session: AsyncSession, actor: Actor, student_id: int) -> None:
    views = await progress.profiles(session, actor, student_id)
    if not views:
        await message.answer(t(N_("No marks are recorded for {name} yet."), actor.language,
                               name=await progress.student_name(session, actor, student_id)))
        return
    for view in views:
        await send_long(message, profile_text(view.course_label, view.rows, actor.language))


@router.message(Command("progress"))
async def progress_(message: Message, session: AsyncSession, actor: Actor) -> None:
    async def send(student_id: int) -> None:
        await _send_profiles(message, session, actor, student_id)

    await for_student_or_child(message, session, actor, send, lambda sid: ProgressCB(student_id=sid),
                               N_("Whose progress?"))


@router.callback_query(ProgressCB.filter())
async def progress_chosen(query: CallbackQuery, callback_data: ProgressCB, session: AsyncSession,
                          actor: Actor) -> None:
    await progress.require_family(session, actor, callback_data.student_id)
    await query.answer()
    if isinstance(query.message, Message):
        await _send_profiles(query.message, session, actor, callback_data.student_id)


# ---- /survey ---------------------------------------------------------------------------------------


@router.message(Command("survey"))
async def survey(message: Message, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.TEACHER, Role.STUDENT)
    lang = actor.language
    if actor.has(Role.TEACHER):
        markup = await _course_picker(session, actor, SurveyOpenCB)
        if markup is None:
            await message.answer(t(N_("You teach no course yet: create one with /newcourse."), lang))
            return
        await message.answer(t(N_("Open the course exit survey of which course? (An open one is closed and a "
                                  "new one opened.)"), lang), reply_markup=markup)
        return
    open_ = await surveys.open_for_student(session, actor)
    if not open_:
        await message.answer(t(N_("No course exit survey is open for you."), lang))
    for view in open_:
        await message.answer(
            t(surveys.INVITATION, lang, course=view.course,
              outcomes="\n".join(f"{c}: {d}" for c, d in view.outcomes)),
            reply_markup=stored_markup(surveys.buttons(view.survey_id, [c for c, _d in view.outcomes]), lang))


@router.callback_query(SurveyOpenCB.filter())
async def survey_open(query: CallbackQuery, callback_data: SurveyOpenCB, session: AsyncSession,
                      actor: Actor) -> None:
    view, invited = await surveys.open_survey(session, actor, callback_data.course_id)
    await query.answer()
    if isinstance(query.message, Message):
        kb = InlineKeyboardBuilder()
        kb.button(text=t(N_("Close the survey"), actor.language), callback_data=SurveyCloseCB(survey_id=view.survey_id))
        await query.message.answer(t(N_("The exit survey of {course} is open: {invited} students are asked to rate "
                                        "{count} outcomes."), actor.language, course=view.course, invited=invited,
                                     count=len(view.outcomes)), reply_markup=kb.as_markup())


@router.callback_query(SurveyCloseCB.filter())
async def survey_close(query: CallbackQuery, callback_data: SurveyCloseCB, session: AsyncSession,
                       actor: Actor) -> None:
    course, responders = await surveys.close_survey(session, actor, callback_data.survey_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(N_("The exit survey of {course} is closed: {responders} students answered. "
                                           "The attainment is computed again."), actor.language, course=course,
                                        responders=responders))


@router.callback_query(SurveyCB.filter())
async def survey_rated(query: CallbackQuery, callback_data: SurveyCB, session: AsyncSession, actor: Actor) -> None:
    done = await surveys.answer(session, actor, callback_data.survey_id, callback_data.co, callback_data.rating)
    await query.answer(t(N_("Saved ({answered} of {of} outcomes rated)."), actor.language, answered=done.answered,
                         of=done.of))
