"""``remodel run``: the bot on a Bot API server, by long polling or by webhook.

:func:`serve` is the whole life cycle on the caller's event loop and stops when ``stop`` is
set, so tests and ``remodel chat`` run exactly what production runs::

    migrations -> build_application -> initialize -> post_init -> start -> updates ...
    stop -> updater.stop -> application.stop -> post_stop -> shutdown -> post_shutdown

:func:`run_until_signal` wraps it for the command line: SIGINT/SIGTERM set ``stop``. The Bot
API base URL comes from ``[telegram] base_url`` (``REMODEL_TELEGRAM_BASE_URL``), so the same
code runs against Telegram, a local Bot API server or the sandbox.

Operator-facing failures (token refused, server unreachable, webhook misconfigured) raise
:class:`RunError` with a message that says what to fix; the CLI prints it without a traceback.
The token never appears in a message: only the base URL does (the token is appended by PTB).

Several workers (docs/deploy.md): ``role`` splits the work (``all``, ``updates`` =
``--no-ticker``, ``ticker`` = ``--ticker-only``); ``migrate=False`` (``--no-migrate``) leaves
migrations to a one-off ``remodel db upgrade``; webhook mode always needs a configured secret
(each process inventing its own would let the last ``setWebhook`` lock the others out);
long polling is single-process by Telegram's design and a second poller exits with a clear
message on the 409 Conflict. Stopping asks the ticker to end between sends first, so PTB's
wait for the running job is short and no row is left mid-send.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.handlers.ordering import PerUserUpdateProcessor
from bot.ops import ops_server
from bot.receiving import (
    ALLOWED_UPDATES,
    PolledInbox,
    TolerantBot,
    WebhookServer,
    parse_update,
    retry_bootstrap,
)
from bot.sending.redaction import add_secret
from bot.storage import Store

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.scheduling import Ticker
    from flows.library import Library

__all__ = [
    "ROLES",
    "PollingConflict",
    "Role",
    "RunError",
    "RunOptions",
    "build_app",
    "run_until_signal",
    "running",
    "serve",
]

Role = Literal["all", "updates", "ticker"]
#: ``all``: updates and the ticker (leader-elected on PostgreSQL); ``updates``: no ticker
#: (``--no-ticker``); ``ticker``: the ticker only, no updates (``--ticker-only``).
ROLES: tuple[Role, ...] = ("all", "updates", "ticker")

log = logging.getLogger("remodel.run")

#: Retries of each start-up Bot API call (getMe, deleteWebhook, setWebhook, setMyCommands).
BOOTSTRAP_RETRIES = 5
#: Deliveries Telegram may keep in flight to this bot (all workers together; its default).
MAX_CONNECTIONS = 40


class RunError(Exception):
    """The bot could not start for a reason the operator can fix (message says how)."""


class PollingConflict(RunError):
    """Another process polls this bot (Telegram answered getUpdates with 409 Conflict)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How updates arrive: long polling, or a webhook server with its secret token."""

    webhook: bool = False
    listen: str = "0.0.0.0"  # a webhook server listens on every interface
    port: int = 8443
    public_url: str | None = None
    secret_token: str | None = None
    poll_timeout: float = 10.0
    drop_pending_updates: bool = False
    role: Role = "all"
    migrate: bool = True
    #: Port of the operations server (/healthz, /metrics); ``None``: not served.
    ops_port: int | None = None
    ops_listen: str = "0.0.0.0"
    #: How long a stop waits for the tick in flight before giving up on it.
    stop_timeout: float = 20.0

    def __repr__(self) -> str:  # the secret token stays out of logs and tracebacks
        if self.role == "ticker":
            mode = "ticker only"
        elif self.webhook:
            mode = f"webhook on {self.listen}:{self.port} for {self.public_url}"
        else:
            mode = "polling"
        extra = "" if self.role != "updates" else ", no ticker"
        return f"RunOptions({mode}{extra})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        webhook: bool = False,
        listen: str | None = None,
        port: int | None = None,
        public_url: str | None = None,
        role: Role = "all",
        migrate: bool = True,
        ops_port: int | None = None,
    ) -> RunOptions:
        """Options from ``[webhook]`` with command-line overrides; a webhook needs a URL and
        a secret token."""
        if ops_port is not None and not 1 <= ops_port <= 65535:
            raise ConfigError(f"--ops-port must be 1-65535 (got {ops_port}); fix the option")
        section = settings.webhook
        url = public_url or section.public_url
        use_webhook = (webhook or section.enabled) and role != "ticker"
        if not use_webhook:
            return cls(role=role, migrate=migrate, ops_port=ops_port)
        if url is None:
            raise ConfigError(
                "webhook.public_url is not set: pass --public-url https://host/path, export "
                "REMODEL_WEBHOOK_URL, or set public_url under [webhook] in config.toml"
            )
        if not url.startswith(("https://", "http://")):
            raise ConfigError(
                f"--public-url must be an https:// URL (got {url!r}); fix the option or "
                "REMODEL_WEBHOOK_URL"
            )
        if port is not None and not 1 <= port <= 65535:
            raise ConfigError(f"--port must be 1-65535 (got {port}); fix the option")
        secret = section.secret_token.get_secret_value() if section.secret_token else None
        if secret is None:
            # Always required: a process cannot know whether others run beside it, and a
            # secret invented per process would make each setWebhook lock the others out
            # (their updates refused with 403). Telegram echoes it in a header we check.
            raise ConfigError(
                "webhook mode needs webhook.secret_token: set REMODEL_WEBHOOK_SECRET (or "
                "secret_token under [webhook]) to 1-256 characters of A-Z a-z 0-9 _ -, the "
                "same for every worker (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )
        add_secret(secret)  # redacted from every log line, whoever set up logging
        return cls(
            webhook=True,
            listen=listen or section.listen,
            port=port or section.port,
            public_url=url,
            secret_token=secret,
            role=role,
            migrate=migrate,
            ops_port=ops_port,
        )


def build_app(
    settings: Settings,
    *,
    library: Library,
    store: Store,
    clock: Clock | None = None,
    base_url: str | None = None,
    **extra: Any,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The one composition root (:func:`bot.app.build_application`) with our defaults:
    the system clock and ``[telegram] base_url``."""
    from bot.app import build_application

    app: Application[Any, Any, Any, Any, Any, Any] = build_application(
        settings,
        clock=clock or SystemClock(),
        store=store,
        library=library,
        base_url=base_url or settings.telegram.base_url,
        **extra,
    )
    return app


