"""An organization's holidays, sent by its admin as a file and validated whole before the calendar changes.

The format::

    DATE,NAME
    2026-11-24,Guru Nanak Jayanti
    2026-12-25,Christmas

:func:`parse_holidays` turns a :class:`~domain.files.table.Table` into one :class:`HolidayRow` per
holiday, in the file's order, or raises :class:`~domain.files.problems.FileProblems` listing every
problem with its row (as Excel shows it), column (as the header spells it) and value.

Columns. DATE and NAME are required and found under their usual names too: ``Holiday Date``,
``Date of the Holiday``, ``Date (dd/mm/yyyy)``; ``Holiday``, ``Holiday Name``, ``Occasion``,
``Festival``, ``Name of the Festival``, ``Description``, ``Particulars`` (the lists are
:data:`~domain.files.detect.HOLIDAY_DATE_ALIASES` and :data:`~domain.files.detect.HOLIDAY_NAME_ALIASES`,
plus ``Particulars`` here only: with DATE it also heads an account statement, so it does not make a
file a holidays file). ``Day`` is never the date: in an Indian holiday list it is the weekday. Any
other column (``SL NO``, ``DAY``, ``REMARKS``) is ignored and reported in
:attr:`HolidaysFile.ignored_columns`.

DATE. The day is read in these forms (digits of any script, such as Devanagari, are read as 0–9):

- ISO, year first: ``2026-11-24`` (also ``2026/11/24``, ``2026.11.24``). An Excel date cell comes
  out of :func:`~domain.files.table.read_table` in this form; a time after it (``2026-11-24 00:00``,
  a date-and-time cell) is dropped.
- Day first, as India writes dates: ``24/11/2026``, ``24-11-2026``, ``24.11.2026``, and with a
  two-digit year ``24/11/26`` (read as 2026: a two-digit year is 2000 + YY).
- With the month's name, in English (``Nov``, ``Sept``, ``November``) or Hindi (``नवंबर``):
  ``24 Nov 2026``, ``24-Nov-2026``, ``24-Nov-26``, ``24th November, 2026``, ``November 24, 2026``.
- An Excel serial day number (``46350``, five digits, a fraction of a day dropped): a date whose
  cell lost its date format. It is counted in Excel's 1900 date system, as Excel for Windows does.
- Any of these with the weekday before or after it (``Tuesday, 24 November 2026``, ``24/11/2026 (Tue)``);
  the weekday must be the date's, so a typo in either shows.

Month first is never guessed: ``11/24/2026`` is refused with the date written day first, because
``03/04/2026`` cannot be told apart and is read as 3 April. An impossible date (``31/02/2026``) is
refused naming the month's length; a date without a year (``24/11``), a range of days in one cell
(``20/10/2026 to 24/10/2026``: one row for each day) and anything else are refused as such.

A date must be from :data:`PAST_YEARS` year before ``today`` to :data:`FUTURE_YEARS` years after it
(both included). A holiday list for the academic year may hold days already past, but one more than
a year old, or years ahead, is a typo in the year (``2062``, ``2016``) or last year's file.

NAME. Not empty; runs of spaces and line breaks are one space; at most :data:`NAME_MAX` characters
after that. The name is otherwise kept as typed (it is escaped where it is shown).

Rows. Each date appears once: the organization has one holiday a day. A second row with the same
date and another name is a problem naming the first row (a day with two occasions is one row, with
both names in it). A second row with the same date and the same name (ignoring case and spacing) is a
harmless copy, not a problem: it is skipped and listed in :attr:`HolidaysFile.repeated` as
``(row, the row it repeats)``, so the bot can say so. Blank rows are skipped, and so is a count under
the list (a row saying ``Total`` or ``Total holidays`` with the DATE, or the NAME, empty or a number).
A row repeating the header, and a row with values beyond the header's columns (a comma inside an
unquoted name), are refused; title rows above the header are skipped by
:func:`~domain.files.table.read_table`. A file with a header and no holiday under it is refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from domain.errors import N_
from domain.files.detect import HOLIDAY_DATE_ALIASES, HOLIDAY_NAME_ALIASES
from domain.files.problems import (
    HEADER_AGAIN,
    ProblemList,
    extra_cells_problem,
    header_problems,
    ignored_columns,
    map_header,
    normalise_header,
)
from domain.files.roster import NAME_TOO_LONG
from domain.files.table import Table

NAME_MAX = 200
PAST_YEARS = 1  # a date may be this many years before today (DATE_TOO_OLD says "a year")
FUTURE_YEARS = 5  # and this many years after it
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial day 0 of Excel's 1900 date system (its false 29 Feb 1900 kept)

ALIASES: dict[str, tuple[str, ...]] = {
    "DATE": HOLIDAY_DATE_ALIASES,
    "NAME": (*HOLIDAY_NAME_ALIASES, "PARTICULARS"),
}
REQUIRED = ("DATE", "NAME")

MONTHS: dict[str, int] = {
    "JAN": 1, "JANUARY": 1, "FEB": 2, "FEBRUARY": 2, "MAR": 3, "MARCH": 3, "APR": 4, "APRIL": 4, "MAY": 5,
    "JUN": 6, "JUNE": 6, "JUL": 7, "JULY": 7, "AUG": 8, "AUGUST": 8, "SEP": 9, "SEPT": 9, "SEPTEMBER": 9,
    "OCT": 10, "OCTOBER": 10, "NOV": 11, "NOVEMBER": 11, "DEC": 12, "DECEMBER": 12,
    # Hindi
    "जनवरी": 1, "फरवरी": 2, "फ़रवरी": 2, "मार्च": 3, "अप्रैल": 4, "अप्रेल": 4, "मई": 5, "जून": 6, "जुलाई": 7,
    "अगस्त": 8, "सितंबर": 9, "सितम्बर": 9, "अक्टूबर": 10, "अक्तूबर": 10, "नवंबर": 11, "नवम्बर": 11,
    "दिसंबर": 12, "दिसम्बर": 12,
}
"""Month names (upper case for English) → 1–12."""

WEEKDAYS: dict[str, int] = {
    "MON": 0, "MONDAY": 0, "TUE": 1, "TUES": 1, "TUESDAY": 1, "WED": 2, "WEDNESDAY": 2, "THU": 3, "THUR": 3,
    "THURS": 3, "THURSDAY": 3, "FRI": 4, "FRIDAY": 4, "SAT": 5, "SATURDAY": 5, "SUN": 6, "SUNDAY": 6,
    # Hindi
    "सोमवार": 0, "मंगलवार": 1, "बुधवार": 2, "गुरुवार": 3, "बृहस्पतिवार": 3, "शुक्रवार": 4, "शनिवार": 5,
    "रविवार": 6,
}
"""Weekday names (upper case for English) → 0 Monday … 6 Sunday, as :meth:`datetime.date.weekday` counts."""

NO_HOLIDAYS = N_("The file has a header row but no holidays under it.")
DATE_EMPTY = N_("The date is empty; write it as day/month/year, such as 24/11/2026.")
DATE_EMPTY_NAMED = N_("The date of {name} is empty; write it as day/month/year, such as 24/11/2026.")
DATE_UNKNOWN = N_("{value} is not a date; write it as day/month/year, such as 24/11/2026, or as 2026-11-24.")
DATE_MONTH_FIRST = N_("{value} is not a date as day/month/year: there is no month {month}. Write the day first: "
                      "{fixed}.")
DATE_NO_MONTH = N_("{value} is not a date: there is no month {month}; write it as day/month/year, such as "
                   "24/11/2026.")
DATE_IMPOSSIBLE = N_("{value} is not a date: month {month} of {year} has {days} days.")
DATE_NO_YEAR = N_("{value} has no year; write the whole date as day/month/year, such as 24/11/2026.")
DATE_RANGE = N_("{value} is a range of days; write each day of it in its own row.")
DATE_WEEKDAY = N_("{value} does not add up: {date} is not a {weekday}; correct the date or the day.")
DATE_TOO_OLD = N_("{value} is more than a year in the past; check the year (the earliest date accepted is "
                  "{earliest}).")
DATE_TOO_FAR = N_("{value} is more than {years} years ahead; check the year (the latest date accepted is {latest}).")
DATE_TWICE = N_("The date {date} is also in row {other}; each day may appear only once (a day with two occasions is "
                "one row with both names, such as “Diwali / Kali Puja”).")
NAME_EMPTY = N_("The name of the holiday on {date} is empty.")
NAME_EMPTY_NO_DATE = N_("The name of the holiday is empty.")


@dataclass(frozen=True)
class HolidayRow:
    """One holiday: the file row it is in (as Excel shows it), its day, and its name (spaces collapsed)."""

    row: int
    day: dt.date
    name: str


@dataclass(frozen=True)
class HolidaysFile:
    rows: tuple[HolidayRow, ...]  # in the file's order
    ignored_columns: tuple[str, ...] = ()  # header columns not read, as the header spells them
    repeated: tuple[tuple[int, int], ...] = ()  # (row, the earlier row it copies): skipped, not a problem


Verdict = tuple[dt.date | None, str | None, dict[str, Any]]
"""``(day, None, {})`` for a date; ``(None, message id, params)`` saying why a cell is not one."""

_SEP = r"[\s\-/.,]*"
_ORDINAL = r"(?:ST|ND|RD|TH)?"
_WORD = r"([^\s\d\-/.,()]+)"  # a month's or a weekday's name (Hindi vowel signs are not \w)
_ISO = re.compile(r"^(\d{4})\s*([\-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*([\-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_NAMED_DAY_FIRST = re.compile(rf"^(\d{{1,2}}){_ORDINAL}{_SEP}{_WORD}{_SEP}(\d{{4}}|\d{{2}})$")
_NAMED_MONTH_FIRST = re.compile(rf"^{_WORD}{_SEP}(\d{{1,2}}){_ORDINAL}{_SEP}(\d{{4}}|\d{{2}})$")
_NO_YEAR = re.compile(rf"^(?:\d{{1,2}}\s*[\-/.]\s*\d{{1,2}}|\d{{1,2}}{_ORDINAL}{_SEP}{_WORD}\.?|{_WORD}{_SEP}"
                      rf"\d{{1,2}}{_ORDINAL})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_TIME = re.compile(r"(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]\.?M\.?)?$")
_RANGE = re.compile(r"\s+(?:TO|TILL|UNTIL|UPTO|UP TO|-)\s+|\s*[–—]\s*")
_LEADING_WEEKDAY = re.compile(rf"^{_WORD}\.?[\s,]+(.+)$")
_TRAILING_WEEKDAY = re.compile(rf"^(.+?)[\s,]*[\s,(]\s*{_WORD}\.?\s*\)?$")
_TOTAL = re.compile(r"^TOTAL(?: NO)?(?: OF)?(?: HOLIDAYS?| DAYS)?$")


def _plain(text: str) -> str:
    """A cell as comparable text: NFKC, digits of any script as 0–9, upper case, trimmed."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value.isascii():
        value = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in value)
    return value.upper()


