"""`edubot bench fanout`: 10,000 parents told of one result batch, through the sandbox enforcing
Telegram's limits. Prints the achieved rate as a fraction of EDUBOT_TELEGRAM_RATE, 429s received,
and lost and duplicate counts; `--rate 1000` measures the paid-broadcast case."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import psutil

from domain import notify
from domain.config import load_settings
from edubot.services import resolved, scratch
from edubot.stack import Deployment
from sandbox import Limits
from tests.bench.common import machine
from tests.support.seed import deliveries, parents_in_sandbox


async def run(db: str, redis: str, data: Path, parents: int, rate: float, workers: int, threads: int) -> int:
    limits = Limits(global_per_second=rate, per_chat_per_second=1, per_chat_burst=3, per_group_per_minute=20)
    dep = Deployment(db, redis, data, limits=limits, worker_processes=workers, worker_threads=threads,
                     extra_env={"EDUBOT_TELEGRAM_RATE": str(rate),
                                "EDUBOT_LOG_LEVEL": os.environ.get("EDUBOT_BENCH_LOG_LEVEL", "WARNING")},
                     parts=("worker", "scheduler"))
    await dep.start()
    try:
        assert dep.sandbox is not None and dep.sessionmaker is not None and dep.bot is not None
        async with dep.sessionmaker() as s:
            org_id, user_ids, tids = await parents_in_sandbox(dep.sandbox, s, parents)
        dep.sandbox.clear_calls()
        worker_procs = list(dep.procs.procs["worker"].tree()) if dep.procs else []
        cpu0 = sum(p.cpu_times().user + p.cpu_times().system for p in worker_procs)
        started = time.monotonic()
        async with dep.sessionmaker() as s:
            await notify.notify(s, org_id=org_id, event_key="bench:result-batch", kind="result", recipients=user_ids,
                                message="Result of {exam}: {score}", params={"exam": "Unit test 1", "score": "17/20"})
            await s.commit()
        deadline = started + parents / rate * 3 + 60
        while True:
            count, times, too_many = deliveries(dep.sandbox, dep.bot.token, tids)
            done = sum(1 for c in count.values() if c)
            if done >= parents or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # anything sent twice would show now
        count, times, too_many = deliveries(dep.sandbox, dep.bot.token, tids)
        cpu = sum(p.cpu_times().user + p.cpu_times().system for p in worker_procs if p.is_running()) - cpu0
        lost = sum(1 for c in count.values() if c == 0)
        dup = sum(c - 1 for c in count.values() if c > 1)
        span = (max(times) - min(times)) if len(times) > 1 else float("nan")
        achieved = (len(times) - 1) / span if span else float("nan")
        first_latency = min(times) - (started - 0) if times else float("nan")
        print(f"parents: {parents}, configured rate: {rate:.0f}/s, workers: {workers} × {threads} threads")
        print(f"delivered: {len(times)} messages in {span:.1f} s (first after {first_latency:.2f} s)")
        print(f"achieved rate: {achieved:.1f}/s = {achieved / rate:.3f} × EDUBOT_TELEGRAM_RATE (target ≥ 0.95)")
        print(f"429 received: {too_many}; lost: {lost}; duplicates: {dup} (targets 0 and 0)")
        print(f"worker CPU: {cpu:.1f} s for {len(times)} messages ({1000 * cpu / max(1, len(times)):.2f} ms each); "
              f"machine CPU count {psutil.cpu_count()}")
        return 0 if lost == 0 and dup == 0 else 1
    finally:
        await dep.stop()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="edubot bench fanout")
    ap.add_argument("--parents", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=float(os.environ.get("EDUBOT_TELEGRAM_RATE", "30")))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with resolved(load_settings()) as ready:
        db, redis = scratch(ready, "edubot_bench", 13)
        return asyncio.run(run(db, redis, ready.data_path / "bench", args.parents, args.rate, args.workers,
                               args.threads))
