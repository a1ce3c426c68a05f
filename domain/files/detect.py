"""Recognising what a teacher's file is from its header row.

``detect_kind`` names one of the file formats of the product (roster, marks sheet, course outcomes,
question bank, attendance, holidays) or returns None, and then the bot asks what the file is.
Column names are compared in normalised form (case, spaces and underscores do not matter) and the
usual aliases are understood (``STUDENT NAME`` for NAME, ``REG NO`` for USN…).

A question bank is a header with the question's text (``QUESTION``, ``Question Text``…) and its ID,
TYPE or ANSWER column; it is recognised before the outcomes file, whose CO and BLOOM columns a
question bank has too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.files.problems import normalise_header

KINDS = ("roster", "marks", "outcomes", "questions", "attendance", "holidays")

USN_ALIASES = (
    "USN NO", "USN NUMBER", "STUDENT USN", "UNIVERSITY SEAT NUMBER", "REG NO", "REGN NO", "REGD NO",
    "REGISTER NO", "REGISTER NUMBER", "REGISTRATION NO", "REGISTRATION NUMBER", "ENROLLMENT NO",
    "ENROLMENT NO", "ENROLLMENT NUMBER", "ADMISSION NO", "ADMISSION NUMBER", "STUDENT ID", "ROLL NO",
    "ROLL NUMBER",
)
NAME_ALIASES = (
    "STUDENT NAME", "NAME OF THE STUDENT", "NAME OF STUDENT", "STUDENTS NAME", "STUDENT'S NAME",
    "STUDENT FULL NAME", "FULL NAME", "STUDENT",
)
FIRST_NAME_ALIASES = ("FIRST NAME", "GIVEN NAME")
CO_ALIASES = ("CO NO", "CO NUMBER", "CO CODE", "CO ID", "COS", "CO S NO", "CO SL NO")
DESCRIPTION_ALIASES = (
    "COURSE OUTCOME", "COURSE OUTCOMES", "CO DESCRIPTION", "CO STATEMENT", "STATEMENT", "OUTCOME",
    "OUTCOMES", "DESCRIPTION OF CO", "DESCRIPTION OF THE CO", "COURSE OUTCOME STATEMENT",
)
BLOOM_ALIASES = (
    "BLOOM LEVEL", "BLOOMS LEVEL", "BLOOM'S LEVEL", "BLOOMS", "BLOOM'S", "BLOOMS TAXONOMY LEVEL",
    "BLOOM'S TAXONOMY LEVEL", "BLOOM TAXONOMY LEVEL", "BL", "BTL", "RBT", "RBT LEVEL", "COGNITIVE LEVEL",
    "KNOWLEDGE LEVEL", "K LEVEL",
)

# question bank columns (domain.files.questions); the IRT columns are never a bare A/B/C, which are options
QUESTION_ID_ALIASES = (
    "Q NO", "QNO", "Q NUMBER", "QID", "Q ID", "QUESTION ID", "QUESTION NO", "QUESTION NUMBER", "QUESTION CODE",
    "ITEM ID", "ITEM CODE", "ITEM NO",
)
QUESTION_TYPE_ALIASES = ("QUESTION TYPE", "Q TYPE", "QTYPE", "TYPE OF QUESTION", "ITEM TYPE")
QUESTION_TEXT_ALIASES = (
    "QUESTION TEXT", "QUESTION STATEMENT", "QUESTION STEM", "STEM", "QUESTIONS", "ITEM TEXT", "QUESTION (TEXT)",
)
OPTION_ALIASES: dict[str, tuple[str, ...]] = {
    letter: (f"OPTION {letter}", f"OPT {letter}", f"OPTION{letter}", f"OPT{letter}", f"CHOICE {letter}",
             f"OPTION ({letter})", f"OPTION({letter})", f"({letter})")
    for letter in "ABCDEF"
}
ANSWER_ALIASES = (
    "CORRECT ANSWER", "CORRECT ANSWERS", "CORRECT OPTION", "CORRECT OPTIONS", "RIGHT ANSWER", "ANSWER KEY", "KEY",
    "ANS", "CORRECT", "ANSWERS", "MODEL ANSWER",
)
QUESTION_MARKS_ALIASES = (
    "MARK", "MAX MARKS", "MAX MARK", "MAXIMUM MARKS", "MARKS ALLOTTED", "MARKS ALLOCATED", "POINTS",
)
QUESTION_CO_ALIASES = (*CO_ALIASES, "COURSE OUTCOME", "MAPPED CO", "CO MAPPED", "CO MAPPING")
TOPIC_ALIASES = ("TOPIC NAME", "TOPICS", "CHAPTER", "CHAPTER NAME", "UNIT", "MODULE")
CONCEPT_ALIASES = ("CONCEPT NAME", "CONCEPTS", "SUBTOPIC", "SUB TOPIC", "SUB-TOPIC", "SKILL")
DIFFICULTY_ALIASES = (
    "DIFFICULTY LEVEL", "DIFFICULTY INDEX", "LEVEL OF DIFFICULTY", "DIFFICULTY VALUE", "DIFF", "DIFF LEVEL",
)
IRT_ALIASES: dict[str, tuple[str, ...]] = {
    f"IRT_{p}": (f"IRT-{p}", f"IRT{p}", f"IRT ({p})", f"IRT({p})", f"IRT {p} PARAMETER", f"IRT-{p} PARAMETER")
    for p in "ABC"
}

# holidays file columns (domain.files.holidays); never a bare DAY, which in a holiday list is the weekday
HOLIDAY_DATE_ALIASES = (
    "HOLIDAY DATE", "DATE OF HOLIDAY", "DATE OF THE HOLIDAY", "DATES", "DATE (DD/MM/YYYY)", "DATE (DD-MM-YYYY)",
    "DATE (DD MM YYYY)", "DATE (YYYY-MM-DD)",
)
HOLIDAY_NAME_ALIASES = (
    "HOLIDAY NAME", "NAME OF HOLIDAY", "NAME OF THE HOLIDAY", "HOLIDAY", "HOLIDAYS", "OCCASION", "OCCASION NAME",
    "NAME OF OCCASION", "NAME OF THE OCCASION", "FESTIVAL", "FESTIVAL NAME", "NAME OF FESTIVAL",
    "NAME OF THE FESTIVAL", "DESCRIPTION",
)

_QUESTION = re.compile(r"^(?:Q\d{1,3}[A-Z]?\d?|\d{1,3}[A-Z])$", re.ASCII)
_OUTCOME_COLUMN = re.compile(r"^P(?:S)?O\d{1,2}$", re.ASCII)


def compact(text: str) -> str:
    """A header without any separator: ``Q 1 (a)`` → ``Q1A``."""
    return re.sub(r"[\s().\-/]+", "", normalise_header(text))


def is_question_column(text: str) -> bool:
    """``Q1``, ``Q1A``, ``Q 1 (a)``, ``Q10B``, ``1A``: a question column of a marks sheet."""
    return bool(_QUESTION.match(compact(text)))


def detect_kind(header: Sequence[str]) -> str | None:
    """The kind of file a header row belongs to: one of :data:`KINDS`, or None."""
    names = {normalise_header(h) for h in header if h.strip()}
    if len(names) < 2:
        return None
    has_usn = bool(names & {"USN", *USN_ALIASES})
    has_name = bool(names & {"NAME", *NAME_ALIASES, *FIRST_NAME_ALIASES})
    if names & {"QUESTION", *QUESTION_TEXT_ALIASES} and names & {
            "ID", *QUESTION_ID_ALIASES, "TYPE", *QUESTION_TYPE_ALIASES, "ANSWER", *ANSWER_ALIASES}:
        return "questions"
    if names & {"CO", *CO_ALIASES} and (any(_OUTCOME_COLUMN.match(compact(n)) for n in names)
                                         or names & {"DESCRIPTION", "BLOOM", *DESCRIPTION_ALIASES, *BLOOM_ALIASES}):
        return "outcomes"
    if has_usn and "DATE" in names and "STATUS" in names:
        return "attendance"
    if has_usn and any(is_question_column(h) for h in header):
        return "marks"
    if has_usn and has_name:
        return "roster"
    if not has_usn and names & {"DATE", *HOLIDAY_DATE_ALIASES} and names & {"NAME", *HOLIDAY_NAME_ALIASES}:
        return "holidays"
    return None
