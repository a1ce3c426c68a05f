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
