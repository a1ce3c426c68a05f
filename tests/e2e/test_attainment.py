"""Marks to attainment through the sandbox: outcomes file → CIE marks → SEE marks → report with the right
numbers → publish → parents get their child's marks; an XLSX sheet works like the CSV."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from domain.attainment import MarkRow, Outcome, Params, Program, reference
from domain.model import Mark, Role
from domain.services import attainment, classes, courses, invites, joining, orgs, students, users
from domain.services.users import TelegramProfile
from edubot.stack import Deployment
from sandbox.client import SandboxUser

pytestmark = pytest.mark.e2e
DATA = Path(__file__).resolve().parents[2] / "edubot" / "demo_data"
OUTCOMES = (DATA / "outcomes.csv").read_text()
IA1 = (DATA / "marks_ia1.csv").read_text()
ROSTER = list(csv.DictReader(io.StringIO((DATA / "roster.csv").read_text())))
SEE = "USN,NAME,Q1,Q2,Q3,Q4\nMAX,,25,25,25,25\nCO,,CO1,CO2,CO3,CO4\n" + "\n".join(
    f"{r['USN']},{r['NAME']},{(i * 7) % 26},{(i * 11) % 26},{'AB' if i == 4 else (i * 5 + 9) % 26},{(i * 3 + 14) % 26}"
    for i, r in enumerate(ROSTER)) + "\n"


def expected(*sheets: tuple[str, str]) -> dict[str, Decimal | None]:
    """Final CO values computed independently: the reference implementation over the sheets' cells."""
    rows: list[MarkRow] = []
    for component, body in sheets:
        lines = list(csv.reader(io.StringIO(body)))
        header, mx, co = lines[0], lines[1], lines[2]
        for line in lines[3:]:
            for j in range(2, len(header)):
                cell = line[j].strip()
                value = None if cell.upper() == "AB" else Decimal(cell)
                rows.append(MarkRow(hash(line[0]), component, co[j], value, Decimal(mx[j])))
    outs = [Outcome(r["CO"]) for r in csv.DictReader(io.StringIO(OUTCOMES))]
    result = reference(0, rows, outs, [Program("PO1")], {}, {}, Params())
    return {c.code: c.final for c in result.cos}


async def school(dep: Deployment, teacher: SandboxUser, parent: SandboxUser,
                 students_joining: tuple[SandboxUser, ...] = (), *, college: str = "Attainment College") -> None:
    """A teacher of CS301 (class CSE-B, the demo roster), the parent of its first student, and the
    first students joined as ``students_joining``."""
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, college, timezone="Asia/Kolkata")
        code = await invites.create_invite(s, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
        await s.commit()
        t_user = await users.ensure_user(s, TelegramProfile(teacher.id, "Ravi"))
        await s.commit()
        actor = await users.load_actor(s, t_user)
        await joining.redeem(s, actor, code)
        actor = await users.load_actor(s, t_user)
        cls = await classes.create_class(s, actor, "CSE-B")
        await courses.create_course(s, actor, code="CS301", name="Database Systems", class_name="CSE-B",
                                    program="CSE")
        out = await students.apply_roster(s, actor, [students.RosterEntry(r["USN"], r["NAME"], cls.id, None)
                                                     for r in ROSTER])
        await s.commit()
        p_user = await users.ensure_user(s, TelegramProfile(parent.id, "Sunita"))
        await s.commit()
        first = out.lines[0].parent_code
        assert first is not None
        await joining.redeem(s, await users.load_actor(s, p_user), first)
        for person, line in zip(students_joining, out.lines, strict=False):
            s_user = await users.ensure_user(s, TelegramProfile(person.id, person.first_name))
            await s.commit()
            assert line.student_code is not None
            await joining.redeem(s, await users.load_actor(s, s_user), line.student_code)
    for person in students_joining:
        await person.send("/start")
        await person.wait_for("Hello")
    await teacher.send("/start")
    await teacher.wait_for("Hello")
    await parent.send("/start")
    await parent.wait_for("Hello")


def finals_in(report: str) -> dict[str, str]:
    """CO → the "Fin" column of the report's table (the last number of each CO line)."""
    found = {}
    for line in report.splitlines():
        m = re.match(r"^(CO\d+)\b.*?(\d+\.\d\d)\s*$", line.strip())
        if m:
            found[m.group(1)] = m.group(2)
    return found


async def test_outcomes_marks_report_publish(deployment: Deployment) -> None:
    dep = deployment
    teacher, parent = dep.person("Ravi"), dep.person("Sunita")
    await school(dep, teacher, parent)

    await teacher.send_document(OUTCOMES.encode(), filename="outcomes.csv", caption="course=CS301")
    await teacher.wait_for(r"Course outcomes of CS301 saved: 4 outcomes, 16 links", timeout=30)

    await teacher.send_document(IA1.encode(), filename="ia1.csv", caption='course=CS301 assessment="IA 1"')
    question = await teacher.wait_for("CIE\\) or the end-semester exam", timeout=30)
    await teacher.press("CIE", message=question)
    report = await teacher.wait_for(r"IA 1 \(CIE\) of CS301: marks of 12 students saved", timeout=30)
    want = expected(("CIE", IA1))
    assert finals_in(report.text or "") == {k: f"{v:.2f}" for k, v in want.items() if v is not None}
    assert report.button_texts == ["Publish these marks to students and parents"]
    co_chart = await teacher.wait_for("CO attainment of CS301", timeout=60)
    assert co_chart.photo is not None
    await teacher.wait_for("PO and PSO attainment of CS301", timeout=30)
    sheet = await teacher.wait_for("Every number of the attainment of CS301", timeout=30)
    book = openpyxl.load_workbook(io.BytesIO(await teacher.download(sheet)), read_only=True)
    assert {"Summary", "Students", "Questions", "Parameters"} <= set(book.sheetnames)

    await teacher.send_document(SEE.encode(), filename="see.csv",
                                caption='course=CS301 assessment="SEE" component=SEE')
    both = await teacher.wait_for(r"SEE \(SEE\) of CS301: marks of 12 students saved", timeout=30)
    want_both = expected(("CIE", IA1), ("SEE", SEE))
    assert finals_in(both.text or "") == {k: f"{v:.2f}" for k, v in want_both.items() if v is not None}

    await teacher.press("Publish these marks to students and parents", message=both)
    marks = await parent.wait_for(r"Marks of SEE \(CS301\) for Aarav Shah \(1CR24CS001\): \d+/100 — class "
                                  r"average [\d.]+/100", timeout=30)
    assert "Q1: 0/25" in (marks.text or "")

    # the same IA 1 as an Excel workbook: the marks are replaced, the numbers stay the same
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in csv.reader(io.StringIO(IA1)):
        ws.append([float(c) if re.fullmatch(r"\d+(\.\d+)?", c) else c for c in line])
    buf = io.BytesIO()
    wb.save(buf)
    await teacher.send_document(buf.getvalue(), filename="ia1.xlsx", caption='course=CS301 assessment="IA 1"')
    again = await teacher.wait_for(r"IA 1 \(CIE\) of CS301: .*previous marks of IA 1 were replaced", timeout=30)
    assert finals_in(again.text or "") == finals_in(both.text or "")
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(Mark))
        uploads = await s.scalar(text("SELECT count(*) FROM uploads WHERE kind = 'marks' AND status = 'done'"))
        course_id = await s.scalar(text("SELECT id FROM courses WHERE code = 'CS301'"))
        cached = await attainment.cached(s, int(course_id))
    assert count == 12 * 6 + 12 * 4  # IA 1 once (replaced), SEE once
    assert uploads == 3  # the history keeps every upload
    assert cached is not None and {c.code: c.final for c in cached.cos} == want_both


