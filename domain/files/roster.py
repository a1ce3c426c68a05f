"""The roster file: ``USN,NAME[,CLASS][,PARENT_PHONE]``, validated whole before any student is touched.

:func:`parse_roster` turns a :class:`~domain.files.table.Table` into clean rows (USN in upper case, the
class spelled as it is known, the parent's phone as ``+91…``) or raises
:class:`~domain.files.problems.FileProblems` listing every problem with its row and column. Names
are kept exactly as typed (HTML, right-to-left text, a leading ``=``): they are escaped where they
are shown, never changed. Columns the roster does not use (``SL NO``, ``EMAIL``) are ignored and
reported; rows whose roster columns are all blank (a template numbered to 60) are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from domain.errors import N_
from domain.files.detect import FIRST_NAME_ALIASES, NAME_ALIASES, USN_ALIASES
from domain.files.problems import (
    EXTRA_CELLS_SHEET,
    EXTRA_CELLS_TEXT,
    HEADER_AGAIN,
    SCIENTIFIC,
    HeaderMap,
    ProblemList,
    column_letter,
    delimiter_name,
    header_problems,
    ignored_columns,
    looks_scientific,
    map_header,
    normalise_header,
)
from domain.files.table import Table

USN_MAX = 32
NAME_MAX = 120
USN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9/-]{0,31}$")

ALIASES: dict[str, tuple[str, ...]] = {
    "USN": USN_ALIASES,
    "NAME": NAME_ALIASES,
    "FIRST_NAME": FIRST_NAME_ALIASES,
    "MIDDLE_NAME": ("MIDDLE NAME",),
    "LAST_NAME": ("LAST NAME", "SURNAME", "FAMILY NAME"),
    "CLASS": ("CLASS NAME", "CLASS SECTION", "CLASS/SECTION", "CLASS & SECTION", "CLASS AND SECTION", "SECTION",
              "DIVISION"),
    "PARENT_PHONE": (
        "PARENT PHONE NO", "PARENT PHONE NUMBER", "PARENT MOBILE", "PARENT MOBILE NO", "PARENT MOBILE NUMBER",
        "PARENTS PHONE", "PARENT'S PHONE", "PARENTS MOBILE", "PARENT'S MOBILE", "PARENT CONTACT",
        "PARENT CONTACT NO", "PARENT CONTACT NUMBER", "GUARDIAN PHONE", "GUARDIAN MOBILE", "FATHER MOBILE",
        "FATHER'S MOBILE", "FATHER PHONE", "MOTHER MOBILE", "MOTHER'S MOBILE", "MOTHER PHONE", "PHONE",
        "PHONE NO", "PHONE NUMBER", "MOBILE", "MOBILE NO", "MOBILE NUMBER", "CONTACT", "CONTACT NO",
        "CONTACT NUMBER", "WHATSAPP", "WHATSAPP NO", "WHATSAPP NUMBER",
    ),
}
ROSTER_COLUMNS = ("USN", "NAME", "CLASS", "PARENT_PHONE")

NO_STUDENTS = N_("The file has a header row but no students under it.")
USN_EMPTY = N_("The USN is empty.")
USN_TOO_LONG = N_("The USN {usn} has {length} characters; at most {limit} are allowed.")
USN_FIRST = N_("The USN {usn} must start with a letter A–Z or a digit 0–9.")
USN_CHARACTERS = N_("The USN {usn} contains {chars}; only letters A–Z, digits, / and - are allowed.")
USN_TWICE = N_("The USN {usn} is also in row {other}; each student must appear only once.")
NAME_EMPTY = N_("The name is empty.")
NAME_TOO_LONG = N_("The name has {length} characters; at most {limit} are allowed.")
CLASS_UNKNOWN = N_("There is no class {value}; your classes are {known}.")
CLASS_NONE_YET = N_("There is no class {value}, and there are no classes yet; create one with /newclass first.")
CLASS_EMPTY = N_("The class is empty; fill it in, or choose the class before sending the file.")
CLASS_COLUMN_MISSING = N_("The file has no CLASS column; add one, or choose the class before sending the file.")
PHONE_INVALID = N_("{value} is not a phone number: use 10 digits for an Indian mobile number, or + and the "
                   "country code (7 to 15 digits).")


@dataclass(frozen=True)
class RosterRow:
    row: int
    usn: str
    name: str
    class_name: str
    parent_phone: str | None


@dataclass
class RosterFile:
    rows: list[RosterRow]
    ignored_columns: list[str] = field(default_factory=list)


def roster_columns(header: Sequence[str]) -> HeaderMap:
    """Where the roster's columns are in a header row (aliases understood)."""
    return map_header(header, ALIASES)


