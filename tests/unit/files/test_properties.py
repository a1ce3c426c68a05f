"""Properties: tables survive CSV in every delimiter and encoding, workbooks keep any text, rosters keep names."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from domain.files.problems import check_number, looks_like_formula
from domain.files.roster import normalise_phone, parse_roster
from domain.files.table import format_number, read_table
from domain.reports.xlsx import Sheet, clean_text, csv_bytes, xlsx_bytes

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]

# any printable text: letters of every script, the delimiters, quotes, line breaks inside cells
_ANY = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u200b\ufeff\x85")
_TEXT = st.one_of(_ANY, st.sampled_from([",", ";", "\t", "|", '"', "\n", "\r", " ", "'"]))
# Windows-1252 text: ASCII and Latin-1 letters (bytes ≥ 0xC0 never form UTF-8 by themselves)
_CP1252 = st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.sampled_from(list("éñüöçàèÉÑÜØ")),
                    st.sampled_from([",", ";", "\t", "|", '"', "\n"]))


def _cell(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, max_size=12).map(lambda s: s.strip())


@st.composite
def tables(draw: st.DrawFn, alphabet: st.SearchStrategy[str]) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(2, 6))
    header = [f"Col{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(_cell(alphabet), min_size=width, max_size=width), max_size=15))
    return header, rows


def _expected(rows: list[list[str]]) -> list[tuple[int, list[str]]]:
    out = []
    for i, row in enumerate(rows, start=2):
        if any(row):
            out.append((i, row))
    return out


@SETTINGS
@given(data=st.data(), delimiter=st.sampled_from(DELIMITERS), encoding=st.sampled_from(ENCODINGS),
       eol=st.sampled_from(["\r\n", "\n"]))
def test_any_table_survives_csv_in_any_delimiter_and_encoding(data, delimiter, encoding, eol) -> None:
    header, rows = data.draw(tables(_CP1252 if encoding == "cp1252" else _TEXT))
    if eol == "\n":  # the csv module quotes a bare CR only when it is part of the line terminator
        rows = [[c.replace("\r", "") for c in row] for row in rows]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=eol)
    writer.writerow(header)
    writer.writerows(rows)
    table = read_table(out.getvalue().encode(encoding))
    assert table.header == header
    assert table.delimiter == delimiter
    assert [(r.number, r.cells[: len(header)]) for r in table.rows] == _expected(rows)
    assert all(not any(r.cells[len(header):]) for r in table.rows)


@SETTINGS
@given(st.lists(st.text(_ANY.filter(lambda c: c not in "\r"), max_size=40), min_size=1, max_size=8))
def test_xlsx_keeps_any_text_as_text(texts: list[str]) -> None:
    data = xlsx_bytes([Sheet("T", ["TEXT"], [[t] for t in texts])])
    ws = load_workbook(io.BytesIO(data)).active
    for i, text in enumerate(texts, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.value == (text or None)
        if text:
            assert cell.data_type == "s"


@SETTINGS
@given(st.text(max_size=60))
def test_xlsx_writes_any_string_at_all(text: str) -> None:
    data = xlsx_bytes([Sheet("T", ["TEXT"], [[text]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A2"].value == (clean_text(text) or None)


@SETTINGS
@given(st.lists(st.one_of(st.integers(-10**12, 10**12), st.floats(-1e6, 1e6).map(lambda f: round(f, 4))),
                min_size=1, max_size=10))
def test_xlsx_numbers_stay_numbers_and_read_back_as_typed(numbers: list[float]) -> None:
    data = xlsx_bytes([Sheet("N", ["USN", "N"], [["x", n] for n in numbers])])
    table = read_table(data)
    assert [r.cells[1] for r in table.rows] == [format_number(n) if isinstance(n, float) else str(n) for n in numbers]


@SETTINGS
@given(st.lists(st.lists(st.text(_ANY, max_size=10).map(str.strip), min_size=2, max_size=2), min_size=1,
                max_size=10))
def test_csv_bytes_reads_back_with_formulas_quoted(rows: list[list[str]]) -> None:
    data = csv_bytes(["A", "B"], rows)
    table = read_table(data)
    got = {r.number: r.cells[:2] for r in table.rows}
    for number, row in enumerate(rows, start=2):
        expected = [("'" + c) if looks_like_formula(c) else c for c in row]
        if any(expected):
            assert got[number] == expected


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_format_number_is_excels_general_without_exponent(value: float) -> None:
    text = format_number(value)
    assert "e" not in text.lower()
    assert not text.endswith(".0") and text != "-0"
    assert Decimal(text) == Decimal(format(value, ".15g"))


@SETTINGS
@given(st.from_regex(r"[6-9][0-9]{9}", fullmatch=True), st.sampled_from(["{}", "+91 {}", "0{}", "91{}", "+91-{}"]),
       st.sampled_from(["", " ", "-"]))
def test_any_indian_mobile_however_typed(number: str, form: str, separator: str) -> None:
    typed = form.format(number[:5] + separator + number[5:])
    assert normalise_phone(typed) == "+91" + number


@SETTINGS
@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_check_number_reads_what_excel_writes(value: Decimal) -> None:
    assert check_number(format_number(value)) == (Decimal(format_number(value)), None)


_NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\u200b\ufeff"),
                min_size=1, max_size=120).map(str.strip).filter(bool)


@SETTINGS
@given(st.lists(_NAME, min_size=1, max_size=12), st.sampled_from(DELIMITERS), st.sampled_from(["utf-8", "utf-16"]))
def test_roster_names_are_kept_verbatim(names: list[str], delimiter: str, encoding: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["USN", "NAME", "CLASS"])
    writer.writerows([f"1CR24CS{i:03d}", name, "CSE-A"] for i, name in enumerate(names))
    table = read_table(out.getvalue().encode(encoding))
    parsed = parse_roster(table, known_classes=["CSE-A"])
    assert [r.name for r in parsed.rows] == names
