"""Sets each update's language from the user's choice (or their Telegram language the first time)."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware

from domain.access import Actor


class ActorI18nMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        actor: Actor | None = data.get("actor")
        if actor is not None and actor.language in self.i18n.available_locales:
            return actor.language
        return self.i18n.default_locale
