"""Delivering notifications: claim each one, render it in the recipient's language, send it, record it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import translate
from bot.keyboards import stored_markup
from bot.presenters import RENDERERS
from domain import notify
from workers.jobs import JobContext, job
from workers.telegram import Blocked, Delivered, Rejected, TransientSendError, Unreachable, get_sender

log = logging.getLogger("edubot.notify")
CAPTION_LIMIT = 1024
ORDER_WAIT_SECONDS = 30.0


def _text(item: notify.Claimed) -> str:
    """The message in its reader's language: written already, built by a renderer, or a catalog message."""
    if item.message == notify.HTML:
        return str(item.params.get("html", ""))
    if item.message.startswith(notify.RENDER):
        return RENDERERS[item.message.removeprefix(notify.RENDER)](item.params, item.language)
    return translate(item.message, item.language, **item.params)


async def _until_sent_elsewhere(session: AsyncSession, notification_id: int) -> None:
    """Wait (a while at most) while another worker sends this notification: a job's notifications go
    out in their order, and Telegram's per-chat limit does not queue senders in order."""
    deadline = time.monotonic() + ORDER_WAIT_SECONDS
    while time.monotonic() < deadline and await notify.being_sent(session, notification_id):
        await session.rollback()  # a fresh snapshot each time
        await asyncio.sleep(0.1)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(600, 5 * 2 ** min(attempts, 7)))


@job(queue=notify.QUEUE)
async def deliver_notifications(ctx: JobContext, ids: list[int]) -> None:
    sender = await get_sender(ctx.runtime)
    sessions = ctx.runtime.sessionmaker
    for position, notification_id in enumerate(ids):
        async with sessions() as s:
            item = await notify.claim(s, notification_id)
            if item is None and position < len(ids) - 1:
                await _until_sent_elsewhere(s, notification_id)  # the next ones must not overtake it
        if item is None:
            continue  # sent already, not due yet, or another worker has it
        if not item.reachable:
            async with sessions() as s:
                await notify.mark_unreachable(s, item.id, item.telegram_id, "the person blocked the bot earlier")
            continue
        text = _text(item)
        markup = stored_markup(item.buttons, item.language)
        try:
            if item.file_id is not None:
                async with sessions() as s:
                    file = await notify.file_to_send(s, item.file_id)
                if file is None:
                    outcome = await sender.send_message(item.telegram_id, text)
                elif file.mime_type.startswith("image/") and len(text) <= CAPTION_LIMIT:
                    outcome = await sender.send_photo(item.telegram_id, file.content, caption=text,
                                                      filename=file.name)
                elif len(text) <= CAPTION_LIMIT:
                    outcome = await sender.send_document(item.telegram_id, file.content, file.name, caption=text)
                else:
                    first = await sender.send_message(item.telegram_id, text)
                    outcome = first if not isinstance(first, Delivered) else await sender.send_document(
                        item.telegram_id, file.content, file.name)
                    if isinstance(first, Delivered) and isinstance(outcome, Delivered):
                        outcome = Delivered([*first.message_ids, *outcome.message_ids])
            else:
                outcome = await sender.send_message(item.telegram_id, text, reply_markup=markup)
        except TransientSendError as err:
            async with sessions() as s:
                await notify.release(s, item.id, str(err), _backoff(item.attempts))
            continue
        async with sessions() as s:
            if isinstance(outcome, Delivered):
                await notify.mark_sent(s, item.id, outcome.message_ids)
            elif isinstance(outcome, Blocked | Unreachable):
                await notify.mark_unreachable(s, item.id, item.telegram_id, outcome.description)
            elif isinstance(outcome, Rejected):
                log.error("Telegram refused a notification",
                          extra={"notification": item.id, "why": outcome.description})
                await notify.mark_failed(s, item.id, outcome.description)
