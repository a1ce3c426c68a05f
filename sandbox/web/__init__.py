"""The web chat: a page served by the sandbox where a person picks or creates a user and chats with a bot.

The page (``index.html``, ``style.css`` and the ES modules ``app.js``, ``sidebar.js``, ``session.js``,
``render.js``, ``page.js``, ``api.js`` in this folder) is plain HTML, CSS and JavaScript with no build
step and no outside resources; it talks only to the control API (``/sandbox/api/...``).
``add_routes(app)`` serves it at ``/`` and ``/chat`` and its assets under ``/sandbox/web/``.
"""

from sandbox.web.routes import ASSET_PREFIX, add_routes

__all__ = ["ASSET_PREFIX", "add_routes"]
