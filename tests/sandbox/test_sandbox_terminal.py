"""The terminal chat client with piped input against a real PTB bot."""

from __future__ import annotations

import io

from sandbox_ptb_bot import polling_bot

from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from sandbox.terminal import button_keys, run_chat


async def test_piped_session(sandbox_server: SandboxServer, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    stdin = io.StringIO("/start\n9\n1\n:tomorrow\n7\n=4\nhow are you\n:quit\nnever read\n")
    stdout = io.StringIO()
    metas: list[str] = []

    async def on_meta(line: str) -> str | None:
        metas.append(line)
        return "(time travel: +1 day)"

    async with polling_bot(sandbox_server):
        await run_chat(driver, ann.id, stdin=stdin, stdout=stdout, on_meta=on_meta, reply_timeout=5)
    out = stdout.getvalue()
    assert "bot: Welcome. Ready?" in out
    assert "[1] Yes  [2] No" in out
    assert "bot (edited): You said yes" in out
    assert "(time travel: +1 day)" in out
    assert "(no button [9] on the latest message)" in out  # buttons shown: a number presses
    assert "bot: echo: 7" in out  # no buttons left: a number is an answer, sent as text
    assert "bot: echo: 4" in out  # "=" sends a number as text
    assert "bot: echo: how are you" in out
    assert metas == [":tomorrow"]
    sent = [
        m for m in await driver.chat(ann.id).transcript() if m.__class__.__name__ == "UserMessage"
    ]
    assert len(sent) == 4  # /start, 7, 4, how are you; "never read" was after :quit


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


def test_numbered_labels_are_pressed_by_their_number() -> None:
    # On a 0-10 row, typing 3 must mean "3", not the third button; other buttons keep
    # their position.
    labels = [str(n) for n in range(11)] + ["Skip"]
    assert button_keys(labels) == [*labels[:11], "12"]
    assert button_keys(["Yes", "No"]) == ["1", "2"]
