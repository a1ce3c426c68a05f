"""The marks sheet's rules: columns, the MAX and CO rows, questions that already exist, USNs, every kind of
mark cell, every problem at once, progress, and speed."""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

import pytest

from domain.files.detect import detect_kind
from domain.files.marks import (
    FORMULA_NOT_NUMBER,
    MARK_DASH,
    MARK_DECIMAL_COMMA,
    MARK_EXCEL_ERROR,
    MARK_NOT_A_NUMBER,
    NEGATIVE_NUMBER,
    TOO_MANY_DECIMALS,
    MarksFile,
    parse_marks,
    question_label,
    read_mark,
    show,
)
from domain.files.problems import MAX_PROBLEMS, FileProblems
from domain.files.table import Row, Table, read_table
from tests.unit.files.helpers import workbook

USNS = {f"1CR24CS{i:03d}": i for i in range(1, 13)}
COS = ["CO1", "CO2", "CO3", "CO4"]
HEAD = "USN,STUDENT NAME,Q1A,Q1B,Q2A,Q2B\nMAX,,5,5,10,10\nCO,,CO1,CO1,CO2,CO2\n"
EXISTING = {"Q1A": (Decimal(5), "CO1"), "Q1B": (Decimal(5), "CO1"), "Q2A": (Decimal(10), "CO2"),
            "Q2B": (Decimal(10), "CO2")}


def parse(text: str | bytes, **options: Any) -> MarksFile:
    table = read_table(text.encode() if isinstance(text, str) else text)
    return parse_marks(table, known_usns=options.pop("usns", USNS), known_cos=options.pop("cos", COS), **options)


def problems(text: str | bytes, **options: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(FileProblems) as info:
        parse(text, **options)
    assert all("{" not in p.text() for p in info.value.problems)
    return [(p.row, p.column, p.value, p.text()) for p in info.value.problems]


def values(parsed: MarksFile) -> list[list[str | None]]:
    return [[None if v is None else show(v) for v in r.values] for r in parsed.rows]


def test_the_example_sheet() -> None:
    parsed = parse(HEAD + "1CR24CS001,Asha Rao,4.5,3,AB,8\n")
    assert [(i.label, i.max_marks, i.co, i.position) for i in parsed.items] == [
        ("Q1A", 5, "CO1", 1), ("Q1B", 5, "CO1", 2), ("Q2A", 10, "CO2", 3), ("Q2B", 10, "CO2", 4)]
    assert [(r.row, r.usn, r.student_id) for r in parsed.rows] == [(4, "1CR24CS001", 1)]
    assert parsed.rows[0].values == [Decimal("4.5"), Decimal(3), None, Decimal(8)]
    assert (parsed.blank_cells, parsed.absent_cells, parsed.ignored_columns) == (0, 1, [])


# ---- mark cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "value"), [
    ("0", "0"), ("4", "4"), ("4.5", "4.5"), ("4.25", "4.25"), ("4.50", "4.5"), (".5", "0.5"), ("4.", "4"),
    ("10", "10"), ("007", "7"), ("४.५", "4.5"), ("４", "4"),
])
def test_marks_that_are_numbers(typed: str, value: str) -> None:
    got, message, _params = read_mark(typed)
    assert message is None and got is not None and show(got) == value


@pytest.mark.parametrize("typed", ["AB", "ab", "Ab", "A", "a", "ABSENT", "Absent", "absent", "A.B.", "a.b", "ＡＢ"])
def test_every_way_of_writing_absent(typed: str) -> None:
    assert read_mark(typed) == (None, None, {})


def test_an_empty_cell_is_not_attempted_and_absent_is_not_zero() -> None:
    parsed = parse(HEAD + "1CR24CS001,A,0,,AB,ab\n1CR24CS002,B,,,,1\n")
    assert values(parsed) == [["0", None, None, None], [None, None, None, "1"]]
    assert (parsed.blank_cells, parsed.absent_cells) == (4, 2)


