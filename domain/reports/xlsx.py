"""Writing the spreadsheets the product sends back (invite links, problem lists, attainment reports).

Every text value is written as text, never as a formula: a cell starting with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) is a plain string in the workbook, marked with Excel's quote
prefix so that editing the cell keeps it text, and in CSV it gets a leading ``'``. Student names are
typed by people, and a name such as ``=HYPERLINK("http://…")`` must reach nobody's Excel as a formula.
Numbers stay numbers and dates stay dates. The header row is bold and frozen.

:func:`xlsx_bytes` goes through openpyxl; :class:`StreamingWorkbook` (and :func:`xlsx_stream_bytes`)
writes the same kind of file row by row, several times faster, for sheets of many thousand rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any

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


# ---- streaming -----------------------------------------------------------------------------------
#
# openpyxl builds a cell object per value (≈ 10 µs a cell); a report of 120,000 rows × 8 columns would
# take seconds. The writer below emits the worksheet XML straight into the zip stream instead, with
# the same rules as :func:`xlsx_bytes` (text as inline strings, quote prefix on formula-looking text,
# numbers as numbers, dates as dates), in constant memory apart from the compressed output.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # surrogates and non-characters: not allowed in XML either
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")  # anything to clean
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same rows give the same bytes
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_FLUSH_ROWS = 512

# Cell formats (``cellXfs``): index = 2 × kind + bold.
_PLAIN, _QUOTED, _DATE, _DATETIME, _TIME = range(5)
_STYLES = (
    _XML_DECL
    + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="10">'
    + "".join(
        f'<xf numFmtId="{fmt}" fontId="{bold}" fillId="0" borderId="0" xfId="0"'
        + (' applyNumberFormat="1"' if fmt else "")
        + (' applyFont="1"' if bold else "")
        + (' quotePrefix="1"' if kind == _QUOTED else "")
        + "/>"
        for kind, fmt in enumerate((0, 0, 164, 165, 166))
        for bold in (0, 1)
    )
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xml_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _column_letters(count: int) -> list[str]:
    """``A``, ``B``, … for the first ``count`` columns."""
    letters = []
    for i in range(1, count + 1):
        name = ""
        while i:
            i, rest = divmod(i - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


_LETTERS = _column_letters(702)  # A … ZZ; more columns are named on demand


def _text_cell(ref: str, value: str, bold: int) -> str:
    text = _NOT_XML.sub("", clean_text(value)) if _SPECIAL.search(value) or len(value) > MAX_CELL_CHARS else value
    if not text:
        return ""
    style = 2 * _QUOTED + bold if text.startswith(FORMULA_START) else bold
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _cell_xml(ref: str, value: CellValue, bold: int) -> str:
    """One ``<c>`` element (empty for ``None``), following the rules of :func:`xlsx_bytes`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(ref, value, bold)
    s = f' s="{bold}"' if bold else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            return _text_cell(ref, str(value), bold)
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _text_cell(ref, str(value), bold)
        return f'<c r="{ref}"{s}><v>{value:f}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH) / dt.timedelta(days=1)
        return f'<c r="{ref}" s="{2 * _DATETIME + bold}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        serial_days = (value - _EXCEL_EPOCH.date()).days
        return f'<c r="{ref}" s="{2 * _DATE + bold}"><v>{serial_days}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{ref}" s="{2 * _TIME + bold}"><v>{seconds / 86400!r}</v></c>'
    raise TypeError(f"cannot write a {type(value).__name__} to a spreadsheet")


