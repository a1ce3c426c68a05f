"""The one hierarchy of errors. A DomainError carries a sentence for the user, never a stack trace.

Messages are gettext message ids with ``{named}`` placeholders; the entrypoint translates them into
the reader's language and fills the placeholders (HTML-escaped).
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it here (the bot or worker does that)."""
    return message


class EdubotError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(EdubotError):
    """The operator's configuration is wrong; the message names the variable."""


class ServiceUnavailable(EdubotError):
    """A required service (PostgreSQL, Redis, Telegram) cannot be reached."""


class DomainError(EdubotError):
    """A refusal or a user's mistake, told to the user as one sentence."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Forbidden(DomainError):
    """The caller's role or organization does not allow this."""


class Invalid(DomainError):
    """The input is malformed; the message says what and where."""


class Conflict(DomainError):
    """The action clashes with the current state (already used, already linked…)."""


class RateLimited(DomainError):
    """Too many attempts; try again later."""
