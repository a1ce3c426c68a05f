"""Bot commands per scope and language, their validation, the menu a person sees, and the menu button."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    MenuButtonCommands,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from sandbox import Sandbox, SandboxUser


def cmds(*names: str) -> list[BotCommand]:
    return [BotCommand(command=n, description=f"{n} description") for n in names]


async def bad(coro: Awaitable[Any]) -> str:
    with pytest.raises(TelegramBadRequest) as exc:
        await coro
    return exc.value.message


async def test_commands_per_scope_and_language(tg: Bot, started: SandboxUser) -> None:
    await tg.set_my_commands(cmds("start", "help"))
    await tg.set_my_commands(cmds("start", "marks"), scope=BotCommandScopeAllPrivateChats())
    await tg.set_my_commands(cmds("start", "ankon"), scope=BotCommandScopeAllPrivateChats(), language_code="hi")
    await tg.set_my_commands(cmds("teach"), scope=BotCommandScopeChat(chat_id=started.id))
    assert [c.command for c in await tg.get_my_commands()] == ["start", "help"]
    assert [
        c.command for c in await tg.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="hi")
    ] == ["start", "ankon"]
    assert await tg.get_my_commands(language_code="hi") == [], "getMyCommands reads exactly one scope and language"
    assert [c["command"] for c in started.commands()] == ["teach"]
    assert await tg.delete_my_commands(scope=BotCommandScopeChat(chat_id=started.id))
    assert [c["command"] for c in started.commands()] == ["start", "marks"]
    started.state.language_code = "hi"
    assert [c["command"] for c in started.commands()] == ["start", "ankon"]
    await tg.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="hi")
    await tg.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c["command"] for c in started.commands()] == ["start", "help"]


async def test_group_scopes(sb: Sandbox, tg: Bot) -> None:
    admin = sb.add_user("Meera")
    member = sb.add_user("Kiran")
    group = sb.add_group("Class 7B", [admin, member])
    await tg.set_my_commands(cmds("help"))
    await tg.set_my_commands(cmds("attendance"), scope=BotCommandScopeAllGroupChats())
    await tg.set_my_commands(cmds("close"), scope=BotCommandScopeAllChatAdministrators())
    await tg.set_my_commands(cmds("mine"), scope=BotCommandScopeChatMember(chat_id=group.id, user_id=member.id))
    assert [c["command"] for c in admin.in_group(group).commands()] == ["close"]
    assert [c["command"] for c in member.in_group(group).commands()] == ["mine"]
    assert (
        await bad(tg.set_my_commands(cmds("x"), scope=BotCommandScopeChatMember(chat_id=group.id, user_id=1)))
        == "Bad Request: user not found"
    )


async def test_command_validation(sb: Sandbox, tg: Bot) -> None:
    assert await tg.set_my_commands([BotCommand(command=" /start_1", description=" d ")])
    assert [(c.command, c.description) for c in await tg.get_my_commands()] == [("start_1", "d")]
    assert (
        await bad(tg.set_my_commands([BotCommand(command="", description="d")]))
        == "Bad Request: command must be non-empty"
    )
    assert (
        await bad(tg.set_my_commands([BotCommand(command="c" * 33, description="d")]))
        == "Bad Request: command length must not exceed 32"
    )
    assert (
        await bad(tg.set_my_commands([BotCommand(command="ok", description="")]))
        == "Bad Request: command description must be non-empty"
    )
    assert await bad(tg.set_my_commands([BotCommand(command="ok", description="d" * 257)])) == (
        "Bad Request: command description length must not exceed 256"
    )
    assert (
        await bad(tg.set_my_commands([BotCommand(command="with-dash", description="d")]))
        == "Bad Request: BOT_COMMAND_INVALID"
    )
    assert (
        await bad(tg.set_my_commands([BotCommand(command="Start", description="d")]))
        == "Bad Request: BOT_COMMAND_INVALID"
    )
    assert await bad(tg.set_my_commands(cmds(*[f"c{i}" for i in range(101)]))) == "Bad Request: BOT_COMMANDS_TOO_MUCH"
    await tg.set_my_commands(cmds(*[f"c{i}" for i in range(100)]))
    assert (
        await bad(tg.set_my_commands(cmds("x"), language_code="english"))
        == "Bad Request: invalid language code specified"
    )
    stranger = sb.add_user("Nobody")
    assert (
        await bad(tg.set_my_commands(cmds("x"), scope=BotCommandScopeChat(chat_id=stranger.id)))
        == "Bad Request: chat not found"
    )
    assert await tg.set_my_commands([BotCommand(command="c" * 32, description="d" * 256)])


async def test_menu_button(tg: Bot, started: SandboxUser) -> None:
    assert (await tg.get_chat_menu_button()).type == MenuButtonCommands().type
    app = MenuButtonWebApp(text="Open", web_app=WebAppInfo(url="https://example.com/app"))
    assert await tg.set_chat_menu_button(chat_id=started.id, menu_button=app)
    got = await tg.get_chat_menu_button(chat_id=started.id)
    assert (got.type, got.text, got.web_app.url if got.web_app else None) == (
        "web_app",
        "Open",
        "https://example.com/app",
    )
    assert (await tg.get_chat_menu_button()).type == "commands", "other chats keep the default"
    await tg.set_chat_menu_button(chat_id=started.id, menu_button=MenuButtonDefault())
    assert (await tg.get_chat_menu_button(chat_id=started.id)).type == "commands"
