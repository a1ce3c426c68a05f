"""HTTP control endpoints under ``/sandbox/api/``: drive people, faults and limits over JSON.

These are what a web chat page, the demo or another process use instead of the Python client.
``sandbox/README.md`` documents every route.  Errors answer ``{"error": "..."}`` with 400 or 404.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.client import ChatView, SandboxUser
from sandbox.core import SandboxError
from sandbox.errors import ApiError
from sandbox.limits import Limits
from sandbox.state import JSON, ChatEvent

if TYPE_CHECKING:
    from sandbox.emulator import Sandbox

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/sandbox/api"


class _Bad(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def _sb(request: web.Request) -> Sandbox:
    from sandbox.server import SANDBOX_KEY

    return request.app[SANDBOX_KEY]


def _ok(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json"
    )


def _route(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except _Bad as exc:
            return _ok({"error": str(exc)}, exc.status)
        except SandboxError as exc:
            return _ok({"error": str(exc)}, 400)
        except AssertionError as exc:
            return _ok({"error": str(exc)}, 400)
        except ApiError as exc:
            return _ok({"error": exc.description}, 400)

    return wrapped


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise _Bad(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise _Bad(400, "the body must be a JSON object")
    return body


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _Bad(400, f"{name} must be an integer") from None


def _user(request: web.Request) -> SandboxUser:
    try:
        return _sb(request).user(_int(request.match_info["user_id"], "user_id"))
    except SandboxError as exc:
        raise _Bad(404, str(exc)) from None


def _view(request: web.Request, body: JSON | None = None) -> ChatView:
    """The user's private chat with ``bot_id`` (query or body; default the first bot) or a group."""
    sb = _sb(request)
    user = _user(request)
    source: dict[str, Any] = dict(request.query)
    if body:
        source.update({k: v for k, v in body.items() if k in ("bot_id", "group_id")})
    if source.get("group_id") not in (None, ""):
        try:
            return user.in_group(sb.group(_int(source["group_id"], "group_id")))
        except SandboxError as exc:
            raise _Bad(404, str(exc)) from None
    if source.get("bot_id") not in (None, ""):
        try:
            return user.with_bot(sb.bot_by_id(_int(source["bot_id"], "bot_id")))
        except SandboxError as exc:
            raise _Bad(404, str(exc)) from None
    return user


def _user_json(user: SandboxUser) -> JSON:
    return {**user.state.json(), "full_name": user.full_name}


def _event_json(event: ChatEvent) -> JSON:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "message_id": event.message_id,
        "from_bot": event.from_bot,
        "message": event.snapshot,
    }


# -- overview, bots, users, groups ---------------------------------------------------------------------


@_route
async def state(request: web.Request) -> web.StreamResponse:
    sb = _sb(request)
    return _ok(
        {
            "api_url": sb.api_url,
            "bots": [
                {
                    "id": b.id,
                    "username": b.username,
                    "first_name": b.first_name,
                    "token": b.token,
                    "pending_updates": b.pending_updates,
                    "webhook_url": b.webhook_url,
                }
                for b in sb.bots
            ],
            "users": [_user_json(u) for u in sb.users],
            "groups": [
                {
                    "id": g.id,
                    "title": g.title,
                    "user_ids": sorted(g.chat.member_users),
                    "bot_ids": sorted(g.chat.member_bots),
                }
                for g in sb.groups
            ],
            "limits": sb.limits.as_dict(),
            "faults": [f.as_dict() for f in sb.faults.armed()],
        }
    )


@_route
async def list_bots(request: web.Request) -> web.StreamResponse:
    return _ok(
        [{"id": b.id, "username": b.username, "first_name": b.first_name, "token": b.token} for b in _sb(request).bots]
    )


