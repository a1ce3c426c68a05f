"""Polls and quizzes: defaults, validation (with the default HTML parse mode), answers, stopping, closing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InputPollOption

from sandbox import Sandbox, SandboxError, SandboxUser
from tests.sandbox.conftest import close_bot, make_bot


async def bad(coro: Awaitable[Any]) -> str:
    with pytest.raises(TelegramBadRequest) as exc:
        await coro
    return exc.value.message


async def test_regular_poll_defaults_and_updates(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_poll(started.id, "Lunch?", ["Pizza", InputPollOption(text="Pasta")])
    poll = sent.poll
    assert poll is not None
    assert (poll.type, poll.is_anonymous, poll.allows_multiple_answers, poll.allows_revoting, poll.is_closed) == (
        "regular",
        True,
        False,
        True,
        False,
    )
    assert [(o.persistent_id, o.text, o.voter_count) for o in poll.options] == [("0", "Pizza", 0), ("1", "Pasta", 0)]
    view = await started.wait_for("Lunch?")
    await started.answer_poll(view, [1])
    updates = await tg.get_updates()
    kinds = [("poll" if u.poll else "poll_answer" if u.poll_answer else "other") for u in updates]
    assert kinds == ["poll"], "an anonymous poll gives no poll_answer"
    assert updates[0].poll is not None and updates[0].poll.total_voter_count == 1
    assert [o.voter_count for o in updates[0].poll.options] == [0, 1]


async def test_quiz_with_answers(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_poll(
        started.id,
        "2 + 2 = ?",
        ["3", "4", "5"],
        type="quiz",
        is_anonymous=False,
        correct_option_ids=[1],
        explanation="Because <b>2+2</b> is 4",
    )
    poll = sent.poll
    assert poll is not None
    assert (poll.type, poll.is_anonymous, poll.allows_revoting, poll.correct_option_ids) == ("quiz", False, False, [1])
    assert poll.explanation == "Because 2+2 is 4"
    assert poll.explanation_entities is not None and poll.explanation_entities[0].type == "bold"
    view = await started.wait_for("2 \\+ 2")
    await started.answer_poll(view, [2])
    updates = await tg.get_updates()
    answer = next(u.poll_answer for u in updates if u.poll_answer)
    assert (answer.poll_id, answer.option_ids, answer.option_persistent_ids) == (poll.id, [2], ["2"])
    assert answer.user is not None and answer.user.id == started.id
    state = next(u.poll for u in updates if u.poll)
    assert state.correct_option_ids == [1] and state.total_voter_count == 1
    with pytest.raises(SandboxError):
        await started.answer_poll(view, [1])
    legacy = await tg.send_poll(started.id, "Legacy?", ["a", "b"], type="quiz", correct_option_id=0)
    assert legacy.poll is not None and legacy.poll.correct_option_ids == [0]


async def test_revoting_and_multiple_answers(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_poll(
        started.id, "Days?", ["Mon", "Tue", "Wed"], is_anonymous=False, allows_multiple_answers=True
    )
    await started.answer_poll(sent.message_id, [2, 0])
    await started.answer_poll(sent.message_id, [])
    answers = [u.poll_answer.option_ids for u in await tg.get_updates() if u.poll_answer]
    assert answers == [[0, 2], []]
    single = await tg.send_poll(started.id, "One?", ["a", "b"])
    with pytest.raises(SandboxError):
        await started.answer_poll(single.message_id, [0, 1])


async def test_poll_validation(tg: Bot, started: SandboxUser) -> None:
    uid = started.id
    assert await bad(tg.send_poll(uid, "Is x < y?", ["yes", "no"])) == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 5'
    )
    # aiogram applies the default parse mode to InputPollOption objects; plain strings stay plain text.
    assert await bad(tg.send_poll(uid, "Pick", [InputPollOption(text="a < b"), "c"])) == (
        "Bad Request: can't parse InputPollOption: Can't parse entities: Unsupported start tag \"\" at byte offset 2"
    )
    plain = await tg.send_poll(uid, "Is x &lt; y?", ["a < b", InputPollOption(text="c &lt; d")])
    assert plain.poll is not None and plain.poll.question == "Is x < y?"
    assert [o.text for o in plain.poll.options] == ["a < b", "c < d"]
    assert await bad(tg.send_poll(uid, " ", ["a", "b"])) == "Bad Request: text must be non-empty"
    assert (
        await bad(tg.send_poll(uid, "q" * 301, ["a", "b"])) == "Bad Request: poll question length must not exceed 300"
    )
    await tg.send_poll(uid, "q" * 300, ["a"])
    assert await bad(tg.send_poll(uid, "q", [])) == "Bad Request: poll must have at least one answer option"
    assert (
        await bad(tg.send_poll(uid, "q", [str(i) for i in range(13)]))
        == "Bad Request: poll can't have more than 12 options"
    )
    await tg.send_poll(uid, "q", [str(i) for i in range(12)])
    assert await bad(tg.send_poll(uid, "q", ["o" * 101, "b"])) == "Bad Request: poll options length must not exceed 100"
    assert (
        await bad(tg.send_poll(uid, "q", ["a", "b"], type="quiz")) == "Bad Request: wrong correct option ID specified"
    )
    assert await bad(tg.send_poll(uid, "q", ["a", "b"], type="quiz", correct_option_ids=[2])) == (
        "Bad Request: wrong correct option ID specified"
    )
    assert await bad(
        tg.send_poll(uid, "q", ["a", "b"], type="quiz", correct_option_ids=[0], explanation="e" * 201)
    ) == ("Bad Request: explanation is too long")
    assert (
        await bad(tg.send_poll(uid, "q", ["a", "b"], type="survey")) == "Bad Request: unsupported poll type specified"
    )


async def test_stop_poll(tg: Bot, started: SandboxUser) -> None:
    sent = await tg.send_poll(started.id, "Stop me", ["a", "b"], is_anonymous=False)
    await started.answer_poll(sent.message_id, [0])
    stopped = await tg.stop_poll(started.id, sent.message_id)
    assert stopped.is_closed and stopped.options[0].voter_count == 1
    assert (started.message(sent.message_id).poll or {}).get("is_closed") is True
    assert await bad(tg.stop_poll(started.id, sent.message_id)) == "Bad Request: poll has already been closed"
    text = await tg.send_message(started.id, "not a poll")
    assert await bad(tg.stop_poll(started.id, text.message_id)) == "Bad Request: message is not a poll"
    assert await bad(tg.stop_poll(started.id, 999)) == "Bad Request: message with poll to stop not found"
    with pytest.raises(SandboxError):
        await started.answer_poll(sent.message_id, [1])


async def test_poll_of_another_bot_cannot_be_stopped(sb: Sandbox, tg: Bot) -> None:
    other = sb.add_bot("222333444:AAEotherBOTtokenabcdefghijklmnopqrst", username="helper_bot", first_name="helper")
    teacher = sb.add_user("Meera")
    group = sb.add_group("Class 7B", [teacher])
    sent = await tg.send_poll(group.id, "Ours", ["a", "b"])
    helper = make_bot(sb, other.token)
    try:
        assert await bad(helper.stop_poll(group.id, sent.message_id)) == "Bad Request: poll can't be stopped"
    finally:
        await close_bot(helper)


async def test_open_period_closes_the_poll(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    # The fixture's sandbox scales poll periods by 0.02: 5 s pass in 0.1 s.
    sent = await tg.send_poll(started.id, "Quick", ["a", "b"], open_period=5)
    assert sent.poll is not None and sent.poll.open_period == 5 and sent.poll.close_date is not None
    await asyncio.sleep(0.3)
    assert (started.message(sent.message_id).poll or {}).get("is_closed") is True
    updates = await tg.get_updates()
    assert updates and updates[-1].poll is not None and updates[-1].poll.is_closed
