"""Reading CSV and XLSX files into tables of text, and refusing what is not a table."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from domain.files import table as table_module
from domain.files.table import (
    MAX_FILE_BYTES,
    BrokenQuotes,
    DamagedSpreadsheet,
    FileEmpty,
    FileTooLarge,
    FileUnreadable,
    NotATable,
    OldExcelFile,
    UndecodableText,
    UnsupportedSpreadsheet,
    cell_text,
    format_number,
    read_table,
)
from tests.unit.files.helpers import cells, workbook

ROSTER = [["USN", "NAME", "CLASS"], ["1CR24CS001", "José D'Souza", "CSE-B"], ["1CR24CS002", "Zoë Rao", "CSE-A"]]


def _csv(rows: list[list[str]], delimiter: str = ",", eol: str = "\r\n") -> str:
    return eol.join(delimiter.join(r) for r in rows) + eol


# ---- text: encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("utf-16"), "utf-16"),  # with BOM, native order
        (lambda t: b"\xff\xfe" + t.encode("utf-16-le"), "utf-16"),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16"),
        (lambda t: t.encode("utf-32"), "utf-32"),
        (lambda t: t.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf32", "cp1252"],
)
def test_every_encoding_reads_the_same_cells(encode, encoding) -> None:
    table = read_table(encode(_csv(ROSTER)), "roster.csv")
    assert table.kind == "csv"
    assert table.encoding == encoding
    assert table.header == ["USN", "NAME", "CLASS"]
    assert cells(table) == [(2, ROSTER[1]), (3, ROSTER[2])]


def test_windows_1252_specials_decode() -> None:
    text = "USN,NAME\r\n1,Renée “Ren” O’Brien – €\r\n"
    assert read_table(text.encode("cp1252")).rows[0].cells == ["1", "Renée “Ren” O’Brien – €"]


def test_a_trailing_ctrl_z_is_ignored() -> None:
    assert cells(read_table(b"USN,NAME\r\n1,A\r\n\x1a")) == [(2, ["1", "A"])]


# ---- text: delimiters and quoting ---------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(delimiter: str) -> None:
    table = read_table(_csv(ROSTER, delimiter).encode())
    assert table.delimiter == delimiter
    assert table.header == ROSTER[0]
    assert [r.cells for r in table.rows] == ROSTER[1:]


def test_semicolon_file_with_decimal_commas_is_still_semicolon() -> None:
    table = read_table(b"USN;NAME;Q1\r\n1;Asha Rao, Jr;4,5\r\n2;Kabir;3,5\r\n")
    assert table.delimiter == ";"
    assert table.rows[0].cells == ["1", "Asha Rao, Jr", "4,5"]


def test_quoted_fields_hold_delimiters_quotes_and_line_breaks() -> None:
    data = b'USN,NAME,NOTE\r\n1,"Rao, Asha","said ""hi"""\r\n2,"Das\r\nKabir",x\r\n3,Meera,y\r\n'
    table = read_table(data)
    assert table.delimiter == ","
    assert cells(table) == [
        (2, ["1", "Rao, Asha", 'said "hi"']), (3, ["2", "Das\r\nKabir", "x"]), (4, ["3", "Meera", "y"])]


def test_a_comma_inside_quotes_in_the_header_does_not_fool_detection() -> None:
    table = read_table(b'USN;"NAME, FULL";CLASS\r\n1;"A, B";C\r\n')
    assert table.delimiter == ";"
    assert table.header == ["USN", "NAME, FULL", "CLASS"]


def test_blank_lines_are_skipped_but_counted() -> None:
    data = b"\r\n\r\nUSN,NAME\r\n1,A\r\n\r\n,,\r\n  ,  \r\n2,B\r\n\r\n\r\n"
    table = read_table(data)
    assert table.header_row == 3
    assert cells(table) == [(4, ["1", "A"]), (8, ["2", "B"])]


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_line_endings(eol: str) -> None:
    table = read_table(_csv(ROSTER, eol=eol).encode())
    assert cells(table) == [(2, ROSTER[1]), (3, ROSTER[2])]


