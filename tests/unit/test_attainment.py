"""The attainment definition (``domain.attainment.reference``) on small hand-worked examples.

Every band edge is checked both exactly at the edge and just below it; the arithmetic is written out
in the comments so each expected number can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.attainment import (
    AttainmentResult,
    ComponentResult,
    MarkRow,
    Outcome,
    Params,
    Program,
    level_for,
    q,
    reference,
)

D = Decimal


def mark(student: int, component: str, co: str, marks: str | None, max_marks: str) -> MarkRow:
    return MarkRow(student, component, co, None if marks is None else D(marks), D(max_marks))


def one_item_each(component: str, co: str, scores: Sequence[tuple[str | None, str]], first: int = 1) -> list[MarkRow]:
    """One item per student: ``scores[k]`` is student ``first + k``'s (marks, maximum)."""
    return [mark(first + k, component, co, m, mx) for k, (m, mx) in enumerate(scores)]


def at_of(at: int, n: int, component: str = "CIE", co: str = "CO1") -> list[MarkRow]:
    """``n`` students on a 10-mark item, the first ``at`` scoring 10 (100 %), the others 0."""
    return one_item_each(component, co, [("10", "10")] * at + [("0", "10")] * (n - at))


def run(marks: list[MarkRow], cos: tuple[str, ...] = ("CO1",), *, programs: tuple[Program, ...] = (),
        mapping: dict[tuple[str, str], int] | None = None, ratings: dict[str, list[int]] | None = None,
        params: Params | None = None) -> AttainmentResult:
    return reference(7, marks, [Outcome(c, f"outcome {c}", 2) for c in cos], list(programs), mapping or {},
                     ratings or {}, params or Params())


# ---- a student's score against the threshold ------------------------------------------------------


def test_a_score_exactly_at_the_threshold_counts_and_just_below_does_not() -> None:
    # CO1, CIE, threshold 60 %:
    #   s1: 6 / 10       = 60 %       at    (6·100 = 600 = 60·10)
    #   s2: 5.99 / 10    = 59.9 %     not
    #   s3: 4.5 / 7.5    = 60 %       at    (4.5·100 = 450 = 60·7.5)
    #   s4: 4.49 / 7.5   = 59.87 %    not
    #   s5: 3 / 5        = 60 %       at
    #   s6: (2 + 4) / (5 + 5) = 60 %  at    (two items of the CO add up before dividing)
    # at 4 of 6 = 66.666… % → pct 66.67, level 2 (60 ≤ 66.67 < 70)
    marks = one_item_each("CIE", "CO1", [("6", "10"), ("5.99", "10"), ("4.5", "7.5"), ("4.49", "7.5"), ("3", "5")])
    marks += [mark(6, "CIE", "CO1", "2", "5"), mark(6, "CIE", "CO1", "4", "5")]
    cie = run(marks).co("CO1").components["CIE"]
    assert cie == ComponentResult("CIE", students=6, at_threshold=4, pct=D("66.67"), level=2)


def test_the_threshold_is_a_setting() -> None:
    # threshold 55 %: 5.5 / 10 = 55 % is at, 5.49 / 10 is not → 1 of 2 = 50 % → level 1
    marks = one_item_each("CIE", "CO1", [("5.5", "10"), ("5.49", "10")])
    cie = run(marks, params=Params(threshold_pct=D(55))).co("CO1").components["CIE"]
    assert (cie.at_threshold, cie.pct, cie.level) == (1, D("50.00"), 1)


# ---- the CO % against the level bands --------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "n", "pct", "level"),
    [
        (0, 10, "0.00", 0),
        (4, 10, "40.00", 0),
        (499, 1000, "49.90", 0),  # just below 50 %
        (5, 10, "50.00", 1),  # exactly 50 %
        (599, 1000, "59.90", 1),  # just below 60 %
        (6, 10, "60.00", 2),  # exactly 60 %
        (699, 1000, "69.90", 2),  # just below 70 %
        (7, 10, "70.00", 3),  # exactly 70 %
        (10, 10, "100.00", 3),
    ],
)
def test_level_bands_at_the_edge_and_just_below(at: int, n: int, pct: str, level: int) -> None:
    cie = run(at_of(at, n)).co("CO1").components["CIE"]
    assert (cie.students, cie.at_threshold, cie.pct, cie.level) == (n, at, D(pct), level)


