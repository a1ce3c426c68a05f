"""The `edubot` command: run the product, its parts, migrations and operator tasks.

Each command only translates: it reads options, resolves the services, calls one function, and
prints the outcome. Errors meant for the operator are one sentence on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from domain.config import Settings, load_settings
from domain.errors import DomainError, EdubotError
from edubot import loop as event_loop
from edubot.logs import setup_logging
from edubot.procutil import die_with_parent
from edubot.services import resolved

app = typer.Typer(
    name="edubot",
    help="edubot: a school's assessment work in Telegram: exams, marks, attainment, results, evaluations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Organizations (schools).", no_args_is_help=True)
invite_app = typer.Typer(help="Invite links made from the command line.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(invite_app, name="invite")

T = TypeVar("T")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"edubot: {message}", err=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except EdubotError as err:
        raise _fail(str(err)) from None
    setup_logging(settings.log_level, settings.log_format)
    return settings


def _run_async(factory: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run a coroutine until it ends or SIGINT/SIGTERM asks it to stop (through the event)."""

    async def main() -> T:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await factory(stop)

    try:
        return event_loop.run(main())
    except DomainError as err:
        raise _fail(str(err), 1) from None
    except EdubotError as err:
        raise _fail(str(err)) from None


def _migrate(settings: Settings) -> None:
    from edubot.migrate import upgrade

    db_url, _ = settings.require_services()
    started = time.monotonic()
    upgrade(db_url)
    typer.echo(f"database is at the newest schema ({time.monotonic() - started:.1f} s)", err=True)


@app.command()
def run() -> None:
    """Bot, workers and scheduler together on this machine (embedded PostgreSQL and Redis unless configured)."""
    from edubot.supervisor import Child, Supervisor, edubot_command

    settings = _settings()
    try:
        settings.token()
    except EdubotError as err:
        raise _fail(str(err)) from None
    try:
        with resolved(settings) as ready:
            _migrate(ready)
            children = [
                Child("bot", edubot_command("bot")),
                Child("worker", edubot_command("worker")),
                Child("scheduler", edubot_command("scheduler")),
            ]
            code = Supervisor(children).run()
    except EdubotError as err:
        raise _fail(str(err)) from None
    raise typer.Exit(code)


@app.command()
def bot() -> None:
    """The Telegram bot alone (long polling, or a webhook when EDUBOT_WEBHOOK_URL is set)."""
    from bot.app import run_bot

    settings = _settings()
    try:
        with resolved(settings) as ready:
            ready.token()
            _run_async(lambda stop: run_bot(ready, stop))
    except EdubotError as err:
        raise _fail(str(err)) from None


@app.command()
def worker(
    processes: Annotated[int | None, typer.Option(help="worker processes (EDUBOT_WORKER_PROCESSES)")] = None,
    threads: Annotated[int | None, typer.Option(help="threads per process (EDUBOT_WORKER_THREADS)")] = None,
) -> None:
    """Background workers (Dramatiq) alone; start as many as needed, on as many machines."""
    settings = _settings()
    try:
        with resolved(settings) as ready:
            argv = [
                sys.executable, "-m", "dramatiq", "workers.broker", "workers.actors",
                "--processes", str(processes or ready.worker_processes),
                "--threads", str(threads or ready.worker_threads),
                "--skip-logging", "--worker-shutdown-timeout", "30000",
            ]
            prom_dir = ready.data_path / "prometheus"
            prom_dir.mkdir(parents=True, exist_ok=True)
            for stale in prom_dir.glob("*.db"):  # Prometheus multiprocess files of an earlier run
                stale.unlink()
            env = {
                **os.environ,
                "EDUBOT_PROCESS": "worker",
                # read by Dramatiq's metrics exposition process, which never imports our broker
                "dramatiq_prom_db": str(prom_dir),
                "dramatiq_prom_port": str(ready.worker_metrics_port),
                "dramatiq_prom_host": ready.http_host,
            }
            # Dramatiq gets its own session so a terminal's Ctrl-C reaches it once, through us.
            proc = subprocess.Popen(  # noqa: S603
                argv, env=env, start_new_session=True, preexec_fn=die_with_parent()
            )
            last = [0.0]

            def forward(signum: int, _frame: object) -> None:
                now = time.monotonic()
                if now - last[0] < 5.0:
                    return  # the same stop request arriving twice (Ctrl-C plus a supervisor's SIGTERM)
                last[0] = now
                proc.send_signal(signal.SIGTERM)  # a second request later makes Dramatiq stop hard

            signal.signal(signal.SIGINT, forward)
            signal.signal(signal.SIGTERM, forward)
            code = proc.wait()
    except EdubotError as err:
        raise _fail(str(err)) from None
    raise typer.Exit(0 if code in (0, -signal.SIGTERM) else code)


