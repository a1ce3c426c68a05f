"""Reading the cells of an Excel workbook (``.xlsx``/``.xlsm``) straight from its sheet XML, fast.

A workbook is a zip of XML parts. :class:`Workbook` reads the small ones whole (the workbook's list
of sheets, the relationships naming each sheet's part, the shared strings, the cell styles) and
streams a sheet's part in blocks of whole ``<row>`` elements, taking each row's cells apart with a
few regular expressions instead of building an element per cell: a 5,000 × 40 marks sheet reads in
a fraction of the time openpyxl takes. Sheet XML is machine-written and its cell grammar is small
(``<c r= s= t=>`` holding ``<f>``, ``<v>`` or ``<is>``): one pattern reads the usual cell, a few
more read formulas, rich text and character references, and a cell holding a comment or CDATA is
handed to ElementTree. Every block is checked to have as many cells read as it has ``<c`` tags, so
XML the patterns do not follow is never half-read: such a sheet goes to openpyxl.

Values come out as the text the teacher typed, exactly as ``openpyxl`` in read-only, data-only mode
gives them to :func:`domain.files.table.cell_text`: shared and inline strings (formatting runs
joined, phonetic guides left out), numbers as Excel's General format shows them, ``TRUE``/``FALSE``,
error values as their text (``#N/A``), a formula's cached result (blank when none was saved), and
numbers in a date or time style as ``YYYY-MM-DD`` / ``HH:MM`` (1900 and 1904 date systems). Columns
come from each cell's ``r`` reference (the next column when it is missing), rows from the row's
``r``; text is trimmed and trailing empty cells dropped, and blank rows are not yielded.

:class:`Unsupported` means the quick reader declines a file (sheet XML in an encoding other than
UTF-8); the caller then reads it with openpyxl. Any other error is a damaged file: a sheet part cut
short, a cell pointing at a shared string that does not exist, a document type declaration (Excel
never writes one, and its entities are how XML bombs are built).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Generator
from dataclasses import dataclass
from typing import IO

from domain.files.table import cell_text, format_number

_BLOCK = 1 << 20  # bytes of sheet XML decoded and scanned at a time
_INVISIBLE = "\u200b\ufeff"
_MAX_COLUMNS = 16384  # XFD, Excel's last column

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c)
# Tags in sheet blocks have no prefix (a prefixed sheet's own prefix is taken off first).
_ROW = re.compile(r"<row(\s[^>]*?)?(?:/>|>(.*?)</row\s*>)", re.S)
_CELL = re.compile(r"<c(?:\s+r=\"([A-Z]+)\d*\")?(\s[^>]*?)?(?:/>|>(.*?)</c\s*>)", re.S)
_QUICK_CELL = re.compile(
    r'<c(?=[\s/>])(?: r="([A-Z]{1,3})([0-9]+)")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?([^>]*?)'
    r"(?:/>|>(?:<v>([^<]*)</v>)?</c>|><is><t(?: xml:space=\"preserve\")?>([^<]*)</t></is></c>|>(.*?)</c\s*>)",
    re.S,
)
_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHARED = re.compile(r'<si>(?:<t(?: xml:space="preserve")?>([^<]*)</t>|(.*?))</si>|<si/>', re.S)
_VALUE = re.compile(r"<v(?:\s[^>]*)?(?:/>|>([^<]*)</v\s*>)")
_TEXT = re.compile(r"<t(?:\s[^>]*)?(?:/>|>([^<]*)</t\s*>)")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh\s*>", re.S)
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PREFIXED_CLOSE = re.compile(rb"</[A-Za-z_][\w.-]*:")
_ROOT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:worksheet|dialogsheet|macrosheet)[\s>/][^>]*>")
_ROOT = re.compile(rf"<({_P}worksheet|{_P}dialogsheet|{_P}macrosheet)[\s>/]")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}

# number formats (openpyxl.styles.numbers): which styles make a number a date, a time or a duration
_BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
    12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)", 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
_FORMAT_LITERALS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_DURATION = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
_WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
_MAC_EPOCH = dt.datetime(1904, 1, 1)

_REL_SHEET = ("/worksheet", "/dialogsheet", "/xlMacrosheet")


class Unsupported(Exception):
    """The quick reader does not read this workbook; read it with openpyxl instead."""


class Damaged(Exception):
    """The workbook's XML is cut short or inconsistent."""


@dataclass(frozen=True)
class SheetPart:
    name: str
    path: str
    visible: bool


