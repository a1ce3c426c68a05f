"""The marks sheet of one assessment, validated whole before any mark is stored.

The format teachers already keep::

    USN,STUDENT NAME,Q1A,Q1B,Q2A,Q2B
    MAX,,5,5,10,10
    CO,,CO1,CO1,CO2,CO2
    1CR21CS001,Asha Rao,4.5,3,AB,8

:func:`parse_marks` turns a :class:`~domain.files.table.Table` into the assessment's questions
(:class:`Item`: label, maximum, course outcome) and one :class:`MarksRow` per student, or raises
:class:`~domain.files.problems.FileProblems` listing every problem with its row and column.

Columns. The USN column is found under any of its usual names (``USN``, ``Reg No``, ``Roll No``…);
a question column is any header like ``Q1``, ``Q1A``, ``Q 1 (a)``, ``Q10B`` or ``1A``, and its label
is written one way (``Q1A``) so that ``Q 1 (a)`` in one upload and ``Q1A`` in the next are the same
question. The NAME column is accepted and not checked (the USN identifies the student); any other
column (``SL NO``, ``TOTAL``, ``%``) is ignored and reported in ``ignored_columns``.

The MAX and CO rows are recognised by the word in their USN cell (or, when that is blank, in their
first filled cell outside the question columns): ``MAX``, ``MAX MARKS``, ``MAXIMUM``, ``OUT OF``…
and ``CO``, ``COS``, ``CO MAPPING``… They are required while the assessment's questions do not exist
(``existing_items`` is None, or lacks a label); for a question that exists they may be left out or
left blank, and when given they must agree with it: an assessment's questions are fixed once created.
A MAX is a number above 0 with at most 2 decimals; a CO is one of the course's outcomes, typed as
``CO1``, ``co 1`` or ``CO-01``.

Marks. A number from 0 to the question's MAX, with at most 2 decimals (half marks are normal).
``AB``, ``A`` or ``ABSENT`` (any case, dots ignored: ``a.b.``) means absent, which is not zero.

An empty mark cell is read as "not attempted" and stored like an absent mark (``None``), not as
zero. Teachers leave a cell empty where a student did not write that question — above all in papers
with a choice ("answer Q1 or Q2"), where every student leaves one of the pair empty. Reading those
cells as zero would count the unanswered choice against the student in every CO score (the maximum
of a question counts only where the student has a mark); refusing them would refuse almost every
such sheet. A forgotten mark is the risk, so :attr:`MarksFile.blank_cells` counts the empty cells and
the bot says how many there were. A dash (``-``) is refused with a hint to write ``AB`` or leave the
cell empty, because a dash is also how Excel shows a zero in an accounting format.

Rows. A USN must be one of the course's students (``known_usns``) and appear once. A row with no
mark at all is skipped unless its USN is a student of the course (then the student was absent
throughout): a template numbered to 60, a blank line, "Signature of the faculty" or "HOD" under the
table. Every row that has a mark is checked.

Speed: a sheet of 5,000 students and 40 questions is checked in a few tens of milliseconds. Each
question column keeps the marks it has already read (text → value): a class's marks are a few dozen
distinct texts, so almost every cell is one dictionary look-up, and only a row holding a text not
seen before in its column is looked at cell by cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from domain.errors import N_
from domain.files.detect import NAME_ALIASES, USN_ALIASES, compact, is_question_column
from domain.files.outcomes import normalise_co
from domain.files.problems import (
    FORMULA_NOT_NUMBER,
    HEADER_AGAIN,
    NEGATIVE_NUMBER,
    REPEATED_COLUMN,
    FileProblems,
    ProblemList,
    column_letter,
    extra_cells_problem,
    header_problems,
    ignored_columns,
    map_header,
    normalise_header,
)
from domain.files.roster import NO_STUDENTS, USN_TWICE, normalise_usn, usn_problem
from domain.files.table import Table

MAX_MARKS_LIMIT = Decimal("99999.99")  # what the marks column holds (7 digits, 2 decimals)
PROGRESS_EVERY = 500  # rows between two on_progress calls

ALIASES: dict[str, tuple[str, ...]] = {"USN": USN_ALIASES, "NAME": NAME_ALIASES}
MAX_LABELS = frozenset({
    "MAX", "MAX MARKS", "MAX MARK", "MAXIMUM", "MAXIMUM MARKS", "MAXIMUM MARK", "MAX MARKS ALLOTTED",
    "OUT OF", "FULL MARKS", "MARKS",
})
CO_LABELS = frozenset({
    "CO", "COS", "CO MAPPING", "CO MAPPED", "MAPPED CO", "CO MAP", "CO NO", "COURSE OUTCOME",
    "COURSE OUTCOMES",
})
ABSENT = frozenset({"AB", "A", "ABSENT"})
"""What a mark cell says for an absent student, upper case, dots and spaces removed."""

EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

NO_QUESTIONS = N_("The header has no question columns; after USN and NAME it needs one column per question, "
                  "such as Q1A, Q1B, Q2.")
NO_MAX_AND_CO_ROWS = N_("The file has no MAX and CO rows. This assessment's questions are new, so under the "
                        "header add a row starting with MAX that gives each question's maximum marks, and a row "
                        "starting with CO that gives each question's course outcome (such as CO1).")
NO_MAX_ROW = N_("The file has no MAX row. This assessment's questions are new, so under the header add a row "
                "starting with MAX that gives each question's maximum marks.")
NO_CO_ROW = N_("The file has no CO row. This assessment's questions are new, so under the header add a row "
               "starting with CO that gives each question's course outcome (such as CO1).")
NEW_QUESTION_NO_MAX = N_("{label} is a new question in this assessment, so the file needs a MAX row giving its "
                         "maximum marks.")
NEW_QUESTION_NO_CO = N_("{label} is a new question in this assessment, so the file needs a CO row giving its "
                        "course outcome.")
ROW_TWICE = N_("This is a second {label} row (the first is row {other}); keep only one.")
MAX_EMPTY = N_("The maximum marks of {label} are missing in the MAX row.")
MAX_NOT_A_NUMBER = N_("{value} is not a number; the MAX row gives each question's maximum marks, such as 10.")
MAX_NOT_POSITIVE = N_("The maximum marks of {label} must be more than 0.")
MAX_TOO_LARGE = N_("{value} is too large for maximum marks; the limit is {limit}.")
MAX_CONTRADICTS = N_("{label} already has maximum marks {existing} in this assessment, not {value}: an "
                     "assessment's questions are fixed once it is created. Correct the MAX row, or leave it out.")
CO_EMPTY = N_("The course outcome of {label} is missing in the CO row.")
CO_NOT_A_CODE = N_("{value} is not a course outcome; write it as CO1, CO2, …")
CO_SEVERAL = N_("{value} names more than one course outcome, but a question counts towards one: choose one, or "
                "split the question into parts (such as Q1A and Q1B).")
CO_UNKNOWN = N_("This course has no course outcome {co}; its course outcomes are {known}.")
CO_NONE_YET = N_("This course has no course outcomes yet; send its outcomes file (CO, DESCRIPTION, BLOOM, PO1…) "
                 "before the marks.")
CO_CONTRADICTS = N_("{label} already counts towards {existing} in this assessment, not {co}: an assessment's "
                    "questions are fixed once it is created. Correct the CO row, or leave it out.")
USN_LOOKS_LIKE = N_("{usn} is not a student of this course; did you mean {known}? (the letter O and the digit 0, "
                    "or I and 1, look alike)")
USN_NOT_IN_COURSE = N_("{usn} is not a student of this course; check the USN, or add the student to the class "
                       "first.")
MARK_NOT_A_NUMBER = N_("{value} is not a number; type the marks, or AB if the student was absent.")
MARK_DASH = N_("{value} is not a number; write AB for a student who was absent, or leave the cell empty for a "
               "question that was not attempted.")
MARK_DECIMAL_COMMA = N_("{value} is not a number; write decimals with a point: {fixed}.")
MARK_EXCEL_ERROR = N_("{value} is an Excel error, not a number; correct the formula that gave it, or type the "
                      "marks.")
MARK_ABOVE_MAX = N_("{value} is above the maximum marks of {label} ({max}).")
TOO_MANY_DECIMALS = N_("{value} has more than 2 decimals; round it (half marks such as 4.5 are fine).")
EXTRA_CELLS_DECIMAL_COMMA = N_("This row has more values than the header has columns. In a comma-separated file "
                               "a mark written with a comma, such as 4,5, becomes two cells: write 4.5 instead.")


@dataclass(frozen=True)
class Item:
    """A question of the assessment: its label (``Q1A``), maximum, course outcome, and 1-based position."""

    label: str
    max_marks: Decimal
    co: str
    position: int


@dataclass(frozen=True)
class MarksRow:
    """One student's marks, in the order of :attr:`MarksFile.items`; None is absent or not attempted."""

    row: int
    usn: str
    student_id: int
    values: list[Decimal | None]


