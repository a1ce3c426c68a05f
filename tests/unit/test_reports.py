"""Attainment reports: the charts, the check-by-hand workbook (and its streaming writer), and the chat texts."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import struct
import time
import unicodedata
import warnings
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.presenters import (
    ABSENT,
    BloomRow,
    ProfileScore,
    QuestionMark,
    attainment_text,
    bloom_text,
    co_chart_caption,
    marks_message,
    pieces,
    po_chart_caption,
    profile_text,
    workbook_caption,
)
from domain.attainment import (
    AttainmentResult,
    ComponentResult,
    CoResult,
    MarkRow,
    Outcome,
    Params,
    PoResult,
    Program,
    q,
    reference,
)
from domain.files.table import read_table
from domain.render import utf16_len
from domain.reports.attainment_xlsx import (
    ItemInfo,
    StudentRow,
    attainment_workbook,
    attainment_workbook_async,
)
from domain.reports.charts import HEIGHT_PX, WIDTH_PX, co_levels_png, drawable, po_png
from domain.reports.xlsx import CellValue, Sheet, StreamingWorkbook, xlsx_stream_bytes

D = Decimal
PHONE_COLUMNS = 36
DANGEROUS = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+91 98450", "-2+3", "@SUM(A1)", "\tx",
             "=cmd|'/c calc'!A1", "#N/A", "＝1+1"]


# ---- results to report on ------------------------------------------------------------------------


def hand_made() -> AttainmentResult:
    """Six COs: two at level 3 in SEE, one with CIE only, one not assessed; surveyed."""
    p = Params()
    cos = [
        CoResult("CO1", "Model data", 2, {"CIE": ComponentResult("CIE", 60, 45, D("75.00"), 3),
                                         "SEE": ComponentResult("SEE", 58, 41, D("70.69"), 3)},
                 D("3.0"), D("2.5000"), D("2.9000")),
        CoResult("CO2", "Write SQL", 3, {"CIE": ComponentResult("CIE", 60, 36, D("60.00"), 2),
                                        "SEE": ComponentResult("SEE", 58, 30, D("51.72"), 1)},
                 D("1.3"), D("2.0000"), D("1.4400")),
        CoResult("CO3", "Normalise", 4, {"CIE": ComponentResult("CIE", 59, 35, D("59.32"), 1)},
                 D("1"), None, D("1.0000")),
        CoResult("CO4", "Transactions", 3, {}, None, D("2.2000"), None),
    ]
    pos = [PoResult(f"PO{i}", f"Outcome {i}", "PO", None, ()) for i in range(1, 13)]
    pos[0] = PoResult("PO1", "Engineering knowledge", "PO", D("2.3160"), (("CO1", 3), ("CO2", 2)))
    pos[1] = PoResult("PO2", "Problem analysis", "PO", D("1.1467"), (("CO2", 1), ("CO3", 2), ("CO4", 3)))
    pos.append(PoResult("PSO1", "Databases", "PSO", None, (("CO4", 2),)))
    return AttainmentResult(7, p, cos, pos, 60, True)


def computed() -> AttainmentResult:
    """A result the reference implementation computes from marks, so every number is consistent."""
    marks = []
    for s, (a, b, c) in enumerate([(8, 9, 3), (5, 4, None), (10, 2, 7), (3, 10, 10), (7, 6, 1)]):
        marks += [MarkRow(s, "CIE", "CO1", D(a), D(10)), MarkRow(s, "CIE", "CO2", D(b), D(10)),
                  MarkRow(s, "SEE", "CO1", D(b * 2), D(20)),
                  MarkRow(s, "SEE", "CO2", None if c is None else D(c * 2), D(20)),
                  MarkRow(s, "CIE", "CO3", None if c is None else D(c), D(10))]
    outcomes = [Outcome("CO1", "Model data", 2), Outcome("CO2", "Write SQL", 3), Outcome("CO3", "Normalise", 4),
                Outcome("CO4", "Transactions", 3)]
    programs = [Program(f"PO{i}") for i in range(1, 13)] + [Program("PSO1", kind="PSO")]
    mapping = {("CO1", "PO1"): 3, ("CO2", "PO1"): 2, ("CO3", "PO2"): 1, ("CO4", "PO2"): 3, ("CO2", "PSO1"): 2}
    return reference(9, marks, outcomes, programs, mapping, {"CO1": [3, 2, 2], "CO2": [1, 2]}, Params())


def many_cos(n: int) -> AttainmentResult:
    cos = [CoResult(f"CO{i}", "", 1, {"CIE": ComponentResult("CIE", 100, 100 - i, D(100 - i), 3 if i < 30 else 2)},
                    D(3 if i < 30 else 2), None, D(3 if i < 30 else 2)) for i in range(1, n + 1)]
    pos = [PoResult(f"PO{i}", "", "PO", D("2.5"), (("CO1", 3),)) for i in range(1, 13)]
    return AttainmentResult(1, Params(), cos, pos, 100, False)


# ---- charts --------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("draw", [co_levels_png, po_png])
@pytest.mark.parametrize("result", [hand_made(), computed(), many_cos(24)], ids=["hand", "reference", "many"])
def test_charts_are_pngs_of_the_phone_size(draw: Any, result: AttainmentResult) -> None:
    draw(result, title="warm-up")
    started = time.perf_counter()
    data = draw(result, title="CS101 Databases")
    print(f"{draw.__name__} ({len(result.cos)} COs): {(time.perf_counter() - started) * 1000:.0f} ms, "
          f"{len(data) // 1024} KiB")
    assert png_size(data) == (WIDTH_PX, HEIGHT_PX) == (800, 500)
    assert len(data) < 200_000
    assert draw(result, title="CS101 Databases") == data  # deterministic


def test_chart_titles_from_people_draw_without_missing_glyphs_or_math() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or a mathtext error would warn or raise
        for title in ["CS101 डेटाबेस प्रबंधन", "Cost $x$ of $$ and _{a}^b", "=HYPERLINK(\"x\")", "a\nb\tc", ""]:
            assert png_size(co_levels_png(hand_made(), title=title)) == (800, 500)
            assert png_size(po_png(hand_made(), title=title)) == (800, 500)
    assert drawable("CS101 डेटाबेस") == "CS101"
    assert drawable("x" * 100).endswith("…") and len(drawable("x" * 100)) == 60


def test_charts_of_a_course_without_outcomes() -> None:
    empty = AttainmentResult(1, Params(), [], [], 0, False)
    assert png_size(co_levels_png(empty, title="empty")) == (800, 500)
    assert png_size(po_png(empty, title="empty")) == (800, 500)


# ---- the workbook --------------------------------------------------------------------------------


def _book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def _table(ws: Any, first: str, second: str) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """The header (name → column index) and rows of the table in ``ws`` whose header starts ``first, second``."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == first and r[1] == second)
    header = {name: i for i, name in enumerate(rows[start]) if name is not None}
    body = []
    for r in rows[start + 1:]:
        if all(v is None for v in r):
            break
        body.append(r)
    return header, body


