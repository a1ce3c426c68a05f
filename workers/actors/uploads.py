"""Processing a file a teacher sent: download, ingest (all or nothing), answer with the outcome."""

from __future__ import annotations

import io
import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import translate, translate_plain
from bot.keyboards import UploadAnswerCB
from domain import ingest, notify
from domain.errors import N_
from domain.services import uploads
from workers.jobs import JobContext, job
from workers.render import problems_block, problems_csv
from workers.telegram import get_sender

log = logging.getLogger("edubot.ingest")


def _question_keyboard(upload_id: int, question: ingest.Question) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, choice in enumerate(question.choices[:30]):
        kb.button(text=choice, callback_data=UploadAnswerCB(upload_id=upload_id, key=question.key, index=i))
    kb.adjust(3)
    return kb.as_markup()


@job(queue=uploads.QUEUE, time_limit_ms=15 * 60_000)
async def process_upload(ctx: JobContext, upload_id: int) -> None:
    upload = await uploads.start(ctx.session, upload_id)
    if upload is None:
        return
    sender = await get_sender(ctx.runtime)
    lang = upload.language
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
    report = await ingest.ingest(ctx.session, upload, data, bot_username=me.username or "")
    if report.status == "needs_input" and report.question is not None:
        await ctx.session.commit()
        await sender.send_message(upload.chat_id, translate(report.question.message, lang, **report.question.params),
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
    await ingest.conclude(ctx.session, upload, report, text_params, attachment)
    await ctx.session.commit()
    if upload.progress_message_id:
        done = N_("{name}: done, see below.") if report.status == "done" else N_("{name}: not applied, see below.")
        await sender.edit_message_text(upload.chat_id, upload.progress_message_id,
                                       translate(done, lang, name=upload.file_name))
