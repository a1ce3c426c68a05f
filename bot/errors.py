"""The errors handler: a DomainError becomes its sentence; anything else is logged and apologised for."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.replies import error_text, t, tell
from domain.errors import N_, DomainError

log = logging.getLogger("edubot.bot")
router = Router(name="errors")


@router.errors()
async def on_error(event: ErrorEvent, **data: object) -> bool:
    actor = data.get("actor")
    lang = getattr(actor, "language", "en")
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
