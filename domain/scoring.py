"""Scoring an exam: the marks one answer earns, and the totals of an attempt.

Pure functions over the attempt's snapshot (:class:`Key` per question) and the student's responses;
the worker that scores a submitted attempt calls them and stores the outcomes.

One answer (:func:`score`):

* Not answered (``None`` or an empty tuple): 0 marks, ``"unanswered"`` — never negative.
* MCQ, all-or-nothing: the chosen set equals the correct set → full marks; anything else is wrong.
* MCQ with partial credit (``Rules.partial``; it only matters when several options are correct): any
  incorrect option chosen → wrong; otherwise marks × (correct options chosen) ÷ (correct options),
  ``"partial"`` unless every correct option was chosen (``"correct"``).
* TF: exactly one index, equal to the key's.
* NUM: ``|given − value| ≤ tolerance``, compared exactly in Decimal.
* VSA, SA, LA (written): no marks yet, ``"pending"`` whatever the response — a teacher marks them.
* A wrong answer loses ``Rules.negative`` × the question's marks (0 when there is no negative marking).

A response of the wrong shape is not an error: an empty tuple counts as unanswered, anything else that
does not fit the kind — a number for an MCQ or TF, options for a NUM, an index that is not an option
(out of range, negative, a bool), several indices for a TF, NaN or infinity for a NUM — is a wrong
answer (and loses the negative marks). Repeated indices in an MCQ response count once.

Marks are quantized to 0.01, half up. An attempt's total (:func:`totals`) never goes below zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

KINDS = ("MCQ", "TF", "NUM", "VSA", "SA", "LA")
WRITTEN = frozenset({"VSA", "SA", "LA"})
OBJECTIVE = frozenset(KINDS) - WRITTEN


def has_written(paper: Sequence[Mapping[str, Any]]) -> bool:
    """Whether an attempt's paper (its snapshot of questions) has a written question."""
    return any(q["kind"] in WRITTEN for q in paper)
STATUSES = ("correct", "partial", "wrong", "unanswered", "pending")
CENT = Decimal("0.01")

_ZERO = Decimal(0)


def q(value: Decimal) -> Decimal:
    """Marks as stored: 0.01, half up (half away from zero, so −0.125 becomes −0.13)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Key:
    """What scoring needs of one question of an attempt's snapshot.

    ``correct``: MCQ — the correct option indices (in the bank's order, before any shuffling);
    TF — ``(0,)`` for true, ``(1,)`` for false. ``value`` and ``tolerance``: the NUM answer.
    """

    kind: str
    marks: Decimal
    correct: tuple[int, ...] = ()
    value: Decimal | None = None
    tolerance: Decimal = _ZERO

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown question kind {self.kind!r}; the kinds are {', '.join(KINDS)}")
        if not self.marks.is_finite() or self.marks < 0:
            raise ValueError(f"a question's marks must be zero or more, not {self.marks}")
        if self.kind == "MCQ" and (not self.correct or any(i < 0 for i in self.correct)):
            raise ValueError("an MCQ key needs at least one correct option index (0 or more)")
        if self.kind == "TF" and self.correct not in ((0,), (1,)):
            raise ValueError("a TF key is (0,) for true or (1,) for false")
        if self.kind == "NUM" and (self.value is None or not self.value.is_finite()):
            raise ValueError("a NUM key needs its numeric answer")
        if not self.tolerance.is_finite() or self.tolerance < 0:
            raise ValueError(f"a tolerance must be zero or more, not {self.tolerance}")


@dataclass(frozen=True)
class Rules:
    """The exam's scoring rules: partial credit for MCQs, and negative marking.

    ``negative`` is the fraction of a question's marks deducted for a wrong answer (0.25 = a quarter).
    """

    partial: bool = False
    negative: Decimal = _ZERO

    def __post_init__(self) -> None:
        if not self.negative.is_finite() or not _ZERO <= self.negative <= 1:
            raise ValueError(f"negative marking is a fraction from 0 to 1, not {self.negative}")


Response = tuple[int, ...] | Decimal | None
"""Chosen option indices (MCQ, TF), the number typed (NUM); ``None`` when not answered."""


@dataclass(frozen=True)
class Outcome:
    """The marks an answer earned (``None``: a written answer waiting for a teacher) and why."""

    marks: Decimal | None
    status: str  # one of STATUSES


def score(key: Key, response: Response, rules: Rules) -> Outcome:
    """The marks ``response`` earns on the question ``key`` under ``rules`` (see the module's rules)."""
    if key.kind in WRITTEN:
        return Outcome(None, "pending")
    if response is None or response == ():
        return Outcome(q(_ZERO), "unanswered")
    wrong = Outcome(q(_ZERO - rules.negative * key.marks), "wrong")  # 0 - x: never a "-0.00"
    if key.kind == "NUM":
        if not isinstance(response, Decimal) or not response.is_finite() or key.value is None:
            return wrong
        return Outcome(q(key.marks), "correct") if abs(response - key.value) <= key.tolerance else wrong
    if not isinstance(response, tuple) or not all(_is_index(i) for i in response):
        return wrong
    chosen = frozenset(response)
    correct = frozenset(key.correct)
    if key.kind == "TF":
        return Outcome(q(key.marks), "correct") if len(response) == 1 and chosen == correct else wrong
    if chosen == correct:
        return Outcome(q(key.marks), "correct")
    if not rules.partial or len(correct) < 2 or not chosen <= correct:
        return wrong
    return Outcome(q(key.marks * len(chosen) / len(correct)), "partial")


def _is_index(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Totals:
    """An attempt's totals.

    ``score``: the marks of the objective questions (MCQ, TF, NUM) added up, floored at 0.
    ``max_objective`` and ``max_written``: the questions' marks (each to 0.01) by kind.
    ``percentage``: score ÷ max_objective × 100 to 0.01 half up; 0 when there is no objective question.
    The counts are of the outcomes' statuses, written questions included.
    """

    score: Decimal
    max_objective: Decimal
    max_written: Decimal
    correct: int
    partial: int
    wrong: int
    unanswered: int
    pending: int
    percentage: Decimal


def totals(keys: Sequence[Key], outcomes: Sequence[Outcome]) -> Totals:
    """The totals of an attempt whose questions are ``keys`` and whose answers scored ``outcomes`` (same order).

    Written questions add to ``max_written`` and never to the score, even once a teacher has marked them.
    """
    if len(keys) != len(outcomes):
        raise ValueError(f"{len(keys)} questions but {len(outcomes)} outcomes")
    raw = _ZERO
    max_objective = _ZERO
    max_written = _ZERO
    counts = dict.fromkeys(STATUSES, 0)
    for key, outcome in zip(keys, outcomes, strict=True):
        if outcome.status not in counts:
            raise ValueError(f"unknown outcome status {outcome.status!r}")
        counts[outcome.status] += 1
        if key.kind in WRITTEN:
            max_written += q(key.marks)
            continue
        max_objective += q(key.marks)
        if outcome.marks is not None:
            raw += outcome.marks
    total = q(max(raw, _ZERO))
    percentage = q(total * 100 / max_objective) if max_objective > 0 else q(_ZERO)
    return Totals(total, max_objective, max_written, counts["correct"], counts["partial"], counts["wrong"],
                  counts["unanswered"], counts["pending"], percentage)
