"""A Python driver over the control API, so that a conversation test reads like a chat::

    async with SandboxDriver(server.url) as sandbox:
        ann = await sandbox.create_user("Ann")
        chat = sandbox.chat(ann.id)
        await chat.send("/start")
        await chat.expect("Welcome")
        await chat.press("Yes")

Everything goes over HTTP (httpx), so the driver works against an in-process server and
against ``python -m sandbox`` alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx


class SandboxError(Exception):
    """The control API refused a request; ``code`` and ``description`` say why."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class SandboxUser:
    """A simulated user (their private chat with the bot has the same id)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message of the bot as the transcript shows it (current state, after edits)."""

    message_id: int
    chat_id: int
    text: str  # plain text (or the caption of a photo/document), after entity parsing
    html: str | None  # the text or caption as the bot sent it (HTML source in HTML mode)
    parse_mode: str | None
    entities: list[dict[str, Any]]
    buttons: list[list[Button]]
    edited: bool
    deleted: bool
    photo: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        """The button texts, row by row."""
        return [b.text for row in self.buttons for b in row]

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> BotMessage:
        """From a transcript entry of the control API."""
        markup = entry.get("reply_markup") or {}
        buttons = [
            [
                Button(b.get("text", ""), b.get("callback_data"), b.get("url"))
                for b in row
                if isinstance(b, dict)
            ]
            for row in markup.get("inline_keyboard", [])
        ]
        text = entry.get("text")
        if text is None:
            text = entry.get("caption") or ""
        return cls(
            message_id=entry["message_id"],
            chat_id=entry["chat_id"],
            text=text,
            html=entry.get("source"),
            parse_mode=entry.get("parse_mode"),
            entities=entry.get("entities") or entry.get("caption_entities") or [],
            buttons=buttons,
            edited=bool(entry.get("edited")),
            deleted=bool(entry.get("deleted")),
            photo=entry.get("photo"),
            document=entry.get("document"),
            raw=entry,
        )


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A message a user wrote, as the transcript shows it."""

    message_id: int
    chat_id: int
    from_user_id: int
    text: str

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> UserMessage:
        """From a transcript entry of the control API."""
        return cls(
            entry["message_id"],
            entry["chat_id"],
            entry.get("from_user_id") or 0,
            entry["text"] or "",
        )


def _entry(entry: dict[str, Any]) -> BotMessage | UserMessage:
    if entry["side"] == "bot":
        return BotMessage.from_entry(entry)
    return UserMessage.from_entry(entry)


class SandboxDriver:
    """Async client of the control API at ``url`` (the sandbox's base URL)."""

    def __init__(self, url: str, *, client: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = client or httpx.AsyncClient(
            base_url=self.url, timeout=httpx.Timeout(70.0), trust_env=False
        )

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One control API call; returns ``result`` or raises ``SandboxError``."""
        response = await self._client.request(method, f"{self.url}/sandbox/{path}", **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise SandboxError(response.status_code, response.text[:200]) from None
        if not body.get("ok"):
            raise SandboxError(
                body.get("error_code", response.status_code), body.get("description", "")
            )
        return body["result"]

    # -- users and groups -----------------------------------------------------------------

    async def create_user(
        self,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "en",
        *,
        started: bool = False,
        user_id: int | None = None,
        messages_after: int = 0,
    ) -> SandboxUser:
        """A new user; their private chat with the bot has the same id.

        ``started``: the user has already opened the chat (as in an earlier session), so the
        bot may write first; otherwise the bot gets 403 until the user writes or starts.
        ``user_id``: recreate a known user under that id (e.g. resuming a stored session);
        ``SandboxError`` 409 if a user or chat already has it. Left out, the sandbox picks.
        ``messages_after``: the private chat's message ids start above it (resuming).
        """
        body: dict[str, Any] = {
            "first_name": first_name,
            "language_code": language_code,
            "started": started,
        }
        if username is not None:
            body["username"] = username
        if user_id is not None:
            body["id"] = user_id
        if messages_after:
            body["messages_after"] = messages_after
        result = await self.request("POST", "users", json=body)
        return SandboxUser(result["id"], first_name, username, language_code)

    async def create_group(self, title: str, member_ids: list[int]) -> int:
        """A basic group with these members (the bot is not in it yet); its chat id."""
        result = await self.request(
            "POST", "groups", json={"title": title, "member_ids": member_ids}
        )
        return int(result["chat_id"])

    async def add_bot_to_group(
        self, chat_id: int, by_user_id: int, start_payload: str | None = None
    ) -> dict[str, Any]:
        """``by_user_id`` adds the bot (``?startgroup=PAYLOAD`` when a payload is given)."""
        body: dict[str, Any] = {"by_user_id": by_user_id}
        if start_payload is not None:
            body["start_payload"] = start_payload
        result: dict[str, Any] = await self.request("POST", f"groups/{chat_id}/add_bot", json=body)
        return result

    async def remove_bot_from_group(self, chat_id: int, by_user_id: int) -> None:
        """``by_user_id`` removes the bot from the group."""
        await self.request("POST", f"groups/{chat_id}/remove_bot", json={"by_user_id": by_user_id})

    async def migrate_group(self, chat_id: int) -> int:
        """Upgrade a group to a supergroup; the new chat id."""
        result = await self.request("POST", f"groups/{chat_id}/migrate")
        return int(result["migrate_to_chat_id"])

    async def block(self, user_id: int) -> None:
        """The user blocks the bot (403 for the bot from then on)."""
        await self.request("POST", f"users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        await self.request("POST", f"users/{user_id}/unblock")

    # -- steering -------------------------------------------------------------------------

    async def set_limits(self, mode: str = "custom", **numbers: float) -> dict[str, Any]:
        """Flood control: ``set_limits("off")``, ``set_limits("telegram")`` or
        ``set_limits(chat=1, burst=1)`` (keys: bot, chat, burst, group or field names)."""
        result: dict[str, Any] = await self.request("PUT", "limits", json={"mode": mode, **numbers})
        return result

    async def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Fault injection: error_rate, hang_rate, hang_seconds, force_429, methods, seed,
        fail_next, hang_next, flood_rate (sandbox/README.md)."""
        result: dict[str, Any] = await self.request("PUT", "faults", json=settings)
        return result

    async def stats(self) -> dict[str, Any]:
        """Requests per method, 4xx/5xx/429 answered, messages and updates delivered."""
        result: dict[str, Any] = await self.request("GET", "stats")
        return result

    async def reset(self) -> None:
        """Back to an empty sandbox."""
        await self.request("POST", "reset")

    async def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a photo or document the bot sent."""
        response = await self._client.get(f"{self.url}/sandbox/files/{file_id}")
        if response.status_code != 200:
            raise SandboxError(response.status_code, response.text[:200])
        return response.content

    async def inject_update(self, update: dict[str, Any]) -> int | None:
        """Queue a raw update (unchecked); None when the bot's ``allowed_updates`` drop it."""
        result = await self.request("POST", "updates", json={"update": update})
        update_id = result["update_id"]
        return None if update_id is None else int(update_id)

    async def pending_update_ids(self) -> list[int]:
        """Updates the bot has not acknowledged (polling) or been delivered (webhook)."""
        result = await self.request("GET", "updates")
        return [int(i) for i in result["update_ids"]]

    def chat(self, user_id: int, chat_id: int | None = None) -> ChatDriver:
        """A driver for ``user_id`` in ``chat_id`` (default: their private chat)."""
        return ChatDriver(self, user_id, user_id if chat_id is None else chat_id)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def __aenter__(self) -> SandboxDriver:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class ChatDriver:
    """One user in one chat: sends, presses, and consumes the bot's messages in order."""

    def __init__(self, driver: SandboxDriver, user_id: int, chat_id: int) -> None:
        self.driver = driver
        self.user_id = user_id
        self.chat_id = chat_id
        self._seen = 0  # highest bot message id consumed by next_message

    async def send(self, text: str, reply_to_message_id: int | None = None) -> int:
        """The user writes ``text``; returns its message id."""
        body: dict[str, Any] = {
            "chat_id": self.chat_id,
            "from_user_id": self.user_id,
            "text": text,
        }
        if reply_to_message_id is not None:
            body["reply_to_message_id"] = reply_to_message_id
        result = await self.driver.request("POST", "messages", json=body)
        return int(result["message_id"])

    async def start(self, payload: str | None = None) -> int:
        """The user opens ``t.me/<bot>?start=PAYLOAD`` (sends ``/start PAYLOAD``)."""
        body = {} if payload is None else {"payload": payload}
        result = await self.driver.request("POST", f"users/{self.user_id}/start", json=body)
        return int(result["message_id"])

    async def press(self, label: str) -> str:
        """Press the button labelled exactly ``label`` on the newest bot message showing it;
        returns the callback query id."""
        messages = [m for m in await self.transcript() if isinstance(m, BotMessage)]
        present: list[str] = []
        for message in reversed(messages):
            for row in message.buttons:
                for button in row:
                    if button.text == label and button.callback_data is not None:
                        return await self.press_data(message.message_id, button.callback_data)
            present.extend(message.labels)
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}; buttons: {present}")

    async def press_data(self, message_id: int, callback_data: str, *, forged: bool = False) -> str:
        """Press a button by its data (raises ``SandboxError`` as Telegram's client would
        refuse a button that the message does not show, unless ``forged``)."""
        result = await self.driver.request(
            "POST",
            "callbacks",
            json={
                "chat_id": self.chat_id,
                "from_user_id": self.user_id,
                "message_id": message_id,
                "callback_data": callback_data,
                "forged": forged,
            },
        )
        return str(result["callback_query_id"])

    async def callback_answer(self, callback_query_id: str) -> dict[str, Any]:
        """What the bot answered to a press (``answered``, ``text``, ``show_alert``)."""
        result: dict[str, Any] = await self.driver.request("GET", f"callbacks/{callback_query_id}")
        return result

    async def _entries(self, after: int, wait: float) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.driver.request(
            "GET",
            f"chats/{self.chat_id}/messages",
            params={"after_message_id": after, "wait": wait},
        )
        return result

    async def next_message(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message this driver has not consumed yet (waits up to ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            for entry in await self._entries(self._seen, remaining):
                if entry["side"] == "bot":
                    self._seen = entry["message_id"]
                    return BotMessage.from_entry(entry)
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no new bot message in chat {self.chat_id} within {timeout} s"
                )

    async def expect(self, substring: str, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message, which must contain ``substring`` in its plain text."""
        message = await self.next_message(timeout)
        if substring not in message.text:
            raise AssertionError(
                f"expected a bot message containing {substring!r}, got {message.text!r}"
            )
        return message

    async def expect_no_message(self, within: float = 0.5) -> None:
        """No new bot message arrives within ``within`` seconds."""
        for entry in await self._entries(self._seen, within):
            if entry["side"] == "bot":
                raise AssertionError(f"unexpected bot message: {entry.get('text')!r}")

    async def transcript(self) -> list[BotMessage | UserMessage]:
        """Every message of the chat so far, both sides, in their current state."""
        return [_entry(e) for e in await self._entries(0, 0)]

    async def message(self, message_id: int) -> BotMessage | UserMessage:
        """The current state (after edits) of one message."""
        entry = await self.driver.request("GET", f"chats/{self.chat_id}/messages/{message_id}")
        return _entry(entry)
