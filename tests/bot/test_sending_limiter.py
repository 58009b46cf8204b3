"""Every Bot API call that sends or edits goes through the pacer (PTB's rate-limiter hook)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.sending import SendStatus, send_with_policy
from bot.sending.limiter import PacingRateLimiter


class RecordingPacer:
    def __init__(self) -> None:
        self.log: list[tuple[str, int, float | None]] = []

    async def wait(self, chat_id: int) -> None:
        self.log.append(("message", chat_id, None))

    async def wait_call(self, chat_id: int) -> None:
        self.log.append(("call", chat_id, None))

    def hold(self, chat_id: int, seconds: float) -> None:
        self.log.append(("hold", chat_id, seconds))


async def _ok(*_args: Any, **_kwargs: Any) -> bool:
    return True


def answering(answers: list[object]) -> Callable[..., Coroutine[Any, Any, bool]]:
    """A Bot API call that raises or returns each of ``answers`` in turn (one per call)."""

    async def call(*_args: Any, **_kwargs: Any) -> bool:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return True

    return call


@pytest.mark.parametrize(
    ("endpoint", "data", "expected"),
    [
        ("editMessageText", {"chat_id": 5, "message_id": 1}, [("call", 5, None)]),
        ("editMessageReplyMarkup", {"chat_id": 5}, [("call", 5, None)]),
        ("answerCallbackQuery", {"callback_query_id": "x"}, []),
        ("leaveChat", {"chat_id": -100}, [("call", -100, None)]),
        ("sendMessage", {"chat_id": 5, "text": "hi"}, [("message", 5, None)]),
        ("getMe", {}, []),
        ("getUpdates", {"timeout": 10}, []),
        ("setMyCommands", {"commands": []}, []),
    ],
)
async def test_each_sending_endpoint_takes_a_slot(
    endpoint: str, data: dict[str, Any], expected: list[tuple[str, int, None]]
) -> None:
    pacer = RecordingPacer()
    limiter = PacingRateLimiter(pacer)
    assert await limiter.process_request(_ok, (), {}, endpoint, data, None) is True
    assert pacer.log == expected


async def test_a_message_sent_by_the_policy_is_not_paced_twice() -> None:
    pacer = RecordingPacer()
    limiter = PacingRateLimiter(pacer)

    async def call() -> Any:
        return await limiter.process_request(
            _ok, (), {}, "sendMessage", {"chat_id": 9, "text": "x"}, None
        )

    outcome = await send_with_policy(call, chat_id=9, pacer=pacer)
    assert outcome.status is SendStatus.SENT
    assert pacer.log == [("message", 9, None)], "one slot: the policy's"


async def test_a_flood_answer_to_a_toast_is_waited_out_and_retried_once() -> None:
    pacer = RecordingPacer()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = PacingRateLimiter(pacer, sleep=sleep)
    answers: list[object] = [RetryAfter(timedelta(seconds=2)), True]

    flaky = answering(answers)

    data = {"callback_query_id": "q"}
    assert await limiter.process_request(flaky, (), {}, "answerCallbackQuery", data, None)
    assert slept == [2.0]
    assert answers == [], "retried once"
    assert pacer.log == [], "a toast takes no slot, before or after the wait"


async def test_a_flood_answer_to_an_edit_holds_the_chat_and_retries_once() -> None:
    pacer = RecordingPacer()
    limiter = PacingRateLimiter(pacer)
    answers: list[object] = [RetryAfter(timedelta(seconds=3)), True]

    flaky = answering(answers)

    assert await limiter.process_request(flaky, (), {}, "editMessageText", {"chat_id": 4}, None)
    assert pacer.log == [("call", 4, None), ("hold", 4, 3.0), ("call", 4, None)]


def test_the_application_is_built_with_the_pacing_limiter(tmp_path: Any) -> None:
    from bot.cli import installed_content_dir
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.run_mode import build_app
    from bot.storage import Store
    from flows.library import load_library

    settings = Settings.model_validate(
        {"telegram": {"token": "1:" + "a" * 35}, "database": {"url": "sqlite://"}}
    )
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    app = build_app(
        settings,
        library=load_library(installed_content_dir()),
        store=store,
        clock=SystemClock(),
    )
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, PacingRateLimiter)
    assert limiter.pacer is app.bot_data.services.pacer