def test_level_bands_are_a_setting() -> None:
    # bands 40 / 55 / 65: 4 of 10 = 40 % → 1; 11 of 20 = 55 % → 2; 13 of 20 = 65 % → 3; 129 of 200 = 64.5 % → 2
    params = Params(levels_pct=(D(40), D(55), D(65)))
    got = [run(at_of(at, n), params=params).co("CO1").components["CIE"].level
           for at, n in ((4, 10), (11, 20), (13, 20), (129, 200))]
    assert got == [1, 2, 3, 2]


@pytest.mark.parametrize(
    ("at", "n", "pct"),
    [
        (1, 3, "33.33"),  # 33.333… → 33.33
        (2, 3, "66.67"),  # 66.666… → 66.67
        (3, 8, "37.50"),  # exact
        (1, 160, "0.63"),  # 0.625 → half-up 0.63 (half-even would give 0.62)
    ],
)
def test_pct_is_rounded_half_up_to_two_places(at: int, n: int, pct: str) -> None:
    assert run(at_of(at, n)).co("CO1").components["CIE"].pct == D(pct)


@pytest.mark.parametrize(
    ("at", "counted", "level"),
    [(0, 1, 0), (1, 2, 1), (1, 3, 0), (2, 3, 2), (3, 5, 2), (7, 10, 3), (69, 100, 2), (1, 1, 3)],
)
def test_level_for(at: int, counted: int, level: int) -> None:
    # 1/2 = 50 % → 1; 1/3 = 33.3 % → 0; 2/3 = 66.7 % → 2; 3/5 = 60 % → 2; 7/10 = 70 % → 3; 69/100 → 2
    assert level_for(at, counted, Params().levels_pct) == level


def test_level_for_compares_exactly_not_in_floating_point() -> None:
    # a band of 33.33…% given as a Decimal with many places: 1 of 3 is 33.333…%, above 33.3333, below 33.3334
    assert level_for(1, 3, (D("33.3333"), D(90), D(95))) == 1
    assert level_for(1, 3, (D("33.3334"), D(90), D(95))) == 0


# ---- absent is not zero ---------------------------------------------------------------------------------


def test_absent_is_not_zero_and_absent_for_all_is_left_out() -> None:
    # CO1, CIE, items Q1 (max 5) and Q2 (max 10):
    #   s1: Q1 = 5, Q2 absent  → 5 / 5 = 100 %   at     (absent as zero would be 5 / 15 = 33 %)
    #   s2: Q1 = 0, Q2 = 0     → 0 / 15 = 0 %    not    (zero is a score: counted)
    #   s3: absent for both    → left out of CO1
    # counted 2, at 1 → 50 % → level 1; the course still has 3 students with marks
    marks = [mark(1, "CIE", "CO1", "5", "5"), mark(1, "CIE", "CO1", None, "10"),
             mark(2, "CIE", "CO1", "0", "5"), mark(2, "CIE", "CO1", "0", "10"),
             mark(3, "CIE", "CO1", None, "5"), mark(3, "CIE", "CO1", None, "10")]
    result = run(marks)
    assert result.co("CO1").components["CIE"] == ComponentResult("CIE", 2, 1, D("50.00"), 1)
    assert result.students == 3


def test_absent_for_a_component_is_left_out_of_that_component_only() -> None:
    # s1 absent for the SEE item of CO1 but present in the CIE: counted in CIE (1 of 1 at → level 3), SEE has
    # no one counted, so CO1 has only a CIE result and its direct attainment is the CIE level, 3
    marks = [mark(1, "CIE", "CO1", "8", "10"), mark(1, "SEE", "CO1", None, "20")]
    co = run(marks).co("CO1")
    assert set(co.components) == {"CIE"}
    assert co.direct == D(3)


def test_a_course_without_marks_has_empty_components_and_no_values() -> None:
    result = run([], cos=("CO1", "CO2"), programs=(Program("PO1"),), mapping={("CO1", "PO1"): 3})
    assert [(c.components, c.direct, c.indirect, c.final) for c in result.cos] == [({}, None, None, None)] * 2
    assert result.po("PO1").value is None
    assert (result.students, result.surveyed) == (0, False)


# ---- direct attainment: the component weights ----------------------------------------------------------


