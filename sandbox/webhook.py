"""Webhook delivery: POST each pending update to the bot's URL, in order, never losing one.

An update leaves the queue only after the webhook answered 2xx. On a non-2xx answer, a
connection error or a timeout, the error is recorded (``getWebhookInfo`` shows it as
Telegram does) and the same update is retried after a growing delay. ``setWebhook`` and
new updates wake the loop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from http import HTTPStatus

import httpx

from sandbox.store import Store

log = logging.getLogger(__name__)


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
        delay = self.first_retry_delay
        async with httpx.AsyncClient(trust_env=False) as client:
            while True:
                store = self.store
                hook = store.webhook
                if not hook.url or not store.updates:
                    await self._sleep(None)
                    continue
                update = store.updates[0]
                error = await self._post(client, hook.url, hook.secret_token, update)
                if error is None:
                    # The queue may have been cleared meanwhile (drop_pending_updates).
                    if store.updates and store.updates[0] is update:
                        store.updates.pop(0)
                        store.stats.updates_delivered += 1
                    delay = self.first_retry_delay
                    continue
                hook.last_error_date = store.now()
                hook.last_error_message = error
                await self._sleep(delay)
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
