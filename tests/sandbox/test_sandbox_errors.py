"""Telegram's strictness: each error reaches PTB as the exception Telegram would cause."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sandbox_ptb_bot import tiny_png
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from sandbox.driver import BotMessage, SandboxDriver, SandboxUser
from sandbox.server import SandboxServer


@pytest.fixture
async def bot(sandbox_server: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(
        sandbox_server.token,
        base_url=sandbox_server.bot_api_base,
        base_file_url=sandbox_server.bot_file_base,
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def ann(driver: SandboxDriver) -> SandboxUser:
    """A user who has started the bot."""
    user = await driver.create_user("Ann")
    await driver.chat(user.id).start()
    return user


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])


async def test_text_length_limits(bot: Bot, ann: SandboxUser) -> None:
    await bot.send_message(ann.id, "x" * 4096)
    # 4096 characters after entity parsing: markup does not count.
    await bot.send_message(ann.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ann.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ann.id, "<b></b>", parse_mode="HTML")


async def test_caption_limit(bot: Bot, ann: SandboxUser) -> None:
    from sandbox_ptb_bot import tiny_png

    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(ann.id, tiny_png(), caption="c" * 1025)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(ann.id, b"not an image")
    message = await bot.send_document(
        ann.id, b"a,b\n1,2\n", filename="plan.csv", caption="c" * 1024
    )
    assert message.document is not None
    assert message.document.file_size == 8
    again = await bot.send_document(ann.id, message.document.file_id)
    assert again.document is not None
    assert again.document.file_id == message.document.file_id
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(ann.id, "no-such-file-id")


async def test_edit_message_media(bot: Bot, ann: SandboxUser, driver: SandboxDriver) -> None:
    """A photo is replaced by an uploaded one (``attach://``), with its caption and keyboard,
    as Telegram does; what Telegram refuses is refused the same way."""
    sent = await bot.send_photo(ann.id, tiny_png(), caption="first")
    edited = await bot.edit_message_media(
        InputMediaPhoto(tiny_png(4, 5), caption="<b>second</b>", parse_mode="HTML"),
        chat_id=ann.id,
        message_id=sent.message_id,
        reply_markup=_keyboard("v1:x"),
    )
    assert isinstance(edited, Message)
    assert edited.caption == "second"
    assert edited.photo[-1].width == 4
    assert edited.photo[-1].file_unique_id != sent.photo[-1].file_unique_id
    shown = await driver.chat(ann.id).message(sent.message_id)
    assert isinstance(shown, BotMessage)
    assert shown.edited
    assert shown.labels == ["Go"]
    assert shown.text == "second"
    # The same picture and caption again: not modified.
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_media(
            InputMediaPhoto(edited.photo[-1].file_id, caption="<b>second</b>", parse_mode="HTML"),
            chat_id=ann.id,
            message_id=sent.message_id,
            reply_markup=_keyboard("v1:x"),
        )
    # A text message has no media to replace; a photo cannot become a document.
    text = await bot.send_message(ann.id, "words")
    with pytest.raises(BadRequest, match=r"(?i)no media in the message"):
        await bot.edit_message_media(
            InputMediaPhoto(tiny_png()), chat_id=ann.id, message_id=text.message_id
        )
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.edit_message_media(
            InputMediaDocument(b"abc", filename="a.txt"), chat_id=ann.id, message_id=sent.message_id
        )
    # Not an image at all.
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.edit_message_media(
            InputMediaPhoto(b"not an image"), chat_id=ann.id, message_id=sent.message_id
        )


async def test_edit_message_media_needs_its_upload(
    sandbox_server: SandboxServer, ann: SandboxUser
) -> None:
    async with httpx.AsyncClient() as client:
        sent = await client.post(
            f"{sandbox_server.bot_api_base}{sandbox_server.token}/sendPhoto",
            data={"chat_id": str(ann.id)},
            files={"photo": ("p.png", tiny_png(), "image/png")},
        )
        message_id = sent.json()["result"]["message_id"]
        reply = await client.post(
            f"{sandbox_server.bot_api_base}{sandbox_server.token}/editMessageMedia",
            data={
                "chat_id": str(ann.id),
                "message_id": str(message_id),
                "media": '{"type": "photo", "media": "attach://missing"}',
            },
            files={"other": ("p.png", tiny_png(), "image/png")},
        )
    assert reply.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: file missing not found in the request",
    }


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ],
)
async def test_html_parse_errors(bot: Bot, ann: SandboxUser, text: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(ann.id, text, parse_mode="HTML")
    # PTB strips "Bad Request: " and capitalises; the rest is Telegram's text.
    assert caught.value.message.lower() == f"can't parse entities: {fragment}".lower()


async def test_markdown_v2_reserved_character(bot: Bot, ann: SandboxUser) -> None:
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(ann.id, "Done.", parse_mode="MarkdownV2")


async def test_callback_data_and_keyboard_limits(bot: Bot, ann: SandboxUser) -> None:
    await bot.send_message(ann.id, "ok", reply_markup=_keyboard("x" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ann.id, "no", reply_markup=_keyboard("x" * 65))
    wide = InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(9)]]
    )
    with pytest.raises(BadRequest, match="Reply_markup_too_long"):
        await bot.send_message(ann.id, "wide", reply_markup=wide)


async def test_edit_errors(bot: Bot, ann: SandboxUser) -> None:
    sent = await bot.send_message(ann.id, "same", reply_markup=_keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("same", ann.id, sent.message_id, reply_markup=_keyboard("a"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("new", ann.id, 999)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(ann.id, sent.message_id, reply_markup=_keyboard("a"))
    await bot.delete_message(ann.id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ann.id, sent.message_id)


async def test_delete_messages_skips_the_missing(
    bot: Bot, ann: SandboxUser, driver: SandboxDriver
) -> None:
    first = await bot.send_message(ann.id, "one")
    second = await bot.send_message(ann.id, "two")
    await bot.send_message(ann.id, "three")
    # Telegram skips ids it cannot find (here 999, and the second pass over deleted ones).
    assert await bot.delete_messages(ann.id, [first.message_id, second.message_id, 999])
    assert await bot.delete_messages(ann.id, [first.message_id])
    left = [m.text for m in await driver.chat(ann.id).transcript()]
    assert "three" in left
    assert "one" not in left
    assert "two" not in left
    with pytest.raises(BadRequest, match=r"(?i)message identifiers are invalid"):
        await bot.delete_messages(ann.id, list(range(1, 102)))


async def test_callback_query_answered_once(
    bot: Bot, ann: SandboxUser, driver: SandboxDriver
) -> None:
    sent = await bot.send_message(ann.id, "pick", reply_markup=_keyboard("v1:a"))
    query_id = await driver.chat(ann.id).press_data(sent.message_id, "v1:a")
    assert await bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_forged_press_is_refused(bot: Bot, ann: SandboxUser, driver: SandboxDriver) -> None:
    from sandbox.driver import SandboxError

    sent = await bot.send_message(ann.id, "pick", reply_markup=_keyboard("v1:a"))
    with pytest.raises(SandboxError, match="no button with callback_data 'v1:forged'"):
        await driver.chat(ann.id).press_data(sent.message_id, "v1:forged")


async def test_chat_not_found_and_not_started(bot: Bot, driver: SandboxDriver) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123, "hello")
    stranger = await driver.create_user("Stranger")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hello")


async def test_blocked_user(bot: Bot, ann: SandboxUser, driver: SandboxDriver) -> None:
    await bot.send_message(ann.id, "before")
    await driver.block(ann.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ann.id, "after")
    await driver.unblock(ann.id)
    await bot.send_message(ann.id, "again")


async def test_group_migrated(bot: Bot, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    group = await driver.create_group("G", [ann.id])
    await driver.add_bot_to_group(group, ann.id)
    await bot.send_message(group, "hi group")
    new_id = await driver.migrate_group(group)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group, "hi again")
    assert caught.value.new_chat_id == new_id
    await bot.send_message(new_id, "hi supergroup")


async def test_bot_not_in_group(bot: Bot, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    group = await driver.create_group("G", [ann.id])
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group, "hi")


# PTB 22 warns that retry_after will become a timedelta; the int is what Telegram sends.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control(bot: Bot, ann: SandboxUser, driver: SandboxDriver) -> None:
    await driver.set_limits(chat=1, burst=1)
    await bot.send_message(ann.id, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ann.id, "two")
    assert caught.value.retry_after >= 1
    await driver.set_limits("off")
    await bot.send_message(ann.id, "three")
    stats = await driver.stats()
    assert stats["answered_429"] == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_group_flood_limit(bot: Bot, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    group = await driver.create_group("G", [ann.id])
    await driver.add_bot_to_group(group, ann.id)
    await driver.set_limits(group=2, chat=100, burst=100)
    await bot.send_message(group, "1")
    await bot.send_message(group, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(group, "3")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_forced_429_and_server_errors(
    bot: Bot, ann: SandboxUser, driver: SandboxDriver
) -> None:
    from telegram.error import NetworkError

    await driver.set_faults(force_429={"count": 2, "retry_after": 7})
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ann.id, "x")
        assert caught.value.retry_after == 7
    await bot.send_message(ann.id, "through")
    await driver.set_faults(error_rate=1.0, methods=["sendMessage"], seed=1)
    with pytest.raises(NetworkError):
        await bot.send_message(ann.id, "x")
    assert (await bot.get_me()).username == "remodel_bot"
    await driver.set_faults(error_rate=0.0)
    await bot.send_message(ann.id, "fine")


async def test_hanging_requests_time_out(bot: Bot, ann: SandboxUser, driver: SandboxDriver) -> None:
    from telegram.error import TimedOut

    await driver.set_faults(hang_rate=1.0, hang_seconds=2, methods=["sendMessage"])
    with pytest.raises(TimedOut):
        await bot.send_message(ann.id, "slow", read_timeout=0.2)


async def test_hang_next_holds_the_next_request_then_serves_it(
    bot: Bot, ann: SandboxUser, driver: SandboxDriver
) -> None:
    """``hang_next``: the client times out, yet the message is delivered (late), as with
    Telegram; the request after it is served at once."""
    from telegram.error import TimedOut

    await driver.set_faults(hang_next={"sendMessage": 1}, hang_seconds=0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(ann.id, "slow", read_timeout=0.1)
    await bot.send_message(ann.id, "fast", read_timeout=0.4)
    chat = driver.chat(ann.id)
    assert (await chat.expect("fast")).text == "fast"
    assert (await chat.expect("slow")).text == "slow"  # the timed-out send, delivered late
    assert (await driver.set_faults())["hang_next"] == {}


async def test_unknown_method_token_and_strict_parameters(sandbox_server: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=sandbox_server.url) as client:
        token = sandbox_server.token
        response = await client.post(f"/bot{token}/sendTelepathy", json={})
        assert response.status_code == 404
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        response = await client.post("/botwrong:token/getMe")
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        response = await client.post(f"/bot{token}/getMe", data={"colour": "blue"})
        assert response.status_code == 400
        assert 'unknown parameter "colour"' in response.json()["description"]
        # Method names are case-insensitive, GET works.
        assert (await client.get(f"/bot{token}/GETME")).json()["ok"] is True
    with pytest.raises(InvalidToken):
        async with Bot("wrong:token", base_url=sandbox_server.bot_api_base) as wrong:
            await wrong.get_me()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{not json"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'{"chat_id": {"x": 1}, "text": "x"}'),
        ("application/json", b'{"chat_id": 1, "text": "x", "reply_markup": "[[["}'),
        ("application/x-www-form-urlencoded", b"chat_id=\xff\xfe&text=x"),
        ("multipart/form-data; boundary=zz", b"--zz\r\ngarbage"),
        ("text/plain", b"\x00\x01\x02"),
    ],
)
async def test_malformed_bodies_get_telegrams_error_shape(
    sandbox_server: SandboxServer, content_type: str, body: bytes
) -> None:
    async with httpx.AsyncClient(base_url=sandbox_server.url) as client:
        response = await client.post(
            f"/bot{sandbox_server.token}/sendMessage",
            content=body,
            headers={"Content-Type": content_type},
        )
        answer = response.json()
        assert response.status_code == 400
        assert answer["ok"] is False
        assert answer["error_code"] == 400
        assert answer["description"].startswith("Bad Request: ")
        assert "Traceback" not in response.text
        assert (await client.get(f"/bot{sandbox_server.token}/getMe")).json()["ok"] is True
