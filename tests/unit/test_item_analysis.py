"""Item analysis (``domain.item_analysis``): a class worked by hand, the edge cases, and properties."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.item_analysis import (
    NEGATIVE_DISCRIMINATION,
    TOO_EASY,
    TOO_HARD,
    UNUSED_DISTRACTOR,
    WEAK_DISCRIMINATION,
    AttemptRow,
    ItemKey,
    ItemResponse,
    ItemStats,
    analyse,
    group_size,
)

D = Decimal

Q1 = ItemKey(1, "Q1", "MCQ", 4, (1,), D(2))  # B, 2 marks, half off for a wrong answer
Q2 = ItemKey(2, "Q2", "MCQ", 4, (0, 2), D(3))  # A and C, 3 marks, partial credit
Q3 = ItemKey(3, "Q3", "NUM", 0, (), D(4))


def r(chosen: tuple[int, ...] | None, marks: str | None) -> ItemResponse:
    return ItemResponse(chosen, None if marks is None else D(marks))


def class_of_ten() -> list[AttemptRow]:
    # attempt: total | Q1 (chosen, marks) | Q2 (chosen, marks) | Q3 marks ("-" = not answered)
    #  1:  2 | A −1   | A   1.5 | 4
    #  2:  3 | C −1   | B   0   | 4
    #  3:  4 | B  2   | AC  3   | 0
    #  4:  4 | —      | A   1.5 | 4      (total ties with 3; attempt 3 sorts first)
    #  5:  5 | B  2   | C   1.5 | -
    #  6:  6 | D −1   | AC  3   | 0
    #  7:  7 | B  2   | AC  3   | 0
    #  8:  8 | B  2   | AC  3   | 0
    #  9:  9 | B  2   | AC  3   | 4
    # 10: 10 | A −1   | AC  3   | 0
    rows = [
        (2, r((0,), "-1"), r((0,), "1.5"), "4"),
        (3, r((2,), "-1"), r((1,), "0"), "4"),
        (4, r((1,), "2"), r((0, 2), "3"), "0"),
        (4, None, r((0,), "1.5"), "4"),
        (5, r((1,), "2"), r((2,), "1.5"), None),
        (6, r((3,), "-1"), r((0, 2), "3"), "0"),
        (7, r((1,), "2"), r((0, 2), "3"), "0"),
        (8, r((1,), "2"), r((0, 2), "3"), "0"),
        (9, r((1,), "2"), r((0, 2), "3"), "4"),
        (10, r((0,), "-1"), r((0, 2), "3"), "0"),
    ]
    attempts = []
    for n, (total, q1, q2, q3) in enumerate(rows, start=1):
        responses = {2: q2}
        if q1 is not None:
            responses[1] = q1
        if q3 is not None:
            responses[3] = r(None, q3)
        attempts.append(AttemptRow(n, D(total), responses))
    return attempts


def test_a_class_of_ten_worked_by_hand() -> None:
    # n = 10 attempts per question; groups of round(0.27 × 10) = round(2.7) = 3.
    # By (total, attempt): lower group = attempts 1, 2, 3; upper group = attempts 8, 9, 10.
    q1, q2, q3 = analyse([Q1, Q2, Q3], class_of_ten())

    # Q1: fraction = max(0, marks) / 2 → 0 0 1 0 1 0 1 1 1 0 (attempt 4 unanswered = 0).
    #     facility = 5/10 = 0.5; upper (1 1 0) 2/3 − lower (0 0 1) 1/3 = 1/3 → 0.333.
    #     A: attempts 1, 10; B: 3 5 7 8 9; C: 2; D: 6 → (2, 5, 1, 1); 9 answered, 1 unanswered.
    assert q1 == ItemStats(1, "Q1", "MCQ", 10, 9, D("0.500"), D("0.333"), (2, 5, 1, 1), 1, ())

    # Q2: fraction = marks / 3 → .5 0 1 .5 .5 1 1 1 1 1; facility = 7.5/10 = 0.75.
    #     upper (1 1 1) 1 − lower (.5 0 1) 0.5 = 0.5. A chosen by 8, B by 1, C by 7, D by none: with
    #     10 answered, D is an unused distractor.
    assert q2 == ItemStats(2, "Q2", "MCQ", 10, 10, D("0.750"), D("0.500"), (8, 1, 7, 0), 0, (UNUSED_DISTRACTOR,))

    # Q3: fraction → 1 1 0 1 0 0 0 0 1 0 (attempt 5 did not answer); facility 4/10 = 0.4.
    #     upper (0 1 0) 1/3 − lower (1 1 0) 2/3 = −1/3 → −0.333: the weaker did better.
    assert q3 == ItemStats(3, "Q3", "NUM", 10, 9, D("0.400"), D("-0.333"), (), 1, (NEGATIVE_DISCRIMINATION,))


def test_results_come_in_the_order_of_the_keys() -> None:
    assert [s.label for s in analyse([Q3, Q1, Q2], class_of_ten())] == ["Q3", "Q1", "Q2"]


def test_group_sizes_round_half_up() -> None:
    # 27 % of 4 = 1.08 → 1; of 10 = 2.7 → 3; of 50 = 13.5 → 14; of 150 = 40.5 → 41; of 100 = 27.
    assert [group_size(n) for n in (1, 4, 10, 50, 100, 150)] == [1, 1, 3, 14, 27, 41]


# ---- edge cases --------------------------------------------------------------------------------------------


def one_item(fractions_by_attempt: Sequence[str | None], total: str = "5", kind: str = "MCQ") -> ItemStats:
    """Attempts 1, 2, … with the same total; each answers with the given marks of 1 (None: unanswered)."""
    key = ItemKey(9, "Q", kind, 4 if kind == "MCQ" else 0, (0,) if kind == "MCQ" else (), D(1))
    attempts = [AttemptRow(n, D(total), {} if m is None else {9: r((0,) if kind == "MCQ" else None, m)})
                for n, m in enumerate(fractions_by_attempt, start=1)]
    return analyse([key], attempts)[0]


def test_equal_totals_are_ordered_by_attempt() -> None:
    # all totals 5, 4 attempts, groups of 1: lower = attempt 1, upper = attempt 4.
    assert one_item(["1", "0", "0", "1"], kind="NUM").discrimination == D("0.000")
    assert one_item(["1", "1", "0", "0"], kind="NUM").discrimination == D("-1.000")
    assert one_item(["0", "1", "1", "1"], kind="NUM").discrimination == D("1.000")


def test_discrimination_needs_four_attempts() -> None:
    three = one_item(["1", "0", None], kind="NUM")
    assert (three.attempts, three.answered, three.unanswered) == (3, 2, 1)
    assert three.facility == D("0.333")
    assert three.discrimination is None
    assert one_item(["1", "0", None, "1"], kind="NUM").discrimination is not None


def test_nobody_had_the_question() -> None:
    stats = analyse([Q1], [AttemptRow(1, D(3), {}, paper=frozenset({2}))])[0]
    assert stats == ItemStats(1, "Q1", "MCQ", 0, 0, None, None, (0, 0, 0, 0), 0, ())
    assert analyse([Q1], []) == [stats]


def test_written_answers_count_once_marked() -> None:
    key = ItemKey(5, "Q5", "SA", 0, (), D(4))
    attempts = [AttemptRow(1, D(1), {5: r(None, None)}),  # pending: not counted
                AttemptRow(2, D(2), {5: r(None, "3")}),
                AttemptRow(3, D(3), {5: r(None, "4")}),
                AttemptRow(4, D(4), {})]  # nothing to mark yet: not counted either
    stats = analyse([key], attempts)[0]
    # counted: attempts 2 and 3: (3/4 + 4/4) / 2 = 0.875
    assert stats == ItemStats(5, "Q5", "SA", 2, 2, D("0.875"), None, (), 0, ())


def test_blueprint_papers_count_only_the_questions_they_had() -> None:
    attempts = [AttemptRow(1, D(5), {1: r((1,), "2")}, paper=frozenset({1, 3})),
                AttemptRow(2, D(4), {}, paper=frozenset({2, 3})),  # had Q2 and Q3, answered neither
                AttemptRow(3, D(6), {2: r((0,), "1.5")}, paper=frozenset({1, 3})),  # an answer counts anyway
                AttemptRow(4, D(2), {}, paper=frozenset())]
    q1, q2, q3 = analyse([Q1, Q2, Q3], attempts)
    assert (q1.attempts, q1.answered, q1.unanswered, q1.facility) == (2, 1, 1, D("0.500"))  # attempts 1 and 3
    assert (q2.attempts, q2.answered, q2.unanswered, q2.facility) == (2, 1, 1, D("0.250"))  # attempts 2 and 3
    assert (q3.attempts, q3.answered, q3.unanswered, q3.facility) == (3, 0, 3, D("0.000"))
    assert q3.flags == (TOO_HARD,)


def test_not_answered_given_as_no_choice_and_unscored_answers() -> None:
    attempts = [AttemptRow(1, D(1), {1: r(None, "0")}), AttemptRow(2, D(2), {1: r((), None)}),
                AttemptRow(3, D(3), {1: r((1,), None)}),  # not scored yet: left out
                AttemptRow(4, D(4), {1: r((1,), "2")})]
    stats = analyse([Q1], attempts)[0]
    assert (stats.attempts, stats.answered, stats.unanswered, stats.option_counts) == (3, 1, 2, (0, 1, 0, 0))


def test_flags() -> None:
    assert TOO_EASY in one_item(["1"] * 10).flags  # facility 1
    assert TOO_HARD in one_item(["0"] * 9 + ["1"], kind="NUM").flags  # facility 0.1
    # 10 attempts, groups of 3: lower 1 0 0 (1/3), upper 0 1 0 (1/3): D = 0 → weak, not negative
    weak = one_item(["1", "0", "0", "1", "1", "1", "0", "0", "1", "0"], kind="NUM")
    assert weak.discrimination == D("0.000")
    assert WEAK_DISCRIMINATION in weak.flags and NEGATIVE_DISCRIMINATION not in weak.flags
    # options B, C, D chosen by nobody with 10 answers: unused; with 9 answers not yet judged
    assert UNUSED_DISTRACTOR in one_item(["1"] * 10).flags
    assert UNUSED_DISTRACTOR not in one_item(["1"] * 9).flags
    assert UNUSED_DISTRACTOR not in one_item(["1"] * 10, kind="NUM").flags


def test_true_false_has_two_options_and_marks_are_clamped() -> None:
    key = ItemKey(7, "T", "TF", 0, (0,), D(1))
    attempts = [AttemptRow(1, D(1), {7: r((0,), "1")}), AttemptRow(2, D(1), {7: r((1,), "-0.25")}),
                AttemptRow(3, D(1), {7: r((1,), "-0.25")}), AttemptRow(4, D(1), {7: r((0,), "5")})]
    stats = analyse([key], attempts)[0]
    assert stats.option_counts == (2, 2)
    assert stats.facility == D("0.500")  # negative marks count as 0, marks above the item's as 1


def test_a_question_worth_no_marks_has_no_facility() -> None:
    key = ItemKey(8, "Z", "MCQ", 2, (0,), D(0))
    stats = analyse([key], [AttemptRow(n, D(n), {8: r((0,), "0")}) for n in range(5)])[0]
    assert (stats.attempts, stats.facility, stats.discrimination, stats.option_counts) == (5, None, None, (5, 0))


def test_a_question_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError):
        analyse([Q1, Q1], [])


# ---- properties ---------------------------------------------------------------------------------------------


@st.composite
def exams(draw: st.DrawFn) -> tuple[list[ItemKey], list[AttemptRow], bool]:
    single = draw(st.booleans())  # every MCQ/TF answer picks one option in range
    keys = []
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["MCQ", "TF", "NUM", "SA"]))
        options = draw(st.integers(2, 6)) if kind == "MCQ" else 2 if kind == "TF" else 0
        correct = (draw(st.integers(0, options - 1)),) if options else ()
        keys.append(ItemKey(n, f"Q{n}", kind, options, correct, D(draw(st.integers(1, 5)))))
    attempts = []
    for a in range(draw(st.integers(0, 25))):
        paper = frozenset(draw(st.lists(st.sampled_from([k.question_id for k in keys]), unique=True)))
        responses = {}
        for key in keys:
            if not draw(st.booleans()):
                continue
            if key.kind in ("MCQ", "TF"):
                chosen: tuple[int, ...] | None = (
                    (draw(st.integers(0, key.options - 1)),) if single
                    else draw(st.none() | st.lists(st.integers(-1, 7), max_size=4).map(tuple)))
            else:
                chosen = None
            marks = draw(st.none() | st.decimals(min_value=-3, max_value=8, places=2))
            responses[key.question_id] = ItemResponse(chosen, marks)
        total = draw(st.decimals(min_value=-5, max_value=40, places=1))
        attempts.append(AttemptRow(a, total, responses, draw(st.none() | st.just(paper))))
    return keys, attempts, single


@settings(max_examples=100, deadline=None)
@given(exams())
def test_the_indices_stay_in_range_and_the_counts_add_up(exam: tuple[list[ItemKey], list[AttemptRow], bool]) -> None:
    keys, attempts, single = exam
    stats = analyse(keys, attempts)
    assert [s.question_id for s in stats] == [k.question_id for k in keys]
    assert analyse(keys, list(reversed(attempts))) == stats  # the order of the rows does not matter
    for key, s in zip(keys, stats, strict=True):
        assert s.attempts == s.answered + s.unanswered <= len(attempts)
        assert s.facility is None or 0 <= s.facility <= 1
        assert s.discrimination is None or -1 <= s.discrimination <= 1
        assert (s.discrimination is None) == (s.attempts < 4)
        assert (s.facility is None) == (s.attempts == 0)
        assert len(s.option_counts) == (key.options if key.kind in ("MCQ", "TF") else 0)
        if single and key.kind in ("MCQ", "TF"):
            assert sum(s.option_counts) == s.answered
        else:
            assert all(c <= s.answered for c in s.option_counts)
