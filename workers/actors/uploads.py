"""Processing a file a teacher sent: download, ingest (all or nothing), answer with the outcome.

While a large file is checked, the "Received…" message is edited with the progress ("3,000 / 5,000
rows"). The answer itself goes through the notification engine, in the same transaction as the
changes, so it is sent exactly when the changes exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import translate, translate_plain
from bot.keyboards import UploadAnswerCB
from bot.presenters import attainment_text
from domain import ingest, notify
from domain.errors import N_
from domain.model.messaging import Upload
from domain.outbox import enqueue
from domain.services import uploads
from workers.jobs import JobContext, job
from workers.render import problems_block, problems_csv
from workers.telegram import TelegramSender, get_sender

log = logging.getLogger("edubot.ingest")


def _question_keyboard(upload_id: int, question: ingest.Question) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, choice in enumerate(question.choices[:30]):
        kb.button(text=choice, callback_data=UploadAnswerCB(upload_id=upload_id, key=question.key, index=i))
    kb.adjust(3)
    return kb.as_markup()


class Progress:
    """Shows "rows checked / rows" on the upload's message, at most every ~0.8 s, while a file is checked."""

    def __init__(self, sender: TelegramSender, upload: Upload) -> None:
        self.sender, self.upload = sender, upload
        self.done = self.total = 0
        self._shown = (0, 0)
        self._task: asyncio.Task[None] | None = None

    def __call__(self, done: int, total: int) -> None:  # called from the parsing thread
        self.done, self.total = done, total

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(0.8)
            now = (self.done, self.total)
            if now != self._shown and self.total and self.upload.progress_message_id:
                self._shown = now
                await self.sender.edit_message_text(
                    self.upload.chat_id, self.upload.progress_message_id,
                    translate(N_("Checking {name}: {done} / {total} rows…"), self.upload.language,
                              name=self.upload.file_name, done=f"{now[0]:,}", total=f"{now[1]:,}"))

    def __enter__(self) -> Progress:
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


@job(queue=uploads.QUEUE, time_limit_ms=15 * 60_000)
async def process_upload(ctx: JobContext, upload_id: int) -> None:
    upload = await uploads.start(ctx.session, upload_id)
    if upload is None:
        return
    sender = await get_sender(ctx.runtime)
    lang = upload.language
    started = time.monotonic()
    if upload.progress_message_id:
        await sender.edit_message_text(upload.chat_id, upload.progress_message_id,
                                       translate(N_("Reading {name}…"), lang, name=upload.file_name))
    try:
        buffer = io.BytesIO()
        await sender.bot.download(upload.file_id, destination=buffer)
        data = buffer.getvalue()
    except TelegramBadRequest as err:
        report = ingest.IngestReport("rejected", N_("I could not download {name} from Telegram ({why})."),
                                     {"name": upload.file_name, "why": err.message})
        await ingest.conclude(ctx.session, upload, report, {}, None)
        await ctx.session.commit()
        return
    me = await sender.bot.me()
    with Progress(sender, upload) as progress:
        report = await ingest.ingest(ctx.session, upload, data, ingest.IngestContext(me.username or "", progress))
    if report.status == "needs_input" and report.question is not None:
        await ctx.session.commit()
        hint = translate(N_("(or type it)"), lang) if report.question.free_text else ""
        await sender.send_message(
            upload.chat_id,
            translate(report.question.message, lang, **report.question.params) + (f"\n{hint}" if hint else ""),
            reply_markup=_question_keyboard(upload.id, report.question))
        return
    text_params: dict[str, object] = {}
    attachment = report.attachment
    if report.problems:
        text_params["problems"] = "\n" + problems_block(report.problems, lang)
        attachment = notify.Attachment(f"problems-{upload.id}.csv", "text/csv", problems_csv(report.problems, lang))
    blocked = report.summary.get("unreachable_parents") or []
    if "{blocked}" in report.message:
        text_params["blocked"] = (
            "\n" + translate_plain(N_("These parents blocked the bot and cannot be reached: {who}."), lang,
                                   who="; ".join(f"{p} ({n}, {u})" for u, n, p in blocked))
            if blocked else ""
        )
    html = None
    if report.attainment is not None:
        summary = translate(report.message, lang, **report.params)
        html = summary + "\n\n" + attainment_text(report.attainment, report.course_label, lang)
    answer = await ingest.conclude(ctx.session, upload, report, text_params, attachment, html=html,
                                   buttons=report.buttons)
    if report.attainment is not None:
        user_id = await ingest.uploader_user_id(ctx.session, upload)
        # the charts' delivery job starts with this answer (sent already, it is skipped): never before it
        await enqueue(ctx.session, "send_attainment_report", report.attainment.course_id, user_id,
                      f"upload:{upload.id}", False, list(answer), queue=uploads.QUEUE,
                      dedupe_key=f"report:upload:{upload.id}")
    await ctx.session.commit()
    log.info("upload processed", extra={"upload": upload.id, "kind": upload.kind, "status": report.status,
                                         "rows": report.rows, "ms": round((time.monotonic() - started) * 1000)})
    if upload.progress_message_id:
        done = N_("{name}: done, see below.") if report.status == "done" else N_("{name}: not applied, see below.")
        with contextlib.suppress(Exception):
            await sender.edit_message_text(upload.chat_id, upload.progress_message_id,
                                           translate(done, lang, name=upload.file_name))
