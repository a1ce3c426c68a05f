"""/invite: admins make teacher (or admin) links; teachers make a class's student link or its parent codes."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import InviteCB
from bot.replies import t
from bot.welcome import role_name
from domain.access import Actor
from domain.errors import N_, Invalid
from domain.model.people import Role
from domain.params import check_keys, parse_args
from domain.reports.xlsx import Sheet, xlsx_bytes
from domain.services import classes, inviting

router = Router(name="invite")


async def _link(bot: Bot, code: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={code}"


async def _send(target: Message, bot: Bot, session: AsyncSession, actor: Actor, what: str, class_id: int) -> None:
    lang = actor.language
    if what in ("teacher", "admin"):
        made = await inviting.staff_invite(session, actor, Role(what))
        await target.answer(t(N_("A one-time link for a new {role} (valid until {until}):\n{link}\n"
                                 "Send it only to that person."), lang, role=role_name(made.what, lang),
                              until=f"{made.expires_at:%d %b %Y}", link=await _link(bot, made.code)))
    elif what == "students":
        made = await inviting.class_link(session, actor, class_id)
        await target.answer(t(N_("The join link of class {klass} (valid until {until}; each student confirms their "
                                 "USN):\n{link}"), lang, klass=made.what, until=f"{made.expires_at:%d %b %Y}",
                              link=await _link(bot, made.code)))
    elif what == "parents":
        klass, codes = await inviting.parent_codes(session, actor, class_id)
        me = await bot.me()
        sheet = Sheet("Parent codes", ["USN", "NAME", "PARENT LINK (once)", "PARENT CODE"],
                      [[c.usn, c.name, f"https://t.me/{me.username}?start={c.code}", c.code] for c in codes])
        await target.answer_document(
            BufferedInputFile(xlsx_bytes([sheet]), filename=f"parent-codes-{klass}.xlsx"),
            caption=t(N_("Parent codes for class {klass}: one per student, each works once. Give each family "
                         "only its own."), lang, klass=klass))
    else:
        raise Invalid(N_("what= takes teacher, admin, students or parents."))


@router.message(Command("invite"))
async def invite(message: Message, command: CommandObject, bot: Bot, session: AsyncSession, actor: Actor) -> None:
    actor.require(Role.ADMIN, Role.TEACHER)
    lang = actor.language
    args = parse_args(command.args)
    check_keys(args, ["what", "class"])
    what = (args.named.get("what") or (args.positional[0] if args.positional else "")).lower()
    if args.named.get("class"):
        cls = await classes.find_class(session, actor.org_id or 0, args.named["class"])
        await classes.require_class_access(session, actor, cls.id)
        await _send(message, bot, session, actor, what or "students", cls.id)
        return
    if what in ("teacher", "admin"):
        await _send(message, bot, session, actor, what, 0)
        return
    kb = InlineKeyboardBuilder()
    if actor.has(Role.ADMIN):
        kb.button(text=t(N_("A teacher"), lang), callback_data=InviteCB(what="teacher"))
        kb.button(text=t(N_("An admin"), lang), callback_data=InviteCB(what="admin"))
    for cls in await classes.classes_of(session, actor):
        kb.button(text=t(N_("{klass}: student link"), lang, klass=cls.name),
                  callback_data=InviteCB(what="students", class_id=cls.id))
        kb.button(text=t(N_("{klass}: parent codes"), lang, klass=cls.name),
                  callback_data=InviteCB(what="parents", class_id=cls.id))
    kb.adjust(2)
    markup = kb.as_markup()
    if not markup.inline_keyboard:
        await message.answer(t(N_("You have no class yet: create one with /newclass."), lang))
        return
    await message.answer(t(N_("Whom do you want to invite?"), lang), reply_markup=markup)


@router.callback_query(InviteCB.filter())
async def invite_chosen(query: CallbackQuery, callback_data: InviteCB, bot: Bot, session: AsyncSession,
                        actor: Actor) -> None:
    actor.require(Role.ADMIN, Role.TEACHER)
    if isinstance(query.message, Message):
        await _send(query.message, bot, session, actor, callback_data.what, callback_data.class_id)
    await query.answer()
