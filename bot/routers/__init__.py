"""Feature routers, assembled in one stated order: commands first, conversations next, fallback last."""

from __future__ import annotations

from aiogram import Router


def build_routers() -> list[Router]:
    from bot.routers import evaluation, exams, fallback, invite, join, obe, parent, prefs, start, teacher, wizards

    return [
        start.router,  # /start, /help, /cancel… also end any conversation
        invite.router,
        evaluation.router,  # before teachers' files: a student's photo or PDF during a written exam is a page
        teacher.router,
        parent.router,
        obe.router,
        prefs.router,
        join.router,  # the USN answer of a class link
        wizards.router,  # answers to a wizard's questions
        exams.router,  # after the wizards: a typed number answers the current exam question
        fallback.router,  # must stay last
    ]
