"""Classical item analysis of one exam: how hard each question was, how well it told strong students from
weak ones, and how the options were chosen.

For each question (item), over the attempts that had it:

* **facility** — the mean fraction of the item's marks earned, ``max(0, marks) ÷ item marks`` (negative
  marking does not make it below 0; an unanswered question is 0). 1 means everyone got it right.
* **discrimination** — the mean of that fraction in the upper group minus the mean in the lower group,
  the groups being the top and bottom 27 % of those attempts by the attempt's total (``max(1,
  round(0.27 × n))`` attempts each, rounded half up; ties of total broken by attempt id, so the result is
  the same on every run). From −1 to 1; near 0 or below, the item does not separate strong from weak.
* **option counts** (MCQ, TF) — how many answered attempts chose each option; the distractor analysis.

Which attempts count for a question: those whose paper had it (``AttemptRow.paper``; a blueprint exam
gives each student a different subset) or that answered it. A response left out of ``responses`` is an
unanswered question. An answer with ``marks`` None is not scored yet and does not count; for written
questions (VSA, SA, LA) only answers a teacher has marked count, so an unanswered written question is not
counted either (until a teacher marks it, typically 0).

Flags: ``too hard`` (facility < 0.2), ``too easy`` (facility > 0.9), ``negative discrimination`` (< 0),
``weak discrimination`` (0 to < 0.2; a negative index is flagged only as negative), ``unused distractor``
(an incorrect MCQ option nobody chose, only once at least 10 attempts answered the question). Flags are
decided on the values as reported (to 3 decimals). A question worth no marks gets neither facility nor
discrimination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import N_
from domain.scoring import WRITTEN

TOO_HARD = N_("too hard")
TOO_EASY = N_("too easy")
WEAK_DISCRIMINATION = N_("weak discrimination")
NEGATIVE_DISCRIMINATION = N_("negative discrimination")
UNUSED_DISTRACTOR = N_("unused distractor")
FLAGS = (TOO_HARD, TOO_EASY, WEAK_DISCRIMINATION, NEGATIVE_DISCRIMINATION, UNUSED_DISTRACTOR)

HARD_BELOW = Decimal("0.2")
EASY_ABOVE = Decimal("0.9")
WEAK_BELOW = Decimal("0.2")
DISTRACTOR_MIN_ANSWERED = 10
GROUP_SHARE = Decimal("0.27")
MIN_FOR_DISCRIMINATION = 4
PLACES = Decimal("0.001")
OPTION_KINDS = frozenset({"MCQ", "TF"})

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class ItemKey:
    """A question of the exam: its kind, number of options (MCQ; a TF has 2), correct options and marks."""

    question_id: int
    label: str
    kind: str
    options: int
    correct: tuple[int, ...]
    marks: Decimal


@dataclass(frozen=True)
class ItemResponse:
    """One answer: the options chosen (MCQ, TF; None or () when not answered, None for other kinds) and
    the marks it earned (None: not scored yet, such as a written answer waiting for a teacher)."""

    chosen: tuple[int, ...] | None
    marks: Decimal | None


@dataclass(frozen=True)
class AttemptRow:
    """One submitted attempt: its total, its answers by question id, and the question ids of its paper.

    ``paper`` None means the attempt had every question of the exam (a fixed exam).
    """

    attempt_id: int
    total: Decimal
    responses: Mapping[int, ItemResponse]
    paper: frozenset[int] | None = None


@dataclass(frozen=True)
class ItemStats:
    """The analysis of one question; facility and discrimination to 3 decimals (see the module's text).

    ``facility`` is None when no attempt counted (or the question is worth no marks); ``discrimination``
    is None below :data:`MIN_FOR_DISCRIMINATION` attempts: the two groups would be one student each out of
    two or three, comparing one student with another rather than stronger with weaker students.
    """

    question_id: int
    label: str
    kind: str
    attempts: int
    answered: int
    facility: Decimal | None
    discrimination: Decimal | None
    option_counts: tuple[int, ...]
    unanswered: int
    flags: tuple[str, ...]


def analyse(keys: Sequence[ItemKey], attempts: Sequence[AttemptRow]) -> list[ItemStats]:
    """The statistics of every question in ``keys``, in that order, over ``attempts``."""
    ids = [k.question_id for k in keys]
    if len(set(ids)) != len(ids):
        raise ValueError("a question is listed twice")
    ranked = sorted(attempts, key=lambda a: (a.total, a.attempt_id))  # lowest first
    return [_item(key, ranked) for key in keys]


def _item(key: ItemKey, ranked: Sequence[AttemptRow]) -> ItemStats:
    options = 2 if key.kind == "TF" else key.options if key.kind in OPTION_KINDS else 0
    counts = [0] * options
    fractions: list[Decimal] = []  # in the order of the attempts' totals
    answered = 0
    for attempt in ranked:
        response = attempt.responses.get(key.question_id)
        if response is None:
            if key.kind in WRITTEN or (attempt.paper is not None and key.question_id not in attempt.paper):
                continue  # not on this paper, or a written question nobody has marked
            fractions.append(_ZERO)
            continue
        if key.kind in OPTION_KINDS and not response.chosen:
            fractions.append(_ZERO)  # given as "not answered"
            continue
        if response.marks is None:
            continue  # not scored yet (a written answer waiting for a teacher)
        answered += 1
        fractions.append(_fraction(response.marks, key.marks))
        for option in frozenset(response.chosen or ()):
            if 0 <= option < options:
                counts[option] += 1
    n = len(fractions)
    facility = _q(sum(fractions, _ZERO) / n) if n and key.marks > 0 else None
    discrimination = _discrimination(fractions) if key.marks > 0 else None
    stats = ItemStats(key.question_id, key.label, key.kind, n, answered, facility, discrimination, tuple(counts),
                      n - answered, ())
    return replace(stats, flags=_flags(key, stats))


def _fraction(marks: Decimal, out_of: Decimal) -> Decimal:
    if out_of <= 0:
        return _ZERO
    return min(_ONE, max(_ZERO, marks) / out_of)


def group_size(n: int) -> int:
    """Attempts in each of the upper and lower groups: 27 % of ``n``, rounded half up, at least 1."""
    return max(1, int((GROUP_SHARE * n).quantize(_ONE, rounding=ROUND_HALF_UP)))


def _discrimination(fractions: Sequence[Decimal]) -> Decimal | None:
    """Upper-group mean minus lower-group mean; ``fractions`` are ordered by the attempts' totals, lowest first."""
    n = len(fractions)
    if n < MIN_FOR_DISCRIMINATION:
        return None
    g = group_size(n)
    lower = sum(fractions[:g], _ZERO)
    upper = sum(fractions[n - g:], _ZERO)
    return _q((upper - lower) / g)


def _flags(key: ItemKey, stats: ItemStats) -> tuple[str, ...]:
    flags = []
    if stats.facility is not None:
        if stats.facility < HARD_BELOW:
            flags.append(TOO_HARD)
        elif stats.facility > EASY_ABOVE:
            flags.append(TOO_EASY)
    if stats.discrimination is not None:
        if stats.discrimination < 0:
            flags.append(NEGATIVE_DISCRIMINATION)
        elif stats.discrimination < WEAK_BELOW:
            flags.append(WEAK_DISCRIMINATION)
    if key.kind == "MCQ" and stats.answered >= DISTRACTOR_MIN_ANSWERED:
        correct = frozenset(key.correct)
        if any(count == 0 and option not in correct for option, count in enumerate(stats.option_counts)):
            flags.append(UNUSED_DISTRACTOR)
    return tuple(flags)


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)
