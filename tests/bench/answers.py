"""`edubot bench answers`: students pressing option buttons through the sandbox.

This first part measures the *floor*: a bare aiogram bot (press → edit, no database) in its own
process, polling the sandbox, with 500 concurrent users. The exam flow's figures are compared
with this floor, measured in the same run on the same sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from edubot.stack import Proc
from sandbox import Limits, Sandbox
from sandbox.client import MessageView, SandboxUser
from tests.bench.common import LoadResult, closed_loop, machine, open_loop

HERE = Path(__file__).resolve().parent


async def _press_next(user: SandboxUser, msg: MessageView) -> MessageView:
    label = "ABCD"[msg.message_id % 4]
    await user.press(label, message=msg)
    return await user.wait_for_edit(msg, timeout=30)


async def measure_floor(users_n: int, seconds: float, open_rate: float) -> tuple[LoadResult, LoadResult]:
    sb = Sandbox(limits=Limits.off())
    await sb.start()
    bot = sb.add_bot(token="700000001:AAFloorBotTokenForBenchmarks00000", username="floor_bot")
    env = {**os.environ, "EDUBOT_TELEGRAM_API_URL": sb.api_url, "EDUBOT_BOT_TOKEN": bot.token}
    proc = Proc("floor-bot", [sys.executable, str(HERE / "floor_bot.py")], env)
    try:
        users = [sb.add_user(f"Student{i}", language_code="en") for i in range(users_n)]
        for u in users:
            await u.send("/start")
        first = [await u.wait_for("Question 1", timeout=60) for u in users]
        closed = await closed_loop(users, first, _press_next, seconds)
        opened = await open_loop(users, closed.final, _press_next, open_rate, seconds)
        return closed, opened
    finally:
        proc.stop()
        await sb.stop()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="edubot bench answers")
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--rate", type=float, default=250.0, help="open-loop presses per second")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"workload: {args.users} users, closed loop {args.seconds:.0f} s, open loop {args.rate:.0f}/s")
    closed, opened = asyncio.run(measure_floor(args.users, args.seconds, args.rate))
    print(f"floor (bare aiogram bot)  closed loop: {closed.summary()}")
    print(f"floor (bare aiogram bot)  open loop:   {opened.summary()}")
    print("the exam flow is compared with these figures once exams exist (target: ≥ 0.5 × floor throughput,"
          " open-loop p99 ≤ 100 ms)")
    return 0 if closed.errors == 0 and opened.errors == 0 else 1
