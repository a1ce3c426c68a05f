"""Written answers in chat: a student's answer pages during an exam (photos or PDFs, reviewed and
replaced), /evaluate for teachers (pages, one question at a time, mark buttons, comment, finish),
reassigning after a breach (admins), /sla, and /calendar (the working calendar deadlines count in)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import EvalCB, PagesCB, ReassignCB
from bot.presenters_eval import calendar_text, evaluation_message, pages_caption, sla_text, student_pages
from bot.replies import send_long, t
from domain.access import Actor
from domain.errors import N_
from domain.params import check_keys, parse_args
from domain.services import calendars, evaluations
from domain.services.evaluations import EvalView, PageFile, PageView

router = Router(name="evaluation")


class Commenting(StatesGroup):
    text = State()


# ---- a student's pages -----------------------------------------------------------------------------


class _WritingExam(Filter):
    """True when the sender is a student with an exam in progress that has written questions."""

    async def __call__(self, message: Message, session: AsyncSession, actor: Actor) -> bool | dict[str, object]:
        attempt_id = await evaluations.written_attempt_id(session, actor)
        return {"attempt_id": attempt_id} if attempt_id is not None else False


def _page_file(message: Message) -> PageFile:
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram keeps
        return PageFile(photo.file_id, photo.file_unique_id, "image/jpeg", photo.file_size)
    assert message.document is not None
    doc = message.document
    return PageFile(doc.file_id, doc.file_unique_id, doc.mime_type, doc.file_size)


@router.message(F.photo | F.document, _WritingExam())
async def answer_page(message: Message, session: AsyncSession, actor: Actor, state: FSMContext,
                      attempt_id: int) -> None:
    lang = actor.language
    data = await state.get_data()
    replace = data.get("replace_page") if data.get("replace_attempt") == attempt_id else None
    added = await evaluations.add_page(session, actor, _page_file(message), replace=replace)
    if replace is not None:
        await state.update_data(replace_page=None, replace_attempt=None)
    text = (t(N_("Page {page} replaced."), lang, page=added.page) if added.replaced
            else t(N_("Page {page} received ({pages} in all)."), lang, page=added.page, pages=added.pages))
    await message.reply(text)


@router.callback_query(PagesCB.filter())
async def pages_pressed(query: CallbackQuery, callback_data: PagesCB, session: AsyncSession, actor: Actor,
                        state: FSMContext) -> None:
    lang = actor.language
    pages = await evaluations.my_pages(session, actor, callback_data.a)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.op == "r" and any(p.page == callback_data.n for p in pages):
        await state.update_data(replace_page=callback_data.n, replace_attempt=callback_data.a)
        await query.message.answer(t(N_("Send the new photo or PDF for page {page}."), lang, page=callback_data.n))
        return
    text, markup = student_pages(callback_data.a, pages, lang)
    await query.message.answer(text, reply_markup=markup)


# ---- /evaluate -------------------------------------------------------------------------------------


async def _send_pages(bot: Bot, chat_id: int, pages: list[PageView], language: str) -> None:
    """The pages as the student sent them: photos ten to an album, PDFs and image files one by one."""
    await bot.send_message(chat_id, pages_caption(pages, language))
    photos = [p for p in pages if p.media_type == "image/jpeg" and p.status != "rejected"]
    for i in range(0, len(photos), 10):
        chunk = photos[i:i + 10]
        if len(chunk) == 1:
            await bot.send_photo(chat_id, chunk[0].file_id, caption=str(chunk[0].page))
        else:
            await bot.send_media_group(chat_id, [InputMediaPhoto(media=p.file_id, caption=str(p.page))
                                                 for p in chunk])
    for p in pages:
        if p not in photos and p.status != "rejected":
            await bot.send_document(chat_id, p.file_id, caption=str(p.page))


async def _show(message: Message, view: EvalView, language: str, *, edit: bool) -> None:
    text, markup = evaluation_message(view, language)
    if edit:
        with suppress(TelegramBadRequest):  # the same press twice: "message is not modified"
            await message.edit_text(text, reply_markup=markup)
        return
    await message.answer(text, reply_markup=markup)


@router.message(Command("evaluate"))
async def evaluate(message: Message, bot: Bot, session: AsyncSession, actor: Actor) -> None:
    lang = actor.language
    view = await evaluations.next_for(session, actor)
    if view is None:
        await message.answer(t(N_("Nothing to evaluate: no answer sheets are waiting for you."), lang))
        return
    waiting = await evaluations.open_count(session, actor)
    if waiting > 1:
        await message.answer(t(N_("{count} answer sheets are waiting for you; the one due first:"), lang,
                               count=waiting))
    await _send_pages(bot, message.chat.id, view.pages, lang)
    await _show(message, view, lang, edit=False)


@router.callback_query(EvalCB.filter())
async def evaluation_pressed(query: CallbackQuery, callback_data: EvalCB, bot: Bot, session: AsyncSession,
                             actor: Actor, state: FSMContext) -> None:
    lang, e, op = actor.language, callback_data.e, callback_data.op
    if op == "m":
        view = await evaluations.mark(session, actor, e, callback_data.p, callback_data.x)
    elif op == "g":
        view = await evaluations.go(session, actor, e, callback_data.p)
    elif op == "s":
        view = await evaluations.go(session, actor, e, -1)
    elif op == "f":
        view = await evaluations.finish(session, actor, e)
    elif op in ("c", "p"):
        view = await evaluations.view(session, actor, e)
        await query.answer()
        if op == "p":
            if isinstance(query.message, Message):
                await _send_pages(bot, query.message.chat.id, view.pages, lang)
            return
        await state.set_state(Commenting.text)
        await state.update_data(evaluation=e, position=callback_data.p)
        if isinstance(query.message, Message):
            await query.message.answer(t(N_("Type a short comment for question {n} (at most {limit} characters); "
                                            "/cancel to leave it."), lang, n=callback_data.p + 1,
                                         limit=evaluations.COMMENT_MAX))
        return
    else:
        await query.answer()
        return
    with suppress(TelegramBadRequest):
        await query.answer()
    if isinstance(query.message, Message):
        await _show(query.message, view, lang, edit=True)


@router.message(Commenting.text, F.text, ~F.text.startswith("/"))
async def comment_typed(message: Message, session: AsyncSession, actor: Actor, state: FSMContext) -> None:
    data = await state.get_data()
    view = await evaluations.set_comment(session, actor, int(data["evaluation"]), int(data["position"]),
                                         message.text or "")
    await state.clear()
    await message.answer(t(N_("Comment kept."), actor.language))
    await _show(message, view, actor.language, edit=False)


# ---- reassigning, /sla -----------------------------------------------------------------------------


@router.callback_query(ReassignCB.filter())
async def reassign_pressed(query: CallbackQuery, callback_data: ReassignCB, session: AsyncSession,
                           actor: Actor) -> None:
    lang = actor.language
    if callback_data.m == 0:
        choices = await evaluations.teacher_choices(session, actor, callback_data.e)
        await query.answer()
        if not isinstance(query.message, Message):
            return
        if not choices:
            await query.message.answer(t(N_("There is no other teacher to give it to."), lang))
            return
        rows = [[InlineKeyboardButton(text=t(N_("{name} ({open} open)"), lang, name=c.name, open=c.open),
                                      callback_data=ReassignCB(e=callback_data.e, m=c.membership_id).pack())]
                for c in choices]
        await query.message.answer(t(N_("Give these answer sheets to:"), lang),
                                   reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
        return
    name = await evaluations.reassign(session, actor, callback_data.e, callback_data.m)
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t(N_("Given to {name}; they have been told."), lang, name=name))


@router.message(Command("sla"))
async def sla_(message: Message, session: AsyncSession, actor: Actor) -> None:
    await send_long(message, sla_text(await evaluations.report(session, actor), actor.language))


# ---- /calendar -------------------------------------------------------------------------------------


@router.message(Command("calendar"))
async def calendar_(message: Message, command: CommandObject, session: AsyncSession, actor: Actor) -> None:
    lang = actor.language
    args = parse_args(command.args)
    check_keys(args, ["hours", "days", "timezone", "add", "remove"])
    if args.named:
        n = args.named
        what = calendars.Change(
            hours=calendars.parse_hours(n["hours"]) if "hours" in n else None,
            days=calendars.parse_days(n["days"]) if "days" in n else None,
            timezone=calendars.parse_timezone(n["timezone"]) if "timezone" in n else None,
            add=calendars.parse_holiday(n["add"]) if "add" in n else None,
            remove=calendars.parse_day(n["remove"]) if "remove" in n else None)
        moved = await calendars.change(session, actor, what)
        await message.answer(t(N_("Calendar changed; {moved} open evaluations have a new deadline."), lang,
                               moved=moved))
    await send_long(message, calendar_text(await calendars.show(session, actor), lang))
