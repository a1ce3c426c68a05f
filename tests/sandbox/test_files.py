"""Files: uploads by bots and people, getFile and downloads, file_id reuse, sizes and limits."""

from __future__ import annotations

import struct
from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge
from aiogram.types import BufferedInputFile, InputMediaDocument, InputMediaPhoto, MediaUnion

from sandbox import Sandbox, SandboxUser, make_png
from tests.sandbox.conftest import TOKEN

MB = 1024 * 1024


def make_jpeg_header(width: int, height: int) -> bytes:
    """A JPEG start (SOI, APP0, SOF0) carrying the given size, enough for a header reader."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


async def bad(coro: Awaitable[Any]) -> str:
    with pytest.raises(TelegramBadRequest) as exc:
        await coro
    return exc.value.message


async def test_document_round_trip_and_file_id_reuse(sb: Sandbox, tg: Bot, started: SandboxUser) -> None:
    content = b"usn,name\n1,Asha\n"
    sent = await tg.send_document(started.id, BufferedInputFile(content, "roster.csv"), caption="<b>Roster</b>")
    doc = sent.document
    assert doc is not None
    assert (doc.file_name, doc.mime_type, doc.file_size) == ("roster.csv", "text/csv", len(content))
    assert sent.caption == "Roster" and sent.caption_entities is not None
    info = await tg.get_file(doc.file_id)
    assert info.file_size == len(content) and info.file_path and info.file_path.endswith(".csv")
    downloaded = await tg.download(doc.file_id)
    assert downloaded is not None and downloaded.read() == content
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sb.api_url}/file/bot{TOKEN}/{info.file_path}") as resp:
            assert await resp.read() == content
        async with http.get(f"{sb.api_url}/file/bot{TOKEN}/documents/nope.csv") as resp:
            assert resp.status == 404
    view = await started.wait_for(predicate=lambda m: m.document is not None)
    assert await started.download(view) == content
    again = await tg.send_document(started.id, doc.file_id)
    assert again.document is not None and again.document.file_unique_id == doc.file_unique_id
    assert await bad(tg.send_photo(started.id, doc.file_id)) == "Bad Request: can't use file of type Document as Photo"
    assert (
        await bad(tg.send_document(started.id, "AAAAnotAfileId"))
        == "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert (
        await bad(tg.send_document(started.id, "https://example.com/x.pdf"))
        == "Bad Request: failed to get HTTP URL content"
    )
    assert await bad(tg.get_file("AAAAnotAfileId")) == "Bad Request: invalid file_id"
    assert (
        await bad(tg.send_document(started.id, BufferedInputFile(b"", "empty.txt")))
        == "Bad Request: file must be non-empty"
    )
    assert await bad(tg.send_document(started.id, BufferedInputFile(b"x", "a.txt"), caption="c" * 1025)) == (
        "Bad Request: message caption is too long"
    )


async def test_photo_sizes_come_from_the_image(tg: Bot, started: SandboxUser) -> None:
    png = make_png(1000, 500)
    sent = await tg.send_photo(started.id, BufferedInputFile(png, "chart.png"), caption="Chart")
    assert sent.photo is not None
    sizes = [(p.width, p.height) for p in sent.photo]
    assert sizes == [(90, 45), (320, 160), (800, 400), (1000, 500)]
    assert len({p.file_unique_id for p in sent.photo}) == 4
    best = sent.photo[-1]
    assert best.file_size == len(png)
    downloaded = await tg.download(best.file_id)
    assert downloaded is not None and downloaded.read() == png
    resent = await tg.send_photo(started.id, sent.photo[0].file_id)
    assert resent.photo is not None and resent.photo[-1].file_unique_id == best.file_unique_id
    small = await tg.send_photo(started.id, BufferedInputFile(make_jpeg_header(64, 48), "s.jpg"))
    assert small.photo is not None and [(p.width, p.height) for p in small.photo] == [(64, 48)]


async def test_photo_refusals(tg: Bot, started: SandboxUser) -> None:
    assert (
        await bad(tg.send_photo(started.id, BufferedInputFile(b"not an image", "x.png")))
        == "Bad Request: IMAGE_PROCESS_FAILED"
    )
    big = make_png(10, 10) + b"\x00" * (10 * MB)
    assert await bad(tg.send_photo(started.id, BufferedInputFile(big, "big.png"))) == (
        f"Bad Request: file of size {len(big)} bytes is too big for a photo; the maximum size is 10485760 bytes"
    )
    assert await bad(tg.send_photo(started.id, BufferedInputFile(make_png(2100, 100), "strip.png"))) == (
        "Bad Request: PHOTO_INVALID_DIMENSIONS"
    )


async def test_document_upload_over_50_mb_is_refused(tg: Bot, started: SandboxUser) -> None:
    with pytest.raises(TelegramEntityTooLarge) as exc:
        await tg.send_document(started.id, BufferedInputFile(b"\x00" * (50 * MB + 1), "huge.bin"))
    assert exc.value.message == "Request Entity Too Large"
    assert started.bot_messages == []


async def test_files_sent_by_people(tg: Bot, started: SandboxUser) -> None:
    jpeg = make_jpeg_header(1280, 960)
    await started.send_photo(jpeg, caption="my answer sheet")
    await started.send_document(b"q,marks\n1,5\n", "marks.csv", caption="course=CS101")
    updates = await tg.get_updates()
    photo_msg, doc_msg = (u.message for u in updates)
    assert photo_msg is not None and photo_msg.photo is not None and photo_msg.caption == "my answer sheet"
    assert (photo_msg.photo[-1].width, photo_msg.photo[-1].height) == (1280, 960)
    assert [(p.width, p.height) for p in photo_msg.photo][:2] == [(90, 68), (320, 240)]
    assert doc_msg is not None and doc_msg.document is not None
    assert (doc_msg.document.file_name, doc_msg.document.mime_type) == ("marks.csv", "text/csv")
    got = await tg.download(doc_msg.document.file_id)
    assert got is not None and got.read() == b"q,marks\n1,5\n"
    forwarded = await tg.send_document(started.id, doc_msg.document.file_id, caption="received")
    assert forwarded.document is not None and forwarded.document.file_unique_id == doc_msg.document.file_unique_id


async def test_get_file_refuses_files_over_20_mb(tg: Bot, started: SandboxUser) -> None:
    await started.send_document(b"\x01" * (20 * MB + 1), "scan.pdf")
    update = (await tg.get_updates())[-1]
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_size == 20 * MB + 1
    assert await bad(tg.get_file(update.message.document.file_id)) == "Bad Request: file is too big"


async def test_media_group(tg: Bot, started: SandboxUser) -> None:
    photos: list[MediaUnion] = [
        InputMediaPhoto(media=BufferedInputFile(make_png(40 + i, 30), f"p{i}.png"), caption=f"<i>p{i}</i>")
        for i in range(3)
    ]
    sent = await tg.send_media_group(started.id, photos)
    assert len(sent) == 3
    assert len({m.media_group_id for m in sent}) == 1 and sent[0].media_group_id
    assert [m.caption for m in sent] == ["p0", "p1", "p2"]
    assert [m.message_id for m in sent] == [2, 3, 4]
    docs: list[MediaUnion] = [InputMediaDocument(media=BufferedInputFile(b"x", "a.txt"))]
    assert await bad(tg.send_media_group(started.id, docs)) == "Bad Request: media must contain at least 2 items"
    many: list[MediaUnion] = [InputMediaDocument(media=BufferedInputFile(b"x", f"{i}.txt")) for i in range(11)]
    assert await bad(tg.send_media_group(started.id, many)) == "Bad Request: Too much messages to send as an album"
    mixed: list[MediaUnion] = [
        InputMediaDocument(media=BufferedInputFile(b"x", "a.txt")),
        InputMediaPhoto(media=BufferedInputFile(make_png(5, 5), "b.png")),
    ]
    assert (
        await bad(tg.send_media_group(started.id, mixed))
        == "Bad Request: can't use the media of the specified type in the album"
    )
