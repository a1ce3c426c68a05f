"""Reading the file a teacher sends into one table of text cells, or refusing it with a clear reason.

:func:`read_table` accepts an Excel workbook (``.xlsx``/``.xlsm``) or delimited text (CSV, semicolon,
tab or ``|`` separated; UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252). The content
decides what the file is; the file name only helps to name a broken file. Every cell comes out as
the text the teacher typed: numbers as Excel shows them (``4``, ``4.5``, never ``4.0`` or
``4.499999999``), dates as ``YYYY-MM-DD``, surrounding spaces removed.

Row numbers are the ones the teacher sees in Excel: for a workbook the sheet's row number, for text
the record's position in the file counting blank lines (the line number, unless a quoted cell holds
a line break). Blank rows are skipped but keep the numbering.

A workbook's cells are read straight from its sheet XML (:mod:`domain.files.workbook`, many times faster
than openpyxl on a big marks sheet); openpyxl reads only the rare file that reader declines.

The header is the first non-blank row, except that title rows above a recognised header are
skipped ("Class 10-A, 2026" above ``USN,NAME``): among the first ten non-blank rows the first one
:func:`domain.files.detect.detect_kind` recognises is the header. In a workbook with several visible
sheets, the first sheet with a recognised header is read, else the first sheet with any data.

Anything else is refused with a :class:`FileUnreadable` saying what the file looks like and what to send.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.errors import N_, Invalid
from domain.files.detect import detect_kind

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # an .xlsx is a zip; this bounds what it may unpack to
HEADER_SCAN_ROWS = 10  # title rows above the header that may be skipped
_MB = 1024 * 1024

# openpyxl warns about things a teacher cannot act on ("no default style", a date out of range). A
# filter set once, not catch_warnings(): that one is not safe in the workers' threads.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
_CSV_FIELD_LIMIT = 131072  # the csv module's default; a longer cell is a broken quote or not a table

EMPTY = N_("The file has no data. Send a CSV or Excel (.xlsx) file whose first row is the header.")
TOO_LARGE = N_("The file is {size} MB; the limit is {limit} MB. Split it into smaller files and send them one "
               "by one.")
UNPACKS_TOO_LARGE = N_("This Excel file unpacks to more than {limit} MB of data. Split it into smaller files, or "
                       "save it as CSV and send that.")
LOOKS_LIKE = N_("This file is not a table (it looks like: {format}). Send a CSV or Excel (.xlsx) file.")
BINARY = N_("This file is not a table: it contains binary data. Send a CSV or Excel (.xlsx) file.")
SAVE_AS = N_("I cannot read spreadsheets of this kind ({format}). Open it in Excel, save it as Excel Workbook "
             "(.xlsx) or CSV UTF-8, and send it again.")
PROTECTED = N_("This spreadsheet is protected with a password. Remove the password, save it, and send it again.")
DAMAGED = N_("This Excel file is damaged or incomplete (it may have been cut off while sending). Open it in "
             "Excel, save it again, and send it again.")
UTF16_NO_BOM = N_("This file is UTF-16 text without a byte order mark, which cannot be read reliably. Save it as "
                  "CSV UTF-8 (Comma delimited) and send it again.")
UNDECODABLE = N_("Row {row} has characters that are neither UTF-8 nor Windows-1252 text. Save the file as CSV "
                 "UTF-8 (Comma delimited) and send it again.")
UNCLOSED_QUOTE = N_("Row {row} opens a double quote that is never closed, so the rest of the file cannot be "
                    "read. Close or remove that quote and send the file again.")
CELL_TOO_LONG = N_("Row {row} has a cell longer than {limit} characters, usually because of a double quote "
                   "that is never closed. Correct that row and send the file again.")


class FileUnreadable(Invalid):
    """The bytes are not a table that can be read; the message says what was expected instead."""


class FileEmpty(FileUnreadable):
    """No bytes, or no non-blank cell anywhere."""


class FileTooLarge(FileUnreadable):
    """Over :data:`MAX_FILE_BYTES` (or a workbook unpacking to over :data:`MAX_UNPACKED_BYTES`)."""


class NotATable(FileUnreadable):
    """An image, a PDF, a Word document, an archive or other binary data."""


class UnsupportedSpreadsheet(FileUnreadable):
    """A spreadsheet in a format that must be saved again as .xlsx or CSV (ODS, Numbers, HTML export…)."""


class OldExcelFile(UnsupportedSpreadsheet):
    """An Excel 97–2003 ``.xls`` workbook."""


class ProtectedSpreadsheet(FileUnreadable):
    """A password-protected (encrypted) Excel workbook."""


class DamagedSpreadsheet(FileUnreadable):
    """A zip that is truncated or corrupt, or a workbook whose parts cannot be read."""


class UndecodableText(FileUnreadable):
    """Text in none of the accepted encodings (or UTF-16 without its byte order mark)."""


class BrokenQuotes(FileUnreadable):
    """Delimited text whose quoting cannot be parsed: a quote never closed."""


@dataclass(frozen=True, slots=True)
class Row:
    """One non-blank row: its number as the teacher sees it, and its cells (at least as many as the header)."""

    number: int
    cells: list[str]

    def cell(self, index: int | None) -> str:
        """The cell at a 0-based column index, or "" when the row is shorter (or the index is None)."""
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def is_blank(self) -> bool:
        return not any(self.cells)


@dataclass(frozen=True)
class Table:
    """One sheet of text cells. ``kind`` is ``"csv"`` (any delimited text) or ``"xlsx"``."""

    header: list[str]
    rows: list[Row]
    kind: str
    encoding: str | None = None  # text files: the encoding read (utf-8, utf-8-sig, utf-16, cp1252)
    delimiter: str | None = None  # text files: , ; tab or |
    sheet: str | None = None  # workbooks: the sheet read
    header_row: int = 1
    sheets: list[str] = field(default_factory=list)  # workbooks: every visible sheet, in order

    @property
    def width(self) -> int:
        """The number of columns: the header's, or more when a row has values beyond it."""
        return max([len(self.header), *(len(r.cells) for r in self.rows)])


