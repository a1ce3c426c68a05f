"""Onboarding through the sandbox: admin → teacher → classes and courses → roster file → students join
(personal link and class link) → parents link → a notification reaches a parent; refusals on the way."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from domain import notify
from domain.model import Role, User
from domain.services import invites, orgs
from edubot.stack import Deployment
from sandbox.client import SandboxUser

pytestmark = pytest.mark.e2e
EXAMPLES = Path("/work/shared/data/examples")
ROSTER = EXAMPLES / "roster.csv"
CODE = re.compile(r"start=([A-Za-z0-9_-]{22})")


def code_in(text: str) -> str:
    m = CODE.search(text)
    assert m, text
    return m.group(1)


async def roster_codes(user: SandboxUser) -> dict[str, dict[str, str]]:
    doc = await user.wait_for(r"applied: 12 new", timeout=30)
    assert doc.document is not None and doc.document["file_name"].endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(await user.download(doc)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return {str(r[0]): dict(zip(header, [str(c or "") for c in r], strict=True)) for r in rows[1:]}


async def test_onboarding_end_to_end(deployment: Deployment) -> None:
    dep = deployment
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Onboarding School", timezone="Asia/Kolkata")
        admin_code = await invites.create_invite(s, org_id=org.id, role=Role.ADMIN, created_by_user_id=None)
        await s.commit()

    anita = dep.person("Anita", "Desai")
    await anita.send(f"/start {admin_code}")
    await anita.wait_for("You are now admin of Onboarding School")
    assert "invite" in [c["command"] for c in anita.commands()]
    await anita.send("/invite")
    menu = await anita.wait_for("Whom do you want to invite")
    await anita.press("A teacher", message=menu)
    teacher_code = code_in((await anita.wait_for("A one-time link for a new teacher")).text or "")

    ravi = dep.person("Ravi", "Kumar")
    await ravi.send(f"/start {teacher_code}")
    await ravi.wait_for("You are now teacher of Onboarding School")
    assert {"newclass", "newcourse", "courses", "invite"} <= {c["command"] for c in ravi.commands()}
    await ravi.send("/newclass")
    await ravi.wait_for("What is the class called")
    await ravi.send("CSE-B")
    await ravi.wait_for("Class CSE-B is created")
    await ravi.send('/newcourse code=cs301 name="Database Systems" class=cse-b')
    program = await ravi.wait_for("Which program")
    await ravi.press("Skip", message=program)
    await ravi.wait_for("Course CS301 Database Systems is created for class CSE-B")

    await ravi.send_document(ROSTER)
    ack = await ravi.wait_for("Received roster.csv")
    codes = await roster_codes(ravi)
    await ravi.wait_for_edit(ack, "roster.csv: done")
    assert len(codes) == 12 and codes["1CR24CS001"]["NAME"] == "Aarav Shah"
    aarav_link = codes["1CR24CS001"]["STUDENT LINK (personal, once)"]
    parent_link = codes["1CR24CS001"]["PARENT LINK (once)"]

    aarav = dep.person("Aarav", "Shah")
    await aarav.send(f"/start {code_in(aarav_link)}")
    await aarav.wait_for(r"Welcome, Aarav Shah \(1CR24CS001\)! You are a student of Onboarding School")
    assert "notifications" in [c["command"] for c in aarav.commands()]
    stranger = dep.person("Someone")
    await stranger.send(f"/start {code_in(aarav_link)}")
    await stranger.wait_for("already been used")

    await ravi.send("/invite class=CSE-B")
    class_code = code_in((await ravi.wait_for("The join link of class CSE-B")).text or "")
    diya = dep.person("Diya", "Kulkarni")
    await diya.send(f"/start {class_code}")
    await diya.wait_for("Send your USN")
    await diya.send("1cr24cs002")
    await diya.wait_for(r"Welcome, Diya Kulkarni \(1CR24CS002\)")
    await stranger.send(f"/start {class_code}")
    await stranger.wait_for("Send your USN")
    await stranger.send("1CR24CS002")
    await stranger.wait_for("already linked to another Telegram account")
    await ravi.wait_for("Someone tried to join CSE-B as 1CR24CS002", timeout=30)  # the teacher is told

    mum = dep.person("Sunita", "Shah")
    await mum.send(f"/start {code_in(parent_link)}")
    await mum.wait_for(r"You are linked to Aarav Shah \(1CR24CS001\) as a parent")
    await aarav.wait_for("Sunita Shah is now linked to your account as a parent", timeout=30)
    await mum.send("/children")
    kids = await mum.wait_for("Your children")
    assert "Aarav Shah (1CR24CS001), CSE-B" in (kids.text or "")
    assert kids.button_texts == ["Unlink Aarav Shah"]

    async with dep.sessionmaker() as s:  # a notification from the product reaches the parent
        uid = await s.scalar(select(User.id).where(User.telegram_id == mum.id))
        assert uid is not None
        await notify.notify(s, org_id=org.id, event_key="e2e:hello", kind="marks", recipients=[uid],
                            message="Marks of {name} are published.", params={"name": "Aarav <Shah>"})
        await s.commit()
    got = await mum.wait_for("Marks of Aarav <Shah> are published", timeout=30)
    assert got.entities == []  # the name was escaped, not taken for markup

    await ravi.send("/whoami")
    who = await ravi.wait_for("Onboarding School: teacher")
    assert "Classes: CSE-B" in (who.text or "") and "Courses: CS301 Database Systems" in (who.text or "")


async def test_refusals_answer_with_a_sentence(deployment: Deployment, tmp_path: Path) -> None:
    dep = deployment
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Refusal School", timezone="Asia/Kolkata")
        teacher_code = await invites.create_invite(s, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
        await s.commit()
    teacher = dep.person("Tara")
    await teacher.send(f"/start {teacher_code}")
    await teacher.wait_for("You are now teacher")
    await teacher.send("/newclass name=X-1")
    await teacher.wait_for("Class X-1 is created")

    nobody = dep.person("Nobody")
    await nobody.send("/newclass name=Y")
    await nobody.wait_for("Join your school first")
    await nobody.send_document(b"USN,NAME\n1,A\n", filename="roster.csv")
    await nobody.wait_for("Join your school first")
    await nobody.send("/children")
    await nobody.wait_for("Join your school first")

    await teacher.send("/children")
    await teacher.wait_for("Only parents can do this")
    await teacher.send("/newclass name=x-1")
    await teacher.wait_for("A class named X-1 already exists")
    await teacher.send("/newcourse code=CS1 colour=red")
    await teacher.wait_for("colour= is not an option here")
    await teacher.send('/newcourse name="unclosed')
    await teacher.wait_for("A quotation mark is not closed")

    bad = "USN,NAME,CLASS\n1CR24CS001,Asha,X-1\n1cr24cs001,Asha again,X-1\n,No usn,X-1\n1CR24CS009,Zed,X-9\n"
    await teacher.send_document(bad.encode(), filename="bad-roster.csv")
    report = await teacher.wait_for(
        "bad-roster.csv was not applied, and nothing was changed. Problems found: 3", timeout=30
    )
    assert "row 3, column USN" in (report.caption or "") and "also in row 2" in (report.caption or "")
    assert "There is no class X-9" in (report.caption or "")
    assert report.document is not None and report.document["file_name"].endswith(".csv")
    problems = (await teacher.download(report)).decode("utf-8-sig")
    assert problems.splitlines()[0] == "ROW,COLUMN,VALUE,PROBLEM" and len(problems.splitlines()) == 4

    await teacher.send_document(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, filename="photo.png")
    await teacher.wait_for("photo.png", timeout=30)
    await teacher.send_document(b"Hello,World\n1,2\n", filename="notes.csv")
    await teacher.wait_for("I could not tell what notes.csv is", timeout=30)


async def test_a_roster_without_class_asks_which_class(deployment: Deployment) -> None:
    dep = deployment
    assert dep.sessionmaker is not None
    async with dep.sessionmaker() as s:
        org = await orgs.create_organization(s, "Question School", timezone="Asia/Kolkata")
        code = await invites.create_invite(s, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
        await s.commit()
    teacher = dep.person("Qasim")
    await teacher.send(f"/start {code}")
    await teacher.wait_for("You are now teacher")
    for name in ("A-1", "B-2"):
        await teacher.send(f"/newclass {name}")
        await teacher.wait_for(f"Class {name} is created")
    await teacher.send_document("USN;NAME\n4QS01;Ira\n4QS02;Om\n".encode("cp1252"), filename="list.csv")
    question = await teacher.wait_for("Which class is list.csv for", timeout=30)
    assert question.button_texts == ["A-1", "B-2"]
    await teacher.press("B-2", message=question)
    await teacher.wait_for_edit(question, "list.csv: class B-2")
    done = await teacher.wait_for("Roster list.csv applied: 2 new", timeout=30)
    assert done.document is not None
    await teacher.send_document(b"USN,NAME\n4QS03,Zoe\n", filename="one.csv", caption="class=a-1")
    await teacher.wait_for("Roster one.csv applied: 1 new", timeout=30)
