"""End-to-end fixtures: the sandbox as Telegram and the product as real processes on a fresh database.

``deployment`` is shared by the tests of a module (each test plays its own people); fault tests
that kill or restart parts use ``own_deployment``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from edubot.stack import Deployment

FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        item.stash[FAILED] = True
        module = getattr(item, "module", None)
        if module is not None:
            module.__dict__["_edubot_failed"] = True


async def _run(db: str, redis_url: str, data: Path, failed: Any, **kwargs: Any) -> AsyncIterator[Deployment]:
    dep = Deployment(db, redis_url, data, **kwargs)
    try:
        await dep.start()
        yield dep
    finally:
        if failed():
            for name, text in dep.logs().items():
                print(f"\n----- {name} log -----\n{text[-15000:]}")
        await dep.stop()


@pytest.fixture(scope="module")
async def deployment(request, module_db, services, tmp_path_factory) -> AsyncIterator[Deployment]:  # type: ignore[no-untyped-def]
    client = aioredis.Redis.from_url(services.redis_url)
    await client.flushdb()
    await client.aclose()
    data = tmp_path_factory.mktemp("deployment")
    async for dep in _run(module_db, services.redis_url, data, lambda: request.module.__dict__.get("_edubot_failed")):
        yield dep


@pytest.fixture
async def own_deployment(request, fresh_db, services, redis, tmp_path) -> AsyncIterator[Deployment]:  # type: ignore[no-untyped-def]
    """A deployment for one test; ``@pytest.mark.deployment(webhook=True, …)`` passes options.

    Fault tests may kill and restart its parts; restarts happen in the test's thread, as they must."""
    marker = request.node.get_closest_marker("deployment")
    kwargs = dict(marker.kwargs) if marker else {}
    async for dep in _run(fresh_db, services.redis_url, tmp_path / "data",
                          lambda: request.node.stash.get(FAILED, False), **kwargs):
        yield dep
