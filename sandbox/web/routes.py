"""Routes of the web chat: the page at ``/`` and ``/chat``, its scripts and style under ``/sandbox/web/``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

#: Where the page's scripts and style are served from.
ASSET_PREFIX = "/sandbox/web/"
WEB_DIR = Path(__file__).resolve().parent
#: Every file the page may load, with its content type (nothing else in the folder is served).
ASSETS: dict[str, str] = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "api.js": "text/javascript",
    "page.js": "text/javascript",
    "render.js": "text/javascript",
    "session.js": "text/javascript",
    "sidebar.js": "text/javascript",
    "style.css": "text/css",
}
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


async def _serve(name: str) -> web.Response:
    data = await asyncio.to_thread((WEB_DIR / name).read_bytes)
    return web.Response(body=data, content_type=ASSETS[name], charset="utf-8", headers=_HEADERS)


async def page(request: web.Request) -> web.Response:
    """The chat page."""
    return await _serve("index.html")


async def asset(request: web.Request) -> web.Response:
    """One of the page's scripts or its style sheet."""
    name = request.match_info["name"]
    if name not in ASSETS:
        return web.json_response({"error": f"no asset {name!r}"}, status=404)
    return await _serve(name)


def add_routes(app: web.Application) -> None:
    """Serve the web chat on ``app`` (register before any catch-all route)."""
    app.router.add_get("/", page)
    app.router.add_get("/chat", page)
    app.router.add_get(ASSET_PREFIX + "{name}", asset)
