"""Everyone's commands: /start (and invite codes), /help, /language, /cancel, /whoami."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import commands_for, refresh_menu
from bot.i18n import translate
from bot.keyboards import LanguageCB, language_keyboard
from bot.replies import send_long, t
from domain.access import Actor
from domain.errors import N_
from domain.model.people import User
from domain.render import esc
from domain.services import invites, users
from domain.services.invites import AttemptCounter

router = Router(name="start")

ROLE_NAMES = {
    "student": N_("student"),
    "parent": N_("parent"),
    "teacher": N_("teacher"),
    "admin": N_("admin"),
}


def role_name(role: str, language: str) -> str:
    return translate(ROLE_NAMES.get(role, role), language)


async def _redeem(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor, code: str, attempts: AttemptCounter
) -> None:
    result = await invites.redeem(session, actor, code, attempts=attempts)
    lang = actor.language
    role = role_name(result.role.value, lang)
    if result.already_member:
        text = t(N_("You are already {role} of {org}."), lang, role=role, org=result.org_name)
    else:
        text = t(N_("Welcome! You are now {role} of {org}."), lang, role=role, org=result.org_name)
    refreshed = await users.load_actor(session, await _user(session, actor))
    await refresh_menu(bot, message.chat.id, refreshed.roles, lang)
    await message.answer(text + "\n" + t(N_("Send /help to see what you can do."), lang))


async def _user(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id)
    assert user is not None
    return user


@router.message(CommandStart(deep_link=True))
async def start_with_code(
    message: Message, command: CommandObject, bot: Bot, session: AsyncSession, actor: Actor, attempts: AttemptCounter
) -> None:
    await _redeem(message, bot, session, actor, command.args or "", attempts)


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


@router.message(F.text.func(invites.looks_like_code), F.text.len() == 22)
async def pasted_code(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor, attempts: AttemptCounter
) -> None:
    await _redeem(message, bot, session, actor, message.text or "", attempts)


@router.message(Command("help"))
async def help_(message: Message, actor: Actor) -> None:
    lang = actor.language
    lines = [t(N_("<b>What I can do for you</b>"), lang)]
    for cmd in commands_for(actor.roles):
        lines.append(f"/{cmd.name} — {translate(cmd.description, lang)}")
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
async def language_chosen(
    query: CallbackQuery, callback_data: LanguageCB, bot: Bot, session: AsyncSession, actor: Actor
) -> None:
    lang = await users.set_language(session, actor, callback_data.code)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            t(N_("Language set to English."), lang), reply_markup=language_keyboard(lang)
        )
        await refresh_menu(bot, query.message.chat.id, actor.roles, lang)


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, actor: Actor) -> None:
    current = await state.get_state()
    await state.clear()
    if current is None:
        await message.answer(t(N_("There is nothing to cancel."), actor.language))
    else:
        await message.answer(t(N_("Cancelled. Send /help to see what you can do."), actor.language))


@router.message(Command("whoami"))
async def whoami(message: Message, actor: Actor) -> None:
    lang = actor.language
    lines = [
        t(N_("<b>{name}</b> (Telegram id <code>{tid}</code>)"), lang, name=actor.first_name, tid=actor.telegram_id),
        t(N_("Language: {language}"), lang, language=users.LANGUAGES.get(lang, lang)),
    ]
    if not actor.memberships:
        lines.append(t(N_("You have not joined an organization yet."), lang))
    for org_id in actor.org_ids:
        ms = [m for m in actor.memberships if m.org_id == org_id]
        roles = ", ".join(role_name(m.role.value, lang) for m in ms)
        marker = " ★" if org_id == actor.org_id and len(actor.org_ids) > 1 else ""
        lines.append(t(N_("{org}: {roles}"), lang, org=ms[0].org_name, roles=roles) + marker)
    await message.answer("\n".join(lines))
