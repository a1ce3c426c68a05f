"""The roster's rules: USNs, names, classes, parents' phones, and that every problem is reported at once."""

from __future__ import annotations

from typing import Any

import pytest

from domain.files.problems import FileProblems
from domain.files.roster import (
    has_class_column,
    normalise_phone,
    normalise_usn,
    parse_roster,
    usn_problem,
)
from domain.files.table import Table, read_table
from tests.unit.files.helpers import workbook

KNOWN = ["CSE-A", "CSE-B", "10 A"]


def roster(text: str, **options: Any) -> list[tuple[Any, ...]]:
    table = read_table(text.encode())
    parsed = parse_roster(table, known_classes=options.pop("known", KNOWN), default_class=options.pop("default", None))
    return [(r.row, r.usn, r.name, r.class_name, r.parent_phone) for r in parsed.rows]


def problems(text: str, **options: Any) -> list[tuple[Any, ...]]:
    table = read_table(text.encode())
    with pytest.raises(FileProblems) as info:
        parse_roster(table, known_classes=options.pop("known", KNOWN), default_class=options.pop("default", None))
    return [(p.row, p.column, p.value, p.text()) for p in info.value.problems]


def test_the_example_roster() -> None:
    rows = roster("USN,NAME,CLASS,PARENT_PHONE\n1CR24CS001,Aarav Shah,CSE-B,+919845052445\n")
    assert rows == [(2, "1CR24CS001", "Aarav Shah", "CSE-B", "+919845052445")]


def test_usn_is_trimmed_and_upper_cased() -> None:
    assert roster("USN,NAME,CLASS\n  1cr24cs001 ,A,CSE-A\n")[0][1] == "1CR24CS001"
    assert normalise_usn(" １ｃｒ24cs001 ") == "1CR24CS001"


@pytest.mark.parametrize("usn", ["1", "A", "1CR24CS001", "2024/CS/001", "CS-2024-001", "X" * 32])
def test_valid_usns(usn: str) -> None:
    assert usn_problem(usn) is None


@pytest.mark.parametrize(
    ("usn", "says"),
    [
        ("", "empty"),
        ("X" * 33, "has 33 characters; at most 32"),
        ("-12", "must start with a letter A–Z or a digit"),
        ("/12", "must start"),
        ("1CR 24", "contains “ ”"),
        ("1CR.24_X", "contains “.” “_”"),
        ("=1+1", "contains “=” “+”"),
        ("1.23457E+11", "scientific notation"),
        ("१२३", "contains “१” “२” “३”"),
    ],
)
def test_invalid_usns_say_why(usn: str, says: str) -> None:
    why = usn_problem(usn)
    assert why is not None
    message, params = why
    assert says in message.format(**params)


def test_invalid_usn_is_shown_as_typed() -> None:
    why = usn_problem("1cr 24")
    assert why is not None and why[1]["usn"] == "1cr 24"


def test_every_problem_is_reported_in_row_and_column_order() -> None:
    text = (
        "USN,NAME,CLASS,PARENT_PHONE\n"
        "1CR24CS001,Aarav,CSE-B,9845052445\n"
        ",Diya,CSE-Z,123\n"
        "1cr24cs001,,CSE-A,\n"
        "1CR24CS004,Meera,,98450 52445\n"
    )
    assert [(r, c, v) for r, c, v, _t in problems(text)] == [
        (3, "USN", ""), (3, "CLASS", "CSE-Z"), (3, "PARENT_PHONE", "123"),
        (4, "USN", "1cr24cs001"), (4, "NAME", ""),
        (5, "CLASS", ""),
    ]


def test_duplicate_names_both_rows() -> None:
    found = problems("USN,NAME,CLASS\nA1,X,CSE-A\nB2,Y,CSE-A\na1,Z,CSE-A\n")
    assert found == [(4, "USN", "a1", "The USN A1 is also in row 2; each student must appear only once.")]


def test_names_are_kept_verbatim() -> None:
    names = ['<b>x</b>', "Robert'); DROP TABLE students;--", "محمد علي", '=HYPERLINK("http://x")', "+91", "@me",
             "-x-", "  spaced   inside  "]
    lines = "".join(f'U{i},"{n.replace(chr(34), chr(34) * 2)}",CSE-A\n' for i, n in enumerate(names))
    rows = roster("USN,NAME,CLASS\n" + lines)
    assert [r[2] for r in rows] == [n.strip() for n in names]


def test_name_length_limit() -> None:
    assert roster(f"USN,NAME,CLASS\n1,{'x' * 120},CSE-A\n")[0][2] == "x" * 120
    found = problems(f"USN,NAME,CLASS\n1,{'x' * 121},CSE-A\n")
    assert found[0][3] == "The name has 121 characters; at most 120 are allowed."


