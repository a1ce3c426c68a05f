"""Formatted text as Telegram handles it: UTF-16 lengths, parse modes, trimming and auto-entities.

``format_text`` is the one entry point the Bot API methods use: it applies ``parse_mode`` (HTML,
MarkdownV2 or legacy Markdown) or validates explicit ``entities``, trims the result as TDLib does and
returns the text with its entities, offsets and lengths in UTF-16 code units.  ``detect_entities``
finds the entities Telegram adds to a message a person types (bot commands, mentions, hashtags,
URLs, e-mail addresses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.errors import bad_request

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]

# Characters TDLib treats as "empty" when it decides whether a text is blank.
_BLANK_EXTRA = frozenset(
    "\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c"
    "\u200d\u202e\u2028\u2029\u205f\u3000\ufeff\ufffc\u2800\u3164\u00ad"
)
_TRIM = " \t\n\r\v\f"

# TDLib's entity priorities: used to order entities that start at the same offset with equal length.
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "expandable_blockquote": 0,
}


class ParseError(Exception):
    """Markup that Telegram refuses; the message is TDLib's, as shown after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of every Telegram offset and limit."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity with this UTF-16 ``offset`` and ``length`` covers."""
    if text.isascii():
        return text[offset : offset + length]
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset of character ``index``: TDLib reports parse errors in bytes."""
    return len(text[:index].encode("utf-8", errors="surrogatepass"))


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Order entities as TDLib does: by offset, longer first, then by type priority."""
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return entities


def is_blank(text: str) -> bool:
    """True when ``text`` holds nothing but whitespace and invisible characters."""
    return all(ch in _TRIM or ch in _BLANK_EXTRA for ch in text)


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading and trailing whitespace, moving and clipping entities accordingly."""
    stripped = text.strip(_TRIM)
    if stripped == text:
        return text, entities
    left = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    total = utf16_len(stripped)
    out: list[Entity] = []
    for ent in entities:
        start = max(ent["offset"] - left, 0)
        end = min(ent["offset"] + ent["length"] - left, total)
        if end > start:
            out.append({**ent, "offset": start, "length": end - start})
    return stripped, out


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Any,
    *,
    user_lookup: UserLookup | None = None,
    allow_empty: bool = False,
) -> tuple[str, list[Entity]]:
    """Apply a parse mode (or explicit entities) and trim: what the message will carry.

    Raises :class:`ApiError` with Telegram's description for unparsable text or a blank result
    (unless ``allow_empty``, as for captions).
    """
    mode = (parse_mode or "").lower()
    if text and mode and mode != "none":
        from sandbox import html, markdown

        try:
            if mode == "html":
                parsed, ents = html.parse_html(text, user_lookup)
            elif mode == "markdownv2":
                parsed, ents = markdown.parse_markdown_v2(text, user_lookup)
            elif mode == "markdown":
                parsed, ents = markdown.parse_markdown(text, user_lookup)
            else:
                raise bad_request("unsupported parse_mode")
        except ParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        parsed = text
        ents = validate_entities(parsed, entities, user_lookup)
    parsed, ents = trim(parsed, sort_entities(ents))
    if not allow_empty and is_blank(parsed):
        raise bad_request("text must be non-empty")
    return parsed, ents


_ENTITY_TYPES = frozenset(_PRIORITY)


def validate_entities(text: str, raw: Any, user_lookup: UserLookup | None) -> list[Entity]:
    """Check explicit ``entities`` (already JSON-decoded) and keep those that fit the text."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    out: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse MessageEntity: Object expected as MessageEntity")
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in _ENTITY_TYPES:
            raise bad_request(f'can\'t parse MessageEntity: Unsupported type "{kind}" specified')
        try:
            offset, length = int(item.get("offset", -1)), int(item.get("length", -1))
        except (TypeError, ValueError):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be a valid Number') from None
        if offset < 0 or length <= 0 or offset + length > total:
            continue
        ent: Entity = {"type": kind, "offset": offset, "length": length}
        if kind == "text_link":
            url = item.get("url")
            if not isinstance(url, str) or not url:
                raise bad_request('can\'t parse MessageEntity: Field "url" must be of type String')
            ent["url"] = url
        elif kind == "pre" and item.get("language"):
            ent["language"] = str(item["language"])
        elif kind == "custom_emoji":
            ent["custom_emoji_id"] = str(item.get("custom_emoji_id", ""))
        elif kind == "text_mention":
            user = item.get("user")
            uid = user.get("id") if isinstance(user, dict) else None
            found = user_lookup(int(uid)) if (user_lookup and uid is not None) else None
            if found is None:
                raise bad_request('can\'t parse MessageEntity: Field "user" must be of type User')
            ent["user"] = found
        out.append(ent)
    return out


_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_HASHTAG = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*(?![\w#])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")
_URL = re.compile(r"(?<![\w@/])(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d{1,5})?(?:/[^\s]*)?", re.I)
_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "io",
        "in",
        "me",
        "ru",
        "uk",
        "de",
        "fr",
        "info",
        "app",
        "dev",
        "ai",
        "co",
        "us",
        "tv",
        "ly",
        "to",
        "gl",
        "gg",
        "xyz",
        "site",
        "online",
        "tech",
        "store",
        "blog",
        "cloud",
        "live",
        "news",
        "pro",
        "biz",
        "page",
        "link",
        "t.me",
    ]
)


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram attaches to a message typed by a person (no markup is parsed)."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, kind))

    for m in _EMAIL.finditer(text):
        add(m.start(), m.end(), "email")
    for m in _URL.finditer(text):
        host = m.group(0).split("://")[-1].split("/")[0].split(":")[0]
        if host.rsplit(".", 1)[-1].lower() in _TLDS or "://" in m.group(0):
            add(m.start(), m.end(), "url")
    for m in _COMMAND.finditer(text):
        add(m.start(), m.end(), "bot_command")
    for m in _MENTION.finditer(text):
        add(m.start(), m.end(), "mention")
    for m in _HASHTAG.finditer(text):
        add(m.start(), m.end(), "hashtag")
    out: list[Entity] = []
    for start, end, kind in found:
        out.append({"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])})
    return sort_entities(out)


def normalize_link(url: str) -> str | None:
    """The URL a ``text_link`` keeps, or ``None`` when Telegram would drop the link."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    lower = url.lower()
    if lower.startswith(("tg:", "ton:")):
        return url
    if "://" not in url:
        if re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(/.*)?$", url) is None:
            return None
        url = "http://" + url
        lower = url.lower()
    if not lower.startswith(("http://", "https://")):
        return None
    scheme, rest = url.split("://", 1)
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not host or re.match(r"^[A-Za-z0-9.\-:\[\]@_~%]+$", host) is None:
        return None
    if rest == host:
        rest += "/"
    return f"{scheme}://{rest}"