@app.command()
def scheduler() -> None:
    """The scheduler alone: outbox relay and sweeps. Extra copies idle until the active one stops."""
    from workers.scheduler import Scheduler

    settings = _settings()
    try:
        with resolved(settings) as ready:
            from workers.broker import broker

            _run_async(lambda stop: Scheduler(ready, broker).run(stop))
    except EdubotError as err:
        raise _fail(str(err)) from None


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    settings = _settings()
    try:
        with resolved(settings) as ready:
            _migrate(ready)
    except EdubotError as err:
        raise _fail(str(err)) from None


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="the organization's name, e.g. \"RV College\"")],
    timezone: Annotated[str | None, typer.Option(help="IANA time zone (default EDUBOT_TIMEZONE)")] = None,
    country: Annotated[str, typer.Option(help="ISO country code, for national holidays")] = "IN",
    subdivision: Annotated[str | None, typer.Option(help="state or region code for regional holidays")] = None,
) -> None:
    """Create an organization with its calendar, holidays and settings seeded."""
    from domain.db import make_engine, make_sessionmaker
    from domain.services.orgs import create_organization

    settings = _settings()

    async def go(_stop: asyncio.Event) -> str:
        db_url, _ = settings.require_services()
        engine = make_engine(db_url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session:
                org = await create_organization(
                    session, name, timezone=timezone or settings.timezone, country=country, subdivision=subdivision
                )
                return (
                    f"created organization {org.name!r} (id {org.id}), "
                    f"time zone {org.timezone}, country {org.country}"
                )
        finally:
            await engine.dispose()

    try:
        with resolved(settings) as ready:
            settings = ready
            _migrate(ready)
            typer.echo(_run_async(go))
    except EdubotError as err:
        raise _fail(str(err)) from None


@app.command("config")
def config_(
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    key: Annotated[str | None, typer.Argument(help="a setting, e.g. upload.answer_max_mb")] = None,
    value: Annotated[str | None, typer.Argument(help="its new value (JSON: 10, true, [0.5, 0.9], \"text\")")] = None,
) -> None:
    """An organization's settings: all of them, one, or set one (grace period, upload limits, SLA reminders…)."""
    import json

    from domain import audit, sysconfig
    from domain.db import make_engine, make_sessionmaker
    from domain.services.orgs import get_by_name

    settings = _settings()

    async def go(_stop: asyncio.Event) -> str:
        db_url, _ = settings.require_services()
        engine = make_engine(db_url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session:
                organization = await get_by_name(session, org)
                if key is not None and value is not None:
                    new = sysconfig.parse_value(key, value)
                    before = await sysconfig.get(session, organization.id, key)
                    await sysconfig.set_value(session, organization.id, key, new)
                    await audit.record(session, "config.set", org_id=organization.id, actor_user_id=None,
                                       entity="organization", entity_id=organization.id, key=key, before=before,
                                       after=new)
                    await session.commit()
                values = await sysconfig.all_values(session, organization.id)
        finally:
            await engine.dispose()
        if key is not None and key not in values:
            raise EdubotError(f"there is no setting {key}; the settings are: {', '.join(values)}")
        shown = [key] if key is not None else list(values)
        return "\n".join(f"{k} = {json.dumps(values[k], ensure_ascii=False)}    # {sysconfig.KEYS[k].description}"
                         for k in shown)

    try:
        with resolved(settings) as ready:
            settings = ready
            _migrate(ready)
            typer.echo(_run_async(go))
    except EdubotError as err:
        raise _fail(str(err)) from None


@invite_app.command("admin")
def invite_admin(
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    username: Annotated[
        str | None, typer.Option(help="the bot's username, if Telegram cannot be asked (getMe) from here")
    ] = None,
) -> None:
    """Print a one-time deep link that makes its redeemer the organization's admin."""
    from domain.db import make_engine, make_sessionmaker
    from domain.model.people import Role
    from domain.services.invites import create_invite
    from domain.services.orgs import get_by_name

    settings = _settings()

    async def bot_username() -> str:
        if username:
            return username.lstrip("@")
        from bot.client import build_bot

        bot_ = build_bot(settings)
        try:
            me = await bot_.get_me()
        except Exception as exc:
            raise EdubotError(
                f"could not ask Telegram at {settings.telegram_api_url} for the bot's username ({exc}); "
                "pass --username"
            ) from exc
        finally:
            await bot_.session.close()
        assert me.username
        return me.username

    async def go(_stop: asyncio.Event) -> str:
        db_url, _ = settings.require_services()
        name = await bot_username()
        engine = make_engine(db_url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session:
                organization = await get_by_name(session, org)
                code = await create_invite(
                    session, org_id=organization.id, role=Role.ADMIN, created_by_user_id=None,
                    ttl_days=settings.invite_ttl_days,
                )
                await session.commit()
        finally:
            await engine.dispose()
        return f"https://t.me/{name}?start={code}"

    try:
        with resolved(settings) as ready:
            settings = ready
            _migrate(ready)
            typer.echo(_run_async(go))
    except EdubotError as err:
        raise _fail(str(err)) from None


@app.command()
def check(timeout: Annotated[float, typer.Option(help="seconds to wait")] = 30.0) -> None:
    """Prove the pipeline works: a job goes through the outbox, relay and a worker into the database."""
    from sqlalchemy import text

    from domain.db import make_engine, make_sessionmaker
    from domain.outbox import enqueue

    settings = _settings()

    async def go(stop: asyncio.Event) -> str:
        db_url, _ = settings.require_services()
        engine = make_engine(db_url, pool_size=1)
        label = f"check-{os.getpid()}-{time.time_ns()}"
        started = time.monotonic()
        try:
            async with make_sessionmaker(engine)() as session:
                await enqueue(session, "system_ping", label)
                await session.commit()
                while time.monotonic() - started < timeout and not stop.is_set():
                    found = await session.scalar(
                        text("SELECT count(*) FROM audit_log WHERE action = 'system.ping' AND data->>'label' = :l"),
                        {"l": label},
                    )
                    await session.rollback()
                    if found:
                        return f"ok: a job went through outbox → relay → worker in {time.monotonic() - started:.2f} s"
                    await asyncio.sleep(0.1)
        finally:
            await engine.dispose()
        raise EdubotError(
            f"no worker finished the check job within {timeout:.0f} s: are the scheduler and a worker running?"
        )

    try:
        with resolved(settings) as ready:
            settings = ready
            typer.echo(_run_async(go))
    except EdubotError as err:
        raise _fail(str(err), 1) from None


@app.command()
def demo(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the summary")] = False,
    only: Annotated[str | None, typer.Option(help="play only the acts whose title matches this")] = None,
) -> None:
    """The whole product offline: the sandbox as Telegram, a demo school, people playing every capability.

    Uses a separate database (`edubot_demo`) and Redis database 15 on the embedded or configured servers.
    Exits non-zero if any step fails.
    """
    from edubot.demo import run_demo
    from edubot.services import scratch

    settings = _settings()
    try:
        with resolved(settings) as ready:
            demo_db, demo_redis = scratch(ready, "edubot_demo", 15)
            ok = asyncio.run(run_demo(demo_db, demo_redis, ready.data_path / "demo", quiet=quiet, only=only))
    except EdubotError as err:
        raise _fail(str(err)) from None
    raise typer.Exit(0 if ok else 1)


@app.command("sandbox")
def sandbox_(
    host: Annotated[str, typer.Option(help="address of the web chat and the Bot API emulator")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port of the web chat and the Bot API emulator")] = 8081,
    emulator_only: Annotated[
        bool, typer.Option("--emulator-only", help="serve only the emulator (for a bot you run yourself)")
    ] = False,
    token: Annotated[str | None, typer.Option(help="with --emulator-only: the bot token to accept")] = None,
) -> None:
    """A Telegram of your own in the browser, with edubot behind it: try every role by hand.

    Uses a separate database (`edubot_sandbox`, recreated at each start) and Redis database 14.
    """
    from edubot.playground import serve_playground
    from edubot.services import scratch

    settings = _settings()
    if emulator_only:
        from sandbox import serve

        typer.echo(f"Bot API emulator and web chat on http://{host}:{port}/ (Ctrl-C stops)")
        _run_async(lambda stop: _until_stopped(serve(host, port, tokens=[token] if token else None), stop))
        return
    try:
        with resolved(settings) as ready:
            play_db, play_redis = scratch(ready, "edubot_sandbox", 14)
            _run_async(lambda stop: serve_playground(play_db, play_redis, ready.data_path / "sandbox",
                                                     host=host, port=port, stop=stop))
    except EdubotError as err:
        raise _fail(str(err)) from None


async def _until_stopped(work: Awaitable[object], stop: asyncio.Event) -> None:
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    task.cancel()
    stopper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="answers, … (the benchmarks of QUALITY.md)")],
) -> None:
    """Run one benchmark and print its figures (extra options are passed to it)."""
    from edubot import bench as benches

    _settings()
    try:
        code = benches.run(name, list(ctx.args))
    except EdubotError as err:
        raise _fail(str(err)) from None
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
