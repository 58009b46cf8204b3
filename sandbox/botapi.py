"""The bot side: the Bot API methods the sandbox serves, with Telegram's checks and errors.

``BotApi.call(method, params)`` takes coerced parameters (see ``params``) and returns the
``result`` of a successful answer or raises ``ApiError`` with Telegram's code and
description. Method names are case-insensitive, as in Telegram.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.errors import ApiError, bad_request, forbidden
from sandbox.faults import Faults
from sandbox.flood import FloodControl
from sandbox.methods import METHODS
from sandbox.params import Upload
from sandbox.store import CALLBACK_QUERY_TTL, ChatRec, FileRec, MessageRec, Store
from sandbox.tghtml import EntityParseError, parse_html, utf16_len
from sandbox.tgmarkdown import parse_markdown, parse_markdown_v2

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_ROW = 8
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
SENDING_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_CANONICAL = {name.lower(): name for name in METHODS}


def canonical_method(name: str) -> str | None:
    """The served method called ``name`` (case-insensitive), or None."""
    return _CANONICAL.get(name.lower())


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP image; None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 0, 0
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            i += 2 + length
        return None
    return None


class BotApi:
    """The served Bot API over a ``Store``, with flood control and fault injection."""

    def __init__(
        self,
        store: Store,
        flood: FloodControl,
        faults: Faults,
        *,
        on_webhook_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.flood = flood
        self.faults = faults
        self.on_webhook_change = on_webhook_change
        self._poller: object | None = None
        self._handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.log_out,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "editMessageMedia": self.edit_message_media,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendChatAction": self.send_chat_action,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "leaveChat": self.leave_chat,
            "pinChatMessage": self.pin_chat_message,
            "getFile": self.get_file,
        }
        missing = set(METHODS) ^ set(self._handlers)
        if missing:  # pragma: no cover - a programming error caught at start-up
            raise RuntimeError(f"method table and handlers disagree: {sorted(missing)}")

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """Serve ``method`` (canonical name) with coerced ``params``."""
        return await self._handlers[method](params)

    # -- shared checks --------------------------------------------------------------------

    def _chat(self, chat_id: Any) -> ChatRec:
        chat = self.store.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, chat_id: Any) -> ChatRec:
        """The chat, if the bot may post into it now; Telegram's 400/403 otherwise."""
        chat = self._chat(chat_id)
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private" and chat.user_id is not None:
            user = self.store.users[chat.user_id]
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_status == "kicked":
            raise forbidden("bot was kicked from the group chat")
        elif chat.bot_status != "member":
            raise forbidden("bot is not a member of the group chat")
        return chat

    def _flood(self, chat: ChatRec) -> None:
        forced = self.faults.forced_flood()
        if forced is not None:
            raise forced
        retry_after = self.flood.check(chat.id, chat.type != "private")
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    @staticmethod
    def _parse(
        text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]]]:
        mode = (parse_mode or "").lower()
        try:
            if mode == "html":
                return parse_html(text)
            if mode == "markdownv2":
                return parse_markdown_v2(text)
            if mode == "markdown":
                return parse_markdown(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc.description}") from None
        if mode:
            raise bad_request(f"unsupported parse_mode {parse_mode}")
        checked: list[dict[str, Any]] = []
        length = utf16_len(text)
        for entity in entities or []:
            if not isinstance(entity, dict) or not {"type", "offset", "length"} <= set(entity):
                raise bad_request("can't parse entities JSON object")
            offset, size = entity["offset"], entity["length"]
            if not isinstance(offset, int) or not isinstance(size, int):
                raise bad_request("can't parse entities JSON object")
            if offset < 0 or size <= 0 or offset + size > length:
                continue  # Telegram silently drops entities outside the text
            checked.append(entity)
        return text, checked

    def _markup(self, markup: Any) -> dict[str, Any] | None:
        """Validate a reply markup the way Telegram does; returns it unchanged."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if not {"keyboard", "remove_keyboard", "force_reply"} & set(markup):
                raise bad_request("can't parse reply keyboard markup JSON object")
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" '
                "must be an Array of Arrays"
            )
        if sum(len(r) for r in rows) > MAX_BUTTONS or any(len(r) > MAX_ROW for r in rows):
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        for row in rows:
            for button in row:
                self._button(button)
        return markup

    @staticmethod
    def _button(button: Any) -> None:
        if not isinstance(button, dict):
            raise bad_request("can't parse inline keyboard button: object expected")
        text = button.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        kinds = [
            k
            for k in (
                "callback_data",
                "url",
                "web_app",
                "login_url",
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "copy_text",
                "callback_game",
                "pay",
            )
            if k in button
        ]
        if len(kinds) != 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid")

    def _message(self, chat: ChatRec, message_id: Any, missing: str) -> MessageRec:
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    def _reply_to(self, chat: ChatRec, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        if not reply:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        target = chat.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    # -- methods --------------------------------------------------------------------------

    async def get_me(self, params: dict[str, Any]) -> Any:
        return self.store.bot_user()

    async def log_out(self, params: dict[str, Any]) -> Any:
        return True

    async def get_updates(self, params: dict[str, Any]) -> Any:
        store = self.store
        if store.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None and offset != 0:
            before = len(store.updates)
            store.acknowledge(offset)
            store.stats.updates_delivered += before - len(store.updates)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            store.allowed_updates = (
                frozenset(allowed) if allowed else frozenset(store.allowed_updates_default())
            )
        limit = max(1, min(100, params.get("limit") or 100))
        timeout = max(0, min(50, params.get("timeout") or 0))
        # Telegram lets the newest getUpdates win: an older one still waiting ends with 409.
        me = object()
        self._poller = me
        store.updates_changed.set()
        store.updates_changed = asyncio.Event()
        deadline = time.monotonic() + timeout
        while not store.updates and not store.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            event = store.updates_changed
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                break
            if self._poller is not me:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if store.webhook.url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if self._poller is me:
            self._poller = None
        return store.updates[:limit]

    async def set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        store = self.store
        if url:
            match = re.match(r"^(https?)://([^/:]+|\[[^\]]+\])(:\d+)?(/.*)?$", url)
            if not match:
                raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
            if match.group(2) not in _LOOPBACK_HOSTS:
                raise bad_request(
                    "bad webhook: the sandbox delivers webhooks to loopback addresses only"
                )
            secret = params.get("secret_token")
            if secret is not None and not _SECRET_RE.match(secret):
                raise bad_request("secret token contains unallowed characters")
            max_connections = params.get("max_connections") or 40
            if not 1 <= max_connections <= 100:
                raise bad_request("bad webhook: max_connections must be within 1..100")
            store.webhook.url = url
            store.webhook.secret_token = secret
            store.webhook.max_connections = max_connections
            store.webhook.ip_address = params.get("ip_address")
            store.webhook.last_error_date = None
            store.webhook.last_error_message = None
        else:
            store.webhook.url = ""
        if params.get("drop_pending_updates"):
            store.updates.clear()
        allowed = params.get("allowed_updates")
        if allowed is not None:
            store.allowed_updates = (
                frozenset(allowed) if allowed else frozenset(store.allowed_updates_default())
            )
        store.updates_changed.set()
        store.updates_changed = asyncio.Event()
        self.on_webhook_change()
        return True

    async def delete_webhook(self, params: dict[str, Any]) -> Any:
        self.store.webhook.url = ""
        self.store.webhook.secret_token = None
        if params.get("drop_pending_updates"):
            self.store.updates.clear()
        self.on_webhook_change()
        return True

    async def get_webhook_info(self, params: dict[str, Any]) -> Any:
        hook = self.store.webhook
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.store.updates),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = hook.ip_address or "127.0.0.1"
            if self.store.allowed_updates != self.store.allowed_updates_default():
                info["allowed_updates"] = sorted(self.store.allowed_updates)
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
        return info

    async def send_message(self, params: dict[str, Any]) -> Any:
        chat = self._writable_chat(params["chat_id"])
        source = params["text"]
        text, entities = self._parse(source, params.get("parse_mode"), params.get("entities"))
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat, params)
        self._flood(chat)
        message = self.store.new_message(
            chat,
            from_bot=True,
            text=text,
            entities=entities,
            source=source,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self.store.message_api(message)

    def _editable(self, params: dict[str, Any]) -> tuple[ChatRec, MessageRec]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise bad_request("message_id is empty")
        chat = self._writable_chat(params["chat_id"])
        message = self._message(chat, params["message_id"], "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    async def edit_message_text(self, params: dict[str, Any]) -> Any:
        chat, message = self._editable(params)
        source = params.get("text")
        if not source:
            raise bad_request("message text is empty")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._parse(source, params.get("parse_mode"), params.get("entities"))
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        # Omitting reply_markup removes the inline keyboard, as in Telegram.
        markup = self._markup(params.get("reply_markup"))
        new_key = (text, entities, message.caption, message.caption_entities, markup)
        if new_key == message.content_key():
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.source, message.parse_mode = source, params.get("parse_mode")
        message.edit_date = self.store.now()
        chat.notify()
        return self.store.message_api(message)

    async def edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        chat, message = self._editable(params)
        markup = self._markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = self.store.now()
        chat.notify()
        return self.store.message_api(message)

    async def edit_message_media(self, params: dict[str, Any]) -> Any:
        """Replace a photo or document (and its caption); as in Telegram, a photo stays a
        photo or becomes another photo, a document another document."""
        chat, message = self._editable(params)
        media = params["media"]
        kind = media.get("type")
        if kind not in ("photo", "document"):
            raise bad_request("can't parse InputMedia JSON object")
        if message.photo is None and message.document is None:
            raise bad_request("there is no media in the message to edit")
        current = "photo" if message.photo is not None else "document"
        if kind != current:
            raise bad_request(f"type of file mismatch: can't use {kind} as {current}")
        if "media" not in media or media["media"] in (None, ""):
            raise bad_request("media is empty")
        source = media.get("caption")
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        if source:
            caption, entities = self._parse(
                source, media.get("parse_mode"), media.get("caption_entities")
            )
            if len(caption) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        markup = self._markup(params.get("reply_markup"))
        rec = self._file(media["media"], kind)
        old = message.photo if kind == "photo" else message.document
        unchanged = (caption, entities, markup) == (
            message.caption,
            message.caption_entities,
            message.reply_markup,
        )
        if unchanged and old is not None and old.file_unique_id == rec.file_unique_id:
            raise bad_request(NOT_MODIFIED)
        if kind == "photo":
            message.photo = rec
        else:
            message.document = rec
        message.caption, message.caption_entities, message.reply_markup = (
            caption,
            entities,
            markup,
        )
        message.source, message.parse_mode = source, media.get("parse_mode")
        message.edit_date = self.store.now()
        chat.notify()
        return self.store.message_api(message)

    async def delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        message = self._message(chat, params["message_id"], "message to delete not found")
        if chat.type != "private" and not message.from_bot:
            raise bad_request("message can't be deleted")
        message.deleted = True
        chat.notify()
        return True

    async def delete_messages(self, params: dict[str, Any]) -> Any:
        """Telegram's batch delete: 1-100 ids; ids that cannot be found are skipped, and in a
        group only the bot's own messages go (this sandbox's bot is never an admin)."""
        chat = self._chat(params["chat_id"])
        ids = params["message_ids"]
        if not ids or len(ids) > 100 or not all(type(i) is int for i in ids):
            raise bad_request("message identifiers are invalid")
        for message_id in ids:
            message = chat.messages.get(message_id)
            if message is None or message.deleted:
                continue
            if chat.type != "private" and not message.from_bot:
                raise bad_request("message can't be deleted")
            message.deleted = True
        chat.notify()
        return True

    async def answer_callback_query(self, params: dict[str, Any]) -> Any:
        query = self.store.callbacks.get(params["callback_query_id"])
        if query is None or query.answered or time.monotonic() - query.created > CALLBACK_QUERY_TTL:
            raise bad_request(QUERY_INVALID)
        text = params.get("text") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "text": text,
            "show_alert": bool(params.get("show_alert")),
            "url": params.get("url"),
        }
        return True

    def _file(self, value: Any, kind: str) -> FileRec:
        if isinstance(value, Upload):
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_UPLOAD_BYTES
            if len(value.data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            if not value.data:
                raise bad_request("file must be non-empty")
            width = height = 0
            if kind == "photo":
                size = _image_size(value.data)
                if size is None:
                    raise bad_request("IMAGE_PROCESS_FAILED")
                width, height = size
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = None
            return self.store.add_file(value.data, kind, value.filename, mime, width, height)
        if isinstance(value, str) and re.match(r"^https?://", value):
            raise bad_request("failed to get HTTP URL content")
        known = self.store.files.get(value) if isinstance(value, str) else None
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if known.kind != kind:
            raise bad_request(f"type of file mismatch: can't use {known.kind} as {kind}")
        return known

    async def _send_media(self, params: dict[str, Any], kind: str) -> Any:
        chat = self._writable_chat(params["chat_id"])
        source = params.get("caption")
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        if source:
            caption, entities = self._parse(
                source, params.get("parse_mode"), params.get("caption_entities")
            )
            if len(caption) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat, params)
        rec = self._file(params[kind], kind)
        self._flood(chat)
        message = self.store.new_message(
            chat,
            from_bot=True,
            caption=caption,
            caption_entities=entities,
            source=source,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{kind: rec},
        )
        return self.store.message_api(message)

    async def send_photo(self, params: dict[str, Any]) -> Any:
        return await self._send_media(params, "photo")

    async def send_document(self, params: dict[str, Any]) -> Any:
        return await self._send_media(params, "document")

    async def send_chat_action(self, params: dict[str, Any]) -> Any:
        chat = self._writable_chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = params["action"]
        return True

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        kinds = {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        }
        if not isinstance(scope, dict) or scope.get("type") not in kinds:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat"):
            self._chat(scope.get("chat_id"))
        if scope["type"] == "chat_member" and scope.get("user_id") not in self.store.users:
            raise bad_request("user not found")
        language = params.get("language_code") or ""
        if language and not re.match(r"^[a-z]{2}$", language):
            raise bad_request("LANGUAGE_CODE_INVALID")
        return json.dumps(scope, sort_keys=True), language

    async def set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        clean: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = self._scope_key(params)
        if clean:
            self.store.commands[key] = clean
        else:
            self.store.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: dict[str, Any]) -> Any:
        return self.store.commands.get(self._scope_key(params), [])

    async def delete_my_commands(self, params: dict[str, Any]) -> Any:
        self.store.commands.pop(self._scope_key(params), None)
        return True

    async def get_chat(self, params: dict[str, Any]) -> Any:
        return self.store.chat_full_info(self._chat(params["chat_id"]))

    async def get_chat_member(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        user_id = params["user_id"]
        store = self.store
        if user_id == store.bot_id:
            status = "member" if chat.type == "private" else chat.bot_status
            user = store.bot_user_short()
        else:
            rec = store.users.get(user_id)
            if rec is None:
                raise bad_request("user not found")
            user = rec.to_api()
            if chat.type == "private":
                if user_id != chat.user_id:
                    raise bad_request("user not found")
                status = "member"
            elif user_id in chat.member_ids:
                status = "creator" if user_id == min(chat.member_ids) else "member"
            else:
                status = "left"
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    async def leave_chat(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        if chat.bot_status != "member":
            raise forbidden("bot is not a member of the group chat")
        self.store.set_bot_status(chat, "left", by_user_id=None)
        return True

    async def pin_chat_message(self, params: dict[str, Any]) -> Any:
        chat = self._writable_chat(params["chat_id"])
        message = self._message(chat, params["message_id"], "message to pin not found")
        chat.pinned_message_id = message.message_id
        chat.notify()
        return True

    async def get_file(self, params: dict[str, Any]) -> Any:
        rec = self.store.files.get(params["file_id"])
        if rec is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": len(rec.data),
            "file_path": rec.file_path,
        }
