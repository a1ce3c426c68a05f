"""Writing the spreadsheets the product sends back (invite links, problem lists, attainment reports).

Every text value is written as text, never as a formula: a cell starting with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) is a plain string in the workbook, marked with Excel's quote
prefix so that editing the cell keeps it text, and in CSV it gets a leading ``'``. Student names are
typed by people, and a name such as ``=HYPERLINK("http://…")`` must reach nobody's Excel as a formula.
Numbers stay numbers and dates stay dates. The header row is bold and frozen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from domain.files.problems import FORMULA_START
from domain.files.table import format_number

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | None

MAX_CELL_CHARS = 32767  # Excel's limit for one cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDTH_SAMPLE_ROWS = 200


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title, a header row, rows of values, and optional column widths (characters)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[CellValue]]
    widths: Sequence[float] | None = None


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def clean_text(text: str) -> str:
    """Text a workbook can hold: line breaks as ``\\n``, no XML-illegal control characters, ≤ 32767 chars."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)[:MAX_CELL_CHARS]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx workbook with one worksheet per :class:`Sheet`, in order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    titles: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(_title(sheet.title, titles))
        rows = iter(sheet.rows)
        sample = list(islice(rows, _WIDTH_SAMPLE_ROWS))
        widths = sheet.widths if sheet.widths is not None else _widths(sheet.header, sample)
        for i, width in enumerate(widths):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        ws.freeze_panes = "A2"

        ws.append([_cell(ws, h, bold) for h in sheet.header])
        for row in chain(sample, rows):
            ws.append([_cell(ws, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(ws: Any, value: CellValue, font: Any = None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws)
    if isinstance(value, str):
        text = clean_text(value)
        c.value = text
        c.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error value
        if is_formula_like(text):
            c.quotePrefix = True  # and Excel keeps it text when the cell is edited
    elif isinstance(value, float) and not math.isfinite(value):
        c.value = str(value)
        c.data_type = "s"
    elif isinstance(value, dt.datetime):
        c.value = value.replace(tzinfo=None)
        c.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        c.value = value
        c.number_format = "yyyy-mm-dd"
    else:
        c.value = value
    if font is not None:
        c.font = font
    return c


def _title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet title: at most 31 characters, none of ``[]:*?/\\``."""
    base = _TITLE_FORBIDDEN.sub("-", clean_text(title).replace("\n", " ")).strip().strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _widths(header: Sequence[str], rows: Sequence[Sequence[CellValue]]) -> list[float]:
    widths = [len(str(h)) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            size = max((len(line) for line in _as_text(value).split("\n")), default=0)
            if i < len(widths):
                widths[i] = max(widths[i], size)
            else:
                widths.append(size)
    return [float(min(max(w + 2, 8), 60)) for w in widths]


def _as_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | Decimal):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def csv_text(value: CellValue) -> str:
    """One CSV cell: numbers and dates as text, formula-looking strings behind a ``'``."""
    if isinstance(value, str):
        text = value.replace("\x00", "")
        return "'" + text if is_formula_like(text) else text
    return _as_text(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> bytes:
    """A CSV file Excel opens correctly: UTF-8 with a BOM, comma delimited, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in header])
    writer.writerows([csv_text(v) for v in row] for row in rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8", errors="replace")
