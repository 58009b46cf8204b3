"""The sandbox's method table and every object it returns agree with the Bot API spec
(``shared/telegram/botapi.json``, read in place, never copied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_ptb_bot import tiny_png

from sandbox.driver import SandboxDriver
from sandbox.methods import METHODS
from sandbox.server import SandboxServer

pytestmark = pytest.mark.shared

PRIMITIVES: dict[str, tuple[type, ...]] = {
    "Integer": (int,),
    "Float": (int, float),
    "String": (str,),
    "Boolean": (bool,),
    "True": (bool,),
}


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / "telegram" / "botapi.json").read_text("utf-8"))
    return data


def test_method_table_matches_the_spec(spec: dict[str, Any]) -> None:
    for name, method in METHODS.items():
        assert name in spec["methods"], f"{name} is not a Bot API method"
        official = {f["name"]: f for f in spec["methods"][name].get("fields", [])}
        assert set(method.params) == set(official), f"{name}: parameters differ from the spec"
        for param in method.params.values():
            field = official[param.name]
            assert list(param.types) == field["types"], f"{name}.{param.name}: types differ"
            assert param.required == field["required"], f"{name}.{param.name}: required differs"
        assert list(method.returns) == spec["methods"][name]["returns"], f"{name}: returns differ"


class Checker:
    """Holds JSON values against spec types; collects every disagreement."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.types: dict[str, Any] = spec["types"]
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def check(self, value: Any, type_names: list[str], path: str) -> None:
        self.problems.extend(self._errors_any(value, type_names, path))

    def _errors(self, value: Any, type_name: str, path: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}"]
            inner = type_name.removeprefix("Array of ")
            return [
                e for i, item in enumerate(value) for e in self._errors(item, inner, f"{path}[{i}]")
            ]
        if type_name in PRIMITIVES:
            ok = isinstance(value, PRIMITIVES[type_name]) and not (
                type_name in ("Integer", "Float") and isinstance(value, bool)
            )
            return [] if ok else [f"{path}: {value!r} is not {type_name}"]
        definition = self.types[type_name]
        if definition.get("subtypes"):
            options = [self._errors(value, sub, path) for sub in definition["subtypes"]]
            return [] if not all(options) else min(options, key=len)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object"]
        fields = {f["name"]: f for f in definition.get("fields", [])}
        errors = [f"{path}.{key}: not a field of {type_name}" for key in value if key not in fields]
        errors += [
            f"{path}: required {type_name}.{name} missing"
            for name, f in fields.items()
            if f["required"] and name not in value
        ]
        for key, item in value.items():
            if key in fields:
                errors += self._errors_any(item, fields[key]["types"], f"{path}.{key}")
        if not errors:
            self.seen.add(type_name)
        return errors

    def _errors_any(self, value: Any, type_names: list[str], path: str) -> list[str]:
        """Fields may accept several types: the value must match one of them."""
        options = [self._errors(value, t, path) for t in type_names]
        return [] if not all(options) else min(options, key=len)


async def test_returned_objects_match_the_spec(
    spec: dict[str, Any], sandbox_server: SandboxServer, driver: SandboxDriver
) -> None:
    checker = Checker(spec)
    base = f"/bot{sandbox_server.token}"
    ann = await driver.create_user("Ann", username="ann_runs", language_code="de")
    coach = await driver.create_user("Coach")
    chat = driver.chat(ann.id)
    await chat.start("p1")
    group = await driver.create_group("G", [ann.id, coach.id])
    await driver.add_bot_to_group(group, ann.id, start_payload="g1")

    async with httpx.AsyncClient(base_url=sandbox_server.url) as client:

        async def call(method: str, **kwargs: Any) -> Any:
            response = await client.post(f"{base}/{method}", **kwargs)
            body = response.json()
            assert body["ok"], body
            checker.check(body["result"], spec["methods"][method]["returns"], method)
            return body["result"]

        await call("getMe")
        keyboard = {
            "inline_keyboard": [
                [
                    {"text": "Yes", "callback_data": "y"},
                    {"text": "Web", "url": "https://example.org"},
                ]
            ]
        }
        sent = await call(
            "sendMessage",
            json={
                "chat_id": ann.id,
                "text": "<b>Hi</b> <a href='https://x.org'>x</a>",
                "parse_mode": "HTML",
                "reply_markup": keyboard,
            },
        )
        await call(
            "sendMessage",
            json={
                "chat_id": ann.id,
                "text": "re",
                "reply_parameters": {"message_id": sent["message_id"]},
            },
        )
        await chat.press_data(sent["message_id"], "y")
        await call(
            "editMessageText",
            json={"chat_id": ann.id, "message_id": sent["message_id"], "text": "edited"},
        )
        photo = await call(
            "sendPhoto",
            data={"chat_id": str(ann.id), "caption": "c"},
            files={"photo": ("p.png", tiny_png(), "image/png")},
        )
        await call(
            "sendDocument",
            data={"chat_id": str(ann.id)},
            files={"document": ("a.txt", b"abc", "text/plain")},
        )
        await call(
            "editMessageMedia",
            data={
                "chat_id": str(ann.id),
                "message_id": str(photo["message_id"]),
                "media": json.dumps(
                    {
                        "type": "photo",
                        "media": "attach://chart",
                        "caption": "<b>new</b>",
                        "parse_mode": "HTML",
                    }
                ),
                "reply_markup": json.dumps(keyboard),
            },
            files={"chart": ("c.png", tiny_png(4, 5), "image/png")},
        )
        await call("getFile", json={"file_id": photo["photo"][0]["file_id"]})
        await call("pinChatMessage", json={"chat_id": ann.id, "message_id": sent["message_id"]})
        await call("getChat", json={"chat_id": ann.id})
        await call("getChat", json={"chat_id": group})
        for user_id in (ann.id, coach.id):
            await call("getChatMember", json={"chat_id": group, "user_id": user_id})
        await call(
            "setMyCommands", json={"commands": [{"command": "start", "description": "Start"}]}
        )
        await call("getMyCommands")
        await driver.migrate_group(group)
        await driver.block(ann.id)
        await call("getUpdates", json={"allowed_updates": []})
        await call("setWebhook", json={"url": "http://127.0.0.1:9/hook", "secret_token": "s"})
        await call("getWebhookInfo")
        await call("deleteWebhook")

    assert checker.problems == []
    expected = {
        "User",
        "Message",
        "Update",
        "CallbackQuery",
        "ChatMemberUpdated",
        "ChatFullInfo",
        "PhotoSize",
        "Document",
        "File",
        "WebhookInfo",
        "BotCommand",
        "MessageEntity",
        "InlineKeyboardMarkup",
        "InlineKeyboardButton",
        "ChatMemberOwner",
        "ChatMemberMember",
        "ChatMemberLeft",
        "ChatMemberBanned",
        "Chat",
    }
    assert expected <= checker.seen, expected - checker.seen
