"""Webhook delivery: POST each pending update to the bot's URL, never losing one.

An update leaves the queue only after the webhook answered 2xx. On a non-2xx answer, a
connection error or a timeout, the error is recorded (``getWebhookInfo`` shows it as
Telegram does) and the same update is retried after a growing delay. ``setWebhook`` and
new updates wake the loop at once.

Like Telegram, up to ``max_connections`` (``setWebhook``, default 40) deliveries are in
flight at once, so several webhook workers behind a load balancer get work in parallel. One
sender's updates stay in order: an update is not posted while an earlier update of the same
sender (user, else chat) is in flight or waiting for its retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from http import HTTPStatus
from typing import Any

import httpx

from sandbox.store import Store

log = logging.getLogger(__name__)


def sender_key(update: dict[str, Any]) -> object:
    """Whose update this is: the sending user's id, else the chat's (for order)."""
    for value in update.values():
        if isinstance(value, dict):
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and "id" in sender:
                return ("user", sender["id"])
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return ("chat", chat["id"])
    return ("update", update.get("update_id"))


class WebhookDeliverer:
    """The background task that pushes updates to ``store.webhook.url``."""

    def __init__(
        self,
        store: Store,
        *,
        timeout: float = 10.0,
        first_retry_delay: float = 0.1,
        max_retry_delay: float = 5.0,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.first_retry_delay = first_retry_delay
        self.max_retry_delay = max_retry_delay
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        """Start the delivery loop on the running event loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop the loop; undelivered updates stay queued."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look at the queue now (a new update, or the webhook changed)."""
        self._wake.set()

    async def _run(self) -> None:
        busy: dict[object, asyncio.Task[None]] = {}  # sender key -> its delivery in flight
        async with httpx.AsyncClient(trust_env=False) as client:
            try:
                while True:
                    store = self.store
                    hook = store.webhook
                    if not hook.url or not store.updates:
                        await self._sleep(None)
                        continue
                    waiting: set[object] = set()
                    for update in list(store.updates):
                        if len(busy) >= max(1, hook.max_connections):
                            break
                        key = sender_key(update)
                        if key in busy or key in waiting:
                            waiting.add(key)  # keep this sender's order
                            continue
                        busy[key] = asyncio.create_task(self._deliver(client, update))
                        busy[key].add_done_callback(functools.partial(self._done, busy, key))
                    await self._sleep(None)
            finally:
                for task in busy.values():
                    task.cancel()
                await asyncio.gather(*busy.values(), return_exceptions=True)

    def _done(
        self, busy: dict[object, asyncio.Task[None]], key: object, _task: asyncio.Task[None]
    ) -> None:
        busy.pop(key, None)
        self.wake()

    async def _deliver(self, client: httpx.AsyncClient, update: dict[str, Any]) -> None:
        """Post ``update`` until the webhook takes it (or it left the queue meanwhile)."""
        delay = self.first_retry_delay
        store = self.store
        while True:
            hook = store.webhook
            if not hook.url or not any(u is update for u in store.updates):
                return
            error = await self._post(client, hook.url, hook.secret_token, update)
            if error is None:
                # The queue may have been cleared meanwhile (drop_pending_updates).
                for index, queued in enumerate(store.updates):
                    if queued is update:
                        del store.updates[index]
                        store.stats.updates_delivered += 1
                        break
                return
            hook.last_error_date = store.now()
            hook.last_error_message = error
            await asyncio.sleep(delay)
            delay = min(self.max_retry_delay, delay * 2)

    async def _sleep(self, seconds: float | None) -> None:
        """Wait for a wake-up, or ``seconds`` at most."""
        self._wake.clear()
        # Updates pushed meanwhile set the store's event; watch both.
        waiters = [
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(self.store.updates_changed.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _post(
        self, client: httpx.AsyncClient, url: str, secret: str | None, update: object
    ) -> str | None:
        """Deliver one update; None on 2xx, else Telegram's wording of the error."""
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            response = await client.post(
                url, content=json.dumps(update), headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException:
            return "Read timeout expired"
        except httpx.ConnectError:
            return "Connection refused"
        except httpx.HTTPError as exc:
            return f"Connection error: {type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return None
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
        return f"Wrong response from the webhook: {response.status_code} {reason}".rstrip()
