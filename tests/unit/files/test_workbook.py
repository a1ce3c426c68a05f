"""The quick .xlsx reader gives the cells openpyxl gives (its rules, which the table tests pin), on what
openpyxl writes and on the XML Excel, LibreOffice and export scripts write."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from domain.files import table as table_module
from domain.files import workbook as workbook_module
from domain.files.table import DamagedSpreadsheet, FileUnreadable, Table, read_table
from domain.files.workbook import from_excel, is_date_format, is_duration_format
from tests.unit.files.helpers import workbook

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"


def outcome(read: Any, data: bytes) -> Any:
    """What a reader makes of ``data``: the table's parts, or the refusal's class."""
    try:
        table = read(data)
    except FileUnreadable as error:
        return type(error)
    return (table.header, table.header_row, table.sheet, table.sheets, [(r.number, r.cells) for r in table.rows])


def same(data: bytes) -> Table:
    """Read ``data`` and check that openpyxl reads the very same table (or refuses it the same way)."""
    assert outcome(read_table, data) == outcome(table_module._read_workbook_openpyxl, data)
    return read_table(data)


def raw_xlsx(sheets: dict[str, str], *, strings: list[str] | str | None = None, styles: str | None = None,
             workbook_pr: str = "", states: dict[str, str] | None = None) -> bytes:
    """A workbook from its XML parts: ``sheets`` maps names to the ``<sheetData>`` content (or a whole part)."""
    states = states or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.spreadsheetml.sheet.main+xml"/>']
        rels, entries = [], []
        for i, (name, content) in enumerate(sheets.items(), start=1):
            part = content if content.lstrip().startswith(("<?xml", "<worksheet", "<x:worksheet")) else (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                f'xmlns:r="{REL}" xmlns:mc="{MC}" mc:Ignorable="x14ac" xmlns:x14ac="{X14AC}">'
                f"<sheetData>{content}</sheetData></worksheet>")
            z.writestr(f"xl/worksheets/sheet{i}.xml", part)
            overrides.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                             'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
            rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
            state = f' state="{states[name]}"' if name in states else ""
            entries.append(f'<sheet name="{name}" sheetId="{i}"{state} r:id="rId{i}"/>')
        if strings is not None:
            sst = strings if isinstance(strings, str) else (
                f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
                + "".join(f"<si>{s}</si>" for s in strings) + "</sst>")
            z.writestr("xl/sharedStrings.xml", sst)
            rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
            overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                             'officedocument.spreadsheetml.sharedStrings+xml"/>')
        if styles is not None:
            z.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
            rels.append(f'<Relationship Id="rIdT" Type="{REL}/styles" Target="/xl/styles.xml"/>')
            overrides.append('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                             'officedocument.spreadsheetml.styles+xml"/>')
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}<sheets>'
                   + "".join(entries) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(rels) + "</Relationships>")
    return buf.getvalue()


def rows_of(data: bytes) -> list[tuple[int, list[str]]]:
    table = read_table(data)
    return [(table.header_row, table.header), *((r.number, r.cells) for r in table.rows)]


# ---- what openpyxl writes -----------------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="_\u200b\ufeff"),
                max_size=12)
_VALUE = st.one_of(
    st.none(), _TEXT, st.sampled_from([" padded ", "AB", "a & b < c > \"d\" 'e'", "=1+1", "#N/A", "१२", ""]),
    st.integers(-10**15, 10**15), st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 3)),
    st.booleans(), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)


@SETTINGS
@given(st.dictionaries(st.integers(1, 30), st.lists(_VALUE, max_size=8), max_size=12),
       st.lists(st.sampled_from(["USN", "NAME", "Q1", "CO", "PO1", "Title"]), min_size=1, max_size=4))
def test_any_openpyxl_workbook_reads_as_openpyxl_reads_it(rows: dict[int, list[Any]], header: list[str]) -> None:
    data = workbook({0 + 40: header, **rows}) if rows else workbook({1: header})
    assert outcome(read_table, data) == outcome(table_module._read_workbook_openpyxl, data)


@SETTINGS
@given(st.lists(st.lists(_VALUE, max_size=5), min_size=1, max_size=6), st.lists(st.booleans(), min_size=3, max_size=3))
def test_several_sheets_hidden_or_not(rows: list[list[Any]], hidden: list[bool]) -> None:
    content = {i + 1: r for i, r in enumerate(rows)}
    more = {"Two": {1: ["USN", "NAME"], **{i + 2: r for i, r in enumerate(rows)}}, "Three": content}
    names = [n for n, h in zip(["One", "Two", "Three"], hidden, strict=True) if h]
    if len(names) == 3:
        names = names[:2]
    data = workbook(content, title="One", more=more, hidden=tuple(names))
    assert outcome(read_table, data) == outcome(table_module._read_workbook_openpyxl, data)


def test_marks_with_numbers_formulas_and_styles_read_as_openpyxl_reads_them() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["USN", "NAME", "Q1", "Q2", "TOTAL", "DATE", "TIME"])
    ws.append(["MAX", None, 10, 7.5, "=C2+D2", None, None])
    for n in range(2, 60):
        ws.append([f"1CR24CS{n:03d}", f"Student {n}", n % 11, (n % 8) / 2, f"=C{n + 1}+D{n + 1}",
                   dt.date(2026, 1, 1) + dt.timedelta(days=n), dt.time(9, n % 60)])
    ws["C10"].number_format = "0.00"
    ws["D11"].number_format = "dd/mm/yyyy"  # a mark that happens to be styled as a date
    ws["C12"].number_format = "[h]:mm"
    ws["F13"].number_format = '"Day" dd'
    buf = io.BytesIO()
    wb.save(buf)
    same(buf.getvalue())


# ---- what Excel and others write ----------------------------------------------------------------


def excel_row(number: int, cells: str) -> str:
    return f'<row r="{number}" spans="1:4" x14ac:dyDescent="0.25">{cells}</row>'


def test_shared_strings_rich_text_phonetic_guides_and_entities() -> None:
    strings = ["<t>USN</t>", '<t xml:space="preserve"> NAME </t>',
               "<r><rPr><b/></rPr><t>Asha</t></r><r><t> Rao</t></r>",
               '<t>Tanaka</t><rPh sb="0" eb="6"><t>タナカ</t></rPh><phoneticPr fontId="1"/>',
               "<t>R&amp;D &lt;lab&gt; &#x41;&#66;</t>", "<t/>", "<t>Q1</t>"]
    data = raw_xlsx({"Sheet1": excel_row(1, '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                                            '<c r="C1" t="s"><v>6</v></c>')
                     + excel_row(2, '<c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c>'
                                    '<c r="C2" t="s"><v>4</v></c><c r="D2" t="s"><v>5</v></c>')},
                    strings=strings)
    assert same(data).rows[0].cells == ["Asha Rao", "Tanaka", "R&D <lab> AB"]


def test_cell_types_attribute_orders_and_empty_values() -> None:
    cells = ('<c r="A2" t="str"><f>"x"&amp;"y"</f><v>x&amp;y</v></c>'  # a formula's text result
             '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
             '<c r="C2" t="b"><v>1</v></c><c r="D2" t="b"><v>0</v></c>'
             '<c r="E2"><v></v></c><c r="F2"><v/></c><c r="G2" s="0"/>'
             '<c t="n" r="H2" s="0"><v>4.5</v></c>'  # attributes in another order
             "<c r='I2'><v>7</v></c>"  # single quotes
             '<c r="J2"><f>SUM(A1:A2)</f></c>'  # a formula saved without its value
             '<c r="K2" t="inlineStr"><is><r><t>in</t></r><r><rPr><i/></rPr><t>line</t></r></is></c>'
             '<c r="L2" t="n"><v>  12  </v></c>'
             '<c r="M2" t="inlineStr"><is><t xml:space="preserve">  spaced  </t></is></c>')
    data = raw_xlsx({"S": excel_row(1, '<c r="A1" t="inlineStr"><is><t>USN</t></is></c>'
                                       '<c r="B1" t="inlineStr"><is><t>NAME</t></is></c>') + excel_row(2, cells)})
    table = same(data)
    assert table.rows[0].cells == ["x&y", "#DIV/0!", "TRUE", "FALSE", "", "", "", "4.5", "7", "", "inline", "12",
                                   "spaced"]


def test_missing_references_count_cells_and_rows_in_order() -> None:
    data = raw_xlsx({"S": '<row><c t="inlineStr"><is><t>USN</t></is></c><c t="inlineStr"><is><t>NAME</t></is></c></row>'
                          '<row><c><v>1</v></c><c r="D2"><v>4</v></c><c><v>5</v></c></row>'
                          '<row r="5"><c><v>2</v></c></row><row><c r="B6"><v>3</v></c></row>'})
    table = same(data)
    assert [(r.number, r.cells) for r in table.rows] == [(2, ["1", "", "", "4", "5"]), (5, ["2", ""]),
                                                         (6, ["", "3"])]


def test_rows_out_of_order_and_cells_given_twice() -> None:
    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>USN</t></is></c><c r="B1" t="inlineStr"><is><t>NAME</t>'
             '</is></c></row><row r="3"><c r="A3"><v>1</v></c><c r="B3"><v>2</v></c><c r="B3"><v>9</v></c></row>'
             '<row r="2"><c r="A2"><v>5</v></c></row>')
    table = same(raw_xlsx({"S": sheet}))
    assert [(r.number, r.cells) for r in table.rows] == [(3, ["1", "9"])]
    # cells out of order: openpyxl cuts the row at the last cell's column and loses B4; every cell is kept
    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>USN</t></is></c><c r="B1" t="inlineStr"><is><t>NAME</t>'
             '</is></c></row><row r="4"><c r="B4"><v>6</v></c><c r="A4"><v>7</v></c></row>')
    assert rows_of(raw_xlsx({"S": sheet}))[1] == (4, ["7", "6"])


def test_a_prefixed_namespace_comments_and_cdata() -> None:
    part = (f'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheetData>'
            '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>USN</x:t></x:is></x:c>'
            '<x:c r="B1" t="inlineStr"><x:is><x:t>Q1</x:t></x:is></x:c></x:row>'
            '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t><![CDATA[1CR<24>&]]></x:t></x:is></x:c>'
            '<x:c r="B2"><!-- checked --><x:v>4.5</x:v></x:c></x:row>'
            '<x:row r="3"><x:c r="A3" t="str"><x:v><![CDATA[a&amp;b]]></x:v></x:c></x:row>'
            "</x:sheetData></x:worksheet>")
    table = same(raw_xlsx({"S": part}))
    assert [r.cells for r in table.rows] == [["1CR<24>&", "4.5"], ["a&amp;b", ""]]


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl, on the workbook without a default style
def test_dates_in_both_date_systems_durations_and_out_of_range() -> None:
    styles = ('<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
              '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>'
              '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>'
              '<xf numFmtId="20"/></cellXfs>')
    sheet = (excel_row(1, '<c r="A1" t="inlineStr"><is><t>DATE</t></is></c><c r="B1" t="inlineStr"><is><t>NAME</t>'
                          "</is></c>")
             + excel_row(2, '<c r="A2" s="1"><v>46342</v></c><c r="B2" s="2"><v>46342.5</v></c>'
                            '<c r="C2" s="3"><v>1.5</v></c><c r="D2" s="4"><v>0.375</v></c>'
                            '<c r="E2" s="1"><v>99999999</v></c><c r="F2" s="0"><v>46342</v></c>'
                            '<c r="G2" t="d"><v>2026-11-16T09:30:00</v></c><c r="H2" s="1"><v>30</v></c>'))
    windows = same(raw_xlsx({"S": sheet}, styles=styles))
    assert windows.rows[0].cells == ["2026-11-16", "2026-11-16 12:00", "36:00", "09:00", "#VALUE!", "46342",
                                     "2026-11-16 09:30", "1900-01-30"]
    mac = same(raw_xlsx({"S": sheet}, styles=styles, workbook_pr='<workbookPr date1904="1"/>'))
    assert mac.rows[0].cells[0] == "2030-11-17"


def test_excel_escapes_in_strings_are_read_as_the_characters() -> None:
    # openpyxl leaves _x000D_ as it is; Excel writes a carriage return so, and means one
    data = raw_xlsx({"S": excel_row(1, '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>')
                     + excel_row(2, '<c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c>')},
                    strings=["<t>USN</t>", "<t>NAME</t>", "<t>Line 1_x000D_\nLine 2</t>", "<t>_x005F_x000D_</t>"])
    assert read_table(data).rows[0].cells == ["Line 1\r\nLine 2", "_x000D_"]


def test_blocks_split_anywhere_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {1: ["USN", "NAME", "Q1"], **{n: [f"1CR24CS{n:03d}", f"Name {n} “x”", n / 2] for n in range(2, 120)}}
    data = workbook(rows)
    whole = rows_of(data)
    for size in (7, 64, 301, 4096):
        monkeypatch.setattr(workbook_module, "_BLOCK", size)
        assert rows_of(data) == whole


def test_the_first_recognised_sheet_stops_reading_the_others_early() -> None:
    data = raw_xlsx({"Notes": excel_row(1, '<c r="A1" t="inlineStr"><is><t>Read me</t></is></c>'),
                     "Hidden": excel_row(1, '<c r="A1" t="inlineStr"><is><t>USN</t></is></c>'
                                            '<c r="B1" t="inlineStr"><is><t>NAME</t></is></c>'),
                     "Marks": excel_row(1, '<c r="A1" t="inlineStr"><is><t>USN</t></is></c>'
                                           '<c r="B1" t="inlineStr"><is><t>Q1</t></is></c>')},
                    states={"Hidden": "veryHidden"})
    table = same(data)
    assert (table.sheet, table.sheets) == ("Marks", ["Notes", "Marks"])


def test_sheet_xml_in_utf16_is_read_by_openpyxl() -> None:
    part = (f'<?xml version="1.0" encoding="UTF-16"?>\n<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
            '<c r="A1" t="inlineStr"><is><t>USN</t></is></c><c r="B1" t="inlineStr"><is><t>NAME</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>१</t></is></c><c r="B2"><v>2</v></c></row>'
            "</sheetData></worksheet>").encode("utf-16")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw_xlsx({"S": "<row/>"}))) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, part if item.filename == "xl/worksheets/sheet1.xml" else src.read(item))
    assert rows_of(buf.getvalue()) == [(1, ["USN", "NAME"]), (2, ["१", "2"])]


@pytest.mark.parametrize(
    "sheet",
    [
        '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',  # no such shared string
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v>',  # cut off
        '<row r="x"><c><v>1</v></c></row>',  # a row number that is not one
        '<row r="1"><c r="A1"><v>1</v></c><c r="XFE1"><v>1</v></c></row>',  # beyond Excel's last column
    ],
)
def test_broken_sheets_are_damaged(sheet: str) -> None:
    with pytest.raises(DamagedSpreadsheet):
        read_table(raw_xlsx({"S": sheet}, strings=["<t>USN</t>"]), "marks.xlsx")


def test_a_document_type_declaration_is_refused_as_damaged() -> None:
    part = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><worksheet xmlns="{MAIN}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>')
    with pytest.raises(DamagedSpreadsheet):
        read_table(raw_xlsx({"S": part}))


@pytest.mark.parametrize(("code", "date", "duration"), [
    ("General", False, False), ("0.00", False, False), ("dd/mm/yyyy", True, False), ("h:mm", True, False),
    ('"Day" 0', False, False), ("[Red]0.00", False, False), ("[h]:mm:ss", True, True), ("0_);[Red](0)", False, False),
    ("yyyy-mm-dd;@", True, False), (None, False, False),
])
def test_number_formats(code: str | None, date: bool, duration: bool) -> None:
    assert is_date_format(code) is date
    assert is_duration_format(code) is duration


def test_from_excel_follows_excel() -> None:
    windows = dt.datetime(1899, 12, 30)
    assert from_excel(1, windows) == dt.datetime(1900, 1, 1)
    assert from_excel(61, windows) == dt.datetime(1900, 3, 1)
    assert from_excel(0.5, windows) == dt.time(12, 0)
    assert from_excel(1.25, windows, duration=True) == dt.timedelta(days=1, hours=6)


# ---- speed --------------------------------------------------------------------------------------


def marks_workbook(students: int, questions: int) -> bytes:
    """A marks sheet as Excel saves it: shared strings, styled numbers, AB typed."""
    strings: dict[str, int] = {}

    def s(text: str) -> str:
        return f'<c r="{{ref}}" s="1" t="s"><v>{strings.setdefault(text, len(strings))}</v></c>'

    labels = [f"Q{i // 2 + 1}{'AB'[i % 2]}" for i in range(questions)]
    rows = [["USN", "STUDENT NAME", *labels], ["MAX", None, *[10] * questions],
            ["CO", None, *[f"CO{i % 5 + 1}" for i in range(questions)]]]
    marks = [0, 1, 2, 2.5, 3, 4.5, 5, 6, 7, 7.5, 8, 9, 10, "AB"]
    rows += [[f"1CR21CS{n:04d}", f"Student {n}", *[marks[(n * 7 + q * 3) % len(marks)] for q in range(questions)]]
             for n in range(students)]
    out = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{workbook_module_letter(c)}{r}"
            if isinstance(value, str):
                cells.append(s(value).replace("{ref}", ref))
            elif value is not None:
                cells.append(f'<c r="{ref}" s="2"><v>{value}</v></c>')
        out.append(f'<row r="{r}" spans="1:{len(values)}">{"".join(cells)}</row>')
    ordered = sorted(strings, key=strings.__getitem__)
    return raw_xlsx({"IA1": "".join(out)}, strings=[f"<t>{t}</t>" for t in ordered],
                    styles='<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="49"/><xf numFmtId="0"/></cellXfs>')


def workbook_module_letter(index: int) -> str:
    from domain.files.problems import column_letter

    return column_letter(index)


def test_a_5000_by_40_marks_workbook_reads_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    data = marks_workbook(5000, 40)
    read_table(data)
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        table = read_table(data)
        best = min(best, time.perf_counter() - started)
    assert len(table.rows) == 5002 and len(table.header) == 42
    assert table.rows[3].cells[:5] == ["1CR21CS0001", "Student 1", "6", "8", "AB"]
    with capsys.disabled():
        print(f"\n  read_table, 5,000 × 40 xlsx: {best * 1000:.0f} ms")