# ---- entry point --------------------------------------------------------------------------------


def read_table(data: bytes, filename: str | None = None) -> Table:
    """Read ``data`` (the bytes of a file called ``filename``) into a :class:`Table`, or refuse it.

    Raises a :class:`FileUnreadable` subclass: :class:`FileEmpty`, :class:`FileTooLarge`,
    :class:`NotATable`, :class:`OldExcelFile` / :class:`UnsupportedSpreadsheet`,
    :class:`ProtectedSpreadsheet`, :class:`DamagedSpreadsheet`, :class:`UndecodableText`,
    :class:`BrokenQuotes`.
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(TOO_LARGE, size=_megabytes(len(data)), limit=MAX_FILE_BYTES // _MB)
    if not data.strip(b" \t\r\n\x00\x1a") or data in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        raise FileEmpty(EMPTY)
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_zip(data, name)
    if data.startswith(_OLE2):
        raise _ole2_refusal(data, name)
    looks = _binary_format(data)
    if looks is not None:
        raise NotATable(LOOKS_LIKE, format=looks)
    text, encoding = _decode(data)
    _refuse_markup(text)
    if _mostly_control(text):
        raise NotATable(BINARY)
    return _read_text(text, encoding)


def _megabytes(size: int) -> str:
    return f"{size / _MB:.1f}".removesuffix(".0")


# ---- sniffing -----------------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_MAGIC: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"%PDF-", 0, "PDF"),
    (b"WEBP", 8, "WebP image"),
    (b"ftypheic", 4, "HEIC photo"),
    (b"ftypheix", 4, "HEIC photo"),
    (b"ftypmif1", 4, "HEIC photo"),
    (b"ftyp", 4, "video"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"\x7fELF", 0, "program"),
    (b"{\\rtf", 0, "Word (RTF)"),
    (b"OggS", 0, "audio"),
    (b"ID3", 0, "MP3 audio"),
]


def _binary_format(data: bytes) -> str | None:
    """The name of a well-known non-table format ``data`` starts with, if any."""
    for magic, offset, name in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return name
    if data.startswith(b"MZ") and b"\x00" in data[:512]:
        return "Windows program"
    return None


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _ole2_refusal(data: bytes, name: str) -> FileUnreadable:
    """An OLE2 compound file: an encrypted .xlsx, an old .xls, or a Word/PowerPoint 97–2003 file."""
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        return ProtectedSpreadsheet(PROTECTED)
    if _utf16("WordDocument") in data or name.endswith(".doc"):
        return NotATable(LOOKS_LIKE, format="Word 97–2003 (.doc)")
    if _utf16("PowerPoint Document") in data or name.endswith(".ppt"):
        return NotATable(LOOKS_LIKE, format="PowerPoint 97–2003 (.ppt)")
    return OldExcelFile(SAVE_AS, format="Excel 97–2003 (.xls)")


def _refuse_markup(text: str) -> None:
    """Web pages and XML spreadsheets saved with an ``.xls`` name (school ERP exports do this)."""
    head = text.lstrip("\ufeff \t\r\n")[:2048].lower()
    if not head.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise UnsupportedSpreadsheet(SAVE_AS, format="XML Spreadsheet 2003")
    if head.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body")) or "<table" in head:
        raise UnsupportedSpreadsheet(SAVE_AS, format="web page (HTML)")
    if head.startswith("<?xml"):
        raise NotATable(LOOKS_LIKE, format="XML")


def _mostly_control(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\x0c\x1a")
    return controls > max(2, len(sample) // 100)


# ---- text ---------------------------------------------------------------------------------------

# A complete UTF-8 letter of two to four bytes. Windows-1252 text almost never contains one (a capital
# accented letter before a curly quote, "É”", does): then the file is refused with "save as UTF-8"
# rather than risk storing garbled names.
_UTF8_SEQUENCE = re.compile(
    rb"(?<![\x80-\xff])(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})(?![\x80-\xbf])"
)


def _row_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1 if b"\n" in data else data.count(b"\r", 0, position) + 1


def _decode(data: bytes) -> tuple[str, str]:
    """Decode text: BOM first, then UTF-8, then Windows-1252; refuse what is none of them."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_as(data, "utf-32"), "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(data, "utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode_as(data, "utf-8-sig"), "utf-8-sig"
    if b"\x00" in data:
        head = data[:4096]
        even, odd = head[0::2], head[1::2]
        if even.count(0) > len(even) * 0.3 or odd.count(0) > len(odd) * 0.3:
            raise UndecodableText(UTF16_NO_BOM)
        raise NotATable(BINARY)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    if _UTF8_SEQUENCE.search(data[:utf8_error.start]) or _UTF8_SEQUENCE.search(data[utf8_error.end:]):
        # valid UTF-8 letters next to invalid bytes: two encodings mixed in one file
        raise UndecodableText(UNDECODABLE, row=_row_of(data, utf8_error.start))
    return _decode_as(data, "cp1252"), "cp1252"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        if encoding.startswith("utf-16") or encoding.startswith("utf-32"):
            text = data[: err.start].decode(encoding, errors="replace")
            row = text.count("\n") + 1
        else:
            row = _row_of(data, err.start)
        raise UndecodableText(UNDECODABLE, row=row) from None


_DELIMITERS = (",", ";", "\t", "|")


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Records with their row number (1-based, blank lines counted), quotes handled as Excel does."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise BrokenQuotes(CELL_TOO_LONG, row=number + 1, limit=_CSV_FIELD_LIMIT) from None
        number += 1
        yield number, record


def _sniff_delimiter(text: str) -> str:
    """The delimiter giving the header the most columns; ties go to the one the next rows agree with.

    The header is the first record that has two or more fields with some delimiter, so a title line
    above it ("Class 10-A") does not decide.
    """
    sample = text[:65536]
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    if 0 < cut < len(sample) - 1:
        sample = sample[:cut]
    counts: dict[str, list[int]] = {}
    for delimiter in _DELIMITERS:
        found: list[int] = []
        try:
            for _number, record in _records(sample, delimiter):
                if any(c.strip() for c in record):
                    found.append(len(_trim(record)))
                if len(found) > HEADER_SCAN_ROWS + 20:
                    break
        except BrokenQuotes:
            pass
        counts[delimiter] = found
    start = next((i for i in range(HEADER_SCAN_ROWS)
                  if any(len(found) > i and found[i] >= 2 for found in counts.values())), None)
    if start is None:
        return ","
    best: tuple[int, float, int] = (0, 0.0, 0)
    chosen = ","
    for order, delimiter in enumerate(_DELIMITERS):
        found = counts[delimiter]
        if len(found) <= start or found[start] < 2:
            continue
        rest = found[start + 1:]
        agree = sum(1 for c in rest if c == found[start]) / max(1, len(rest))
        score = (found[start], agree, -order)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _trim(cells: Sequence[str]) -> list[str]:
    """Cells with surrounding spaces removed and trailing empty cells dropped."""
    out = [_clean(c) for c in cells]
    while out and not out[-1]:
        out.pop()
    return out


_INVISIBLE = "\u200b\ufeff"


def _clean(cell: str) -> str:
    return cell.strip().strip(_INVISIBLE).strip()


def _read_text(text: str, encoding: str) -> Table:
    text = text.lstrip("\ufeff").rstrip("\x1a")
    delimiter: str | None = None
    first = text.split("\n", 1)[0].strip().lower()
    if first.startswith("sep=") and len(first) == 5:  # Excel's hint line: not a row of the table
        delimiter = text.split("\n", 1)[0].strip()[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    rows = _rows(_records(text, delimiter))
    table = _table(rows, kind="csv", encoding=encoding, delimiter=delimiter)
    _check_unclosed_quote(text, delimiter, table)
    return table


def _check_unclosed_quote(text: str, delimiter: str, table: Table) -> None:
    """A quote opened and never closed swallows the rest of the file into one cell: refuse that."""
    last = table.rows[-1] if table.rows else None
    if last is None or not any("\n" in c or "\r" in c for c in last.cells):
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for _record in reader:
            pass
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            raise BrokenQuotes(UNCLOSED_QUOTE, row=last.number) from None


def _rows(records: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for number, record in records:
        cells = _trim(record)
        if cells:
            yield number, cells


def _table(rows: Iterable[tuple[int, list[str]]], **meta: Any) -> Table:
    """Build the table: the header (skipping title rows above a recognised one), then every row."""
    it = iter(rows)
    head: list[tuple[int, list[str]]] = []
    for item in it:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not head:
        raise FileEmpty(EMPTY)
    start = 0
    if detect_kind(head[0][1]) is None:
        for i, (_number, cells) in enumerate(head[1:], start=1):
            if detect_kind(cells) is not None:
                start = i
                break
    header_row, header = head[start]
    width = len(header)
    out: list[Row] = []
    for number, cells in [*head[start + 1:], *it]:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        out.append(Row(number, cells))
    return Table(header=header, rows=out, header_row=header_row, **meta)


# ---- workbooks ----------------------------------------------------------------------------------


def _read_zip(data: bytes, name: str) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        first = data[30:30 + int.from_bytes(data[26:28], "little")] if len(data) > 30 else b""
        if name.endswith((".xlsx", ".xlsm")) or first.startswith((b"[Content_Types].xml", b"xl/", b"_rels/",
                                                                   b"docProps/")):
            raise DamagedSpreadsheet(DAMAGED) from None
        raise NotATable(LOOKS_LIKE, format="ZIP") from None
    with archive:
        if "xl/workbook.xml" not in names:
            if "xl/workbook.bin" in names:
                raise UnsupportedSpreadsheet(SAVE_AS, format="Excel Binary (.xlsb)")
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mimetype:
                    raise UnsupportedSpreadsheet(SAVE_AS, format="OpenDocument (.ods)")
                if b"opendocument.text" in mimetype:
                    raise NotATable(LOOKS_LIKE, format="OpenDocument text (.odt)")
            if any(n.startswith("word/") for n in names):
                raise NotATable(LOOKS_LIKE, format="Word (.docx)")
            if any(n.startswith("ppt/") for n in names):
                raise NotATable(LOOKS_LIKE, format="PowerPoint (.pptx)")
            if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
                raise UnsupportedSpreadsheet(SAVE_AS, format="Apple Numbers")
            if "[Content_Types].xml" in names or name.endswith((".xlsx", ".xlsm")):
                raise DamagedSpreadsheet(DAMAGED)
            raise NotATable(LOOKS_LIKE, format="ZIP")
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise FileTooLarge(UNPACKS_TOO_LARGE, limit=MAX_UNPACKED_BYTES // _MB)
    try:
        return _read_workbook(data)
    except FileUnreadable:
        raise
    except Exception:  # openpyxl raises anything from KeyError to zlib.error on a damaged part
        raise DamagedSpreadsheet(DAMAGED) from None


def _read_workbook(data: bytes) -> Table:
    """The sheet to read, chosen as the module says; read from its XML, or by openpyxl for odd files."""
    from domain.files.workbook import Damaged, Unsupported, Workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = Workbook(archive)
            sheets = [s for s in book.sheets if s.visible]
            fallback = None
            for sheet in sheets:
                rows = book.rows(sheet)
                head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
                if not head:
                    continue
                fallback = fallback or sheet
                if any(detect_kind(cells) is not None for _n, cells in head):
                    return _table(itertools.chain(head, rows), kind="xlsx", sheet=sheet.name,
                                  sheets=[s.name for s in sheets])
                rows.close()
            if fallback is None:
                raise FileEmpty(EMPTY)
            return _table(book.rows(fallback), kind="xlsx", sheet=fallback.name, sheets=[s.name for s in sheets])
    except Unsupported:
        return _read_workbook_openpyxl(data)
    except Damaged:
        raise DamagedSpreadsheet(DAMAGED) from None


def _read_workbook_openpyxl(data: bytes) -> Table:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        titles = [str(ws.title) for ws in sheets]
        chosen = None
        fallback = None
        for ws in sheets:
            head = list(_sheet_rows(ws, limit=HEADER_SCAN_ROWS))
            if not head:
                continue
            fallback = fallback or ws
            if any(detect_kind(cells) is not None for _n, cells in head):
                chosen = ws
                break
        ws = chosen or fallback
        if ws is None:
            raise FileEmpty(EMPTY)
        return _table(_sheet_rows(ws), kind="xlsx", sheet=str(ws.title), sheets=titles)
    finally:
        workbook.close()


def _sheet_rows(ws: Any, limit: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows of a read-only worksheet with their sheet row numbers."""
    ws.reset_dimensions()  # do not trust the stored dimension: some programs write a wrong one
    found = 0
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not values:
            continue
        cells = _trim([cell_text(v) for v in values])
        if cells:
            yield number, cells
            found += 1
            if limit is not None and found >= limit:
                return


def cell_text(value: object) -> str:
    """A cell value as the text a teacher typed: ``4``, ``4.5``, ``2026-11-16``, ``TRUE``, ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format_number(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        hours, rest = divmod(abs(seconds), 3600)
        return f"{sign}{hours}:{rest // 60:02d}" + (f":{rest % 60:02d}" if rest % 60 else "")
    return str(value)


def format_number(value: float | Decimal) -> str:
    """A number as Excel shows it in a General cell, without exponent: 15 significant digits at most."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = format(Decimal(format(value, ".15g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


__all__ = [
    "MAX_FILE_BYTES",
    "BrokenQuotes",
    "DamagedSpreadsheet",
    "FileEmpty",
    "FileTooLarge",
    "FileUnreadable",
    "NotATable",
    "OldExcelFile",
    "ProtectedSpreadsheet",
    "Row",
    "Table",
    "UndecodableText",
    "UnsupportedSpreadsheet",
    "cell_text",
    "format_number",
    "read_table",
]