def test_first_and_last_name_columns_are_joined() -> None:
    rows = roster("USN,First Name,Middle Name,Surname,CLASS\n1,Asha,K.,Rao,CSE-A\n2,Kabir,,,CSE-A\n")
    assert [r[2] for r in rows] == ["Asha K. Rao", "Kabir"]


def test_name_column_wins_over_name_parts() -> None:
    table = read_table(b"USN,NAME,FIRST NAME,CLASS\n1,Asha Rao,Asha,CSE-A\n")
    parsed = parse_roster(table, known_classes=KNOWN)
    assert parsed.rows[0].name == "Asha Rao"
    assert parsed.ignored_columns == ["FIRST NAME"]


def test_class_matching_returns_the_known_spelling() -> None:
    rows = roster("USN,NAME,CLASS\n1,A,cse-a\n2,B,CSE B\n3,C, 10  a \n4,D,10-A\n")
    assert [r[3] for r in rows] == ["CSE-A", "CSE-B", "10 A", "10 A"]


def test_ambiguous_loose_class_match_is_not_guessed() -> None:
    found = problems("USN,NAME,CLASS\n1,A,CSEA\n", known=["CSE-A", "CSE A."])
    assert found[0][1:3] == ("CLASS", "CSEA")


def test_default_class_fills_missing_and_blank_classes() -> None:
    assert roster("USN,NAME\n1,A\n", default="CSE-B")[0][3] == "CSE-B"
    assert [r[3] for r in roster("USN,NAME,CLASS\n1,A,\n2,B,CSE-A\n", default="CSE-B")] == ["CSE-B", "CSE-A"]


def test_missing_class_column_without_default() -> None:
    assert problems("USN,NAME\n1,A\n") == [
        (None, "CLASS", None, "The file has no CLASS column; add one, or choose the class before sending the file.")]


def test_unknown_class_lists_known_ones() -> None:
    found = problems("USN,NAME,CLASS\n1,A,CSE-Z\n")
    assert found[0][3] == "There is no class CSE-Z; your classes are 10 A, CSE-A, CSE-B."
    many = [f"C{i:02d}" for i in range(30)]
    assert found != problems("USN,NAME,CLASS\n1,A,CSE-Z\n", known=many)
    assert problems("USN,NAME,CLASS\n1,A,CSE-Z\n", known=many)[0][3].endswith("C19 ….")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9845052445", "+919845052445"),
        ("98450 52445", "+919845052445"),
        ("98450-52445", "+919845052445"),
        ("(98450) 52445", "+919845052445"),
        ("098450 52445", "+919845052445"),
        ("919845052445", "+919845052445"),
        ("+91 98450 52445", "+919845052445"),
        ("+91-9845052445", "+919845052445"),
        ("0091 98450 52445", "+919845052445"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (555) 010-0123", "+15550100123"),
        ("2345678", "2345678"),
        ("(080) 2345 6789", "+918023456789"),
    ],
)
def test_phone_numbers(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12345", "abcd", "98450 5244 x", "+91 98450 5244", "+91 98450 524455", "1234567890123456",
              "9845052445/9845011111", "+", "٩٨٤٥٠٥٢٤٤٥", "+123456"],
)
def test_not_phone_numbers(typed: str) -> None:
    assert normalise_phone(typed) is None


def test_no_phone_markers_are_blank() -> None:
    rows = roster("USN,NAME,CLASS,PHONE\n1,A,CSE-A,NA\n2,B,CSE-A,-\n3,C,CSE-A,n/a\n4,D,CSE-A,\n")
    assert [r[4] for r in rows] == [None, None, None, None]


def test_bad_phone_problem() -> None:
    assert problems("USN,NAME,CLASS,PARENT_PHONE\n1,A,CSE-A,12345\n")[0][1:3] == ("PARENT_PHONE", "12345")


def test_header_aliases_and_ignored_columns() -> None:
    table = read_table(b"Sl. No.,Student_Name,USN No,Class Name,Parent Mobile,Email,Roll No\n"
                       b"1,Asha,1cr1,CSE-A,9845052445,a@x,17\n")
    parsed = parse_roster(table, known_classes=KNOWN)
    assert [(r.usn, r.name, r.class_name, r.parent_phone) for r in parsed.rows] == [
        ("1CR1", "Asha", "CSE-A", "+919845052445")]
    assert parsed.ignored_columns == ["Sl. No.", "Email", "Roll No"]


