"""Shared pieces of the benchmarks: machine description, percentiles, press/edit load drivers."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sandbox.client import MessageView, SandboxUser


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class LoadResult:
    presses: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    final: list[MessageView] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.presses / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lat = self.latencies_ms
        return (
            f"{self.rate:8.1f} presses/s   p50 {pct(lat, 50):7.1f} ms   p99 {pct(lat, 99):7.1f} ms   "
            f"max {max(lat) if lat else float('nan'):7.1f} ms   ({self.presses} presses, {self.errors} errors)"
        )


PressFn = Callable[[SandboxUser, MessageView], Awaitable[MessageView]]


async def closed_loop(users: Sequence[SandboxUser], first: Sequence[MessageView], press: PressFn,
                      seconds: float) -> LoadResult:
    """Every user presses again as soon as their question is edited, for ``seconds``."""
    result = LoadResult(final=list(first))
    deadline = time.monotonic() + seconds

    async def one(i: int) -> None:
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                result.final[i] = await press(users[i], result.final[i])
            except AssertionError:
                result.errors += 1
                return
            result.latencies_ms.append((time.monotonic() - t0) * 1000)
            result.presses += 1

    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(len(users))))
    result.seconds = time.monotonic() - started
    return result


async def open_loop(users: Sequence[SandboxUser], first: Sequence[MessageView], press: PressFn,
                    rate: float, seconds: float) -> LoadResult:
    """Presses arrive at a fixed ``rate`` (round-robin over idle users), whatever the latency."""
    result = LoadResult()
    current = result.final = list(first)
    idle: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(users)):
        idle.put_nowait(i)
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        t0 = time.monotonic()
        try:
            current[i] = await press(users[i], current[i])
            result.latencies_ms.append((time.monotonic() - t0) * 1000)
            result.presses += 1
        except AssertionError:
            result.errors += 1
        finally:
            idle.put_nowait(i)

    started = time.monotonic()
    n = int(rate * seconds)
    for k in range(n):
        target = started + k / rate
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        i = await idle.get()
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    result.seconds = time.monotonic() - started
    return result