def _num(value: Any) -> Decimal | None:
    return None if value is None else q(D(str(value)))


def _students(result: AttainmentResult) -> list[StudentRow]:
    return [StudentRow("1RV22CS001", '=HYPERLINK("http://evil.example","x")', "CO1", "CIE", D("7.5"), D(10),
                       D("75.00"), True),
            StudentRow("1RV22CS002", "@Asha", "CO1", "SEE", D(0), D(0), None, None),
            StudentRow("1RV22CS003", "Ravi <b>", "CO2", "CIE", D(5), D(10), D("50.00"), False)]


ITEMS = [ItemInfo("IA 1", "CIE", "Q1", D(10), "CO1"), ItemInfo("IA 1", "CIE", "Q2a", D("2.5"), "CO2"),
         ItemInfo("=SEE", "SEE", "-Q3", D(20), "CO1")]


@pytest.mark.parametrize("make", [hand_made, computed])
def test_summary_holds_the_numbers_of_the_result(make: Any) -> None:
    result = make()
    wb = _book(attainment_workbook(result, course="CS101 Databases", items=ITEMS, students=_students(result)))
    assert wb.sheetnames == ["Summary", "Students", "Questions", "Parameters"]
    ws = wb["Summary"]
    head, rows = _table(ws, "CO", "Description")
    assert [r[0] for r in rows] == [co.code for co in result.cos]
    for co, row in zip(result.cos, rows, strict=True):
        for comp in ("CIE", "SEE"):
            part = co.components.get(comp)
            got = [row[head[f"{comp} {k}"]] for k in ("students counted", "at or above threshold", "%", "level")]
            want = [part.students, part.at_threshold, part.pct, part.level] if part else [None] * 4
            assert [_num(v) for v in got] == [_num(v) for v in want], (co.code, comp)
        assert _num(row[head["Direct"]]) == _num(co.direct)
        assert _num(row[head["Indirect (survey mean)"]]) == _num(co.indirect)
        assert _num(row[head["Final"]]) == _num(co.final)
        # The arithmetic a teacher does by hand gives the same numbers.
        if co.direct is not None:
            weights = {c: row[head[f"{c} weight used"]] or 0 for c in ("CIE", "SEE")}
            levels = {c: row[head[f"{c} level"]] or 0 for c in ("CIE", "SEE")}
            assert _num(sum(D(str(weights[c])) * levels[c] for c in weights)) == _num(co.direct)
            dw = D(str(row[head["Direct weight used"]]))
            indirect = D(str(row[head["Indirect (survey mean)"]] or 0))
            assert q(dw * D(str(row[head["Direct"]])) + (1 - dw) * indirect) == co.final
            assert row[head["Meets target"]] is (co.final >= result.params.target_level)
        else:
            assert row[head["Note"]] == "not assessed"
    head, rows = _table(ws, "Code", "Name")
    assert [r[0] for r in rows] == [po.code for po in result.pos]
    for po, row in zip(result.pos, rows, strict=True):
        assert _num(row[head["Value = Σ(final × correlation) ÷ Σ correlation"]]) == _num(po.value)
        total, weight = row[head["Σ(final × correlation)"]], row[head["Σ correlation"]]
        if po.value is None:
            assert total is None and weight is None
        else:
            finals = {co.code: co.final for co in result.cos if co.final is not None}
            assert D(str(total)) == sum(finals[c] * w for c, w in po.mapped if c in finals)
            assert q(D(str(total)) / D(weight)) == po.value
        assert row[head["Mapped COs (CO: correlation)"]] == (", ".join(f"{c}: {w}" for c, w in po.mapped) or None)
    head, rows = _table(ws, "CO", "Final")
    assert list(head)[2:] == [po.code for po in result.pos]
    assert {(r[0], name): r[i] for r in rows for name, i in head.items() if i >= 2 and r[i] is not None} == {
        (c, po.code): w for po in result.pos for c, w in po.mapped}
    values = list(ws.iter_rows(values_only=True))
    assert values[1][:2] == ("Course", "CS101 Databases")
    assert values[2][:2] == ("Students with marks", result.students)