@dataclass
class MarksFile:
    items: list[Item]
    rows: list[MarksRow]
    ignored_columns: list[str] = field(default_factory=list)
    blank_cells: int = 0  # empty mark cells, read as not attempted
    absent_cells: int = 0  # cells saying AB / A / ABSENT


def question_label(header: str) -> str:
    """The one way a question column is written: ``Q 1 (a)`` → ``Q1A``, ``1b`` → ``Q1B``."""
    label = compact(header)
    return "Q" + label if label[:1].isdigit() else label


_CO_SEVERAL = re.compile(r"CO\s*[-_.]?\s*\d+.*[,/&+;].*CO|CO\s*\d+\s*(?:[,/&+;]|AND)\s*\d", re.IGNORECASE)


_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$", re.ASCII)
_DASHES = frozenset("-–—−－‐‒―")
_FORMULA_FIRST = frozenset("=+@＝＋＠")
_HUNDREDTH = Decimal("0.01")

Verdict = tuple[Decimal | None, str | None, dict[str, Any]]
"""(value, None, {}) for a mark or a blank/absent cell (value None); (None, message id, params) for a problem."""


def read_mark(text: str) -> Verdict:
    """Read one mark cell (trimmed): a number ≥ 0 with at most 2 decimals, absent, blank, or why not."""
    if not text:
        return None, None, {}
    shown = text
    if not text.isascii():
        text = _ascii_digits(unicodedata.normalize("NFKC", text)).strip()
    if text.upper().replace(".", "").replace(" ", "") in ABSENT:
        return None, None, {}
    first = text[0]
    if _NUMBER.match(text):
        number = Decimal(text)
        if number < 0:
            return None, NEGATIVE_NUMBER, {"value": shown}
        if number != number.quantize(_HUNDREDTH):
            return None, TOO_MANY_DECIMALS, {"value": shown}
        return number, None, {}
    if first in _FORMULA_FIRST:
        return None, FORMULA_NOT_NUMBER, {"value": shown}
    if first in _DASHES:
        if all(c in _DASHES for c in text):
            return None, MARK_DASH, {"value": shown}
        if first == "-":
            return None, FORMULA_NOT_NUMBER, {"value": shown}
    if text.upper() in EXCEL_ERRORS:
        return None, MARK_EXCEL_ERROR, {"value": shown}
    if _DECIMAL_COMMA.match(text):
        return None, MARK_DECIMAL_COMMA, {"value": shown, "fixed": text.replace(",", ".")}
    return None, MARK_NOT_A_NUMBER, {"value": shown}


