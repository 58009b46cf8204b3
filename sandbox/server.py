"""The HTTP server: the Bot API at ``/bot<token>/<method>``, files at
``/file/bot<token>/<path>`` and the control API at ``/sandbox/...``, on tornado.

``SandboxServer`` runs on the caller's asyncio event loop (tests, benches, other programs)
or standalone through ``python -m sandbox``. It binds 127.0.0.1 by default; whatever
arrives, the answer is JSON in Telegram's shape, never a stack trace.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from sandbox.botapi import BotApi, canonical_method
from sandbox.control import Binary, ControlApi
from sandbox.errors import ApiError, bad_request, not_found, unauthorized
from sandbox.faults import Faults
from sandbox.flood import FloodControl, FloodLimits
from sandbox.methods import METHODS
from sandbox.params import Upload, coerce
from sandbox.store import Store
from sandbox.webhook import WebhookDeliverer

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "sandbox:TEST-TOKEN-not-secret"
MAX_BODY = 60 * 1024 * 1024


def _bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 999_000_001


class _JsonHandler(tornado.web.RequestHandler):
    """Shared plumbing: JSON answers, Telegram's error shape for every failure."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Server", "remodel-sandbox")

    def write_json(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.finish(json.dumps(body, ensure_ascii=False, separators=(",", ":")))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Tornado's own errors (malformed requests, unexpected exceptions): no stack trace.
        if status_code == 400:
            description = "Bad Request: malformed request"
        elif status_code >= 500:
            description = "Internal Server Error"
        else:
            description = self._reason
        self.finish(
            json.dumps({"ok": False, "error_code": status_code, "description": description})
        )

    def _arguments(self) -> tuple[dict[str, Any], dict[str, Upload]]:
        """Query, form, multipart or JSON parameters, and uploaded files."""
        raw: dict[str, Any] = {}
        try:
            for name, values in self.request.query_arguments.items():
                raw[name] = values[-1].decode("utf-8")
            content_type = self.request.headers.get("Content-Type", "")
            if content_type.startswith("application/json"):
                if self.request.body.strip():
                    body = json.loads(self.request.body.decode("utf-8"))
                    if not isinstance(body, dict):
                        raise bad_request("JSON object expected")
                    raw.update(body)
            else:
                for name, values in self.request.body_arguments.items():
                    raw[name] = values[-1].decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        uploads = {
            name: Upload(files[-1].body, files[-1].filename or None, files[-1].content_type)
            for name, files in self.request.files.items()
        }
        return raw, uploads


class BotHandler(_JsonHandler):
    """``/bot<token>/<method>``: GET or POST, any body encoding."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server

    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def _serve(self, token: str, method_name: str) -> None:
        server = self.server
        stats = server.store.stats
        try:
            if token != server.token:
                raise unauthorized()
            method = canonical_method(method_name)
            if method is None:
                raise not_found()
            stats.requests[method] += 1
            stats.in_flight[method] += 1
            try:
                fault = server.faults.server_error(method)
                if fault is not None:
                    raise fault
                hang = server.faults.hang(method)
                if hang:
                    await asyncio.sleep(hang)
                raw, uploads = self._arguments()
                params = coerce(METHODS[method], raw, uploads, strict=server.strict)
                result = await server.bot.call(method, params)
            finally:
                stats.in_flight[method] -= 1
        except ApiError as exc:
            if exc.code == 429:
                stats.answered_429 += 1
            elif exc.code >= 500:
                stats.answered_5xx += 1
            else:
                stats.answered_4xx += 1
                stats.refusals[f"{method_name}: {exc.description}"[:160]] += 1
            self.write_json(exc.code, exc.body())
            return
        except Exception:
            log.exception("sandbox: unexpected error in %s", method_name)
            stats.answered_5xx += 1
            self.write_json(
                500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            )
            return
        self.write_json(200, {"ok": True, "result": result})


class FileHandler(_JsonHandler):
    """``/file/bot<token>/<file_path>``: the bytes of an uploaded file."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server

    def get(self, token: str, file_path: str) -> None:
        if token != self.server.token:
            self.write_json(401, unauthorized().body())
            return
        for rec in self.server.store.files.values():
            if rec.file_path == file_path:
                self.set_header("Content-Type", rec.mime_type or "application/octet-stream")
                self.finish(rec.data)
                return
        self.write_json(404, not_found().body())


class ControlHandler(_JsonHandler):
    """``/sandbox/<path>``: the control API (see ``control``)."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server

    async def get(self, path: str) -> None:
        await self._serve(path)

    async def post(self, path: str) -> None:
        await self._serve(path)

    async def put(self, path: str) -> None:
        await self._serve(path)

    async def _serve(self, path: str) -> None:
        try:
            query = {k: v[-1].decode("utf-8") for k, v in self.request.query_arguments.items()}
            body: dict[str, Any] = {}
            if self.request.body.strip():
                try:
                    parsed = json.loads(self.request.body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    raise ApiError(400, "the body must be a JSON object") from None
                if not isinstance(parsed, dict):
                    raise ApiError(400, "the body must be a JSON object")
                body = parsed
            result = await self.server.control.dispatch(
                self.request.method or "GET", path.strip("/"), body, query
            )
        except ApiError as exc:
            self.write_json(exc.code, exc.body())
            return
        except Exception:
            log.exception("sandbox: unexpected error in control /sandbox/%s", path)
            self.write_json(
                500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            )
            return
        if isinstance(result, Binary):
            self.set_header("Content-Type", result.content_type)
            self.finish(result.data)
            return
        self.write_json(200, {"ok": True, "result": result})


class NotFoundHandler(_JsonHandler):
    """Anything else: Telegram's 404 body."""

    def prepare(self) -> None:
        self.write_json(404, not_found().body())


class SandboxServer:
    """A local Telegram: Bot API + control API over real HTTP.

    ``port=0`` picks a free port (read it from ``url`` after ``start()``). ``strict=True``
    refuses parameters the Bot API does not define. ``flood`` is ``"off"``, ``"telegram"``,
    a ``custom:...`` spec or a ``FloodLimits``. ``clock`` supplies the UTC-aware instants
    used as message dates.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "remodel_bot",
        strict: bool = True,
        flood: FloodLimits | str = "off",
        clock: Callable[[], datetime] | None = None,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.strict = strict
        limits = FloodLimits.parse(flood) if isinstance(flood, str) else flood
        self._initial_limits = limits
        self.store = Store(bot_id=_bot_id(token), bot_username=bot_username, clock=clock)
        self.flood = FloodControl(limits)
        self.faults = Faults()
        self.webhook = WebhookDeliverer(self.store, timeout=webhook_timeout)
        self.bot = BotApi(self.store, self.flood, self.faults, on_webhook_change=self.wake_webhook)
        self.control = ControlApi(self)
        self._http: tornado.httpserver.HTTPServer | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_api_base(self) -> str:
        """What PTB's ``ApplicationBuilder().base_url(...)`` expects."""
        return f"{self.url}/bot"

    @property
    def bot_file_base(self) -> str:
        """What PTB's ``ApplicationBuilder().base_file_url(...)`` expects."""
        return f"{self.url}/file/bot"

    def make_app(self) -> tornado.web.Application:
        """The tornado application (routes and handlers)."""
        args = {"server": self}
        return tornado.web.Application(
            [
                (r"/bot([^/]+)/([^/]*)", BotHandler, args),
                (r"/file/bot([^/]+)/(.+)", FileHandler, args),
                (r"/sandbox/(.*)", ControlHandler, args),
            ],
            default_handler_class=NotFoundHandler,
            compress_response=False,
        )

    async def start(self) -> None:
        """Listen on ``host:port`` (the actual port is in ``port`` afterwards)."""
        sockets = tornado.netutil.bind_sockets(
            self.port, self.host, family=socket.AF_INET if ":" not in self.host else socket.AF_INET6
        )
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(
            self.make_app(), max_body_size=MAX_BODY, idle_connection_timeout=3600
        )
        self._http.add_sockets(sockets)
        self.webhook.start()

    async def stop(self) -> None:
        """Stop listening, end long polls and the webhook loop, close connections."""
        self.store.closed = True
        self._wake_waiters()
        await self.webhook.stop()
        if self._http is not None:
            self._http.stop()
            await self._http.close_all_connections()
            self._http = None

    def _wake_waiters(self) -> None:
        self.store.updates_changed.set()
        for chat in self.store.chats.values():
            chat.notify()

    def wake_webhook(self) -> None:
        """Tell the webhook loop to look at the queue now."""
        self.webhook.wake()

    def reset(self) -> None:
        """Back to an empty world: no users, chats, updates, webhook, faults or counters."""
        self._wake_waiters()
        self.store.reset()
        self.flood.set_limits(self._initial_limits)
        self.faults.update(
            {
                "error_rate": 0,
                "hang_rate": 0,
                "hang_seconds": 0,
                "force_429": 0,
                "methods": [],
                "fail_next": {},
                "hang_next": {},
                "flood_rate": 0,
            }
        )
        self.wake_webhook()

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
