"""The composition root: one place builds the python-telegram-bot Application.

Entry points (for ``bot.cli``, benches and tests)::

    from bot.app import build_application, on_startup, services_of

    app = build_application(
        settings,                 # bot.config.Settings (token, base URL, schedule, sending)
        clock=SystemClock(),      # or a ManualClock in tests / ``remodel chat``
        store=store,              # bot.storage.Store on a migrated database (bot.storage.upgrade)
        library=library,          # flows.library.load_library(content_root, language)
        base_url=None,            # Bot API base, e.g. SandboxServer.bot_api_base; default: settings
        base_file_url=None,       # file base, e.g. SandboxServer.bot_file_base
        token=None,               # default: settings.require_token()
        run_ticker=True,          # install the ticker's repeating JobQueue job at start-up
    )
    app.run_polling()             # on_startup runs as post_init: setMyCommands + ticker job

When you drive the lifecycle yourself (tests, ``remodel chat``)::

    await app.initialize()
    await on_startup(app)         # post_init only runs inside run_polling/run_webhook
    await app.updater.start_polling(); await app.start()
    ...
    await services_of(app).ticker.tick()   # one tick now (tests: after advancing the clock)
    await app.updater.stop(); await app.stop(); await app.shutdown()

``services_of(app)`` returns the :class:`bot.context.Services` (store, clock, library,
texts, locks, pacer, ticker). Handlers reach them through the typed context
(``context.services``), never through string keys in ``bot_data``. Updates of one Telegram
user are processed in order and different users concurrently
(:class:`bot.handlers.ordering.PerUserUpdateProcessor`); the ticker takes the same
per-user lock. No PTB persistence and no ConversationHandler: the database is the only
source of truth.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import NetworkError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.charts.pool import RenderPool
from bot.clock import Clock
from bot.config import Settings
from bot.context import BotData, RemodelContext, Services
from bot.dialogue.driver import all_questionnaires
from bot.handlers import MENU, register
from bot.handlers.clearance import clearance_questionnaire
from bot.handlers.coach_posts import make_coach_sender
from bot.handlers.ordering import PerUserUpdateProcessor
from bot.handlers.tick import make_reminder, make_sender
from bot.receiving import TolerantBot, UpdateLedger, retry_bootstrap
from bot.rendering.texts import Texts
from bot.scheduling import AthleteLocks, CoachPoster, Ticker
from bot.scheduling.leader import TickerLeadership
from bot.sending import install_token_redaction, shared_pacer_for
from bot.sending.limiter import PacingRateLimiter
from bot.storage import GroupCommit, Store, set_keyboard_messages
from flows.library import Library

__all__ = ["build_application", "on_startup", "services_of"]

log = logging.getLogger(__name__)

#: Updates processed at once (different users; one user's updates wait for each other).
MAX_CONCURRENT_UPDATES = 256

RemodelApp = Application[Any, RemodelContext, BotData, Any, Any, Any]


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The services wired into ``application`` by :func:`build_application`."""
    bot_data = application.bot_data
    if not isinstance(bot_data, BotData):
        raise TypeError("this Application was not built by bot.app.build_application")
    return bot_data.services


def build_application(
    settings: Settings,
    *,
    clock: Clock,
    store: Store,
    library: Library,
    base_url: str | None = None,
    base_file_url: str | None = None,
    token: str | None = None,
    run_ticker: bool = True,
) -> RemodelApp:
    """Build the Application: services, handlers, ordering, error handler, ticker."""
    texts = Texts.from_entries({**library.coach.messages, **library.bot.messages}, library.language)
    locks = AthleteLocks()
    services = Services(
        settings=settings,
        clock=clock,
        store=store,
        library=library,
        questionnaires=all_questionnaires(library, {"clearance": clearance_questionnaire(texts)}),
        texts=texts,
        locks=locks,
        pacer=shared_pacer_for(store.engine, settings.sending),
        keyboard_marks=GroupCommit(store, set_keyboard_messages),
        render=RenderPool(
            kind=settings.render.kind,
            workers=settings.render.workers,
            queue=settings.render.queue,
        ),
        ledger=UpdateLedger(store.engine),
        run_ticker=run_ticker,
    )
    # Our own bot class (see bot.receiving): an update it cannot parse is skipped, not fatal.
    # Connection pools as ApplicationBuilder would size them (256 for calls, 1 for polling).
    bot = TolerantBot(
        token=token or settings.require_token(),
        base_url=base_url or settings.telegram.base_url,
        base_file_url=base_file_url or "https://api.telegram.org/file/bot",
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        # Every call that sends or edits takes a slot of the pacer (bot/sending/limiter.py).
        rate_limiter=PacingRateLimiter(services.pacer),
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=RemodelContext, bot_data=BotData))
        .concurrent_updates(
            PerUserUpdateProcessor(
                locks,
                MAX_CONCURRENT_UPDATES,
                ledger=services.ledger,
                slow_update=settings.logging.slow_update_ms / 1000,
            )
        )
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    application: RemodelApp = builder.build()  # type: ignore[assignment]
    application.bot_data.services = services
    services.ticker = Ticker(
        store=store,
        clock=clock,
        schedule=settings.schedule,
        send=make_sender(application),
        remind=make_reminder(application),
        locks=locks,
        concurrency=settings.sending.concurrency,
        coach=CoachPoster(
            store=store,
            clock=clock,
            schedule=settings.schedule,
            send=make_coach_sender(application),
            concurrency=settings.sending.concurrency,
        ),
        leader=TickerLeadership(store.engine),
        silence=services.library.protocol.silence,
    )
    register(application)
    return application


async def on_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop the render workers; close the update ledger's connection."""
    services = services_of(application)
    services.render.shutdown()
    if services.ledger is not None:
        await services.ledger.close()


async def on_startup(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Install token redaction on the log handlers, set the command menu (private chats)
    and install the ticker's repeating job."""
    services = services_of(application)
    texts = services.texts
    # Logging is configured by now: keep the token out of every record (httpx logs URLs).
    install_token_redaction(application.bot.token)
    commands = [BotCommand(name, texts.raw(f"commands.{name}")) for name in MENU]
    try:
        await retry_bootstrap(
            lambda: application.bot.set_my_commands(
                commands, scope=BotCommandScopeAllPrivateChats()
            ),
            what="setMyCommands",
        )
    except NetworkError as exc:  # the menu is a convenience: run without it rather than stop
        log.warning("command menu not set (%s); the commands still work", exc.message)
    if services.run_ticker and services.ticker is not None and application.job_queue is not None:
        services.ticker.install(application.job_queue)
    # Start the render worker in the background (the first chart should not wait for it).
    warming = services.render.warm_up()
    warming.add_done_callback(_log_warm_up)


def _log_warm_up(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("the render worker did not start: %s", future.exception())
