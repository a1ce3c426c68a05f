"""The item-analysis workbook (``domain.reports.item_analysis_xlsx``), read back with openpyxl."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.item_analysis import NEGATIVE_DISCRIMINATION, TOO_HARD, UNUSED_DISTRACTOR, ItemKey, ItemStats, analyse
from domain.reports.item_analysis_xlsx import (
    ABOUT,
    COLUMNS,
    FACILITY,
    FLAG_MEANINGS,
    FORMULAS,
    QUESTION,
    item_analysis_workbook,
)

D = Decimal

KEYS = [ItemKey(1, "Q1", "MCQ", 4, (1,), D(2)), ItemKey(2, "=1+1", "MCQ", 6, (0, 5), D(3)),
        ItemKey(3, "Q3", "TF", 2, (1,), D(1)), ItemKey(4, "Q4", "NUM", 0, (), D(4)),
        ItemKey(5, "Q5", "LA", 0, (), D(6))]
STATS = [
    ItemStats(1, "Q1", "MCQ", 10, 9, D("0.500"), D("0.333"), (2, 5, 1, 1), 1, ()),
    ItemStats(2, "=1+1", "MCQ", 12, 12, D("0.150"), D("-0.250"), (4, 3, 0, 1, 0, 4), 0,
              (TOO_HARD, NEGATIVE_DISCRIMINATION, UNUSED_DISTRACTOR)),
    ItemStats(3, "Q3", "TF", 3, 3, D("0.667"), None, (1, 2), 0, ()),
    ItemStats(4, "Q4", "NUM", 10, 8, D("0.400"), D("0.100"), (), 2, ()),
    ItemStats(5, "Q5", "LA", 0, 0, None, None, (), 0, ()),
]


def read(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_one_row_per_question() -> None:
    sheets = read(item_analysis_workbook("CS101 Midterm", STATS, KEYS, labels={}))
    assert list(sheets) == ["Items", "About"]
    items = sheets["Items"]
    assert items[0] == ("Question", "Kind", "Attempts", "Answered", "Facility", "Discrimination", "Correct option",
                        "A", "B", "C", "D", "E", "F", "Unanswered", "Flags")
    assert items[1] == ("Q1", "MCQ", 10, 9, 0.5, 0.333, "B", 2, 5, 1, 1, None, None, 1, None)
    assert items[2] == ("=1+1", "MCQ", 12, 12, 0.15, -0.25, "A, F", 4, 3, 0, 1, 0, 4, 0,
                        "too hard, negative discrimination, unused distractor")
    assert items[3] == ("Q3", "TF", 3, 3, 0.667, None, "B", 1, 2, None, None, None, None, 0, None)
    assert items[4] == ("Q4", "NUM", 10, 8, 0.4, 0.1, None, None, None, None, None, None, None, 2, None)
    assert items[5] == ("Q5", "LA", 0, 0, None, None, None, None, None, None, None, None, None, 0, None)
    assert len(items) == 6


def test_text_that_looks_like_a_formula_stays_text() -> None:
    data = item_analysis_workbook("=HYPERLINK(\"http://evil.example\",\"x\")", STATS, KEYS, labels={})
    book = load_workbook(io.BytesIO(data))
    cell = book["Items"]["A3"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)
    label = book["About"]["B1"]
    assert label.data_type == "s" and label.value.startswith("=HYPERLINK")


def test_the_about_sheet_explains_every_column_formula_and_flag() -> None:
    about = read(item_analysis_workbook("CS101 Midterm", STATS, KEYS, labels={}))["About"]
    assert about[0][:2] == ("Item analysis", "CS101 Midterm")
    texts = [cell for row in about for cell in row if isinstance(cell, str)]
    for column, meaning in ABOUT:
        assert column in texts and meaning in texts
    for line in FORMULAS:
        assert line in texts
    for flag, meaning in FLAG_MEANINGS:
        assert flag in texts and meaning in texts
    assert set(COLUMNS) <= {c for c, _ in ABOUT}


def test_labels_translate_headers_explanations_and_flags() -> None:
    labels = {QUESTION: "प्रश्न", FACILITY: "सुगमता", TOO_HARD: "बहुत कठिन", FORMULAS[0]: "भिन्न = …"}
    sheets = read(item_analysis_workbook("CS101", STATS, KEYS, labels=labels))
    assert sheets["Items"][0][:5] == ("प्रश्न", "Kind", "Attempts", "Answered", "सुगमता")
    assert sheets["Items"][2][-1] == "बहुत कठिन, negative discrimination, unused distractor"
    texts = [cell for row in sheets["About"] for cell in row if isinstance(cell, str)]
    assert "भिन्न = …" in texts and "सुगमता" in texts and "बहुत कठिन" in texts


def test_from_an_analysis_and_an_empty_exam() -> None:
    stats = analyse(KEYS[:1], [])
    rows = read(item_analysis_workbook("Empty", stats, KEYS, labels={}))["Items"]
    assert rows[1] == ("Q1", "MCQ", 0, 0, None, None, "B", 0, 0, 0, 0, None, None, 0, None)
    assert len(read(item_analysis_workbook("Nothing", [], [], labels={}))["Items"]) == 1


def test_every_row_needs_its_key() -> None:
    with pytest.raises(ValueError):
        item_analysis_workbook("X", STATS, KEYS[:2], labels={})