def test_one_component_carries_full_weight_both_are_weighted() -> None:
    # CO1: CIE only, 1 of 1 at → level 3            → direct 3 (not 0.3·3 = 0.9)
    # CO2: SEE only, 0 of 1 at → level 0            → direct 0
    # CO3: CIE 3 of 5 at → 60 % → level 2; SEE 1 of 1 at → level 3
    #      → direct 0.3·2 + 0.7·3 = 0.6 + 2.1 = 2.7
    # CO4: no marks                                  → direct None
    marks = [*at_of(1, 1, "CIE", "CO1"), *at_of(0, 1, "SEE", "CO2"), *at_of(3, 5, "CIE", "CO3"),
             *at_of(1, 1, "SEE", "CO3")]
    result = run(marks, cos=("CO1", "CO2", "CO3", "CO4"))
    assert [c.direct for c in result.cos] == [D(3), D(0), D("2.7"), None]
    assert [c.final for c in result.cos] == [D("3.0000"), D("0.0000"), D("2.7000"), None]


def test_component_weights_are_a_setting() -> None:
    # weights 0.5 / 0.5: CIE level 2 (3 of 5), SEE level 3 → 0.5·2 + 0.5·3 = 2.5
    marks = at_of(3, 5, "CIE") + at_of(1, 1, "SEE")
    assert run(marks, params=Params(weights={"CIE": D("0.5"), "SEE": D("0.5")})).co("CO1").direct == D("2.5")


# ---- indirect attainment: the exit survey --------------------------------------------------------------


def test_survey_present_mixes_in_the_mean_rating() -> None:
    # CO1: direct 2.7 (CIE level 2, SEE level 3, as above); ratings 3, 3, 2 → mean 8/3 = 2.6666… → 2.6667
    #      final = 0.8·2.7 + 0.2·2.6667 = 2.16 + 0.53334 = 2.69334 → 2.6933
    # CO2: direct 3 (SEE level 3), no ratings → final = direct = 3.0000
    # CO3: no marks but rated 1, 2 → indirect 1.5, final None (no direct)
    marks = at_of(3, 5, "CIE", "CO1") + at_of(1, 1, "SEE", "CO1") + at_of(1, 1, "SEE", "CO2")
    result = run(marks, cos=("CO1", "CO2", "CO3"), ratings={"CO1": [3, 3, 2], "CO3": [1, 2]})
    assert [(c.direct, c.indirect, c.final) for c in result.cos] == [
        (D("2.7"), D("2.6667"), D("2.6933")), (D(3), None, D("3.0000")), (None, D("1.5000"), None)]
    assert result.surveyed


def test_survey_absent_final_is_direct() -> None:
    # the same CO1 without a survey: final = direct = 2.7000
    marks = at_of(3, 5, "CIE") + at_of(1, 1, "SEE")
    result = run(marks)
    assert (result.co("CO1").indirect, result.co("CO1").final, result.surveyed) == (None, D("2.7000"), False)


def test_ratings_of_codes_outside_the_outcomes_do_not_make_a_survey() -> None:
    assert not run(at_of(1, 1), ratings={"CO9": [3]}).surveyed


def test_direct_weight_is_a_setting() -> None:
    # direct weight 0.5: direct 3 (1 of 1 at), ratings 1 → 0.5·3 + 0.5·1 = 2.0000
    assert run(at_of(1, 1), ratings={"CO1": [1]}, params=Params(direct_weight=D("0.5"))).co("CO1").final == D(2)


# ---- PO / PSO attainment ----------------------------------------------------------------------------------


def test_po_is_the_correlation_weighted_mean_over_assessed_cos() -> None:
    # CO1 final 2.7 (CIE level 2, SEE level 3), CO2 final 1 (CIE 1 of 2 at → 50 % → level 1), CO3 unassessed
    # PO1 ← CO1·3, CO2·1, CO3·2 → (2.7·3 + 1·1) / (3 + 1) = 9.1 / 4 = 2.275 → 2.2750
    #       (CO3 is left out: counting it as 0 would give 9.1 / 6 = 1.5167)
    # PO2 ← CO3·2 only → no assessed CO → None
    # PO3 not mapped → None, mapped ()
    # PSO1 ← CO2·2 → 1·2 / 2 = 1.0000
    marks = at_of(3, 5, "CIE", "CO1") + at_of(1, 1, "SEE", "CO1") + at_of(1, 2, "CIE", "CO2")
    programs = (Program("PO1", "Engineering knowledge"), Program("PO2"), Program("PO3"), Program("PSO1", kind="PSO"))
    mapping = {("CO1", "PO1"): 3, ("CO2", "PO1"): 1, ("CO3", "PO1"): 2, ("CO3", "PO2"): 2, ("CO2", "PSO1"): 2}
    result = run(marks, cos=("CO1", "CO2", "CO3"), programs=programs, mapping=mapping)
    assert [(p.code, p.kind, p.value) for p in result.pos] == [
        ("PO1", "PO", D("2.2750")), ("PO2", "PO", None), ("PO3", "PO", None), ("PSO1", "PSO", D("1.0000"))]
    assert result.po("PO1").mapped == (("CO1", 3), ("CO2", 1), ("CO3", 2))
    assert result.po("PO1").name == "Engineering knowledge"
    assert result.po("PO3").mapped == ()


