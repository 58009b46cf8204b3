"""The webhook server: an update is acknowledged after it was processed, not on receipt.

PTB's own webhook server answers Telegram ``200`` as soon as an update is queued in memory.
For one process that is fine; for workers that a deploy or the OOM killer may stop at any
moment it is not: a worker killed with acknowledged updates in its queue loses them for
good (Telegram never sends an acknowledged update again), and an athlete's answer is gone.
Here the ``200`` goes out only when the update has been handled (its transactions committed,
its replies sent): a worker that dies mid-update leaves it unacknowledged, and Telegram
delivers it again, to a worker behind the same load balancer.

The price is at-least-once handling: an update whose handling finished but whose ``200``
was lost with the worker is handled again. The handlers make that harmless where it
matters: an answer already recorded is refused as "already recorded" (and a question left
undelivered is asked again), a check-in row is unique per (athlete, date, slot). A command
such as ``/today`` may show its answer twice in that narrow window.

Telegram keeps up to ``max_connections`` deliveries in flight (we set 40, its default), one
sender's updates in order, so acknowledging late costs no throughput: updates of different
athletes still run in parallel, here and across workers. The secret token is checked like
PTB does (``403`` without it), and an update that cannot be parsed is acknowledged and
logged by id only (a poison update would otherwise be redelivered forever).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import tornado.httpserver
import tornado.web
from telegram import Update

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = ["MAX_CONNECTIONS", "WebhookServer"]

log = logging.getLogger(__name__)

#: Deliveries Telegram may keep in flight to this bot (all workers together).
MAX_CONNECTIONS = 40


class _Hook(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.hook = server

    async def post(self) -> None:
        hook = self.hook
        if self.request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        token = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode(), hook.secret_token.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="wrong secret token")
        app = hook.app
        data: object = None
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, app.bot)  # type: ignore[arg-type]
        except Exception as exc:
            update_id = data.get("update_id") if isinstance(data, dict) else None
            log.error(
                "skipping an update that cannot be parsed (id %s): %s",
                update_id,
                type(exc).__name__,
            )
            self.set_status(HTTPStatus.OK)
            return
        if update is None:
            self.set_status(HTTPStatus.OK)
            return
        hook.in_flight += 1
        try:
            # The same path as PTB's update fetcher: the update processor (per-athlete order,
            # bounded concurrency), then the handlers; errors go to the error handler.
            await app.update_processor.process_update(update, app.process_update(update))
        finally:
            hook.in_flight -= 1
            if hook.in_flight == 0:
                hook.idle.set()
        self.set_status(HTTPStatus.OK)


class WebhookServer:
    """Serves ``path`` on ``listen:port`` for ``app`` and registers ``url`` with Telegram."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        *,
        listen: str,
        port: int,
        path: str,
        secret_token: str,
    ) -> None:
        self.app = app
        self.secret_token = secret_token
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        web = tornado.web.Application([(f"/{path.strip('/')}", _Hook, {"server": self})])
        self._server = tornado.httpserver.HTTPServer(web)
        self._listen = (port, listen)

    def listen(self) -> None:
        """Bind the port (``OSError`` when it is taken)."""
        self.idle.set()
        self._server.listen(*self._listen)

    async def register(self, url: str, *, drop_pending_updates: bool = False) -> None:
        """``setWebhook`` with the secret (every worker registers the same URL and secret)."""
        await self.app.bot.set_webhook(
            url,
            secret_token=self.secret_token,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=drop_pending_updates,
            max_connections=MAX_CONNECTIONS,
        )

    async def stop(self, bound: float = 20.0) -> None:
        """Stop accepting, then let the updates being handled finish (at most ``bound`` s):
        what is not acknowledged by then is delivered again by Telegram."""
        self._server.stop()
        if self.in_flight:
            self.idle.clear()
            try:
                async with asyncio.timeout(bound):
                    await self.idle.wait()
            except TimeoutError:
                log.warning("%d updates still in flight at stop", self.in_flight)
        await self._server.close_all_connections()
