"""Scoring one answer and an attempt (``domain.scoring``): each rule on hand-worked numbers, then properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.scoring import KINDS, WRITTEN, Key, Outcome, Rules, q, score, totals

D = Decimal
AON = Rules()
PARTIAL = Rules(partial=True)
QUARTER = Rules(negative=D("0.25"))


def mcq(marks: str = "4", *correct: int) -> Key:
    return Key("MCQ", D(marks), correct or (1,))


TF_TRUE = Key("TF", D(1), (0,))
NUM = Key("NUM", D(2), value=D("12.5"), tolerance=D("0.1"))


# ---- unanswered ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [mcq(), TF_TRUE, NUM])
@pytest.mark.parametrize("response", [None, ()])
def test_unanswered_is_zero_and_never_negative(key: Key, response: tuple[int, ...] | None) -> None:
    assert score(key, response, Rules(partial=True, negative=D(1))) == Outcome(D("0.00"), "unanswered")


# ---- MCQ, all or nothing -----------------------------------------------------------------------------


def test_mcq_single_correct() -> None:
    key = mcq("4", 2)
    assert score(key, (2,), AON) == Outcome(D("4.00"), "correct")
    assert score(key, (1,), AON) == Outcome(D("0.00"), "wrong")
    assert score(key, (1, 2), AON) == Outcome(D("0.00"), "wrong")  # a second option makes it wrong


def test_mcq_several_correct_all_or_nothing() -> None:
    key = mcq("3", 0, 2)
    assert score(key, (2, 0), AON) == Outcome(D("3.00"), "correct")  # order does not matter
    assert score(key, (0,), AON) == Outcome(D("0.00"), "wrong")  # half the key is not the key
    assert score(key, (0, 1, 2), AON) == Outcome(D("0.00"), "wrong")


def test_negative_marking_takes_the_fraction_of_the_marks() -> None:
    # 4 marks, a quarter off: −1; 3 marks, a third off: −1; 1.5 marks, a quarter off: −0.375 → −0.38 (half up,
    # away from zero).
    assert score(mcq("4", 2), (1,), QUARTER) == Outcome(D("-1.00"), "wrong")
    assert score(mcq("3", 2), (1,), Rules(negative=D(1) / 3)) == Outcome(D("-1.00"), "wrong")
    assert score(mcq("1.5", 2), (1,), QUARTER) == Outcome(D("-0.38"), "wrong")
    assert score(mcq("4", 2), (2,), QUARTER) == Outcome(D("4.00"), "correct")


def test_no_negative_marking_is_a_plain_zero() -> None:
    out = score(mcq("4", 2), (1,), AON)
    assert out.marks is not None and str(out.marks) == "0.00"  # not "-0.00"


# ---- MCQ, partial credit ----------------------------------------------------------------------------


def test_partial_credit_for_some_of_the_correct_options() -> None:
    # 3 correct options (0, 2, 3) of 4 marks: one chosen 4·1/3 = 1.333… → 1.33; two 4·2/3 = 2.666… → 2.67.
    key = mcq("4", 0, 2, 3)
    assert score(key, (0,), PARTIAL) == Outcome(D("1.33"), "partial")
    assert score(key, (3, 2), PARTIAL) == Outcome(D("2.67"), "partial")
    assert score(key, (0, 2, 3), PARTIAL) == Outcome(D("4.00"), "correct")


def test_partial_credit_is_lost_with_any_wrong_option() -> None:
    key = mcq("4", 0, 2, 3)
    assert score(key, (0, 1), PARTIAL) == Outcome(D("0.00"), "wrong")
    assert score(key, (0, 1, 2, 3), Rules(partial=True, negative=D("0.5"))) == Outcome(D("-2.00"), "wrong")


def test_partial_credit_rounds_half_up() -> None:
    # 2 correct options of 0.25 marks: one chosen 0.125 → 0.13.
    assert score(mcq("0.25", 0, 1), (1,), PARTIAL) == Outcome(D("0.13"), "partial")


def test_partial_credit_does_not_change_a_single_answer_question() -> None:
    key = mcq("2", 1)
    assert score(key, (1,), PARTIAL) == Outcome(D("2.00"), "correct")
    assert score(key, (0,), Rules(partial=True, negative=D("0.5"))) == Outcome(D("-1.00"), "wrong")


# ---- TF and NUM ----------------------------------------------------------------------------------------


def test_true_false() -> None:
    assert score(TF_TRUE, (0,), AON) == Outcome(D("1.00"), "correct")
    assert score(TF_TRUE, (1,), QUARTER) == Outcome(D("-0.25"), "wrong")
    assert score(Key("TF", D(1), (1,)), (1,), AON) == Outcome(D("1.00"), "correct")
    assert score(TF_TRUE, (0, 1), AON) == Outcome(D("0.00"), "wrong")  # both answers is no answer to choose
    assert score(TF_TRUE, (0, 0), AON) == Outcome(D("0.00"), "wrong")  # a TF takes exactly one index


def test_numeric_within_tolerance_exactly() -> None:
    # 12.5 ± 0.1: 12.4 and 12.6 are right (the edge counts), 12.39 and 12.61 are not.
    for given_ in ("12.5", "12.4", "12.6", "12.50", "12.45"):
        assert score(NUM, D(given_), AON) == Outcome(D("2.00"), "correct"), given_
    for given_ in ("12.39", "12.61", "-12.5", "125"):
        assert score(NUM, D(given_), QUARTER) == Outcome(D("-0.50"), "wrong"), given_


def test_numeric_without_tolerance_is_exact() -> None:
    key = Key("NUM", D(1), value=D("0.3"))
    assert score(key, D("0.30"), AON).status == "correct"
    assert score(key, D("0.3000000001"), AON).status == "wrong"


# ---- written, and responses of the wrong shape ----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(WRITTEN))
@pytest.mark.parametrize("response", [None, (), (0,), D(3)])
def test_written_answers_wait_for_a_teacher(kind: str, response: tuple[int, ...] | Decimal | None) -> None:
    assert score(Key(kind, D(5)), response, QUARTER) == Outcome(None, "pending")


@pytest.mark.parametrize(("key", "response"), [
    (mcq("4", 1), D(1)),  # a number for an MCQ
    (mcq("4", 1), (7,)),  # not one of the options
    (mcq("4", 1), (-1,)),
    (mcq("4", 1), (True,)),  # a bool is not an index
    (TF_TRUE, D(0)),
    (TF_TRUE, (2,)),
    (NUM, (1,)),  # options for a NUM
    (NUM, D("NaN")),
    (NUM, D("Infinity")),
])
def test_a_response_of_the_wrong_shape_is_wrong(key: Key, response: tuple[int, ...] | Decimal) -> None:
    assert score(key, response, QUARTER) == Outcome(q(-D("0.25") * key.marks), "wrong")


def test_repeated_indices_count_once() -> None:
    assert score(mcq("4", 0, 2), (0, 2, 2), AON) == Outcome(D("4.00"), "correct")


def test_keys_and_rules_are_checked() -> None:
    for bad in (lambda: Key("ESSAY", D(1)), lambda: Key("MCQ", D(1)), lambda: Key("MCQ", D(-1), (0,)),
                lambda: Key("TF", D(1), (2,)), lambda: Key("NUM", D(1)), lambda: Rules(negative=D("1.5")),
                lambda: Rules(negative=D("-0.1"))):
        with pytest.raises(ValueError):
            bad()


# ---- totals ---------------------------------------------------------------------------------------------


def test_totals_of_an_attempt() -> None:
    # MCQ 4 (correct 4), MCQ 2 partial 1 of 2 (1), TF 1 wrong (−0.25), NUM 2 unanswered (0), SA 3 pending.
    # score = 4 + 1 − 0.25 + 0 = 4.75 of 9 objective marks; 4.75/9 = 52.777… % → 52.78.
    keys = [mcq("4", 0), mcq("2", 0, 1), TF_TRUE, NUM, Key("SA", D(3))]
    rules = Rules(partial=True, negative=D("0.25"))
    outcomes = [score(k, r, rules) for k, r in zip(keys, [(0,), (1,), (1,), None, (0,)], strict=True)]
    assert [o.status for o in outcomes] == ["correct", "partial", "wrong", "unanswered", "pending"]
    t = totals(keys, outcomes)
    assert (t.score, t.max_objective, t.max_written, t.percentage) == (D("4.75"), D("9.00"), D("3.00"), D("52.78"))
    assert (t.correct, t.partial, t.wrong, t.unanswered, t.pending) == (1, 1, 1, 1, 1)


def test_a_total_never_goes_below_zero() -> None:
    keys = [mcq("4", 0), mcq("4", 0)]
    t = totals(keys, [score(k, (1,), Rules(negative=D(1))) for k in keys])
    assert (t.score, t.percentage, t.wrong) == (D("0.00"), D("0.00"), 2)


def test_a_written_only_attempt_has_no_percentage() -> None:
    keys = [Key("LA", D(6))]
    t = totals(keys, [score(keys[0], None, AON)])
    assert (t.score, t.max_objective, t.max_written, t.percentage, t.pending) == (D(0), D(0), D("6.00"), D(0), 1)


def test_totals_need_an_outcome_per_question() -> None:
    with pytest.raises(ValueError):
        totals([mcq()], [])


# ---- properties -------------------------------------------------------------------------------------------

marks_st = st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False)
negative_st = st.sampled_from([D(0), D("0.25"), D("0.33"), D("0.5"), D(1), D(1) / 3, D("0.125")])
rules_st = st.builds(Rules, partial=st.booleans(), negative=negative_st)


@st.composite
def mcq_and_response(draw: st.DrawFn) -> tuple[Key, tuple[int, ...] | None]:
    options = draw(st.integers(2, 6))
    correct = draw(st.lists(st.integers(0, options - 1), min_size=1, max_size=options, unique=True))
    key = Key("MCQ", draw(marks_st), tuple(correct))
    response = draw(st.none() | st.lists(st.integers(0, options - 1), max_size=options, unique=True).map(tuple))
    return key, response


@st.composite
def any_key_and_response(draw: st.DrawFn) -> tuple[Key, tuple[int, ...] | Decimal | None]:
    kind = draw(st.sampled_from(KINDS))
    if kind == "MCQ":
        return draw(mcq_and_response())
    numbers = st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False)
    if kind == "TF":
        key = Key("TF", draw(marks_st), (draw(st.integers(0, 1)),))
    elif kind == "NUM":
        key = Key("NUM", draw(marks_st), value=draw(numbers), tolerance=draw(st.sampled_from([D(0), D("0.5")])))
    else:
        key = Key(kind, draw(marks_st))
    response = draw(st.none() | st.lists(st.integers(-1, 7), max_size=3).map(tuple) | numbers)
    return key, response


@settings(max_examples=100, deadline=None)
@given(any_key_and_response(), rules_st)
def test_a_score_stays_between_the_penalty_and_the_marks(case: tuple[Key, tuple[int, ...] | Decimal | None],
                                                         rules: Rules) -> None:
    key, response = case
    out = score(key, response, rules)
    if key.kind in WRITTEN:
        assert out == Outcome(None, "pending")
        return
    assert out.marks is not None
    # The bound as stored: the penalty is rounded like any mark (−0.125 → −0.13).
    assert -q(rules.negative * key.marks) <= out.marks <= key.marks
    assert out.marks == out.marks.quantize(D("0.01"))
    if out.status == "unanswered":
        assert out.marks == 0


@settings(max_examples=100, deadline=None)
@given(marks_st, st.integers(2, 6).flatmap(lambda n: st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                                                unique=True)), rules_st)
def test_the_full_correct_response_scores_exactly_the_marks(marks: Decimal, correct: list[int], rules: Rules) -> None:
    assert score(Key("MCQ", marks, tuple(correct)), tuple(reversed(correct)), rules) == Outcome(marks, "correct")
    assert score(Key("TF", marks, (correct[0] % 2,)), (correct[0] % 2,), rules) == Outcome(marks, "correct")
    assert score(Key("NUM", marks, value=D(correct[0])), D(correct[0]), rules) == Outcome(marks, "correct")


@settings(max_examples=100, deadline=None)
@given(mcq_and_response(), negative_st)
def test_partial_credit_never_scores_below_all_or_nothing(case: tuple[Key, tuple[int, ...] | None],
                                                          negative: Decimal) -> None:
    key, response = case
    partial = score(key, response, Rules(partial=True, negative=negative)).marks
    whole = score(key, response, Rules(partial=False, negative=negative)).marks
    assert partial is not None and whole is not None
    assert partial >= whole


@settings(max_examples=100, deadline=None)
@given(st.lists(any_key_and_response(), max_size=12), rules_st)
def test_totals_are_never_negative_and_the_percentage_is_a_percentage(
        cases: list[tuple[Key, tuple[int, ...] | Decimal | None]], rules: Rules) -> None:
    keys = [k for k, _ in cases]
    outcomes = [score(k, r, rules) for k, r in cases]
    t = totals(keys, outcomes)
    assert t.score >= 0
    assert 0 <= t.percentage <= 100
    assert t.score <= t.max_objective
    assert t.correct + t.partial + t.wrong + t.unanswered + t.pending == len(keys)
    assert t.pending == sum(k.kind in WRITTEN for k in keys)
