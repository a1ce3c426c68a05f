"""Everyone's commands: /start (and invite codes), /help, /language, /cancel, /whoami, /switch."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import commands_for, refresh_for, refresh_menu
from bot.i18n import translate
from bot.keyboards import LanguageCB, SwitchCB, language_keyboard
from bot.replies import send_long, t
from bot.routers.join import JoinState
from bot.welcome import role_name, welcome
from domain.access import Actor
from domain.errors import N_
from domain.model.people import Role
from domain.render import esc
from domain.services import invites, joining, profile, users
from domain.services.invites import AttemptCounter

router = Router(name="start")

async def _redeem(message: Message, bot: Bot, session: AsyncSession, actor: Actor, code: str,
                  attempts: AttemptCounter, state: FSMContext) -> None:
    await state.clear()  # a new invite ends whatever conversation was going on
    result = await joining.redeem(session, actor, code, attempts=attempts)
    lang = actor.language
    if isinstance(result, joining.NeedsUsn):
        await state.set_state(JoinState.usn)
        await state.update_data(invite_id=result.invite_id)
        await message.answer(t(N_("You are joining class {klass} of {org}. Send your USN (as on your ID card)."),
                               lang, klass=result.class_name, org=result.org_name))
        return
    await welcome(message, bot, session, actor, result)


@router.message(CommandStart(deep_link=True))
async def start_with_code(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                          actor: Actor, attempts: AttemptCounter, state: FSMContext) -> None:
    await _redeem(message, bot, session, actor, command.args or "", attempts, state)


@router.message(CommandStart())
async def start(message: Message, actor: Actor) -> None:
    lang = actor.language
    name = esc(actor.first_name or "there")
    if actor.memberships:
        roles = ", ".join(role_name(r.value, lang) for r in sorted(actor.roles)) or "—"
        text = t(N_("Hello, {name}! You are {roles} in {org}."), lang, name=name, roles=roles,
                 org=actor.org_name or "—")
        text += "\n" + t(N_("Send /help to see what you can do."), lang)
    else:
        text = t(N_("Hello, {name}! I am edubot: exams, marks and results of your school, in this chat."),
                 lang, name=name)
        text += "\n\n" + t(
            N_("To join, open the invite link your school sent you, or paste the invite code here."), lang
        )
    await message.answer(text)


@router.message(F.text.len() == 22, F.text.func(invites.looks_like_code))
async def pasted_code(message: Message, bot: Bot, session: AsyncSession, actor: Actor,
                      attempts: AttemptCounter, state: FSMContext) -> None:
    await _redeem(message, bot, session, actor, message.text or "", attempts, state)


@router.message(Command("help"))
async def help_(message: Message, actor: Actor) -> None:
    lang = actor.language
    lines = [t(N_("<b>What I can do for you</b>"), lang)]
    for cmd in commands_for(actor.roles, several_orgs=len(actor.org_ids) > 1):
        lines.append(f"/{cmd.name} — {translate(cmd.description, lang)}")
    if actor.has(Role.TEACHER):
        lines.append("")
        lines.append(t(N_("Files you can send me (CSV or Excel): a roster (USN, NAME, CLASS, PARENT_PHONE), a "
                          "course's outcomes (CO, DESCRIPTION, BLOOM, PO1…PO12, PSO…) and marks sheets (USN, NAME, "
                          "one column per question, with MAX and CO rows). A caption such as course=CS101 "
                          "assessment=\"IA 1\" component=CIE answers my questions in advance."), lang))
    if not actor.memberships:
        lines.append("")
        lines.append(t(N_("More commands appear once you join your school with an invite."), lang))
    await send_long(message, "\n".join(lines))


@router.message(Command("language"))
async def language(message: Message, actor: Actor) -> None:
    await message.answer(
        t(N_("Choose your language:"), actor.language), reply_markup=language_keyboard(actor.language)
    )


@router.callback_query(LanguageCB.filter())
async def language_chosen(query: CallbackQuery, callback_data: LanguageCB, bot: Bot, session: AsyncSession,
                          actor: Actor) -> None:
    lang = await users.set_language(session, actor, callback_data.code)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(N_("Language set to English."), lang), reply_markup=language_keyboard(lang))
        await refresh_menu(bot, query.message.chat.id, actor.roles, lang, several_orgs=len(actor.org_ids) > 1)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, actor: Actor) -> None:
    current = await state.get_state()
    await state.clear()
    if current is None:
        await message.answer(t(N_("There is nothing to cancel."), actor.language))
    else:
        await message.answer(t(N_("Cancelled. Send /help to see what you can do."), actor.language))


@router.message(Command("whoami"))
async def whoami(message: Message, session: AsyncSession, actor: Actor) -> None:
    lang = actor.language
    lines = [
        t(N_("<b>{name}</b> (Telegram id <code>{tid}</code>)"), lang, name=actor.first_name, tid=actor.telegram_id),
        t(N_("Language: {language}"), lang, language=users.LANGUAGES.get(lang, lang)),
    ]
    if not actor.memberships:
        lines.append(t(N_("You have not joined an organization yet."), lang))
    for p in await profile.profile(session, actor):
        roles = ", ".join(role_name(r.value, lang) for r in p.roles)
        marker = " ★" if p.acting and len(actor.org_ids) > 1 else ""
        lines.append(t(N_("{org}: {roles}"), lang, org=p.org_name, roles=roles) + marker)
        if p.student:
            lines.append("  " + t(N_("Student: {who}"), lang, who=p.student))
        if p.classes:
            lines.append("  " + t(N_("Classes: {list}"), lang, list=", ".join(p.classes)))
        if p.courses:
            lines.append("  " + t(N_("Courses: {list}"), lang, list=", ".join(p.courses)))
        if p.children:
            lines.append("  " + t(N_("Children: {list}"), lang, list=", ".join(p.children)))
    await send_long(message, "\n".join(lines))


@router.message(Command("switch"))
async def switch(message: Message, actor: Actor) -> None:
    orgs = {m.org_id: m.org_name for m in actor.memberships}
    if len(orgs) < 2:
        await message.answer(t(N_("You belong to one organization only; there is nothing to switch."),
                               actor.language))
        return
    kb = InlineKeyboardBuilder()
    for org_id, name in orgs.items():
        kb.button(text=("★ " if org_id == actor.org_id else "") + name, callback_data=SwitchCB(org_id=org_id))
    kb.adjust(1)
    await message.answer(t(N_("Which organization do you want to act in?"), actor.language),
                         reply_markup=kb.as_markup())


@router.callback_query(SwitchCB.filter())
async def switched(query: CallbackQuery, callback_data: SwitchCB, bot: Bot, session: AsyncSession,
                   actor: Actor) -> None:
    name = await profile.switch_org(session, actor, callback_data.org_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(N_("You now act in {org}."), actor.language, org=name))
        await refresh_for(bot, session, actor.user_id, query.message.chat.id)