class StreamingSheet:
    """One worksheet being written; rows go out as they come (see :meth:`StreamingWorkbook.sheet`)."""

    def __init__(self, stream: IO[bytes], header: Sequence[str] | None, widths: Sequence[float] | None,
                 freeze_header: bool) -> None:
        self._stream = stream
        self._header = list(header) if header is not None else None
        self._freeze = freeze_header and header is not None
        self._sample: list[tuple[Sequence[CellValue], bool]] | None = [] if widths is None else None
        self._row = 0
        self._chunk: list[str] = []
        self.closed = False
        if widths is not None:
            self._begin(widths)

    @property
    def rows_written(self) -> int:
        """Rows so far, the header included (rows still held for measuring widths count too)."""
        return self._row + (len(self._sample) if self._sample is not None else 0)

    def append(self, values: Sequence[CellValue], *, bold: bool = False) -> None:
        if self.closed:
            raise ValueError("this sheet is finished: a workbook writes its sheets one after another")
        if self._sample is not None:
            self._sample.append((values, bold))
            if len(self._sample) >= _WIDTH_SAMPLE_ROWS:
                self._release_sample()
            return
        self._write(values, bold)

    def extend(self, rows: Iterable[Sequence[CellValue]]) -> None:
        for values in rows:
            self.append(values)

    def close(self) -> None:
        if self.closed:
            return
        if self._sample is not None:
            self._release_sample()
        self._chunk.append("</sheetData></worksheet>")
        self._flush()
        self._stream.close()
        self.closed = True

    def _release_sample(self) -> None:
        sample, self._sample = self._sample or [], None
        self._begin(_widths(self._header or [], [values for values, _ in sample]))
        for values, bold in sample:
            self._write(values, bold)

    def _begin(self, widths: Sequence[float]) -> None:
        parts = [_XML_DECL, f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">']
        if self._freeze:
            parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                         'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
                         'sqref="A2"/></sheetView></sheetViews>')
        else:
            parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        parts.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            parts.append("<cols>")
            parts.extend(f'<col min="{i}" max="{i}" width="{float(w)!r}" customWidth="1"/>'
                         for i, w in enumerate(widths, start=1))
            parts.append("</cols>")
        parts.append("<sheetData>")
        self._chunk.append("".join(parts))
        if self._header is not None:
            self._write(self._header, True)

    def _write(self, values: Sequence[CellValue], bold: bool) -> None:
        self._row += 1
        n = self._row
        b = int(bold)
        letters = _LETTERS if len(values) <= len(_LETTERS) else _column_letters(len(values))
        cells = "".join([_cell_xml(f"{letters[i]}{n}", v, b) for i, v in enumerate(values)])
        self._chunk.append(f'<row r="{n}">{cells}</row>')
        if len(self._chunk) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            self._stream.write("".join(self._chunk).encode("utf-8"))
            self._chunk.clear()


class StreamingWorkbook:
    """An .xlsx written row by row into a zip stream: the sheets one after another, each row as it comes.

    ``out`` receives the file (a ``BytesIO`` of its own when not given; :meth:`close` then returns the
    bytes). Starting a sheet finishes the previous one. Values follow the rules of :func:`xlsx_bytes`;
    a row may be bold (a heading inside a sheet), and the header row is bold and, by default, frozen.
    """

    def __init__(self, out: IO[bytes] | None = None) -> None:
        self._own = out is None
        self._out: IO[bytes] = io.BytesIO() if out is None else out
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED)
        self._titles: list[str] = []
        self._taken: set[str] = set()
        self._sheet: StreamingSheet | None = None
        self._closed = False

    def sheet(self, title: str, header: Sequence[str] | None = None, *, widths: Sequence[float] | None = None,
              freeze_header: bool = True) -> StreamingSheet:
        """Start the next worksheet; without ``widths`` the first rows are held back to measure them."""
        if self._closed:
            raise ValueError("the workbook is closed")
        if self._sheet is not None:
            self._sheet.close()
        self._titles.append(_title(title, self._taken))
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{len(self._titles)}.xml", _ZIP_EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._sheet = StreamingSheet(self._zip.open(info, "w", force_zip64=True), header, widths, freeze_header)
        return self._sheet

    def close(self) -> bytes:
        """Finish the file; the bytes of the workbook when it was written to a buffer of its own, else ``b""``."""
        if self._closed:
            raise ValueError("the workbook is closed")
        if not self._titles:
            raise ValueError("a workbook needs at least one sheet")
        if self._sheet is not None:
            self._sheet.close()
        n = len(self._titles)
        sheets = "".join(f'<sheet name="{_xml_attr(t)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, t in enumerate(self._titles, start=1))
        self._member("xl/workbook.xml", f'{_XML_DECL}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                     f'<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        self._member("xl/_rels/workbook.xml.rels",
                     f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">{rels}'
                     f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>')
        self._member("xl/styles.xml", _STYLES)
        self._member("_rels/.rels", f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
                     f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
                            for i in range(1, n + 1))
        self._member("[Content_Types].xml", f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/'
                     '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                     'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
                     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                     f"{overrides}</Types>")
        self._zip.close()
        self._closed = True
        return self._out.getvalue() if self._own and isinstance(self._out, io.BytesIO) else b""

    def _member(self, name: str, text: str) -> None:
        info = zipfile.ZipInfo(name, _ZIP_EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, text.encode("utf-8"))


def xlsx_stream_bytes(sheets: Iterable[Sheet]) -> bytes:
    """Like :func:`xlsx_bytes`, through :class:`StreamingWorkbook`: for sheets of many thousand rows."""
    book = StreamingWorkbook()
    for sheet in sheets:
        book.sheet(sheet.title, sheet.header, widths=sheet.widths).extend(sheet.rows)
    return book.close()
