"""Extract every user-facing message id from the source and merge it into the ``.po`` catalogs.

Message ids are marked with ``N_(...)``, ``t(...)`` or ``translate(...)``; the test suite uses
:func:`extract` to check that every one of them has a Hindi translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TEXTS = Path(__file__).resolve().parent
SOURCES = ("bot", "domain", "workers", "edubot")
KEYWORDS = {"N_": None, "t": (1,), "translate": (1,)}
LANGUAGES = ("en", "hi")


def extract() -> Catalog:
    catalog = Catalog(project="edubot", domain="messages")
    for folder in SOURCES:
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, str) and message:
                catalog.add(message, locations=[(f"{folder}/{filename}", lineno)])
    return catalog


def update() -> None:
    template = extract()
    for lang in LANGUAGES:
        path = TEXTS / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = Catalog(locale=lang, project="edubot", domain="messages")
            catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        with path.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, no_location=True, ignore_obsolete=True, width=0)
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{lang}: {len(catalog)} messages, {len(missing)} without translation")  # noqa: T201