def test_problem_columns_use_the_header_as_typed() -> None:
    found = problems("Student Name,Reg No,Section\nAsha,,CSE-A\n")
    assert [(r, c) for r, c, _v, _t in found] == [(2, "Reg No")]


def test_a_blank_header_with_values_is_reported_as_ignored() -> None:
    table = read_table(b"USN,NAME,,CLASS\n1,A,note,CSE-A\n")
    assert parse_roster(table, known_classes=KNOWN).ignored_columns == ["(C)"]


def test_repeated_column() -> None:
    found = problems("USN,NAME,CLASS,usn\n1,A,CSE-A,1\n")
    assert found == [(1, "USN", "USN",
                      "The column USN appears more than once (columns A, D); keep only one of them.")]


def test_blank_template_rows_are_skipped() -> None:
    rows = roster("SL NO,USN,NAME,CLASS\n1,1CR1,A,CSE-A\n2,,,\n3,,,\n4,1CR4,D,CSE-A\n")
    assert [r[0] for r in rows] == [2, 5]


def test_header_only_has_no_students() -> None:
    assert problems("USN,NAME,CLASS\n") == [(1, None, None, "The file has a header row but no students under it.")]


def test_no_students_is_not_said_when_the_usn_column_is_missing() -> None:
    assert [t for _r, _c, _v, t in problems("NAME,CLASS\n")] == [
        "The column USN is missing; the header row needs USN, NAME."]


def test_header_repeated_inside_the_file() -> None:
    found = problems("USN,NAME,CLASS\n1,A,CSE-A\nusn,Name,CLASS\n2,B,CSE-A\n")
    assert found == [(3, None, None, "This row repeats the header; delete it.")]


def test_values_beyond_the_header() -> None:
    csv_found = problems("USN,NAME,CLASS\n1,Rao, Asha,CSE-A\n")
    assert (2, None, None) in [(r, c, v) for r, c, v, _t in csv_found]
    assert any("must be in double quotes" in t for *_x, t in csv_found)
    semicolon = problems("USN;NAME;CLASS\n1;A;CSE-A;x\n")
    assert "“;”" in semicolon[0][3]
    sheet = read_table(workbook({1: ["USN", "NAME", "CLASS"], 2: ["1", "A", "CSE-A", None, "x"]}))
    with pytest.raises(FileProblems) as info:
        parse_roster(sheet, known_classes=KNOWN)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(2, "E", "x")]


def test_no_classes_yet() -> None:
    found = problems("USN,NAME,CLASS\n1,A,CSE-A\n", known=[])
    assert "no classes yet" in found[0][3]


def test_has_class_column() -> None:
    assert has_class_column(["USN", "NAME", "Section"])
    assert has_class_column(["usn", "name", " class "])
    assert not has_class_column(["USN", "NAME"])


def test_problems_are_capped_but_counted() -> None:
    lines = "".join(f"{i},,CSE-Z\n" for i in range(3000))
    table = read_table(("USN,NAME,CLASS\n" + lines).encode())
    with pytest.raises(FileProblems) as info:
        parse_roster(table, known_classes=KNOWN)
    assert len(info.value.problems) == 5000
    assert info.value.more == 1000
    assert "5000+" in str(info.value)


def test_numeric_usns_from_a_workbook() -> None:
    table = read_table(workbook({1: ["USN", "NAME", "CLASS", "PARENT_PHONE"], 2: [1001, "A", "CSE-A", 9845052445],
                                 3: [1002.0, "B", "CSE-A", 919845052445.0]}))
    parsed = parse_roster(table, known_classes=KNOWN)
    assert [(r.usn, r.parent_phone) for r in parsed.rows] == [("1001", "+919845052445"), ("1002", "+919845052445")]


def test_parse_takes_any_table() -> None:
    from domain.files.table import Row

    table = Table(header=["USN", "NAME"], rows=[Row(7, ["x1", "Asha"])], kind="csv")
    assert parse_roster(table, known_classes=["CSE-A"], default_class="CSE-A").rows[0].row == 7


def test_default_class_is_matched_against_known_classes() -> None:
    assert roster("USN,NAME\n1,A\n2,B\n", default="cse b") == [
        (2, "1", "A", "CSE-B", None), (3, "2", "B", "CSE-B", None)]
    found = problems("USN,NAME\n1,A\n2,B\n", default="CSE-Q")
    assert found == [(None, "CLASS", "CSE-Q", "There is no class CSE-Q; your classes are 10 A, CSE-A, CSE-B.")]
    assert roster("USN,NAME,CLASS\n1,A,CSE-A\n", default="CSE-Q")[0][3] == "CSE-A"  # not needed, not checked
