"""Telegram's MarkdownV2 and legacy Markdown parse modes, after TDLib's parsers.

HTML is what the product uses; these exist so a bot written for MarkdownV2 behaves here as it does
on Telegram, including the "Character 'x' is reserved ..." refusals.
"""

from __future__ import annotations

import re

from sandbox.text import Entity, ParseError, UserLookup, byte_offset, normalize_link, sort_entities, utf16_len

_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.I)
_EMOJI_LINK = re.compile(r"^tg://emoji\?id=(\d+)$", re.I)
_RESERVED = "_*[]()~`>#+-=|{}.!"
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


class _Open:
    __slots__ = ("argument", "begin", "byte", "kind", "offset")

    def __init__(self, kind: str, argument: str, offset: int, byte: int, begin: int) -> None:
        self.kind, self.argument, self.offset, self.byte, self.begin = kind, argument, offset, byte, begin


def parse_markdown_v2(text: str, user_lookup: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2: the plain text and its entities, or :class:`ParseError`."""
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    quote_start: int | None = None  # UTF-16 offset where the current blockquote began
    quote_expandable = False

    def at(k: int) -> str:
        return text[k] if k < n else ""

    def reserved(ch: str) -> ParseError:
        return ParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")

    def close_quote() -> None:
        nonlocal quote_start
        if quote_start is not None:
            end = u16 - (1 if out and out[-1] == "\n" else 0)
            if end > quote_start:
                kind = "expandable_blockquote" if quote_expandable else "blockquote"
                entities.append({"type": kind, "offset": quote_start, "length": end - quote_start})
            quote_start = None

    i = 0
    while i < n:
        c = text[i]
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not stack:
            if c == ">":
                if quote_start is None:
                    quote_start = u16
                    quote_expandable = False
                i += 1
                continue
            if c == "*" and at(i + 1) == "*" and at(i + 2) == ">" and quote_start is None:
                quote_start, quote_expandable = u16, True
                i += 3
                continue
            close_quote()
        expandable_end = c == "|" and at(i + 1) == "|" and at(i + 2) in ("", "\n")
        if expandable_end and quote_start is not None and quote_expandable and not stack:
            i += 2
            continue
        if c == "\\" and at(i + 1) != "" and 0 < ord(at(i + 1)) <= 126:
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        allowed = _RESERVED
        if stack and stack[-1].kind in ("code", "pre", "pre_code"):
            allowed = "`"
        if c not in allowed:
            out.append(c)
            u16 += 1 + (ord(c) > 0xFFFF)
            i += 1
            continue
        top = stack[-1] if stack else None
        ends = False
        if top is not None:
            kind = top.kind
            ends = (
                (kind == "bold" and c == "*")
                or (kind == "italic" and c == "_" and at(i + 1) != "_")
                or (kind == "code" and c == "`")
                or (kind in ("pre", "pre_code") and text[i : i + 3] == "```")
                or (kind in ("text_link", "custom_emoji") and c == "]")
                or (kind == "underline" and text[i : i + 2] == "__")
                or (kind == "strikethrough" and c == "~")
                or (kind == "spoiler" and text[i : i + 2] == "||")
            )
        if not ends:
            start_byte = byte_offset(text, i)
            argument = ""
            if c == "_":
                if at(i + 1) == "_":
                    kind, i = "underline", i + 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved(c)
                kind, i = "spoiler", i + 1
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if text[i : i + 3] == "```":
                    i += 3
                    kind = "pre"
                    lang_end = i
                    while at(lang_end) != "" and at(lang_end) not in " \t\r\n\v\f`":
                        lang_end += 1
                    if i != lang_end and at(lang_end) not in ("", "`"):
                        kind, argument, i = "pre_code", text[i:lang_end], lang_end
                    if at(i) in ("\n", "\r"):
                        i += 2 if at(i + 1) in ("\n", "\r") and at(i + 1) != at(i) else 1
                    stack.append(_Open(kind, argument, u16, start_byte, len(out)))
                    continue
                kind = "code"
            elif c == "!" and at(i + 1) == "[":
                kind, i = "custom_emoji", i + 1
            else:
                raise reserved(c)
            stack.append(_Open(kind, argument, u16, start_byte, len(out)))
            i += 1
            continue

        # End of the innermost entity.
        assert top is not None
        kind, argument = top.kind, top.argument
        skip = u16 == top.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                if kind == "custom_emoji":
                    raise ParseError("Custom emoji entity must contain a tg://emoji URL")
                url = "".join(out[top.begin :])
            else:
                i += 2
                url_begin = i
                parts: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and at(i + 1) != "" and 0 < ord(at(i + 1)) <= 126:
                        parts.append(text[i + 1])
                        i += 2
                        continue
                    parts.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise ParseError(f"Can't find end of a URL at byte offset {byte_offset(text, url_begin)}")
                url = "".join(parts)
            if kind == "custom_emoji":
                emoji = _EMOJI_LINK.match(url)
                if emoji is None:
                    raise ParseError("Custom emoji URL must have an emoji identifier")
                argument = emoji.group(1)
            else:
                user_match = _USER_LINK.match(url)
                if user_match is not None:
                    user = user_lookup(int(user_match.group(1))) if user_lookup else None
                    if user is None or skip:
                        skip = True
                    else:
                        entities.append(
                            {"type": "text_mention", "offset": top.offset, "length": u16 - top.offset, "user": user}
                        )
                        skip = True
                else:
                    checked = normalize_link(url)
                    if checked is None:
                        skip = True
                    else:
                        argument = checked
        if not skip:
            ent: Entity = {"type": kind, "offset": top.offset, "length": u16 - top.offset}
            if kind == "pre_code":
                ent["type"], ent["language"] = "pre", argument
            elif kind == "text_link":
                ent["url"] = argument
            elif kind == "custom_emoji":
                ent["custom_emoji_id"] = argument
            entities.append(ent)
        stack.pop()
        i += 1

    if stack:
        top = stack[-1]
        raise ParseError(f"Can't find end of {_TYPE_NAMES[top.kind]} entity at byte offset {top.byte}")
    close_quote()
    return "".join(out), sort_entities(entities)


def parse_markdown(text: str, user_lookup: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse the legacy Markdown mode (``*bold*``, ``_italic_``, backticks, ``[text](url)``)."""
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[Entity] = []
    i = 0
    while i < n:
        c = text[i]
        if c not in "_*`[":
            out.append(c)
            u16 += 1 + (ord(c) > 0xFFFF)
            i += 1
            continue
        start_byte = byte_offset(text, i)
        offset = u16
        if c == "[":
            close = text.find("]", i + 1)
            if close < 0:
                raise ParseError(f"Can't find end of the entity starting at byte offset {start_byte}")
            label = text[i + 1 : close]
            url = ""
            i = close + 1
            if i < n and text[i] == "(":
                end = text.find(")", i + 1)
                if end < 0:
                    raise ParseError(f"Can't find end of the entity starting at byte offset {start_byte}")
                url = text[i + 1 : end]
                i = end + 1
            out.append(label)
            u16 += utf16_len(label)
            user_match = _USER_LINK.match(url)
            if user_match is not None and user_lookup is not None and label:
                user = user_lookup(int(user_match.group(1)))
                if user is not None:
                    entities.append({"type": "text_mention", "offset": offset, "length": u16 - offset, "user": user})
                continue
            checked = normalize_link(url) if url else None
            if checked is not None and label:
                entities.append({"type": "text_link", "offset": offset, "length": u16 - offset, "url": checked})
            continue
        marker = "```" if text.startswith("```", i) else c
        i += len(marker)
        language = ""
        if marker == "```":
            line_end = text.find("\n", i)
            first = text[i:line_end] if line_end >= 0 else ""
            if line_end >= 0 and first and " " not in first and "`" not in first:
                language = first
                i = line_end + 1
        end = text.find(marker, i)
        if end < 0:
            raise ParseError(f"Can't find end of the entity starting at byte offset {start_byte}")
        inner = text[i:end]
        i = end + len(marker)
        out.append(inner)
        u16 += utf16_len(inner)
        if u16 > offset:
            kind = {"_": "italic", "*": "bold", "`": "code", "```": "pre"}[marker]
            ent: Entity = {"type": kind, "offset": offset, "length": u16 - offset}
            if language:
                ent["language"] = language
            entities.append(ent)
    return "".join(out), sort_entities(entities)