@pytest.mark.parametrize(("typed", "message"), [
    ("-2", NEGATIVE_NUMBER), ("-0.5", NEGATIVE_NUMBER),
    ("=5", FORMULA_NOT_NUMBER), ("=SUM(C2:D2)", FORMULA_NOT_NUMBER), ("+5", FORMULA_NOT_NUMBER),
    ("@SUM(A1)", FORMULA_NOT_NUMBER), ("-SUM(A1)", FORMULA_NOT_NUMBER), ("-x", FORMULA_NOT_NUMBER),
    ("＝1", FORMULA_NOT_NUMBER),
    ("-", MARK_DASH), ("--", MARK_DASH), ("—", MARK_DASH), ("–", MARK_DASH),
    ("4,5", MARK_DECIMAL_COMMA), ("four", MARK_NOT_A_NUMBER), ("4..5", MARK_NOT_A_NUMBER), ("3/5", MARK_NOT_A_NUMBER),
    ("abs", MARK_NOT_A_NUMBER), ("1E+01", MARK_NOT_A_NUMBER), ("1e1", MARK_NOT_A_NUMBER), ("4 5", MARK_NOT_A_NUMBER),
    ("#DIV/0!", MARK_EXCEL_ERROR), ("#N/A", MARK_EXCEL_ERROR), ("#VALUE!", MARK_EXCEL_ERROR),
    ("4.333", TOO_MANY_DECIMALS), ("0.125", TOO_MANY_DECIMALS),
])
def test_marks_that_are_not(typed: str, message: str) -> None:
    got, why, params = read_mark(typed)
    assert got is None and why == message
    assert params["value"] == typed


def test_a_decimal_comma_is_told_how_to_write_it() -> None:
    assert problems(HEAD.replace(",", ";") + "1CR24CS001;A;4,5;3;1;1\n") == [
        (4, "Q1A", "4,5", "4,5 is not a number; write decimals with a point: 4.5.")]


def test_above_max_names_the_value_and_the_max() -> None:
    text = "USN,NAME,Q1,Q2\nMAX,,2.5,10\nCO,,CO1,CO2\n1CR24CS001,A,3,10.5\n1CR24CS002,B,2.5,10\n"
    assert problems(text) == [
        (4, "Q1", "3", "3 is above the maximum marks of Q1 (2.5)."),
        (4, "Q2", "10.5", "10.5 is above the maximum marks of Q2 (10)."),
    ]


def test_the_same_bad_mark_in_many_rows_is_reported_in_each() -> None:
    text = HEAD + "".join(f"1CR24CS{i:03d},S,six,3,1,1\n" for i in range(1, 6))
    assert [(p[0], p[1]) for p in problems(text)] == [(r, "Q1A") for r in range(4, 9)]


# ---- columns ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "label"), [
    ("Q1A", "Q1A"), ("q1a", "Q1A"), ("Q 1 (a)", "Q1A"), ("Q1.A", "Q1A"), ("Q1-a", "Q1A"), ("1a", "Q1A"), ("Q10", "Q10"),
    ("Q2A1", "Q2A1"),
])
def test_question_labels_are_written_one_way(header: str, label: str) -> None:
    assert question_label(header) == label


def test_aliases_ignored_columns_and_a_blank_header_with_values() -> None:
    text = ("Sl No,Reg No,Name of the Student,,Q 1 (a),1b,TOTAL\n,MAX,,,5,5,10\n,CO,,,co 1,CO-01,\n"
            "1,1cr24cs001,A,x,4,5,9\n")
    parsed = parse(text)
    assert [i.label for i in parsed.items] == ["Q1A", "Q1B"]
    assert [i.co for i in parsed.items] == ["CO1", "CO1"]
    assert parsed.ignored_columns == ["Sl No", "(D)", "TOTAL"]
    assert [(r.row, r.usn) for r in parsed.rows] == [(4, "1CR24CS001")]


def test_a_question_repeated_under_two_spellings() -> None:
    got = problems("USN,NAME,Q1A,Q 1 (a)\nMAX,,5,5\nCO,,CO1,CO1\n1CR24CS001,A,1,2\n")
    assert got == [(1, "Q1A", "Q1A", "The column Q1A appears more than once (columns C, D); keep only one of them.")]