def test_numbers_stay_numbers_and_names_stay_text() -> None:
    result = hand_made()
    data = attainment_workbook(result, course="=1+1", items=ITEMS, students=_students(result))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)
    wb = _book(data)
    assert wb["Summary"]["B2"].value == "=1+1" and wb["Summary"]["B2"].data_type == "s"
    assert wb["Summary"]["B2"].quotePrefix
    st = wb["Students"]
    assert [c.value for c in st[1]] == ["USN", "Name", "CO", "Component", "Marks obtained", "Maximum counted",
                                        "Score %", "At or above threshold"]
    assert st["A1"].font.b and st.freeze_panes == "A2"
    assert st["B2"].value == '=HYPERLINK("http://evil.example","x")' and st["B2"].data_type == "s"
    assert st["B2"].quotePrefix and st["B3"].quotePrefix
    assert [c.value for c in st[2]][4:] == [7.5, 10, 75, True]
    assert [c.data_type for c in st[2]][4:] == ["n", "n", "n", "b"]
    assert [c.value for c in st[3]][4:] == [0, 0, None, None]
    assert st["B4"].value == "Ravi <b>"
    qs = wb["Questions"]
    assert [[c.value for c in r] for r in qs.iter_rows(min_row=2)] == [
        ["IA 1", "CIE", "Q1", 10, "CO1"], ["IA 1", "CIE", "Q2a", 2.5, "CO2"], ["=SEE", "SEE", "-Q3", 20, "CO1"]]
    assert qs["A4"].data_type == "s" and qs["C4"].quotePrefix
    params = {r[0]: r[1] for r in wb["Parameters"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert params["Threshold %"] == 60 and params["Level 3 from %"] == 70 and params["Weight SEE"] == 0.7
    assert params["Direct weight"] == 0.8 and params["Indirect weight"] == 0.2 and params["Target level"] == 2
    steps = [r[2] for r in wb["Parameters"].iter_rows(values_only=True) if str(r[0]).startswith("Step")]
    assert len(steps) == 6 and "at or above 70" in steps[2]


@dataclass(frozen=True)
class _Score:  # the shape of domain.services.attainment.StudentScore
    co: str
    component: str
    marks: Decimal | None
    max_marks: Decimal
    pct: Decimal | None
    at_threshold: bool | None


@dataclass(frozen=True)
class _Scored:  # the shape of domain.services.attainment.StudentRow
    usn: str
    name: str
    score: _Score


def test_rows_in_the_shape_of_the_sql_service_are_taken_too() -> None:
    rows = [_Scored("1RV22CS001", "Asha", _Score("CO1", "CIE", D("7.5"), D(10), D("75.00"), True)),
            _Scored("1RV22CS002", "Ravi", _Score("CO1", "SEE", None, D(0), None, None))]
    st = _book(attainment_workbook(hand_made(), course="C", items=[], students=rows))["Students"]
    assert [[c.value for c in r] for r in st.iter_rows(min_row=2)] == [
        ["1RV22CS001", "Asha", "CO1", "CIE", 7.5, 10, 75, True], ["1RV22CS002", "Ravi", "CO1", "SEE", None, 0, None,
                                                                  None]]


def _many_students(count: int, cos: int = 12) -> Iterator[StudentRow]:
    for s in range(count):
        usn, name = f"1RV22CS{s:04d}", f"Student {s}" if s % 97 else f"=Student {s}"
        for c in range(1, cos + 1):
            for comp in ("CIE", "SEE"):
                got = D((s * 7 + c * 3) % 51) / 2
                yield StudentRow(usn, name, f"CO{c}", comp, got, D(25), q(got * 4, D("0.01")), got * 4 >= 60)


async def _aiter(rows: Iterator[StudentRow]) -> AsyncIterator[StudentRow]:
    for n, row in enumerate(rows):
        if n % 5000 == 0:
            await asyncio.sleep(0)
        yield row


def test_async_variant_writes_the_same_file() -> None:
    result = hand_made()
    sync = attainment_workbook(result, course="CS101", items=ITEMS, students=_many_students(200))
    from_async = asyncio.run(attainment_workbook_async(result, course="CS101", items=ITEMS,
                                                       students=_aiter(_many_students(200))))
    from_list = asyncio.run(attainment_workbook_async(result, course="CS101", items=ITEMS,
                                                      students=list(_many_students(200))))
    assert sync == from_async == from_list
    with pytest.raises(TypeError, match="async"):
        attainment_workbook(result, course="CS101", items=ITEMS, students=_aiter(_many_students(1)))  # type: ignore[arg-type]


def test_120000_student_rows_build_in_seconds() -> None:
    result = hand_made()
    rows = list(_many_students(5000))
    assert len(rows) == 120_000
    started = time.perf_counter()
    data = attainment_workbook(result, course="CS101", items=ITEMS, students=rows)
    took = time.perf_counter() - started
    started = time.perf_counter()
    from_async = asyncio.run(attainment_workbook_async(result, course="CS101", items=ITEMS,
                                                       students=_aiter(iter(rows))))
    took_async = time.perf_counter() - started
    print(f"workbook with {len(rows)} student rows: {took:.2f} s (async from a generator: {took_async:.2f} s), "
          f"{len(data) / 1e6:.1f} MB")
    assert data == from_async
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        students = z.read("xl/worksheets/sheet2.xml")
    assert students.count(b"<row ") == 120_001
    assert b'<row r="120001">' in students
    ws = load_workbook(io.BytesIO(data), read_only=True)["Students"]
    first = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert first == ("1RV22CS0000", "=Student 0", "CO1", "CIE", 1.5, 25, 6, False)


# ---- the streaming writer on its own ---------------------------------------------------------------


def test_streaming_writer_keeps_formula_looking_text_as_text() -> None:
    data = xlsx_stream_bytes([Sheet("Invites", ["NAME"], [[t] for t in DANGEROUS])])
    ws = _book(data).active
    for i, text in enumerate(DANGEROUS, start=2):
        cell = ws.cell(row=i, column=1)
        assert cell.data_type == "s", text
        assert cell.value == text
    assert ws["A2"].quotePrefix and ws["A4"].quotePrefix and not ws["A9"].quotePrefix  # "#N/A" is not a formula
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_streaming_writer_types_and_layout() -> None:
    rows: list[list[CellValue]] = [
        [1, 4.5, D("2.25"), True, dt.date(2026, 11, 16), dt.datetime(2026, 11, 16, 9, 30), None, "4",
         dt.time(12, 30), float("nan"), D("Infinity"), "a\x00b\x07c\r\nd", "z" * 40000, "x & <y>"]]
    data = xlsx_stream_bytes([Sheet("S", list("ABCDEFGHIJKLMN"), rows, widths=[14, 30])])
    ws = _book(data).active
    values = [c.value for c in ws[2]]
    assert values[:4] == [1, 4.5, 2.25, True]
    assert [c.data_type for c in ws[2]][:4] == ["n", "n", "n", "b"]
    assert values[4] == dt.datetime(2026, 11, 16) and ws["E2"].number_format == "yyyy-mm-dd"
    assert values[5] == dt.datetime(2026, 11, 16, 9, 30) and ws["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert values[6] is None and values[7] == "4" and ws["H2"].data_type == "s"
    assert values[8] == dt.time(12, 30)
    assert values[9:11] == ["nan", "Infinity"]
    assert values[11] == "abc\nd" and len(values[12]) == 32767 and values[13] == "x & <y>"
    assert ws["A1"].font.b and not ws["A2"].font.b and ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 14 and ws.column_dimensions["B"].width == 30


def test_streaming_writer_sheets_titles_widths_and_reading_back() -> None:
    sheets = [Sheet("CO/PO: [summary]?", ["A"], [[1]]), Sheet("CO/PO: [summary]?", ["A", "B"], [["x" * 20, 1]]),
              Sheet("", ["N"], ([i] for i in range(1000)))]
    wb = _book(xlsx_stream_bytes(sheets))
    assert wb.sheetnames == ["CO-PO- -summary--", "CO-PO- -summary-- (2)", "Sheet"]
    assert wb["CO-PO- -summary-- (2)"].column_dimensions["A"].width == 22
    assert wb["Sheet"].max_row == 1001 and wb["Sheet"]["A1001"].value == 999
    table = read_table(xlsx_stream_bytes([Sheet("Roster", ["USN", "NAME", "MARK"],
                                                [["1CR24CS001", "=1+1", 4.5], ["1CR24CS002", "-x", 4]])]))
    assert [r.cells for r in table.rows] == [["1CR24CS001", "=1+1", "4.5"], ["1CR24CS002", "-x", "4"]]
    with pytest.raises(ValueError, match="at least one sheet"):
        xlsx_stream_bytes([])


def test_streaming_writer_writes_sheets_one_after_another() -> None:
    book = StreamingWorkbook()
    first = book.sheet("One", None, freeze_header=False)
    first.append(["Heading"], bold=True)
    first.append(["value", 1])
    book.sheet("Two", ["H"]).append([2])
    with pytest.raises(ValueError, match="finished"):
        first.append(["late"])
    wb = _book(book.close())
    assert wb["One"]["A1"].font.b and not wb["One"]["A2"].font.b and wb["One"].freeze_panes is None
    assert wb["Two"]["A2"].value == 2


# ---- chat texts ----------------------------------------------------------------------------------


def _columns(line: str) -> int:
    """Monospace cells of a line: Devanagari vowel signs and viramas combine with their letter."""
    return sum(0 if unicodedata.category(ch) in ("Mn", "Me", "Cf") else 1 for ch in line)


def _pre_lines(text: str) -> list[str]:
    return [line for block in re.findall(r"<pre>(.*?)</pre>", text, re.S) for line in block.split("\n")]


@pytest.mark.parametrize("language", ["en", "hi"])
def test_attainment_text_fits_a_phone(language: str) -> None:
    text = attainment_text(hand_made(), "CS101 <b>Databases</b>", language)
    print(text)
    assert utf16_len(text) <= 4096
    assert "CS101 &lt;b&gt;Databases&lt;/b&gt;" in text and "<b>Databases" not in text
    assert text.count("<pre>") == text.count("</pre>") == 2
    lines = _pre_lines(text)
    assert all(_columns(line) <= PHONE_COLUMNS for line in lines), lines
    co_rows = {line.split()[0]: line.split() for line in lines if line.startswith("CO") and line[2].isdigit()}
    assert co_rows["CO1"] == ["CO1", "75", "3", "70", "3", "3.00", "2.50", "2.90"]
    assert co_rows["CO2"] == ["CO2", "60", "2", "51", "1", "1.30", "2.00", "1.44"]
    assert co_rows["CO3"] == ["CO3", "59", "1", "-", "-", "1.00", "-", "1.00"]  # 59.32 %: cut, not rounded
    assert co_rows["CO4"] == ["CO4", "-", "-", "-", "-", "-", "2.20", "-"]
    po_line = " ".join(line for line in lines if line.startswith(("PO", "PSO")))
    assert po_line.split() == ["PO1", "2.32", "PO2", "1.15", "PSO1", "-"]  # only the mapped ones
    assert "PO3" not in text
    if language == "en":
        assert "Below the target level 2: CO2, CO3." in text
        assert "Not assessed yet (no marks): CO4." in text
        assert "Threshold 60%; levels 1/2/3 from 50/60/70%; weights CIE 0.3, SEE 0.7; target level 2." in text
    else:
        assert "लक्ष्य स्तर 2 से नीचे: CO2, CO3।" in text
        assert "Below" not in text and "students" not in text


def test_attainment_text_without_survey_has_no_indirect_column() -> None:
    result = computed()
    unsurveyed = replace(result, surveyed=False, cos=[
        replace(c, indirect=None, final=None if c.direct is None else q(c.direct)) for c in result.cos])
    text = attainment_text(unsurveyed, "CS101", "en")
    assert "No exit survey yet, so final = direct." in text
    header = next(line for line in _pre_lines(text) if line.startswith("CO "))
    assert header.split() == ["CO", "%", "L", "%", "L", "Fin"]


def test_a_course_every_co_reaches() -> None:
    text = attainment_text(many_cos(3), "X", "en")
    assert "Every assessed CO reaches the target level 2." in text
    empty = attainment_text(AttainmentResult(1, Params(), [], [], 0, False), "X", "en")
    assert "no course outcomes yet" in empty


def test_a_huge_course_splits_into_pieces_with_whole_tables() -> None:
    text = attainment_text(many_cos(99), "Huge", "hi")  # 99 COs, the most a course can have, fit one message
    assert utf16_len(text) <= 4096 and pieces(text) == [text]
    parts = pieces(text, 1000)
    assert len(parts) >= 3
    for part in parts:
        assert utf16_len(part) <= 1000
        tags = re.findall(r"</?pre>", part)
        assert tags == ["<pre>", "</pre>"] * (len(tags) // 2)
    joined = "\n".join(parts).replace("</pre>\n<pre>", "\n")
    assert joined == text
    assert pieces("short") == ["short"] and pieces("") == []


@pytest.mark.parametrize("language", ["en", "hi"])
def test_bloom_text(language: str) -> None:
    rows = [BloomRow(1, 4, D("20.00")), BloomRow(2, 6, D("30.50")), BloomRow(3, 3, D("25.00")),
            BloomRow(4, 2, D("14.50")), BloomRow(5, 0, D(0)), BloomRow(6, 1, D("10.00")), BloomRow(None, 1, D(0))]
    text = bloom_text(rows, "IA <1>", language)
    print(text)
    assert "IA &lt;1&gt;" in text and utf16_len(text) <= 4096
    lines = _pre_lines(text)
    assert len(lines) == 8 and all(_columns(line) <= PHONE_COLUMNS for line in lines)
    names = {"en": ["Remember", "Understand", "Apply", "Analyse", "Evaluate", "Create"],
             "hi": ["स्मरण", "समझ", "अनुप्रयोग", "विश्लेषण", "मूल्यांकन", "सृजन"]}[language]
    for n, name in enumerate(names, start=1):
        assert lines[n].startswith(f"{n} {name}")
    assert lines[2].split()[2:4] == ["6", "31%"] and lines[7].startswith("?")
    assert "25%" in text.split("</pre>")[1]  # higher order: 14.5 + 0 + 10
    assert "IA &lt;1&gt;" in bloom_text([], "IA <1>", language)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_profile_text(language: str) -> None:
    rows = [ProfileScore("CO10", "CIE", D(11), D(25), D("44.00"), False),
            ProfileScore("CO1", "SEE", None, D(0), None, None),
            ProfileScore("CO1", "CIE", D("18.50"), D(25), D("74.00"), True),
            ProfileScore("CO2", "CIE", D("14.99"), D(25), D("59.96"), False)]
    text = profile_text("CS101 <i>", rows, language, threshold=D(60), name="Asha & Co")
    print(text)
    assert "CS101 &lt;i&gt;" in text and "<b>Asha &amp; Co</b>" in text
    lines = _pre_lines(text)
    assert [line.split()[:2] for line in lines] == [["CO1", "CIE"], ["CO1", "SEE"], ["CO2", "CIE"], ["CO10", "CIE"]]
    assert lines[0].split()[2:] == ["18.5/25", "74%", "✔"]
    assert lines[1].split()[2:] == [{"en": "absent", "hi": "अनुपस्थित"}[language]]
    assert lines[2].split()[2:] == ["14.99/25", "59%", "✘"]
    assert all(_columns(line) <= PHONE_COLUMNS for line in lines)
    assert "60%" in text.split("</pre>")[1]
    assert "CS101" in profile_text("CS101", [], language)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_marks_message(language: str) -> None:
    questions = [QuestionMark("Q1", D("4.50"), D(5)), QuestionMark("Q2 <a>", None, D(5)),
                 QuestionMark("Q3", D(10), D(10))]
    text = marks_message(assessment="IA 1", course="CS101", name="Asha <b>", questions=questions,
                         class_average=D("9.3333"), language=language)
    print(text)
    first, *rest = text.split("\n")
    assert "Asha &lt;b&gt;" in first and "14.5/20" in first and "9.33/20" in first
    assert rest[0].endswith("Q1: 4.5/5") and "Q2 &lt;a&gt;" in rest[1] and rest[2].endswith("Q3: 10/10")
    absent_word = {"en": "absent", "hi": "अनुपस्थित"}[language]
    assert rest[1].endswith(absent_word)
    if language == "en":
        assert first == "Marks of IA 1 (CS101) for Asha &lt;b&gt;: 14.5/20 — class average 9.33/20"
        assert ABSENT == "absent"
    all_absent = marks_message(assessment="IA 1", course="CS101", name="Ravi", language=language,
                               questions=[QuestionMark("Q1", None, D(5))], class_average=None)
    assert absent_word in all_absent.split("\n")[0] and "/5" not in all_absent.split("\n")[0]


@pytest.mark.parametrize("language", ["en", "hi"])
def test_captions(language: str) -> None:
    for caption in (co_chart_caption(hand_made(), "CS<1>", language), po_chart_caption("CS<1>", language),
                    workbook_caption("CS<1>", language)):
        assert "CS&lt;1&gt;" in caption and len(caption) <= 1024
    if language == "hi":
        assert "लक्ष्य स्तर 2" in co_chart_caption(hand_made(), "CS", "hi")
