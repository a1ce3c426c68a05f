"""The articulation matrix's rules: columns, CO codes, Bloom levels, correlations, every problem at once."""

from __future__ import annotations

from typing import Any

import pytest

from domain.files.detect import detect_kind
from domain.files.outcomes import (
    DESCRIPTION_MAX,
    OutcomesFile,
    normalise_co,
    parse_outcomes,
    program_outcome,
    read_bloom,
    read_correlation,
)
from domain.files.problems import FileProblems
from domain.files.table import read_table
from tests.unit.files.helpers import workbook

HEAD = "CO,DESCRIPTION,BLOOM,PO1,PO2,PO3,PO4,PO5,PO6,PO7,PO8,PO9,PO10,PO11,PO12,PSO1,PSO2\n"


def parse(text: str | bytes) -> OutcomesFile:
    return parse_outcomes(read_table(text.encode() if isinstance(text, str) else text))


def problems(text: str | bytes) -> list[tuple[Any, ...]]:
    with pytest.raises(FileProblems) as info:
        parse(text)
    assert all("{" not in p.text() for p in info.value.problems)
    return [(p.row, p.column, p.value, p.text()) for p in info.value.problems]


def test_the_example_matrix() -> None:
    parsed = parse(HEAD + "CO1,Explain the relational model,L2,3,2,,,,,,,,,,,2,\n")
    assert [(o.row, o.code, o.description, o.bloom, o.correlations) for o in parsed.outcomes] == [
        (2, "CO1", "Explain the relational model", 2, {"PO1": 3, "PO2": 2, "PSO1": 2})]
    assert parsed.program_outcomes == [*(f"PO{i}" for i in range(1, 13)), "PSO1", "PSO2"]
    assert (parsed.ignored_columns, parsed.unmapped) == ([], [])


@pytest.mark.parametrize(("typed", "code"), [
    ("CO1", "CO1"), ("co1", "CO1"), ("co 1", "CO1"), ("Co-1", "CO1"), ("CO_01", "CO1"), ("CO.12", "CO12"),
    ("CO99", "CO99"), ("ＣＯ３", "CO3"),
    ("CO0", None), ("CO100", None), ("C1", None), ("1", None), ("PO1", None), ("CO1a", None), ("", None),
])
def test_co_codes(typed: str, code: str | None) -> None:
    assert normalise_co(typed) == code


@pytest.mark.parametrize(("typed", "level"), [
    ("L1", 1), ("l2", 2), ("L-3", 3), ("4", 4), ("K5", 5), ("BTL6", 6), ("BTL-2", 2), ("Level 3", 3), ("RBT L4", 4),
    ("Remember", 1), ("remembering", 1), ("UNDERSTAND", 2), ("Apply", 3), ("Analyse", 4), ("analyze", 4),
    ("Evaluate", 5), ("Create", 6), ("creating", 6), ("L2 – Understand", 2), ("Understand (L2)", 2),
    ("L4: Analysing", 4), ("स्मरण", 1), ("समझना", 2), ("अनुप्रयोग", 3), ("विश्लेषण", 4), ("मूल्यांकन", 5), ("सृजन", 6),
    ("L४", 4),
    ("L0", None), ("L7", None), ("7", None), ("Aply", None), ("High", None), ("L2/L3", None), ("L3 – Understand", None),
    ("-", None),
])
def test_bloom_levels(typed: str, level: int | None) -> None:
    assert read_bloom(typed) == level


@pytest.mark.parametrize(("typed", "result"), [
    ("", (None, True)), ("-", (None, True)), ("—", (None, True)), ("0", (None, True)), ("1", (1, True)),
    ("2", (2, True)), ("3", (3, True)), ("3.0", (3, True)), ("H", (3, True)), ("m", (2, True)), ("Low", (1, True)),
    ("4", (None, False)), ("2.5", (None, False)), ("x", (None, False)), ("✓", (None, False)), ("-1", (None, False)),
])
def test_correlations(typed: str, result: tuple[int | None, bool]) -> None:
    assert read_correlation(typed) == result


