"""The sandbox's world: users, chats, messages, files, pending updates and callback queries.

Everything lives in memory and is touched from one asyncio event loop only, so no locks are
needed. ``Store`` knows nothing about HTTP: the bot API (``botapi``) and the control API
(``control``) both act through it. Objects are rendered to Bot API JSON by ``to_api``
methods whose fields are held against the Bot API spec by a test.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Updates a bot gets when it does not say which it wants (Telegram's default).
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)
_COMMAND_RE = re.compile(r"(?:(?<=\s)|^)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
# Telegram keeps unanswered callback queries answerable for about 15 seconds.
CALLBACK_QUERY_TTL = 15.0


def default_clock() -> datetime:
    """The real time, UTC-aware."""
    return datetime.now(UTC)


@dataclass(slots=True)
class UserRec:
    """A simulated Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    blocked: bool = False
    started: bool = False

    def to_api(self) -> dict[str, Any]:
        """As a Bot API ``User``."""
        result: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        if self.language_code:
            result["language_code"] = self.language_code
        return result


@dataclass(slots=True)
class FileRec:
    """Bytes the bot uploaded, addressable by ``file_id``."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # "photo" or "document"
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def to_photo_size(self) -> dict[str, Any]:
        """As a Bot API ``PhotoSize``."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": len(self.data),
        }

    def to_document(self) -> dict[str, Any]:
        """As a Bot API ``Document``."""
        result: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            result["file_name"] = self.file_name
        if self.mime_type:
            result["mime_type"] = self.mime_type
        return result

    @property
    def file_path(self) -> str:
        """Where ``bot_file_base`` serves the bytes."""
        folder = "photos" if self.kind == "photo" else "documents"
        return f"{folder}/{self.file_unique_id}{_suffix(self.file_name, self.mime_type)}"


def _suffix(file_name: str | None, mime_type: str | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1]
    return {"image/png": ".png", "image/jpeg": ".jpg"}.get(mime_type or "", "")


@dataclass(slots=True)
class MessageRec:
    """One message in a chat, from the bot or from a user, in its current (edited) state."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool
    from_user_id: int | None = None
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None  # text or caption as the bot sent it (HTML source etc.)
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: FileRec | None = None
    document: FileRec | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    reply_to_message_id: int | None = None
    service: dict[str, Any] = field(default_factory=dict)

    def content_key(self) -> tuple[Any, ...]:
        """What "message is not modified" compares."""
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)


@dataclass(slots=True)
class ChatRec:
    """A private chat (id = user id), a group (negative id) or a migrated supergroup."""

    id: int
    type: str
    title: str | None = None
    user_id: int | None = None
    member_ids: set[int] = field(default_factory=set)
    bot_status: str = "member"  # member | left | kicked
    migrated_to: int | None = None
    pinned_message_id: int | None = None
    last_action: str | None = None
    messages: dict[int, MessageRec] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        """Wake everyone long-polling this chat's transcript."""
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass(slots=True)
class CallbackRec:
    """A callback query the user produced by pressing a button."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class WebhookConf:
    """The bot's webhook, as set by ``setWebhook``; ``url == ""`` means none."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(slots=True)
class Stats:
    """Counters shown by ``GET /sandbox/stats``."""

    requests: Counter[str] = field(default_factory=Counter)
    answered_4xx: int = 0
    #: each 4xx answer by ``"<method>: <description>"`` (what a bench needs to explain one)
    refusals: Counter[str] = field(default_factory=Counter)
    answered_5xx: int = 0
    answered_429: int = 0
    messages_delivered: int = 0
    updates_delivered: int = 0
    #: Bot API requests being served right now, by method (a gauge, not a counter): a held
    #: ("hung") request counts until it is served, even after its client gave up, so a
    #: harness can tell that a timed-out send may still deliver late.
    in_flight: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        """As the control API shows them."""
        return {
            "requests": dict(sorted(self.requests.items())),
            "requests_total": sum(self.requests.values()),
            "answered_4xx": self.answered_4xx,
            "refusals": dict(self.refusals.most_common()),
            "answered_5xx": self.answered_5xx,
            "answered_429": self.answered_429,
            "messages_delivered": self.messages_delivered,
            "updates_delivered": self.updates_delivered,
            "in_flight": {k: v for k, v in sorted(self.in_flight.items()) if v},
        }