def show_date(day: dt.date) -> str:
    """A day as messages write it, day first: ``24/11/2026``."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _year(typed: str) -> int:
    return 2000 + int(typed) if len(typed) == 2 else int(typed)


def _day(year: int, month: int, day: int, shown: str) -> Verdict:
    """The date of these numbers, or why there is none."""
    if not 1 <= month <= 12:
        return None, DATE_NO_MONTH, {"value": shown, "month": month}
    if year < 1 or day < 1:
        return None, DATE_UNKNOWN, {"value": shown}
    days = calendar.monthrange(year, month)[1]
    if day > days:
        return None, DATE_IMPOSSIBLE, {"value": shown, "month": month, "year": year, "days": days}
    return dt.date(year, month, day), None, {}


def _read(value: str, shown: str) -> Verdict:
    """A date without a weekday (``value`` as :func:`_plain` gives it), or why not."""
    value = _TIME.sub("", value).strip()
    if match := _ISO.match(value):
        return _day(int(match.group(1)), int(match.group(3)), int(match.group(4)), shown)
    if match := _SERIAL.match(value):
        return EXCEL_EPOCH + dt.timedelta(days=int(match.group(1))), None, {}
    if match := _DAY_FIRST.match(value):
        day, separator, month, year = match.groups()
        if int(month) > 12 and 1 <= int(day) <= 12:
            swapped, _message, _params = _day(_year(year), int(day), int(month), shown)
            if swapped is not None:  # month first: say how it is written day first
                return None, DATE_MONTH_FIRST, {"value": shown, "month": int(month),
                                                "fixed": separator.join((month, day, year))}
        return _day(_year(year), int(month), int(day), shown)
    if (match := _NAMED_DAY_FIRST.match(value)) and match.group(2) in MONTHS:
        return _day(_year(match.group(3)), MONTHS[match.group(2)], int(match.group(1)), shown)
    if (match := _NAMED_MONTH_FIRST.match(value)) and match.group(1) in MONTHS:
        return _day(_year(match.group(3)), MONTHS[match.group(1)], int(match.group(2)), shown)
    if (match := _NO_YEAR.match(value)) and all(w is None or w in MONTHS for w in match.groups()):
        return None, DATE_NO_YEAR, {"value": shown}
    return None, DATE_UNKNOWN, {"value": shown}


def _weekday(value: str) -> tuple[str, int | None, str]:
    """``(the date's text, the weekday named before or after it or None, the weekday as typed)``."""
    for pattern, word, rest in ((_LEADING_WEEKDAY, 1, 2), (_TRAILING_WEEKDAY, 2, 1)):
        match = pattern.match(value)
        if match and match.group(word) in WEEKDAYS:
            return match.group(rest).strip(" ,-("), WEEKDAYS[match.group(word)], match.group(word)
    return value, None, ""


def _starts_a_date(text: str) -> bool:
    """True when ``text`` begins as a date may: a digit, or a month's or a weekday's name."""
    first = re.split(r"[\s\-/.,()]+", text, maxsplit=1)[0]
    return first[:1].isdigit() or first in MONTHS or first in WEEKDAYS


def read_date(text: str) -> Verdict:
    """A DATE cell: ``(day, None, {})``, or ``(None, message id, params)`` saying why it is not a date.

    ``24/11/2026``, ``24-11-26``, ``2026-11-24``, ``24 Nov 2026``, ``November 24, 2026``, ``46350`` and
    ``Tuesday, 24 November 2026`` are 24 November 2026; ``11/24/2026`` (month first), ``31/02/2026``,
    ``24/11`` and ``20/10/2026 to 24/10/2026`` are refused, each with its own sentence.
    """
    shown = text.strip()
    value = _plain(text)
    if not value:
        return None, DATE_EMPTY, {}
    parts = _RANGE.split(value)
    if len(parts) == 2 and _starts_a_date(parts[0]) and _read(_weekday(parts[1])[0], shown)[0] is not None:
        return None, DATE_RANGE, {"value": shown}
    rest, weekday, typed_weekday = _weekday(value)
    day, message, params = _read(rest, shown)
    if day is not None and weekday is not None and day.weekday() != weekday:
        word = next((w for w in re.split(r"[\s,()\-.]+", shown) if _plain(w) == typed_weekday), typed_weekday)
        return None, DATE_WEEKDAY, {"value": shown, "date": show_date(day), "weekday": word}
    return day, message, params


def _years_from(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier, when negative); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _is_total(text: str) -> bool:
    return bool(_TOTAL.match(normalise_header(text)))


def _is_count(text: str) -> bool:
    return not text or (text.isdigit() and len(text) <= 3)


def parse_holidays(table: Table, *, today: dt.date | None = None) -> HolidaysFile:
    """Validate a holidays file whole; return its holidays or raise ``FileProblems`` with every problem.

    ``today`` (the organization's date; the server's when None) sets the window of accepted dates:
    from :data:`PAST_YEARS` year before it to :data:`FUTURE_YEARS` years after it.
    """
    today = today or dt.date.today()
    earliest, latest = _years_from(today, -PAST_YEARS), _years_from(today, FUTURE_YEARS)
    cols = map_header(table.header, ALIASES)
    problems = ProblemList(columns=[*table.header, *REQUIRED])
    header_problems(cols, REQUIRED, problems, header_row=table.header_row)
    used = set(cols.index.values())
    date_col, name_col = cols.get("DATE"), cols.get("NAME")
    date_column, name_column = cols.column("DATE"), cols.column("NAME")
    width = len(table.header)
    header_again = [normalise_header(h) for h in table.header]
    seen: dict[dt.date, tuple[int, str]] = {}  # day → (its first row, its name's comparable form)
    out: list[HolidayRow] = []
    repeated: list[tuple[int, int]] = []
    candidates = 0
    for row in table.rows:
        cells = row.cells
        extra = any(cells[i] for i in range(width, len(cells)))
        if not extra and not any(row.cell(i) for i in used):
            continue  # a blank row
        typed_date, typed_name = row.cell(date_col), row.cell(name_col)
        if (_is_total(typed_name) and _is_count(typed_date)) or (_is_total(typed_date) and _is_count(typed_name)):
            continue  # the count of holidays under the list: derived, not data
        candidates += 1
        if [normalise_header(c) for c in cells[:width]] == header_again:
            problems.add(row.number, None, None, HEADER_AGAIN)
            continue
        if extra_cells_problem(table, row.number, cells, problems):
            continue  # the cells after the stray value are shifted: checking them would only mislead

        name = " ".join(typed_name.split())
        key = name.casefold()
        day, message, params = read_date(typed_date) if date_col is not None else (None, None, {})
        earlier = seen.get(day) if day is not None else None
        if earlier is not None and name and earlier[1] == key:
            repeated.append((row.number, earlier[0]))  # the same holiday again: a harmless copy
            continue
        ok = True

        if date_col is not None:
            if message is not None:
                ok = False
                if message == DATE_EMPTY and name:
                    problems.add(row.number, date_column, "", DATE_EMPTY_NAMED, name=name)
                else:
                    problems.add(row.number, date_column, typed_date, message, **params)
            elif day is not None and day < earliest:
                ok = False
                problems.add(row.number, date_column, typed_date, DATE_TOO_OLD, value=typed_date,
                             earliest=show_date(earliest))
            elif day is not None and day > latest:
                ok = False
                problems.add(row.number, date_column, typed_date, DATE_TOO_FAR, value=typed_date, years=FUTURE_YEARS,
                             latest=show_date(latest))
            if earlier is not None:
                ok = False
                problems.add(row.number, date_column, typed_date, DATE_TWICE, date=typed_date, other=earlier[0])
            elif day is not None:
                seen[day] = (row.number, key)

        if name_col is not None:
            if not name:
                ok = False
                if day is not None:
                    problems.add(row.number, name_column, "", NAME_EMPTY, date=show_date(day))
                else:
                    problems.add(row.number, name_column, "", NAME_EMPTY_NO_DATE)
            elif len(name) > NAME_MAX:
                ok = False
                problems.add(row.number, name_column, typed_name, NAME_TOO_LONG, length=len(name), limit=NAME_MAX)

        if ok and day is not None and name:
            out.append(HolidayRow(row.number, day, name))
    if candidates == 0 and date_col is not None:
        problems.add(table.header_row, None, None, NO_HOLIDAYS)
    problems.raise_if_any()
    return HolidaysFile(tuple(out), ignored_columns=tuple(ignored_columns(table, used)), repeated=tuple(repeated))


__all__ = [
    "FUTURE_YEARS",
    "NAME_MAX",
    "PAST_YEARS",
    "HolidayRow",
    "HolidaysFile",
    "parse_holidays",
    "read_date",
    "show_date",
]
