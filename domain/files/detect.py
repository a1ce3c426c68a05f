"""Recognising what a teacher's file is from its header row.

``detect_kind`` names one of the file formats of the product (roster, marks sheet, course outcomes,
question bank, attendance, holidays) or returns None, and then the bot asks what the file is.
Column names are compared in normalised form (case, spaces and underscores do not matter) and the
usual aliases are understood (``STUDENT NAME`` for NAME, ``REG NO`` for USN…).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.files.problems import normalise_header

KINDS = ("roster", "marks", "outcomes", "bank", "attendance", "holidays")

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
    if {"ID", "TYPE", "QUESTION"} <= names:
        return "bank"
    if names & {"CO", *CO_ALIASES} and (any(_OUTCOME_COLUMN.match(compact(n)) for n in names)
                                         or names & {"DESCRIPTION", "BLOOM", *DESCRIPTION_ALIASES, *BLOOM_ALIASES}):
        return "outcomes"
    if has_usn and "DATE" in names and "STATUS" in names:
        return "attendance"
    if has_usn and any(is_question_column(h) for h in header):
        return "marks"
    if has_usn and has_name:
        return "roster"
    if not has_usn and "DATE" in names and names & {"NAME", "HOLIDAY", "OCCASION", "DESCRIPTION", "HOLIDAY NAME"}:
        return "holidays"
    return None