class Store:
    """All mutable state of one sandbox. ``reset()`` returns it to empty."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str = "Remodel (sandbox)",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock or default_clock
        self.reset()

    def reset(self) -> None:
        """Forget every user, chat, update, file, webhook and counter."""
        self.users: dict[int, UserRec] = {}
        self.chats: dict[int, ChatRec] = {}
        self.files: dict[str, FileRec] = {}
        self.callbacks: dict[str, CallbackRec] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.webhook = WebhookConf()
        self.stats = Stats()
        self.closed = False
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(400_000_001)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self.updates_changed = asyncio.Event()

    # -- time and ids ---------------------------------------------------------------------

    def now(self) -> int:
        """The current Unix time from the (possibly injected) clock."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the sandbox clock must return timezone-aware datetimes")
        return int(moment.timestamp())

    def bot_user(self) -> dict[str, Any]:
        """The bot as a Bot API ``User`` (what ``getMe`` returns)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- users and chats ------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "en",
        last_name: str | None = None,
        *,
        user_id: int | None = None,
        started: bool = False,
        messages_after: int = 0,
    ) -> UserRec:
        """A new user and their private chat with the bot (same id).

        ``user_id`` recreates a known user under that id (it must be positive and unused:
        ``KeyError`` for a user or chat that already has it, ``ValueError`` otherwise); left
        out, the next free id is taken, so ids given earlier are never handed out again.
        ``started`` means the user already opened the chat (pressed Start in an earlier
        session), so the bot may write first; otherwise it gets 403 until they do.
        ``messages_after``: the private chat's message ids start above it (a chat recreated
        for a resumed session continues where the earlier one stopped, as Telegram's would:
        a bot compares the ids it stored with new ones).
        """
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.chats:
                user_id = next(self._user_ids)
        elif user_id <= 0:
            raise ValueError(f"user id {user_id} is not a positive integer")
        elif user_id in self.chats:
            raise KeyError(f"user {user_id} already exists")
        user = UserRec(user_id, first_name, username, last_name, language_code, started=started)
        self.users[user.id] = user
        self.chats[user.id] = ChatRec(
            id=user.id,
            type="private",
            user_id=user.id,
            ids=itertools.count(max(0, messages_after) + 1),
        )
        return user

    def add_group(self, title: str, member_ids: list[int]) -> ChatRec:
        """A basic group (negative id) with these members; the bot is not in it yet."""
        for uid in member_ids:
            if uid not in self.users:
                raise KeyError(f"user {uid} does not exist")
        chat = ChatRec(
            id=-next(self._group_ids),
            type="group",
            title=title,
            member_ids=set(member_ids),
            bot_status="left",
        )
        self.chats[chat.id] = chat
        return chat

    def chat_api(self, chat: ChatRec) -> dict[str, Any]:
        """As a Bot API ``Chat``."""
        if chat.type == "private" and chat.user_id is not None:
            user = self.users[chat.user_id]
            result: dict[str, Any] = {"id": chat.id, "type": "private"}
            result["first_name"] = user.first_name
            if user.last_name:
                result["last_name"] = user.last_name
            if user.username:
                result["username"] = user.username
            return result
        return {"id": chat.id, "type": chat.type, "title": chat.title or ""}

    def chat_full_info(self, chat: ChatRec) -> dict[str, Any]:
        """As a Bot API ``ChatFullInfo`` (what ``getChat`` returns)."""
        result = self.chat_api(chat)
        result["accent_color_id"] = abs(chat.id) % 7
        result["max_reaction_count"] = 11
        result["accepted_gift_types"] = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        if chat.pinned_message_id and chat.pinned_message_id in chat.messages:
            result["pinned_message"] = self.message_api(chat.messages[chat.pinned_message_id])
        return result

    def chat_instance(self, chat_id: int) -> str:
        """A stable opaque id of the chat for callback queries."""
        return str(int(hashlib.sha1(str(chat_id).encode()).hexdigest()[:15], 16))

    # -- messages -------------------------------------------------------------------------

    def new_message(self, chat: ChatRec, *, from_bot: bool, **fields: Any) -> MessageRec:
        """Append a message to ``chat`` and wake transcript pollers."""
        message = MessageRec(
            message_id=next(chat.ids),
            chat_id=chat.id,
            date=self.now(),
            from_bot=from_bot,
            **fields,
        )
        chat.messages[message.message_id] = message
        if from_bot:
            self.stats.messages_delivered += 1
        chat.notify()
        return message

    def message_api(self, message: MessageRec, *, with_reply: bool = True) -> dict[str, Any]:
        """As a Bot API ``Message``."""
        chat = self.chats[message.chat_id]
        result: dict[str, Any] = {"message_id": message.message_id}
        if message.from_bot:
            result["from"] = self.bot_user_short()
        elif message.from_user_id is not None:
            result["from"] = self.users[message.from_user_id].to_api()
        result["chat"] = self.chat_api(chat)
        result["date"] = message.date
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id in chat.messages:
            replied = chat.messages[message.reply_to_message_id or 0]
            result["reply_to_message"] = self.message_api(replied, with_reply=False)
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.photo is not None:
            result["photo"] = [message.photo.to_photo_size()]
        if message.document is not None:
            result["document"] = message.document.to_document()
        if message.caption is not None:
            result["caption"] = message.caption
            if message.caption_entities:
                result["caption_entities"] = message.caption_entities
        for key, value in message.service.items():
            result[key] = value
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    def bot_user_short(self) -> dict[str, Any]:
        """The bot as the ``from`` of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def transcript_entry(self, message: MessageRec) -> dict[str, Any]:
        """A message as the control API's transcript shows it (both sides, with sources)."""
        entry: dict[str, Any] = {
            "message_id": message.message_id,
            "chat_id": message.chat_id,
            "side": "bot" if message.from_bot else "user",
            "from_user_id": None if message.from_bot else message.from_user_id,
            "date": message.date,
            "text": message.text,
            "entities": message.entities,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "source": message.source,
            "parse_mode": message.parse_mode,
            "reply_markup": message.reply_markup,
            "edited": message.edit_date is not None,
            "edit_date": message.edit_date,
            "deleted": message.deleted,
            "reply_to_message_id": message.reply_to_message_id,
        }
        if message.photo is not None:
            entry["photo"] = {**message.photo.to_photo_size(), "kind": "photo"}
        if message.document is not None:
            entry["document"] = message.document.to_document()
        if message.service:
            entry["service"] = sorted(message.service)
        return entry

    # -- files ----------------------------------------------------------------------------

    def add_file(
        self,
        data: bytes,
        kind: str,
        file_name: str | None,
        mime_type: str | None,
        width: int = 0,
        height: int = 0,
    ) -> FileRec:
        """Keep uploaded bytes; the same bytes get the same ``file_unique_id``."""
        unique = "AgAD" + hashlib.sha256(data).hexdigest()[:16]
        file_id = f"sbx-{kind}-{next(self._file_ids)}-{unique}"
        rec = FileRec(file_id, unique, data, kind, file_name, mime_type, width, height)
        self.files[file_id] = rec
        return rec

    # -- updates --------------------------------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for the bot unless its type is not allowed; returns its id."""
        if kind not in self.allowed_updates:
            return None
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self.updates_changed.set()
        self.updates_changed = asyncio.Event()
        return update_id

    def acknowledge(self, offset: int) -> None:
        """Forget updates with ``update_id < offset`` (Telegram's ``offset`` semantics)."""
        if offset < 0:
            # A negative offset keeps only the last -offset updates.
            self.updates = self.updates[offset:] if -offset < len(self.updates) else self.updates
            return
        self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def new_callback(self, user_id: int, chat_id: int, message_id: int, data: str) -> CallbackRec:
        """Record a pressed button; the bot must answer it within the TTL."""
        digest = hashlib.sha1(f"{user_id}:{next(self._callback_ids)}".encode()).hexdigest()
        rec = CallbackRec(
            str(int(digest[:15], 16)), user_id, chat_id, message_id, data, time.monotonic()
        )
        self.callbacks[rec.id] = rec
        return rec

    def allowed_updates_default(self) -> frozenset[str]:
        """Telegram's default set of update types (everything but a few opt-in ones)."""
        return DEFAULT_ALLOWED

    # -- what users do (the control API acts through these) -------------------------------

    def _member(self, status: str, user: dict[str, Any]) -> dict[str, Any]:
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def set_bot_status(self, chat: ChatRec, status: str, *, by_user_id: int | None) -> None:
        """Change the bot's membership in a group and tell the bot (``my_chat_member``)."""
        old = chat.bot_status
        chat.bot_status = status
        actor = self.users[by_user_id].to_api() if by_user_id else self.bot_user_short()
        bot = self.bot_user_short()
        self.push_update(
            "my_chat_member",
            {
                "chat": self.chat_api(chat),
                "from": actor,
                "date": self.now(),
                "old_chat_member": self._member(old, bot),
                "new_chat_member": self._member(status, bot),
            },
        )

    def user_message(
        self,
        chat: ChatRec,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
    ) -> MessageRec:
        """A user writes ``text`` in ``chat``; the bot gets it if Telegram would deliver it.

        Commands get ``bot_command`` entities. In groups the bot (privacy mode on, as by
        default) only receives commands and replies to its own messages.
        """
        entities = command_entities(text)
        message = self.new_message(
            chat,
            from_bot=False,
            from_user_id=user_id,
            text=text,
            entities=entities,
            reply_to_message_id=reply_to_message_id,
        )
        if chat.type == "private":
            self.users[user_id].started = True
            self.push_update("message", self.message_api(message))
            return message
        if chat.bot_status != "member":
            return message
        replied = chat.messages.get(reply_to_message_id or 0)
        addressed = bool(entities) and entities[0]["offset"] == 0
        if addressed:
            command = text[1 : entities[0]["length"]]
            _, _, mention = command.partition("@")
            addressed = not mention or mention.lower() == self.bot_username.lower()
        if addressed or (replied is not None and replied.from_bot):
            self.push_update("message", self.message_api(message))
        return message

    def service_message(self, chat: ChatRec, user_id: int, **service: Any) -> MessageRec:
        """A service message (new members, migration) that the bot receives."""
        message = self.new_message(chat, from_bot=False, from_user_id=user_id, service=service)
        self.push_update("message", self.message_api(message))
        return message

    def migrate(self, chat: ChatRec) -> ChatRec:
        """Upgrade a basic group to a supergroup; later sends to the old id get 400."""
        new = ChatRec(
            id=-(1_000_000_000_000 + abs(chat.id)),
            type="supergroup",
            title=chat.title,
            member_ids=set(chat.member_ids),
            bot_status=chat.bot_status,
        )
        self.chats[new.id] = new
        chat.migrated_to = new.id
        actor = min(chat.member_ids) if chat.member_ids else 0
        if chat.bot_status == "member" and actor:
            self.service_message(chat, actor, migrate_to_chat_id=new.id)
            self.service_message(new, actor, migrate_from_chat_id=chat.id)
        return new


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for commands in ``text`` as Telegram's client marks them."""
    entities: list[dict[str, Any]] = []
    for match in _COMMAND_RE.finditer(text):
        prefix = text[: match.start()]
        entities.append(
            {
                "type": "bot_command",
                "offset": len(prefix.encode("utf-16-le")) // 2,
                "length": len(match.group(0).encode("utf-16-le")) // 2,
            }
        )
    return entities
