"""HTTP serving: the Bot API routes, file downloads, the control endpoints, and ``serve()``.

Routes are Telegram's: ``/bot<token>/<method>`` (GET or POST; JSON, urlencoded, multipart or query
string) and ``/file/bot<token>/<file_path>``.  ``serve()`` runs a standalone sandbox until it is
cancelled; the product's CLI and ``python -m sandbox`` use it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox import control
from sandbox.errors import ENTITY_TOO_LARGE, NOT_FOUND
from sandbox.limits import Limits
from sandbox.params import Params, Upload
from sandbox.web import add_routes as add_web_chat

if TYPE_CHECKING:
    from sandbox.emulator import Sandbox

log = logging.getLogger("sandbox")

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")
#: Largest request body read; larger ones are refused with 413 as Telegram does past its limits.
MAX_REQUEST = 80 * 1024 * 1024


def _json(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type="application/json",
    )


async def read_params(request: web.Request) -> Params:
    """Parameters of a Bot API request from its query string and body."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    uploads[key] = Upload(value.filename or key, value.file.read(), value.content_type)
                else:
                    values[key] = value
        else:
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if isinstance(body, dict):
                    values.update(body)
    return Params(values, uploads)


async def handle_method(request: web.Request) -> web.Response:
    """``/bot<token>/<method>``."""
    sandbox = request.app[SANDBOX_KEY]
    try:
        params = await read_params(request)
    except web.HTTPRequestEntityTooLarge:
        return _json(413, {"ok": False, "error_code": 413, "description": ENTITY_TOO_LARGE})

    def connected() -> bool:
        transport = request.transport
        return transport is not None and not transport.is_closing()

    status, body = await sandbox.core.call(
        request.match_info["token"], request.match_info["method"], params, connected=connected
    )
    return _json(status, body)


async def handle_file(request: web.Request) -> web.StreamResponse:
    """``/file/bot<token>/<file_path>``: content of a file ``getFile`` returned a path for."""
    sandbox = request.app[SANDBOX_KEY]
    bot = sandbox.core.world.bots_by_token.get(request.match_info["token"])
    if bot is None:
        return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    data = sandbox.core.api.download(bot, request.match_info["path"])
    if data is None:
        return _json(404, {"ok": False, "error_code": 404, "description": NOT_FOUND})
    return web.Response(body=data, content_type="application/octet-stream")


async def handle_unknown(request: web.Request) -> web.Response:
    """Any other path: Telegram's 404."""
    return _json(404, {"ok": False, "error_code": 404, "description": NOT_FOUND})


def build_app(sandbox: Sandbox) -> web.Application:
    """The aiohttp application of a sandbox."""
    app = web.Application(client_max_size=MAX_REQUEST)
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    control.add_routes(app)
    add_web_chat(app)
    app.router.add_route("*", "/{tail:.*}", handle_unknown)
    return app


async def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    tokens: list[str] | None = None,
    bot_username: str = "edubot_bot",
    bot_name: str = "edubot",
    limits: Limits | None = None,
    sandbox: Sandbox | None = None,
    ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Run a sandbox until cancelled (Ctrl-C in ``python -m sandbox``).

    Each token in ``tokens`` becomes a bot (the first gets ``bot_username``/``bot_name``, others a
    numbered variant); ``ready`` is called once it is listening.
    """
    from sandbox.emulator import Sandbox

    sb = sandbox or Sandbox(limits)
    for index, token in enumerate(tokens or []):
        suffix = "" if index == 0 else str(index + 1)
        sb.add_bot(token, username=f"{bot_username}{suffix}", first_name=f"{bot_name}{suffix}")
    await sb.start(host, port)
    log.info("sandbox listening on %s", sb.api_url)
    if ready is not None:
        ready(sb)
    try:
        await asyncio.Event().wait()
    finally:
        await sb.stop()
