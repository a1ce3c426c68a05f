"""The item-analysis workbook of one exam: a row per question, and a sheet explaining every number.

Sheets, in order:

* **Items** — per question: label, kind, attempts, answered, facility, discrimination, the correct
  option letters, how many chose each of the options A–F (blank past the question's options; the
  counts of options after F are not shown), unanswered, and the flags.
* **About** — the exam, what each column means, how facility and discrimination are computed, and
  what each flag says.

Headers, explanations and flags are gettext message ids (:data:`COLUMNS`, :data:`ABOUT`,
:data:`FORMULAS`, the flags of :mod:`domain.item_analysis`); the caller passes their translations in
``labels`` (message id → text), and an id missing from it is written in English. The option letters
and the kinds (MCQ, TF…) are written as they are. Text stays text (see :mod:`domain.reports.xlsx`):
a question label such as ``=1+1`` is never a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from domain.errors import N_
from domain.item_analysis import (
    NEGATIVE_DISCRIMINATION,
    TOO_EASY,
    TOO_HARD,
    UNUSED_DISTRACTOR,
    WEAK_DISCRIMINATION,
    ItemKey,
    ItemStats,
)
from domain.reports.xlsx import CellValue, StreamingWorkbook

LETTERS = ("A", "B", "C", "D", "E", "F")
OPTION_KINDS = frozenset({"MCQ", "TF"})

QUESTION = N_("Question")
KIND = N_("Kind")
ATTEMPTS = N_("Attempts")
ANSWERED = N_("Answered")
FACILITY = N_("Facility")
DISCRIMINATION = N_("Discrimination")
CORRECT = N_("Correct option")
UNANSWERED = N_("Unanswered")
FLAGS = N_("Flags")
COLUMNS = (QUESTION, KIND, ATTEMPTS, ANSWERED, FACILITY, DISCRIMINATION, CORRECT, UNANSWERED, FLAGS)
"""The translatable column headers of the Items sheet, in English (the option letters A–F are not translated)."""

TITLE = N_("Item analysis")
COLUMN = N_("Column")
MEANING = N_("What it shows")
HOW = N_("How it is computed")
OPTIONS = N_("Options A–F")

ABOUT = (
    (QUESTION, N_("The question's label in the exam.")),
    (KIND, N_("MCQ, TF (true or false), NUM (a number), VSA, SA or LA (written answers marked by a teacher).")),
    (ATTEMPTS, N_("Submitted attempts that had this question: its paper included it, or the student answered "
                  "it. A written answer counts once a teacher has marked it.")),
    (ANSWERED, N_("Of those attempts, the ones that answered the question.")),
    (FACILITY, N_("From 0 to 1: the share of the question's marks the attempts earned on average. Near 1 the "
                  "question was easy for this group, near 0 hard.")),
    (DISCRIMINATION, N_("From −1 to 1: how much better the strongest attempts did on this question than the "
                        "weakest. 0.3 or more separates well; near 0 or below, the question does not tell "
                        "strong from weak students.")),
    (CORRECT, N_("The letters of the correct options (MCQ and TF; for a TF, A is true and B is false).")),
    (OPTIONS, N_("How many answered attempts chose each option (MCQ and TF), the distractor analysis. Blank "
                 "past the question's options.")),
    (UNANSWERED, N_("Attempts that had the question and left it unanswered.")),
    (FLAGS, N_("What may need a look, explained below.")),
)
"""Each column (or group of columns) of the Items sheet and what it shows, as message ids."""

FORMULAS = (
    N_("Fraction earned by an attempt = marks obtained on the question ÷ the question's marks; a negative mark "
       "counts as 0 and an unanswered question as 0."),
    N_("Facility = the mean of that fraction over the attempts that had the question; 3 decimals."),
    N_("Discrimination = mean fraction in the upper group − mean fraction in the lower group. The groups are "
       "the 27% of those attempts with the highest and the 27% with the lowest exam totals (at least one "
       "attempt each, rounded half up; equal totals are ordered by attempt); 3 decimals."),
    N_("Discrimination is left blank with fewer than 4 attempts: it would compare one student with another."),
    N_("Blueprint exams give each student a different paper: a question counts only for the attempts whose "
       "paper had it."),
)
"""The computation, line by line, as message ids."""

FLAG_MEANINGS = (
    (TOO_HARD, N_("Facility below 0.2: few earned its marks. Check the key and the wording.")),
    (TOO_EASY, N_("Facility above 0.9: nearly everyone earned its marks.")),
    (NEGATIVE_DISCRIMINATION, N_("Discrimination below 0: weaker students did better than stronger ones. Check "
                                 "the key first.")),
    (WEAK_DISCRIMINATION, N_("Discrimination from 0 to below 0.2: the question hardly separates strong from "
                             "weak students.")),
    (UNUSED_DISTRACTOR, N_("An incorrect MCQ option nobody chose, with at least 10 answers: it distracts "
                           "nobody.")),
)
"""Each flag and what it says, as message ids."""


def item_analysis_workbook(exam_label: str, stats: Sequence[ItemStats], keys: Sequence[ItemKey], *,
                           labels: Mapping[str, str]) -> bytes:
    """The workbook as bytes (.xlsx): a row per entry of ``stats`` (in that order), and the About sheet.

    ``keys`` give each question's options and correct answer; ``labels`` translate the message ids.
    """
    by_id = {k.question_id: k for k in keys}
    missing = [s.question_id for s in stats if s.question_id not in by_id]
    if missing:
        raise ValueError(f"no key for questions {missing}")

    def t(message: str) -> str:
        return labels.get(message, message)

    header = [t(QUESTION), t(KIND), t(ATTEMPTS), t(ANSWERED), t(FACILITY), t(DISCRIMINATION), t(CORRECT),
              *LETTERS, t(UNANSWERED), t(FLAGS)]
    book = StreamingWorkbook()
    items = book.sheet("Items", header)
    items.extend(item_cells(s, by_id[s.question_id], t) for s in stats)

    about = book.sheet("About", None, widths=[28, 110], freeze_header=False)
    about.append([t(TITLE), exam_label], bold=True)
    about.append([])
    about.append([t(COLUMN), t(MEANING)], bold=True)
    for column, meaning in ABOUT:
        about.append([t(column), t(meaning)])
    about.append([])
    about.append([t(HOW)], bold=True)
    for line in FORMULAS:
        about.append([None, t(line)])
    about.append([])
    about.append([t(FLAGS)], bold=True)
    for flag, meaning in FLAG_MEANINGS:
        about.append([t(flag), t(meaning)])
    return book.close()


def item_cells(stats: ItemStats, key: ItemKey, translate: Callable[[str], str] = str) -> list[CellValue]:
    """One row of the Items sheet; ``translate`` turns a flag's message id into text."""
    counts: list[CellValue] = [stats.option_counts[i] if i < len(stats.option_counts) else None
                               for i in range(len(LETTERS))]
    correct = ", ".join(_letter(i) for i in sorted(set(key.correct))) if key.kind in OPTION_KINDS else None
    flags = ", ".join(translate(f) for f in stats.flags) or None
    return [stats.label, stats.kind, stats.attempts, stats.answered, stats.facility, stats.discrimination,
            correct or None, *counts, stats.unanswered, flags]


def _letter(index: int) -> str:
    if 0 <= index < 26:
        return chr(ord("A") + index)
    return str(index + 1)
