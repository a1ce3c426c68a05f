"""A course's outcomes and their articulation matrix (CO–PO/PSO correlations), validated whole.

The format::

    CO,DESCRIPTION,BLOOM,PO1,PO2,…,PO12,PSO1,PSO2
    CO1,Explain the relational model,L2,3,2,,,,,,,,,,,2,

:func:`parse_outcomes` turns a :class:`~domain.files.table.Table` into one :class:`OutcomeRow` per
course outcome, or raises :class:`~domain.files.problems.FileProblems` listing every problem.

Columns. CO, DESCRIPTION and BLOOM are required and found under their usual names too (``CO No``,
``Course Outcome``, ``Bloom's Level``, ``RBT``…). Program outcome columns are ``PO1`` to ``PO12``
(the twelve NBA graduate attributes) and ``PSO1``, ``PSO2``… (the program's own), written any way
that reads the same (``PO 1``, ``po-01``); none is required, each may appear once, and ``PO13`` is
refused. Any other column (``SL NO``, ``REMARKS``) is ignored and reported.

Cells. A CO code is ``CO1`` to ``CO99`` (``co 1``, ``Co-01`` are read as ``CO1``) and appears once;
the description is not empty (at most :data:`DESCRIPTION_MAX` characters). BLOOM is ``L1``–``L6``
(also ``1``–``6``, ``K2``, ``BTL-3``, ``Level 4``) or the level's name, in English (Remember,
Understand, Apply, Analyse/Analyze, Evaluate, Create, and their ``-ing`` forms) or Hindi. A
correlation is 1, 2 or 3 (or ``L``/``M``/``H``, low, medium, high, as some matrices write them); an
empty cell, ``-`` and ``0`` mean no correlation. A row below the matrix whose CO cell says
``AVERAGE``, ``AVG``, ``MEAN`` or ``TOTAL`` (the course's average correlation, which many templates
carry) is derived, not data, and is skipped.

A CO with no correlation at all is not a problem. PRODUCT.md does not require every CO to be mapped:
such a CO still has its own attainment and simply adds to no PO, which is a legitimate state while a
course's mapping is being worked out, and refusing the whole file would block the outcomes
themselves (which the marks sheets need). Such COs are listed in :attr:`OutcomesFile.unmapped`, so
the bot can say so when it confirms the upload.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from domain.errors import N_
from domain.files.detect import BLOOM_ALIASES, CO_ALIASES, DESCRIPTION_ALIASES
from domain.files.problems import (
    HEADER_AGAIN,
    REPEATED_COLUMN,
    ProblemList,
    column_letter,
    extra_cells_problem,
    header_problems,
    ignored_columns,
    map_header,
    normalise_header,
)
from domain.files.table import Table

DESCRIPTION_MAX = 1000
PO_COUNT = 12  # PO1–PO12, the NBA graduate attributes

ALIASES: dict[str, tuple[str, ...]] = {
    "CO": CO_ALIASES,
    "DESCRIPTION": DESCRIPTION_ALIASES,
    "BLOOM": BLOOM_ALIASES,
}
REQUIRED = ("CO", "DESCRIPTION", "BLOOM")

BLOOM_NAMES: dict[str, int] = {
    "REMEMBER": 1, "REMEMBERING": 1, "KNOWLEDGE": 1, "RECALL": 1,
    "UNDERSTAND": 2, "UNDERSTANDING": 2, "COMPREHENSION": 2,
    "APPLY": 3, "APPLYING": 3, "APPLICATION": 3,
    "ANALYSE": 4, "ANALYZE": 4, "ANALYSING": 4, "ANALYZING": 4, "ANALYSIS": 4,
    "EVALUATE": 5, "EVALUATING": 5, "EVALUATION": 5,
    "CREATE": 6, "CREATING": 6, "SYNTHESIS": 6,
    # Hindi
    "स्मरण": 1, "याद रखना": 1, "ज्ञान": 1,
    "समझना": 2, "बोध": 2, "अवबोध": 2,
    "अनुप्रयोग": 3, "प्रयोग": 3, "लागू करना": 3,
    "विश्लेषण": 4, "विश्लेषण करना": 4,
    "मूल्यांकन": 5, "मूल्यांकन करना": 5,
    "सृजन": 6, "रचना": 6, "निर्माण": 6, "सृजन करना": 6,
}
"""Bloom level names (upper case for English), 1 Remember … 6 Create."""

CORRELATIONS = {"1": 1, "2": 2, "3": 3, "L": 1, "M": 2, "H": 3, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
NO_CORRELATION = frozenset({"", "-", "--", "–", "—", "0", "NIL", "NA", "N/A"})
DERIVED_ROWS = frozenset({"AVERAGE", "AVG", "MEAN", "TOTAL", "COURSE AVERAGE", "OVERALL"})

NO_OUTCOMES = N_("The file has a header row but no course outcomes under it.")
PO_UNKNOWN = N_("There is no program outcome {column}: the program outcomes are PO1 to PO12, and the program's "
                "own are PSO1, PSO2, …")
CO_EMPTY = N_("The CO code is empty; write it as CO1, CO2, …")
CO_NOT_A_CODE = N_("{value} is not a course outcome code; write it as CO1, CO2, … (up to CO99).")
CO_TWICE = N_("The course outcome {co} is also in row {other}; each course outcome must appear only once.")
DESCRIPTION_EMPTY = N_("The description of {co} is empty.")
DESCRIPTION_EMPTY_NO_CODE = N_("The description is empty.")
DESCRIPTION_TOO_LONG = N_("The description has {length} characters; at most {limit} are allowed.")
BLOOM_EMPTY = N_("The Bloom level of {co} is empty; write L1 to L6, or the level's name (Remember, Understand, "
                 "Apply, Analyse, Evaluate, Create).")
BLOOM_EMPTY_NO_CODE = N_("The Bloom level is empty; write L1 to L6, or the level's name (Remember, Understand, "
                         "Apply, Analyse, Evaluate, Create).")
BLOOM_UNKNOWN = N_("{value} is not a Bloom level; write L1 to L6, or the level's name (Remember, Understand, "
                   "Apply, Analyse, Evaluate, Create).")
BLOOM_SEVERAL = N_("{value} gives more than one Bloom level; write the one level this outcome is at.")
CORRELATION_INVALID = N_("{value} is not a correlation; write 1 (low), 2 (medium) or 3 (high), or leave the cell "
                         "empty.")


@dataclass(frozen=True)
class OutcomeRow:
    """One course outcome: its row, code (``CO1``), description, Bloom level 1–6, and correlations (PO → 1–3)."""

    row: int
    code: str
    description: str
    bloom: int
    correlations: dict[str, int]


@dataclass
class OutcomesFile:
    outcomes: list[OutcomeRow]
    program_outcomes: list[str]  # the PO/PSO columns present, in order (PO1, …, PSO2)
    ignored_columns: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # COs with no correlation at all


_CO_CODE = re.compile(r"^CO0*([1-9][0-9]?)$")
_PO_COLUMN = re.compile(r"^(PSO|PO)[\s\-.:]*0*([0-9]{1,2})(?:[^0-9A-Z].*)?$")
_SEPARATORS = re.compile(r"[\s\-_.:#]+")
_BLOOM_SEPARATORS = re.compile(r"[\s\-_.:#–—()\[\]/,]+")
_BLOOM_LEVEL = re.compile(r"^(?:L|K|BL|BTL|LEVEL|LVL|RBT|RBTL|RBTLEVEL)?0*([0-9]+)$")
_BLOOM_LEVEL_NAME = re.compile(r"^(?:L|K|BL|BTL|LEVEL)(?P<level>[1-6])(?P<name>[A-Z]+)$")
_BLOOM_NAME_LEVEL = re.compile(r"^(?P<name>[A-Z]+?)(?:L|K|BL|BTL|LEVEL)(?P<level>[1-6])$")
_BLOOM_SEVERAL = re.compile(r"^(?:(?:L|K|BTL|BL)?\s*[1-6]\s*[,/&+;]\s*)+(?:L|K|BTL|BL)?\s*[1-6]$", re.IGNORECASE)


def normalise_co(text: str) -> str | None:
    """``co 1``, ``Co-01``, ``CO1`` → ``CO1``; None when ``text`` is not a course outcome code."""
    match = _CO_CODE.match(_SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper()))
    return f"CO{match.group(1)}" if match else None


def program_outcome(header: str) -> tuple[str, int] | None:
    """``PO 1`` → ``("PO", 1)``, ``pso-02`` → ``("PSO", 2)``, ``PO1 (Engineering knowledge)`` → ``("PO", 1)``."""
    match = _PO_COLUMN.match(normalise_header(header))
    return (match.group(1), int(match.group(2))) if match else None


def read_bloom(text: str) -> int | None:
    """The Bloom level 1–6 that ``text`` names, or None.

    ``L2``, ``2``, ``K2``, ``BTL-2``, ``Level 2``, ``Understand``, ``understanding``, ``समझना``, and a level
    with its name when both agree (``L2 – Understand``, ``Understand (L2)``).
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if not value.isascii():
        value = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)
    named = BLOOM_NAMES.get(" ".join(value.upper().split())) or BLOOM_NAMES.get(" ".join(value.split()))
    if named is not None:
        return named
    key = _BLOOM_SEPARATORS.sub("", value.upper())
    match = _BLOOM_LEVEL.match(key)
    if match:
        level = int(match.group(1))
        return level if 1 <= level <= 6 else None
    both = _BLOOM_LEVEL_NAME.match(key) or _BLOOM_NAME_LEVEL.match(key)
    if both:
        level = int(both.group("level"))
        return level if BLOOM_NAMES.get(both.group("name")) == level else None
    return None


