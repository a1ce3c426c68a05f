"""The question bank's rules: columns, IDs, kinds, answers of every kind, marks, CO, Bloom, difficulty, IRT."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.files.detect import detect_kind
from domain.files.problems import FileProblems
from domain.files.questions import (
    ANSWER_MAX,
    ID_MAX,
    OPTION_MAX,
    QUESTION_MAX,
    TOPIC_MAX,
    QuestionBankFile,
    QuestionRow,
    co_span,
    id_problem,
    parse_questions,
    read_difficulty,
    read_kind,
    read_letters,
    read_marks,
    read_numeric_answer,
    read_true_false,
    several_cos,
)
from domain.files.table import read_table
from tests.unit.files.helpers import workbook

EXAMPLE = Path("/work/shared/data/examples/question_bank.csv")
HEAD = "ID,TYPE,QUESTION,A,B,C,D,ANSWER,MARKS,CO,BLOOM,TOPIC,CONCEPT,DIFFICULTY,IRT_A,IRT_B,IRT_C\n"
COS = ["CO1", "CO2", "CO3", "CO4", "CO5"]


def parse(text: str | bytes, **options: Any) -> QuestionBankFile:
    return parse_questions(read_table(text.encode() if isinstance(text, str) else text), **options)


def only(text: str, **options: Any) -> QuestionRow:
    (question,) = parse(text, **options).questions
    return question


def problems(text: str | bytes, **options: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(FileProblems) as info:
        parse(text, **options)
    assert all("{" not in p.text() for p in info.value.problems)
    return [(p.row, p.column, p.value, p.text()) for p in info.value.problems]


def said(text: str | bytes, **options: Any) -> list[tuple[Any, Any, str]]:
    """(row, column, sentence) of every problem."""
    return [(row, column, sentence) for row, column, _value, sentence in problems(text, **options)]


def row(ref: str = "Q1", kind: str = "MCQ", question: str = "Which?", options: str = "a,b,c,d", answer: str = "A",
        marks: str = "", co: str = "", bloom: str = "", topic: str = "", concept: str = "", difficulty: str = "",
        irt: str = ",,") -> str:
    """One line under :data:`HEAD` (cells are not quoted: keep commas out of them, or quote them yourself)."""
    return f"{ref},{kind},{question},{options},{answer},{marks},{co},{bloom},{topic},{concept},{difficulty},{irt}\n"


NO_OPTIONS = ",,,"


# ---- the example and recognition -----------------------------------------------------------------


def test_the_example_bank_parses_without_problems() -> None:
    table = read_table(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert detect_kind(table.header) == "questions"
    parsed = parse_questions(table, known_cos=COS)
    assert parsed.ignored == []
    assert [(q.row, q.ref, q.kind, q.options, q.correct, q.value, q.tolerance, q.marks, q.co, q.bloom)
            for q in parsed.questions] == [
        (2, "DB001", "MCQ", ("Foreign key", "Primary key", "Candidate key only", "Composite key only"), (1,), None,
         0, 1, "CO1", 1),
        (3, "DB002", "MCQ", ("SELECT", "INSERT", "CREATE", "UPDATE"), (0, 1, 3), None, 0, 2, "CO2", 2),
        (4, "DB003", "TF", (), (0,), None, 0, 1, "CO3", 2),
        (5, "DB004", "NUM", (), (), Decimal(24), 0, 1, "CO2", 3),
        (6, "DB005", "SA", (), (), None, 0, 3, "CO4", 2),
        (7, "DB006", "LA", (), (), None, 0, 6, "CO3", 4),
    ]
    first, last = parsed.questions[0], parsed.questions[-1]
    assert (first.text, first.topic, first.concept, first.difficulty, first.irt) == (
        "Which key uniquely identifies a row?", "Keys", "Primary key", Decimal("0.2"), (1.1, -1.2, 0.2))
    assert parsed.questions[3].irt == (1.0, -0.5, 0.0)
    assert (last.model_answer, last.difficulty, last.irt) == ("", Decimal("0.8"), None)


@pytest.mark.parametrize("header", [
    ["ID", "TYPE", "QUESTION", "A", "B", "C", "D", "ANSWER", "MARKS"],
    ["ID", "TYPE", "QUESTION"],
    ["Q.No", "Question Type", "Question Text", "Option A", "Option B", "Correct Answer"],
    ["QID", "Type", "Question", "Key"],
    ["Question ID", "Question", "Answer"],
    ["TYPE", "QUESTION", "ANSWER", "CO", "BLOOM"],  # an ID column forgotten: still a bank, told what is missing
    ["ID", "TYPE", "QUESTION", "A", "B", "C", "D", "ANSWER", "MARKS", "CO", "BLOOM", "TOPIC", "CONCEPT", "DIFFICULTY",
     "IRT_A", "IRT_B", "IRT_C"],
])
def test_question_bank_headers_are_recognised(header: list[str]) -> None:
    assert detect_kind(header) == "questions"


@pytest.mark.parametrize(("header", "kind"), [
    (["CO", "DESCRIPTION", "BLOOM", "PO1"], "outcomes"),
    (["USN", "NAME", "Q1", "Q2"], "marks"),
    (["USN", "NAME"], "roster"),
    (["QUESTION", "MARKS"], None),
    (["A", "B", "C", "D"], None),
])
def test_other_files_are_not_question_banks(header: list[str], kind: str | None) -> None:
    assert detect_kind(header) == kind


def test_aliases_title_rows_and_ignored_columns() -> None:
    text = ("CS301 question bank\n"
            "Sl No,Q.No,Question Type,Question Text,Opt A,Opt B,Opt C,Opt D,Correct Answer,Max Marks,CO No,"
            "Bloom's Level,Chapter,Sub Topic,Difficulty Level,IRT a,IRT b,IRT c,Explanation\n"
            "1,DB001,Multiple choice,Which?,x,y,z,w,Option C,2,co-3,Apply,Keys,Superkey,Hard,1.5,0.5,0.1,because\n")
    table = read_table(text.encode())
    assert (detect_kind(table.header), table.header_row) == ("questions", 2)
    parsed = parse_questions(table)
    (q,) = parsed.questions
    assert (q.row, q.ref, q.kind, q.options, q.correct, q.marks, q.co, q.bloom, q.topic, q.concept, q.difficulty,
            q.irt) == (3, "DB001", "MCQ", ("x", "y", "z", "w"), (2,), 2, "CO3", 3, "Keys", "Superkey",
                       Decimal("0.8"), (1.5, 0.5, 0.1))
    assert parsed.ignored == ["Sl No", "Explanation"]


def test_a_bare_a_is_option_a_never_irt() -> None:
    q = only("ID,TYPE,QUESTION,a,b,c,d,ANSWER,IRT A,IRT-B\nQ1,MCQ,Which?,x,y,z,w,b,1.2,0\n")
    assert (q.options, q.correct, q.irt) == (("x", "y", "z", "w"), (1,), (1.2, 0.0, 0.0))


# ---- columns --------------------------------------------------------------------------------------


def test_required_columns() -> None:
    assert said("QUESTION,ANSWER,MARKS\nWhich?,A,1\n") == [
        (None, "ID", "The column ID is missing; the header row needs ID, TYPE, QUESTION, ANSWER."),
        (None, "TYPE", "The column TYPE is missing; the header row needs ID, TYPE, QUESTION, ANSWER."),
    ]


def test_written_questions_need_neither_options_nor_answer() -> None:
    parsed = parse("ID,TYPE,QUESTION,MARKS\nQ1,SA,Explain.,3\nQ2,LA,Design.,\nQ3,VSA,Define.,2\n")
    assert [(q.kind, q.marks, q.model_answer, q.options) for q in parsed.questions] == [
        ("SA", 3, "", ()), ("LA", 5, "", ()), ("VSA", 2, "", ())]


def test_option_columns_are_needed_once_for_the_file_when_there_is_an_mcq() -> None:
    assert parse("ID,TYPE,QUESTION,ANSWER\nQ1,TF,True?,T\nQ2,NUM,How many?,4\n").questions[1].value == 4
    assert said("ID,TYPE,QUESTION,A,B,ANSWER\nQ1,TF,True?,,,T\nQ2,MCQ,Which?,x,y,A\nQ3,MCQ,Which?,x,y,B\n") == [
        (None, "C", "The columns C, D are missing; MCQ questions (the first is in row 3) need the option columns A, "
                    "B, C and D.")]
    assert said("ID,TYPE,QUESTION,A,B,C,ANSWER\nQ1,MCQ,Which?,x,y,z,A\n") == [
        (None, "D", "The column D is missing; MCQ questions (the first is in row 2) need the option columns A, B, C "
                    "and D.")]


def test_the_answer_column_is_needed_once_for_the_file_when_there_is_an_objective_question() -> None:
    assert said("ID,TYPE,QUESTION\nQ1,SA,Explain.\nQ2,NUM,How many?\nQ3,TF,True?\n") == [
        (None, "ANSWER", "The column ANSWER is missing; it gives the answer of every MCQ, TF and NUM question (the "
                         "first is in row 3).")]


def test_a_repeated_column() -> None:
    assert said("ID,TYPE,QUESTION,A,B,C,D,ANSWER,Answer\nQ1,MCQ,Which?,x,y,,,A,A\n") == [
        (1, "ANSWER", "The column ANSWER appears more than once (columns H, I); keep only one of them.")]


def test_the_irt_columns_come_as_a_and_b() -> None:
    assert said("ID,TYPE,QUESTION,ANSWER,IRT_A,IRT_C\nQ1,TF,True?,T,1,0.2\n") == [
        (None, "IRT_B", "The column IRT_B is missing; IRT parameters need both IRT_A and IRT_B (IRT_C is optional).")]


# ---- IDs and types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "says"), [
    ("DB001", None), ("db-1.2_b", None), ("1", None), ("x" * ID_MAX, None),
    ("", "The ID is empty; give every question its own ID, such as DB001."),
    ("x" * (ID_MAX + 1), f"The ID {'x' * (ID_MAX + 1)} has {ID_MAX + 1} characters; at most {ID_MAX} are allowed."),
    ("-DB1", "The ID -DB1 must start with a letter A–Z or a digit 0–9."),
    ("DB 1", "The ID DB 1 contains “ ”; only letters A–Z, digits 0–9, _ . and - are allowed."),
    ("=A1+1", "The ID =A1+1 contains “=” “+”; only letters A–Z, digits 0–9, _ . and - are allowed."),
    ("प्र1", "The ID प्र1 contains “प” “्” “र”; only letters A–Z, digits 0–9, _ . and - are allowed."),
    ("1.23457E+11", "1.23457E+11 looks like a number Excel turned into scientific notation; format the column as "
                    "Text, type the value again and save."),
])
def test_ids(typed: str, says: str | None) -> None:
    why = id_problem(typed)
    assert (None if why is None else why[0].format(**why[1])) == says


def test_ids_are_unique_ignoring_case_and_kept_as_typed() -> None:
    text = HEAD + row("Db-1", "TF", options=NO_OPTIONS, answer="T") + row("DB-2", "TF", options=NO_OPTIONS, answer="F")
    assert [q.ref for q in parse(text).questions] == ["Db-1", "DB-2"]
    assert said(text + row("db-1", "TF", options=NO_OPTIONS, answer="T")) == [
        (4, "ID", "The ID db-1 is also in row 2; each question needs its own ID.")]


@pytest.mark.parametrize(("typed", "kind"), [
    ("MCQ", "MCQ"), ("mcq", "MCQ"), ("MCQ-MULTI", "MCQ"), ("Multiple Choice", "MCQ"), ("multiple_choice", "MCQ"),
    ("TF", "TF"), ("T/F", "TF"), ("True/False", "TF"), ("true / false", "TF"), ("Boolean", "TF"),
    ("NUM", "NUM"), ("Numeric", "NUM"), ("numerical", "NUM"), ("Integer", "NUM"),
    ("VSA", "VSA"), ("Very Short Answer", "VSA"), ("SA", "SA"), ("short answer", "SA"), ("LA", "LA"),
    ("Long Answer", "LA"), ("ＭＣＱ", "MCQ"), ("बहुविकल्पीय", "MCQ"), ("सही/गलत", "TF"), ("लघु उत्तरीय", "SA"),
    ("Fill in the blank", None), ("Match", None), ("MC", None), ("", None),
])
def test_kinds(typed: str, kind: str | None) -> None:
    assert read_kind(typed) == kind


def test_type_and_question_cells() -> None:
    text = (HEAD + row("Q1", "", options=NO_OPTIONS) + row("Q2", "Essay question", options=NO_OPTIONS)
            + row("Q3", "SA", question="", options=NO_OPTIONS, answer="")
            + row("Q4", "SA", question="x" * (QUESTION_MAX + 1), options=NO_OPTIONS, answer=""))
    assert said(text) == [
        (2, "TYPE", "The TYPE is empty; write MCQ, TF, NUM, VSA, SA or LA."),
        (3, "TYPE", "Essay question is not a question type; write MCQ, TF, NUM, VSA, SA or LA."),
        (4, "QUESTION", "The question is empty."),
        (5, "QUESTION", f"The question has {QUESTION_MAX + 1} characters; at most {QUESTION_MAX} are allowed."),
    ]


# ---- MCQ --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "letters"), [
    ("B", "B"), ("b", "B"), ("ABD", "ABD"), ("DBA", "ABD"), ("A,B", "AB"), ("A;B", "AB"), ("a b", "AB"),
    ("A & D", "AD"), ("(B)", "B"), ("Option B", "B"), ("option b", "B"), ("Options A and C", "AC"), ("B.", "B"),
    ("Ans: C", "C"), ("A, A", "A"), ("E", "E"), ("OptB", "B"), ("ＢＤ", "BD"),
    ("", None), ("2", None), ("G", None), ("Primary key", None), ("None of these", None), ("TRUE", None),
])
def test_answer_letters(typed: str, letters: str | None) -> None:
    assert read_letters(typed) == letters


def test_an_mcq_with_several_correct_options_and_all_correct() -> None:
    assert only(HEAD + row(answer="A & C")).correct == (0, 2)
    assert only(HEAD + row(answer="DCBA")).correct == (0, 1, 2, 3)
    assert only(HEAD + row(options="yes,no,,", answer="(B)")).options == ("yes", "no")


def test_fifth_and_sixth_options() -> None:
    q = only("ID,TYPE,QUESTION,A,B,C,D,E,F,ANSWER\nQ1,MCQ,Which?,1NF,2NF,3NF,BCNF,4NF,5NF,F\n")
    assert (q.options, q.correct) == (("1NF", "2NF", "3NF", "BCNF", "4NF", "5NF"), (5,))
    assert only("ID,TYPE,QUESTION,A,B,C,D,E,ANSWER\nQ1,MCQ,Which?,a,b,,,,B\n").options == ("a", "b")


def test_mcq_options() -> None:
    long = "x" * (OPTION_MAX + 1)
    text = (HEAD + row("Q1", options="a,,c,") + row("Q2", options="a,,,") + row("Q3", options=",,,")
            + row("Q4", options="Yes,no,YES,") + row("Q5", options=f"{long},b,,") + row("Q6", options="a,b,c,d"))
    assert said(text) == [
        (2, "B", "Option B is empty but option C is not; fill the options in order from A, without gaps."),
        (3, "B", "An MCQ question needs at least 2 options; this one has 1."),
        (4, "A", "An MCQ question needs at least 2 options; this one has 0."),
        (5, "C", "Options A and C have the same text; each option must be different."),
        (6, "A", f"Option A has {OPTION_MAX + 1} characters; at most {OPTION_MAX} are allowed (a longer text belongs "
                 f"in the question)."),
    ]


def test_mcq_answers() -> None:
    text = (HEAD + row("Q1", options="a,b,c,", answer="D") + row("Q2", options="a,b,,", answer="ACD")
            + row("Q3", options="Primary key,Foreign key,,", answer="primary  KEY") + row("Q4", answer="")
            + row("Q5", answer="2") + row("Q6", options="a,b,c,d", answer="F"))
    assert said(text) == [
        (2, "ANSWER", "D is not one of this question's options; its options are A, B, C."),
        (3, "ANSWER", "C, D are not among this question's options; its options are A, B."),
        (4, "ANSWER", "primary  KEY is the text of option A; write the letter A instead."),
        (5, "ANSWER", "The answer is empty; write the letter of the correct option (such as B), or the letters of all "
                      "the correct ones (such as ABD)."),
        (6, "ANSWER", "2 is not an answer to an MCQ question; write the letter of the correct option (such as B), or "
                      "the letters of all the correct ones (such as ABD)."),
        (7, "ANSWER", "F is not one of this question's options; its options are A, B, C, D."),
    ]


@pytest.mark.parametrize("kind", ["TF", "NUM", "VSA", "SA", "LA"])
def test_options_on_other_kinds_are_refused(kind: str) -> None:
    answer = {"TF": "T", "NUM": "4"}.get(kind, "")
    assert said(HEAD + row(kind=kind, options=",,true,", answer=answer)) == [
        (2, "C", f"{kind} questions have no options; leave A–D empty or change TYPE to MCQ.")]


# ---- TF and NUM -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "truth"), [
    ("T", 0), ("t", 0), ("TRUE", 0), ("True", 0), ("yes", 0), ("Y", 0), ("1", 0), ("(T)", 0), ("सही", 0),
    ("सत्य", 0), ("F", 1), ("false", 1), ("NO", 1), ("0", 1), ("गलत", 1), ("असत्य", 1),
    ("", None), ("maybe", None), ("A", None), ("2", None), ("Vrai", None),
])
def test_true_false(typed: str, truth: int | None) -> None:
    assert read_true_false(typed) == truth


def test_tf_questions() -> None:
    assert only(HEAD + row(kind="TF", options=NO_OPTIONS, answer="False")).correct == (1,)
    assert said(HEAD + row("Q1", "TF", options=NO_OPTIONS, answer="") + row("Q2", "TF", options=NO_OPTIONS,
                                                                              answer="B")) == [
        (2, "ANSWER", "The answer is empty; write T (true) or F (false)."),
        (3, "ANSWER", "B is not true or false; write T (true) or F (false)."),
    ]


@pytest.mark.parametrize(("typed", "value", "tolerance"), [
    ("24", "24", "0"), ("12.5", "12.5", "0"), ("-3", "-3", "0"), ("−3.5", "-3.5", "0"), (".5", "0.5", "0"),
    ("12.5±0.1", "12.5", "0.1"), ("12.5 ± 0.1", "12.5", "0.1"), ("12.5 +- 0.1", "12.5", "0.1"),
    ("12.5+/-0.1", "12.5", "0.1"), ("12.5 +/- 0.1", "12.5", "0.1"), ("24±0", "24", "0"), ("-3 +- 0.5", "-3", "0.5"),
    ("२४", "24", "0"), ("１２", "12", "0"),
])
def test_numeric_answers(typed: str, value: str, tolerance: str) -> None:
    assert read_numeric_answer(typed) == ((Decimal(value), Decimal(tolerance)), None, {})


@pytest.mark.parametrize(("typed", "says"), [
    ("", "The answer is empty; write the number, such as 24, or a number with a tolerance, such as 12.5±0.1."),
    ("=24", "=24 is a formula, not a number; type the number itself."),
    ("+24", "+24 is a formula, not a number; type the number itself."),
    ("@SUM(A1)", "@SUM(A1) is a formula, not a number; type the number itself."),
    ("-SUM(A1:A2)", "-SUM(A1:A2) is a formula, not a number; type the number itself."),
    ("＝24", "＝24 is a formula, not a number; type the number itself."),
    ("12,5", "12,5 is not a number; write decimals with a point: 12.5."),
    ("12,5±0,1", "12,5±0,1 is not a number; write decimals with a point: 12.5±0.1."),
    ("1,234.5", "1,234.5 has a thousands separator; write numbers without one, and decimals with a point: 1234.5."),
    ("1,234", "1,234 has a thousands separator; write numbers without one, and decimals with a point: 1234."),
    ("12.5±-0.1", "The tolerance in 12.5±-0.1 is negative; it must be 0 or more, such as 12.5±0.1."),
    ("1.23457E+11", "1.23457E+11 looks like a number Excel turned into scientific notation; format the column as "
                    "Text, type the value again and save."),
    ("24 rows", "24 rows is not a numeric answer; write a number without units, such as 24 or 12.5, optionally with a "
                "tolerance, such as 12.5±0.1."),
    ("12.5±", "12.5± is not a numeric answer; write a number without units, such as 24 or 12.5, optionally with a "
              "tolerance, such as 12.5±0.1."),
    ("1/2", "1/2 is not a numeric answer; write a number without units, such as 24 or 12.5, optionally with a "
            "tolerance, such as 12.5±0.1."),
])
def test_numeric_answers_refused(typed: str, says: str) -> None:
    value, message, params = read_numeric_answer(typed)
    assert value is None and message is not None
    assert message.format(**params) == says


def test_num_questions() -> None:
    q = only(HEAD + row(kind="NUM", options=NO_OPTIONS, answer="9.81 +/- 0.05"))
    assert (q.value, q.tolerance, q.correct, q.options, q.model_answer) == (Decimal("9.81"), Decimal("0.05"), (), (),
                                                                            "")
    assert said(HEAD + row(kind="NUM", options=NO_OPTIONS, answer='"1,5"')) == [
        (2, "ANSWER", "1,5 is not a number; write decimals with a point: 1.5.")]


# ---- written questions and marks ------------------------------------------------------------------


def test_written_questions_keep_their_model_answer() -> None:
    q = only(HEAD + row(kind="LA", options=NO_OPTIONS, answer='"Rubric: 2 marks for the ER model, 4 for the mapping"',
                        marks="6"))
    assert (q.kind, q.model_answer, q.marks, q.value, q.correct) == (
        "LA", "Rubric: 2 marks for the ER model, 4 for the mapping", 6, None, ())
    long = "x" * (ANSWER_MAX + 1)
    assert said(HEAD + row(kind="SA", options=NO_OPTIONS, answer=long)) == [
        (2, "ANSWER", f"The model answer has {ANSWER_MAX + 1} characters; at most {ANSWER_MAX} are allowed.")]


@pytest.mark.parametrize(("kind", "answer", "marks"), [
    ("MCQ", "A", "1"), ("TF", "T", "1"), ("NUM", "4", "1"), ("VSA", "", "2"), ("SA", "", "3"), ("LA", "", "5"),
])
def test_default_marks(kind: str, answer: str, marks: str) -> None:
    options = "a,b,c,d" if kind == "MCQ" else NO_OPTIONS
    assert only(HEAD + row(kind=kind, options=options, answer=answer)).marks == Decimal(marks)


@pytest.mark.parametrize(("kind", "marks", "says"), [
    ("VSA", "2", None), ("VSA", "2.0", None), ("SA", "3", None), ("LA", "5", None), ("LA", "6", None),
    ("VSA", "1", "VSA questions carry 2 marks, not 1; correct MARKS, or TYPE."),
    ("SA", "2", "SA questions carry 3 marks, not 2; correct MARKS, or TYPE."),
    ("SA", "3.5", "SA questions carry 3 marks, not 3.5; correct MARKS, or TYPE."),
    ("LA", "4", "LA questions carry 5 or 6 marks, not 4; correct MARKS, or TYPE."),
    ("LA", "10", "LA questions carry 5 or 6 marks, not 10; correct MARKS, or TYPE."),
])
def test_written_marks(kind: str, marks: str, says: str | None) -> None:
    text = HEAD + row(kind=kind, options=NO_OPTIONS, answer="", marks=marks)
    if says is None:
        assert only(text).marks == Decimal(marks)
    else:
        assert said(text) == [(2, "MARKS", says)]


@pytest.mark.parametrize(("typed", "value"), [("1", "1"), ("0.5", "0.5"), ("2.25", "2.25"), ("100", "100"),
                                              ("४", "4"), ("+2", "2")])
def test_marks(typed: str, value: str) -> None:
    assert read_marks(typed) == (Decimal(value), None, {})


@pytest.mark.parametrize(("typed", "says"), [
    ("0", "The marks must be more than 0."),
    ("-1", "-1 is negative; only zero or more is allowed."),
    ("=2", "=2 is a formula, not a number; type the number itself."),
    ("-SUM(A1)", "-SUM(A1) is a formula, not a number; type the number itself."),
    ("two", "two is not a number."),
    ("1,5", "1,5 is not a number; write decimals with a point: 1.5."),
    ("1.255", "1.255 has more than 2 decimals; round it (half marks such as 4.5 are fine)."),
    ("100.5", "100.5 is too many marks for one question; the limit is 100."),
    ("1E+2", "1E+2 looks like a number Excel turned into scientific notation; format the column as Text, type the "
             "value again and save."),
])
def test_marks_refused(typed: str, says: str) -> None:
    value, message, params = read_marks(typed)
    assert value is None and message is not None
    assert message.format(**params) == says


# ---- CO, Bloom, topic, concept, difficulty ------------------------------------------------------------


def test_course_outcomes() -> None:
    text = HEAD + row("Q1", co="co 1") + row("Q2", co="Co-02") + row("Q3", co="")
    assert [q.co for q in parse(text).questions] == ["CO1", "CO2", None]
    assert [q.co for q in parse(text, known_cos=["CO1", "CO2"]).questions] == ["CO1", "CO2", None]
    assert [q.co for q in parse(HEAD + row(co="CO42"), known_cos=None).questions] == ["CO42"]


def test_course_outcomes_refused() -> None:
    text = HEAD + row("Q1", co="CO7") + row("Q2", co='"CO1, CO2"') + row("Q3", co="C2") + row("Q4", co="co 1 & co 3")
    assert said(text, known_cos=COS) == [
        (2, "CO", "CO7 is not an outcome of this course (it has CO1–CO5)."),
        (3, "CO", "CO1, CO2 names more than one course outcome; a question counts towards one, so choose one."),
        (4, "CO", "C2 is not a course outcome code; write it as CO1, CO2, … (up to CO99)."),
        (5, "CO", "co 1 & co 3 names more than one course outcome; a question counts towards one, so choose one."),
    ]


def test_a_course_without_outcomes_is_told_once() -> None:
    text = HEAD + row("Q1") + row("Q2", co="CO1") + row("Q3", co="CO2")
    assert said(text, known_cos=[]) == [
        (3, "CO", "This course has no course outcomes yet; send its outcomes file (CO, DESCRIPTION, BLOOM, PO1…) "
                  "first, or leave the CO column empty.")]
    assert [q.co for q in parse(HEAD + row("Q1"), known_cos=[]).questions] == [None]


@pytest.mark.parametrize(("codes", "listed"), [
    (["CO1", "CO2", "CO3", "CO4", "CO5"], "CO1–CO5"), (["CO1", "CO2"], "CO1, CO2"),
    (["CO3", "CO1", "CO2", "CO5"], "CO1–CO3, CO5"), (["CO10", "CO9", "CO11", "CO2"], "CO2, CO9–CO11"), ([], ""),
])
def test_co_span(codes: list[str], listed: str) -> None:
    assert co_span(codes) == listed


@pytest.mark.parametrize(("typed", "several"), [("CO1, CO2", True), ("CO1/CO3", True), ("co1 and co2", True),
                                                ("CO1", False), ("CO1, X", False), ("", False)])
def test_several_cos(typed: str, several: bool) -> None:
    assert several_cos(typed) is several


def test_bloom_levels_read_as_the_outcomes_file_reads_them() -> None:
    text = HEAD + "".join(row(f"Q{i}", bloom=b) for i, b in enumerate(["L2", "3", "K1", "Analyse", "सृजन", ""], 1))
    assert [q.bloom for q in parse(text).questions] == [2, 3, 1, 4, 6, None]
    assert said(HEAD + row("Q1", bloom="L7") + row("Q2", bloom='"L2, L3"')) == [
        (2, "BLOOM", "L7 is not a Bloom level; write L1 to L6, or the level's name (Remember, Understand, Apply, "
                     "Analyse, Evaluate, Create)."),
        (3, "BLOOM", "L2, L3 gives more than one Bloom level; write the one level this question is at."),
    ]


def test_topic_and_concept() -> None:
    q = only(HEAD + row(topic="Keys", concept="Primary key"))
    assert (q.topic, q.concept) == ("Keys", "Primary key")
    long = "t" * (TOPIC_MAX + 1)
    assert said(HEAD + row(topic=long, concept=long)) == [
        (2, "TOPIC", f"The topic has {TOPIC_MAX + 1} characters; at most {TOPIC_MAX} are allowed."),
        (2, "CONCEPT", f"The concept has {TOPIC_MAX + 1} characters; at most {TOPIC_MAX} are allowed."),
    ]


@pytest.mark.parametrize(("typed", "value"), [
    ("0", "0"), ("1", "1"), ("0.35", "0.35"), ("35%", "0.35"), ("35 %", "0.35"), ("100%", "1"), ("0.3333", "0.333"),
    ("0.3335", "0.334"), ("33.33%", "0.333"), ("easy", "0.2"), ("Medium", "0.5"), ("HARD", "0.8"), ("E", "0.2"),
    ("M", "0.5"), ("H", "0.8"), ("moderate", "0.5"), ("difficult", "0.8"), ("आसान", "0.2"), ("मध्यम", "0.5"),
    ("कठिन", "0.8"), ("०.४", "0.4"),
])
def test_difficulty(typed: str, value: str) -> None:
    assert read_difficulty(typed) == (Decimal(value), None, {})


@pytest.mark.parametrize(("typed", "says"), [
    ("2", "2 is outside 0 to 1; write the difficulty as a proportion such as 0.35, a percentage such as 35%, or easy, "
          "medium or hard."),
    ("150%", "150% is outside 0 to 1; write the difficulty as a proportion such as 0.35, a percentage such as 35%, or "
             "easy, medium or hard."),
    ("-0.1", "-0.1 is outside 0 to 1; write the difficulty as a proportion such as 0.35, a percentage such as 35%, or "
             "easy, medium or hard."),
    ("very hard", "very hard is not a difficulty; write a proportion from 0 (easy) to 1 (hard) such as 0.35, a "
                  "percentage such as 35%, or easy, medium or hard."),
    ("0,35", "0,35 is not a number; write decimals with a point: 0.35."),
    ("=0.5", "=0.5 is a formula, not a number; type the number itself."),
])
def test_difficulty_refused(typed: str, says: str) -> None:
    value, message, params = read_difficulty(typed)
    assert value is None and message is not None
    assert message.format(**params) == says


# ---- IRT ----------------------------------------------------------------------------------------------


def test_irt_parameters() -> None:
    text = HEAD + row("Q1", irt="1.1,-1.2,0.2") + row("Q2", irt="0.8,0.5,") + row("Q3", irt=",,") + row(
        "Q4", irt="4,-6,0") + row("Q5", irt="0.01,6,0.49")
    assert [q.irt for q in parse(text).questions] == [(1.1, -1.2, 0.2), (0.8, 0.5, 0.0), None, (4.0, -6.0, 0.0),
                                                      (0.01, 6.0, 0.49)]


def test_irt_parameters_in_the_normal_metric_are_converted() -> None:
    text = HEAD + row("Q1", irt="1,0.5,0.2") + row("Q2", irt="1.2,-1,") + row("Q3", irt=",,")
    assert [q.irt for q in parse(text, irt_metric="normal").questions] == [(1.702, 0.5, 0.2), (2.0424, -1.0, 0.0),
                                                                          None]
    assert [q.irt for q in parse(text, irt_metric="logistic").questions] == [(1.0, 0.5, 0.2), (1.2, -1.0, 0.0), None]


@pytest.mark.parametrize("metric", ["Normal", "probit", "", "3PL"])
def test_an_unknown_irt_metric_is_a_programming_error(metric: str) -> None:
    with pytest.raises(ValueError, match="irt_metric"):
        parse(HEAD + row(), irt_metric=metric)


def test_irt_parameters_refused() -> None:
    text = (HEAD + row("Q1", irt="1.1,,") + row("Q2", irt=",0.5,") + row("Q3", irt=",,0.2") + row("Q4", irt="0,7,0.5")
            + row("Q5", irt="4.5,-6.5,-0.1") + row("Q6", irt="high,=B2,x"))
    assert said(text) == [
        (2, "IRT_B", "The IRT parameter IRT_B is empty; a question with IRT parameters needs both a and b (c may be "
                     "left empty for 0), or all three left empty."),
        (3, "IRT_A", "The IRT parameter IRT_A is empty; a question with IRT parameters needs both a and b (c may be "
                     "left empty for 0), or all three left empty."),
        (4, "IRT_A", "The IRT parameter IRT_A is empty; a question with IRT parameters needs both a and b (c may be "
                     "left empty for 0), or all three left empty."),
        (4, "IRT_B", "The IRT parameter IRT_B is empty; a question with IRT parameters needs both a and b (c may be "
                     "left empty for 0), or all three left empty."),
        (5, "IRT_A", "0 is not an IRT discrimination a: it must be more than 0 and at most 4."),
        (5, "IRT_B", "7 is not an IRT difficulty b: it must be from -6 to 6."),
        (5, "IRT_C", "0.5 is not an IRT guessing parameter c: it must be 0 or more and less than 0.5."),
        (6, "IRT_A", "4.5 is not an IRT discrimination a: it must be more than 0 and at most 4."),
        (6, "IRT_B", "-6.5 is not an IRT difficulty b: it must be from -6 to 6."),
        (6, "IRT_C", "-0.1 is not an IRT guessing parameter c: it must be 0 or more and less than 0.5."),
        (7, "IRT_A", "high is not a number."),
        (7, "IRT_B", "=B2 is a formula, not a number; type the number itself."),
        (7, "IRT_C", "x is not a number."),
    ]


# ---- rows -------------------------------------------------------------------------------------------


def test_blank_rows_header_again_and_values_beyond_the_header() -> None:
    text = HEAD + row("Q1") + ",,,,,,,,,,,,,,,,\n" + HEAD + "Q2,MCQ,Which, really?,a,b,c,d,A,1,CO1,L1,t,c,0.5,1,0,0\n"
    assert said(text) == [
        (4, None, "This row repeats the header; delete it."),
        (5, None, "This row has more values than the header has columns; a value that contains “,” must be in double "
                  "quotes."),
    ]
    sheet = workbook({1: ["ID", "TYPE", "QUESTION", "ANSWER"], 2: ["Q1", "TF", "True?", "T", None, "note"]})
    assert said(sheet) == [(2, "F", "Column F has a value in this row but no header.")]


def test_no_questions() -> None:
    assert said(HEAD) == [(1, None, "The file has a header row but no questions under it.")]
    assert said(HEAD + ",,,,,,,,,,,,,,,,\n") == [(1, None, "The file has a header row but no questions under it.")]


def test_a_workbook_with_numbers_and_booleans() -> None:
    sheet = workbook({1: ["Unit 1 bank"], 3: ["ID", "TYPE", "QUESTION", "A", "B", "C", "D", "ANSWER", "MARKS", "BLOOM",
                                              "DIFFICULTY", "IRT_A", "IRT_B", "IRT_C"],
                      4: [7, "TF", "True?", None, None, None, None, True, 1, 2, 0.25, 1.5, -0.5, 0.2],
                      5: ["Q8", "NUM", "How many?", None, None, None, None, 24.5, 2.5, 3, 0.6],
                      6: ["Q9", "MCQ", "Which?", 1, 2, 3, 4, "C", None, None, None]})
    parsed = parse(sheet)
    assert [(q.row, q.ref, q.kind, q.options, q.correct, q.value, q.marks, q.bloom, q.difficulty, q.irt)
            for q in parsed.questions] == [
        (4, "7", "TF", (), (0,), None, 1, 2, Decimal("0.25"), (1.5, -0.5, 0.2)),
        (5, "Q8", "NUM", (), (), Decimal("24.5"), Decimal("2.5"), 3, Decimal("0.6"), None),
        (6, "Q9", "MCQ", ("1", "2", "3", "4"), (2,), None, 1, None, None, None),
    ]


def test_every_problem_at_once_in_file_order() -> None:
    text = (HEAD + row("Q1", kind="QUIZ", co="CO9", bloom="L9") + row("Q1", options="a,,c,", answer="E", marks="-2")
            + row("", kind="TF", options=NO_OPTIONS, answer="?", difficulty="3", irt="9,,"))
    got = [(p[0], p[1]) for p in problems(text, known_cos=COS)]
    assert got == [(2, "TYPE"), (2, "CO"), (2, "BLOOM"), (3, "ID"), (3, "B"), (3, "ANSWER"), (3, "MARKS"), (4, "ID"),
                   (4, "ANSWER"), (4, "DIFFICULTY"), (4, "IRT_A"), (4, "IRT_B")]


# ---- property: a bank written by a program reads back the same ---------------------------------------

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BANK_HEADER = ["ID", "TYPE", "QUESTION", "A", "B", "C", "D", "E", "F", "ANSWER", "MARKS", "CO", "BLOOM", "TOPIC",
               "CONCEPT", "DIFFICULTY", "IRT_A", "IRT_B", "IRT_C"]
# any printable text of any script, with the delimiters, quotes and line breaks a cell may hold
_CHAR = st.one_of(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u200b\ufeff"),
                  st.sampled_from([",", ";", "\t", "|", '"', "\n", " ", "'", "="]))


def _text(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(_CHAR, min_size=min_size, max_size=max_size).map(str.strip).filter(lambda s: len(s) >= min_size)


def _option_key(text: str) -> str:
    return " ".join(text.casefold().split())


_KIND_SPELLINGS = {"MCQ": ["MCQ", "mcq", "Multiple Choice", "MCQ-MULTI"], "TF": ["TF", "T/F", "True/False", "Boolean"],
                   "NUM": ["NUM", "Numeric", "numerical", "Integer"], "VSA": ["VSA", "Very Short Answer"],
                   "SA": ["SA", "Short answer"], "LA": ["LA", "Long Answer"]}
_TRUE = ["T", "TRUE", "yes", "1", "सही", "सत्य"]
_FALSE = ["F", "false", "No", "0", "गलत", "असत्य"]
_BLOOM = {1: ["L1", "1", "Remember"], 2: ["L2", "K2", "Understand"], 3: ["L3", "Apply"], 4: ["L4", "Analyse"],
          5: ["L5", "Evaluate"], 6: ["L6", "Create", "सृजन"]}
_DIFFICULTY_WORDS = {"easy": Decimal("0.2"), "Medium": Decimal("0.5"), "HARD": Decimal("0.8")}


def _decimal(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False,
                       allow_infinity=False)


def _show(value: Decimal) -> str:
    return format(value, "f")


@st.composite
def bank_rows(draw: st.DrawFn, number: int, irt_scale: Decimal) -> tuple[list[str], dict[str, Any]]:
    """One valid row of a bank (its cells, in :data:`BANK_HEADER` order) and the QuestionRow fields it must give."""
    kind = draw(st.sampled_from(["MCQ", "TF", "NUM", "VSA", "SA", "LA"]))
    ref = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,20}", fullmatch=True)) + f"-{number}"
    text = draw(_text(200))
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    value: Decimal | None = None
    tolerance = Decimal(0)
    model_answer = ""
    answer = ""
    if kind == "MCQ":
        options = tuple(draw(st.lists(_text(40), min_size=2, max_size=6, unique_by=_option_key)))
        chosen = draw(st.lists(st.integers(0, len(options) - 1), min_size=1, unique=True))
        correct = tuple(sorted(chosen))
        letters = ["ABCDEF"[i] for i in chosen]
        answer = draw(st.sampled_from(["".join(letters), ",".join(letters), " & ".join(letters),
                                       " ".join(x.lower() for x in letters)]))
        if len(letters) == 1:
            answer = draw(st.sampled_from([answer, f"({letters[0]})", f"Option {letters[0]}"]))
    elif kind == "TF":
        truth = draw(st.integers(0, 1))
        correct = (truth,)
        answer = draw(st.sampled_from(_FALSE if truth else _TRUE))
    elif kind == "NUM":
        value = draw(_decimal("-100000", "100000", 3))
        if draw(st.booleans()):
            tolerance = draw(_decimal("0", "10", 2))
            answer = _show(value) + draw(st.sampled_from(["±", " ± ", " +- ", "+/-", " +/- "])) + _show(tolerance)
        else:
            answer = _show(value)
    else:
        model_answer = draw(st.one_of(st.just(""), _text(300)))
        answer = model_answer
    default = {"MCQ": 1, "TF": 1, "NUM": 1, "VSA": 2, "SA": 3, "LA": 5}[kind]
    if kind == "LA":
        marks = draw(st.sampled_from([Decimal(5), Decimal(6)]))
    elif kind in ("VSA", "SA"):
        marks = Decimal(default)
    else:
        marks = draw(_decimal("0.01", "100", 2))
    marks_cell = "" if marks == default and draw(st.booleans()) else _show(marks)
    co_number = draw(st.one_of(st.none(), st.integers(1, 9)))
    co_cell = "" if co_number is None else draw(st.sampled_from([f"CO{co_number}", f"co {co_number}",
                                                                 f"Co-0{co_number}"]))
    bloom = draw(st.one_of(st.none(), st.integers(1, 6)))
    bloom_cell = "" if bloom is None else draw(st.sampled_from(_BLOOM[bloom]))
    topic = draw(st.one_of(st.just(""), _text(120)))
    concept = draw(st.one_of(st.just(""), _text(120)))
    difficulty: Decimal | None = draw(st.one_of(st.none(), _decimal("0", "1", 3)))
    difficulty_cell = "" if difficulty is None else _show(difficulty)
    if difficulty is not None and draw(st.booleans()):
        difficulty_cell = _show(difficulty * 100) + "%"
    if draw(st.integers(0, 5)) == 0:
        difficulty_cell = draw(st.sampled_from(sorted(_DIFFICULTY_WORDS)))
        difficulty = _DIFFICULTY_WORDS[difficulty_cell]
    irt: tuple[float, float, float] | None = None
    irt_cells = ["", "", ""]
    if draw(st.booleans()):
        a, b = draw(_decimal("0.01", "4", 3)), draw(_decimal("-6", "6", 3))
        c = draw(st.one_of(st.none(), _decimal("0", "0.499", 3)))
        irt = (float(a * irt_scale), float(b), float(c or 0))
        irt_cells = [_show(a), _show(b), "" if c is None else _show(c)]
    option_cells = [*options, *[""] * (6 - len(options))]
    cells = [ref, draw(st.sampled_from(_KIND_SPELLINGS[kind])), text, *option_cells, answer, marks_cell, co_cell,
             bloom_cell, topic, concept, difficulty_cell, *irt_cells]
    expected = {"ref": ref, "kind": kind, "text": text, "options": options, "correct": correct, "value": value,
                "tolerance": tolerance, "model_answer": model_answer, "marks": marks,
                "co": None if co_number is None else f"CO{co_number}", "bloom": bloom, "topic": topic,
                "concept": concept, "difficulty": difficulty, "irt": irt}
    return cells, expected


@SETTINGS
@given(data=st.data(), metric=st.sampled_from(["logistic", "normal"]), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
def test_a_generated_bank_reads_back_the_same(data: st.DataObject, metric: str, delimiter: str, encoding: str) -> None:
    scale = Decimal("1.702") if metric == "normal" else Decimal(1)
    rows = [data.draw(bank_rows(n, scale)) for n in range(1, data.draw(st.integers(1, 12)) + 1)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(BANK_HEADER)
    writer.writerows(cells for cells, _expected in rows)
    table = read_table(out.getvalue().encode(encoding), "bank.csv")
    assert detect_kind(table.header) == "questions"
    parsed = parse_questions(table, known_cos=[f"CO{i}" for i in range(1, 10)], irt_metric=metric)
    assert parsed.ignored == []
    assert parsed.questions == [QuestionRow(row=i, **expected) for i, (_cells, expected) in enumerate(rows, start=2)]
