"""Problems found in a teacher's file, and the header checks every file kind shares.

A file is applied whole or not at all, so a validator collects *every* problem (row, column, the value
as typed, and a gettext message id with ``{placeholders}``) and raises :class:`FileProblems` once.
The header helpers map the many ways teachers spell a column (``Student Name``, ``STUDENT_NAME``) to
one canonical name, and report missing and repeated columns. :func:`check_number` is the shared rule
for numeric cells (marks, MAX): negative numbers and formulas are named as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from domain.errors import N_, Invalid

if TYPE_CHECKING:
    from domain.files.table import Table

MAX_PROBLEMS = 5000  # kept per file; the rest are counted but not listed

FILE_HAS_PROBLEMS = N_("Problems found: {count}. Nothing from this file was saved; correct them and send the whole "
                       "file again.")
MISSING_COLUMN = N_("The column {column} is missing; the header row needs {required}.")
REPEATED_COLUMN = N_("The column {column} appears more than once (columns {letters}); keep only one of them.")
EXTRA_CELLS_TEXT = N_("This row has more values than the header has columns; a value that contains {delimiter} "
                      "must be in double quotes.")
EXTRA_CELLS_SHEET = N_("Column {letter} has a value in this row but no header.")
HEADER_AGAIN = N_("This row repeats the header; delete it.")
NOT_A_NUMBER = N_("{value} is not a number.")
NEGATIVE_NUMBER = N_("{value} is negative; only zero or more is allowed.")
FORMULA_NOT_NUMBER = N_("{value} is a formula, not a number; type the number itself.")
SCIENTIFIC = N_("{value} looks like a number Excel turned into scientific notation; format the column as Text, "
                "type the value again and save.")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet program treat a cell as a formula."""

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?E[+-]?\d+$", re.IGNORECASE | re.ASCII)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)


@dataclass(frozen=True)
class Problem:
    """One problem: where (``row`` as the teacher sees it, ``column`` as its header reads) and what.

    ``row`` is None for a problem of the whole file (a missing column); ``column`` is None for a problem
    of a whole row. ``message`` is a gettext message id; ``params`` fill its placeholders.
    """

    row: int | None
    column: str | None
    value: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def text(self) -> str:
        """The sentence in English with its placeholders filled (for logs and tests)."""
        return self.message.format(**self.params) if self.params else self.message


class FileProblems(Invalid):
    """The file was refused because of the problems listed, sorted by row, then column (file order)."""

    def __init__(self, problems: Iterable[Problem], *, columns: Sequence[str] = (), more: int = 0) -> None:
        order = {name: i for i, name in reversed(list(enumerate(columns)))}
        self.problems: list[Problem] = sorted(
            problems,
            key=lambda p: (
                -1 if p.row is None else p.row,
                -1 if p.column is None else order.get(p.column, len(order)),
                p.column or "",
            ),
        )
        self.more = more  # problems found beyond MAX_PROBLEMS, not listed
        total = len(self.problems) + more
        super().__init__(FILE_HAS_PROBLEMS, count=f"{total}" if not more else f"{len(self.problems)}+")


class ProblemList:
    """Collects problems up to :data:`MAX_PROBLEMS` and raises them all at once."""

    def __init__(self, columns: Sequence[str] = (), limit: int = MAX_PROBLEMS) -> None:
        self.items: list[Problem] = []
        self.columns = list(columns)
        self.limit = limit
        self.more = 0

    def add(self, row: int | None, column: str | None, value: str | None, message: str, /, **params: Any) -> None:
        if len(self.items) >= self.limit:
            self.more += 1
            return
        self.items.append(Problem(row, column, value, message, params))

    def __len__(self) -> int:
        return len(self.items) + self.more

    def __bool__(self) -> bool:
        return bool(self.items) or self.more > 0

    def raise_if_any(self) -> None:
        if self:
            raise FileProblems(self.items, columns=self.columns, more=self.more)


def problem_rows(problems: Iterable[Problem], translate: Callable[..., str] | None = None) -> list[list[str | int]]:
    """Rows ``ROW, COLUMN, VALUE, PROBLEM`` for the attached list of problems.

    ``translate(message, **params)`` renders a message in the reader's language; without it the
    English sentence is used. Values are returned as typed; the spreadsheet writer escapes them.
    """
    out: list[list[str | int]] = []
    for p in problems:
        text = translate(p.message, **p.params) if translate is not None else p.text()
        out.append([p.row if p.row is not None else "", p.column or "", p.value or "", text])
    return out


PROBLEM_HEADER = ["ROW", "COLUMN", "VALUE", "PROBLEM"]


# ---- headers ------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_SEPARATORS = re.compile(r"[\s_.]+")


def normalise_header(text: str) -> str:
    """The comparable form of a header cell: upper case, ``_``/``.``/runs of spaces as one space.

    ``" Student_Name "`` → ``"STUDENT NAME"``, ``"Sl. No."`` → ``"SL NO"``, ``"USN*"`` → ``"USN"``.
    """
    text = text.replace("\ufeff", "").replace("\u200b", "")
    text = _SEPARATORS.sub(" ", text.upper()).strip()
    return text.rstrip(" *:#").strip()


