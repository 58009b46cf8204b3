"""The control API under ``/sandbox/``: plays the users and steers the sandbox.

Every endpoint answers JSON ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}`` (the Bot API's error shape), except
``GET /sandbox/files/{file_id}`` which answers the raw bytes. ``sandbox/README.md`` lists
every endpoint with a curl example.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError
from sandbox.flood import FloodLimits
from sandbox.store import ChatRec, MessageRec, UserRec

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_WAIT = 60.0


class ControlError(ApiError):
    """A refused control request (bad input, or something Telegram's client would not do)."""


def _bad(description: str) -> ControlError:
    return ControlError(400, description)


def _not_found(description: str) -> ControlError:
    return ControlError(404, description)


@dataclass(frozen=True, slots=True)
class Binary:
    """A raw (non-JSON) answer."""

    data: bytes
    content_type: str


Endpoint = Callable[[tuple[str, ...], dict[str, Any], dict[str, str]], Awaitable[Any]]


def _str(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise _bad(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string")
    return value


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"{key} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise _bad(f"{key} must be an integer")


class ControlApi:
    """Routes ``/sandbox/<path>`` requests to endpoint functions."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.store = server.store
        routes: list[tuple[str, str, Endpoint]] = [
            ("GET", r"users", self.list_users),
            ("POST", r"users", self.create_user),
            ("POST", r"users/(-?\d+)/block", self.block),
            ("POST", r"users/(-?\d+)/unblock", self.unblock),
            ("POST", r"users/(-?\d+)/start", self.start),
            ("POST", r"groups", self.create_group),
            ("POST", r"groups/(-?\d+)/add_bot", self.add_bot),
            ("POST", r"groups/(-?\d+)/remove_bot", self.remove_bot),
            ("POST", r"groups/(-?\d+)/migrate", self.migrate),
            ("POST", r"messages", self.post_message),
            ("POST", r"callbacks", self.press),
            ("POST", r"updates", self.inject_update),
            ("GET", r"updates", self.pending_updates),
            ("GET", r"callbacks/(\d+)", self.callback_state),
            ("GET", r"chats/(-?\d+)", self.chat_state),
            ("GET", r"chats/(-?\d+)/messages", self.transcript),
            ("GET", r"chats/(-?\d+)/messages/(\d+)", self.one_message),
            ("GET", r"files/([^/]+)", self.file_bytes),
            ("GET", r"limits", self.get_limits),
            ("PUT", r"limits", self.put_limits),
            ("GET", r"faults", self.get_faults),
            ("PUT", r"faults", self.put_faults),
            ("GET", r"webhook", self.get_webhook),
            ("PUT", r"webhook", self.put_webhook),
            ("GET", r"commands", self.get_commands),
            ("GET", r"stats", self.get_stats),
            ("POST", r"reset", self.reset),
        ]
        self.routes = [(m, re.compile(f"^{p}/?$"), f) for m, p, f in routes]

    async def dispatch(
        self, http_method: str, path: str, body: dict[str, Any], query: dict[str, str]
    ) -> Any:
        """Serve one request; raises ``ApiError`` for an error answer."""
        path_matched = False
        for method, pattern, endpoint in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if method == http_method:
                return await endpoint(match.groups(), body, query)
        if path_matched:
            raise ControlError(405, f"method {http_method} not allowed on /sandbox/{path}")
        raise _not_found(f"no control endpoint /sandbox/{path}")

    # -- lookups --------------------------------------------------------------------------

    def _user(self, user_id: Any) -> UserRec:
        user = self.store.users.get(_int(user_id, "user_id"))
        if user is None:
            raise _not_found(f"user {user_id} does not exist")
        return user

    def _chat(self, chat_id: Any) -> ChatRec:
        chat = self.store.chats.get(_int(chat_id, "chat_id"))
        if chat is None:
            raise _not_found(f"chat {chat_id} does not exist")
        return chat

    def _group(self, chat_id: Any) -> ChatRec:
        chat = self._chat(chat_id)
        if chat.type == "private":
            raise _bad(f"chat {chat_id} is a private chat, not a group")
        return chat

    def _speaker(self, chat: ChatRec, user_id: Any) -> UserRec:
        """A user who can write in ``chat`` (Telegram's client would not let others)."""
        user = self._user(user_id)
        if chat.type == "private" and chat.user_id != user.id:
            raise _bad(f"user {user.id} is not in private chat {chat.id}")
        if chat.type != "private" and user.id not in chat.member_ids:
            raise _bad(f"user {user.id} is not a member of group {chat.id}")
        if chat.migrated_to is not None:
            raise _bad(f"group {chat.id} was migrated to {chat.migrated_to}; write there")
        if chat.type == "private" and user.blocked:
            raise _bad(f"user {user.id} has blocked the bot; unblock first")
        return user

    # -- users and groups -----------------------------------------------------------------

    async def list_users(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        return [self._user_json(u) for u in self.store.users.values()]

    @staticmethod
    def _user_json(user: UserRec) -> dict[str, Any]:
        return {**user.to_api(), "blocked": user.blocked, "started": user.started}

    async def create_user(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        first_name = _str(body, "first_name") or ""
        if not first_name.strip() or len(first_name) > 64:
            raise _bad("first_name must be 1-64 characters")
        username = _str(body, "username", required=False)
        if username is not None and not re.match(r"^[A-Za-z][A-Za-z0-9_]{4,31}$", username):
            raise _bad("username must be 5-32 characters: letters, digits, underscores")
        language = _str(body, "language_code", required=False)
        last_name = _str(body, "last_name", required=False)
        started = body.get("started", False)
        if not isinstance(started, bool):
            raise _bad("started must be true or false")
        user_id: int | None = None
        if body.get("id") is not None:
            user_id = _int(body["id"], "id")
            if user_id <= 0:
                raise _bad("id must be a positive integer")
            if user_id in self.store.chats:
                raise ControlError(409, f"Conflict: user {user_id} already exists")
        messages_after = _int(body.get("messages_after", 0), "messages_after")
        if messages_after < 0:
            raise _bad("messages_after must be 0 or more")
        user = self.store.add_user(
            first_name,
            username,
            language,
            last_name,
            user_id=user_id,
            started=started,
            messages_after=messages_after,
        )
        return self._user_json(user)

    async def block(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        user = self._user(groups[0])
        user.blocked = True
        if user.started:
            # Telegram tells the bot through my_chat_member (member -> kicked).
            self._private_status(user, "member", "kicked")
        return self._user_json(user)

    async def unblock(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        user = self._user(groups[0])
        if user.blocked:
            user.blocked = False
            if user.started:
                self._private_status(user, "kicked", "member")
        return self._user_json(user)

    def _private_status(self, user: UserRec, old: str, new: str) -> None:
        store = self.store
        bot = store.bot_user_short()
        store.push_update(
            "my_chat_member",
            {
                "chat": store.chat_api(store.chats[user.id]),
                "from": user.to_api(),
                "date": store.now(),
                "old_chat_member": store._member(old, bot),
                "new_chat_member": store._member(new, bot),
            },
        )
        self.server.wake_webhook()

    async def start(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        """The user opens ``t.me/<bot>?start=PAYLOAD`` (or presses Start)."""
        user = self._user(groups[0])
        payload = _str(body, "payload", required=False)
        if payload is not None and not _PAYLOAD_RE.match(payload):
            raise _bad("a start payload is 1-64 characters: A-Z, a-z, 0-9, _ and -")
        chat = self.store.chats[user.id]
        self._speaker(chat, user.id)
        text = f"/start {payload}" if payload else "/start"
        message = self.store.user_message(chat, user.id, text)
        self.server.wake_webhook()
        return {"message_id": message.message_id, "chat_id": chat.id}

    async def create_group(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        title = _str(body, "title") or ""
        if not title.strip() or len(title) > 128:
            raise _bad("title must be 1-128 characters")
        members = body.get("member_ids", [])
        if not isinstance(members, list):
            raise _bad("member_ids must be a list of user ids")
        ids = [self._user(m).id for m in members]
        chat = self.store.add_group(title, ids)
        return {"chat_id": chat.id, "title": title, "member_ids": ids}

    async def add_bot(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        """A member adds the bot, e.g. through ``t.me/<bot>?startgroup=PAYLOAD``."""
        chat = self._group(groups[0])
        user = self._speaker(chat, body.get("by_user_id"))
        payload = _str(body, "start_payload", required=False)
        if payload is not None and not _PAYLOAD_RE.match(payload):
            raise _bad("a start payload is 1-64 characters: A-Z, a-z, 0-9, _ and -")
        if chat.bot_status == "member":
            raise _bad(f"the bot is already a member of {chat.id}")
        store = self.store
        store.set_bot_status(chat, "member", by_user_id=user.id)
        store.service_message(chat, user.id, new_chat_members=[store.bot_user_short()])
        result: dict[str, Any] = {"chat_id": chat.id}
        if payload is not None:
            message = store.user_message(chat, user.id, f"/start@{store.bot_username} {payload}")
            result["start_message_id"] = message.message_id
        self.server.wake_webhook()
        return result

    async def remove_bot(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        chat = self._group(groups[0])
        user = self._speaker(chat, body.get("by_user_id"))
        if chat.bot_status != "member":
            raise _bad(f"the bot is not a member of {chat.id}")
        self.store.set_bot_status(chat, "left", by_user_id=user.id)
        self.server.wake_webhook()
        return {"chat_id": chat.id}

    async def migrate(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        chat = self._group(groups[0])
        if chat.type != "group" or chat.migrated_to is not None:
            raise _bad(f"chat {chat.id} is not a basic group that can be upgraded")
        new = self.store.migrate(chat)
        self.server.wake_webhook()
        return {"chat_id": chat.id, "migrate_to_chat_id": new.id}

    # -- messages and buttons -------------------------------------------------------------

    async def post_message(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        chat = self._chat(body.get("chat_id"))
        user = self._speaker(chat, body.get("from_user_id"))
        text = _str(body, "text") or ""
        if not text.strip() or len(text) > 4096:
            raise _bad("text must be 1-4096 characters")
        reply_to = body.get("reply_to_message_id")
        if reply_to is not None:
            reply_to = _int(reply_to, "reply_to_message_id")
            if reply_to not in chat.messages:
                raise _bad(f"message {reply_to} does not exist in chat {chat.id}")
        message = self.store.user_message(chat, user.id, text, reply_to)
        self.server.wake_webhook()
        return {"message_id": message.message_id, "chat_id": chat.id}

    async def press(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        """Press an inline button: refused unless the message shows that exact button (or
        ``forged`` is true: a modified client pressing data the message never showed)."""
        chat = self._chat(body.get("chat_id"))
        forged = bool(body.get("forged"))
        # A forged press may come from any user, even one who cannot see the chat.
        user = (
            self._user(body.get("from_user_id"))
            if forged
            else self._speaker(chat, body.get("from_user_id"))
        )
        message_id = _int(body.get("message_id"), "message_id")
        data = _str(body, "callback_data") or ""
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise _bad(f"message {message_id} does not exist in chat {chat.id}")
        # ``forged``: a modified client sends any data for any message (fuzzing, attacks).
        if not forged and data not in _callback_datas(message):
            raise _bad(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"it has {sorted(_callback_datas(message))}"
            )
        store = self.store
        rec = store.new_callback(user.id, chat.id, message_id, data)
        store.push_update(
            "callback_query",
            {
                "id": rec.id,
                "from": user.to_api(),
                "message": store.message_api(message),
                "chat_instance": store.chat_instance(chat.id),
                "data": data,
            },
        )
        self.server.wake_webhook()
        return {"callback_query_id": rec.id}

    async def inject_update(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        """Queue a raw update as given, e.g. one shaped like a newer Bot API version.

        ``{"update": {"<kind>": {...}}}``: exactly one kind, its payload passed through
        unchecked (that is the point: the bot must survive what it cannot parse). Like
        Telegram, a kind the bot excluded with ``allowed_updates`` is not queued; the answer
        is ``{"update_id": N}``, or ``{"update_id": null}`` when it was filtered out.
        """
        update = body.get("update")
        if not isinstance(update, dict):
            raise _bad('update must be an object like {"message": {...}}')
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise _bad("update must hold exactly one update kind besides update_id")
        kind = kinds[0]
        update_id = self.store.push_update(kind, update[kind])
        self.server.wake_webhook()
        return {"update_id": update_id}

    async def pending_updates(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        """The ids of updates not yet acknowledged (polling) or delivered (webhook)."""
        return {
            "update_ids": [u["update_id"] for u in self.store.updates],
            "allowed_updates": sorted(self.store.allowed_updates),
        }

    async def callback_state(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        rec = self.store.callbacks.get(groups[0])
        if rec is None:
            raise _not_found(f"callback query {groups[0]} does not exist")
        return {
            "callback_query_id": rec.id,
            "answered": rec.answered,
            "age_seconds": round(time.monotonic() - rec.created, 3),
            **rec.answer,
        }

    async def chat_state(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        chat = self._chat(groups[0])
        return {
            **self.store.chat_api(chat),
            "member_ids": sorted(chat.member_ids),
            "bot_status": chat.bot_status,
            "migrated_to": chat.migrated_to,
            "pinned_message_id": chat.pinned_message_id,
            "last_action": chat.last_action,
        }

    async def transcript(self, groups: tuple[str, ...], body: Any, query: dict[str, str]) -> Any:
        """Messages after ``after_message_id``; waits up to ``wait`` s for a bot message."""
        chat = self._chat(groups[0])
        after = _int(query.get("after_message_id", "0"), "after_message_id")
        try:
            wait = min(MAX_WAIT, max(0.0, float(query.get("wait", "0"))))
        except ValueError:
            raise _bad("wait must be a number of seconds") from None
        include_deleted = query.get("include_deleted", "0") in ("1", "true")
        deadline = time.monotonic() + wait

        def select() -> list[MessageRec]:
            return [
                m
                for mid, m in sorted(chat.messages.items())
                if mid > after and (include_deleted or not m.deleted)
            ]

        found = select()
        while not any(m.from_bot for m in found) and not self.store.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(chat.changed.wait(), remaining)
            except TimeoutError:
                break
            found = select()
        return [self.store.transcript_entry(m) for m in found]

    async def one_message(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        chat = self._chat(groups[0])
        message = chat.messages.get(int(groups[1]))
        if message is None:
            raise _not_found(f"message {groups[1]} does not exist in chat {chat.id}")
        return self.store.transcript_entry(message)

    async def file_bytes(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        rec = self.store.files.get(groups[0])
        if rec is None:
            raise _not_found(f"file {groups[0]} does not exist")
        return Binary(rec.data, rec.mime_type or "application/octet-stream")

    # -- steering -------------------------------------------------------------------------

    async def get_limits(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        return self.server.flood.limits.to_json()

    async def put_limits(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        try:
            limits = FloodLimits.from_json(body)
        except (TypeError, ValueError) as exc:
            raise _bad(str(exc)) from None
        self.server.flood.set_limits(limits)
        return limits.to_json()

    async def get_faults(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        return self.server.faults.to_json()

    async def put_faults(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        try:
            self.server.faults.update(body)
        except (TypeError, ValueError) as exc:
            raise _bad(str(exc)) from None
        return self.server.faults.to_json()

    async def get_webhook(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        deliverer = self.server.webhook
        hook = self.store.webhook
        return {
            "url": hook.url,
            "secret_token_set": bool(hook.secret_token),
            "pending_update_count": len(self.store.updates),
            "last_error_message": hook.last_error_message,
            "timeout": deliverer.timeout,
            "first_retry_delay": deliverer.first_retry_delay,
            "max_retry_delay": deliverer.max_retry_delay,
        }

    async def put_webhook(self, groups: tuple[str, ...], body: dict[str, Any], query: Any) -> Any:
        deliverer = self.server.webhook
        for key in ("timeout", "first_retry_delay", "max_retry_delay"):
            if key in body:
                try:
                    value = float(body[key])
                except (TypeError, ValueError):
                    raise _bad(f"{key} must be a number") from None
                if not 0 < value <= 600:
                    raise _bad(f"{key} must be within (0, 600]")
                setattr(deliverer, key, value)
        return await self.get_webhook(groups, body, query)

    async def get_commands(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        return [
            {"scope": scope, "language_code": language, "commands": commands}
            for (scope, language), commands in sorted(self.store.commands.items())
        ]

    async def get_stats(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        return self.store.stats.to_json()

    async def reset(self, groups: tuple[str, ...], body: Any, query: Any) -> Any:
        self.server.reset()
        return True


def _callback_datas(message: MessageRec) -> set[str]:
    markup = message.reply_markup or {}
    return {
        button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if isinstance(button, dict) and "callback_data" in button
    }
