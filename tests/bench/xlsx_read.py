"""Reading a big marks workbook, before and after: openpyxl against the quick sheet-XML reader, then the
marks validator on the table read.

    .venv/bin/python -m tests.bench.xlsx_read [--students 5000] [--questions 40] [--repeat 5]

Two workbooks of the same sheet are read: one as Excel saves it (shared strings, styled cells) and
one as openpyxl writes it (inline strings). Each figure is the best of ``--repeat`` runs, after one
run that warms the imports.
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from collections.abc import Callable
from functools import partial
from typing import Any

from openpyxl import Workbook

from domain.files import table as table_module
from domain.files.marks import parse_marks
from domain.files.problems import column_letter
from domain.files.table import read_table
from tests.bench.common import machine

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MARKS: list[float | int | str] = [0, 1, 2, 2.5, 3, 4.5, 5, 6, 7, 7.5, 8, 9, 10, "AB"]


def sheet_rows(students: int, questions: int) -> list[list[Any]]:
    labels = [f"Q{i // 2 + 1}{'AB'[i % 2]}" for i in range(questions)]
    rows: list[list[Any]] = [["USN", "STUDENT NAME", *labels], ["MAX", None, *[10] * questions],
                             ["CO", None, *[f"CO{i % 5 + 1}" for i in range(questions)]]]
    rows += [[f"1CR21CS{n:04d}", f"Student {n}", *[MARKS[(n * 7 + q * 3) % len(MARKS)] for q in range(questions)]]
             for n in range(students)]
    return rows


def excel_workbook(rows: list[list[Any]]) -> bytes:
    """The sheet as Excel saves it: every text a shared string, numbers styled, ``spans`` on rows."""
    strings: dict[str, int] = {}
    out = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" s="1" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" s="2"><v>{value}</v></c>')
        out.append(f'<row r="{r}" spans="1:{len(values)}" x14ac:dyDescent="0.25">{"".join(cells)}</row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
             'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
             'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
             f'<dimension ref="A1:{column_letter(len(rows[0]) - 1)}{len(rows)}"/><sheetData>{"".join(out)}</sheetData>'
             "</worksheet>")
    shared = (f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.styles+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                   '<sheet name="IA1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                   f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}"><cellXfs count="3"><xf numFmtId="0"/>'
                   '<xf numFmtId="49"/><xf numFmtId="2"/></cellXfs></styleSheet>')
    return buf.getvalue()


def openpyxl_workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("IA1")
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def best(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = sheet_rows(args.students, args.questions)
    print(machine())
    print(f"{args.students} students × {args.questions} questions = {args.students * args.questions:,} mark cells")
    for name, data in (("Excel-style (shared strings)", excel_workbook(rows)),
                       ("openpyxl-style (inline strings)", openpyxl_workbook(rows))):
        before = best(partial(table_module._read_workbook_openpyxl, data), max(1, args.repeat // 2))
        after = best(partial(read_table, data), args.repeat)
        print(f"  {name:32} {len(data) / 1e6:5.2f} MB   openpyxl {before * 1000:6.0f} ms   "
              f"sheet XML {after * 1000:5.0f} ms   ({before / after:.1f}× faster)")
    table = read_table(excel_workbook(rows))
    usns = {r.cells[0]: i for i, r in enumerate(table.rows[2:], start=1)}
    cos = [f"CO{i}" for i in range(1, 6)]
    checked = best(lambda: parse_marks(table, known_usns=usns, known_cos=cos), args.repeat)
    print(f"  parse_marks on the table read                                  {checked * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
