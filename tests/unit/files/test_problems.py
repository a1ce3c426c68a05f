"""Problems, header mapping shared by every file kind, numeric cells, and recognising file kinds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import Invalid
from domain.files.detect import detect_kind, is_question_column
from domain.files.problems import (
    FORMULA_NOT_NUMBER,
    NEGATIVE_NUMBER,
    NOT_A_NUMBER,
    FileProblems,
    Problem,
    ProblemList,
    check_number,
    column_letter,
    header_problems,
    looks_like_formula,
    looks_scientific,
    map_header,
    normalise_header,
    problem_rows,
)


def test_problems_sort_by_row_then_column_in_file_order() -> None:
    found = FileProblems(
        [Problem(3, "NAME", "", "b", {}), Problem(2, "CLASS", "x", "c", {}), Problem(2, "USN", "", "a", {}),
         Problem(None, "PHONE", None, "z", {}), Problem(2, None, None, "row", {})],
        columns=["USN", "NAME", "CLASS"],
    )
    assert [(p.row, p.column) for p in found.problems] == [
        (None, "PHONE"), (2, None), (2, "USN"), (2, "CLASS"), (3, "NAME")]
    assert isinstance(found, Invalid)
    assert found.params == {"count": "5"}
    assert "Problems found: 5." in str(found)


def test_problem_text_fills_placeholders() -> None:
    p = Problem(2, "Q1", "-3", NEGATIVE_NUMBER, {"value": "-3"})
    assert p.text() == "-3 is negative; only zero or more is allowed."
    assert Problem(None, None, None, "plain {x}", {}).text() == "plain {x}"


def test_problem_list_raises_once_with_everything() -> None:
    problems = ProblemList(columns=["A", "B"])
    problems.raise_if_any()
    problems.add(2, "B", "x", NOT_A_NUMBER, value="x")
    problems.add(2, "A", "y", NOT_A_NUMBER, value="y")
    assert len(problems) == 2
    with pytest.raises(FileProblems) as info:
        problems.raise_if_any()
    assert [p.column for p in info.value.problems] == ["A", "B"]


def test_problem_rows_for_the_attached_file() -> None:
    rows = problem_rows([Problem(4, "Q1", "=1+1", FORMULA_NOT_NUMBER, {"value": "=1+1"}),
                         Problem(None, "USN", None, "missing", {})])
    assert rows == [[4, "Q1", "=1+1", "=1+1 is a formula, not a number; type the number itself."],
                    ["", "USN", "", "missing"]]
    translated = problem_rows([Problem(1, None, None, "m {a}", {"a": 1})], lambda m, **p: "T:" + m.format(**p))
    assert translated == [[1, "", "", "T:m 1"]]


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"),
                                               (702, "AAA"), (16383, "XFD")])
def test_column_letter(index: int, letter: str) -> None:
    assert column_letter(index) == letter


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("STUDENT NAME", "STUDENT NAME"), (" student_name ", "STUDENT NAME"), ("Student   Name", "STUDENT NAME"),
     ("PARENT_PHONE", "PARENT PHONE"), ("Sl. No.", "SL NO"), ("USN*", "USN"), ("Name:", "NAME"),
     ("\ufeffUSN", "USN"), ("Q1A", "Q1A")],
)
def test_normalise_header(typed: str, normal: str) -> None:
    assert normalise_header(typed) == normal


ALIASES = {"USN": ("REG NO", "ROLL NO"), "NAME": ("STUDENT NAME",), "PARENT_PHONE": ("PHONE", "MOBILE")}


def test_map_header_aliases_and_ignored() -> None:
    found = map_header(["Sl No", "Student Name", "usn", "Phone", "Email"], ALIASES)
    assert found.index == {"NAME": 1, "USN": 2, "PARENT_PHONE": 3}
    assert found.column("NAME") == "Student Name"
    assert found.column("CLASS") == "CLASS"
    assert found.ignored == ["Sl No", "Email"]
    assert found.repeated == {}


def test_map_header_best_alias_wins_and_others_are_ignored() -> None:
    found = map_header(["Roll No", "Reg No", "NAME", "Mobile", "Phone"], ALIASES)
    assert found.index["USN"] == 1
    assert found.index["PARENT_PHONE"] == 4
    assert found.ignored == ["Roll No", "Mobile"]
    exact = map_header(["Roll No", "USN", "NAME"], ALIASES)
    assert exact.index["USN"] == 1


def test_map_header_same_spelling_twice_is_repeated() -> None:
    found = map_header(["USN", "NAME", "name"], ALIASES)
    assert found.repeated == {"NAME": [1, 2]}
    problems = ProblemList()
    header_problems(found, ["USN", "NAME", "CLASS"], problems, header_row=1)
    assert [(p.row, p.column, p.text()) for p in problems.items] == [
        (None, "CLASS", "The column CLASS is missing; the header row needs USN, NAME, CLASS."),
        (1, "NAME", "The column NAME appears more than once (columns B, C); keep only one of them."),
    ]


@pytest.mark.parametrize(
    ("typed", "value", "message"),
    [
        ("4", Decimal("4"), None),
        (" 4.5 ", Decimal("4.5"), None),
        (".5", Decimal("0.5"), None),
        ("+5", Decimal("5"), None),
        ("0", Decimal("0"), None),
        ("", None, None),
        ("-3", None, NEGATIVE_NUMBER),
        ("-0.5", None, NEGATIVE_NUMBER),
        ("=SUM(A1)", None, FORMULA_NOT_NUMBER),
        ("=5", None, FORMULA_NOT_NUMBER),
        ("@SUM(A1)", None, FORMULA_NOT_NUMBER),
        ("+A1", None, FORMULA_NOT_NUMBER),
        ("-SUM(A1:B2)", None, FORMULA_NOT_NUMBER),
        ("four", None, NOT_A_NUMBER),
        ("4..5", None, NOT_A_NUMBER),
        ("4,5", None, NOT_A_NUMBER),
        ("-", None, NOT_A_NUMBER),
        ("1e3", None, NOT_A_NUMBER),
        ("#DIV/0!", None, NOT_A_NUMBER),
        ("٤", None, NOT_A_NUMBER),
    ],
)
def test_check_number(typed: str, value: Decimal | None, message: str | None) -> None:
    assert check_number(typed) == (value, message)


def test_check_number_may_allow_negatives() -> None:
    assert check_number("-3", allow_negative=True) == (Decimal("-3"), None)


def test_formula_and_scientific_looks() -> None:
    assert all(looks_like_formula(t) for t in ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "＝1"])
    assert not any(looks_like_formula(t) for t in ["1", "a=b", " =x", ""])
    assert all(looks_scientific(t) for t in ["1.23457E+11", "9.85e+09", "2E+11", "1,5E+10"])
    assert not any(looks_scientific(t) for t in ["1CR24E11", "E+11", "12345"])


# ---- detect -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (["USN", "NAME", "CLASS", "PARENT_PHONE"], "roster"),
        (["USN", "NAME"], "roster"),
        (["Sl No", "Reg No", "Student Name", "Section"], "roster"),
        (["USN", "First Name", "Last Name"], "roster"),
        (["USN", "STUDENT NAME", "Q1A", "Q1B", "Q2A"], "marks"),
        (["usn", "q1", "q2"], "marks"),
        (["USN", "NAME", "Q 1 (a)", "Q1(b)"], "marks"),
        (["USN", "NAME", "1A", "1B", "2A"], "marks"),
        (["CO", "DESCRIPTION", "BLOOM", "PO1", "PO2", "PSO1"], "outcomes"),
        (["CO", "PO1", "PO2"], "outcomes"),
        (["ID", "TYPE", "QUESTION", "A", "B", "C", "D", "ANSWER", "MARKS"], "questions"),
        (["USN", "DATE", "STATUS"], "attendance"),
        (["DATE", "NAME"], "holidays"),
        (["Date", "Holiday"], "holidays"),
        (["NAME", "CLASS"], None),
        (["USN", "CLASS"], None),
        (["USN"], None),
        ([], None),
        (["Class 10-A roster"], None),
        (["A", "B", "C"], None),
    ],
)
def test_detect_kind(header: list[str], kind: str | None) -> None:
    assert detect_kind(header) == kind


@pytest.mark.parametrize("text", ["Q1", "Q1A", "q10b", "Q 1 (a)", "Q1.A", "Q1-A", "1A", "Q2A1"])
def test_question_columns(text: str) -> None:
    assert is_question_column(text)


@pytest.mark.parametrize("text", ["USN", "NAME", "TOTAL", "SL NO", "Q", "QA", "1", "CO1"])
def test_not_question_columns(text: str) -> None:
    assert not is_question_column(text)
