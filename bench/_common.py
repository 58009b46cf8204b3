"""Shared plumbing of the bot benchmarks (not a benchmark itself).

* :func:`sandbox_process` runs ``python -m sandbox`` in a child process on a free loopback
  port, so the Bot API server does not share a CPU core (and an event loop) with the bot;
* :func:`percentile`, :func:`rss_mib` and :func:`fmt_rate` format the figures;
* :func:`sandbox_settings` builds the bot's settings for a sandbox and an SQLite file.

Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/NAME.py` from anywhere
    sys.path.insert(0, str(ROOT))

BENCH_TOKEN = "123456:BENCH-token-not-secret"


@dataclass
class SandboxProcess:
    """A ``python -m sandbox`` child: its URL and token."""

    process: subprocess.Popen[str]
    url: str
    token: str
    first_user: int = 0

    @property
    def bot_api_base(self) -> str:
        return f"{self.url}/bot"


@contextlib.contextmanager
def sandbox_process(
    flood: str = "off",
    token: str = BENCH_TOKEN,
    users: int = 0,
    start_timeout: float = 120.0,
    trace: Path | None = None,
) -> Iterator[SandboxProcess]:
    """Run the sandbox in a child process on a free loopback port; stop it on exit.

    With ``trace``, the sandbox writes what it served there (``_sandbox_host.py --trace``).

    With ``users``, that many users are created up front (ids ``first_user`` onwards) with
    their chat already open, so the bot may write to them first.
    """
    process = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "bench" / "_sandbox_host.py")),
            *("--users", str(users), "--flood", flood, "--token", token),
            *(("--trace", str(trace)) if trace is not None else ()),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + start_timeout
        url = None
        first = 0
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("sandbox listening on "):
                url = line.split()[-1].strip()
            if line.startswith("users "):
                first = int(line.split()[1].split("..")[0])
                break
        if url is None:
            raise RuntimeError("the sandbox did not start")
        yield SandboxProcess(process, url, token, first)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by the nearest-rank method."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def rss_mib() -> float:
    """Resident memory of this process, MiB (VmRSS from /proc, else ru_maxrss)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mib() -> float:
    """Peak resident memory of this process, MiB (VmHWM from /proc, else ru_maxrss)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sandbox_settings(base_url: str, token: str, db_path: Path, **sections: Any) -> Any:
    """Bot settings for a sandbox at ``base_url`` and an SQLite file (no config file read)."""
    from bot.config import Settings

    data: dict[str, Any] = {
        "telegram": {"token": token, "base_url": base_url},
        "database": {"url": f"sqlite+aiosqlite:///{db_path}"},
        "logging": {"level": "WARNING"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Settings.model_validate(data)


def quiet_logs() -> None:
    """Warnings only (a benchmark's output is its figures)."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore", "apscheduler", "telegram", "tornado.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def cpu_note() -> str:
    """A one-line description of the machine, printed with the figures."""
    return f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, {sys.platform}"


# -- playing an athlete ----------------------------------------------------------------------

#: Typed answers by question id (the rest: a number inside the range, or a time of day).
TYPED = {
    "days_since_diagnosis": "21",
    "weekly_volume_km": "40",
    "timezone_other": "Europe/Paris",
    "morning_time": "07:00",
    "evening_time": "20:00",
    "reds_previous_bsi": "0",
    "heel_raises": "25",
    "note": "fine",
}
#: Yes/no answers by question id (the rest: no, which is the benign answer of a symptom).
YES_NO = {"consent": "y", "walk_30min_pain_free": "y", "hop_test_pain_free": "y"}


@dataclass(frozen=True)
class Action:
    """One answer: press the button whose callback token is ``token``, or type ``text``."""

    token: str | None = None
    text: str | None = None


def answer_tokens(callback_data: str) -> tuple[int, str] | None:
    """``(question index, token)`` of an answer button ``v1:a:<nonce>:<index>:<token>``."""
    parts = callback_data.split(":")
    if len(parts) == 5 and parts[1] == "a" and parts[3].isdigit():
        return int(parts[3]), parts[4]
    return None


def choose(question: Any, tokens: Sequence[str]) -> Action:
    """The benign answer to ``question`` among the offered button ``tokens``."""
    kind = str(question.type.value if hasattr(question.type, "value") else question.type)
    if kind == "yes_no":
        return Action(token=YES_NO.get(question.id, "n"))
    if kind == "scale":
        return Action(token="0")
    if kind == "choice":
        return Action(token="0")
    if kind == "multi":
        return Action(token="none")  # the safety screen: "None of these"
    if "skip" in tokens and question.id not in TYPED:
        return Action(token="skip")
    return Action(text=typed_answer(question))


def typed_answer(question: Any) -> str:
    """A valid typed answer to ``question``."""
    if question.id in TYPED:
        return TYPED[question.id]
    kind = str(question.type.value if hasattr(question.type, "value") else question.type)
    if kind == "time_of_day":
        return "08:00"
    if kind == "number":
        low = question.min if question.min is not None else 0
        return str(int(low) + 1)
    return "ok"


@dataclass
class Step:
    """One calibrated answer: what to do and how many bot messages answer it."""

    action: Action
    replies: int


async def current_question(store: Any, questionnaires: Any, telegram_id: int) -> Any | None:
    """The question the athlete's open dialogue is at (None when no dialogue is open)."""
    from bot.dialogue import driver as dialogue_driver
    from bot.storage import get_athlete_by_telegram_id, get_dialogue

    async with store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_id)
        if athlete is None or athlete.id is None:
            return None
        dialogue = await get_dialogue(session, athlete.id)
    if dialogue is None:
        return None
    position = dialogue_driver.position(questionnaires, dialogue)
    return None if position is None else position.question