@pytest.mark.parametrize(("header", "found"), [
    ("PO1", ("PO", 1)), ("po 12", ("PO", 12)), ("PO-01", ("PO", 1)), ("PSO2", ("PSO", 2)), ("pso 1", ("PSO", 1)),
    ("PO1 (Engineering knowledge)", ("PO", 1)), ("PO13", ("PO", 13)), ("PO0", ("PO", 0)),
    ("PO", None), ("POS", None), ("PSO", None), ("PO100", None), ("POINTS", None), ("CO1", None),
])
def test_program_outcome_columns(header: str, found: tuple[str, int] | None) -> None:
    assert program_outcome(header) == found


def test_aliases_and_recognition() -> None:
    text = ("Course outcomes of CS501\nSl. No.,CO No.,Course Outcome,Bloom's Level,PO1,PO2,PSO1,Remarks\n"
            "1,CO1,Explain,L2,3,,1,ok\n")
    table = read_table(text.encode())
    assert (detect_kind(table.header), table.header_row) == ("outcomes", 2)
    parsed = parse_outcomes(table)
    assert [(o.code, o.bloom, o.correlations) for o in parsed.outcomes] == [("CO1", 2, {"PO1": 3, "PSO1": 1})]
    assert parsed.ignored_columns == ["Sl. No.", "Remarks"]


@pytest.mark.parametrize("header", [
    ["CO", "DESCRIPTION", "BLOOM"], ["CO", "PO1"], ["CO No", "Course Outcome", "RBT Level"],
    ["COs", "Statement", "BTL"], ["co", "po 1", "pso 2"],
])
def test_outcome_headers_are_recognised(header: list[str]) -> None:
    assert detect_kind(header) == "outcomes"


def test_missing_columns() -> None:
    assert problems("SL NO,PO1\n1,3\n") == [
        (None, "CO", None, "The column CO is missing; the header row needs CO, DESCRIPTION, BLOOM."),
        (None, "DESCRIPTION", None, "The column DESCRIPTION is missing; the header row needs CO, DESCRIPTION, BLOOM."),
        (None, "BLOOM", None, "The column BLOOM is missing; the header row needs CO, DESCRIPTION, BLOOM."),
    ]


def test_program_outcome_columns_beyond_po12_and_repeated() -> None:
    got = problems("CO,DESCRIPTION,BLOOM,PO1,PO13,PO 1,PSO0,PSO1\nCO1,D,L1,1,1,1,1,1\n")
    assert got == [
        (1, "PO1", "PO1", "The column PO1 appears more than once (columns D, F); keep only one of them."),
        (1, "PO13", "PO13", "There is no program outcome PO13: the program outcomes are PO1 to PO12, and the "
                            "program's own are PSO1, PSO2, …"),
        (1, "PSO0", "PSO0", "There is no program outcome PSO0: the program outcomes are PO1 to PO12, and the "
                            "program's own are PSO1, PSO2, …"),
    ]


def test_cells() -> None:
    text = (HEAD + "CO1,Explain,L2,3\n"
            "co 1,Again,L1,1\nCO 3,,L9,x\n,No code,L1\nCO5,Design,,,,,,,,,,,,,,4\nOutcome 6,Six,Create,1\n"
            f"CO7,{'x' * (DESCRIPTION_MAX + 1)},\"L1, L2\",2\n")
    assert problems(text) == [
        (3, "CO", "co 1", "The course outcome CO1 is also in row 2; each course outcome must appear only once."),
        (4, "DESCRIPTION", "", "The description of CO3 is empty."),
        (4, "BLOOM", "L9", "L9 is not a Bloom level; write L1 to L6, or the level's name (Remember, Understand, "
                           "Apply, Analyse, Evaluate, Create)."),
        (4, "PO1", "x", "x is not a correlation; write 1 (low), 2 (medium) or 3 (high), or leave the cell empty."),
        (5, "CO", "", "The CO code is empty; write it as CO1, CO2, …"),
        (6, "BLOOM", "", "The Bloom level of CO5 is empty; write L1 to L6, or the level's name (Remember, "
                         "Understand, Apply, Analyse, Evaluate, Create)."),
        (6, "PSO1", "4", "4 is not a correlation; write 1 (low), 2 (medium) or 3 (high), or leave the cell empty."),
        (7, "CO", "Outcome 6", "Outcome 6 is not a course outcome code; write it as CO1, CO2, … (up to CO99)."),
        (8, "DESCRIPTION", "x" * (DESCRIPTION_MAX + 1), f"The description has {DESCRIPTION_MAX + 1} characters; at "
                                                        f"most {DESCRIPTION_MAX} are allowed."),
        (8, "BLOOM", "L1, L2", "L1, L2 gives more than one Bloom level; write the one level this outcome is at."),
    ]