# ---- rounding half-up at 4 places -----------------------------------------------------------------------


def test_q_rounds_half_up() -> None:
    assert q(D("1.00005")) == D("1.0001")  # half-even would give 1.0000
    assert q(D("1.00015")) == D("1.0002")
    assert q(D("1.000049")) == D("1.0000")
    assert q(Fraction(33, 32)) == D("1.0313")  # 1.03125
    assert q(Fraction(1, 3)) == D("0.3333")
    assert q(Fraction(1, 160) * 100, D("0.01")) == D("0.63")  # 0.625


def test_mean_rating_is_rounded_half_up_at_four_places() -> None:
    # 31 ratings of 1 and one of 2: mean 33/32 = 1.03125 → 1.0313 (half-even would give 1.0312)
    result = run(at_of(1, 1), ratings={"CO1": [1] * 31 + [2]})
    assert result.co("CO1").indirect == D("1.0313")


def test_final_is_rounded_half_up_at_four_places() -> None:
    # direct weight 0.75; direct 3 (1 of 1 at); 39 ratings of 1 and one 2 → mean 41/40 = 1.025 → 1.0250
    # final = 0.75·3 + 0.25·1.025 = 2.25 + 0.25625 = 2.50625 → 2.5063 (half-even would give 2.5062)
    result = run(at_of(1, 1), ratings={"CO1": [1] * 39 + [2]}, params=Params(direct_weight=D("0.75")))
    assert (result.co("CO1").indirect, result.co("CO1").final) == (D("1.0250"), D("2.5063"))


def test_po_is_rounded_half_up_at_four_places() -> None:
    # CO1 final 2.6933 (as in the survey example), CO2 final 3.0000 (SEE level 3, not rated)
    # PO1 ← CO1·1, CO2·1 → (2.6933 + 3) / 2 = 2.84665 → 2.8467 (half-even would give 2.8466)
    marks = at_of(3, 5, "CIE", "CO1") + at_of(1, 1, "SEE", "CO1") + at_of(1, 1, "SEE", "CO2")
    result = run(marks, cos=("CO1", "CO2"), programs=(Program("PO1"),), mapping={("CO1", "PO1"): 1, ("CO2", "PO1"): 1},
                 ratings={"CO1": [3, 3, 2]})
    assert result.co("CO1").final == D("2.6933")
    assert result.po("PO1").value == D("2.8467")


# ---- parameters from the organization's settings ----------------------------------------------------------


def test_params_from_config_defaults() -> None:
    assert Params.from_config({}) == Params()
    assert Params() == Params(D(60), (D(50), D(60), D(70)), {"CIE": D("0.3"), "SEE": D("0.7")}, D("0.8"), D(2))


def test_params_from_config_values_become_exact_decimals() -> None:
    values = {"attainment.threshold_pct": 55, "attainment.levels_pct": [40, 55, 65.5],
              "attainment.weights": {"CIE": 0.4, "SEE": 0.6}, "attainment.direct_weight": 0.9,
              "attainment.target_level": 2.5}
    params = Params.from_config(values)
    # floats go through str(), so 0.4 is Decimal("0.4"), not 0.40000000000000002220446…
    assert params == Params(D(55), (D(40), D(55), D("65.5")), {"CIE": D("0.4"), "SEE": D("0.6")}, D("0.9"), D("2.5"))
    assert params.as_json() == {"threshold_pct": "55", "levels_pct": ["40", "55", "65.5"],
                                "weights": {"CIE": "0.4", "SEE": "0.6"}, "direct_weight": "0.9",
                                "target_level": "2.5"}