def test_without_usn_or_questions_only_the_header_is_reported() -> None:
    assert problems("NAME,Q1\nMAX,5\nCO,CO1\nA,1\n") == [
        (None, "USN", None, "The column USN is missing; the header row needs USN and one column per question.")]
    assert problems("USN,NAME,TOTAL\n1CR24CS001,A,-5\n") == [
        (1, None, None, "The header has no question columns; after USN and NAME it needs one column per question, "
                        "such as Q1A, Q1B, Q2.")]


def test_a_repeated_usn_column() -> None:
    got = problems("USN,usn,Q1\nMAX,,5\nCO,,CO1\n1CR24CS001,1CR24CS001,1\n")
    assert [(p[0], p[1], p[3][:37]) for p in got] == [(1, "USN", "The column USN appears more than once")]


# ---- the MAX and CO rows ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["MAX", "max", "Max Marks", "MAXIMUM", "Max. Marks", "Out of", "Full marks"])
def test_max_row_spellings(label: str) -> None:
    parsed = parse(HEAD.replace("MAX", label) + "1CR24CS001,A,1,1,1,1\n")
    assert [i.max_marks for i in parsed.items] == [5, 5, 10, 10]


def test_the_labels_may_sit_in_the_first_filled_column() -> None:
    parsed = parse("SL NO,USN,NAME,Q1,Q2\nMAX,,,5,10\nCOs,,,CO2,co 4\n1,1CR24CS001,A,5,10\n")
    assert [(i.max_marks, i.co) for i in parsed.items] == [(5, "CO2"), (10, "CO4")]


def test_bad_max_cells() -> None:
    text = "USN,NAME,Q1,Q2,Q3,Q4,Q5,Q6,Q7\nMAX,,five,0,-5,AB,2.555,100000,\nCO,,CO1,CO1,CO1,CO1,CO1,CO1,CO1\n"
    got = problems(text + "1CR24CS001,A,1,1,1,1,1,1,1\n")
    assert got == [
        (2, "Q1", "five", "five is not a number; the MAX row gives each question's maximum marks, such as 10."),
        (2, "Q2", "0", "The maximum marks of Q2 must be more than 0."),
        (2, "Q3", "-5", "-5 is negative; only zero or more is allowed."),
        (2, "Q4", "AB", "AB is not a number; the MAX row gives each question's maximum marks, such as 10."),
        (2, "Q5", "2.555", "2.555 has more than 2 decimals; round it (half marks such as 4.5 are fine)."),
        (2, "Q6", "100000", "100000 is too large for maximum marks; the limit is 99999.99."),
        (2, "Q7", "", "The maximum marks of Q7 are missing in the MAX row."),
    ]


def test_bad_co_cells() -> None:
    text = "USN,NAME,Q1,Q2,Q3,Q4,Q5\nMAX,,5,5,5,5,5\nCO,,CO9,PO1,\"CO1, CO2\",,co 2\n1CR24CS001,A,1,1,1,1,1\n"
    got = problems(text, cos=["CO1", "CO2", "CO10", "CO3"])
    assert got == [
        (3, "Q1", "CO9", "This course has no course outcome CO9; its course outcomes are CO1, CO2, CO3, CO10."),
        (3, "Q2", "PO1", "PO1 is not a course outcome; write it as CO1, CO2, …"),
        (3, "Q3", "CO1, CO2", "CO1, CO2 names more than one course outcome, but a question counts towards one: "
                              "choose one, or split the question into parts (such as Q1A and Q1B)."),
        (3, "Q4", "", "The course outcome of Q4 is missing in the CO row."),
    ]


def test_a_course_without_outcomes_is_told_once() -> None:
    got = problems(HEAD + "1CR24CS001,A,1,1,1,1\n", cos=[])
    assert got == [(3, None, None, "This course has no course outcomes yet; send its outcomes file (CO, DESCRIPTION, "
                                   "BLOOM, PO1…) before the marks.")]


