"""Turning domain results into text in the reader's language (for messages sent by workers)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import translate_plain as plain
from domain.errors import N_
from domain.files.problems import Problem
from domain.reports.xlsx import csv_bytes

SHOWN_PROBLEMS = 20


def problem_line(p: Problem, language: str) -> str:
    """One problem as a sentence naming its place: row, column and value when known (plain text)."""
    what = plain(p.message, language, **p.params) if p.params else plain(p.message, language)
    where = []
    if p.row is not None:
        where.append(plain(N_("row {row}"), language, row=p.row))
    if p.column:
        where.append(plain(N_("column {column}"), language, column=p.column))
    prefix = ", ".join(where)
    return f"{prefix}: {what}" if prefix else what


def problems_block(problems: Sequence[Problem], language: str) -> str:
    lines = [f"• {problem_line(p, language)}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(plain(N_("…and {more} more: all of them are in the attached file."), language,
                               more=len(problems) - SHOWN_PROBLEMS))
    return "\n".join(lines)


def problems_csv(problems: Sequence[Problem], language: str) -> bytes:
    rows = [[p.row or "", p.column or "", p.value or "",
             plain(p.message, language, **p.params) if p.params else plain(p.message, language)]
            for p in problems]
    return csv_bytes(["ROW", "COLUMN", "VALUE", "PROBLEM"], rows)
