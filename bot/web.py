"""The bot's HTTP server: health (``/healthz``), Prometheus metrics (``/metrics``) and, in webhook mode,
the webhook endpoint that checks Telegram's secret-token header."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("edubot.web")
WEBHOOK_PATH = "/telegram/webhook"


def build_web_app(engine: AsyncEngine, redis: aioredis.Redis) -> web.Application:
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(3):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            async with asyncio.timeout(3):
                await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        return web.json_response({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = [s.getsockname() for s in getattr(site._server, "sockets", [])]
    log.info("http server listening", extra={"host": host, "port": port, "bound": bound})
    return runner


async def shutdown(runner: web.AppRunner) -> None:
    with contextlib.suppress(Exception):
        await runner.cleanup()
