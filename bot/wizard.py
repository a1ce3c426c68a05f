"""Multi-step commands: ask for what is missing, one question at a time, with buttons where there are
choices; every answer can also be given in advance as `key=value` on the command line.

A wizard is declared as fields plus a ``finish`` coroutine that calls one domain service. Values
typed or pressed are checked by the field's own check (so a wrong one is named and asked again).
The conversation state lives in the FSM (Redis); losing it only means asking again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import WizardCB
from bot.replies import error_text, t
from domain.access import Actor
from domain.errors import N_, DomainError
from domain.params import Args, check_keys, parse_args
from domain.render import esc

Check = Callable[[AsyncSession, Actor, str], Awaitable[str]]
Choices = Callable[[AsyncSession, Actor], Awaitable[list[str]]]
Finish = Callable[[Message, AsyncSession, Actor, dict[str, str]], Awaitable[None]]


class WizardState(StatesGroup):
    asking = State()


@dataclass(frozen=True)
class Field:
    name: str
    prompt: str  # message id
    check: Check
    required: bool = True
    choices: Choices | None = None
    ask: bool = True  # False: taken only from the command line (an advanced option with a default)


@dataclass(frozen=True)
class Wizard:
    name: str
    fields: tuple[Field, ...]
    finish: Finish
    positional: str | None = None  # the field a bare word fills (`/newclass CSE-A`)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


WIZARDS: dict[str, Wizard] = {}


def register(wizard: Wizard) -> Wizard:
    WIZARDS[wizard.name] = wizard
    return wizard


async def start(message: Message, args_text: str | None, state: FSMContext, session: AsyncSession,
                actor: Actor, wizard: Wizard) -> None:
    await state.clear()
    args: Args = parse_args(args_text)
    check_keys(args, [f.name for f in wizard.fields])
    named = dict(args.named)
    if args.positional and wizard.positional and wizard.positional not in named:
        named[wizard.positional] = " ".join(args.positional)
    values: dict[str, str] = {}
    asked: list[str] = []
    for f in wizard.fields:
        if f.name not in named:
            continue
        try:
            values[f.name] = await f.check(session, actor, named[f.name])
        except DomainError as err:
            await message.answer(f"{f.name}={esc(_short(named[f.name]))}: " + error_text(err, actor.language))
    await state.set_state(WizardState.asking)
    await state.update_data(wizard=wizard.name, values=values, asked=asked)
    await advance(message, state, session, actor)


async def advance(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    data = await state.get_data()
    wizard = WIZARDS[data["wizard"]]
    values: dict[str, str] = data.get("values", {})
    asked: list[str] = data.get("asked", [])
    for f in wizard.fields:
        if f.name in values or (not f.required and (f.name in asked or not f.ask)):
            continue
        await state.update_data(current=f.name, asked=[*asked, f.name])
        await message.answer(t(f.prompt, actor.language), reply_markup=await _keyboard(session, actor, f))
        return
    await state.clear()
    await wizard.finish(message, session, actor, values)


async def answer_text(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    data = await state.get_data()
    wizard = WIZARDS.get(data.get("wizard", ""))
    if wizard is None:
        await state.clear()
        return
    f = wizard.field(data["current"])
    raw = (message.text or "").strip()
    try:
        value = await f.check(session, actor, raw)
    except DomainError as err:
        await message.answer(error_text(err, actor.language) + "\n" + t(f.prompt, actor.language),
                             reply_markup=await _keyboard(session, actor, f))
        return
    await state.update_data(values={**data.get("values", {}), f.name: value})
    await advance(message, state, session, actor)


async def answer_button(message: Message, callback: WizardCB, state: FSMContext, session: AsyncSession,
                        actor: Actor) -> bool:
    """A choice pressed; False when the button does not belong to the question being asked."""
    data = await state.get_data()
    wizard = WIZARDS.get(data.get("wizard", ""))
    if wizard is None or data.get("current") != callback.field:
        return False
    f = wizard.field(callback.field)
    if callback.index < 0:
        if f.required:
            return False
        await advance(message, state, session, actor)
        return True
    choices = await f.choices(session, actor) if f.choices else []
    if not 0 <= callback.index < len(choices):
        return False
    value = await f.check(session, actor, choices[callback.index])  # a button's value is checked like typing
    await state.update_data(values={**data.get("values", {}), f.name: value})
    await advance(message, state, session, actor)
    return True


async def _keyboard(session: AsyncSession, actor: Actor, f: Field) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if f.choices is not None:
        for i, choice in enumerate((await f.choices(session, actor))[:24]):
            kb.button(text=choice, callback_data=WizardCB(field=f.name, index=i))
    if not f.required:
        kb.button(text=t(N_("Skip"), actor.language), callback_data=WizardCB(field=f.name, index=-1))
    kb.adjust(3)
    markup = kb.as_markup()
    return markup if markup.inline_keyboard else None


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


def in_wizard(data: dict[str, Any]) -> bool:
    return bool(data.get("wizard"))