def several_bloom_levels(text: str) -> bool:
    """True when ``text`` gives more than one Bloom level (``L2/L3``, ``2, 3``, ``K1 & K2``)."""
    return bool(_BLOOM_SEVERAL.match(text.strip()))


def read_correlation(text: str) -> tuple[int | None, bool]:
    """``(level, True)`` for 1–3, ``(None, True)`` for no correlation, ``(None, False)`` when invalid."""
    key = text.strip().upper()
    if key in NO_CORRELATION:
        return None, True
    level = CORRELATIONS.get(key)
    if level is None and re.fullmatch(r"[1-3]\.0*", key):
        level = int(key[0])
    return level, level is not None


def parse_outcomes(table: Table) -> OutcomesFile:
    """Validate an outcomes file whole; return its outcomes or raise ``FileProblems`` with every problem."""
    cols = map_header(table.header, ALIASES)
    problems = ProblemList(columns=[*table.header, *REQUIRED])
    header_problems(cols, REQUIRED, problems, header_row=table.header_row)
    used = set(cols.index.values())

    program: list[tuple[int, str]] = []  # (column index, PO1/PSO2) for the columns that are read
    first_at: dict[str, list[int]] = {}
    for i, text in enumerate(table.header):
        if i in used:
            continue
        found = program_outcome(text)
        if found is None:
            continue
        used.add(i)
        kind, number = found
        po = f"{kind}{number}"
        if number == 0 or (kind == "PO" and number > PO_COUNT):
            problems.add(table.header_row, text.strip(), text.strip(), PO_UNKNOWN, column=text.strip())
            continue
        first_at.setdefault(po, []).append(i)
        if len(first_at[po]) == 1:
            program.append((i, po))
    for po, at in first_at.items():
        if len(at) > 1:
            spelled = table.header[at[0]].strip()
            problems.add(table.header_row, spelled, spelled, REPEATED_COLUMN, column=po,
                         letters=", ".join(column_letter(i) for i in at))

    co_col, description_col, bloom_col = cols.get("CO"), cols.get("DESCRIPTION"), cols.get("BLOOM")
    width = len(table.header)
    header_again = [normalise_header(h) for h in table.header]
    seen: dict[str, int] = {}
    out: list[OutcomeRow] = []
    unmapped: list[str] = []
    candidates = 0
    for row in table.rows:
        cells = row.cells
        extra = [i for i in range(width, len(cells)) if cells[i]]
        if not any(row.cell(i) for i in used) and not extra:
            continue  # a blank row
        typed_code = row.cell(co_col)
        if normalise_header(typed_code) in DERIVED_ROWS:
            continue  # the course's average correlation under the matrix: derived, not data
        candidates += 1
        if [normalise_header(c) for c in cells[:width]] == header_again:
            problems.add(row.number, None, None, HEADER_AGAIN)
            continue
        if extra_cells_problem(table, row.number, cells, problems):
            continue  # the cells after the stray value are shifted: checking them would only mislead
        ok = True

        code = normalise_co(typed_code)
        shown = code or typed_code
        if co_col is not None:
            column = cols.column("CO")
            if not typed_code:
                ok = False
                problems.add(row.number, column, "", CO_EMPTY)
            elif code is None:
                ok = False
                problems.add(row.number, column, typed_code, CO_NOT_A_CODE, value=typed_code)
            elif code in seen:
                ok = False
                problems.add(row.number, column, typed_code, CO_TWICE, co=code, other=seen[code])
            else:
                seen[code] = row.number

        description = row.cell(description_col)
        if description_col is not None:
            column = cols.column("DESCRIPTION")
            if not description:
                ok = False
                if shown:
                    problems.add(row.number, column, "", DESCRIPTION_EMPTY, co=shown)
                else:
                    problems.add(row.number, column, "", DESCRIPTION_EMPTY_NO_CODE)
            elif len(description) > DESCRIPTION_MAX:
                ok = False
                problems.add(row.number, column, description, DESCRIPTION_TOO_LONG, length=len(description),
                             limit=DESCRIPTION_MAX)

        bloom: int | None = None
        if bloom_col is not None:
            column = cols.column("BLOOM")
            typed_bloom = row.cell(bloom_col)
            bloom = read_bloom(typed_bloom) if typed_bloom else None
            if not typed_bloom:
                ok = False
                if shown:
                    problems.add(row.number, column, "", BLOOM_EMPTY, co=shown)
                else:
                    problems.add(row.number, column, "", BLOOM_EMPTY_NO_CODE)
            elif bloom is None:
                ok = False
                message = BLOOM_SEVERAL if several_bloom_levels(typed_bloom) else BLOOM_UNKNOWN
                problems.add(row.number, column, typed_bloom, message, value=typed_bloom)

        correlations: dict[str, int] = {}
        for i, po in program:
            typed = row.cell(i)
            level, valid = read_correlation(typed)
            if not valid:
                ok = False
                problems.add(row.number, table.header[i].strip(), typed, CORRELATION_INVALID, value=typed)
            elif level is not None:
                correlations[po] = level

        if ok and code is not None and bloom is not None and description:
            out.append(OutcomeRow(row.number, code, description, bloom, correlations))
            if not correlations:
                unmapped.append(code)
    if candidates == 0 and co_col is not None:
        problems.add(table.header_row, None, None, NO_OUTCOMES)
    problems.raise_if_any()
    return OutcomesFile(out, [po for _i, po in program], ignored_columns=ignored_columns(table, used),
                        unmapped=unmapped)
