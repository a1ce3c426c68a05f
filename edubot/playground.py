"""`edubot sandbox`: the sandbox's web chat with the whole product behind it, for people to try by hand.

A demo school is created with fresh invites for each role there is; the web page's notes panel
shows them, ready to send. Runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from domain.model.people import Role
from domain.services import invites, orgs
from edubot.demo import SCHOOL
from edubot.stack import Deployment


async def serve_playground(database_url: str, redis_url: str, data_dir: Path, *, host: str, port: int,
                           stop: asyncio.Event, out: TextIO = sys.stdout) -> None:
    dep = Deployment(database_url, redis_url, data_dir, sandbox_host=host, sandbox_port=port)
    print("starting the sandbox and edubot…", file=out, flush=True)
    await dep.start()
    try:
        assert dep.sessionmaker is not None and dep.sandbox is not None
        async with dep.sessionmaker() as session:
            org = await orgs.create_organization(session, SCHOOL, timezone="Asia/Kolkata", country="IN")
            notes = [("How to try edubot", "Add a person on the left, open their chat, and send /start.\n"
                      "To join the school, send one of the invite commands below (each works once).")]
            for role in (Role.ADMIN, Role.TEACHER, Role.TEACHER):
                code = await invites.create_invite(session, org_id=org.id, role=role, created_by_user_id=None)
                notes.append((f"Join {SCHOOL} as {role.value}", f"/start {code}"))
            await session.commit()
        dep.sandbox.set_notes(notes)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for display
        print(f"\nedubot sandbox is ready: open http://{shown}:{port}/ in a browser", file=out)
        for title, text in notes[1:]:
            print(f"  {title}: {text}", file=out)
        print("Ctrl-C stops everything.", file=out, flush=True)
        await stop.wait()
    finally:
        print("stopping…", file=out, flush=True)
        await dep.stop()
