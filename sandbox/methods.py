"""The table of Bot API methods the sandbox serves: parameter names, accepted types, required.

This is the sandbox's own copy of the relevant part of the Bot API (10.x). A test holds it
against ``shared/telegram/botapi.json`` so that a parameter Telegram does not know is never
accepted here, and strict mode refuses any parameter missing from this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a method: its name, the Bot API type names it accepts, and whether
    Telegram requires it."""

    name: str
    types: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A served method: its parameters by name and the Bot API type names it returns."""

    name: str
    params: dict[str, Param]
    returns: tuple[str, ...]


def _m(name: str, returns: tuple[str, ...], *params: Param) -> MethodSpec:
    return MethodSpec(name, {p.name: p for p in params}, returns)


_CHAT_ID = ("Integer", "String")
_MARKUP = ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply")

METHODS: dict[str, MethodSpec] = {
    "getMe": _m(
        "getMe",
        ("User",),
    ),
    "logOut": _m(
        "logOut",
        ("Boolean",),
    ),
    "close": _m(
        "close",
        ("Boolean",),
    ),
    "getUpdates": _m(
        "getUpdates",
        ("Array of Update",),
        Param("offset", ("Integer",)),
        Param("limit", ("Integer",)),
        Param("timeout", ("Integer",)),
        Param("allowed_updates", ("Array of String",)),
    ),
    "setWebhook": _m(
        "setWebhook",
        ("Boolean",),
        Param("url", ("String",), True),
        Param("certificate", ("InputFile",)),
        Param("ip_address", ("String",)),
        Param("max_connections", ("Integer",)),
        Param("allowed_updates", ("Array of String",)),
        Param("drop_pending_updates", ("Boolean",)),
        Param("secret_token", ("String",)),
    ),
    "deleteWebhook": _m(
        "deleteWebhook",
        ("Boolean",),
        Param("drop_pending_updates", ("Boolean",)),
    ),
    "getWebhookInfo": _m(
        "getWebhookInfo",
        ("WebhookInfo",),
    ),
    "sendMessage": _m(
        "sendMessage",
        ("Message",),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID, True),
        Param("message_thread_id", ("Integer",)),
        Param("direct_messages_topic_id", ("Integer",)),
        Param("text", ("String",), True),
        Param("parse_mode", ("String",)),
        Param("entities", ("Array of MessageEntity",)),
        Param("link_preview_options", ("LinkPreviewOptions",)),
        Param("disable_notification", ("Boolean",)),
        Param("protect_content", ("Boolean",)),
        Param("allow_paid_broadcast", ("Boolean",)),
        Param("message_effect_id", ("String",)),
        Param("suggested_post_parameters", ("SuggestedPostParameters",)),
        Param("reply_parameters", ("ReplyParameters",)),
        Param("reply_markup", _MARKUP),
    ),
    "editMessageText": _m(
        "editMessageText",
        ("Message", "Boolean"),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID),
        Param("message_id", ("Integer",)),
        Param("inline_message_id", ("String",)),
        Param("text", ("String",)),
        Param("parse_mode", ("String",)),
        Param("entities", ("Array of MessageEntity",)),
        Param("link_preview_options", ("LinkPreviewOptions",)),
        Param("rich_message", ("InputRichMessage",)),
        Param("reply_markup", ("InlineKeyboardMarkup",)),
    ),
    "editMessageReplyMarkup": _m(
        "editMessageReplyMarkup",
        ("Message", "Boolean"),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID),
        Param("message_id", ("Integer",)),
        Param("inline_message_id", ("String",)),
        Param("reply_markup", ("InlineKeyboardMarkup",)),
    ),
    "editMessageMedia": _m(
        "editMessageMedia",
        ("Message", "Boolean"),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID),
        Param("message_id", ("Integer",)),
        Param("inline_message_id", ("String",)),
        Param("media", ("InputMedia",), True),
        Param("reply_markup", ("InlineKeyboardMarkup",)),
    ),
    "deleteMessage": _m(
        "deleteMessage",
        ("Boolean",),
        Param("chat_id", _CHAT_ID, True),
        Param("message_id", ("Integer",), True),
    ),
    "deleteMessages": _m(
        "deleteMessages",
        ("Boolean",),
        Param("chat_id", _CHAT_ID, True),
        Param("message_ids", ("Array of Integer",), True),
    ),
    "answerCallbackQuery": _m(
        "answerCallbackQuery",
        ("Boolean",),
        Param("callback_query_id", ("String",), True),
        Param("text", ("String",)),
        Param("show_alert", ("Boolean",)),
        Param("url", ("String",)),
        Param("cache_time", ("Integer",)),
    ),
    "sendPhoto": _m(
        "sendPhoto",
        ("Message",),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID, True),
        Param("message_thread_id", ("Integer",)),
        Param("direct_messages_topic_id", ("Integer",)),
        Param("photo", ("InputFile", "String"), True),
        Param("caption", ("String",)),
        Param("parse_mode", ("String",)),
        Param("caption_entities", ("Array of MessageEntity",)),
        Param("show_caption_above_media", ("Boolean",)),
        Param("has_spoiler", ("Boolean",)),
        Param("disable_notification", ("Boolean",)),
        Param("protect_content", ("Boolean",)),
        Param("allow_paid_broadcast", ("Boolean",)),
        Param("message_effect_id", ("String",)),
        Param("suggested_post_parameters", ("SuggestedPostParameters",)),
        Param("reply_parameters", ("ReplyParameters",)),
        Param("reply_markup", _MARKUP),
    ),
    "sendDocument": _m(
        "sendDocument",
        ("Message",),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID, True),
        Param("message_thread_id", ("Integer",)),
        Param("direct_messages_topic_id", ("Integer",)),
        Param("document", ("InputFile", "String"), True),
        Param("thumbnail", ("InputFile", "String")),
        Param("caption", ("String",)),
        Param("parse_mode", ("String",)),
        Param("caption_entities", ("Array of MessageEntity",)),
        Param("disable_content_type_detection", ("Boolean",)),
        Param("disable_notification", ("Boolean",)),
        Param("protect_content", ("Boolean",)),
        Param("allow_paid_broadcast", ("Boolean",)),
        Param("message_effect_id", ("String",)),
        Param("suggested_post_parameters", ("SuggestedPostParameters",)),
        Param("reply_parameters", ("ReplyParameters",)),
        Param("reply_markup", _MARKUP),
    ),
    "sendChatAction": _m(
        "sendChatAction",
        ("Boolean",),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID, True),
        Param("message_thread_id", ("Integer",)),
        Param("action", ("String",), True),
    ),
    "setMyCommands": _m(
        "setMyCommands",
        ("Boolean",),
        Param("commands", ("Array of BotCommand",), True),
        Param("scope", ("BotCommandScope",)),
        Param("language_code", ("String",)),
    ),
    "getMyCommands": _m(
        "getMyCommands",
        ("Array of BotCommand",),
        Param("scope", ("BotCommandScope",)),
        Param("language_code", ("String",)),
    ),
    "deleteMyCommands": _m(
        "deleteMyCommands",
        ("Boolean",),
        Param("scope", ("BotCommandScope",)),
        Param("language_code", ("String",)),
    ),
    "getChat": _m(
        "getChat",
        ("ChatFullInfo",),
        Param("chat_id", _CHAT_ID, True),
    ),
    "getChatMember": _m(
        "getChatMember",
        ("ChatMember",),
        Param("chat_id", _CHAT_ID, True),
        Param("user_id", ("Integer",), True),
    ),
    "leaveChat": _m(
        "leaveChat",
        ("Boolean",),
        Param("chat_id", _CHAT_ID, True),
    ),
    "pinChatMessage": _m(
        "pinChatMessage",
        ("Boolean",),
        Param("business_connection_id", ("String",)),
        Param("chat_id", _CHAT_ID, True),
        Param("message_id", ("Integer",), True),
        Param("disable_notification", ("Boolean",)),
    ),
    "getFile": _m(
        "getFile",
        ("File",),
        Param("file_id", ("String",), True),
    ),
}