def test_excel_sep_hint_line() -> None:
    table = read_table(b"sep=;\r\nUSN;NAME\r\n1;A,B\r\n")
    assert table.delimiter == ";"
    assert table.header == ["USN", "NAME"]
    assert cells(table) == [(2, ["1", "A,B"])]


def test_cells_are_trimmed_and_short_rows_padded_trailing_empties_dropped() -> None:
    table = read_table(b"USN , NAME ,CLASS,,,\r\n 1 ,\xc2\xa0Asha\xe2\x80\x8b\r\n2,B,C,,,\r\n3,D,E,,x\r\n")
    assert table.header == ["USN", "NAME", "CLASS"]
    assert cells(table) == [(2, ["1", "Asha", ""]), (3, ["2", "B", "C"]), (4, ["3", "D", "E", "", "x"])]
    assert table.width == 5


def test_single_column_file() -> None:
    table = read_table(b"USN\r\n1CR24CS001\r\n1CR24CS002\r\n")
    assert table.header == ["USN"]
    assert [r.cells for r in table.rows] == [["1CR24CS001"], ["1CR24CS002"]]


def test_title_rows_above_a_recognised_header_are_skipped() -> None:
    data = b"Class 10-A roster,,\r\nAcademic year 2026-27,,\r\n\r\nUSN,NAME,CLASS\r\n1,A,10-A\r\n"
    table = read_table(data)
    assert table.header == ["USN", "NAME", "CLASS"]
    assert table.header_row == 4
    assert cells(table) == [(5, ["1", "A", "10-A"])]


def test_an_unrecognised_first_row_stays_the_header() -> None:
    table = read_table(b"NAME,CLASS\r\nAsha,10-A\r\n")
    assert table.header == ["NAME", "CLASS"]
    assert table.header_row == 1


def test_row_cell_accessor() -> None:
    row = read_table(b"A,B,C\r\n1,2\r\n").rows[0]
    assert row.cell(0) == "1"
    assert row.cell(2) == ""
    assert row.cell(9) == ""
    assert row.cell(None) == ""


# ---- text: refusals -----------------------------------------------------------------------------


def test_empty_and_blank_files_are_refused() -> None:
    for data in (b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b",,,\r\n, ,\r\n"):
        with pytest.raises(FileEmpty, match="no data"):
            read_table(data)


