"""Telegram's HTML parse mode, following TDLib's ``parse_html`` step by step.

The accepted tags, attribute syntax, entity references and every error message (with its UTF-8
byte offset) are those of TDLib, so a bot gets the same ``can't parse entities: ...`` refusal it
would get from Telegram.
"""

from __future__ import annotations

import re

from sandbox.text import Entity, ParseError, UserLookup, byte_offset, normalize_link, sort_entities, utf16_len

_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_SPACE = frozenset(" \t\r\n\v\f")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.I)
_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}


def _is_space(ch: str) -> bool:
    # TDLib's is_space() is also true for the terminating NUL, modelled here by "".
    return ch == "" or ch in _SPACE


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == '&'``: (character, next position)."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        code = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and text[end].isascii() and text[end].isdigit():
                code = code * 10 + int(text[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


class _Open:
    __slots__ = ("argument", "begin", "offset", "tag")

    def __init__(self, tag: str, argument: str, offset: int, begin: int) -> None:
        self.tag = tag
        self.argument = argument
        self.offset = offset  # UTF-16 offset in the result
        self.begin = begin  # index in the result (list of pieces joined later)


def parse_html(text: str, user_lookup: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML: the plain text and its entities, or :class:`ParseError`."""
    n = len(text)
    out: list[str] = []
    out_len = 0  # characters appended so far (for <a> without href)
    u16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    surrogate = False

    def at(k: int) -> str:
        return text[k] if k < n else ""

    def err(msg: str) -> ParseError:
        return ParseError(msg)

    i = 0
    while i < n:
        # Fast path: copy the run of plain characters up to the next '<' or '&'.
        j = i
        while j < n and text[j] != "<" and text[j] != "&":
            j += 1
        if j > i:
            chunk = text[i:j]
            out.append(chunk)
            out_len += len(chunk)
            u16 += utf16_len(chunk)
            i = j
            if i >= n:
                break
        c = text[i]
        if c == "&":
            decoded = decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                if 0xD800 <= ord(char) <= 0xDFFF:
                    surrogate = True
                out.append(char)
                out_len += 1
                u16 += 1 + (ord(char) > 0xFFFF)
            else:
                out.append("&")
                out_len += 1
                u16 += 1
                i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if at(i) == "":
                raise err(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _TAGS:
                raise err(f'Unsupported start tag "{tag}" at byte offset {byte_offset(text, begin)}')
            argument = ""
            while at(i) != ">":
                while at(i) != "" and _is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) not in ("=", ">", "/", '"', "'"):
                    i += 1
                name = text[name_begin:i]
                if not name:
                    raise err(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(text, begin)}')
                while at(i) != "" and _is_space(at(i)):
                    i += 1
                if at(i) != "=":
                    if at(i) == "":
                        raise err(f'Unclosed start tag "{tag}" at byte offset {byte_offset(text, begin)}')
                    if tag == "blockquote" and name == "expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != "" and _is_space(at(i)):
                    i += 1
                if at(i) == "":
                    raise err(f'Unclosed start tag "{tag}" at byte offset {byte_offset(text, begin)}')
                if at(i) not in ("'", '"'):
                    token_begin = i
                    while at(i) != "" and (at(i).isascii() and (at(i).isalnum() or at(i) in ".-")):
                        i += 1
                    value = text[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ">":
                        raise err(f"Unexpected end of name token at byte offset {byte_offset(text, token_begin)}")
                else:
                    quote = text[i]
                    i += 1
                    parts: list[str] = []
                    while at(i) != quote and at(i) != "":
                        if text[i] == "&":
                            decoded = decode_entity(text, i)
                            if decoded is not None:
                                parts.append(decoded[0])
                                i = decoded[1]
                                continue
                        parts.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(parts)
                if at(i) == "":
                    raise err(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif (tag == "tg-emoji" and name == "emoji-id") or (tag == "blockquote" and name == "expandable"):
                    argument = value if tag == "tg-emoji" else "1"
            if tag == "span" and argument != "spoiler":
                raise err(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(text, begin)}')
            stack.append(_Open(tag, argument, u16, out_len))
            i += 1  # skip '>'
            continue

        # An end tag.
        if not stack:
            raise err(f"Unexpected end tag at byte offset {byte_offset(text, begin)}")
        while not _is_space(at(i)) and at(i) != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while _is_space(at(i)) and at(i) != "":
            i += 1
        if at(i) != ">":
            raise err(f"Unclosed end tag at byte offset {byte_offset(text, begin)}")
        top = stack[-1]
        if end_name and end_name != top.tag:
            raise err(
                f'Unmatched end tag at byte offset {byte_offset(text, begin)}, expected "</{top.tag}>", '
                f'found "</{end_name}>"'
            )
        if u16 > top.offset:
            _close(top, u16, entities, out, user_lookup)
        stack.pop()
        i += 1  # skip '>'

    if stack:
        raise err(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    if surrogate:
        raise err(
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units"
        )
    for ent in entities:
        ent.pop("_code_language", None)
    return "".join(out), sort_entities(entities)


def _close(top: _Open, u16: int, entities: list[Entity], out: list[str], user_lookup: UserLookup | None) -> None:
    offset, length, tag = top.offset, u16 - top.offset, top.tag
    simple = _SIMPLE.get(tag)
    if simple is not None or (tag == "span" and top.argument == "spoiler"):
        entities.append({"type": simple or "spoiler", "offset": offset, "length": length})
    elif tag == "tg-emoji":
        emoji_id = top.argument
        if not emoji_id.isdigit() or int(emoji_id) == 0 or int(emoji_id) >= 2**63:
            raise ParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": emoji_id})
    elif tag == "a":
        url = top.argument or "".join(out)[top.begin :]
        user_match = _USER_LINK.match(url)
        if user_match is not None:
            user = user_lookup(int(user_match.group(1))) if user_lookup else None
            if user is not None:
                entities.append({"type": "text_mention", "offset": offset, "length": length, "user": user})
            return
        checked = normalize_link(url)
        if checked is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": checked})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("_code_language")
        ):
            last["type"] = "pre"
            last["language"] = last.pop("_code_language")
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
            and top.argument
            and "language" not in last
        ):
            last["language"] = top.argument
        else:
            ent: Entity = {"type": "code", "offset": offset, "length": length}
            if top.argument:
                ent["_code_language"] = top.argument
            entities.append(ent)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if top.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` for Telegram HTML (what ``html.escape`` without quotes does)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
