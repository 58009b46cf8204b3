"""A real PTB bot polls the sandbox over HTTP; the driver plays the user. Reads like a chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sandbox_ptb_bot import polling_bot, tiny_png

from sandbox.driver import BotMessage, ChatDriver, SandboxDriver, UserMessage
from sandbox.server import SandboxServer


async def test_start_press_and_edit(sandbox_server: SandboxServer, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann", username="ann_runs")
    chat = driver.chat(ann.id)
    async with polling_bot(sandbox_server):
        await chat.start("coach42")
        welcome = await chat.expect("Welcome (payload coach42). Ready?")
        assert welcome.html == "<b>Welcome</b> (payload coach42). Ready?"
        assert welcome.labels == ["Yes", "No"]
        assert welcome.entities == [{"type": "bold", "offset": 0, "length": 7}]

        query_id = await chat.press("Yes")
        edited = await _wait_for_edit(chat, welcome.message_id)
        assert edited.text == "You said yes"
        assert edited.buttons == []
        answer = await chat.callback_answer(query_id)
        assert answer["answered"] is True
        assert answer["text"] == "Noted: yes"

        await chat.send("a < b & c")
        await chat.expect("echo: a < b & c")
        await chat.expect_no_message(within=0.3)

    transcript = await chat.transcript()
    assert [type(m) for m in transcript] == [UserMessage, BotMessage, UserMessage, BotMessage]
    assert isinstance(transcript[0], UserMessage)
    assert transcript[0].text == "/start coach42"


async def test_photo_bytes_are_kept(sandbox_server: SandboxServer, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    chat = driver.chat(ann.id)
    async with polling_bot(sandbox_server):
        await chat.send("photo")
        message = await chat.next_message()
    assert message.text == "chart"
    assert message.html == "<b>chart</b>"
    assert message.photo is not None
    assert (message.photo["width"], message.photo["height"]) == (2, 3)
    assert await driver.file_bytes(message.photo["file_id"]) == tiny_png()


async def test_press_reports_the_labels_present(
    sandbox_server: SandboxServer, driver: SandboxDriver
) -> None:
    ann = await driver.create_user("Ann")
    chat = driver.chat(ann.id)
    async with polling_bot(sandbox_server):
        await chat.send("/start")
        await chat.expect("Welcome")
        with pytest.raises(AssertionError, match="buttons: \\['Yes', 'No'\\]"):
            await chat.press("Maybe")


async def test_group_link_and_member_updates(
    sandbox_server: SandboxServer, driver: SandboxDriver
) -> None:
    ann = await driver.create_user("Ann")
    coach = await driver.create_user("Coach")
    group = await driver.create_group("Ann + coach", [ann.id, coach.id])
    async with polling_bot(sandbox_server) as app:
        await driver.add_bot_to_group(group, by_user_id=ann.id, start_payload="link-7")
        group_chat = driver.chat(coach.id, group)
        await group_chat.expect("Group linked (payload link-7)")
        # Privacy mode: plain group chatter does not reach the bot, commands do.
        await group_chat.send("hello all")
        await group_chat.expect_no_message(within=0.3)
        await driver.remove_bot_from_group(group, by_user_id=ann.id)
        await driver.block(ann.id)
        await _until(lambda: len(app.bot_data.get("my_chat_member", [])) >= 2)
    events = app.bot_data["my_chat_member"]
    assert events[:2] == [(group, "left", "member"), (group, "member", "left")]


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def _wait_for_edit(chat: ChatDriver, message_id: int) -> BotMessage:
    for _ in range(100):
        message = await chat.message(message_id)
        if isinstance(message, BotMessage) and message.edited:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} was not edited")
