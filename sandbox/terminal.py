"""A terminal chat client over the sandbox: one user talks to the bot line by line.

* the bot's messages are printed as they arrive, including ones nobody asked for
  (scheduled check-ins), with a key for each button: ``[#a] Yes  [#b] No``; a button
  labelled with a number is keyed by that number: ``[#0] [#1] ... [#10]  [#a] Skip``;
* a line starting with ``#`` presses the button with that key on the newest message
  showing buttons (``#a``, ``#3``): keys never collide with what a person types;
* every other line is sent as the user's text, so a bare number ("7") is always the
  answer to a number question, never a button whose position happens to match; ``=`` in
  front sends the rest as it is (``=#1`` sends "#1", ``=:)`` sends ":)");
* a line starting with ``:`` goes to ``on_meta`` (e.g. ``:tomorrow`` for time travel) and
  what it returns is printed; ``:quit`` or end of input ends the chat.

Only line-oriented reads and writes on the given streams: it works in a plain terminal and
with piped input. When the input is not a terminal (a script), the next line is read only
once the bot has answered the previous one and then been quiet for ``SETTLE_SECONDS`` (no
new or edited message), so that a reply following an edit (the answered question's buttons
removed, then the next question) is shown before the script moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TextIO

from sandbox.driver import BotMessage, ChatDriver, SandboxDriver, SandboxError

POLL_SECONDS = 1.0
"""The watcher's long-poll: new bot messages show at once, edits within this time."""

SETTLE_SECONDS = 0.3
"""With scripted input: how long the bot must stay quiet before the next line is read."""

SETTLE_STEP = 0.05
"""With scripted input: how often the transcript is checked while waiting to settle."""


def render(message: BotMessage, *, edited: bool = False) -> str:
    """A bot message as the terminal shows it: text, then numbered buttons."""
    lines = []
    head = "bot (edited)" if edited else "bot"
    if message.photo:
        lines.append(f"{head}: [photo {message.photo.get('file_size', 0)} bytes]")
        head = "    "
    if message.document:
        name = message.document.get("file_name") or "document"
        lines.append(f"{head}: [document {name}, {message.document.get('file_size', 0)} bytes]")
        head = "    "
    text_lines = message.text.splitlines() or [""]
    lines.append(f"{head}: {text_lines[0]}")
    lines.extend(f"     {line}" for line in text_lines[1:])
    labels = message.labels
    if labels:
        keys = button_keys(labels)
        lines.append(
            "     "
            + "  ".join(
                f"[{PRESS}{key}]" if key == label else f"[{PRESS}{key}] {label}"
                for key, label in zip(keys, labels, strict=True)
            )
        )
    return "\n".join(lines)


PRESS = "#"
"""What a line starts with to press a button (``#a``, ``#3``)."""

LITERAL = "="
"""What a line starts with to send the rest as text as it is (``=#1``, ``=:)``)."""


