"""Seeding many people fast (benchmarks and fault tests): sandbox persons and their database rows."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.services import orgs
from sandbox import Sandbox


async def parents_in_sandbox(sb: Sandbox, session: AsyncSession, n: int, *, org_name: str = "Fan-out School"
                             ) -> tuple[int, list[int], list[int]]:
    """An organization and ``n`` parents who started the bot earlier: (org id, user ids, telegram ids)."""
    org = await orgs.create_organization(session, org_name, timezone="Asia/Kolkata")
    telegram_ids = [sb.add_user(f"Parent{i}", started=True).id for i in range(n)]
    rows = await session.execute(
        text("INSERT INTO users (telegram_id, first_name) SELECT unnest(CAST(:ids AS bigint[])), 'Parent' "
             "RETURNING id"),
        {"ids": telegram_ids},
    )
    user_ids = [r[0] for r in rows]
    await session.execute(
        text("INSERT INTO memberships (org_id, user_id, role) SELECT :o, unnest(CAST(:u AS bigint[])), 'parent'"),
        {"o": org.id, "u": user_ids},
    )
    await session.commit()
    return org.id, user_ids, telegram_ids


def deliveries(sb: Sandbox, token: str, telegram_ids: list[int]) -> tuple[dict[int, int], list[float], int]:
    """Per recipient, how many messages the bot sent them; the send times; 429s received."""
    wanted = set(telegram_ids)
    count: dict[int, int] = dict.fromkeys(telegram_ids, 0)
    times: list[float] = []
    too_many = 0
    for call in sb.calls:
        if call.token != token or call.method.lower() != "sendmessage":
            continue
        if call.error_code == 429:
            too_many += 1
            continue
        if not call.ok:
            continue
        chat = int(str(call.params.get("chat_id")))
        if chat in wanted:
            count[chat] += 1
            times.append(call.monotonic)
    return count, times, too_many


async def course_with_students(session: AsyncSession, teacher_telegram_id: int, n_students: int, n_cos: int = 8,
                               *, org_name: str = "Bench College") -> tuple[int, str, list[str]]:
    """A teacher (with this Telegram id) teaching CS101 to a class of ``n_students``, with ``n_cos`` outcomes.

    Returns (org id, course code, the students' USNs)."""
    from domain.model import Role
    from domain.services import classes, courses, invites, joining, outcomes, users
    from domain.services.users import TelegramProfile

    org = await orgs.create_organization(session, org_name, timezone="Asia/Kolkata")
    code = await invites.create_invite(session, org_id=org.id, role=Role.TEACHER, created_by_user_id=None)
    await session.commit()
    user = await users.ensure_user(session, TelegramProfile(teacher_telegram_id, "Teacher"))
    await session.commit()
    await joining.redeem(session, await users.load_actor(session, user), code)
    actor = await users.load_actor(session, user)
    cls = await classes.create_class(session, actor, "BENCH-A")
    course_view = await courses.create_course(session, actor, code="CS101", name="Benchmarks", class_name="BENCH-A",
                                              program="CSE")
    usns = [f"1BM24CS{i:05d}" for i in range(1, n_students + 1)]
    await session.execute(
        text("INSERT INTO students (org_id, usn, name, class_id) "
             "SELECT :o, u, 'Student ' || u, :c FROM unnest(CAST(:usns AS text[])) AS u"),
        {"o": org.id, "c": cls.id, "usns": usns},
    )
    from domain.model.people import Course

    course = await session.get(Course, course_view.id)
    assert course is not None
    await outcomes.apply_outcomes(
        session, course,
        [outcomes.OutcomeInput(f"CO{i}", f"Outcome {i}", 1 + i % 6, {f"PO{1 + i % 12}": 3, "PSO1": 2})
         for i in range(1, n_cos + 1)],
        upload_id=None, user_id=user.id,
    )
    await session.commit()
    return org.id, course.code, usns


def marks_csv(usns: list[str], questions: int = 40, n_cos: int = 8, *, seed: int = 7) -> bytes:
    """A marks sheet: MAX 10 per question, COs in turn, half marks and about 2 % absent."""
    import random

    rnd = random.Random(seed)
    lines = ["USN,NAME," + ",".join(f"Q{j}" for j in range(1, questions + 1)),
             "MAX,," + ",".join("10" for _ in range(questions)),
             "CO,," + ",".join(f"CO{1 + j % n_cos}" for j in range(questions))]
    for usn in usns:
        cells = ["AB" if rnd.random() < 0.02 else str(rnd.randrange(0, 21) / 2).removesuffix(".0")
                 for _ in range(questions)]
        lines.append(f"{usn},Student {usn}," + ",".join(cells))
    return ("\n".join(lines) + "\n").encode()
