"""Spreadsheets we send back: text stays text (never a formula), numbers stay numbers, header bold and frozen."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from domain.files.table import read_table
from domain.reports.xlsx import CellValue, Sheet, csv_bytes, csv_text, xlsx_bytes

DANGEROUS = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+91 98450", "-2+3", "@SUM(A1)", "\tx", "\rx",
             "=cmd|'/c calc'!A1", "#N/A", "#DIV/0!", "＝1+1"]


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_formula_looking_text_is_written_as_text() -> None:
    data = xlsx_bytes([Sheet("Invites", ["NAME"], [[t] for t in DANGEROUS])])
    ws = _open(data).active
    for i, text in enumerate(DANGEROUS, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.data_type == "s", text
        assert cell.value == text.replace("\r", "\n")
    assert ws["A2"].quotePrefix  # Excel keeps it text when the cell is edited
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_numbers_dates_and_booleans_keep_their_types() -> None:
    rows: list[list[CellValue]] = [
        [1, 4.5, Decimal("2.25"), True, dt.date(2026, 11, 16), dt.datetime(2026, 11, 16, 9, 30), None, "4"]]
    ws = _open(xlsx_bytes([Sheet("S", list("ABCDEFGH"), rows)])).active
    values = [c.value for c in ws[2]]
    assert values[:4] == [1, 4.5, 2.25, True]
    assert [c.data_type for c in ws[2]][:4] == ["n", "n", "n", "b"]
    assert values[4] == dt.datetime(2026, 11, 16, 0, 0)
    assert ws["E2"].number_format == "yyyy-mm-dd"
    assert values[5] == dt.datetime(2026, 11, 16, 9, 30)
    assert values[6] is None
    assert values[7] == "4" and ws["H2"].data_type == "s"


def test_non_finite_floats_become_text() -> None:
    ws = _open(xlsx_bytes([Sheet("S", ["X"], [[float("nan")], [float("inf")]])])).active
    assert [ws["A2"].value, ws["A3"].value] == ["nan", "inf"]


def test_header_is_bold_and_frozen_with_widths() -> None:
    data = xlsx_bytes([Sheet("Marks", ["USN", "A VERY LONG HEADER NAME"], [["1CR24CS001", 5]], widths=[14, 30])])
    ws = _open(data).active
    assert ws.title == "Marks"
    assert ws["A1"].font.b and ws["B1"].font.b
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 14
    assert ws.column_dimensions["B"].width == 30


def test_automatic_widths_fit_the_content_within_bounds() -> None:
    data = xlsx_bytes([Sheet("S", ["A", "B", "C"], [["x" * 20, "y" * 200, 1]])])
    ws = _open(data).active
    assert ws.column_dimensions["A"].width == 22
    assert ws.column_dimensions["B"].width == 60
    assert ws.column_dimensions["C"].width == 8


def test_several_sheets_with_awkward_titles() -> None:
    sheets = [Sheet("CO/PO: [summary]?", ["A"], [[1]]), Sheet("CO/PO: [summary]?", ["A"], [[2]]),
              Sheet("x" * 40, ["A"], []), Sheet("", ["A"], iter([[3]]))]
    wb = _open(xlsx_bytes(sheets))
    assert wb.sheetnames == ["CO-PO- -summary--", "CO-PO- -summary-- (2)", "x" * 31, "Sheet"]
    assert wb["Sheet"]["A2"].value == 3


def test_rows_may_be_a_generator_longer_than_the_width_sample() -> None:
    data = xlsx_bytes([Sheet("S", ["N"], ([i] for i in range(1000)))])
    ws = _open(data).active
    assert ws.max_row == 1001
    assert ws["A1001"].value == 999


def test_control_characters_are_dropped_and_long_text_cut() -> None:
    ws = _open(xlsx_bytes([Sheet("S", ["T"], [["a\x00b\x07c\x1fd"], ["z" * 40000]])])).active
    assert ws["A2"].value == "abcd"
    assert len(ws["A3"].value) == 32767


def test_no_sheets_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        xlsx_bytes([])


def test_the_produced_file_reads_back_through_our_reader() -> None:
    rows: list[list[CellValue]] = [["1CR24CS001", "=1+1", 4.5], ["1CR24CS002", "-x", 4]]
    data = xlsx_bytes([Sheet("Roster", ["USN", "NAME", "MARK"], rows)])
    table = read_table(data)
    assert [r.cells for r in table.rows] == [["1CR24CS001", "=1+1", "4.5"], ["1CR24CS002", "-x", "4"]]


# ---- CSV ----------------------------------------------------------------------------------------


def test_csv_has_a_bom_crlf_and_escapes_formulas() -> None:
    data = csv_bytes(["NAME", "MARK"], [["=1+1", 4.5], ["+91 98450", 4], ["Asha, Rao", None], ["@x", True],
                                        ["-3", -3], ["x\x00y", dt.date(2026, 1, 2)]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode()
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["NAME", "MARK"], ["'=1+1", "4.5"], ["'+91 98450", "4"], ["Asha, Rao", ""], ["'@x", "TRUE"],
                    ["'-3", "-3"], ["xy", "2026-01-02"]]


def test_csv_text_of_values() -> None:
    assert csv_text(4.0) == "4"
    assert csv_text(0.1 + 0.2) == "0.3"
    assert csv_text(Decimal("2.50")) == "2.5"
    assert csv_text(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04"
    assert csv_text(None) == ""
    assert csv_text("\rx") == "'\rx"


def test_csv_reads_back_through_our_reader() -> None:
    data = csv_bytes(["USN", "NAME"], [["1CR24CS001", "José D'Souza"], ["1CR24CS002", "=HYPERLINK(\"x\")"]])
    table = read_table(data)
    assert table.encoding == "utf-8-sig"
    assert [r.cells for r in table.rows] == [["1CR24CS001", "José D'Souza"], ["1CR24CS002", "'=HYPERLINK(\"x\")"]]
