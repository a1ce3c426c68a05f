"""Answer pages as students send them: what a file really is (by its first bytes, not its name), and
the limits a page must keep. Pure functions; the bot checks what Telegram says of a file before it is
downloaded, the worker checks the bytes themselves."""

from __future__ import annotations

from domain.errors import N_, Invalid

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
TYPES = (JPEG, PNG, PDF)
_SIGNATURES = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` by its signature: JPEG, PNG or PDF, else None."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None


def check_declared(media_type: str | None, size: int | None, max_bytes: int) -> str:
    """The page's media type as Telegram declares it, or Invalid saying what is wrong with the file."""
    if media_type not in TYPES:
        raise Invalid(N_("Send the page as a photo, or as a JPEG, PNG or PDF file; this file is {kind}."),
                      kind=media_type or "of an unknown type")
    if size is not None and size > max_bytes:
        raise Invalid(N_("A page may be at most {limit} MB; this one is {size} MB. Send a smaller photo or scan."),
                      limit=_mb(max_bytes), size=_mb(size))
    return media_type


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
