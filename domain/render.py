"""Pure text helpers shared by the bot and the workers: escaping and Telegram-sized pieces."""

from __future__ import annotations

import html

TELEGRAM_TEXT_LIMIT = 4096


def esc(value: object) -> str:
    """HTML-escape any user-provided value for Telegram's HTML parse mode."""
    return html.escape(str(value), quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-16 units, on line boundaries when possible.

    A single line longer than the limit is cut at a space, or hard-cut as a last resort. Pieces are
    never empty. (Callers must not split inside an HTML tag: keep tags within one line.)
    """
    if utf16_len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = line if not current else current + "\n" + line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
            current = ""
        while utf16_len(line) > limit:
            cut = _cut_point(line, limit)
            pieces.append(line[:cut].rstrip() or line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _cut_point(line: str, limit: int) -> int:
    """The largest index whose prefix fits ``limit`` UTF-16 units, moved back to a space if one is near."""
    units = 0
    fit = 0
    for i, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        fit = i + 1
    space = line.rfind(" ", 0, fit)
    return space if space > fit // 2 else max(fit, 1)
