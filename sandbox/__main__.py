"""``python -m sandbox``: run the Telegram Bot API emulator on its own.

python -m sandbox --host 127.0.0.1 --port 8081 --token 123456:AAE...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from sandbox.emulator import Sandbox
from sandbox.limits import Limits
from sandbox.server import serve


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Offline Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", default=[], help="bot token (repeat for several bots)")
    parser.add_argument("--username", default="edubot_bot", help="username of the first bot")
    parser.add_argument("--name", default="edubot", help="display name of the first bot")
    parser.add_argument("--limits", choices=("off", "telegram"), default="off", help="rate limits")
    parser.add_argument("--user", action="append", default=[], help="a person to add, 'First Last' (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sb = Sandbox(Limits.telegram() if args.limits == "telegram" else Limits.off())
    tokens = list(args.token)
    if not tokens:
        bot = sb.add_bot(username=args.username, first_name=args.name)
        tokens_shown = [bot.token]
    else:
        tokens_shown = tokens

    def ready(started: Sandbox) -> None:
        for name in args.user:
            first, _, last = name.partition(" ")
            user = started.add_user(first, last or None)
            sys.stdout.write(f"user {user.id}: {user.full_name}\n")
        sys.stdout.write(f"Bot API: {started.api_url}  tokens: {', '.join(tokens_shown)}\n")
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                args.host,
                args.port,
                tokens=tokens,
                bot_username=args.username,
                bot_name=args.name,
                sandbox=sb,
                ready=ready,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
