"""The ``remodel`` command line (installed by ``pyproject.toml``: ``remodel = "bot.cli:main"``).

Commands::

    remodel run [--webhook] [--listen HOST] [--port N] [--public-url URL]
                [--no-migrate] [--no-ticker | --ticker-only] [--ops-port N]
    remodel chat [--db PATH] [--zone ZONE] [--start WHEN] [--fresh]
    remodel db upgrade
    remodel simulate SCENARIO.yaml [--json]
    remodel content check [--content DIR]

Global options (before the command): ``--config PATH`` and ``-v/--verbose``. See
``docs/cli.md``. This module only parses arguments, sets up logging and turns known errors
into a one-line message and an exit code; the work lives in :mod:`bot.run_mode`,
:mod:`bot.chat_mode` and the packages they call. Messages here are for the operator at a
terminal (athlete-facing text lives in ``content/``).

Exit codes: 0 success, 1 a check or a command failed (e.g. content problems), 2 a usage or
configuration problem (named key and the fix, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import ConfigError, Settings, load_settings
from bot.run_mode import RunError

if TYPE_CHECKING:
    from flows.library import Library

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger("remodel.cli")


class CliError(Exception):
    """A problem the operator can fix; printed as ``remodel: <message>`` with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``remodel`` (docs/cli.md describes every option)."""
    parser = argparse.ArgumentParser(
        prog="remodel",
        description="Remodel: a Telegram coach for athletes returning from a bone stress injury.",
        epilog="Environment variables override the config file; see config.example.toml.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="TOML config file (default: ./config.toml when present)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at DEBUG level (the token is redacted)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run the bot on Telegram (long polling, or a webhook)",
        description="Run the bot against the Bot API at [telegram] base_url (Telegram by "
        "default). Applies database migrations first. Long polling unless --webhook (or "
        "[webhook] public_url) is given.",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook instead of long polling ([webhook] public_url "
        "or --public-url must be set)",
    )
    run.add_argument("--listen", metavar="HOST", help="webhook listen address ([webhook] listen)")
    run.add_argument("--port", metavar="N", type=int, help="webhook listen port ([webhook] port)")
    run.add_argument(
        "--public-url",
        metavar="URL",
        help="public https URL Telegram posts updates to ([webhook] public_url, "
        "REMODEL_WEBHOOK_URL); implies --webhook",
    )
    # Several workers on one PostgreSQL (docs/deploy.md).
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate at start (run `remodel db upgrade` once before starting "
        "workers); refuse to start if the database is not at this code's revision",
    )
    roles = run.add_mutually_exclusive_group()
    roles.add_argument(
        "--no-ticker",
        action="store_true",
        help="receive updates only; never send due check-ins (another process runs the ticker)",
    )
    roles.add_argument(
        "--ticker-only",
        action="store_true",
        help="run the ticker only (due check-ins, reminders, coach posts); receive no updates",
    )
    run.add_argument(
        "--ops-port",
        metavar="N",
        type=int,
        help="serve /healthz and /metrics on this port (REMODEL_OPS_PORT; default: not served)",
    )

    chat = commands.add_parser(
        "chat",
        help="try the bot locally in this terminal (local sandbox, no Telegram, time travel)",
        description="Run the same bot against an in-process local Telegram sandbox and chat "
        "with it here. Lines starting with ':' are time-travel commands (:help lists them). "
        "Works with piped stdin.",
    )
    chat.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        default=Path("remodel-chat.db"),
        help="SQLite file for this try-out (default: ./remodel-chat.db)",
    )
    chat.add_argument(
        "--zone",
        metavar="ZONE",
        help="IANA time zone of the simulated athlete and clock (default: the host's zone, "
        "else UTC)",
    )
    chat.add_argument(
        "--start",
        metavar="WHEN",
        help="simulated local start time, YYYY-MM-DD HH:MM (default: now); on an existing "
        "--db the clock resumes where it stopped",
    )
    chat.add_argument(
        "--fresh", action="store_true", help="delete the --db file first and start over"
    )
    chat.add_argument(
        "--name", default="Alex", help="first name of the simulated athlete (default: Alex)"
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    db_commands.add_parser(
        "upgrade",
        help="apply the database migrations to [database] url",
        description="Apply every pending Alembic migration to [database] url "
        "(REMODEL_DATABASE_URL). Idempotent.",
    )

    simulate = commands.add_parser(
        "simulate",
        help="run a scripted athlete through the rehab engine",
        description="Live a scripted athlete through weeks of check-ins with the real engine "
        "and content, and print the day-by-day result.",
    )
    simulate.add_argument("scenario", metavar="SCENARIO.yaml", help="the scenario file")
    simulate.add_argument("--json", action="store_true", help="print JSON instead of a table")

    content = commands.add_parser("content", help="content library tools")
    content_commands = content.add_subparsers(
        dest="content_command", metavar="SUBCOMMAND", required=True
    )
    check = content_commands.add_parser(
        "check",
        help="load and validate the content library",
        description="Load and validate every content file; print OK with counts, or each "
        "problem naming the file, the entry and the problem (exit 1).",
    )
    check.add_argument(
        "--content",
        metavar="DIR",
        type=Path,
        help="content folder (default: [content] path, else the installed content)",
    )
    return parser


def setup_logging(
    level: int,
    secrets: Sequence[str] = (),
    stream: TextIO | None = None,
    *,
    json_format: bool = False,
) -> None:
    """Log to stderr at ``level`` with ``secrets`` (the token, the webhook secret) redacted;
    one JSON object per line with ``json_format`` (bot/observability.py)."""
    from bot.observability import JsonFormatter
    from bot.sending.redaction import RedactTokenFilter

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_format
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactTokenFilter(*secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # One line per Bot API request is noise at INFO; at DEBUG it is what -v is for.
    chatty = ("httpx", "apscheduler", "tornado.access", "alembic")
    for name in chatty:
        logging.getLogger(name).setLevel(logging.WARNING if level > logging.DEBUG else 0)
    # Byte-level transport traces add nothing an operator can act on.
    for name in ("httpcore", "aiosqlite", "hpack"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never reach a log line."""
    found = [settings.telegram.token, settings.webhook.secret_token]
    return [s.get_secret_value() for s in found if s is not None]