def test_a_file_over_20_mb_is_refused_before_reading() -> None:
    data = b"USN,NAME\r\n" + b"1CR24CS001,Asha Ra\r\n" * (MAX_FILE_BYTES // 20) + b"x" * 100_000
    with pytest.raises(FileTooLarge) as info:
        read_table(data)
    assert info.value.params == {"size": "20.1", "limit": 20}


def test_size_is_said_in_megabytes() -> None:
    with pytest.raises(FileTooLarge) as info:
        read_table(b"x" * (21 * 1024 * 1024 + 600 * 1024))
    assert "21.6 MB" in str(info.value) and "20 MB" in str(info.value)


def test_exactly_the_limit_is_accepted() -> None:
    line = b"1CR24CS001,Asha Rao\r\n"
    head = b"USN,NAME\r\n"
    body = line * ((MAX_FILE_BYTES - len(head)) // len(line))
    data = head + body + b"x" * (MAX_FILE_BYTES - len(head) - len(body))
    assert len(data) == MAX_FILE_BYTES
    assert len(read_table(data).rows) > 900_000


def test_utf16_without_bom_is_named() -> None:
    with pytest.raises(UndecodableText, match="without a byte order mark"):
        read_table(_csv(ROSTER).encode("utf-16-le"))
    with pytest.raises(UndecodableText, match="without a byte order mark"):
        read_table(_csv(ROSTER).encode("utf-16-be"))


def test_bytes_undefined_in_windows_1252_are_refused_with_the_row() -> None:
    data = b"USN,NAME\r\n1,A\r\n2,\x81\x8d\r\n"
    with pytest.raises(UndecodableText) as info:
        read_table(data)
    assert info.value.params == {"row": 3}


def test_mixed_utf8_and_windows_1252_is_refused_not_garbled() -> None:
    data = "USN,NAME\r\n1,Zoë\r\n".encode() + "2,José\r\n".encode("cp1252")
    with pytest.raises(UndecodableText) as info:
        read_table(data)
    assert info.value.params == {"row": 3}


def test_truncated_utf16_is_refused() -> None:
    data = "USN\tNAME\r\n1\tA".encode("utf-16")[:-1]
    with pytest.raises(UndecodableText):
        read_table(data)


def test_unclosed_quote_is_refused_with_its_row() -> None:
    data = b'USN,NAME\r\n1,A\r\n2,"B\r\n3,C\r\n4,D\r\n'
    with pytest.raises(BrokenQuotes) as info:
        read_table(data)
    assert info.value.params == {"row": 3}


def test_a_cell_longer_than_the_csv_limit_is_refused() -> None:
    data = b'USN,NAME\r\n1,"' + b"x" * 200_000 + b'"\r\n'
    with pytest.raises(BrokenQuotes, match="longer than"):
        read_table(data)


def test_a_quote_inside_an_unquoted_cell_is_text() -> None:
    assert read_table(b'USN,NAME\r\n1,Asha "Tiny" Rao\r\n').rows[0].cells == ["1", 'Asha "Tiny" Rao']


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 50, "JPEG image"),
        (b"GIF89a" + b"\x00" * 50, "GIF image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "HEIC photo"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00", "video"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip archive"),
        (b"Rar!\x1a\x07\x00", "RAR archive"),
        (b"{\\rtf1\\ansi USN NAME}", "Word (RTF)"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "Windows program"),
        (b"USN,NAME\r\n1,\x00\x01\x02\x03", "binary data"),
        (bytes(range(1, 32)) * 40, "binary data"),
    ],
)
def test_binary_files_are_named(data: bytes, says: str) -> None:
    with pytest.raises(NotATable) as info:
        read_table(data)
    assert says in str(info.value)


def test_html_and_xml_exports_named_xls_are_refused() -> None:
    with pytest.raises(UnsupportedSpreadsheet, match="HTML"):
        read_table(b"\r\n<html><body><table><tr><td>USN</td></tr></table></body></html>", "list.xls")
    with pytest.raises(UnsupportedSpreadsheet, match="HTML"):
        read_table(b"<TABLE border=1><TR><TD>USN</TD></TR></TABLE>")
    with pytest.raises(UnsupportedSpreadsheet, match="XML Spreadsheet 2003"):
        read_table(b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>')
    with pytest.raises(NotATable, match="XML"):
        read_table(b'<?xml version="1.0"?><students><s usn="1"/></students>')


def test_a_text_starting_with_a_less_than_sign_is_still_text() -> None:
    assert read_table(b"<USN>,NAME\r\n1,A\r\n").header == ["<USN>", "NAME"]


def test_every_refusal_is_invalid_and_says_what_to_send() -> None:
    from domain.errors import Invalid

    with pytest.raises(FileUnreadable) as info:
        read_table(b"%PDF-1.4")
    assert isinstance(info.value, Invalid)
    assert "CSV or Excel (.xlsx)" in str(info.value)


# ---- workbooks ----------------------------------------------------------------------------------


def test_xlsx_numbers_read_as_typed() -> None:
    data = workbook({
        1: ["USN", "A", "B", "C", "D", "E", "F"],
        2: [1001, 4, 4.0, 4.5, 4.499999999999999, 0.1 + 0.2, 9845052445],
        3: [1002.0, -0.0, 1e-7, 1e20, 919845052445.0, 2.675, True],
        4: ["0042", -3, -3.25, 1 / 3, 123456789012345678, False, 12.50],  # Excel keeps 15 digits
    })
    table = read_table(data, "marks.xlsx")
    assert table.kind == "xlsx"
    assert table.sheet == "Sheet1"
    assert table.encoding is None and table.delimiter is None
    assert [r.cells for r in table.rows] == [
        ["1001", "4", "4", "4.5", "4.5", "0.3", "9845052445"],
        ["1002", "0", "0.0000001", "100000000000000000000", "919845052445", "2.675", "TRUE"],
        ["0042", "-3", "-3.25", "0.333333333333333", "123456789012346000", "FALSE", "12.5"],
    ]


def test_xlsx_dates_and_times() -> None:
    data = workbook({
        1: ["DATE", "AT", "TIME"],
        2: [dt.date(2026, 11, 16), dt.datetime(2026, 11, 16, 9, 30), dt.time(9, 30)],
        3: [dt.datetime(2026, 12, 25, 0, 0), dt.datetime(2026, 12, 25, 9, 30, 15), dt.time(14, 5, 30)],
    })
    assert [r.cells for r in read_table(data).rows] == [
        ["2026-11-16", "2026-11-16 09:30", "09:30"],
        ["2026-12-25", "2026-12-25 09:30:15", "14:05:30"],
    ]


def test_xlsx_row_numbers_are_the_sheet_rows() -> None:
    data = workbook({1: ["USN", "NAME"], 3: ["1", "A"], 4: [None, None], 9: ["2", "B"], 10: ["   ", None]})
    table = read_table(data)
    assert cells(table) == [(3, ["1", "A"]), (9, ["2", "B"])]


def test_xlsx_trailing_empty_rows_and_columns_are_dropped() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["USN", "NAME", None, None])
    ws.append(["1", "A"])
    ws["Z500"].number_format = "0.00"  # formatted, never filled
    ws["F2"] = ""
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue())
    assert table.header == ["USN", "NAME"]
    assert cells(table) == [(2, ["1", "A"])]