def is_date_format(code: str | None) -> bool:
    """openpyxl's rule: the first section of the format has a date/time letter outside quotes and brackets."""
    if code is None:
        return False
    code = _FORMAT_LITERALS.sub("", code.split(";")[0])
    return _DATE_LETTER.search(code) is not None


def is_duration_format(code: str | None) -> bool:
    return code is not None and _DURATION.search(code.split(";")[0]) is not None


def from_excel(value: float, epoch: dt.datetime, duration: bool = False) -> dt.datetime | dt.time | dt.timedelta:
    """A serial date as openpyxl converts it: a time below 1, 1900's leap-year bug kept, milliseconds rounded."""
    if duration:
        delta = dt.timedelta(days=value)
        if delta.microseconds:
            delta = dt.timedelta(seconds=delta.total_seconds() // 1, microseconds=round(delta.microseconds, -3))
        return delta
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        seconds = diff.seconds
        hours, rest = divmod(seconds, 3600)
        return dt.time(hours, rest // 60, rest % 60, diff.microseconds)
    if 0 < value < 60 and epoch == _WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff


def _clean(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    return chr(code)


def _unescape(text: str) -> str:
    """XML character references, then Excel's ``_xHHHH_`` escapes (``_x000D_`` is a carriage return)."""
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "_x" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, in any namespace (``r:id`` in transitional or strict OOXML)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _parse(data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise Damaged("a document type declaration")
    return ET.fromstring(data)  # noqa: S314 - no DTD (refused above); expat bounds entity expansion


def _rich_text(element: ET.Element) -> str:
    """The text of an ``<si>`` or ``<is>``: its ``<t>`` and its runs' ``<t>``, without phonetic guides."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


class Workbook:
    """An opened workbook: its worksheets in order, shared strings, styles and date system."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        root = _parse(archive.read("xl/workbook.xml"))
        rels = self._rels("xl/workbook.xml")
        self.epoch = _WINDOWS_EPOCH
        self.sheets: list[SheetPart] = []
        for element in root.iter():
            name = _local(element.tag)
            if name == "workbookPr" and (element.get("date1904") or "").lower() in ("1", "true"):
                self.epoch = _MAC_EPOCH
            elif name == "sheet":
                rel = rels.get(_attr(element, "id") or "")
                if rel is None or not rel[0].endswith(_REL_SHEET) or rel[1] not in self.names:
                    continue  # a chart sheet, or a sheet whose part is missing: openpyxl skips both
                state = element.get("state") or "visible"
                self.sheets.append(SheetPart(element.get("name") or "", rel[1], state == "visible"))
        strings_path = next((p for t, p in rels.values() if t.endswith("/sharedStrings")), None)
        strings_path = strings_path or self._content_type("sharedStrings+xml") or "xl/sharedStrings.xml"
        styles_path = next((p for t, p in rels.values() if t.endswith("/styles")), "xl/styles.xml")
        self.strings = self._shared_strings(strings_path)
        self.date_styles, self.duration_styles = self._styles(styles_path)

    def _content_type(self, suffix: str) -> str | None:
        """The part the package's content types declare with a type ending in ``suffix`` (as openpyxl finds it)."""
        if "[Content_Types].xml" not in self.names:
            return None
        for element in _parse(self.archive.read("[Content_Types].xml")).iter():
            if _local(element.tag) == "Override" and (element.get("ContentType") or "").endswith(suffix):
                return (element.get("PartName") or "").lstrip("/") or None
        return None

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part path) for ``part``."""
        folder, name = posixpath.split(part)
        path = posixpath.join(folder, "_rels", name + ".rels")
        if path not in self.names:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for element in _parse(self.archive.read(path)).iter():
            if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
                continue
            target = element.get("Target") or ""
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[element.get("Id") or ""] = (element.get("Type") or "", full)
        return out

    def _shared_strings(self, path: str) -> list[str]:
        if path not in self.names:
            return []
        data = self.archive.read(path)
        quick = _quick_strings(data)
        if quick is not None:
            return quick
        strings: list[str] = []
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
            raise Damaged("a document type declaration")
        for _event, element in ET.iterparse(io.BytesIO(data)):  # noqa: S314 - as _parse
            if _local(element.tag) == "si":
                strings.append(_clean(_unescape_escapes(_rich_text(element))))
                element.clear()
        return strings

    def _styles(self, path: str) -> tuple[frozenset[int], frozenset[int]]:
        if path not in self.names:
            return frozenset(), frozenset()
        root = _parse(self.archive.read(path))
        custom: dict[int, str] = {}
        xfs: list[int] = []
        for element in root:
            name = _local(element.tag)
            if name == "numFmts":
                for fmt in element:
                    if fmt.get("numFmtId", "").isdigit():
                        custom[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode") or ""
            elif name == "cellXfs":
                for xf in element:
                    typed = xf.get("numFmtId") or "0"
                    xfs.append(int(typed) if typed.isdigit() else 0)
        dates: set[int] = set()
        durations: set[int] = set()
        for index, number in enumerate(xfs):
            code = custom[number] if number in custom else _BUILTIN_FORMATS.get(number)
            if is_date_format(code):
                dates.add(index)
            if is_duration_format(code):
                durations.add(index)
        return frozenset(dates), frozenset(durations)

    def rows(self, sheet: SheetPart) -> Generator[tuple[int, list[str]], None, None]:
        """The sheet's non-blank rows: (sheet row number, trimmed cells without trailing blanks)."""
        with self.archive.open(sheet.path) as source:
            yield from _SheetReader(self).read(source)


class _SheetReader:
    """One pass over one sheet part.

    Each block of whole rows is read the quick way: one pattern finds every cell with its ``r``
    reference, style, type and plain ``<v>``, and a row ends where the row number in the references
    changes. A block with a cell that has no ``r`` (some generators leave it out) is read row by row
    instead, numbering rows by their own ``r`` and cells by their position.
    """

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.strings = book.strings
        self.dates = {str(i) for i in book.date_styles}
        self.numbers: dict[str, str] = {}  # "4.5" → "4.5", "4.4999999999" → "4.5"
        self.dated: dict[tuple[str, str], str] = {}
        self.extras: dict[str, tuple[str, str, str]] = {}  # ' t="s" s="1"' → (style, type, reference)
        self.columns: dict[str, int] = {}  # "AB" → 27
        self.namespaces = ""
        self.prefix = ""

    def read(self, source: IO[bytes]) -> Generator[tuple[int, list[str]], None, None]:
        carry = b""
        first = True
        last = 0
        ended = False
        while True:
            chunk = source.read(_BLOCK)
            data = carry + chunk
            if first:
                if chunk and len(data) < 1 << 16 and not _ROOT_TAG.search(data):
                    carry = data  # not yet the whole start tag of the root element
                    continue
                first = False
                self._check_start(data)
            if chunk:
                cut = _last_row_end(data)
                if cut < 0:
                    carry = data
                    continue
                block, carry = data[:cut], data[cut:]
            else:
                block, carry = data, b""
            text = block.decode("utf-8")
            if self.prefix:
                text = text.replace("<" + self.prefix, "<").replace("</" + self.prefix, "</")
            rows = self._quick(text, last)
            if rows is None:
                rows = self._by_row(text, last)
            if rows:
                last = rows[-1][0]
            for number, cells in rows:
                if cells:
                    yield number, cells
            if not ended:
                ended = "</sheetData" in text or "<sheetData/>" in text or "<sheetData />" in text
            if not chunk:
                break
        if not ended:
            raise Damaged("the sheet ends before its data does")

    def _check_start(self, data: bytes) -> None:
        head = data[:8192]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
            raise Unsupported("sheet XML in UTF-16")
        declaration = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([\w.-]+)", head)
        if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8"):
            raise Unsupported("sheet XML in " + declaration.group(1).decode("ascii", "replace"))
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise Damaged("a document type declaration")
        text = head.decode("utf-8", "replace")
        root = _ROOT.search(text)
        if root is None:
            raise Damaged("not a worksheet")
        self.prefix = root.group(1).partition(":")[0] + ":" if ":" in root.group(1) else ""
        close = text.find(">", root.start())
        start = text[root.start():close if close > 0 else len(text)]
        # declared again around a cell read with ElementTree (the default one is the main namespace)
        self.namespaces = " ".join(m.group(0) for m in re.finditer(r"xmlns:[\w.-]+=\"[^\"]*\"", start))

    def _quick(self, text: str, last: int) -> list[tuple[int, list[str]]] | None:
        """The block's rows by the cells' references, or None when a cell has none."""
        out: list[tuple[int, list[str]]] = []
        cells: list[str] = []
        current = ""
        skip = True
        columns = self.columns
        numbers = self.numbers
        dates = self.dates
        strings = self.strings
        found = _QUICK_CELL.findall(text)
        if not _starts(text, "<c", len(found)):
            raise Unsupported("a cell the patterns do not take apart")  # malformed, or XML they do not know
        for letters, digits, style, kind, extra, plain, inline, inner in found:
            if extra and extra.strip():
                style, kind, ref = self._extra(extra, style, kind)
                if not letters:
                    if not ref:
                        return None
                    letters = ref.rstrip("0123456789")
                    digits = ref[len(letters):]
            elif not letters:
                return None
            if digits != current:
                current = digits
                number = int(digits) if digits.isdigit() else 0
                skip = number <= last  # a row out of order or given twice: openpyxl skips it too
                if skip:
                    continue
                last = number
                cells = []
                out.append((number, cells))
            elif skip:
                continue
            if plain and kind != "inlineStr":
                if not kind or kind == "n":
                    if style and style in dates:
                        value = self._date(plain, style)
                    else:
                        value = numbers.get(plain) or self._number(plain)
                elif kind == "s":
                    value = strings[int(plain)]
                else:
                    value = self._typed(kind, style, plain)
            elif inline:
                value = _clean(_unescape(inline)) if kind == "inlineStr" else ""
            elif inner:
                value = self._complex(kind, style, inner)
            else:
                continue
            if not value:
                continue
            column = columns.get(letters)
            if column is None:
                column = self._column(letters)
            width = len(cells)
            if column == width:
                cells.append(value)
            elif column > width:
                cells.extend([""] * (column - width))
                cells.append(value)
            else:
                cells[column] = value  # a cell given twice: the later one wins, as in openpyxl
        return out

    def _by_row(self, text: str, last: int) -> list[tuple[int, list[str]]]:
        """The block's rows numbered by their ``r`` (or counted), cells by ``r`` or position."""
        out: list[tuple[int, list[str]]] = []
        found = _ROW.findall(text)
        if not _starts(text, "<row", len(found)):
            raise Unsupported("a row the patterns do not take apart")
        for attrs, content in found:
            number = self._row_number(attrs, last)
            if number <= last:
                continue
            last = number
            out.append((number, self._row_cells(content) if content else []))
        return out

    def _row_cells(self, content: str) -> list[str]:
        cells: list[str] = []
        column = -1
        found = _CELL.findall(content)
        if not _starts(content, "<c", len(found)):
            raise Unsupported("a cell the patterns do not take apart")
        for ref, attrs, inner in found:
            style, kind = "", ""
            if attrs and attrs.strip():
                style, kind, full = self._extra(attrs, "", "")
                ref = ref or full.rstrip("0123456789")
            if ref:
                known = self.columns.get(ref)
                column = known if known is not None else self._column(ref)
            else:
                column += 1
            value = self._complex(kind, style, inner) if inner else ""
            if not value:
                continue
            width = len(cells)
            if column == width:
                cells.append(value)
            elif column > width:
                cells.extend([""] * (column - width))
                cells.append(value)
            else:
                cells[column] = value
        return cells

    @staticmethod
    def _row_number(attrs: str | None, previous: int) -> int:
        if attrs:
            for name, double, single in _ATTR.findall(attrs):
                if name == "r":
                    value = double or single
                    if value.isdigit():
                        return int(value)
                    number = float(value)
                    if not number.is_integer():
                        raise Damaged(f"row number {value}")
                    return int(number)
        return previous + 1

    def _extra(self, attrs: str, style: str, kind: str) -> tuple[str, str, str]:
        """Style, type and reference from attributes the quick pattern did not take."""
        found = self.extras.get(attrs)
        if found is None:
            got = {name: double or single for name, double, single in _ATTR.findall(attrs)}
            found = (got.get("s", ""), got.get("t", ""), got.get("r", "").upper())
            if len(self.extras) < 10000:
                self.extras[attrs] = found
        return found[0] or style, found[1] or kind, found[2]

    def _column(self, letters: str) -> int:
        index = 0
        for ch in letters.upper():
            if not "A" <= ch <= "Z":
                raise Damaged(f"column {letters}")
            index = index * 26 + ord(ch) - 64
        if not 1 <= index <= _MAX_COLUMNS:
            raise Damaged(f"column {letters}")
        self.columns[letters] = index - 1
        return index - 1

    def _complex(self, kind: str, style: str, inner: str) -> str:
        """A cell whose content is more than a plain ``<v>``: a formula, an inline string, a comment."""
        if kind == "inlineStr":
            return self._inline(inner)
        raw = self._value(inner)
        if not raw:
            return ""
        if not kind or kind == "n":
            return self._date(raw, style) if style in self.dates else self._number(raw)
        if kind == "s":
            return self.strings[int(raw)]
        return self._typed(kind, style, raw)

    def _typed(self, kind: str, style: str, raw: str) -> str:
        if kind == "b":
            return "FALSE" if raw.strip() in ("0", "false") else "TRUE"
        if kind == "d":
            return _iso_date(_unescape(raw))
        return _clean(_unescape(raw))  # str (a formula's text), e (an error value), anything else: the text

    def _number(self, raw: str) -> str:
        text = raw.strip()
        try:
            value = format_number(float(text)) if "." in text or "E" in text or "e" in text else str(int(text))
        except ValueError:
            value = _clean(_unescape(raw))
        if len(self.numbers) < 50000:
            self.numbers[raw] = value
        return value

    def _date(self, raw: str, style: str) -> str:
        key = (raw, style)
        found = self.dated.get(key)
        if found is not None:
            return found
        try:
            number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            value = cell_text(from_excel(number, self.book.epoch, int(style) in self.book.duration_styles))
        except (OverflowError, ValueError):
            value = "#VALUE!"  # openpyxl's reading of a date style on a number no date can have
        if len(self.dated) < 50000:
            self.dated[key] = value
        return value

    def _inline(self, inner: str) -> str:
        if "<!" in inner:
            element = self._element(inner)
            found = next((e for e in element.iter() if _local(e.tag) == "is"), None)
            return "" if found is None else _clean(_unescape_escapes(_rich_text(found)))
        return _text_of(inner)

    def _value(self, inner: str) -> str | None:
        """The text of a cell's ``<v>`` among its other children (``<f>``), entities left escaped."""
        if "<!" in inner:  # a comment or CDATA: let the XML parser read it
            element = self._element(inner)
            found = next((e for e in element.iter() if _local(e.tag) == "v"), None)
            return None if found is None or not found.text else _escape_amp(found.text)
        match = _VALUE.search(inner)
        return match.group(1) if match else None

    def _element(self, inner: str) -> ET.Element:
        return ET.fromstring(f'<cell xmlns="{_MAIN}" {self.namespaces}>{inner}</cell>')  # noqa: S314 - as _parse


def _escape_amp(text: str) -> str:
    """Text already unescaped by the XML parser, made safe for :func:`_unescape` again."""
    return text.replace("&", "&amp;")


def _unescape_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _iso_date(text: str) -> str:
    """A ``t="d"`` cell (an ISO 8601 date, time or both) as :func:`cell_text` shows it."""
    value = text.strip().removesuffix("Z")
    parsed: dt.date | dt.datetime | dt.time
    try:
        parsed = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.time.fromisoformat(value)
        except ValueError:
            return value
    return cell_text(parsed)


def _text_of(inner: str) -> str:
    """The text of an ``<is>`` or ``<si>`` body in raw XML: every ``<t>`` outside phonetic guides."""
    body = _PHONETIC.sub("", inner) if "rPh" in inner else inner
    return _clean(_unescape("".join(m.group(1) or "" for m in _TEXT.finditer(body))))


def _quick_strings(data: bytes) -> list[str] | None:
    """The shared strings read with patterns, or None when the part needs the XML parser."""
    head = data[:4096]
    declaration = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([\w.-]+)", head)
    if (declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8")) or b"<!" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    root = re.search(r"<([A-Za-z_][\w.-]*:)?sst[\s>/]", text)
    if root is None:
        return None
    if root.group(1):
        text = text.replace("<" + root.group(1), "<").replace("</" + root.group(1), "</")
    found = _SHARED.findall(text)
    if len(found) != text.count("<si>") + text.count("<si/>"):
        return None
    return [_clean(_unescape(plain)) if not inner else _text_of(inner) for plain, inner in found]


def _starts(text: str, tag: str, found: int) -> bool:
    """True when the text has ``found`` start (or empty) tags named ``tag`` (``<c ``, ``<c>``, ``<c/>``…)."""
    if text.count(tag) == found:  # no other tag begins so (<col, <cfRule…): the usual case, one scan
        return True
    return sum(text.count(tag + after) for after in (" ", ">", "/", "\n", "\t", "\r")) == found


def _last_row_end(data: bytes) -> int:
    """Where the last complete ``</row>`` (or ``</x:row>``) in ``data`` ends, or -1."""
    end = len(data)
    while True:
        cut = data.rfind(b"row>", 0, end)
        if cut < 0:
            return -1
        start = data.rfind(b"<", 0, cut)
        tag = data[start:cut]
        if tag == b"</" or _PREFIXED_CLOSE.fullmatch(tag):
            return cut + 4
        end = cut
