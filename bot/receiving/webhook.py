"""The webhook endpoint: Telegram POSTs updates here; a body we cannot read still gets 200.

python-telegram-bot's own webhook handler answers 400 to an update it cannot parse, and
Telegram then redelivers that update forever (and holds back the ones behind it), logging
the whole body each time. This endpoint keeps PTB's checks (JSON content type, the
``X-Telegram-Bot-Api-Secret-Token`` header compared in constant time) and differs only
there: an unreadable body is logged by id and kind (:func:`bot.receiving.parse_update`)
and acknowledged with 200, so one update never blocks the others. Hand-written (about 60
lines) because PTB offers no hook to change that answer.

**Acknowledged once handled** (``handle=``, what ``remodel run --webhook`` uses): PTB answers
200 as soon as an update is queued in memory, so a worker killed (a deploy, the OOM killer)
with acknowledged updates in its queue loses them for good: Telegram never sends an
acknowledged update again, and an athlete's answer is gone. With ``handle``, the 200 goes out
only when the update has been handled (transactions committed, replies sent); a worker that
dies mid-update leaves it unacknowledged and Telegram delivers it again, to a worker behind
the same load balancer. The price is at-least-once handling in that narrow case; the handlers
make it harmless where it matters (an answer already recorded is refused as such, and a
question left undelivered is asked again; check-in rows are unique). Telegram keeps up to
``max_connections`` deliveries in flight, one chat's in order, so acknowledging late costs no
throughput: different athletes still run in parallel, here and across workers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from bot.receiving.updates import parse_update

__all__ = ["WebhookServer"]

log = logging.getLogger(__name__)


class _UpdateHandler(tornado.web.RequestHandler):
    """POST one update (JSON) with the secret token header."""

    def initialize(self, server: WebhookServer) -> None:
        self._server = server

    def check_xsrf_cookie(self) -> None:  # Telegram posts no cookie
        return None

    async def post(self) -> None:
        server = self._server
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise tornado.web.HTTPError(403)
        expected = server.secret_token
        if expected is not None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                log.debug("webhook request with a missing or wrong secret token: refused")
                raise tornado.web.HTTPError(403)
        try:
            data: Any = json.loads(self.request.body)
        except ValueError:
            log.error(
                "webhook body is not JSON (%d bytes): acknowledged and skipped",
                len(self.request.body),
            )
            self.set_status(200)
            return
        update = parse_update(data, server.bot)
        if update is not None:
            server.bot.insert_callback_data(update)
            if server.handle is None:
                await server.queue.put(update)
            else:
                server.in_flight += 1
                # PTB's fetcher logs this for queued updates; ids only (payload is health data).
                log.debug("Processing update %s before acknowledging it", update.update_id)
                try:
                    await server.handle(update)
                finally:
                    server.in_flight -= 1
                    if server.in_flight == 0:
                        server.idle.set()
        self.set_status(200)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # tornado would log the request line; ours is enough and carries no payload.
        if not isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)


class WebhookServer:
    """An HTTP server on ``listen:port`` that puts the updates posted to ``/path`` on ``queue``."""

    def __init__(
        self,
        *,
        listen: str,
        port: int,
        path: str,
        bot: Any,
        queue: asyncio.Queue[Any],
        secret_token: str | None,
        handle: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        self.listen = listen
        self.port = port
        self.path = "/" + path.strip("/")
        self.bot = bot
        self.queue: asyncio.Queue[Update | Any] = queue
        self.secret_token = secret_token
        #: Handles an update before it is acknowledged (``None``: queue it and acknowledge).
        self.handle = handle
        self.in_flight = 0
        self.idle = asyncio.Event()
        self._http: HTTPServer | None = None

    def start(self) -> None:
        """Bind and serve on the running event loop; ``OSError`` when the port is taken."""
        app = tornado.web.Application([(self.path, _UpdateHandler, {"server": self})])
        self._http = HTTPServer(app, xheaders=True)
        self._http.listen(self.port, address=self.listen)

    async def stop(self, bound: float = 20.0) -> None:
        """Stop accepting, and let requests under way finish (updates being handled: at most
        ``bound`` seconds; what is not acknowledged by then Telegram delivers again)."""
        http, self._http = self._http, None
        if http is not None:
            http.stop()
            if self.in_flight:
                self.idle.clear()
                try:
                    async with asyncio.timeout(bound):
                        await self.idle.wait()
                except TimeoutError:
                    log.warning("%d updates still being handled at stop", self.in_flight)
            await http.close_all_connections()
