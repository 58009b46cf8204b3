"""The terminal chat client with piped input against a real PTB bot."""

from __future__ import annotations

import asyncio
import io

import pytest
from sandbox_ptb_bot import polling_bot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, ContextTypes

from sandbox import terminal
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from sandbox.terminal import button_keys, run_chat

SIDES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Left", callback_data="side:left"),
            InlineKeyboardButton("Right", callback_data="side:right"),
        ]
    ]
)


async def test_piped_session(sandbox_server: SandboxServer, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    stdin = io.StringIO("/start\n7\n#z\n#a\n:tomorrow\n=#b\nhow are you\n:quit\nnever read\n")
    stdout = io.StringIO()
    metas: list[str] = []

    async def on_meta(line: str) -> str | None:
        metas.append(line)
        return "(time travel: +1 day)"

    async with polling_bot(sandbox_server):
        await run_chat(driver, ann.id, stdin=stdin, stdout=stdout, on_meta=on_meta, reply_timeout=5)
    out = stdout.getvalue()
    assert "bot: Welcome. Ready?" in out
    assert "[#a] Yes  [#b] No" in out
    # Buttons on screen, yet a bare number is text (an answer), never a button's position.
    assert "bot: echo: 7" in out
    assert "(no button [#z] on the latest message)" in out
    assert "bot (edited): You said yes" in out  # "#a" pressed Yes
    assert "(time travel: +1 day)" in out
    assert "bot: echo: #b" in out  # "=" sends the rest as it is
    assert "bot: echo: how are you" in out
    assert metas == [":tomorrow"]
    sent = [
        m for m in await driver.chat(ann.id).transcript() if m.__class__.__name__ == "UserMessage"
    ]
    assert len(sent) == 4  # /start, 7, #b, how are you; "never read" was after :quit


async def test_unprompted_messages_are_shown(
    sandbox_server: SandboxServer, driver: SandboxDriver
) -> None:
    from telegram import Bot

    ann = await driver.create_user("Ann")
    await driver.chat(ann.id).start()
    stdout = io.StringIO()

    async def on_meta(line: str) -> str | None:
        # Plays the scheduler: the bot writes without the user asking.
        async with Bot(sandbox_server.token, base_url=sandbox_server.bot_api_base) as bot:
            await bot.send_message(ann.id, "Morning check-in: pain 0-10?")
        return None

    await run_chat(driver, ann.id, stdin=io.StringIO(":tick\n"), stdout=stdout, on_meta=on_meta)
    assert "bot: Morning check-in: pain 0-10?" in stdout.getvalue()


def test_button_keys_never_collide() -> None:
    # On a 0-10 row, "#3" means the button "3"; other buttons get letters, so no key of
    # one button is ever another button's number.
    labels = [str(n) for n in range(11)] + ["Skip"]
    assert button_keys(labels) == [*labels[:11], "a"]
    assert button_keys(["Yes", "No"]) == ["a", "b"]
    assert button_keys(["1", "Other", "1"]) == ["a", "b", "c"]  # a repeated number
    assert button_keys([f"Option {i}" for i in range(28)])[25:] == ["z", "aa", "ab"]
    for labels in (["0", "10", "20", "Skip"], ["Done", "Part of it", "Skipped"]):
        keys = button_keys(labels)
        assert len(set(keys)) == len(keys)


async def _edit_then_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Yes/No by removing the buttons (an edit), then, after a pause shorter than
    the terminal's settle time, asks the next question; a side pick is edited in place."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    if query.data.startswith("side:"):
        await query.edit_message_text(f"You picked {query.data.removeprefix('side:')}")
    else:
        await query.edit_message_text(f"Ready? -> {query.data.removeprefix('v1:')}")
        await asyncio.sleep(terminal.SETTLE_SECONDS / 2)
        assert query.message is not None
        await context.bot.send_message(query.message.chat.id, "Left or right?", reply_markup=SIDES)
    raise ApplicationHandlerStop


async def test_piped_input_waits_for_the_reply_after_an_edit(
    sandbox_server: SandboxServer, driver: SandboxDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The watcher notices edits quickly, so the edit is the first change on screen: the
    # next line must still wait for the question that follows it.
    monkeypatch.setattr(terminal, "POLL_SECONDS", 0.05)
    ann = await driver.create_user("Ann")
    stdin = io.StringIO("/start\n#a\n#b\n")
    stdout = io.StringIO()
    async with polling_bot(sandbox_server) as app:
        app.add_handler(CallbackQueryHandler(_edit_then_ask), group=-1)
        await run_chat(driver, ann.id, stdin=stdin, stdout=stdout, reply_timeout=5)
    out = stdout.getvalue()
    assert "bot (edited): Ready? -> yes" in out
    question = out.index("bot: Left or right?")
    assert "bot (edited): You picked right" in out[question:], out  # "#b" pressed Right
    assert "echo: #b" not in out, out  # not sent as text before the question arrived
