"""/notifications: which kinds of messages a parent or student gets, and quiet hours."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import PrefKindCB, PrefQuietCB
from bot.replies import t
from domain.access import Actor
from domain.errors import N_
from domain.notify import KINDS
from domain.params import check_keys, parse_args
from domain.services import prefs

router = Router(name="prefs")
PRESETS = {"off": "off", "21-07": "21:00-07:00", "22-06": "22:00-06:00", "20-08": "20:00-08:00"}


def _view(p: prefs.Prefs, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    quiet = (f"{p.quiet_start:%H:%M}–{p.quiet_end:%H:%M}" if p.quiet_start and p.quiet_end
             else t(N_("none"), lang))
    text = t(N_("<b>What I tell you</b> (press to switch on or off)\nQuiet hours: {quiet}. Messages that arrive "
                "then are delivered when they end.\nLanguage: change it with /language."), lang, quiet=quiet)
    kb = InlineKeyboardBuilder()
    for kind in prefs.choosable_kinds():
        mark = "🔕 " if kind in p.muted else "🔔 "
        kb.button(text=mark + t(KINDS[kind], lang), callback_data=PrefKindCB(kind=kind))
    for preset, label in PRESETS.items():
        shown = t(N_("No quiet hours"), lang) if preset == "off" else t(N_("Quiet {hours}"), lang, hours=label)
        kb.button(text=shown, callback_data=PrefQuietCB(preset=preset))
    kb.adjust(1, 1, 1, 1, 1, 2, 2)
    return text, kb.as_markup()


@router.message(Command("notifications"))
async def show(message: Message, command: CommandObject, session: AsyncSession, actor: Actor) -> None:
    args = parse_args(command.args)
    check_keys(args, ["quiet"])
    if "quiet" in args.named:
        current = await prefs.set_quiet(session, actor, args.named["quiet"])
    else:
        current = await prefs.get(session, actor)
    text, markup = _view(current, actor.language)
    await message.answer(text, reply_markup=markup)


@router.callback_query(PrefKindCB.filter())
async def toggle(query: CallbackQuery, callback_data: PrefKindCB, session: AsyncSession, actor: Actor) -> None:
    current = await prefs.toggle(session, actor, callback_data.kind)
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = _view(current, actor.language)
        await query.message.edit_text(text, reply_markup=markup)


@router.callback_query(PrefQuietCB.filter())
async def quiet(query: CallbackQuery, callback_data: PrefQuietCB, session: AsyncSession, actor: Actor) -> None:
    preset = PRESETS.get(callback_data.preset)
    if preset is None:
        await query.answer(t(N_("That choice is no longer offered."), actor.language), show_alert=True)
        return
    before = await prefs.get(session, actor)
    current = await prefs.set_quiet(session, actor, preset)
    await query.answer()
    if isinstance(query.message, Message) and current != before:
        text, markup = _view(current, actor.language)
        await query.message.edit_text(text, reply_markup=markup)