def test_xlsx_header_may_start_lower_and_title_rows_are_skipped() -> None:
    data = workbook({2: ["Internal Assessment 1"], 3: ["USN", "NAME", "Q1"], 4: ["1", "A", 3]})
    table = read_table(data)
    assert table.header_row == 3
    assert table.header == ["USN", "NAME", "Q1"]
    assert cells(table) == [(4, ["1", "A", "3"])]


def test_xlsx_formula_gives_its_cached_value_or_blank() -> None:
    # openpyxl writes formulas without a cached value (as some export scripts do): it reads as blank
    data = workbook({1: ["USN", "TOTAL"], 2: ["1", "=1+1"]})
    assert read_table(data).rows[0].cells == ["1", ""]


def test_xlsx_error_values_read_as_their_text() -> None:
    data = workbook({1: ["USN", "Q1"], 2: ["1", "#DIV/0!"], 3: ["2", "#N/A"]})
    assert [r.cells for r in read_table(data).rows] == [["1", "#DIV/0!"], ["2", "#N/A"]]


def test_xlsx_picks_the_sheet_with_a_recognised_header() -> None:
    data = workbook(
        {1: ["Read me first"], 2: ["Fill in the next sheet."]},
        title="Instructions",
        more={"Old": {1: ["USN", "NAME"], 2: ["OLD1", "Old"]}, "Roster": {1: ["USN", "NAME"], 2: ["NEW1", "New"]}},
        hidden=("Old",),
    )
    table = read_table(data)
    assert table.sheet == "Roster"
    assert table.sheets == ["Instructions", "Roster"]
    assert cells(table) == [(2, ["NEW1", "New"])]


def test_xlsx_without_recognised_header_reads_first_sheet_with_data() -> None:
    data = workbook({}, title="Empty", more={"Data": {1: ["A", "B"], 2: ["1", "2"]}, "Other": {1: ["C"]}})
    table = read_table(data)
    assert table.sheet == "Data"


def test_xlsx_with_no_data_is_empty() -> None:
    with pytest.raises(FileEmpty):
        read_table(workbook({}))


def test_xlsx_with_a_wrong_stored_dimension_is_read_whole() -> None:
    data = workbook({1: ["USN", "NAME"], 2: ["1", "A"], 3: ["2", "B"]})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:B3"', b'<dimension ref="A1:A1"')
            dst.writestr(item, content)
    assert cells(read_table(buf.getvalue())) == [(2, ["1", "A"]), (3, ["2", "B"])]


