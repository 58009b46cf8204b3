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
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.receiving import ALLOWED_UPDATES, WebhookServer, retry_bootstrap
from bot.sending.redaction import add_secret
from bot.storage import Store

if TYPE_CHECKING:
    from telegram.ext import Application

    from flows.library import Library

__all__ = ["RunError", "RunOptions", "build_app", "run_until_signal", "running", "serve"]

log = logging.getLogger("remodel.run")

#: Retries of each start-up Bot API call (getMe, deleteWebhook, setWebhook, setMyCommands).
BOOTSTRAP_RETRIES = 5


class RunError(Exception):
    """The bot could not start for a reason the operator can fix (message says how)."""


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

    def __repr__(self) -> str:  # the secret token stays out of logs and tracebacks
        mode = (
            f"webhook on {self.listen}:{self.port} for {self.public_url}"
            if self.webhook
            else "polling"
        )
        return f"RunOptions({mode})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        webhook: bool = False,
        listen: str | None = None,
        port: int | None = None,
        public_url: str | None = None,
    ) -> RunOptions:
        """Options from ``[webhook]`` with command-line overrides; a webhook needs a URL."""
        section = settings.webhook
        url = public_url or section.public_url
        use_webhook = webhook or section.enabled
        if not use_webhook:
            return cls()
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
            # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; one per run is
            # enough for a single process (several workers must share one: set it).
            secret = secrets.token_urlsafe(32)
            add_secret(secret)  # redacted from every log line from now on (setWebhook at -v)
            log.info("webhook.secret_token not set: using a random one for this run")
        return cls(
            webhook=True,
            listen=listen or section.listen,
            port=port or section.port,
            public_url=url,
            secret_token=secret,
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
async def running(app: Application[Any, Any, Any, Any, Any, Any], options: RunOptions) -> Any:
    """Initialize and start ``app`` with its updater, and undo it all on exit.

    Mirrors what PTB's ``run_polling``/``run_webhook`` do, hooks included, but on the
    caller's event loop and without touching signal handlers.
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
        if options.webhook:
            webhook = await _start_webhook(app, options)
        else:
            # deleteWebhook (PTB's bootstrap) is retried by PTB itself, with these retries.
            await updater.start_polling(
                poll_interval=0.0,
                timeout=int(options.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=options.drop_pending_updates,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                error_callback=_polling_error,
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
                await webhook.stop()
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
    try:
        await migrate(settings, store)
        app = build_app(settings, library=library, store=store, clock=clock)
        async with running(app, options):
            log.info("bot @%s is up (%r)", app.bot.username, options)
            if started is not None:
                started.set()
            await stop.wait()
    finally:
        await store.dispose()
    log.info("bot stopped")


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