@dataclass
class HeaderMap:
    """Where each canonical column is (0-based index), and how the file spells it."""

    index: dict[str, int] = field(default_factory=dict)
    spelling: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    repeated: dict[str, list[int]] = field(default_factory=dict)

    def get(self, name: str) -> int | None:
        return self.index.get(name)

    def column(self, name: str) -> str:
        """The header of a canonical column as the teacher wrote it (the canonical name if absent)."""
        return self.spelling.get(name, name)


def map_header(header: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> HeaderMap:
    """Map a header row onto canonical column names.

    ``aliases[name]`` lists accepted spellings in normalised form, best first; the canonical name
    itself (with ``_`` read as a space) always matches first. When several columns match one name
    the best-ranked wins and the others are ignored (``ROLL NO`` next to ``USN``), but the very same
    spelling twice (``NAME``, ``Name``) is a repeated column: which one is meant cannot be known.
    Columns matching nothing are listed in ``ignored`` (a blank header only if it is the only
    way to refer to it, as ``(C)``).
    """
    rank: dict[str, tuple[str, int]] = {}
    for name, spellings in aliases.items():
        for i, spelling in enumerate([normalise_header(name), *spellings]):
            rank.setdefault(normalise_header(spelling), (name, i))
    found: dict[str, list[tuple[int, int]]] = {}
    result = HeaderMap()
    for col, text in enumerate(header):
        key = normalise_header(text)
        if key in rank:
            name, r = rank[key]
            found.setdefault(name, []).append((r, col))
        elif key:
            result.ignored.append(text.strip())
    for name, hits in found.items():
        hits.sort()
        best_rank, best_col = hits[0]
        same = [col for r, col in hits if r == best_rank]
        if len(same) > 1:
            result.repeated[name] = same
        result.index[name] = best_col
        result.spelling[name] = header[best_col].strip()
        for r, col in hits[1:]:
            if r != best_rank:
                result.ignored.append(header[col].strip())
    ordered = {h: i for i, h in reversed(list(enumerate(header)))}
    result.ignored.sort(key=lambda h: ordered.get(h, 0))
    return result


def header_problems(found: HeaderMap, required: Collection[str], problems: ProblemList, *,
                    header_row: int | None = None, needs: str | None = None) -> None:
    """Add a problem for each required column that is missing and each column that is repeated.

    ``needs`` is how the message lists the required columns (default: ``required`` joined).
    """
    listed = needs or ", ".join(required)
    for name in required:
        if name not in found.index:
            problems.add(None, name, None, MISSING_COLUMN, column=name, required=listed)
    for name, cols in found.repeated.items():
        letters = ", ".join(column_letter(c) for c in cols)
        problems.add(header_row, found.column(name), found.column(name), REPEATED_COLUMN,
                     column=found.column(name), letters=letters)


def ignored_columns(table: Table, used: Collection[int]) -> list[str]:
    """Columns not read, as their headers say (a blank header that has values as ``(C)``)."""
    ignored: list[str] = []
    for i, text in enumerate(table.header):
        if i in used:
            continue
        if text:
            ignored.append(text)
        elif any(r.cell(i) for r in table.rows):
            ignored.append(f"({column_letter(i)})")
    return ignored


def delimiter_name(delimiter: str | None) -> str:
    """How a message names a delimiter: ``“,”``, ``“;”``, ``TAB``, ``“|”``."""
    return {",": "“,”", ";": "“;”", "\t": "TAB", "|": "“|”"}.get(delimiter or ",", "“,”")


def extra_cells_problem(table: Table, number: int, cells: Sequence[str], problems: ProblemList) -> bool:
    """Add the problem of a row with values beyond the header's columns; True when there was one."""
    width = len(table.header)
    at = next((i for i in range(width, len(cells)) if cells[i]), None)
    if at is None:
        return False
    if table.kind == "csv":
        problems.add(number, None, None, EXTRA_CELLS_TEXT, delimiter=delimiter_name(table.delimiter))
    else:
        letter = column_letter(at)
        problems.add(number, letter, cells[at], EXTRA_CELLS_SHEET, letter=letter)
    return True


# ---- cells --------------------------------------------------------------------------------------


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet program would read ``text`` as a formula (``=``, ``+``, ``-``, ``@``…)."""
    return text.startswith(FORMULA_START)


def looks_scientific(text: str) -> bool:
    """True for ``1.23457E+11``: a long number Excel shortened before the file was saved."""
    return bool(_SCIENTIFIC.match(text.strip()))


def check_number(text: str, *, allow_negative: bool = False) -> tuple[Decimal | None, str | None]:
    """Read a numeric cell: ``(value, None)``, or ``(None, message id)`` saying why it is not one.

    ``"4.5"`` and ``"4"`` are numbers; ``"-3"`` is negative (unless allowed); ``"=SUM(A1)"`` is a formula;
    anything else (``"four"``, ``"4..5"``, ``"4,5"``) is not a number. Blank is ``(None, None)``: the caller
    decides whether a blank is allowed.
    """
    value = text.strip()
    if not value:
        return None, None
    if value.startswith(("=", "@", "＝", "＠")) or (value[0] in "+-" and not _NUMBER.match(value)
                                                   and any(c.isalpha() or c in "(:" for c in value)):
        return None, FORMULA_NOT_NUMBER
    if not _NUMBER.match(value):
        return None, NOT_A_NUMBER
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None, NOT_A_NUMBER
    if number < 0 and not allow_negative:
        return None, NEGATIVE_NUMBER
    return number, None