def _letters(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa": keys for buttons without a number label."""
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        key = chr(ord("a") + rest) + key
    return key


def button_keys(labels: list[str]) -> list[str]:
    """The key of each button (typed after ``#``): a button labelled with a number keeps
    that number (``#3`` on a 0-10 row is 3, not the third button); every other button
    gets a letter in order (``#a``, ``#b``...). Letters and numbers never collide, and a
    repeated number label falls back to a letter."""
    numbers = [label for label in labels if label.isascii() and label.isdigit()]
    unique = {n for n in numbers if numbers.count(n) == 1}
    keys: list[str] = []
    letter = 0
    for label in labels:
        if label in unique:
            keys.append(label)
        else:
            keys.append(_letters(letter))
            letter += 1
    return keys


class _Screen:
    """What has been shown, to print new and edited bot messages exactly once."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.shown: dict[int, tuple[str, list[str]]] = {}
        self.latest_with_buttons: BotMessage | None = None
        self.latest_id = 0  # the newest bot message shown, with or without buttons
        self.changed = asyncio.Event()

    def show(self, messages: list[BotMessage]) -> None:
        for message in messages:
            if message.deleted:
                continue
            state = (message.text, message.labels)
            before = self.shown.get(message.message_id)
            if before == state:
                continue
            self.shown[message.message_id] = state
            self.latest_id = max(self.latest_id, message.message_id)
            self.write(render(message, edited=before is not None))
            if message.labels and (
                self.latest_with_buttons is None
                or message.message_id >= self.latest_with_buttons.message_id
            ):
                self.latest_with_buttons = message
            elif (
                self.latest_with_buttons is not None
                and message.message_id == self.latest_with_buttons.message_id
            ):
                self.latest_with_buttons = None  # its buttons were removed by an edit
            self.changed.set()

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()


async def _watch(driver: SandboxDriver, chat_id: int, screen: _Screen) -> None:
    chat = driver.chat(chat_id)
    while True:
        try:
            entries = await chat.transcript()
        except (SandboxError, OSError) as exc:
            screen.write(f"(sandbox unavailable: {exc})")
            await asyncio.sleep(POLL_SECONDS)
            continue
        screen.show([m for m in entries if isinstance(m, BotMessage)])
        # Long-poll for the next bot message; edits show up within POLL_SECONDS.
        last = max(screen.shown, default=0)
        with contextlib.suppress(SandboxError, OSError):
            await driver.request(
                "GET",
                f"chats/{chat_id}/messages",
                params={"after_message_id": last, "wait": POLL_SECONDS},
            )


async def run_chat(
    driver: SandboxDriver,
    user_id: int,
    *,
    stdin: TextIO,
    stdout: TextIO,
    on_meta: Callable[[str], Awaitable[str | None]] | None = None,
    reply_timeout: float = 3.0,
    idle: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Chat as ``user_id`` in their private chat until ``:quit`` or end of input.

    With scripted (non-terminal) ``stdin``, each line that did something is followed by
    :func:`_settle` before the next is read: the bot's answer is shown, and the bot has been
    quiet for ``SETTLE_SECONDS``, waiting at most ``reply_timeout`` for it to start and
    ``reply_timeout`` more for it to finish. A bot that paces its sends (flood control) can
    be silent longer than that mid-answer; a host that can see the bot's own state passes
    ``idle``, awaited first, returning once the bot has nothing left to process.
    """
    screen = _Screen(stdout)
    chat = driver.chat(user_id)
    watcher = asyncio.create_task(_watch(driver, user_id, screen))
    interactive = stdin.isatty()
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if line == ":quit":
                break
            screen.changed.clear()
            acted = True
            if line.startswith(":"):
                answer = await on_meta(line) if on_meta is not None else None
                if on_meta is None:
                    screen.write(f"(no meta commands here: {line})")
                elif answer:
                    screen.write(answer)
                acted = on_meta is not None
            elif line.startswith(PRESS) and len(line) > len(PRESS):
                acted = await _press_key(chat, screen, line.removeprefix(PRESS).strip())
            else:
                # Everything else is text: a bare number answers a number question.
                line = line.removeprefix(LITERAL) or line
                try:
                    await chat.send(line)
                except SandboxError as exc:
                    screen.write(f"(not sent: {exc.description})")
                    acted = False
            if acted and not interactive:
                # A meta command may or may not make the bot write: wait less for it.
                first = min(reply_timeout, 1.0) if line.startswith(":") else reply_timeout
                if idle is not None:
                    await idle()
                await _settle(chat, screen, first_wait=first, limit=reply_timeout)
        if not interactive:
            # Let replies to the last line (or unprompted messages) arrive before leaving.
            if idle is not None:
                await idle()
            await _settle(chat, screen, first_wait=min(reply_timeout, 1.0), limit=reply_timeout)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _settle(
    chat: ChatDriver,
    screen: _Screen,
    *,
    first_wait: float,
    limit: float,
    quiet: float = SETTLE_SECONDS,
) -> None:
    """Wait until the bot has answered and then gone quiet (used with scripted input).

    Returns as soon as nothing changed on ``screen`` for ``first_wait`` s (the bot did not
    answer) or, once something changed, when no new or edited bot message has appeared for
    ``quiet`` s, or ``limit`` s after the first change at the latest. A change already
    flagged by ``screen.changed`` (cleared by the caller before acting) counts as the first
    one. The transcript is read every ``SETTLE_STEP`` s meanwhile, so that edits, which the
    watcher's long-poll only notices within ``POLL_SECONDS``, are shown and counted too.
    Sandbox errors while reading are left to the watcher to report; they end nothing.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + first_wait
    last_change: float | None = None
    while True:
        with contextlib.suppress(SandboxError, OSError):
            entries = await chat.transcript()
            screen.show([m for m in entries if isinstance(m, BotMessage)])
        now = loop.time()
        if screen.changed.is_set():
            screen.changed.clear()
            if last_change is None:
                deadline = now + limit
            last_change = now
        if (last_change is not None and now - last_change >= quiet) or now >= deadline:
            return
        # Sleep a step, waking early when the watcher shows a new message.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(screen.changed.wait(), min(SETTLE_STEP, deadline - now))


async def _press_key(chat: ChatDriver, screen: _Screen, key: str) -> bool:
    message = screen.latest_with_buttons
    buttons = [b for row in message.buttons for b in row] if message else []
    keys = button_keys([b.text for b in buttons])
    if message is None or key.lower() not in keys:
        screen.write(f"(no button [{PRESS}{key}] on the latest message)")
        return False
    button = buttons[keys.index(key.lower())]
    if button.callback_data is None:
        screen.write(f"(button [{PRESS}{key}] opens {button.url}; nothing to press here)")
        return False
    try:
        await chat.press_data(message.message_id, button.callback_data)
    except SandboxError as exc:
        screen.write(f"(press refused: {exc.description})")
        return False
    return True
