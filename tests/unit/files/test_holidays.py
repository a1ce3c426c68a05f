"""The holidays file's rules: columns, every way a date is written, names, repeated days, the window of dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.files.detect import detect_kind
from domain.files.holidays import (
    FUTURE_YEARS,
    NAME_MAX,
    PAST_YEARS,
    HolidayRow,
    HolidaysFile,
    parse_holidays,
    read_date,
    show_date,
)
from domain.files.problems import FileProblems
from domain.files.table import read_table
from tests.unit.files.helpers import workbook

EXAMPLE = Path("/work/shared/data/examples/holidays.csv")
TODAY = dt.date(2026, 11, 22)
HEAD = "DATE,NAME\n"
D = dt.date


def parse(text: str | bytes, today: dt.date = TODAY) -> HolidaysFile:
    return parse_holidays(read_table(text.encode() if isinstance(text, str) else text), today=today)


def rows(text: str | bytes, today: dt.date = TODAY) -> list[tuple[int, dt.date, str]]:
    return [(h.row, h.day, h.name) for h in parse(text, today).rows]


def problems(text: str | bytes, today: dt.date = TODAY) -> list[tuple[Any, ...]]:
    with pytest.raises(FileProblems) as info:
        parse(text, today)
    assert all("{" not in p.text() for p in info.value.problems)
    return [(p.row, p.column, p.value, p.text()) for p in info.value.problems]


# ---- the example and recognition ----------------------------------------------------------------


def test_the_example_file() -> None:
    data = EXAMPLE.read_bytes()
    table = read_table(data, EXAMPLE.name)
    assert detect_kind(table.header) == "holidays"
    parsed = parse_holidays(table, today=TODAY)
    assert parsed == HolidaysFile((HolidayRow(2, D(2026, 11, 24), "Guru Nanak Jayanti"),
                                   HolidayRow(3, D(2026, 12, 25), "Christmas")))
    assert (parsed.ignored_columns, parsed.repeated) == ((), ())


@pytest.mark.parametrize("header", [
    ["DATE", "NAME"], ["Date", "Holiday"], ["Holiday Date", "Holiday Name"], ["Sl. No.", "Date", "Occasion", "Day"],
    ["Date of the Holiday", "Name of the Festival"], ["date", "festival"], ["Date (dd/mm/yyyy)", "Description"],
    ["DATES", "HOLIDAYS"], ["Date", "Name of Occasion", "Remarks"],
])
def test_holiday_headers_are_recognised(header: list[str]) -> None:
    assert detect_kind(header) == "holidays"


@pytest.mark.parametrize(("header", "kind"), [
    (["USN", "DATE", "NAME"], "roster"),  # a USN makes it a student file
    (["USN", "DATE", "STATUS"], "attendance"),
    (["Day", "Name"], None),  # DAY is the weekday, never the date
    (["Date", "Particulars"], None),  # read as a holidays file, but not enough to say that a file is one
    (["Date"], None),
])
def test_other_headers_are_not_holidays(header: list[str], kind: str | None) -> None:
    assert detect_kind(header) == kind


def test_aliases_title_rows_and_ignored_columns() -> None:
    text = ("List of holidays 2026-27\n\nSl. No.,Name of the Festival,Holiday Date,Day,Remarks\n"
            "1,Guru Nanak Jayanti,24/11/2026,Tuesday,Gazetted\n2,Christmas,25/12/2026,Friday,\n")
    table = read_table(text.encode())
    assert (detect_kind(table.header), table.header_row) == ("holidays", 3)
    parsed = parse_holidays(table, today=TODAY)
    assert [(h.row, h.day, h.name) for h in parsed.rows] == [(4, D(2026, 11, 24), "Guru Nanak Jayanti"),
                                                             (5, D(2026, 12, 25), "Christmas")]
    assert parsed.ignored_columns == ("Sl. No.", "Day", "Remarks")


def test_particulars_and_the_best_name_column() -> None:
    assert rows("Date,Particulars\n24/11/2026,Guru Nanak Jayanti\n") == [(2, D(2026, 11, 24), "Guru Nanak Jayanti")]
    parsed = parse("Date,Description,Occasion\n24/11/2026,Gazetted holiday,Guru Nanak Jayanti\n")
    assert [h.name for h in parsed.rows] == ["Guru Nanak Jayanti"]  # OCCASION ranks above DESCRIPTION
    assert parsed.ignored_columns == ("Description",)


def test_missing_and_repeated_columns() -> None:
    assert problems("Day,Name\nTuesday,Guru Nanak Jayanti\n") == [
        (None, "DATE", None, "The column DATE is missing; the header row needs DATE, NAME.")]
    assert problems("DATE,Remarks\n24/11/2026,x\n") == [
        (None, "NAME", None, "The column NAME is missing; the header row needs DATE, NAME.")]
    assert problems("DATE,NAME,Date\n24/11/2026,Christmas,25/12/2026\n") == [
        (1, "DATE", "DATE", "The column DATE appears more than once (columns A, C); keep only one of them.")]


# ---- dates --------------------------------------------------------------------------------------

NOV_24 = D(2026, 11, 24)


@pytest.mark.parametrize(("typed", "day"), [
    ("2026-11-24", NOV_24), ("2026/11/24", NOV_24), ("2026.11.24", NOV_24), ("2026-11-24 00:00", NOV_24),
    ("2026-11-24 10:30:15", NOV_24), ("2026-11-24T00:00:00", NOV_24),
    ("24/11/2026", NOV_24), ("24-11-2026", NOV_24), ("24.11.2026", NOV_24), ("24/11/26", NOV_24),
    ("24 / 11 / 2026", NOV_24), ("24/11/2026 00:00", NOV_24), ("2/3/2027", D(2027, 3, 2)),
    ("03/04/2027", D(2027, 4, 3)),
    ("24 Nov 2026", NOV_24), ("24-Nov-2026", NOV_24), ("24-Nov-26", NOV_24), ("24 nov. 2026", NOV_24),
    ("24 November 2026", NOV_24), ("24th November, 2026", NOV_24), ("November 24, 2026", NOV_24),
    ("Nov 24 2026", NOV_24), ("Nov. 24th, 2026", NOV_24), ("1st Jan 2027", D(2027, 1, 1)),
    ("2nd Sept 2027", D(2027, 9, 2)),
    ("22nd Mar 2027", D(2027, 3, 22)), ("24 नवंबर 2026", NOV_24), ("२४/११/२०२६", NOV_24), ("２４/１１/２０２６", NOV_24),
    ("46350", NOV_24), ("46350.75", NOV_24), ("45658", D(2025, 1, 1)),
    ("Tuesday, 24 November 2026", NOV_24), ("Tue 24/11/2026", NOV_24), ("24/11/2026 (Tue)", NOV_24),
    ("24-Nov-2026, Tuesday", NOV_24), ("मंगलवार, 24/11/2026", NOV_24), ("29/02/2028", D(2028, 2, 29)),
])
def test_dates(typed: str, day: dt.date) -> None:
    assert read_date(typed) == (day, None, {})


@pytest.mark.parametrize(("typed", "says"), [
    ("", "The date is empty; write it as day/month/year, such as 24/11/2026."),
    ("11/24/2026", "11/24/2026 is not a date as day/month/year: there is no month 24. Write the day first: "
                   "24/11/2026."),
    ("12-13-26", "12-13-26 is not a date as day/month/year: there is no month 13. Write the day first: 13-12-26."),
    ("24/13/2026", "24/13/2026 is not a date: there is no month 13; write it as day/month/year, such as 24/11/2026."),
    ("02/30/2026", "02/30/2026 is not a date: there is no month 30; write it as day/month/year, such as 24/11/2026."),
    ("2026-13-01", "2026-13-01 is not a date: there is no month 13; write it as day/month/year, such as 24/11/2026."),
    ("31/02/2026", "31/02/2026 is not a date: month 2 of 2026 has 28 days."),
    ("29/02/2027", "29/02/2027 is not a date: month 2 of 2027 has 28 days."),
    ("31 Apr 2027", "31 Apr 2027 is not a date: month 4 of 2027 has 30 days."),
    ("32/01/2027", "32/01/2027 is not a date: month 1 of 2027 has 31 days."),
    ("24/11", "24/11 has no year; write the whole date as day/month/year, such as 24/11/2026."),
    ("24 Nov", "24 Nov has no year; write the whole date as day/month/year, such as 24/11/2026."),
    ("November 24", "November 24 has no year; write the whole date as day/month/year, such as 24/11/2026."),
    ("20/10/2026 to 24/10/2026", "20/10/2026 to 24/10/2026 is a range of days; write each day of it in its own row."),
    ("20/10/2026 - 24/10/2026", "20/10/2026 - 24/10/2026 is a range of days; write each day of it in its own row."),
    ("20–24 Oct 2026", "20–24 Oct 2026 is a range of days; write each day of it in its own row."),
    ("Monday, 24 November 2026", "Monday, 24 November 2026 does not add up: 24/11/2026 is not a Monday; correct the "
                                 "date or the day."),
    ("24/11/2026 (wed)", "24/11/2026 (wed) does not add up: 24/11/2026 is not a wed; correct the date or the day."),
    ("Christmas", "Christmas is not a date; write it as day/month/year, such as 24/11/2026, or as 2026-11-24."),
    ("Diwali - 24/10/2026", "Diwali - 24/10/2026 is not a date; write it as day/month/year, such as 24/11/2026, or as "
                            "2026-11-24."),
    ("2026", "2026 is not a date"), ("24112026", "24112026 is not a date"), ("24 11 2026", "24 11 2026 is not a date"),
    ("0/11/2026", "0/11/2026 is not a date"), ("24/11/026", "24/11/026 is not a date"),
    ("24 Novem 2026", "24 Novem 2026 is not a date"), ("=DATE(2026,11,24)", "=DATE(2026,11,24) is not a date"),
    ("24/11/2026/1", "24/11/2026/1 is not a date"),
])
def test_dates_refused(typed: str, says: str) -> None:
    day, message, params = read_date(typed)
    assert day is None and message is not None
    assert says in message.format(**params)


def test_a_bad_date_is_told_with_its_row_column_and_value() -> None:
    text = ("Sl No,Holiday Date,Occasion\n1,11/24/2026,Guru Nanak Jayanti\n2,31/02/2027,Maha Shivaratri\n"
            "3,,Christmas\n4,Holi,\n")
    assert problems(text) == [
        (2, "Holiday Date", "11/24/2026", "11/24/2026 is not a date as day/month/year: there is no month 24. Write the "
                                          "day first: 24/11/2026."),
        (3, "Holiday Date", "31/02/2027", "31/02/2027 is not a date: month 2 of 2027 has 28 days."),
        (4, "Holiday Date", "", "The date of Christmas is empty; write it as day/month/year, such as 24/11/2026."),
        (5, "Holiday Date", "Holi", "Holi is not a date; write it as day/month/year, such as 24/11/2026, or as "
                                    "2026-11-24."),
        (5, "Occasion", "", "The name of the holiday is empty."),
    ]


def test_the_window_of_dates() -> None:
    assert (PAST_YEARS, FUTURE_YEARS) == (1, 5)
    ok = HEAD + "22/11/2025,A year ago today\n22/11/2031,Five years ahead\n"
    assert [day for _row, day, _name in rows(ok)] == [D(2025, 11, 22), D(2031, 11, 22)]
    assert problems(HEAD + "21/11/2025,Too old\n23/11/2031,Too far\n24/11/2062,Typo\n") == [
        (2, "DATE", "21/11/2025", "21/11/2025 is more than a year in the past; check the year (the earliest date "
                                  "accepted is 22/11/2025)."),
        (3, "DATE", "23/11/2031", "23/11/2031 is more than 5 years ahead; check the year (the latest date accepted is "
                                  "22/11/2031)."),
        (4, "DATE", "24/11/2062", "24/11/2062 is more than 5 years ahead; check the year (the latest date accepted is "
                                  "22/11/2031)."),
    ]


def test_the_window_from_29_february_and_from_the_servers_date() -> None:
    leap = D(2028, 2, 29)
    assert rows(HEAD + "28/02/2027,First\n28/02/2033,Last\n", today=leap) == [
        (2, D(2027, 2, 28), "First"), (3, D(2033, 2, 28), "Last")]
    assert [p[0] for p in problems(HEAD + "27/02/2027,Before\n01/03/2033,After\n", today=leap)] == [2, 3]
    table = read_table(f"DATE,NAME\n{dt.date.today().isoformat()},Today\n".encode())
    assert [h.day for h in parse_holidays(table).rows] == [dt.date.today()]


def test_a_date_cell_holds_a_time_serial_or_text_in_a_workbook() -> None:
    sheet = workbook({1: ["Holidays 2026-27"], 3: ["Sl No", "Date", "Occasion", "Day"],
                      4: [1, D(2026, 11, 24), "Guru Nanak Jayanti", "Tuesday"],
                      5: [2, dt.datetime(2026, 12, 25, 0, 0), "Christmas", "Friday"],
                      6: [3, dt.datetime(2027, 1, 26, 9, 30), "Republic Day", "Tuesday"],
                      7: [4, 46447, "Holi", "Saturday"],
                      8: [5, "15/08/2027", "Independence Day", "Sunday"],
                      9: [6, "02-Oct-2027", "Gandhi Jayanti", "Saturday"]})
    table = read_table(sheet, "holidays.xlsx")
    assert (detect_kind(table.header), table.header_row) == ("holidays", 3)
    parsed = parse_holidays(table, today=TODAY)
    assert [(h.row, h.day, h.name) for h in parsed.rows] == [
        (4, D(2026, 11, 24), "Guru Nanak Jayanti"), (5, D(2026, 12, 25), "Christmas"),
        (6, D(2027, 1, 26), "Republic Day"), (7, D(2027, 3, 1), "Holi"), (8, D(2027, 8, 15), "Independence Day"),
        (9, D(2027, 10, 2), "Gandhi Jayanti")]
    assert parsed.ignored_columns == ("Sl No", "Day")


def test_show_date() -> None:
    assert show_date(D(2026, 1, 5)) == "05/01/2026"


# ---- names --------------------------------------------------------------------------------------


def test_names_are_collapsed_and_limited() -> None:
    long_name = "x" * NAME_MAX
    text = (HEAD + '24/11/2026,"  Guru   Nanak\nJayanti "\n25/12/2026,\t Christmas\t\n'
            f"26/01/2027,{long_name}\n")
    assert rows(text) == [(2, D(2026, 11, 24), "Guru Nanak Jayanti"), (3, D(2026, 12, 25), "Christmas"),
                          (4, D(2027, 1, 26), long_name)]
    spaced = "x " * NAME_MAX  # collapsing does not bring it under the limit
    assert problems(HEAD + f"24/11/2026,{long_name}x\n25/12/2026,{spaced}\n26/01/2027,\n") == [
        (2, "NAME", long_name + "x", f"The name has {NAME_MAX + 1} characters; at most {NAME_MAX} are allowed."),
        (3, "NAME", spaced.strip(), f"The name has {2 * NAME_MAX - 1} characters; at most {NAME_MAX} are allowed."),
        (4, "NAME", "", "The name of the holiday on 26/01/2027 is empty."),
    ]


def test_names_are_kept_as_typed() -> None:
    text = HEAD + '24/11/2026,=HYPERLINK("x")\n25/12/2026,<b>क्रिसमस</b> & Christmas\n'
    assert [name for _row, _day, name in rows(text)] == ['=HYPERLINK("x")', "<b>क्रिसमस</b> & Christmas"]


# ---- repeated days ------------------------------------------------------------------------------


def test_a_day_twice_with_another_name_is_a_problem_naming_both_rows() -> None:
    text = HEAD + "24/11/2026,Guru Nanak Jayanti\n25/12/2026,Christmas\n2026-11-24,Kartik Purnima\n"
    assert problems(text) == [
        (4, "DATE", "2026-11-24", "The date 2026-11-24 is also in row 2; each day may appear only once (a day with two "
                                  "occasions is one row with both names, such as “Diwali / Kali Puja”)."),
    ]


def test_a_copy_of_a_row_is_skipped_and_listed() -> None:
    text = (HEAD + "24/11/2026,Guru Nanak Jayanti\n25/12/2026,Christmas\n24-Nov-2026,guru  nanak JAYANTI\n"
            "2026-11-24,Guru Nanak Jayanti\n25.12.2026,Christmas\n")
    parsed = parse(text)
    assert [(h.row, h.day, h.name) for h in parsed.rows] == [(2, D(2026, 11, 24), "Guru Nanak Jayanti"),
                                                             (3, D(2026, 12, 25), "Christmas")]
    assert parsed.repeated == ((4, 2), (5, 2), (6, 3))


def test_a_copy_of_a_refused_row_is_not_told_twice() -> None:
    text = HEAD + "24/11/2062,Guru Nanak Jayanti\n24/11/2062,Guru Nanak Jayanti\n24/11/2062,Other\n"
    assert [(p[0], p[3].split(";")[0]) for p in problems(text)] == [
        (2, "24/11/2062 is more than 5 years ahead"), (4, "24/11/2062 is more than 5 years ahead"),
        (4, "The date 24/11/2062 is also in row 2")]


def test_a_row_without_a_name_is_no_copy() -> None:
    assert [(p[0], p[1]) for p in problems(HEAD + "24/11/2026,\n24/11/2026,\n")] == [
        (2, "NAME"), (3, "DATE"), (3, "NAME")]


# ---- rows ---------------------------------------------------------------------------------------


def test_header_only_and_blank_rows() -> None:
    message = "The file has a header row but no holidays under it."
    assert problems(HEAD) == [(1, None, None, message)]
    assert problems(HEAD + ",\n,\n") == [(1, None, None, message)]
    assert problems("Sl No,DATE,NAME\n1,,\n2,,\n") == [(1, None, None, message)]
    assert rows(HEAD + ",\n24/11/2026,Guru Nanak Jayanti\n\n,\n25/12/2026,Christmas\n") == [
        (3, D(2026, 11, 24), "Guru Nanak Jayanti"), (6, D(2026, 12, 25), "Christmas")]


def test_the_count_under_the_list_is_skipped() -> None:
    text = HEAD + "24/11/2026,Guru Nanak Jayanti\n25/12/2026,Christmas\n,Total holidays\n2,Total\nTotal No. of days,2\n"
    assert [r[0] for r in rows(text)] == [2, 3]
    assert [(p[0], p[1]) for p in problems(HEAD + ",Total Solar Eclipse\n")] == [(2, "DATE")]


def test_header_again_and_values_beyond_the_header() -> None:
    text = HEAD + "24/11/2026,Guru Nanak Jayanti\n" + HEAD + "25/12/2026,Christmas, Xmas\n"
    assert problems(text) == [
        (3, None, None, "This row repeats the header; delete it."),
        (4, None, None, "This row has more values than the header has columns; a value that contains “,” must be in "
                        "double quotes."),
    ]
    sheet = workbook({1: ["DATE", "NAME"], 2: [D(2026, 12, 25), "Christmas", None, "note"]})
    assert problems(sheet) == [(2, "D", "note", "Column D has a value in this row but no header.")]


def test_every_problem_at_once_in_file_order() -> None:
    text = ("NAME,DATE,Remarks\nGuru Nanak Jayanti,11/24/2026,x\n,24/11/2026,\nChristmas,25/12/2062,\n"
            "Christmas Eve,24/11/2026,\n")
    got = [(p[0], p[1]) for p in problems(text)]
    assert got == [(2, "DATE"), (3, "NAME"), (4, "DATE"), (5, "DATE")]


def test_semicolon_cp1252_file() -> None:
    data = "Date;Holiday;Day\r\n24.11.2026;Guru Nanak Jayanti;Tue\r\n25.12.2026;Noël;Fri\r\n".encode("cp1252")
    assert rows(data) == [(2, D(2026, 11, 24), "Guru Nanak Jayanti"), (3, D(2026, 12, 25), "Noël")]


# ---- property: a list written by a program reads back the same --------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CHAR = st.one_of(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u200b\ufeff"),
                  st.sampled_from([",", ";", "\t", "|", '"', "\n", " ", "'", "="]))
_SUFFIX = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
EPOCH = D(1899, 12, 30)
FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d:%d/%m/%Y}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d:%d-%m-%Y}",
    lambda d: f"{d:%d.%m.%Y}",
    lambda d: f"{d:%d/%m/%y}",
    lambda d: f"{d.day} {d:%b %Y}",
    lambda d: f"{d:%d-%b-%Y}",
    lambda d: f"{d:%d-%b-%y}".upper(),
    lambda d: f"{d:%B} {d.day}, {d.year}",
    lambda d: f"{d.day}{_SUFFIX.get(d.day, 'th')} {d:%B %Y}",
    lambda d: f"{d:%A}, {d.day} {d:%B %Y}",
    lambda d: f"{d:%d/%m/%Y} ({d:%a})",
    lambda d: str((d - EPOCH).days),
    lambda d: f"{d.isoformat()} 00:00",
]


@st.composite
def holiday_lists(draw: st.DrawFn) -> list[tuple[dt.date, str, str, str]]:
    """Holidays on different days: (day, the DATE cell, the NAME cell, the name it must read as)."""
    earliest, latest = TODAY.replace(year=TODAY.year - PAST_YEARS), TODAY.replace(year=TODAY.year + FUTURE_YEARS)
    days = draw(st.lists(st.dates(min_value=earliest, max_value=latest), min_size=1, max_size=20, unique=True))
    out = []
    for day in days:
        typed = draw(st.text(_CHAR, min_size=1, max_size=NAME_MAX).filter(lambda s: s.split() != []))
        out.append((day, draw(st.sampled_from(FORMATS))(day), typed, " ".join(typed.split())))
    return out


@SETTINGS
@given(holidays=holiday_lists(), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig"]), extra=st.booleans())
def test_a_generated_list_reads_back_the_same(holidays: list[tuple[dt.date, str, str, str]], delimiter: str,
                                              encoding: str, extra: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if extra:
        writer.writerow(["SL NO", "DATE", "DAY", "NAME"])
        writer.writerows([n, date_cell, f"{day:%A}", name_cell]
                         for n, (day, date_cell, name_cell, _name) in enumerate(holidays, start=1))
    else:
        writer.writerow(["DATE", "NAME"])
        writer.writerows([date_cell, name_cell] for _day, date_cell, name_cell, _name in holidays)
    table = read_table(out.getvalue().encode(encoding), "holidays.csv")
    assert detect_kind(table.header) == "holidays"
    parsed = parse_holidays(table, today=TODAY)
    assert parsed.rows == tuple(HolidayRow(i, day, name) for i, (day, _d, _n, name) in enumerate(holidays, start=2))
    assert parsed.ignored_columns == (("SL NO", "DAY") if extra else ())
    assert parsed.repeated == ()