async def test_exit_survey_changes_the_final_and_progress_shows_the_profile(deployment: Deployment) -> None:
    dep = deployment
    teacher, parent = dep.person("Meera"), dep.person("Kavita")
    aarav, diya = dep.person("Aarav"), dep.person("Diya")
    await school(dep, teacher, parent, (aarav, diya), college="Survey College")
    await teacher.send_document(OUTCOMES.encode(), filename="outcomes.csv", caption="course=CS301")
    await teacher.wait_for(r"Course outcomes of CS301 saved", timeout=30)
    await teacher.send_document(IA1.encode(), filename="ia1.csv",
                                caption='course=CS301 assessment="IA 1" component=CIE')
    direct = await teacher.wait_for(r"IA 1 \(CIE\) of CS301: marks of 12 students saved", timeout=30)
    await teacher.wait_for("Every number of the attainment of CS301", timeout=60)

    await teacher.send("/survey")
    picker = await teacher.wait_for("Open the course exit survey of which course")
    await teacher.press("CS301 Database Systems", message=picker)
    opened = await teacher.wait_for(r"The exit survey of CS301 is open: 2 students are asked to rate 4 outcomes")
    ratings = {"Aarav": {"CO1": 3, "CO2": 1, "CO3": 2, "CO4": 3}, "Diya": {"CO1": 3, "CO2": 2, "CO3": 2, "CO4": 1}}
    for student in (aarav, diya):
        invitation = await student.wait_for("Course exit survey of CS301", timeout=30)
        mine = ratings[student.first_name]
        for k, (co, rating) in enumerate(mine.items(), start=1):
            press = await student.press(f"{co}: {rating}", message=invitation)
            answer = await press.answer(timeout=10)
            assert answer.text == f"Saved ({k} of 4 outcomes rated)."
    await teacher.press("Close the survey", message=opened)
    await teacher.wait_for_edit(opened, "The exit survey of CS301 is closed: 2 students answered")

    await teacher.send("/attainment CS301")
    report = await teacher.wait_for(r"CO attainment of CS301 .*\n.*exit survey", timeout=30)
    rows = [MarkRow(hash(line[0]), "CIE", co, None if v.strip().upper() == "AB" else Decimal(v), Decimal(mx))
            for lines in [list(csv.reader(io.StringIO(IA1)))]
            for line in lines[3:] for co, v, mx in zip(lines[2][2:], line[2:], lines[1][2:], strict=True)]
    outs = [Outcome(r["CO"]) for r in csv.DictReader(io.StringIO(OUTCOMES))]
    survey = {co: [ratings["Aarav"][co], ratings["Diya"][co]] for co in ratings["Aarav"]}
    want = {c.code: f"{c.final:.2f}" for c in reference(0, rows, outs, [Program("PO1")], {}, survey, Params()).cos
            if c.final is not None}
    assert finals_in(report.text or "") == want != finals_in(direct.text or "")

    await aarav.send("/progress")
    mine = await aarav.wait_for(r"CS301 Database Systems</b>|CS301 Database Systems: score per course outcome")
    assert re.search(r"CO1\s+CIE\s+[\d.]+/\d+\s+\d", mine.text or "")
    await parent.send("/progress")
    child = await parent.wait_for("score per course outcome")
    assert (child.text or "") == (mine.text or "")  # the parent sees their child's (Aarav's) profile
