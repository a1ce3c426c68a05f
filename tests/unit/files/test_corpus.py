"""Every case of the bad-input corpus gets the refusal or the problems listed for it; good files parse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.files import table as table_module
from domain.files.detect import detect_kind
from domain.files.holidays import parse_holidays
from domain.files.marks import parse_marks
from domain.files.outcomes import parse_outcomes
from domain.files.problems import FileProblems, Problem
from domain.files.questions import parse_questions
from domain.files.roster import parse_roster
from domain.files.table import FileUnreadable, read_table
from tests.unit.files.corpus import (
    BAD,
    GOOD,
    Case,
    bad_cases,
    cases,
    good,
    good_cases,
    holidays_options,
    marks_options,
)


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
        assert c.spec.get("checked_by") in ("read_table", "parse_roster", "parse_marks", "parse_outcomes",
                                            "parse_questions", "parse_holidays"), c.file
        assert (c.refused is None) != (not c.problems), c.file
    assert len(cases("outcomes", refused=False)) >= 12
    assert len(cases("questions", refused=False)) >= 16
    question_files = {c.file.rsplit(".", 1)[-1] for c in cases("questions")}
    assert question_files >= {"csv", "xlsx"}
    assert len(cases("holidays", refused=False)) >= 12
    assert {c.file.rsplit(".", 1)[-1] for c in cases("holidays")} >= {"csv", "xlsx"}


def test_the_good_files_are_all_listed() -> None:
    on_disk = {p.name for p in GOOD.iterdir() if p.is_file() and p.name != "expected.json"}
    assert {c.file for c in good_cases()} == on_disk
    assert {c.kind for c in good_cases()} == {"roster", "marks", "outcomes", "questions", "holidays"}


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


def _assert_problems(got: list[Problem], want: list[dict[str, Any]]) -> None:
    """The same problems (row, column) as listed, each sentence containing its ``says``, placeholders filled."""
    assert sorted(_key(p.row, p.column) for p in got) == sorted(_key(w["row"], w["column"]) for w in want), (
        [(p.row, p.column, p.text()) for p in got])
    for w in want:
        texts = [p.text() for p in got if _key(p.row, p.column) == _key(w["row"], w["column"])]
        assert any(w["says"] in t for t in texts), (w, texts)
    assert all("{" not in p.text() for p in got)


@pytest.mark.parametrize("case", cases("roster", refused=False), ids=str)
def test_roster_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_roster(table, **case.options)
    _assert_problems(info.value.problems, case.problems)


@pytest.mark.parametrize("case", cases("marks", refused=False), ids=str)
def test_marks_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_marks(table, **marks_options(case))
    _assert_problems(info.value.problems, case.problems)


@pytest.mark.parametrize("case", cases("outcomes", refused=False), ids=str)
def test_outcomes_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_outcomes(table)
    _assert_problems(info.value.problems, case.problems)


@pytest.mark.parametrize("case", cases("questions", refused=False), ids=str)
def test_question_bank_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_questions(table, **case.options)
    _assert_problems(info.value.problems, case.problems)


@pytest.mark.parametrize("case", cases("holidays", refused=False), ids=str)
def test_holidays_problems(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == case.spec["detected"]
    with pytest.raises(FileProblems) as info:
        parse_holidays(table, **holidays_options(case))
    _assert_problems(info.value.problems, case.problems)


@pytest.mark.parametrize("case", good("roster"), ids=str)
def test_good_rosters(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "roster"
    parsed = parse_roster(table, **case.options)
    got = [[r.row, r.usn, r.name, r.class_name, r.parent_phone] for r in parsed.rows]
    assert got == case.spec["rows"]
    assert parsed.ignored_columns == case.spec["ignored_columns"]


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@pytest.mark.parametrize("case", good("marks"), ids=str)
def test_good_marks(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "marks"
    parsed = parse_marks(table, **marks_options(case))
    assert [[i.label, i.max_marks, i.co, i.position] for i in parsed.items] == [
        [label, Decimal(top), co, position] for label, top, co, position in case.spec["items"]]
    assert [[r.row, r.usn, r.student_id, r.values] for r in parsed.rows] == [
        [row, usn, student, [_decimal(v) for v in values]] for row, usn, student, values in case.spec["rows"]]
    assert parsed.blank_cells == case.spec["blank_cells"]
    assert parsed.absent_cells == case.spec["absent_cells"]
    assert parsed.ignored_columns == case.spec["ignored_columns"]


@pytest.mark.parametrize("case", good("outcomes"), ids=str)
def test_good_outcomes(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "outcomes"
    parsed = parse_outcomes(table)
    got = [[o.row, o.code, o.description, o.bloom, o.correlations] for o in parsed.outcomes]
    assert got == case.spec["outcomes"]
    assert parsed.program_outcomes == case.spec["program_outcomes"]
    assert parsed.ignored_columns == case.spec["ignored_columns"]
    assert parsed.unmapped == case.spec["unmapped"]


def _question(q: Any) -> list[Any]:
    """A parsed question in the form ``expected.json`` writes it: decimals as text, tuples as lists."""
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)
    return [q.row, q.ref, q.kind, q.text, list(q.options), list(q.correct), text(q.value), str(q.tolerance),
            q.model_answer, str(q.marks), q.co, q.bloom, q.topic, q.concept, text(q.difficulty),
            None if q.irt is None else list(q.irt)]


@pytest.mark.parametrize("case", good("questions"), ids=str)
def test_good_question_banks(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "questions"
    parsed = parse_questions(table, **case.options)
    got = [_question(q) for q in parsed.questions]
    want = case.spec["questions"]
    assert [g[:6] for g in got] == [w[:6] for w in want]
    for g, w in zip(got, want, strict=True):  # decimals compare by value: 1 is 1.0
        assert [_decimal(v) for v in (g[6], g[7], g[9], g[14])] == [_decimal(v) for v in (w[6], w[7], w[9], w[14])]
        assert g[8] == w[8] and g[10:14] == w[10:14] and g[15] == w[15], (g, w)
    assert parsed.ignored == case.spec["ignored"]


@pytest.mark.parametrize("case", good("holidays"), ids=str)
def test_good_holidays(case: Case) -> None:
    table = read_table(case.data(), case.name)
    assert detect_kind(table.header) == "holidays"
    parsed = parse_holidays(table, **holidays_options(case))
    assert [[h.row, h.day.isoformat(), h.name] for h in parsed.rows] == case.spec["rows"]
    assert list(parsed.ignored_columns) == case.spec["ignored_columns"]
    assert [list(r) for r in parsed.repeated] == case.spec["repeated"]
