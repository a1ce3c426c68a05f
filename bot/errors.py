"""The errors handler: a DomainError becomes its sentence; anything else is logged and apologised for.
Each dispatcher (the bot's, and the exam presses' lane) includes one of its own (:func:`build_router`)."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from bot.replies import error_text, t, tell
from domain.errors import N_, DomainError
from domain.services.users import language_for

log = logging.getLogger("edubot.bot")


def build_router() -> Router:
    router = Router(name="errors")
    router.errors()(on_error)
    return router


async def on_error(event: ErrorEvent, **data: object) -> bool:
    actor = data.get("actor")
    user = data.get("event_from_user")
    # the actor's language; before (or without) an actor, the one their Telegram shows
    lang = getattr(actor, "language", None) or language_for(user.language_code if isinstance(user, User) else None)
    update = event.update
    target: Message | CallbackQuery | None = update.message or update.callback_query
    err = event.exception
    if isinstance(err, DomainError):
        text = error_text(err, lang)
        log.info("refused", extra={"update_id": update.update_id, "error": type(err).__name__, "why": str(err)})
    else:
        log.error("handler failed", exc_info=err, extra={"update_id": update.update_id})
        text = t(N_("Sorry, something went wrong on our side. Please try again in a minute."), lang)
    if target is not None:
        try:
            await tell(target, text)
        except Exception:
            log.exception("could not tell the user about an error", extra={"update_id": update.update_id})
    return True