def test_missing_max_or_co_row_for_new_questions() -> None:
    body = "1CR24CS001,A,1,1,1,1\n"
    no_max = "USN,STUDENT NAME,Q1A,Q1B,Q2A,Q2B\nCO,,CO1,CO1,CO2,CO2\n" + body
    no_co = "USN,STUDENT NAME,Q1A,Q1B,Q2A,Q2B\nMAX,,5,5,10,10\n" + body
    assert [p[3][:26] for p in problems(no_max)] == ["The file has no MAX row. T"]
    assert [p[3][:25] for p in problems(no_co)] == ["The file has no CO row. T"]


def test_a_second_max_row() -> None:
    got = problems(HEAD + "MAX,,5,5,10,10\n1CR24CS001,A,1,1,1,1\n")
    assert got == [(4, None, None, "This is a second MAX row (the first is row 2); keep only one.")]


# ---- an assessment that exists ------------------------------------------------------------------


def test_existing_questions_need_no_max_and_co_rows() -> None:
    parsed = parse("USN,NAME,q1a,Q1 b,Q2A,Q2B\n1CR24CS001,A,5,1,AB,10\n", existing_items=EXISTING)
    assert [(i.label, i.max_marks, i.co) for i in parsed.items] == [
        ("Q1A", 5, "CO1"), ("Q1B", 5, "CO1"), ("Q2A", 10, "CO2"), ("Q2B", 10, "CO2")]
    assert values(parsed) == [["5", "1", None, "10"]]
    assert problems("USN,NAME,Q1A\n1CR24CS001,A,6\n", existing_items=EXISTING) == [
        (2, "Q1A", "6", "6 is above the maximum marks of Q1A (5).")]


def test_existing_questions_may_have_blank_or_equal_max_and_co() -> None:
    parsed = parse("USN,NAME,Q1A,Q1B,Q2A\nMAX,,5.0,,10\nCO,,,co1,CO-02\n1CR24CS001,A,5,1,2\n", existing_items=EXISTING)
    assert [(i.max_marks, i.co) for i in parsed.items] == [(5, "CO1"), (5, "CO1"), (10, "CO2")]


def test_existing_questions_cannot_change() -> None:
    got = problems("USN,NAME,Q1A,Q2A\nMAX,,5,20\nCO,,CO2,CO2\n1CR24CS001,A,1,1\n", existing_items=EXISTING)
    assert got == [
        (2, "Q2A", "20", "Q2A already has maximum marks 10 in this assessment, not 20: an assessment's questions are "
                         "fixed once it is created. Correct the MAX row, or leave it out."),
        (3, "Q1A", "CO2", "Q1A already counts towards CO1 in this assessment, not CO2: an assessment's questions are "
                          "fixed once it is created. Correct the CO row, or leave it out."),
    ]


def test_a_new_question_in_an_existing_assessment() -> None:
    parsed = parse("USN,NAME,Q1A,Q3\nMAX,,,4\nCO,,,CO3\n1CR24CS001,A,5,4\n", existing_items=EXISTING)
    assert [(i.label, i.max_marks, i.co) for i in parsed.items] == [("Q1A", 5, "CO1"), ("Q3", 4, "CO3")]
    got = problems("USN,NAME,Q1A,Q3\n1CR24CS001,A,5,4\n", existing_items=EXISTING)
    assert [(p[0], p[1], p[3]) for p in got] == [
        (None, "Q3", "Q3 is a new question in this assessment, so the file needs a MAX row giving its maximum marks."),
        (None, "Q3", "Q3 is a new question in this assessment, so the file needs a CO row giving its course outcome."),
    ]


# ---- rows ---------------------------------------------------------------------------------------


