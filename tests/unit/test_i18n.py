"""Every message the product can say exists in Hindi, with the same placeholders and markup."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import TEXTS, get_i18n, translate
from bot.texts.catalog import extract

PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?\w+")


def _hindi() -> dict[str, str]:
    with (TEXTS / "hi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_message_in_the_source_has_a_hindi_translation() -> None:
    hindi = _hindi()
    used = [m.id for m in extract() if m.id]
    assert len(used) > 20
    missing = [m for m in used if not hindi.get(m)]
    assert missing == [], "run `python -m bot.texts` and translate: " + repr(missing)


@pytest.mark.parametrize("msgid", sorted(_hindi()))
def test_translation_keeps_placeholders_and_tags(msgid: str) -> None:
    hi = _hindi()[msgid]
    assert sorted(PLACEHOLDER.findall(hi)) == sorted(PLACEHOLDER.findall(msgid))
    assert sorted(TAG.findall(hi)) == sorted(TAG.findall(msgid))


def test_catalogs_load_for_both_languages() -> None:
    assert set(get_i18n().available_locales) >= {"en", "hi"}
    assert translate("Choose your language:", "hi") == "अपनी भाषा चुनें:"
    assert translate("Choose your language:", "en") == "Choose your language:"


def test_values_are_escaped_but_markup_is_kept() -> None:
    out = translate("<b>{name}</b> (Telegram id <code>{tid}</code>)", "en", name="<script>", tid=5)
    assert out == "<b>&lt;script&gt;</b> (Telegram id <code>5</code>)"
