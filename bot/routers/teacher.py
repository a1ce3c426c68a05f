"""Teachers' set-up: /newclass and /newcourse (wizards that also take key=value), /courses, files."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import wizard
from bot.filters import HasWaitingUpload
from bot.keyboards import InviteCB, UploadAnswerCB
from bot.replies import send_long, t
from domain import ingest
from domain.access import Actor
from domain.errors import N_, NotFound
from domain.model.people import Role
from domain.services import classes, courses, uploads

router = Router(name="teacher")


# ---- /newclass -------------------------------------------------------------------------------------


async def _class_name(session: AsyncSession, actor: Actor, raw: str) -> str:
    return classes.clean_class_name(raw)


async def _finish_class(message: Message, session: AsyncSession, actor: Actor, values: dict[str, str]) -> None:
    cls = await classes.create_class(session, actor, values["name"])
    await message.answer(t(N_("Class {name} is created. Send its roster file, or use /invite for a join link."),
                           actor.language, name=cls.name))


NEWCLASS = wizard.register(wizard.Wizard(
    "newclass",
    (wizard.Field("name", N_("What is the class called? (for example CSE-A)"), _class_name),),
    _finish_class,
    positional="name",
))


@router.message(Command("newclass"))
async def newclass(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                   actor: Actor) -> None:
    actor.require(Role.TEACHER)
    await wizard.start(message, command.args, state, session, actor, NEWCLASS)


# ---- /newcourse ------------------------------------------------------------------------------------


async def _code(session: AsyncSession, actor: Actor, raw: str) -> str:
    return courses.clean_code(raw)


async def _course_name(session: AsyncSession, actor: Actor, raw: str) -> str:
    return courses.clean_course_name(raw)


async def _course_class(session: AsyncSession, actor: Actor, raw: str) -> str:
    org_id = actor.org_id
    if org_id is None:
        raise NotFound(N_("You are not a member of that organization."))
    return (await classes.find_class(session, org_id, raw)).name


async def _class_choices(session: AsyncSession, actor: Actor) -> list[str]:
    return [c.name for c in await classes.all_classes(session, actor.org_id)] if actor.org_id else []


async def _program(session: AsyncSession, actor: Actor, raw: str) -> str:
    return courses.clean_program(raw)


async def _finish_course(message: Message, session: AsyncSession, actor: Actor, values: dict[str, str]) -> None:
    course = await courses.create_course(session, actor, code=values["code"], name=values["name"],
                                         class_name=values.get("class"), program=values.get("program"))
    where = t(N_(" for class {klass}"), actor.language, klass=course.class_name) if course.class_name else ""
    await message.answer(t(N_("Course {code} {name} is created{where}. You teach it."), actor.language,
                           code=course.code, name=course.name, where=where))


NEWCOURSE = wizard.register(wizard.Wizard(
    "newcourse",
    (
        wizard.Field("code", N_("The course code? (for example CS101)"), _code),
        wizard.Field("name", N_("The course name? (for example Databases)"), _course_name),
        wizard.Field("class", N_("Which class takes it?"), _course_class, required=False, choices=_class_choices),
        wizard.Field("program", N_("Which program is it part of? (for example CSE)"), _program, required=False),
    ),
    _finish_course,
    positional="code",
))


@router.message(Command("newcourse"))
async def newcourse(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                    actor: Actor) -> None:
    actor.require(Role.TEACHER)
    await wizard.start(message, command.args, state, session, actor, NEWCOURSE)


# ---- /courses --------------------------------------------------------------------------------------


@router.message(Command("courses"))
async def my_courses(message: Message, session: AsyncSession, actor: Actor) -> None:
    mine = await courses.my_courses(session, actor)
    lang = actor.language
    if not mine:
        await message.answer(t(N_("You teach no course yet: create one with /newcourse."), lang))
        return
    lines = [t(N_("<b>Your courses</b>"), lang)]
    kb = InlineKeyboardBuilder()
    for c in mine:
        klass = f" — {c.class_name}" if c.class_name else ""
        lines.append(t(N_("{code} {name}{klass}"), lang, code=c.code, name=c.name, klass=klass))
        if c.class_id:
            kb.button(text=t(N_("{klass}: student link"), lang, klass=c.class_name or ""),
                      callback_data=InviteCB(what="students", class_id=c.class_id))
    kb.adjust(1)
    markup = kb.as_markup()
    await send_long(message, "\n".join(lines), reply_markup=markup if markup.inline_keyboard else None)


# ---- files -----------------------------------------------------------------------------------------


@router.message(F.document)
async def document(message: Message, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.TEACHER, Role.ADMIN)
    doc = message.document
    assert doc is not None
    name = doc.file_name or "file"
    ack = await message.answer(t(N_("Received {name}; checking it…"), actor.language, name=name))
    await uploads.receive(session, actor, file_id=doc.file_id, file_unique_id=doc.file_unique_id, file_name=name,
                          file_size=doc.file_size, chat_id=message.chat.id, caption=message.caption,
                          language=actor.language, progress_message_id=ack.message_id)


#: How each answer is named back to the person ("list.csv: class B-2. Checking it…").
ANSWERED = {
    "class": N_("{name}: class {value}. Checking it…"),
    "course": N_("{name}: course {value}. Checking it…"),
    "assessment": N_("{name}: assessment {value}. Checking it…"),
    "component": N_("{name}: component {value}. Checking it…"),
}


def _answered(key: str, lang: str, name: str, value: str) -> str:
    return t(ANSWERED.get(key, N_("{name}: {value}. Checking it…")), lang, name=name, value=value)


@router.callback_query(UploadAnswerCB.filter())
async def upload_answer(query: CallbackQuery, callback_data: UploadAnswerCB, bot: Bot, session: AsyncSession,
                        actor: Actor) -> None:
    upload, key, value = await ingest.answer(session, actor, callback_data.upload_id, index=callback_data.index)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_answered(key, actor.language, upload.file_name, value))


@router.message(F.text, ~F.text.startswith("/"), HasWaitingUpload())
async def upload_typed_answer(message: Message, session: AsyncSession, actor: Actor) -> None:
    upload, key, value = await ingest.answer(session, actor, None, typed=message.text or "")
    await message.answer(_answered(key, actor.language, upload.file_name, value))
