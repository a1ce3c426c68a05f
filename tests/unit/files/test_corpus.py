"""Every case of the bad-input corpus gets the refusal or the problems listed for it; good rosters parse."""

from __future__ import annotations

import pytest

from domain.files import table as table_module
from domain.files.detect import detect_kind
from domain.files.problems import FileProblems
from domain.files.roster import parse_roster
from domain.files.table import FileUnreadable, read_table
from tests.unit.files.corpus import BAD, Case, bad_cases, cases, good_cases


def test_the_corpus_is_big_and_varied() -> None:
    all_cases = bad_cases()
    assert len(all_cases) >= 50
    files = {c.file for c in all_cases if "generate" not in c.spec}
    listed = ("expected.json", "README.md")
    on_disk = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.name not in listed}
    assert files == on_disk, "expected.json and the files on disk disagree"
    refusals = {c.refused["error"] for c in all_cases if c.refused}
    assert refusals >= {"FileEmpty", "FileTooLarge", "NotATable", "OldExcelFile", "DamagedSpreadsheet",
                        "UndecodableText", "BrokenQuotes", "UnsupportedSpreadsheet", "ProtectedSpreadsheet"}
    for c in all_cases:
        assert c.spec.get("mistake"), c.file
        assert c.spec.get("checked_by"), c.file
        assert (c.refused is None) != (not c.problems), c.file


@pytest.mark.parametrize("case", cases(refused=True), ids=str)
def test_file_level_refusal(case: Case) -> None:
    expected = case.refused
    assert expected is not None
    with pytest.raises(FileUnreadable) as info:
        read_table(case.data(), case.name)
    error = info.value
    assert type(error).__name__ == expected["error"]
    assert isinstance(error, getattr(table_module, expected["error"]))
    assert expected["says"] in str(error)
    assert "{" not in str(error), "every placeholder is filled"


def _key(row: int | None, column: str | None) -> tuple[int, str]:
    return (-1 if row is None else row, column or "")


@pytest.mark.parametrize("case", cases("roster", refused=False), ids=str)
def test_roster_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_roster(table, **case.options)
    got = info.value.problems
    want = case.problems
    assert sorted(_key(p.row, p.column) for p in got) == sorted(_key(w["row"], w["column"]) for w in want), (
        [(p.row, p.column, p.text()) for p in got])
    for w in want:
        texts = [p.text() for p in got if _key(p.row, p.column) == _key(w["row"], w["column"])]
        assert any(w["says"] in t for t in texts), (w, texts)
    assert all("{" not in p.text() for p in got)


@pytest.mark.parametrize("case", cases("marks", refused=False), ids=str)
def test_marks_files_read_and_are_recognised(case: Case) -> None:
    """The marks validator comes later; today: the file reads, is recognised, and every listed row exists."""
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    rows = {table.header_row} | {r.number for r in table.rows}
    columns = set(table.header)
    for w in case.problems:
        assert w["row"] is None or w["row"] in rows, w
        assert w["column"] is None or w["column"] in columns or w["column"] == "USN", w
    assert case.spec["checked_by"] == "marks validator (pending)"


@pytest.mark.parametrize("case", good_cases(), ids=str)
def test_good_rosters(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "roster"
    parsed = parse_roster(table, **case.options)
    got = [[r.row, r.usn, r.name, r.class_name, r.parent_phone] for r in parsed.rows]
    assert got == case.spec["rows"]
    assert parsed.ignored_columns == case.spec["ignored_columns"]
