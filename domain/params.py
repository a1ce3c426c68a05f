"""``key=value`` arguments of commands and captions: `/newcourse code=CS101 name="Data Bases"`.

Quotes group words; a bare word is positional. Every mistake is named (which key, what is wrong).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from domain.errors import N_, Invalid

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})  # phones type curly quotes


@dataclass(frozen=True)
class Args:
    named: dict[str, str] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)


def parse_args(text: str | None) -> Args:
    """Split ``text`` into ``key=value`` pairs (keys lower-cased) and bare words."""
    if not text or not text.strip():
        return Args()
    try:
        tokens = shlex.split(text.translate(_QUOTES))
    except ValueError:
        raise Invalid(N_("A quotation mark is not closed in: {text}"), text=text) from None
    named: dict[str, str] = {}
    positional: list[str] = []
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            positional.append(token)
            continue
        if not _KEY.match(key):
            raise Invalid(N_("{token} is not a key=value pair I understand."), token=token)
        key = key.lower()
        if key in named:
            raise Invalid(N_("{key}= is given twice."), key=key)
        named[key] = value.strip()
    return Args(named, positional)


def check_keys(args: Args, allowed: list[str]) -> None:
    """Refuse keys this command does not take, naming the ones it does."""
    unknown = [k for k in args.named if k not in allowed]
    if unknown:
        raise Invalid(N_("{key}= is not an option here; the options are: {allowed}."),
                      key=unknown[0], allowed=", ".join(allowed))