def has_class_column(header: Sequence[str]) -> bool:
    """True when the header has a CLASS column under any of its names (``CLASS``, ``Section``…)."""
    return "CLASS" in roster_columns(header).index


def normalise_usn(text: str) -> str:
    """Trimmed, upper case, full-width characters as ASCII (``１cr24cs001`` → ``1CR24CS001``)."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def usn_problem(typed: str) -> tuple[str, dict[str, object]] | None:
    """Why ``typed`` is not a valid USN: ``(message id, params)`` naming it as typed, or None."""
    usn = normalise_usn(typed)
    shown = typed.strip()
    if not usn:
        return USN_EMPTY, {}
    if USN_PATTERN.match(usn):
        return None
    if looks_scientific(usn):
        return SCIENTIFIC, {"value": shown}
    if len(usn) > USN_MAX:
        return USN_TOO_LONG, {"usn": shown, "length": len(usn), "limit": USN_MAX}
    bad = [c for c in dict.fromkeys(usn[1:]) if not re.match(r"[A-Z0-9/-]", c)]
    if not re.match(r"[A-Z0-9]", usn[0]) and not bad:
        return USN_FIRST, {"usn": shown}
    if not re.match(r"[A-Z0-9]", usn[0]) and usn[0] not in bad:
        bad.insert(0, usn[0])
    return USN_CHARACTERS, {"usn": shown, "chars": " ".join(f"“{c}”" for c in bad)}


_PHONE_SEPARATORS = re.compile(r"[\s\-().]+")
NO_PHONE = frozenset({"-", "--", "–", "—", "NA", "N/A", "N.A.", "NIL", "NONE", "NOT AVAILABLE"})
"""What teachers type for "no number"; read as a blank cell."""


def normalise_phone(text: str) -> str | None:
    """A parent's phone number in one form, or None when it is not one.

    Spaces, dashes, dots and brackets are ignored; ``+`` or ``00`` starts a country code. Ten digits
    are an Indian number (``+91`` is added), as are eleven starting with the trunk ``0`` and twelve
    starting with ``91`` (Excel drops the ``+``). Other numbers need 7 to 15 digits and are kept with
    their ``+`` when they had one.
    """
    value = text.strip()
    plus = value.startswith("+")
    digits = _PHONE_SEPARATORS.sub("", value.removeprefix("+"))
    if not digits.isascii() or not digits.isdigit():
        return None
    if not plus and digits.startswith("00"):
        plus, digits = True, digits[2:]
    if plus:
        if digits.startswith("91") and len(digits) != 12:
            return None
        return "+" + digits if 7 <= len(digits) <= 15 else None
    if len(digits) == 10:
        return "+91" + digits
    if len(digits) == 11 and digits.startswith("0"):
        return "+91" + digits[1:]
    if len(digits) == 12 and digits.startswith("91"):
        return "+" + digits
    return digits if 7 <= len(digits) <= 15 else None


def _class_lookup(known: Collection[str]) -> dict[str, str]:
    """Case-insensitive, then separator-insensitive (``cse a`` → ``CSE-A``) when that is unambiguous."""
    lookup: dict[str, str] = {}
    loose: dict[str, list[str]] = {}
    for name in known:
        lookup.setdefault(" ".join(name.split()).casefold(), name)
        loose.setdefault(re.sub(r"[\s\-_./]+", "", name).casefold(), []).append(name)
    for key, names in loose.items():
        if len(names) == 1:
            lookup.setdefault(key, names[0])
    return lookup


def _find_class(value: str, lookup: dict[str, str]) -> str | None:
    return lookup.get(" ".join(value.split()).casefold()) or lookup.get(re.sub(r"[\s\-_./]+", "", value).casefold())


def parse_roster(table: Table, *, known_classes: Collection[str], default_class: str | None = None) -> RosterFile:
    """Validate a roster table whole; return its rows or raise ``FileProblems`` with every problem.

    ``known_classes`` are the organization's classes; a CLASS cell matches one case-insensitively (and
    ignoring spaces and dashes when that is unambiguous) and the row gets the known spelling.
    ``default_class`` (the class chosen in the chat) is used where the CLASS column is missing or blank;
    it is matched against ``known_classes`` the same way.
    """
    cols = roster_columns(table.header)
    problems = ProblemList(columns=[*table.header, *ROSTER_COLUMNS])
    has_name = "NAME" in cols.index or any(n in cols.index for n in ("FIRST_NAME", "LAST_NAME"))
    header_problems(cols, ["USN"] if has_name else ["USN", "NAME"], problems, header_row=table.header_row,
                    needs="USN, NAME")
    if "CLASS" not in cols.index and default_class is None:
        problems.add(None, "CLASS", None, CLASS_COLUMN_MISSING)
    used = set(cols.index.values())
    for part in ("FIRST_NAME", "MIDDLE_NAME", "LAST_NAME"):
        if "NAME" in cols.index and part in cols.index:  # NAME wins; the parts are not read
            used.discard(cols.index[part])
    header_again = [normalise_header(h) for h in table.header]
    lookup = _class_lookup(known_classes)
    known_list = ", ".join(sorted(known_classes)[:20]) + (" …" if len(known_classes) > 20 else "")
    default = _find_class(default_class, lookup) if default_class is not None else None
    default_told = False

    def unknown_class(row: int | None, typed: str) -> None:
        column = cols.column("CLASS")
        if known_classes:
            problems.add(row, column, typed, CLASS_UNKNOWN, value=typed, known=known_list)
        else:
            problems.add(row, column, typed, CLASS_NONE_YET, value=typed)
    width = len(table.header)
    seen: dict[str, int] = {}
    out: list[RosterRow] = []
    candidates = 0
    usn_col, name_col = cols.get("USN"), cols.get("NAME")
    class_col, phone_col = cols.get("CLASS"), cols.get("PARENT_PHONE")
    part_cols = [cols.get(n) for n in ("FIRST_NAME", "MIDDLE_NAME", "LAST_NAME")]
    for row in table.rows:
        extra = [i for i in range(width, len(row.cells)) if row.cells[i]]
        if not any(row.cell(i) for i in used) and not extra:
            continue  # a blank template row, numbered but empty
        candidates += 1
        if [normalise_header(c) for c in row.cells[:width]] == header_again:
            problems.add(row.number, None, None, HEADER_AGAIN)
            continue
        ok = True
        if extra:
            ok = False
            if table.kind == "csv":
                problems.add(row.number, None, None, EXTRA_CELLS_TEXT, delimiter=delimiter_name(table.delimiter))
            else:
                letter = column_letter(extra[0])
                problems.add(row.number, letter, row.cells[extra[0]], EXTRA_CELLS_SHEET, letter=letter)

        usn = normalise_usn(row.cell(usn_col))
        if usn_col is not None:
            column = cols.column("USN")
            why = usn_problem(row.cell(usn_col))
            if why is not None:
                ok = False
                problems.add(row.number, column, row.cell(usn_col), why[0], **why[1])
            elif usn in seen:
                ok = False
                problems.add(row.number, column, row.cell(usn_col), USN_TWICE, usn=usn, other=seen[usn])
            else:
                seen[usn] = row.number

        if name_col is not None:
            name = row.cell(name_col)
            name_column = cols.column("NAME")
        else:
            name = " ".join(row.cell(i) for i in part_cols if row.cell(i))
            name_column = cols.column("FIRST_NAME") if "FIRST_NAME" in cols.index else cols.column("LAST_NAME")
        if has_name:
            if not name:
                ok = False
                problems.add(row.number, name_column, "", NAME_EMPTY)
            elif len(name) > NAME_MAX:
                ok = False
                problems.add(row.number, name_column, name, NAME_TOO_LONG, length=len(name), limit=NAME_MAX)

        typed = row.cell(class_col)
        class_name: str | None = None
        if typed:
            class_name = _find_class(typed, lookup)
            if class_name is None:
                ok = False
                unknown_class(row.number, typed)
        elif default_class is None:
            if class_col is not None:
                ok = False
                problems.add(row.number, cols.column("CLASS"), "", CLASS_EMPTY)
        elif default is None:
            ok = False
            if not default_told:  # the class chosen in the chat is not known: say it once
                default_told = True
                unknown_class(None, default_class)
        else:
            class_name = default

        phone: str | None = None
        typed_phone = row.cell(phone_col)
        if typed_phone and typed_phone.upper() not in NO_PHONE:
            phone = normalise_phone(typed_phone)
            if phone is None:
                ok = False
                message = SCIENTIFIC if looks_scientific(typed_phone) else PHONE_INVALID
                problems.add(row.number, cols.column("PARENT_PHONE"), typed_phone, message, value=typed_phone)

        if ok and usn and name and class_name is not None:
            out.append(RosterRow(row.number, usn, name, class_name, phone))
    if candidates == 0 and usn_col is not None:
        problems.add(table.header_row, None, None, NO_STUDENTS)
    problems.raise_if_any()
    return RosterFile(out, ignored_columns=ignored_columns(table, used))
