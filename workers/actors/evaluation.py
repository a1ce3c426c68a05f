"""Written answers in workers: a page a student sent is fetched from Telegram and kept (large object
and hash); a page that is not really a JPEG, PNG or PDF is refused and the student told."""

from __future__ import annotations

import io

from aiogram.exceptions import TelegramBadRequest

from bot import presenters_eval
from domain import notify
from domain.services import evaluations
from workers.jobs import JobContext, job
from workers.telegram import get_sender

PAGE_REJECTED = presenters_eval.answer_page_rejected.__name__  # the renderer of the message


@job(queue="ingest")
async def store_answer_page(ctx: JobContext, page_id: int, unique_id: str) -> None:
    row = await evaluations.page_to_fetch(ctx.session, page_id, unique_id)
    if row is None:
        return
    sender = await get_sender(ctx.runtime)
    buffer = io.BytesIO()
    try:
        await sender.bot.download(row.file_id, destination=buffer)
    except TelegramBadRequest:
        buffer = io.BytesIO()  # an empty file is refused like any file that is not a page
    stored = await evaluations.store_page(ctx.session, page_id, unique_id, buffer.getvalue())
    if stored.outcome == "rejected" and stored.user_id is not None and stored.org_id is not None:
        await notify.notify(ctx.session, org_id=stored.org_id, event_key=f"page-rejected:{page_id}:{unique_id}",
                            kind="attempt", recipients=[stored.user_id], message=notify.RENDER + PAGE_REJECTED,
                            params={"page": stored.page})
        await ctx.session.commit()