def test_a_co_with_no_correlation_is_listed_not_refused() -> None:
    parsed = parse(HEAD + "CO1,Explain,L2,3\nCO2,Apply,L3,-,-,0\nCO3,Analyse,L4\n")
    assert [o.code for o in parsed.outcomes] == ["CO1", "CO2", "CO3"]
    assert parsed.unmapped == ["CO2", "CO3"]
    only = parse("CO,DESCRIPTION,BLOOM\nCO1,Explain,L2\n")
    assert (only.program_outcomes, only.unmapped) == ([], ["CO1"])


def test_the_average_row_under_the_matrix_is_skipped() -> None:
    parsed = parse(HEAD + "CO1,Explain,L2,3,2\nCO2,Apply,L3,1\nAverage,,,2,2\nAVG.,,,2.5\n")
    assert [o.code for o in parsed.outcomes] == ["CO1", "CO2"]


def test_blank_rows_header_again_and_values_beyond_the_header() -> None:
    text = HEAD + "CO1,Explain,L2,3\n,,,,\n" + HEAD + "CO2,Apply, design,L3,1,,,,,,,,,,,,,1\n"
    assert problems(text) == [
        (4, None, None, "This row repeats the header; delete it."),
        (5, None, None, "This row has more values than the header has columns; a value that contains “,” must be in "
                        "double quotes."),
    ]
    sheet = workbook({1: ["CO", "DESCRIPTION", "BLOOM", "PO1"], 2: ["CO1", "Explain", 2, 3, None, "note"]})
    assert problems(sheet) == [(2, "F", "note", "Column F has a value in this row but no header.")]


def test_a_row_without_its_code_is_told_without_naming_one() -> None:
    assert [p[3] for p in problems(HEAD + ",,\n,,,1\n")] == [
        "The CO code is empty; write it as CO1, CO2, …", "The description is empty.",
        "The Bloom level is empty; write L1 to L6, or the level's name (Remember, Understand, Apply, Analyse, "
        "Evaluate, Create)."]


def test_header_only() -> None:
    assert problems(HEAD) == [(1, None, None, "The file has a header row but no course outcomes under it.")]


def test_every_problem_at_once_in_file_order() -> None:
    text = "CO,DESCRIPTION,BLOOM,PO1,PO14\nCO1,,L8,5,1\nCO1,Twice,L1,1,1\n"
    got = [(p[0], p[1]) for p in problems(text)]
    assert got == [(1, "PO14"), (2, "DESCRIPTION"), (2, "BLOOM"), (2, "PO1"), (3, "CO")]


def test_a_workbook_with_numbers() -> None:
    sheet = workbook({1: ["Articulation matrix"], 3: ["CO", "DESCRIPTION", "BLOOM", "PO1", "PO2"],
                      4: ["CO1", "Explain", 2, 3, 1.0], 5: ["CO2", "Apply", "Apply", None, 2]})
    parsed = parse(sheet)
    assert [(o.row, o.code, o.bloom, o.correlations) for o in parsed.outcomes] == [
        (4, "CO1", 2, {"PO1": 3, "PO2": 1}), (5, "CO2", 3, {"PO2": 2})]
