"""Feature routers, assembled in one stated order: specific features first, the fallback last."""

from __future__ import annotations

from aiogram import Router


def build_routers() -> list[Router]:
    from bot.routers import fallback, start

    return [
        start.router,
        fallback.router,  # must stay last
    ]