def test_usns_unknown_look_alike_duplicate_empty_and_malformed() -> None:
    text = HEAD + ("1CR24CS001,A,1,1,1,1\n1CR24CS099,B,1,1,1,1\n1CR24CS0O2,C,1,1,1,1\n1cr24cs001,D,1,1,1,1\n"
                   ",E,1,1,1,1\n1CR 24,F,1,1,1,1\n")
    assert problems(text) == [
        (5, "USN", "1CR24CS099", "1CR24CS099 is not a student of this course; check the USN, or add the student to "
                                 "the class first."),
        (6, "USN", "1CR24CS0O2", "1CR24CS0O2 is not a student of this course; did you mean 1CR24CS002? (the letter "
                                 "O and the digit 0, or I and 1, look alike)"),
        (7, "USN", "1cr24cs001", "The USN 1CR24CS001 is also in row 4; each student must appear only once."),
        (8, "USN", "", "The USN is empty."),
        (9, "USN", "1CR 24", "The USN 1CR 24 contains “ ”; only letters A–Z, digits, / and - are allowed."),
    ]


def test_known_usns_match_whatever_their_case() -> None:
    parsed = parse(HEAD + "1CR24CS001,A,1,1,1,1\n", usns={"1cr24cs001": 41})
    assert [(r.usn, r.student_id) for r in parsed.rows] == [("1CR24CS001", 41)]


def test_blank_rows_template_rows_and_notes_under_the_table_are_skipped() -> None:
    text = HEAD + ("1CR24CS001,A,1,1,1,1\n,,,,,\n,Seema (left the college),,,,\n"
                   "Signature of the faculty,,,,,\nHOD,,,,,\n")
    parsed = parse(text)
    assert [r.row for r in parsed.rows] == [4]


def test_a_known_student_with_no_marks_is_absent_everywhere() -> None:
    parsed = parse(HEAD + "1CR24CS001,A,,,,\n")
    assert values(parsed) == [[None, None, None, None]] and parsed.blank_cells == 4


def test_no_students() -> None:
    assert problems(HEAD) == [(1, None, None, "The file has a header row but no students under it.")]


def test_header_repeated_inside() -> None:
    got = problems(HEAD + "1CR24CS001,A,1,1,1,1\nusn,Student Name,Q1A,Q1B,Q2A,Q2B\n1CR24CS002,B,1,1,1,1\n")
    assert got == [(5, None, None, "This row repeats the header; delete it.")]


def test_values_beyond_the_header() -> None:
    comma = problems(HEAD + "1CR24CS001,A,4,5,1,1,1\n1CR24CS002,B,4,1,1,1\n")
    assert comma == [(4, None, None, "This row has more values than the header has columns. In a comma-separated "
                                     "file a mark written with a comma, such as 4,5, becomes two cells: write 4.5 "
                                     "instead.")]
    tab = problems(HEAD.replace(",", "\t") + "1CR24CS001\tA\t1\t1\t1\t1\tx\n")
    assert tab == [(4, None, None, "This row has more values than the header has columns; a value that contains TAB "
                                   "must be in double quotes.")]
    sheet = workbook({1: ["USN", "NAME", "Q1"], 2: ["MAX", None, 5], 3: ["CO", None, "CO1"],
                      4: ["1CR24CS001", "A", 4, None, "stray"]})
    assert problems(sheet) == [(4, "E", "stray", "Column E has a value in this row but no header.")]


def test_every_problem_at_once_in_file_order() -> None:
    text = ("USN,NAME,Q1,Q2\nMAX,,5,ten\nCO,,CO1,CO9\n1CR24CS001,A,6,1\n1CR24CS001,A,1,=1\n1CR24CS077,B,-1,AB\n")
    got = [(p[0], p[1]) for p in problems(text)]
    assert got == [(2, "Q2"), (3, "Q2"), (4, "Q1"), (5, "USN"), (5, "Q2"), (6, "USN"), (6, "Q1")]


def test_problems_are_capped_and_counted() -> None:
    rows = [Row(2, ["MAX", "", "5"]), Row(3, ["CO", "", "CO1"])]
    rows += [Row(n, [f"1CR24CS{n:05d}", "", "x"]) for n in range(4, 4 + MAX_PROBLEMS)]
    table = Table(header=["USN", "NAME", "Q1"], rows=rows, kind="csv", delimiter=",")
    with pytest.raises(FileProblems) as info:
        parse_marks(table, known_usns={r.cells[0]: 1 for r in rows[2:]}, known_cos=COS)
    assert len(info.value.problems) == MAX_PROBLEMS and info.value.more == 0
    rows.append(Row(9999, ["UNKNOWN1", "", "1"]))
    with pytest.raises(FileProblems) as info:
        parse_marks(table, known_usns={r.cells[0]: 1 for r in rows[2:-1]}, known_cos=COS)
    assert info.value.more == 1 and info.value.params == {"count": f"{MAX_PROBLEMS}+"}