async def perform(chat: Any, message: Any, action: Action) -> None:
    """Press the button with ``action.token`` on ``message``, or type ``action.text``."""
    if action.token is not None:
        for row in message.buttons:
            for button in row:
                parsed = answer_tokens(button.callback_data or "")
                if parsed is not None and parsed[1] == action.token:
                    await chat.press_data(message.message_id, button.callback_data)
                    return
        raise RuntimeError(f"no button {action.token!r} on {message.text[:60]!r}")
    assert action.text is not None
    await chat.send(action.text)


async def drain(chat: Any, first: Any, quiet: float = 0.3) -> list[Any]:
    """``first`` and every bot message that follows within ``quiet`` seconds of the last."""
    messages = [first]
    while True:
        try:
            messages.append(await chat.next_message(timeout=quiet))
        except AssertionError:
            return messages


async def autopilot(
    chat: Any, store: Any, questionnaires: Any, telegram_id: int, first: Any, max_steps: int = 80
) -> tuple[list[Step], list[Any]]:
    """Answer the open questionnaire to its end with benign answers; returns the calibrated
    steps and the bot messages that followed the last answer. ``questionnaires`` is
    ``services.questionnaires`` of the running application."""
    steps: list[Step] = []
    tail: list[Any] = await drain(chat, first)
    with_buttons = [m for m in tail if m.buttons]
    message = with_buttons[-1] if with_buttons else tail[-1]
    for _ in range(max_steps):
        question = await current_question(store, questionnaires, telegram_id)
        if question is None:
            return steps, tail
        tokens = [
            parsed[1]
            for row in message.buttons
            for b in row
            if (parsed := answer_tokens(b.callback_data or "")) is not None
        ]
        action = choose(question, tokens) if tokens else Action(text=typed_answer(question))
        await perform(chat, message, action)
        tail = await drain(chat, await chat.next_message(timeout=30))
        steps.append(Step(action, len(tail)))
        with_buttons = [m for m in tail if m.buttons]
        message = with_buttons[-1] if with_buttons else tail[-1]
    raise RuntimeError("the questionnaire did not end")


# -- a lean load generator -------------------------------------------------------------------


class LeanHttp:
    """One keep-alive HTTP/1.1 connection to the sandbox, JSON in and out.

    The load generator plays up to thousands of users at once; httpx's pool scans every
    connection on every request (quadratic at that size), which would make the *driver*
    the bottleneck. One raw connection per user costs a few microseconds per request.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: Any = None
        self._writer: Any = None

    @classmethod
    def for_url(cls, url: str) -> LeanHttp:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        import asyncio
        import json

        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self._writer.write(head.encode() + data)
        await self._writer.drain()
        status_line = await self._reader.readline()
        length = 0
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        payload = json.loads(await self._reader.readexactly(length)) if length else {}
        if not payload.get("ok"):
            raise RuntimeError(f"{status_line.decode().strip()}: {payload.get('description')}")
        return payload["result"]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class LeanChat:
    """The parts of ``sandbox.driver.ChatDriver`` a benchmark needs, on :class:`LeanHttp`."""

    def __init__(self, url: str, user_id: int) -> None:
        self.http = LeanHttp.for_url(url)
        self.user_id = user_id
        self.seen = 0

    async def send(self, text: str) -> None:
        body = {"chat_id": self.user_id, "from_user_id": self.user_id, "text": text}
        await self.http.request("POST", "/sandbox/messages", body)

    async def press_data(self, message_id: int, data: str) -> None:
        body = {
            "chat_id": self.user_id,
            "from_user_id": self.user_id,
            "message_id": message_id,
            "callback_data": data,
        }
        await self.http.request("POST", "/sandbox/callbacks", body)

    async def next_message(self, timeout: float = 60.0) -> Any:  # noqa: ASYNC109
        """The next bot message (a ``sandbox.driver.BotMessage``)."""
        from sandbox.driver import BotMessage

        deadline = time.monotonic() + timeout
        while True:
            wait = max(0.0, deadline - time.monotonic())
            entries = await self.http.request(
                "GET",
                f"/sandbox/chats/{self.user_id}/messages?after_message_id={self.seen}"
                f"&wait={wait:.3f}",
            )
            for entry in entries:
                if entry["side"] == "bot":
                    self.seen = entry["message_id"]
                    return BotMessage.from_entry(entry)
            if time.monotonic() >= deadline:
                raise AssertionError(f"no new bot message in chat {self.user_id}")

    async def close(self) -> None:
        await self.http.close()


@contextlib.asynccontextmanager
async def bench_store(database_url: str | None, sqlite_path: Path) -> Any:
    """The bot's store for a benchmark: an SQLite file, or a private schema on the
    PostgreSQL server of ``database_url`` (created here, dropped afterwards)."""
    import uuid

    from bot.storage import Store, create_engine

    if not database_url or database_url.startswith("sqlite"):
        store = Store.from_url(database_url or f"sqlite+aiosqlite:///{sqlite_path}")
        try:
            yield store
        finally:
            await store.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url)
    async with admin.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    store = Store(
        create_engine(database_url, connect_args={"server_settings": {"search_path": schema}})
    )
    try:
        yield store
    finally:
        await store.dispose()
        async with admin.begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()