def content_root(settings: Settings, override: Path | None = None) -> Path:
    """The content folder: ``override``, else ``[content] path``, else the installed one."""
    if override is not None:
        return override
    if settings.content.path is not None:
        return settings.content.path
    return installed_content_dir()


def installed_content_dir() -> Path:
    """``content.CONTENT_DIR`` (the data shipped with the package).

    Falls back to the folder beside ``bot/`` (the same place, both in a checkout and in
    site-packages) when ``content`` resolves to something else, e.g. a ``tests/content``
    namespace package that shadows it under pytest.
    """
    import content

    found = getattr(content, "CONTENT_DIR", None)
    if found is not None:
        return Path(found)
    return Path(__file__).resolve().parent.parent / "content"


def load_content(settings: Settings, override: Path | None = None) -> Library:
    """Load and validate the library, or a :class:`CliError` naming every problem."""
    from flows.library import ContentError, load_library

    root = content_root(settings, override)
    if not root.is_dir():
        raise CliError(
            f"content folder {root} does not exist (fix [content] path or REMODEL_CONTENT_PATH)"
        )
    try:
        return load_library(root, language=settings.content.language)
    except ContentError as exc:
        raise CliError(f"content in {root} is invalid:\n  " + "\n  ".join(exc.problems)) from None