# ---- detection, progress, speed -----------------------------------------------------------------


def test_marks_sheets_are_recognised_under_title_rows_and_with_their_max_and_co_rows() -> None:
    text = "Internal Assessment 1\nCSE 5A, Databases\n" + HEAD + "1CR24CS001,A,1,1,1,1\n"
    table = read_table(text.encode())
    assert (detect_kind(table.header), table.header_row) == ("marks", 3)
    assert [r.row for r in parse_marks(table, known_usns=USNS, known_cos=COS).rows] == [6]
    sheet = workbook({2: ["IA-2"], 4: ["Reg No", "Name", "Q 1 (a)", "1b"], 5: ["Max", None, 5, 5],
                      6: ["CO", None, "CO1", "CO2"], 7: ["1CR24CS001", "A", 4.5, 0]})
    table = read_table(sheet)
    assert (detect_kind(table.header), table.header_row) == ("marks", 4)
    assert values(parse_marks(table, known_usns=USNS, known_cos=COS)) == [["4.5", "0"]]


def big_table(students: int, questions: int, seed: int = 7) -> tuple[Table, dict[str, int]]:
    rng = random.Random(seed)
    labels = [f"Q{i // 2 + 1}{'AB'[i % 2]}" for i in range(questions)]
    marks = ["0", "1", "2", "2.5", "3", "4.5", "5", "6", "7", "7.5", "8", "9", "9.5", "10", "AB", "ab", ""]
    rows = [Row(2, ["MAX", "", *["10"] * questions]), Row(3, ["CO", "", *[f"CO{i % 4 + 1}" for i in range(questions)]])]
    usns = {}
    for n in range(students):
        usn = f"1CR21CS{n:04d}"
        usns[usn] = n + 1
        rows.append(Row(n + 4, [usn, f"Student {n}", *[rng.choice(marks) for _ in range(questions)]]))
    return Table(header=["USN", "STUDENT NAME", *labels], rows=rows, kind="csv", delimiter=","), usns


def test_progress_is_reported_every_500_rows_and_at_the_end() -> None:
    table, usns = big_table(1600, 3)
    calls: list[tuple[int, int]] = []
    parse_marks(table, known_usns=usns, known_cos=COS, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(500, 1602), (1000, 1602), (1500, 1602), (1602, 1602)]


def test_5000_students_by_40_questions(capsys: pytest.CaptureFixture[str]) -> None:
    table, usns = big_table(5000, 40)
    parse_marks(table, known_usns=usns, known_cos=COS)  # warm up
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        parsed = parse_marks(table, known_usns=usns, known_cos=COS)
        best = min(best, time.perf_counter() - started)
    assert len(parsed.rows) == 5000 and len(parsed.items) == 40
    assert parsed.blank_cells + parsed.absent_cells == sum(v is None for r in parsed.rows for v in r.values)
    with capsys.disabled():
        print(f"\n  parse_marks, 5,000 × 40 = 200,000 cells: {best * 1000:.0f} ms")


def test_a_big_sheet_with_problems_everywhere_still_checks_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    table, usns = big_table(5000, 40)
    for row in table.rows[2::50]:
        row.cells[5] = "11"  # above MAX in every 50th row
    started = time.perf_counter()
    with pytest.raises(FileProblems) as info:
        parse_marks(table, known_usns=usns, known_cos=COS)
    elapsed = time.perf_counter() - started
    assert len(info.value.problems) == 100
    with capsys.disabled():
        print(f"\n  parse_marks, 5,000 × 40 with 100 problems: {elapsed * 1000:.0f} ms")