@_route
async def create_bot(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    bot = _sb(request).add_bot(
        body.get("token"),
        username=str(body.get("username", "edubot_bot")),
        first_name=str(body.get("first_name", "edubot")),
        can_read_all_group_messages=bool(body.get("can_read_all_group_messages", False)),
    )
    return _ok({"id": bot.id, "username": bot.username, "first_name": bot.first_name, "token": bot.token}, 201)


@_route
async def list_users(request: web.Request) -> web.StreamResponse:
    return _ok([_user_json(u) for u in _sb(request).users])


@_route
async def create_user(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    if not str(body.get("first_name", "")).strip():
        raise _Bad(400, "first_name is required")
    user = _sb(request).add_user(
        str(body["first_name"]),
        body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "en"),
        user_id=_int(body["id"], "id") if body.get("id") is not None else None,
    )
    return _ok(_user_json(user), 201)


@_route
async def get_user(request: web.Request) -> web.StreamResponse:
    return _ok(_user_json(_user(request)))


@_route
async def create_group(request: web.Request) -> web.StreamResponse:
    sb = _sb(request)
    body = await _body(request)
    try:
        members = [sb.user(_int(u, "user_ids")) for u in body.get("user_ids", [])]
        bots = [sb.bot_by_id(_int(b, "bot_ids")) for b in body["bot_ids"]] if "bot_ids" in body else None
    except SandboxError as exc:
        raise _Bad(404, str(exc)) from None
    group = sb.add_group(str(body.get("title", "Group")), members, bots)
    return _ok({"id": group.id, "title": group.title}, 201)


# -- what a person does -------------------------------------------------------------------------------


@_route
async def send_message(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    view = _view(request, body)
    text = body.get("text")
    if not isinstance(text, str):
        raise _Bad(400, "text is required")
    reply_to = body.get("reply_to_message_id")
    msg = await view.send(
        text,
        duplicate=bool(body.get("duplicate")),
        reply_to=_int(reply_to, "reply_to_message_id") if reply_to else None,
    )
    return _ok(msg.raw, 201)


async def _file_upload(request: web.Request) -> tuple[JSON, bytes, str | None]:
    """Fields and content of an upload: multipart (``file`` part) or JSON with base64 ``data``."""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        fields: JSON = {}
        content: bytes | None = None
        filename: str | None = None
        for key, value in form.items():
            if isinstance(value, FileField):
                content, filename = value.file.read(), value.filename
            else:
                fields[key] = value
        if content is None:
            raise _Bad(400, "a file part is required")
        return fields, content, filename
    body = await _body(request)
    try:
        content = base64.b64decode(str(body.get("data", "")), validate=True)
    except ValueError:
        raise _Bad(400, "data must be base64") from None
    return body, content, body.get("filename")


@_route
async def send_document(request: web.Request) -> web.StreamResponse:
    fields, content, filename = await _file_upload(request)
    view = _view(request, fields)
    msg = await view.send_document(
        content,
        str(fields.get("filename") or filename or "document"),
        fields.get("caption") or None,
        mime_type=fields.get("mime_type") or None,
    )
    return _ok(msg.raw, 201)


@_route
async def send_photo(request: web.Request) -> web.StreamResponse:
    fields, content, _ = await _file_upload(request)
    view = _view(request, fields)
    msg = await view.send_photo(content, fields.get("caption") or None)
    return _ok(msg.raw, 201)


@_route
async def press(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    view = _view(request, body)
    label: str | re.Pattern[str]
    if isinstance(body.get("button_regex"), str):
        label = re.compile(body["button_regex"])
    elif isinstance(body.get("button"), str):
        label = body["button"]
    else:
        raise _Bad(400, "button (text) or button_regex is required")
    message_id = body.get("message_id")
    pressed = await view.press(
        label,
        _int(message_id, "message_id") if message_id is not None else None,
        wait_answer=bool(body.get("wait_answer")),
        timeout=float(body.get("timeout", 10)),
    )
    answer = pressed.answered
    return _ok(
        {
            "query_id": pressed.query_id,
            "message_id": pressed.message_id,
            "data": pressed.data,
            "answer": None
            if answer is None
            else {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url},
        }
    )


@_route
async def answer_poll(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    view = _view(request, body)
    options = body.get("option_ids")
    if not isinstance(options, list):
        raise _Bad(400, "option_ids must be a list")
    await view.answer_poll(_int(body.get("message_id"), "message_id"), [_int(o, "option_ids") for o in options])
    return _ok({"ok": True})


@_route
async def block(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    view = _view(request, body)
    user = _user(request)
    if request.match_info["action"] == "block":
        await user.block_bot(view.bot)
    else:
        await user.unblock_bot(view.bot)
    return _ok({"ok": True})


# -- what a person sees -------------------------------------------------------------------------------


def _messages_json(view: ChatView) -> JSON:
    last = len(view.chat.events) - 1
    return {"chat": view.chat.json(), "seq": last, "messages": [m.raw for m in view.messages]}


@_route
async def messages(request: web.Request) -> web.StreamResponse:
    return _ok(_messages_json(_view(request)))


@_route
async def events(request: web.Request) -> web.StreamResponse:
    """Long poll: the chat's events after ``after`` (a ``seq``), waiting up to ``timeout`` seconds."""
    view = _view(request)
    after = _int(request.query.get("after", -1), "after")
    timeout = min(float(request.query.get("timeout", 25)), 60.0)
    chat = view.chat
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    core = _sb(request).core
    while len(chat.events) <= after + 1 and not core.stopping:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(chat.changed().wait(), remaining)
    found = chat.events[after + 1 :]
    return _ok({"seq": len(chat.events) - 1, "events": [_event_json(e) for e in found]})


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every event of the chat after ``after`` as it happens."""
    try:
        view = _view(request)
        after = _int(request.query.get("after", -1), "after")
    except _Bad as exc:
        return _ok({"error": str(exc)}, exc.status)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    chat = view.chat
    core = _sb(request).core
    position = after + 1
    try:
        while not core.stopping:
            while position < len(chat.events):
                event = chat.events[position]
                data = json.dumps(_event_json(event), ensure_ascii=False)
                await response.write(f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n".encode())
                position += 1
            waiter = chat.changed()
            try:
                await asyncio.wait_for(waiter.wait(), 15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


@_route
async def commands(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    bot = view.bot
    menu: JSON = {"type": "commands"}
    if bot is not None:
        menu = dict(bot.menu_buttons.get(view.chat.id) or bot.menu_buttons.get(None) or {"type": "commands"})
    return _ok({"commands": view.commands(), "menu_button": menu})


@_route
async def file_content(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    message_id = _int(request.match_info["message_id"], "message_id")
    data = await view.download(message_id)
    raw = view.message(message_id).raw
    doc = raw.get("document") or {}
    ctype = doc.get("mime_type") or "application/octet-stream"
    if "photo" in raw:
        ctype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return web.Response(body=data, content_type=ctype)


@_route
async def user_state(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    bot = view.bot
    rel = bot.relations.get(view.chat.id) if bot is not None else None
    last = view.chat.last_action
    uid = _user(request).id
    polls = _sb(request).core.world.polls.values()
    answers = {str(p.message_id): p.answers[uid] for p in polls if p.chat is view.chat and uid in p.answers}
    return _ok(
        {
            "chat_action": view.chat_action,
            "chat_action_age": round(time.monotonic() - last[1], 3) if view.chat_action and last else None,
            "reply_keyboard": view.reply_keyboard,
            "blocked": bool(rel and rel.blocked),
            "started": bool(rel and rel.started),
            "poll_answers": answers,
        }
    )


@_route
async def notes(request: web.Request) -> web.StreamResponse:
    return _ok([{"title": title, "text": text} for title, text in _sb(request).notes])


# -- faults, limits, calls ------------------------------------------------------------------------------


@_route
async def list_faults(request: web.Request) -> web.StreamResponse:
    return _ok([f.as_dict() for f in _sb(request).faults.armed()])


@_route
async def add_fault(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    faults = _sb(request).faults
    method = body.get("method")
    if not isinstance(method, str) or not method:
        raise _Bad(400, "method is required")
    n = _int(body.get("n", 1), "n")
    kind = body.get("kind", "fail")
    if kind == "fail":
        fault = faults.fail_next(
            method,
            n,
            _int(body.get("status", 500), "status"),
            body.get("description"),
            retry_after=_int(body["retry_after"], "retry_after") if body.get("retry_after") is not None else None,
        )
    elif kind == "hang":
        then = body.get("then", "answer")
        when = body.get("when", "before")
        if then not in ("answer", "never") or when not in ("before", "after"):
            raise _Bad(400, "then is answer|never, when is before|after")
        fault = faults.hang_next(method, n, float(body.get("seconds", 30)), then=then, when=when)
    else:
        raise _Bad(400, "kind is fail or hang")
    return _ok(fault.as_dict(), 201)


@_route
async def clear_faults(request: web.Request) -> web.StreamResponse:
    _sb(request).faults.clear()
    return _ok({"ok": True})


@_route
async def delete_fault(request: web.Request) -> web.StreamResponse:
    if not _sb(request).faults.cancel(_int(request.match_info["fault_id"], "fault_id")):
        raise _Bad(404, "no such fault")
    return _ok({"ok": True})


@_route
async def get_limits(request: web.Request) -> web.StreamResponse:
    return _ok(_sb(request).limits.as_dict())


@_route
async def set_limits(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    preset = body.get("preset")
    if preset == "telegram":
        limits = Limits.telegram()
    elif preset == "off":
        limits = Limits.off()
    elif preset is None:
        fields = {k: body.get(k) for k in ("global_per_second", "per_chat_per_second", "per_group_per_minute")}
        limits = Limits(**fields, per_chat_burst=_int(body.get("per_chat_burst", 3), "per_chat_burst"))
    else:
        raise _Bad(400, "preset is telegram or off")
    _sb(request).set_limits(limits)
    return _ok(limits.as_dict())


@_route
async def list_calls(request: web.Request) -> web.StreamResponse:
    sb = _sb(request)
    method = request.query.get("method")
    since = _int(request.query.get("since", 0), "since")
    records = [r for r in sb.core.log.of(method) if r.seq > since]
    limit = request.query.get("limit")
    if limit:
        records = records[-_int(limit, "limit") :]
    with_result = request.query.get("results") in ("1", "true")
    return _ok([r.as_dict(with_result=with_result) for r in records])


@_route
async def clear_calls(request: web.Request) -> web.StreamResponse:
    _sb(request).clear_calls()
    return _ok({"ok": True})


def add_routes(app: web.Application) -> None:
    """Register every control route on ``app``."""
    r = app.router
    user = PREFIX + "/users/{user_id}"
    r.add_get(PREFIX + "/state", state)
    r.add_get(PREFIX + "/bots", list_bots)
    r.add_post(PREFIX + "/bots", create_bot)
    r.add_get(PREFIX + "/users", list_users)
    r.add_post(PREFIX + "/users", create_user)
    r.add_post(PREFIX + "/groups", create_group)
    r.add_get(PREFIX + "/notes", notes)
    r.add_get(user, get_user)
    r.add_post(user + "/messages", send_message)
    r.add_get(user + "/messages", messages)
    r.add_post(user + "/documents", send_document)
    r.add_post(user + "/photos", send_photo)
    r.add_post(user + "/press", press)
    r.add_post(user + "/poll_answers", answer_poll)
    r.add_post(user + "/{action:block|unblock}", block)
    r.add_get(user + "/events", events)
    r.add_get(user + "/stream", stream)
    r.add_get(user + "/commands", commands)
    r.add_get(user + "/state", user_state)
    r.add_get(user + "/files/{message_id}", file_content)
    r.add_get(PREFIX + "/faults", list_faults)
    r.add_post(PREFIX + "/faults", add_fault)
    r.add_delete(PREFIX + "/faults", clear_faults)
    r.add_delete(PREFIX + "/faults/{fault_id}", delete_fault)
    r.add_get(PREFIX + "/limits", get_limits)
    r.add_put(PREFIX + "/limits", set_limits)
    r.add_get(PREFIX + "/calls", list_calls)
    r.add_delete(PREFIX + "/calls", clear_calls)
