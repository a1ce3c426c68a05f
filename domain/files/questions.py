"""A course's question bank, validated whole before any question is stored.

The format::

    ID,TYPE,QUESTION,A,B,C,D,ANSWER,MARKS,CO,BLOOM,TOPIC,CONCEPT,DIFFICULTY,IRT_A,IRT_B,IRT_C
    DB001,MCQ,Which key uniquely identifies a row?,Foreign key,Primary key,Candidate key,Composite key,B,1,CO1,L1,…
    DB003,TF,A relation in BCNF is always in 3NF.,,,,,T,1,CO3,L2,Normalisation,BCNF,0.4,,,
    DB004,NUM,How many rows does a CROSS JOIN of 4 and 6 rows give?,,,,,24±0,1,CO2,L3,SQL,Joins,0.3,,,
    DB006,LA,Normalise the given relation to 3NF and justify each step.,,,,,,6,CO3,L4,Normalisation,3NF,0.8,,,

:func:`parse_questions` turns a :class:`~domain.files.table.Table` into one :class:`QuestionRow` per
question, or raises :class:`~domain.files.problems.FileProblems` listing every problem with its row
(as Excel shows it) and column (as the header spells it).

Columns. ID, TYPE and QUESTION are required. ANSWER is required when the file has an MCQ, TF or NUM
question, and the option columns A, B, C and D when it has an MCQ question (E and F may be added for
a fifth and sixth option); what is missing is told once for the file, with the first row that needs
it. MARKS, CO, BLOOM, TOPIC, CONCEPT, DIFFICULTY and the IRT columns are optional. Each is also found
under its usual names (``Q.No``, ``Question ID``, ``Question Type``, ``Question Text``, ``Option A``,
``Correct Answer``, ``Key``, ``Max Marks``, ``Bloom's Level``, ``Difficulty Level``…; the lists are
in :mod:`domain.files.detect`). The IRT columns are only ``IRT_A``, ``IRT B``, ``IRT-C`` and the like,
never a bare ``A`` (that is option A); when one of them is present, IRT_A and IRT_B both must be. Any
other column (``SL NO``, ``EXPLANATION``) is ignored and reported in :attr:`QuestionBankFile.ignored`.

Cells, row by row:

- ID: 1 to :data:`ID_MAX` characters, letters A–Z, digits, ``_``, ``.`` and ``-``, starting with a
  letter or a digit; unique in the file, ignoring case. It is kept as typed: it is how the next file
  names the same question (a changed question becomes a new version of it).
- TYPE: ``MCQ``, ``TF``, ``NUM``, ``VSA``, ``SA`` or ``LA`` in any case, also written out
  (``Multiple choice``, ``MCQ-MULTI``, ``True/False``, ``T/F``, ``Boolean``, ``Numeric``, ``Integer``,
  ``Very short answer``, ``Short answer``, ``Long answer``, and the Hindi names).
- QUESTION: not empty, at most :data:`QUESTION_MAX` characters.
- MCQ: at least 2 options, filled from A without gaps, each at most :data:`OPTION_MAX` characters
  (the buttons show the letter; the option's text goes into the message), no two the same. ANSWER
  is one or more letters among the filled options, written ``B``, ``ABD``, ``A,B``, ``A;B``, ``a b``,
  ``A & D``, ``(B)`` or ``Option B``; every option may be correct. An answer that is an option's text
  instead of its letter is told so, with the letter.
- TF: ANSWER is ``T``/``F``, ``TRUE``/``FALSE``, ``YES``/``NO``, ``1``/``0``, or सही/गलत, सत्य/असत्य.
- NUM: ANSWER is a number, optionally with a tolerance: ``24``, ``-3.5``, ``12.5±0.1``,
  ``12.5 +- 0.1``, ``12.5 +/- 0.1``; the tolerance is 0 or more. A decimal comma (``12,5``) and a
  thousands separator (``1,234.5``) are refused with the number written as it should be: in a
  comma-separated file they cannot be told apart. A leading ``-`` is a negative number here, but an
  answer starting with ``=``, ``@`` or ``+``, or like ``-SUM(A1)``, is a formula and refused, as is a
  number Excel turned into scientific notation (``1.23457E+11`` lost its last digits).
- VSA, SA, LA (written, marked by a teacher): the marks are 2, 3, and 5 or 6 respectively; ANSWER is
  the optional model answer or rubric (at most :data:`ANSWER_MAX` characters).
- TF, NUM and the written kinds have no options: option text on such a row is refused (the TYPE is
  probably wrong).
- MARKS: empty means the kind's usual marks (MCQ, TF, NUM 1; VSA 2; SA 3; LA 5); otherwise a number
  above 0 with at most 2 decimals, at most :data:`MARKS_MAX`. Negative numbers, formulas, words and
  scientific notation are named as such, as in a marks sheet.
- CO: empty, or a course outcome code written as the outcomes file accepts it (``co 1``, ``Co-01``
  are ``CO1``). With ``known_cos`` it must be one of the course's outcomes; a course that has none
  yet gets one problem for the whole file (send the outcomes file first), not one per row.
- BLOOM: empty, or a level as the outcomes file reads it (``L2``, ``K2``, ``Understand``, ``समझना``…).
- TOPIC, CONCEPT: free text, at most :data:`TOPIC_MAX` characters each.
- DIFFICULTY: empty, or the proportion of difficulty from 0 (easy) to 1 (hard), also as a
  percentage (``35%`` is 0.35) or a word: easy, medium, hard (also ``E``/``M``/``H``, आसान, मध्यम,
  कठिन) are 0.2, 0.5 and 0.8. It is kept to 3 decimals (``0.3333`` is 0.333), as stored.
- IRT_A, IRT_B, IRT_C: the three-parameter logistic model's discrimination a, difficulty b and
  guessing c. All three empty, or a and b given (c empty means 0); a is above 0 and at most 4, b from
  -6 to 6, c from 0 to below 0.5, as written in the file. With ``irt_metric="normal"`` the file's
  parameters are in the normal-ogive metric and a is multiplied by 1.702, the constant that makes the
  logistic curve match the normal ogive (b and c are the same in both metrics); the result is always
  in the logistic metric (D = 1) that adaptive testing uses.

Rows. Blank rows are skipped; a row repeating the header, and a row with values beyond the header's
columns (a comma inside an unquoted text), are refused; title rows above the header are skipped by
:func:`~domain.files.table.read_table`. A file with a header and no question under it is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.errors import N_
from domain.files.detect import (
    ANSWER_ALIASES,
    BLOOM_ALIASES,
    CONCEPT_ALIASES,
    DIFFICULTY_ALIASES,
    IRT_ALIASES,
    OPTION_ALIASES,
    QUESTION_CO_ALIASES,
    QUESTION_ID_ALIASES,
    QUESTION_MARKS_ALIASES,
    QUESTION_TEXT_ALIASES,
    QUESTION_TYPE_ALIASES,
    TOPIC_ALIASES,
)
from domain.files.marks import MARK_DECIMAL_COMMA, TOO_MANY_DECIMALS
from domain.files.outcomes import BLOOM_UNKNOWN, CO_NOT_A_CODE, normalise_co, read_bloom, several_bloom_levels
from domain.files.problems import (
    FORMULA_NOT_NUMBER,
    HEADER_AGAIN,
    NOT_A_NUMBER,
    SCIENTIFIC,
    HeaderMap,
    ProblemList,
    check_number,
    extra_cells_problem,
    header_problems,
    ignored_columns,
    looks_scientific,
    map_header,
    normalise_header,
)
from domain.files.table import Row, Table

ID_MAX = 32
QUESTION_MAX = 3000
OPTION_MAX = 300
ANSWER_MAX = 3000  # a written question's model answer or rubric
TOPIC_MAX = 120  # TOPIC and CONCEPT
MARKS_MAX = Decimal(100)
DIFFICULTY_PLACES = Decimal("0.001")  # what the bank stores
NORMAL_TO_LOGISTIC = Decimal("1.702")
"""Multiplying a normal-ogive discrimination by 1.702 gives the logistic one (D = 1) of nearly the same curve."""
IRT_METRICS = ("logistic", "normal")

KINDS = ("MCQ", "TF", "NUM", "VSA", "SA", "LA")
OBJECTIVE = frozenset({"MCQ", "TF", "NUM"})  # scored from ANSWER
WRITTEN = frozenset({"VSA", "SA", "LA"})  # marked by a teacher
DEFAULT_MARKS: dict[str, Decimal] = {"MCQ": Decimal(1), "TF": Decimal(1), "NUM": Decimal(1), "VSA": Decimal(2),
                                     "SA": Decimal(3), "LA": Decimal(5)}
WRITTEN_MARKS: dict[str, tuple[Decimal, ...]] = {"VSA": (Decimal(2),), "SA": (Decimal(3),),
                                                 "LA": (Decimal(5), Decimal(6))}
OPTION_LETTERS = "ABCDEF"
REQUIRED_OPTIONS = "ABCD"
REQUIRED = ("ID", "TYPE", "QUESTION")

ALIASES: dict[str, tuple[str, ...]] = {
    "ID": QUESTION_ID_ALIASES,
    "TYPE": QUESTION_TYPE_ALIASES,
    "QUESTION": QUESTION_TEXT_ALIASES,
    **OPTION_ALIASES,
    "ANSWER": ANSWER_ALIASES,
    "MARKS": QUESTION_MARKS_ALIASES,
    "CO": QUESTION_CO_ALIASES,
    "BLOOM": BLOOM_ALIASES,
    "TOPIC": TOPIC_ALIASES,
    "CONCEPT": CONCEPT_ALIASES,
    "DIFFICULTY": DIFFICULTY_ALIASES,
    **IRT_ALIASES,
}

KIND_NAMES: dict[str, str] = {
    **{k: k for k in KINDS},
    "MCQS": "MCQ", "MCQ MULTI": "MCQ", "MCQ MULTIPLE": "MCQ", "MCQ SINGLE": "MCQ", "MULTIPLE CHOICE": "MCQ",
    "MULTIPLE CHOICE QUESTION": "MCQ", "MULTI CHOICE": "MCQ", "MULTIPLE SELECT": "MCQ", "MULTI SELECT": "MCQ",
    "MSQ": "MCQ", "OBJECTIVE": "MCQ",
    "T/F": "TF", "TRUE/FALSE": "TF", "TRUE FALSE": "TF", "TRUE OR FALSE": "TF", "BOOLEAN": "TF",
    "NUMERIC": "NUM", "NUMERICAL": "NUM", "INTEGER": "NUM", "NUMBER": "NUM", "NAT": "NUM",
    "VERY SHORT ANSWER": "VSA", "VERY SHORT": "VSA", "VSAQ": "VSA",
    "SHORT ANSWER": "SA", "SHORT": "SA", "SAQ": "SA",
    "LONG ANSWER": "LA", "LONG": "LA", "LAQ": "LA", "ESSAY": "LA",
    # Hindi
    "बहुविकल्पीय": "MCQ", "सही/गलत": "TF", "सत्य/असत्य": "TF", "संख्यात्मक": "NUM",
    "अति लघु उत्तरीय": "VSA", "लघु उत्तरीय": "SA", "दीर्घ उत्तरीय": "LA",
}
"""What a TYPE cell may say (upper case, spaces, ``_`` and ``-`` as one space, no space around ``/``)."""

TRUE_FALSE: dict[str, int] = {
    "T": 0, "TRUE": 0, "YES": 0, "Y": 0, "1": 0, "सही": 0, "सत्य": 0, "हाँ": 0, "हां": 0,
    "F": 1, "FALSE": 1, "NO": 1, "N": 1, "0": 1, "गलत": 1, "ग़लत": 1, "असत्य": 1, "नहीं": 1,
}
"""A TF answer: 0 for true (the first of the two), 1 for false."""

DIFFICULTY_WORDS: dict[str, Decimal] = {
    "EASY": Decimal("0.2"), "E": Decimal("0.2"), "LOW": Decimal("0.2"), "आसान": Decimal("0.2"), "सरल": Decimal("0.2"),
    "MEDIUM": Decimal("0.5"), "M": Decimal("0.5"), "MODERATE": Decimal("0.5"), "AVERAGE": Decimal("0.5"),
    "मध्यम": Decimal("0.5"),
    "HARD": Decimal("0.8"), "H": Decimal("0.8"), "DIFFICULT": Decimal("0.8"), "HIGH": Decimal("0.8"),
    "कठिन": Decimal("0.8"),
}

NO_QUESTIONS = N_("The file has a header row but no questions under it.")
OPTION_COLUMN_MISSING = N_("The column {column} is missing; MCQ questions (the first is in row {row}) need the option "
                           "columns A, B, C and D.")
OPTION_COLUMNS_MISSING = N_("The columns {columns} are missing; MCQ questions (the first is in row {row}) need the "
                            "option columns A, B, C and D.")
ANSWER_COLUMN_MISSING = N_("The column ANSWER is missing; it gives the answer of every MCQ, TF and NUM question (the "
                           "first is in row {row}).")
IRT_COLUMN_MISSING = N_("The column {column} is missing; IRT parameters need both IRT_A and IRT_B (IRT_C is "
                        "optional).")
ID_EMPTY = N_("The ID is empty; give every question its own ID, such as DB001.")
ID_TOO_LONG = N_("The ID {id} has {length} characters; at most {limit} are allowed.")
ID_FIRST = N_("The ID {id} must start with a letter A–Z or a digit 0–9.")
ID_CHARACTERS = N_("The ID {id} contains {chars}; only letters A–Z, digits 0–9, _ . and - are allowed.")
ID_TWICE = N_("The ID {id} is also in row {other}; each question needs its own ID.")
TYPE_EMPTY = N_("The TYPE is empty; write MCQ, TF, NUM, VSA, SA or LA.")
TYPE_UNKNOWN = N_("{value} is not a question type; write MCQ, TF, NUM, VSA, SA or LA.")
QUESTION_EMPTY = N_("The question is empty.")
QUESTION_TOO_LONG = N_("The question has {length} characters; at most {limit} are allowed.")
OPTION_TOO_LONG = N_("Option {letter} has {length} characters; at most {limit} are allowed (a longer text belongs in "
                     "the question).")
OPTION_GAP = N_("Option {letter} is empty but option {later} is not; fill the options in order from A, without gaps.")
OPTIONS_TOO_FEW = N_("An MCQ question needs at least 2 options; this one has {count}.")
OPTIONS_SAME = N_("Options {first} and {second} have the same text; each option must be different.")
OPTIONS_NOT_ALLOWED = N_("{kind} questions have no options; leave A–D empty or change TYPE to MCQ.")
MCQ_ANSWER_EMPTY = N_("The answer is empty; write the letter of the correct option (such as B), or the letters of "
                      "all the correct ones (such as ABD).")
MCQ_ANSWER_UNKNOWN = N_("{value} is not an answer to an MCQ question; write the letter of the correct option (such as "
                        "B), or the letters of all the correct ones (such as ABD).")
MCQ_ANSWER_IS_TEXT = N_("{value} is the text of option {letter}; write the letter {letter} instead.")
NOT_AN_OPTION = N_("{letter} is not one of this question's options; its options are {options}.")
NOT_OPTIONS = N_("{letters} are not among this question's options; its options are {options}.")
TF_ANSWER_EMPTY = N_("The answer is empty; write T (true) or F (false).")
TF_ANSWER_UNKNOWN = N_("{value} is not true or false; write T (true) or F (false).")
NUM_ANSWER_EMPTY = N_("The answer is empty; write the number, such as 24, or a number with a tolerance, such as "
                      "12.5±0.1.")
NUM_ANSWER_UNKNOWN = N_("{value} is not a numeric answer; write a number without units, such as 24 or 12.5, "
                        "optionally with a tolerance, such as 12.5±0.1.")
NUM_THOUSANDS = N_("{value} has a thousands separator; write numbers without one, and decimals with a point: "
                   "{fixed}.")
NUM_TOLERANCE_NEGATIVE = N_("The tolerance in {value} is negative; it must be 0 or more, such as 12.5±0.1.")
ANSWER_TOO_LONG = N_("The model answer has {length} characters; at most {limit} are allowed.")
MARKS_NOT_POSITIVE = N_("The marks must be more than 0.")
MARKS_TOO_LARGE = N_("{value} is too many marks for one question; the limit is {limit}.")
VSA_MARKS = N_("VSA questions carry 2 marks, not {value}; correct MARKS, or TYPE.")
SA_MARKS = N_("SA questions carry 3 marks, not {value}; correct MARKS, or TYPE.")
LA_MARKS = N_("LA questions carry 5 or 6 marks, not {value}; correct MARKS, or TYPE.")
CO_SEVERAL = N_("{value} names more than one course outcome; a question counts towards one, so choose one.")
CO_UNKNOWN = N_("{co} is not an outcome of this course (it has {known}).")
CO_NONE_YET = N_("This course has no course outcomes yet; send its outcomes file (CO, DESCRIPTION, BLOOM, PO1…) "
                 "first, or leave the CO column empty.")
BLOOM_SEVERAL = N_("{value} gives more than one Bloom level; write the one level this question is at.")
TOPIC_TOO_LONG = N_("The topic has {length} characters; at most {limit} are allowed.")
CONCEPT_TOO_LONG = N_("The concept has {length} characters; at most {limit} are allowed.")
DIFFICULTY_UNKNOWN = N_("{value} is not a difficulty; write a proportion from 0 (easy) to 1 (hard) such as 0.35, a "
                        "percentage such as 35%, or easy, medium or hard.")
DIFFICULTY_RANGE = N_("{value} is outside 0 to 1; write the difficulty as a proportion such as 0.35, a percentage "
                      "such as 35%, or easy, medium or hard.")
IRT_EMPTY = N_("The IRT parameter {column} is empty; a question with IRT parameters needs both a and b (c may be "
               "left empty for 0), or all three left empty.")
IRT_A_RANGE = N_("{value} is not an IRT discrimination a: it must be more than 0 and at most 4.")
IRT_B_RANGE = N_("{value} is not an IRT difficulty b: it must be from -6 to 6.")
IRT_C_RANGE = N_("{value} is not an IRT guessing parameter c: it must be 0 or more and less than 0.5.")

_WRITTEN_MARKS_MESSAGE = {"VSA": VSA_MARKS, "SA": SA_MARKS, "LA": LA_MARKS}


@dataclass(frozen=True)
class QuestionRow:
    """One question of the bank, as the file gives it (see the module for every field's rules)."""

    row: int  # the file row, as Excel shows it
    ref: str  # the ID column, stripped, as typed (unique in the file, ignoring case)
    kind: str  # MCQ, TF, NUM, VSA, SA or LA
    text: str  # the question
    options: tuple[str, ...]  # MCQ: the option texts, A, B, … (no gaps); () otherwise
    correct: tuple[int, ...]  # MCQ: 0-based indices of the correct options, sorted; TF: (0,) true, (1,) false
    value: Decimal | None  # NUM: the answer
    tolerance: Decimal  # NUM: the tolerance (0 when none); 0 otherwise
    model_answer: str  # written kinds: the ANSWER cell (may be empty); "" otherwise
    marks: Decimal
    co: str | None  # CO1…, or None
    bloom: int | None  # 1–6, or None
    topic: str
    concept: str
    difficulty: Decimal | None  # 0–1
    irt: tuple[float, float, float] | None  # (a, b, c) in the logistic metric


@dataclass(frozen=True)
class QuestionBankFile:
    questions: list[QuestionRow]
    ignored: list[str]  # header columns not read, as the header spells them


Answer = tuple[tuple[str, ...], tuple[int, ...], Decimal | None, Decimal, str]
"""What the ANSWER and option cells give: (options, correct, value, tolerance, model answer)."""

Verdict = tuple[Any, str | None, dict[str, Any]]
"""``(value, None, {})`` for a good cell; ``(None, message id, params)`` saying why not."""

_KIND_SEPARATORS = re.compile(r"[\s_\-]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", re.ASCII)
_ID_CHARACTER = re.compile(r"[A-Za-z0-9_.\-]", re.ASCII)
_LETTER_SEPARATORS = re.compile(r"[\s,;/&+()\[\].:|'\"\-]+")
_LETTER_WORDS = frozenset({"OPTION", "OPTIONS", "OPT", "AND", "ANS", "ANSWER", "BOTH", "CORRECT"})
_OPTION_PREFIX = re.compile(r"^(?:OPTIONS?|OPT)(?=[A-Z]+$)")
_TOLERANCE = re.compile(r"^(?P<value>[^±+]*?)\s*(?:±|\+\s*/\s*-|\+\s*-)\s*(?P<tolerance>.*)$")
_SIGNED = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$", re.ASCII)
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$", re.ASCII)
_FORMULA_FIRST = ("=", "@", "+")
_HUNDREDTH = Decimal("0.01")


def _plain(text: str) -> str:
    """A cell as comparable text: NFKC (full-width letters and ``＝`` as ASCII), digits of any script as 0–9,
    the minus sign ``−`` as ``-``, trimmed."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value.isascii():
        value = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in value)
        value = value.replace("\u2212", "-")
    return value


def read_kind(text: str) -> str | None:
    """The kind a TYPE cell names: ``mcq`` and ``Multiple choice`` → ``MCQ``, ``T/F`` → ``TF``; None when unknown."""
    key = _KIND_SEPARATORS.sub(" ", _plain(text).upper()).strip(" .")
    key = re.sub(r"\s*/\s*", "/", key)
    return KIND_NAMES.get(key)


def read_true_false(text: str) -> int | None:
    """0 for true (``T``, ``TRUE``, ``yes``, ``1``, ``सही``), 1 for false (``F``, ``FALSE``, ``no``, ``0``, ``गलत``)."""
    key = _plain(text).upper().strip(" .()")
    return TRUE_FALSE.get(key)


def read_letters(text: str) -> str | None:
    """The option letters an MCQ answer names, sorted and without repeats: ``B``, ``A,B``, ``a b``, ``A & D``,
    ``(B)``, ``Option B``, ``ABD`` → ``"ABD"``; None when the cell is not letters A–F."""
    letters: set[str] = set()
    for token in _LETTER_SEPARATORS.split(_plain(text).upper()):
        if not token or token in _LETTER_WORDS:
            continue
        token = _OPTION_PREFIX.sub("", token)
        if not all(c in OPTION_LETTERS for c in token):
            return None
        letters.update(token)
    return "".join(sorted(letters)) or None


def read_numeric_answer(text: str) -> Verdict:
    """A NUM answer: ``((value, tolerance), None, {})`` or ``(None, message id, params)``.

    ``24`` → (24, 0); ``12.5±0.1``, ``12.5 +- 0.1``, ``12.5 +/- 0.1`` → (12.5, 0.1); ``-3`` is a negative
    number, but ``=24``, ``+24``, ``@x`` and ``-SUM(A1)`` are formulas.
    """
    shown = text.strip()
    value = _plain(text)
    if not value:
        return None, NUM_ANSWER_EMPTY, {}
    if value.startswith(_FORMULA_FIRST) or (value[0] == "-" and any(c.isalpha() or c in "(:" for c in value)):
        return None, FORMULA_NOT_NUMBER, {"value": shown}
    match = _TOLERANCE.match(value)
    parts = [match.group("value"), match.group("tolerance")] if match else [value]
    if all(_SIGNED.match(p) for p in parts):
        number = Decimal(parts[0])
        tolerance = Decimal(parts[1]) if len(parts) > 1 else Decimal(0)
        if tolerance < 0:
            return None, NUM_TOLERANCE_NEGATIVE, {"value": shown}
        return (number, tolerance), None, {}
    if any(looks_scientific(p) for p in parts):
        return None, SCIENTIFIC, {"value": shown}
    if all(_SIGNED.match(p) or _THOUSANDS.match(p) for p in parts):
        return None, NUM_THOUSANDS, {"value": shown, "fixed": value.replace(",", "")}
    if all(_SIGNED.match(p) or _DECIMAL_COMMA.match(p) for p in parts):
        return None, MARK_DECIMAL_COMMA, {"value": shown, "fixed": value.replace(",", ".")}
    return None, NUM_ANSWER_UNKNOWN, {"value": shown}


def read_marks(text: str) -> Verdict:
    """A MARKS cell that is not empty: a number above 0, at most 2 decimals and :data:`MARKS_MAX`, or why not."""
    shown = text.strip()
    value = _plain(text)
    if looks_scientific(value):
        return None, SCIENTIFIC, {"value": shown}
    if _DECIMAL_COMMA.match(value):
        return None, MARK_DECIMAL_COMMA, {"value": shown, "fixed": value.replace(",", ".")}
    number, message = check_number(value)
    if message is not None or number is None:
        return None, message or NOT_A_NUMBER, {"value": shown}
    if number == 0:
        return None, MARKS_NOT_POSITIVE, {}
    if number > MARKS_MAX:
        return None, MARKS_TOO_LARGE, {"value": shown, "limit": str(MARKS_MAX)}
    if number != number.quantize(_HUNDREDTH):
        return None, TOO_MANY_DECIMALS, {"value": shown}
    return number, None, {}


def read_difficulty(text: str) -> Verdict:
    """A DIFFICULTY cell that is not empty: 0–1 (``0.35``, ``35%``, ``easy``/``medium``/``hard``), or why not."""
    shown = text.strip()
    value = _plain(text)
    named = DIFFICULTY_WORDS.get(" ".join(value.upper().split()))
    if named is not None:
        return named, None, {}
    percent = value.endswith("%")
    if percent:
        value = value[:-1].strip()
    if _DECIMAL_COMMA.match(value):
        fixed = value.replace(",", ".") + ("%" if percent else "")
        return None, MARK_DECIMAL_COMMA, {"value": shown, "fixed": fixed}
    number, message = check_number(value, allow_negative=True)
    if message == FORMULA_NOT_NUMBER:
        return None, message, {"value": shown}
    if message is not None or number is None:
        return None, DIFFICULTY_UNKNOWN, {"value": shown}
    if percent:
        number = number / 100
    if not 0 <= number <= 1:
        return None, DIFFICULTY_RANGE, {"value": shown}
    if number != number.quantize(DIFFICULTY_PLACES, rounding=ROUND_HALF_UP):
        number = number.quantize(DIFFICULTY_PLACES, rounding=ROUND_HALF_UP)
    return number, None, {}


def id_problem(typed: str) -> tuple[str, dict[str, Any]] | None:
    """Why ``typed`` (stripped) is not a question ID: ``(message id, params)``, or None when it is one."""
    ref = typed.strip()
    if not ref:
        return ID_EMPTY, {}
    if len(ref) <= ID_MAX and _ID.match(ref):
        return None
    if looks_scientific(ref):
        return SCIENTIFIC, {"value": ref}
    if len(ref) > ID_MAX:
        return ID_TOO_LONG, {"id": ref, "length": len(ref), "limit": ID_MAX}
    bad = [c for c in dict.fromkeys(ref) if not _ID_CHARACTER.match(c)]
    if not bad:
        return ID_FIRST, {"id": ref}
    return ID_CHARACTERS, {"id": ref, "chars": " ".join(f"“{c}”" for c in bad)}


def several_cos(text: str) -> bool:
    """True for ``CO1, CO2``, ``CO1/CO3``, ``CO1 & CO2``: more than one course outcome in one cell."""
    parts = [p for p in re.split(r"[,/&+;]|\bAND\b", text.upper()) if p.strip()]
    return len(parts) > 1 and all(normalise_co(p) for p in parts)


def co_span(codes: Collection[str]) -> str:
    """Course outcomes as a message lists them: ``CO1–CO5``, ``CO1–CO3, CO5``, ``CO1, CO2``."""
    numbers = sorted({int(c[2:]) for c in codes if normalise_co(c) == c})
    others = sorted(c for c in codes if normalise_co(c) != c)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"CO{r[0]}–CO{r[-1]}" if len(r) > 2 else ", ".join(f"CO{n}" for n in r) for r in runs]
    return ", ".join([*parts, *others])


def parse_questions(table: Table, *, known_cos: Collection[str] | None = None,
                    irt_metric: str = "logistic") -> QuestionBankFile:
    """Validate a question bank whole; return its questions or raise ``FileProblems`` with every problem.

    ``known_cos`` are the course's outcome codes: None does not check the CO cells, an empty collection
    means the course has no outcomes yet (then a CO cell is a problem, told once). ``irt_metric`` is
    ``"logistic"`` or ``"normal"``, the metric of the file's IRT parameters (see the module); any other
    value raises ValueError.
    """
    if irt_metric not in IRT_METRICS:
        raise ValueError(f"irt_metric must be one of {IRT_METRICS}, not {irt_metric!r}")
    return _Reader(table, known_cos, irt_metric).read()


class _Reader:
    """One file being checked: where its columns are, what it has seen, and the problems found."""

    def __init__(self, table: Table, known_cos: Collection[str] | None, irt_metric: str) -> None:
        self.table = table
        self.cols: HeaderMap = map_header(table.header, ALIASES)
        self.problems = ProblemList(columns=[*table.header, *REQUIRED, *REQUIRED_OPTIONS, "ANSWER", "IRT_A",
                                             "IRT_B"])
        self.known = None if known_cos is None else {normalise_co(c) or c.strip().upper() for c in known_cos}
        self.known_list = co_span(self.known or ())
        self.scale = NORMAL_TO_LOGISTIC if irt_metric == "normal" else Decimal(1)
        self.options = [(letter, i) for letter in OPTION_LETTERS if (i := self.cols.get(letter)) is not None]
        self.options_complete = all(letter in self.cols.index for letter in REQUIRED_OPTIONS)
        self.irt = {p: i for p in "ABC" if (i := self.cols.get(f"IRT_{p}")) is not None}
        self.seen: dict[str, int] = {}
        self.first_mcq: int | None = None
        self.first_objective: int | None = None
        self.told_no_cos = False

    def column(self, name: str) -> str:
        return self.cols.column(name)

    def read(self) -> QuestionBankFile:
        table, problems = self.table, self.problems
        header_problems(self.cols, REQUIRED, problems, header_row=table.header_row,
                        needs="ID, TYPE, QUESTION, ANSWER")
        if self.irt:
            for p in "AB":
                if p not in self.irt:
                    problems.add(None, f"IRT_{p}", None, IRT_COLUMN_MISSING, column=f"IRT_{p}")
        used = set(self.cols.index.values())
        width = len(table.header)
        header_again = [normalise_header(h) for h in table.header]
        out: list[QuestionRow] = []
        candidates = 0
        for row in table.rows:
            cells = row.cells
            extra = any(cells[i] for i in range(width, len(cells)))
            if not extra and not any(row.cell(i) for i in used):
                continue  # a blank row
            candidates += 1
            if [normalise_header(c) for c in cells[:width]] == header_again:
                problems.add(row.number, None, None, HEADER_AGAIN)
                continue
            if extra_cells_problem(table, row.number, cells, problems):
                continue  # the cells after the stray value are shifted: checking them would only mislead
            question = self.row(row)
            if question is not None:
                out.append(question)
        missing = [letter for letter in REQUIRED_OPTIONS if letter not in self.cols.index]
        if self.first_mcq is not None and missing:  # one problem for the file, not one per MCQ row
            if len(missing) == 1:
                problems.add(None, missing[0], None, OPTION_COLUMN_MISSING, column=missing[0], row=self.first_mcq)
            else:
                problems.add(None, missing[0], None, OPTION_COLUMNS_MISSING, columns=", ".join(missing),
                             row=self.first_mcq)
        if self.first_objective is not None and "ANSWER" not in self.cols.index:
            problems.add(None, "ANSWER", None, ANSWER_COLUMN_MISSING, row=self.first_objective)
        if candidates == 0 and "QUESTION" in self.cols.index:
            problems.add(table.header_row, None, None, NO_QUESTIONS)
        problems.raise_if_any()
        return QuestionBankFile(out, ignored_columns(table, used))

    # ---- one row ----------------------------------------------------------------------------------

    def row(self, row: Row) -> QuestionRow | None:
        """Check every cell of a row; the question when the row has no problem."""
        before = len(self.problems)
        ref = self.ref(row)
        kind = self.kind(row)
        text = self.text(row)
        answer = self.answer(row, kind) if kind is not None else None
        marks = self.marks(row, kind)
        co = self.co(row)
        bloom = self.bloom(row)
        topic = self.short(row, "TOPIC", TOPIC_TOO_LONG)
        concept = self.short(row, "CONCEPT", CONCEPT_TOO_LONG)
        difficulty = self.difficulty(row)
        irt = self.irt_parameters(row)
        if len(self.problems) != before or ref is None or kind is None or answer is None or marks is None:
            return None
        options, correct, value, tolerance, model_answer = answer
        return QuestionRow(row.number, ref, kind, text, options, correct, value, tolerance, model_answer, marks, co,
                           bloom, topic, concept, difficulty, irt)

    def ref(self, row: Row) -> str | None:
        at = self.cols.get("ID")
        if at is None:
            return None
        typed = row.cell(at)
        why = id_problem(typed)
        if why is not None:
            self.problems.add(row.number, self.column("ID"), typed, why[0], **why[1])
            return None
        ref = typed.strip()
        key = ref.casefold()
        if key in self.seen:
            self.problems.add(row.number, self.column("ID"), typed, ID_TWICE, id=ref, other=self.seen[key])
            return None
        self.seen[key] = row.number
        return ref

    def kind(self, row: Row) -> str | None:
        at = self.cols.get("TYPE")
        if at is None:
            return None
        typed = row.cell(at)
        kind = read_kind(typed) if typed else None
        if not typed:
            self.problems.add(row.number, self.column("TYPE"), "", TYPE_EMPTY)
        elif kind is None:
            self.problems.add(row.number, self.column("TYPE"), typed, TYPE_UNKNOWN, value=typed)
        if kind == "MCQ" and self.first_mcq is None:
            self.first_mcq = row.number
        if kind in OBJECTIVE and self.first_objective is None:
            self.first_objective = row.number
        return kind

    def text(self, row: Row) -> str:
        at = self.cols.get("QUESTION")
        text = row.cell(at).strip()
        if at is None:
            return text
        if not text:
            self.problems.add(row.number, self.column("QUESTION"), "", QUESTION_EMPTY)
        elif len(text) > QUESTION_MAX:
            self.problems.add(row.number, self.column("QUESTION"), text, QUESTION_TOO_LONG, length=len(text),
                              limit=QUESTION_MAX)
        return text

    def answer(self, row: Row, kind: str) -> Answer | None:
        """(options, correct, value, tolerance, model answer) as the kind has them, or None after a problem."""
        before = len(self.problems)
        at = self.cols.get("ANSWER")
        typed = row.cell(at)
        column = self.column("ANSWER")
        options: tuple[str, ...] = ()
        correct: tuple[int, ...] = ()
        value: Decimal | None = None
        tolerance = Decimal(0)
        model_answer = ""
        if kind == "MCQ":
            options, correct = self.mcq(row, typed if at is not None else None)
        else:
            filled = next(((letter, i) for letter, i in self.options if row.cell(i)), None)
            if filled is not None:
                self.problems.add(row.number, self.column(filled[0]), row.cell(filled[1]), OPTIONS_NOT_ALLOWED,
                                  kind=kind)
        if kind == "TF" and at is not None:
            if not typed:
                self.problems.add(row.number, column, "", TF_ANSWER_EMPTY)
            elif (truth := read_true_false(typed)) is None:
                self.problems.add(row.number, column, typed, TF_ANSWER_UNKNOWN, value=typed)
            else:
                correct = (truth,)
        elif kind == "NUM" and at is not None:
            got, message, params = read_numeric_answer(typed)
            if message is not None:
                self.problems.add(row.number, column, typed, message, **params)
            else:
                value, tolerance = got
        elif kind in WRITTEN:
            model_answer = typed.strip()
            if len(model_answer) > ANSWER_MAX:
                self.problems.add(row.number, column, typed, ANSWER_TOO_LONG, length=len(model_answer),
                                  limit=ANSWER_MAX)
        if len(self.problems) != before or (kind in OBJECTIVE and at is None):
            return None
        return options, correct, value, tolerance, model_answer

    def mcq(self, row: Row, typed: str | None) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The options and correct indices of an MCQ row (``typed`` is None when there is no ANSWER column)."""
        texts = {letter: row.cell(i).strip() for letter, i in self.options}
        filled = [letter for letter, _i in self.options if texts[letter]]
        if self.options_complete:
            last = filled[-1] if filled else None
            for letter, _i in self.options:
                if letter == last:
                    break
                if not texts[letter] and last is not None:
                    self.problems.add(row.number, self.column(letter), "", OPTION_GAP, letter=letter, later=last)
            if len(filled) < 2:
                empty = next(letter for letter, _i in self.options if not texts[letter])
                self.problems.add(row.number, self.column(empty), "", OPTIONS_TOO_FEW, count=len(filled))
            same: dict[str, str] = {}
            for letter in filled:
                text = texts[letter]
                if len(text) > OPTION_MAX:
                    self.problems.add(row.number, self.column(letter), text, OPTION_TOO_LONG, letter=letter,
                                      length=len(text), limit=OPTION_MAX)
                key = " ".join(text.casefold().split())
                if key in same:
                    self.problems.add(row.number, self.column(letter), text, OPTIONS_SAME, first=same[key],
                                      second=letter)
                else:
                    same[key] = letter
        options = tuple(texts[letter] for letter in filled)
        if typed is None:
            return options, ()
        column = self.column("ANSWER")
        if not typed:
            self.problems.add(row.number, column, "", MCQ_ANSWER_EMPTY)
            return options, ()
        letters = read_letters(typed)
        if letters is None:
            key = " ".join(typed.casefold().split())
            meant = next((letter for letter in filled if " ".join(texts[letter].casefold().split()) == key), None)
            if meant is not None:
                self.problems.add(row.number, column, typed, MCQ_ANSWER_IS_TEXT, value=typed, letter=meant)
            else:
                self.problems.add(row.number, column, typed, MCQ_ANSWER_UNKNOWN, value=typed)
            return options, ()
        if self.options_complete and len(filled) >= 2:  # with fewer, the options' problem says what to do
            missing = [letter for letter in letters if not texts.get(letter)]
            listed = ", ".join(filled)
            if len(missing) == 1:
                self.problems.add(row.number, column, typed, NOT_AN_OPTION, letter=missing[0], options=listed)
            elif missing:
                self.problems.add(row.number, column, typed, NOT_OPTIONS, letters=", ".join(missing), options=listed)
        return options, tuple(OPTION_LETTERS.index(letter) for letter in letters)

    def marks(self, row: Row, kind: str | None) -> Decimal | None:
        at = self.cols.get("MARKS")
        typed = row.cell(at)
        if not typed:
            return DEFAULT_MARKS[kind] if kind is not None else None
        column = self.column("MARKS")
        value, message, params = read_marks(typed)
        if message is not None:
            self.problems.add(row.number, column, typed, message, **params)
            return None
        allowed = WRITTEN_MARKS.get(kind or "")
        if allowed is not None and value not in allowed:
            self.problems.add(row.number, column, typed, _WRITTEN_MARKS_MESSAGE[kind or ""], value=typed)
            return None
        assert isinstance(value, Decimal)
        return value

    def co(self, row: Row) -> str | None:
        at = self.cols.get("CO")
        typed = row.cell(at)
        if not typed:
            return None
        column = self.column("CO")
        code = normalise_co(typed)
        if code is None:
            self.problems.add(row.number, column, typed, CO_SEVERAL if several_cos(typed) else CO_NOT_A_CODE,
                              value=typed)
        elif self.known is not None and not self.known:
            if not self.told_no_cos:
                self.told_no_cos = True
                self.problems.add(row.number, column, typed, CO_NONE_YET)
        elif self.known is not None and code not in self.known:
            self.problems.add(row.number, column, typed, CO_UNKNOWN, co=code, known=self.known_list)
        return code

    def bloom(self, row: Row) -> int | None:
        at = self.cols.get("BLOOM")
        typed = row.cell(at)
        if not typed:
            return None
        level = read_bloom(typed)
        if level is None:
            message = BLOOM_SEVERAL if several_bloom_levels(typed) else BLOOM_UNKNOWN
            self.problems.add(row.number, self.column("BLOOM"), typed, message, value=typed)
        return level

    def short(self, row: Row, name: str, too_long: str) -> str:
        text = row.cell(self.cols.get(name)).strip()
        if len(text) > TOPIC_MAX:
            self.problems.add(row.number, self.column(name), text, too_long, length=len(text), limit=TOPIC_MAX)
        return text

    def difficulty(self, row: Row) -> Decimal | None:
        typed = row.cell(self.cols.get("DIFFICULTY"))
        if not typed:
            return None
        value, message, params = read_difficulty(typed)
        if message is not None:
            self.problems.add(row.number, self.column("DIFFICULTY"), typed, message, **params)
            return None
        assert isinstance(value, Decimal)
        return value

    def irt_parameters(self, row: Row) -> tuple[float, float, float] | None:
        typed = {p: row.cell(i) for p, i in self.irt.items()}
        if not any(typed.values()):
            return None
        values: dict[str, Decimal] = {}
        for p, text in typed.items():
            column = self.column(f"IRT_{p}")
            if not text:
                if p in "AB":
                    self.problems.add(row.number, column, "", IRT_EMPTY, column=column)
                continue
            number, message = check_number(_plain(text), allow_negative=True)
            if message is not None or number is None:
                self.problems.add(row.number, column, text, message or NOT_A_NUMBER, value=text)
            elif p == "A" and not 0 < number <= 4:
                self.problems.add(row.number, column, text, IRT_A_RANGE, value=text)
            elif p == "B" and not -6 <= number <= 6:
                self.problems.add(row.number, column, text, IRT_B_RANGE, value=text)
            elif p == "C" and not 0 <= number < Decimal("0.5"):
                self.problems.add(row.number, column, text, IRT_C_RANGE, value=text)
            else:
                values[p] = number
        if "A" not in values or "B" not in values:
            return None
        # the product in decimal, then one rounding to float: 1.2 × 1.702 is 2.0424, not 2.0423999999999998
        return float(values["A"] * self.scale), float(values["B"]), float(values.get("C", 0))


__all__ = [
    "KINDS",
    "QuestionBankFile",
    "QuestionRow",
    "parse_questions",
    "read_difficulty",
    "read_kind",
    "read_letters",
    "read_marks",
    "read_numeric_answer",
    "read_true_false",
]