def test_truncated_xlsx_is_damaged() -> None:
    data = workbook({1: ["USN", "NAME"], **{i: [f"U{i}", f"N{i}"] for i in range(2, 200)}})
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        with pytest.raises(DamagedSpreadsheet):
            read_table(data[:cut], "roster.xlsx")


def test_zip_with_a_corrupt_sheet_is_damaged() -> None:
    data = workbook({1: ["USN", "NAME"], 2: ["1", "A"]})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            dst.writestr(item, content)
    with pytest.raises(DamagedSpreadsheet):
        read_table(buf.getvalue())


def test_zip_of_other_things_and_office_formats() -> None:
    def zipped(names: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, content in names.items():
                z.writestr(name, content)
        return buf.getvalue()

    with pytest.raises(NotATable, match="ZIP"):
        read_table(zipped({"a.csv": b"USN\r\n1\r\n"}))
    with pytest.raises(NotATable, match=r"Word \(.docx\)"):
        read_table(zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}))
    with pytest.raises(NotATable, match="PowerPoint"):
        read_table(zipped({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"}))
    with pytest.raises(UnsupportedSpreadsheet, match=r"\.xlsb"):
        read_table(zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.bin": b"\x00"}))
    with pytest.raises(UnsupportedSpreadsheet, match="Numbers"):
        read_table(zipped({"Index/Document.iwa": b"\x00"}))
    with pytest.raises(UnsupportedSpreadsheet, match=r"\.ods"):
        read_table(zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}))
    with pytest.raises(DamagedSpreadsheet):
        read_table(zipped({"[Content_Types].xml": b"<x/>"}), "marks.xlsx")
    with pytest.raises(NotATable, match="ZIP"):
        read_table(b"PK\x03\x04" + b"\x00" * 40, "files.zip")


def test_xlsx_that_unpacks_too_big_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "MAX_UNPACKED_BYTES", 2000)
    data = workbook({1: ["USN", "NAME"], **{i: [f"U{i}", "x" * 50] for i in range(2, 100)}})
    with pytest.raises(FileTooLarge, match="unpacks to more than"):
        read_table(data)


def test_old_excel_and_encrypted_workbooks() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(OldExcelFile, match=r"\.xls"):
        read_table(ole + "Workbook".encode("utf-16-le"), "marks.xls")
    with pytest.raises(table_module.ProtectedSpreadsheet, match="password"):
        read_table(ole + "EncryptedPackage".encode("utf-16-le"), "marks.xlsx")
    with pytest.raises(NotATable, match=r"Word 97–2003"):
        read_table(ole + "WordDocument".encode("utf-16-le"), "letter.doc")


def test_the_name_does_not_decide_the_format() -> None:
    assert read_table(b"USN,NAME\r\n1,A\r\n", "roster.xlsx").kind == "csv"
    assert read_table(workbook({1: ["USN", "NAME"], 2: ["1", "A"]}), "roster.csv").kind == "xlsx"


# ---- number formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4.0, "4"),
        (4.5, "4.5"),
        (4.499999999999999, "4.5"),
        (0.30000000000000004, "0.3"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (1.5e16, "15000000000000000"),
        (float("inf"), "inf"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_cell_text_of_odd_values() -> None:
    assert cell_text(None) == ""
    assert cell_text(dt.timedelta(hours=26, minutes=5)) == "26:05"
    assert cell_text(dt.timedelta(minutes=-90)) == "-1:30"
    assert cell_text(object.__new__(object)).startswith("<object")


def test_a_title_line_does_not_decide_the_delimiter() -> None:
    table = read_table(b"Class 10-A marks\r\nUSN;NAME;Q1\r\n1;Rao, Asha;4,5\r\n")
    assert table.delimiter == ";"
    assert table.header == ["USN", "NAME", "Q1"]
    assert table.header_row == 2



def test_windows_1252_accents_next_to_curly_quotes_are_not_mistaken_for_utf8() -> None:
    text = "USN,NAME\r\n1,Renée’s “Café”\r\n2,Zoë – Ørsted…\r\n"
    table = read_table(text.encode("cp1252"))
    assert table.encoding == "cp1252"
    assert [r.cells[1] for r in table.rows] == ["Renée’s “Café”", "Zoë – Ørsted…"]
