"""Translations: gettext catalogs (``bot/texts/<lang>/LC_MESSAGES/messages.po``) compiled in memory.

Both the bot and the workers use :func:`get_i18n`; a message is rendered in its reader's language.
"""

from __future__ import annotations

import gettext
import html
import io
from functools import cache
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TEXTS = Path(__file__).resolve().parent / "texts"
DOMAIN = "messages"


class PoI18n(I18n):
    """aiogram's I18n, reading ``.po`` catalogs directly so no compiled files are kept in the tree."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        found: dict[str, gettext.GNUTranslations] = {}
        for lang_dir in sorted(self.path.iterdir()):
            po = lang_dir / "LC_MESSAGES" / f"{self.domain}.po"
            if not po.exists():
                continue
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang_dir.name)
            buf = io.BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            found[lang_dir.name] = Translations(fp=buf, domain=self.domain)
        return found


@cache
def get_i18n() -> PoI18n:
    return PoI18n(path=TEXTS, default_locale="en", domain=DOMAIN)


def translate(message: str, language: str, /, **params: Any) -> str:
    """Translate ``message`` into ``language`` and fill ``{placeholders}`` with HTML-escaped values."""
    text = get_i18n().gettext(message, locale=language)
    if params:
        text = text.format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})
    return text


def translate_plain(message: str, language: str, /, **params: Any) -> str:
    """Like :func:`translate` but for plain text (a file, or a value that is escaped later): no escaping."""
    text = get_i18n().gettext(message, locale=language)
    return text.format(**{k: str(v) for k, v in params.items()}) if params else text