def _ascii_digits(text: str) -> str:
    """Digits of any script as 0–9 (``४.५`` → ``4.5``): Hindi keyboards type Devanagari digits."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def show(value: Decimal) -> str:
    """A Decimal as a teacher writes it: ``10``, ``2.5`` (never ``1E+1`` or ``10.00``)."""
    return format(value.normalize(), "f")


@dataclass
class _Question:
    """A question column while the sheet is checked."""

    index: int  # column index in the table
    column: str  # the header as typed
    label: str
    max_marks: Decimal | None = None
    co: str | None = None
    seen: dict[str, Decimal | None] = field(default_factory=dict)  # mark text → value, for good marks


def _row_label(cells: list[str], usn_col: int, questions: set[int]) -> str | None:
    """``"MAX"`` or ``"CO"`` when the row is the MAX or CO row, else None."""
    text = cells[usn_col] if usn_col < len(cells) else ""
    if not text:
        text = next((c for i, c in enumerate(cells) if c and i not in questions), "")
    if not text or len(text) > 30 or text[0].isdigit():
        return None
    key = normalise_header(text)
    if key in MAX_LABELS:
        return "MAX"
    if key in CO_LABELS:
        return "CO"
    return None


def parse_marks(
    table: Table,
    *,
    known_usns: Mapping[str, int],
    known_cos: Collection[str],
    existing_items: Mapping[str, tuple[Decimal, str]] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> MarksFile:
    """Validate a marks sheet whole; return its questions and marks or raise ``FileProblems`` with every problem.

    ``known_usns`` maps the course's students' USNs to their ids; ``known_cos`` are the course's
    outcome codes; ``existing_items`` maps each label of an assessment that already exists to its
    (maximum, CO). ``on_progress(done_rows, total_rows)`` is called every :data:`PROGRESS_EVERY` rows
    and once at the end.
    """
    cols = map_header(table.header, ALIASES)
    problems = ProblemList(columns=[*table.header, "USN"])
    header_problems(cols, ["USN"], problems, header_row=table.header_row, needs="USN and one column per question")
    usn_col = cols.get("USN")
    used = set(cols.index.values())
    questions: list[_Question] = []
    by_label: dict[str, list[_Question]] = {}
    for i, text in enumerate(table.header):
        if i in used or not is_question_column(text):
            continue
        question = _Question(i, text.strip(), question_label(text))
        questions.append(question)
        by_label.setdefault(question.label, []).append(question)
        used.add(i)
    for label, same in by_label.items():
        if len(same) > 1:
            letters = ", ".join(column_letter(q.index) for q in same)
            problems.add(table.header_row, same[0].column, same[0].column, REPEATED_COLUMN, column=label,
                         letters=letters)
    if not questions:
        problems.add(table.header_row, None, None, NO_QUESTIONS)
    if usn_col is None or not questions:  # the rows cannot be read without these columns
        raise FileProblems(problems.items, columns=problems.columns, more=problems.more)

    question_cols = {q.index for q in questions}
    label_rows: dict[str, int] = {}
    label_cells: dict[str, list[str]] = {}
    not_students: set[int] = set()
    for row in table.rows:
        which = _row_label(row.cells, usn_col, question_cols)
        if which is None:
            continue
        not_students.add(row.number)
        if which in label_rows:
            problems.add(row.number, None, None, ROW_TWICE, label=which, other=label_rows[which])
            continue
        label_rows[which] = row.number
        label_cells[which] = row.cells

    existing = {question_label(k): (Decimal(v[0]), normalise_co(v[1]) or v[1]) for k, v in
                (existing_items or {}).items()}
    cos = {normalise_co(c) or c.strip().upper(): c for c in known_cos}
    _check_max_row(questions, existing, existing_items is not None, label_rows.get("MAX"), label_cells.get("MAX"),
                   problems)
    _check_co_row(questions, existing, existing_items is not None, label_rows.get("CO"), label_cells.get("CO"),
                  cos, problems)
    if existing_items is None and "MAX" not in label_rows and "CO" not in label_rows:
        problems.add(None, None, None, NO_MAX_AND_CO_ROWS)
    elif existing_items is None and "MAX" not in label_rows:
        problems.add(None, None, None, NO_MAX_ROW)
    elif existing_items is None and "CO" not in label_rows:
        problems.add(None, None, None, NO_CO_ROW)

    result = _check_students(table, cols.column("USN"), usn_col, questions, not_students,
                             known_usns, problems, on_progress)
    problems.raise_if_any()
    items = [Item(q.label, q.max_marks, q.co, position) for position, q in enumerate(questions, start=1)
             if q.max_marks is not None and q.co is not None]
    rows, blank, absent = result
    return MarksFile(items, rows, ignored_columns=ignored_columns(table, used), blank_cells=blank, absent_cells=absent)


def _check_max_row(questions: list[_Question], existing: dict[str, tuple[Decimal, str]], exists: bool,
                   row: int | None, cells: list[str] | None, problems: ProblemList) -> None:
    for q in questions:
        known = existing.get(q.label)
        typed = cells[q.index] if cells is not None and q.index < len(cells) else ""
        if not typed:
            if known is not None:
                q.max_marks = known[0]
            elif row is not None:
                problems.add(row, q.column, "", MAX_EMPTY, label=q.column)
            elif exists:
                problems.add(None, q.column, None, NEW_QUESTION_NO_MAX, label=q.column)
            continue
        value, message, params = read_mark(typed)
        if message is not None:
            if message in (MARK_NOT_A_NUMBER, MARK_DASH):
                message, params = MAX_NOT_A_NUMBER, {"value": typed}
            problems.add(row, q.column, typed, message, **params)
        elif value is None or value == 0:  # AB in the MAX row, or 0
            if value is None:
                problems.add(row, q.column, typed, MAX_NOT_A_NUMBER, value=typed)
            else:
                problems.add(row, q.column, typed, MAX_NOT_POSITIVE, label=q.column)
        elif value > MAX_MARKS_LIMIT:
            problems.add(row, q.column, typed, MAX_TOO_LARGE, value=typed, limit=show(MAX_MARKS_LIMIT))
        elif known is not None and known[0] != value:
            problems.add(row, q.column, typed, MAX_CONTRADICTS, label=q.column, existing=show(known[0]), value=typed)
        else:
            q.max_marks = value


def _check_co_row(questions: list[_Question], existing: dict[str, tuple[Decimal, str]], exists: bool,
                  row: int | None, cells: list[str] | None, cos: dict[str, str], problems: ProblemList) -> None:
    known_list = ", ".join(sorted(cos.values(), key=_co_order)[:30]) + (" …" if len(cos) > 30 else "")
    told_none = False
    for q in questions:
        known = existing.get(q.label)
        typed = cells[q.index] if cells is not None and q.index < len(cells) else ""
        if not typed:
            if known is not None:
                q.co = cos.get(known[1], known[1])
            elif row is not None:
                problems.add(row, q.column, "", CO_EMPTY, label=q.column)
            elif exists:
                problems.add(None, q.column, None, NEW_QUESTION_NO_CO, label=q.column)
            continue
        code = normalise_co(typed)
        if code is None:
            message = CO_SEVERAL if _CO_SEVERAL.search(typed) else CO_NOT_A_CODE
            problems.add(row, q.column, typed, message, value=typed)
        elif not cos:
            if not told_none:
                told_none = True
                problems.add(row, None, None, CO_NONE_YET)
        elif code not in cos:
            problems.add(row, q.column, typed, CO_UNKNOWN, co=code, known=known_list)
        elif known is not None and known[1] != code:
            problems.add(row, q.column, typed, CO_CONTRADICTS, label=q.column, existing=known[1], co=code)
        else:
            q.co = cos[code]


def _co_order(code: str) -> tuple[int, str]:
    normal = normalise_co(code)
    return (int(normal[2:]), code) if normal else (1000, code)


def _check_students(table: Table, usn_column: str, usn_col: int, questions: list[_Question], label_rows: set[int],
                    known_usns: Mapping[str, int], problems: ProblemList,
                    on_progress: Callable[[int, int], None] | None) -> tuple[list[MarksRow], int, int]:
    """Every student row: USN known and once, marks valid; (rows, blank cells, absent cells)."""
    known = {normalise_usn(k): v for k, v in known_usns.items()}
    width = len(table.header)
    delimiter = table.delimiter if table.kind == "csv" else None
    usn_header = normalise_header(table.header[usn_col])
    header_again = [normalise_header(h) for h in table.header]
    indexes = [q.index for q in questions]
    texts_of = itemgetter(*indexes)
    single = len(indexes) == 1
    seen_maps = [q.seen for q in questions]
    lookup = dict.__getitem__
    verdicts: list[dict[str, Verdict]] = [{} for _ in questions]
    seen: dict[str, int] = {}
    out: list[MarksRow] = []
    blank = absent = 0
    candidates = 0
    total = len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done, total)
        number = row.number
        if number in label_rows:
            continue
        cells = row.cells
        texts: tuple[str, ...] = (texts_of(cells),) if single else texts_of(cells)
        typed_usn = cells[usn_col]
        extra = len(cells) > width and any(cells[width:])
        if not typed_usn and not extra and not any(texts):
            continue  # a blank template row
        if typed_usn and not typed_usn[0].isdigit() and normalise_header(typed_usn) == usn_header and \
                [normalise_header(c) for c in cells[:width]] == header_again:
            candidates += 1
            problems.add(number, None, None, HEADER_AGAIN)
            continue
        usn = normalise_usn(typed_usn)
        student = known.get(usn)
        if student is None and not extra and not any(texts):
            continue  # a note under the table ("Signature of the faculty", "HOD"): no marks, not a student
        candidates += 1
        ok = True
        if extra:
            ok = False
            if delimiter == ",":
                problems.add(number, None, None, EXTRA_CELLS_DECIMAL_COMMA)
            else:
                extra_cells_problem(table, number, cells, problems)
        if student is None:
            ok = False
            why = usn_problem(typed_usn)
            meant = None if why is not None else _look_alike(usn, known)
            if why is not None:
                problems.add(number, usn_column, typed_usn, why[0], **why[1])
            elif meant is not None:
                problems.add(number, usn_column, typed_usn, USN_LOOKS_LIKE, usn=usn, known=meant)
            else:
                problems.add(number, usn_column, typed_usn, USN_NOT_IN_COURSE, usn=usn)
        elif usn in seen:
            ok = False
            problems.add(number, usn_column, typed_usn, USN_TWICE, usn=usn, other=seen[usn])
        else:
            seen[usn] = number
        if extra:
            continue  # the marks are shifted by the extra cell: checking them would only mislead
        try:
            values: list[Decimal | None] = list(map(lookup, seen_maps, texts))
        except KeyError:
            checked = _check_cells(number, texts, questions, verdicts, problems)
            if checked is None:
                continue
            values = checked
        empty = texts.count("")
        blank += empty
        absent += values.count(None) - empty
        if ok and student is not None:
            out.append(MarksRow(number, usn, student, values))
    if on_progress is not None:
        on_progress(total, total)
    if candidates == 0:
        problems.add(table.header_row, None, None, NO_STUDENTS)
    return out, blank, absent


_LOOK_ALIKE = {"O": "0", "0": "O", "I": "1", "1": "I"}


def _look_alike(usn: str, known: Mapping[str, int]) -> str | None:
    """The course's USN that ``usn`` becomes when one O/0 or I/1 is swapped, if exactly one does."""
    found = {usn[:i] + _LOOK_ALIKE[c] + usn[i + 1:] for i, c in enumerate(usn) if c in _LOOK_ALIKE}
    matches = sorted(u for u in found if u in known)
    return matches[0] if len(matches) == 1 else None


def _check_cells(number: int, texts: tuple[str, ...], questions: list[_Question],
                 verdicts: list[dict[str, Verdict]], problems: ProblemList) -> list[Decimal | None] | None:
    """One row cell by cell: its values, or None after adding a problem for each bad cell."""
    values: list[Decimal | None] = []
    ok = True
    for q, cache, text in zip(questions, verdicts, texts, strict=True):
        if text in q.seen:
            values.append(q.seen[text])
            continue
        verdict = cache.get(text)
        if verdict is None:
            verdict = read_mark(text)
            if verdict[1] is None and verdict[0] is not None and q.max_marks is not None and verdict[0] > q.max_marks:
                verdict = (None, MARK_ABOVE_MAX, {"value": text, "label": q.column, "max": show(q.max_marks)})
            if verdict[1] is None:
                q.seen[text] = verdict[0]  # a good mark for this column: next time one look-up
            elif len(cache) < 10000:
                cache[text] = verdict
        got, message, params = verdict
        if message is not None:
            ok = False
            problems.add(number, q.column, text, message, **params)
        values.append(got)
    return values if ok else None