def content_counts(library: Library) -> dict[str, int]:
    """What ``remodel content check`` counts, by name."""
    questionnaires = library.questionnaires.questionnaires
    return {
        "sources": len(library.sources.sources),
        "questionnaires": len(questionnaires),
        "questions": sum(len(q.questions) for q in questionnaires.values()),
        "exercises": len(library.exercises.exercises),
        "cross-training modalities": len(library.crosstraining.modalities),
        "education snippets": len(library.education.snippets),
        "bot messages": len(library.bot.messages),
        "coach messages": len(library.coach.messages),
    }


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run_mode import Role, RunOptions, run_until_signal

    settings.require_token()
    role: Role = "ticker" if args.ticker_only else "updates" if args.no_ticker else "all"
    ops_port = args.ops_port
    if ops_port is None and os.environ.get("REMODEL_OPS_PORT"):
        try:
            ops_port = int(os.environ["REMODEL_OPS_PORT"])
        except ValueError:
            raise CliError("REMODEL_OPS_PORT must be a port number") from None
    options = RunOptions.from_settings(
        settings,
        webhook=args.webhook or args.public_url is not None,
        listen=args.listen,
        port=args.port,
        public_url=args.public_url,
        role=role,
        migrate=not args.no_migrate,
        ops_port=ops_port,
    )
    library = load_content(settings)
    return run_until_signal(settings, options, library=library)


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat_mode import ChatOptions, run_chat_mode

    if not args.verbose:
        # The terminal is the chat: only problems go there, not the bot's routine logs.
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
    options = ChatOptions.from_args(
        db=args.db, zone=args.zone, start=args.start, fresh=args.fresh, name=args.name
    )
    library = load_content(settings)
    return asyncio.run(
        run_chat_mode(settings, options, library=library, stdin=sys.stdin, stdout=sys.stdout)
    )


def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import create_engine, current_revision, head_revision, upgrade

    async def _upgrade() -> str | None:
        engine = create_engine(settings.database.url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        revision = asyncio.run(_upgrade())
    except Exception as exc:
        raise CliError(
            f"cannot migrate database.url ({type(exc).__name__}: {exc}); fix [database] url "
            "or REMODEL_DATABASE_URL"
        ) from None
    print(f"database at revision {revision} (head {head_revision()})")
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from flows.simulator import main as simulate_main

    argv = [args.scenario, *(["--json"] if args.json else [])]
    return simulate_main(argv, content_root(settings))


def _cmd_content(args: argparse.Namespace, settings: Settings) -> int:
    try:
        library = load_content(settings, args.content)
    except CliError as exc:
        print(f"remodel: {exc}", file=sys.stderr)
        return EXIT_FAILED
    counts = ", ".join(f"{n} {name}" for name, n in content_counts(library).items())
    print(f"OK: {content_root(settings, args.content)} ({library.language}): {counts}")
    return EXIT_OK


COMMANDS = {
    "run": _cmd_run,
    "chat": _cmd_chat,
    "db": _cmd_db,
    "simulate": _cmd_simulate,
    "content": _cmd_content,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``remodel``; returns the exit code."""
    from bot.sending.redaction import redact

    args = build_parser().parse_args(argv)
    secrets: list[str] = []
    try:
        settings = load_settings(args.config)
        secrets = secrets_of(settings)
        level = logging.DEBUG if args.verbose else settings.logging.level_number
        setup_logging(level, secrets, json_format=settings.logging.format == "json")
        dsn = settings.logging.sentry_dsn
        if dsn is not None and args.command == "run":
            from bot.observability import init_sentry

            secrets.append(dsn.get_secret_value())
            stop_tracking = init_sentry(dsn.get_secret_value(), secrets)
            try:
                result: int = COMMANDS[args.command](args, settings)
            finally:
                stop_tracking()
            return result
        result = COMMANDS[args.command](args, settings)
        return result
    except (ConfigError, CliError) as exc:
        print(f"remodel: {redact(str(exc), secrets)}", file=sys.stderr)
        return EXIT_CONFIG
    except RunError as exc:
        print(f"remodel: {redact(str(exc), secrets)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("remodel: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
