"""Small builders for test files: workbooks with cells at given rows, CSV text in any encoding."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


def workbook(rows: dict[int, list[Any]], *, title: str = "Sheet1", more: dict[str, dict[int, list[Any]]] | None = None,
             hidden: tuple[str, ...] = ()) -> bytes:
    """An .xlsx whose first sheet has ``rows`` (sheet row number → values from column A)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    sheets = {title: rows, **(more or {})}
    for i, (name, content) in enumerate(sheets.items()):
        sheet = ws if i == 0 else wb.create_sheet(name)
        for r, values in content.items():
            for c, value in enumerate(values, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cells(table: Any) -> list[tuple[int, list[str]]]:
    return [(r.number, r.cells) for r in table.rows]