async def migrate(settings: Settings, store: Store | None = None) -> None:
    """Apply pending migrations to ``[database] url`` (idempotent)."""
    from bot.storage import upgrade

    try:
        await upgrade(store.engine if store is not None else settings.database.url)
    except Exception as exc:
        raise RunError(
            f"cannot migrate the database at database.url ({type(exc).__name__}: {exc}); "
            "fix [database] url or REMODEL_DATABASE_URL"
        ) from exc


@contextlib.asynccontextmanager
async def running(
    app: Application[Any, Any, Any, Any, Any, Any],
    options: RunOptions,
    on_conflict: Callable[[], None] | None = None,
) -> Any:
    """Initialize and start ``app`` with its updater, and undo it all on exit.

    Mirrors what PTB's ``run_polling``/``run_webhook`` do, hooks included, but on the
    caller's event loop and without touching signal handlers. With ``role="ticker"`` no
    updates are received (no updater). ``on_conflict`` is called when Telegram refuses our
    long polling with 409 Conflict (another process polls the same bot).
    """
    try:
        # getMe: a passing 5xx or hang must not end the start (bot.receiving.bootstrap).
        await retry_bootstrap(app.initialize, what="getMe")
    except InvalidToken:
        raise ConfigError(
            "telegram.token was refused by the Bot API at telegram.base_url: check "
            "TELEGRAM_BOT_TOKEN (or token under [telegram]) against @BotFather"
        ) from None
    except NetworkError as exc:
        raise RunError(
            f"cannot reach the Bot API at telegram.base_url ({exc.message}); check "
            "REMODEL_TELEGRAM_BASE_URL or base_url under [telegram]"
        ) from None
    try:
        if app.post_init is not None:
            await app.post_init(app)
        updater = app.updater
        if updater is None:
            raise RunError("the application was built without an updater")
        webhook: WebhookServer | None = None
        if options.role == "ticker":
            log.info("ticker only: not receiving updates")
        elif options.webhook:
            webhook = await _start_webhook(app, options)
        else:

            def polling_error(exc: TelegramError) -> None:
                if isinstance(exc, Conflict):
                    if on_conflict is not None:
                        on_conflict()
                    return
                _polling_error(exc)

            await _keep_polled_updates(app, drop=options.drop_pending_updates)
            # deleteWebhook (PTB's bootstrap) is retried by PTB itself, with these retries.
            await updater.start_polling(
                poll_interval=0.0,
                timeout=int(options.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=options.drop_pending_updates,
                error_callback=polling_error,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
            log.info("long polling started")
        await app.start()
        # What is alive now (content library, mappers, PTB's classes) lives as long as the
        # bot: take it out of the collector's reach, so that full collections scan only what
        # came since (in bench (a) they cost ~5% of the CPU and 0.1 s pauses). Unfrozen on
        # the way out, so a process that runs the bot more than once (tests) still frees it.
        gc.collect()
        gc.freeze()
        try:
            yield app
        finally:
            gc.unfreeze()
            if webhook is not None:
                await webhook.stop(options.stop_timeout)
            await _stop_ticker(app, options.stop_timeout)
            if updater.running:
                await updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await _release_leadership(app)


async def _keep_polled_updates(
    app: Application[Any, Any, Any, Any, Any, Any], *, drop: bool
) -> None:
    """Long polling: keep each polled update until handled, and queue first what a crash
    left unhandled (bot/receiving/inbox.py); ``drop`` (--drop-pending-updates) drops it."""
    services = getattr(app.bot_data, "services", None)
    processor = app.update_processor
    if services is None or not isinstance(app.bot, TolerantBot):
        return  # an application not built by bot.app (no store): nothing to keep
    inbox = PolledInbox(services.store)
    if drop:
        await inbox.clear()
    left = await inbox.left_over()
    if left:
        log.warning("%d polled updates were not handled before a crash: handling them", len(left))
    for raw in left:
        update = parse_update(raw, app.bot)
        if update is not None:
            app.bot.insert_callback_data(update)
            await app.update_queue.put(update)
    app.bot.keep_polled_in(inbox)
    if isinstance(processor, PerUserUpdateProcessor):
        processor.inbox = inbox


async def _stop_ticker(app: Application[Any, Any, Any, Any, Any, Any], bound: float) -> None:
    """Ask the ticker to end between sends and wait (bounded) for the tick in flight, so that
    PTB's own wait for the running job is short (see :mod:`bot.scheduling.ticker`)."""
    ticker = _ticker_of(app)
    if ticker is None:
        return
    ticker.request_stop()
    try:
        async with asyncio.timeout(bound):
            await ticker.wait_idle()
    except TimeoutError:
        log.warning("the tick in flight did not end within %.0f s of the stop", bound)


def _ticker_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Ticker | None:
    """The ticker of an app built by :func:`build_app` (``None`` for any other app, e.g. the
    benchmarks' bare echo bot, which ``running`` serves too)."""
    from bot.app import services_of

    try:
        return services_of(app).ticker
    except TypeError:
        return None


async def _release_leadership(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    ticker = _ticker_of(app)
    if ticker is not None and ticker.leader is not None:
        await ticker.leader.release()


def _polling_error(exc: TelegramError) -> None:
    """A failed getUpdates (PTB retries it): one line, not a traceback per round."""
    if isinstance(exc, NetworkError):
        log.warning("getUpdates failed (%s: %s); retrying", type(exc).__name__, exc.message)
    else:
        log.error("getUpdates failed; retrying", exc_info=exc)


async def _start_webhook(
    app: Application[Any, Any, Any, Any, Any, Any], options: RunOptions
) -> WebhookServer:
    """Listen for updates (our endpoint, see bot.receiving.webhook), then setWebhook."""
    assert options.public_url is not None
    server = WebhookServer(
        listen=options.listen,
        port=options.port,
        path=urlsplit(options.public_url).path,
        bot=app.bot,
        queue=app.update_queue,
        secret_token=options.secret_token,
        # Acknowledge once handled (bot/receiving/webhook.py): the update processor keeps
        # the per-athlete order and the concurrency bound, as for polled updates.
        handle=lambda update: app.update_processor.process_update(
            update, app.process_update(update)
        ),
    )
    try:
        server.start()
    except OSError as exc:
        raise RunError(
            f"cannot listen on {options.listen}:{options.port} ({exc.strerror}); "
            "fix --listen/--port or [webhook] listen/port"
        ) from None
    try:
        await retry_bootstrap(
            lambda: app.bot.set_webhook(
                url=options.public_url or "",
                secret_token=options.secret_token,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=options.drop_pending_updates,
                max_connections=MAX_CONNECTIONS,
            ),
            what="setWebhook",
        )
    except BaseException:
        await server.stop()
        raise
    log.info("webhook listening on %s:%s for %s", options.listen, options.port, options.public_url)
    return server


async def serve(
    settings: Settings,
    options: RunOptions,
    *,
    library: Library,
    stop: asyncio.Event,
    clock: Clock | None = None,
    started: asyncio.Event | None = None,
) -> None:
    """Migrate, build and run the bot until ``stop`` is set (the whole of ``remodel run``)."""
    settings.require_token()
    store = Store.from_url(settings.database.url)
    conflict = False

    def on_conflict() -> None:
        nonlocal conflict
        conflict = True
        stop.set()

    try:
        if options.migrate:
            await migrate(settings, store)
        else:
            await _require_migrated(store)
        app = build_app(
            settings,
            library=library,
            store=store,
            clock=clock,
            run_ticker=options.role != "updates",
        )
        async with running(app, options, on_conflict), ops_server(app, options):
            log.info("bot @%s is up (%r)", app.bot.username, options)
            if started is not None:
                started.set()
            await stop.wait()
    finally:
        await store.dispose()
    if conflict:
        raise PollingConflict(
            "another process is long-polling this bot (Telegram answered 409 Conflict): "
            "long polling is single-process only. Stop the other one, or run several "
            "workers in webhook mode (docs/deploy.md)"
        )
    log.info("bot stopped")


async def _require_migrated(store: Store) -> None:
    """``--no-migrate``: refuse to run on a database that is not at this code's head."""
    from bot.storage import current_revision, head_revision

    try:
        current = await current_revision(store.engine)
    except Exception as exc:
        raise RunError(
            f"cannot read the database at database.url ({type(exc).__name__}); fix [database] "
            "url or REMODEL_DATABASE_URL"
        ) from None
    head = head_revision()
    if current != head:
        raise RunError(
            f"the database is at revision {current} but this code needs {head}: run "
            "`remodel db upgrade` first (started with --no-migrate)"
        )


def run_until_signal(settings: Settings, options: RunOptions, *, library: Library) -> int:
    """``remodel run``: :func:`serve` until SIGINT or SIGTERM; returns the exit code."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        await serve(settings, options, library=library, stop=stop)

    try:
        asyncio.run(_main())
    except TelegramError as exc:
        raise RunError(f"the Bot API refused to start the bot: {exc.message}") from None
    return 0
