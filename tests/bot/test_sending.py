"""Flood pacing (fake monotonic clock), the Telegram error policy (PTB's real exception
classes) and token redaction in logs."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.config import SendingSettings
from bot.sending import (
    FloodPacer,
    RedactTokenFilter,
    SendOutcome,
    SendStatus,
    install_token_redaction,
    redact,
    send_with_policy,
)
from bot.sending.pacer import background_sends

TOKEN = "123456789:" + "AAHk-very_secret-PART-0123456789abcdefXYZ"  # made up, token-shaped


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        count = sum(1 for t in times[i:] if t < start + window - 1e-9)
        best = max(best, count)
    return best


def pacer_on(fake: FakeTime, **settings: Any) -> FloodPacer:
    return FloodPacer(
        SendingSettings.model_validate(settings), monotonic=fake.monotonic, sleep=fake.sleep
    )


# --- pacing -----------------------------------------------------------------------------------


async def slots_for(fake: FakeTime, pacer: FloodPacer, chats: list[int]) -> list[float]:
    slots = []
    for chat_id in chats:
        await pacer.wait(chat_id)
        slots.append(fake.now)
    return slots


async def test_a_crowd_is_spread_at_the_global_rate() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake)
    slots = await slots_for(fake, pacer, list(range(1, 301)))
    assert max_in_window(slots, 1.0) <= 30
    # ...and the rate is used, not wasted: a burst of 3, then 28/s (3 + 27 start in any 1 s).
    assert slots[2] == pytest.approx(slots[0])
    assert slots[-1] - slots[0] == pytest.approx(297 / 28)


async def test_sends_arriving_at_any_pace_stay_within_the_window_limit() -> None:
    """Bursts after pauses, trickles, crowds, replies among scheduled sends: never more than
    global_per_second in 1 s."""
    rng = random.Random(7)
    for burst in (1, 3, 10):
        fake = FakeTime()
        pacer = pacer_on(fake, global_burst=burst)
        slots = []
        for chat in range(1, 400):
            fake.now += rng.choice((0.0, 0.0, 0.01, 0.05, 0.3, 1.5))
            # Replies and the ticker's scheduled sends, mixed.
            with background_sends() if rng.random() < 0.5 else contextlib.nullcontext():
                await pacer.wait(chat)
            slots.append(fake.now)
        assert max_in_window(slots, 1.0) <= 30, burst


async def test_a_reply_after_a_quiet_moment_does_not_wait_a_slot() -> None:
    """Two athletes' replies a few ms apart both go at once (light load); with global_burst
    = 1 the second waited 1/30 s."""
    for burst, second in ((3, 0.0), (1, 1 / 30)):
        fake = FakeTime()
        pacer = pacer_on(fake, global_burst=burst)
        await pacer.wait(1)
        fake.now += 0.004
        arrived = fake.now
        await pacer.wait(2)
        assert fake.now - arrived == pytest.approx(max(0.0, second - 0.004)), burst


async def test_a_reply_does_not_queue_behind_a_scheduled_crowd() -> None:
    """The ticker sends up to ``concurrency`` messages at once. Each used to reserve the next
    global slot, so a reply to a tap made just then waited behind all of them (32 sends:
    over a second). A background send takes a slot only from a full bucket, so the rest of
    the burst stays free: two replies at the same moment both go at once."""
    for background, reply_delays in (
        (False, [30 / 28, 31 / 28]),
        (True, [0.0, 0.0]),
    ):
        fake = FakeTime()
        pacer = pacer_on(fake)  # 30/s: a burst of 3, then 28/s
        taken = [pacer.try_reserve(chat, background=background)[0] for chat in range(1, 33)]
        assert sum(taken) == (1 if background else 32)
        replies = [pacer.try_reserve(10_000 + n) for n in range(2)]
        assert replies == [(True, pytest.approx(d)) for d in reply_delays], background


async def test_background_deletions_leave_a_replys_edit_its_slot() -> None:
    """Edits and deletions share a bucket of their own: the deletions of finished check-ins'
    trails (background) take a slot only from a full bucket, so two answers' recap edits
    made just then both go at once."""
    for background, edit_delays in ((False, [1 / 28, 1 / 28]), (True, [0.0, 0.0])):
        fake = FakeTime()
        pacer = pacer_on(fake)  # a burst of 3, then 28/s
        with background_sends() if background else contextlib.nullcontext():
            for chat in range(1, 4):
                await pacer.wait_call(chat)
        # Background, the second and third deletions each waited for the bucket to refill.
        assert fake.now - 1000.0 == pytest.approx(2 / 28 if background else 0.0)
        for number, delay in enumerate(edit_delays):
            before = fake.now
            await pacer.wait_call(10_000 + number)
            assert fake.now - before == pytest.approx(delay), background


async def test_a_scheduled_crowd_keeps_the_steady_rate() -> None:
    """Leaving the burst to replies costs the crowd its first burst, not its rate; with
    global_burst = 1 there is no burst to leave and nothing changes."""
    for burst, span in ((3, 59 / 28), (1, 59 / 30)):
        fake = FakeTime()
        pacer = pacer_on(fake, global_burst=burst)
        with background_sends():
            slots = await slots_for(fake, pacer, list(range(1, 61)))
        assert slots[-1] - slots[0] == pytest.approx(span), burst


def test_a_burst_beyond_the_window_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="global_burst"):
        SendingSettings(global_per_second=2, global_burst=3)


async def test_one_private_chat_gets_a_short_burst_then_one_per_second() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake, per_chat_burst=3)
    slots = await slots_for(fake, pacer, [42] * 10)
    assert slots[2] - slots[0] < 0.1  # the burst
    gaps = [b - a for a, b in itertools.pairwise(slots[3:])]
    assert all(gap == pytest.approx(1.0) for gap in gaps)


async def test_a_group_gets_at_most_twenty_per_minute() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake)
    slots = await slots_for(fake, pacer, [-100777] * 45)
    assert max_in_window(slots, 60.0) <= 20


async def test_wait_sleeps_until_the_slot() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake)
    for chat in range(1, 6):  # three back to back, then one slot at 28/s each
        await pacer.wait(chat)
    assert fake.sleeps == [pytest.approx(1 / 28), pytest.approx(1 / 28)]


def test_hold_after_retry_after_does_not_hold_other_chats() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake, global_burst=1)
    pacer.hold(42, 7.0)
    assert pacer.try_reserve(42) == (False, pytest.approx(7.0))
    assert pacer.try_reserve(43) == (True, 0.0)
    assert pacer.try_reserve(44) == (True, pytest.approx(1 / 30))


def test_pacing_state_stays_bounded() -> None:
    fake = FakeTime()
    pacer = pacer_on(fake)
    for chat_id in range(1, 20_001):
        assert pacer.try_reserve(chat_id)[0]
        fake.now += 0.05
    assert pacer.tracked_chats < 2_100  # recent chats only, not all 20,000


# --- error policy -----------------------------------------------------------------------------


def failing(*errors: Exception, result: object = "message") -> tuple[Callable[[], Any], list[int]]:
    calls: list[int] = []
    queue = list(errors)

    async def call() -> object:
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return result

    return call, calls


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_retry_after_waits_then_sends() -> None:
    fake = FakeTime()
    call, calls = failing(RetryAfter(3))
    outcome = await send_with_policy(call, chat_id=5, pacer=pacer_on(fake), sleep=fake.sleep)
    assert outcome == SendOutcome(SendStatus.SENT, value="message")
    assert len(calls) == 2
    assert sum(fake.sleeps) >= 3.0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_retry_after_without_pacer_sleeps() -> None:
    fake = FakeTime()
    call, _ = failing(RetryAfter(2), RetryAfter(4))
    outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep)
    assert outcome.status is SendStatus.SENT
    assert fake.sleeps == [2.0, 4.0]


async def test_network_errors_back_off_exponentially() -> None:
    fake = FakeTime()
    call, calls = failing(TimedOut(), NetworkError("reset"))
    outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep, base_backoff=0.5)
    assert outcome.status is SendStatus.SENT
    assert fake.sleeps == [0.5, 1.0]
    assert len(calls) == 3


async def test_network_retries_are_bounded() -> None:
    fake = FakeTime()
    call, calls = failing(*(TimedOut() for _ in range(10)))
    outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep, max_network_attempts=4)
    assert outcome.status is SendStatus.FAILED
    assert len(calls) == 4


def caused_by(exc: NetworkError, cause: BaseException) -> NetworkError:
    """``exc`` as python-telegram-bot raises it: ``raise TimedOut from httpx.ReadTimeout``."""
    exc.__cause__ = cause
    return exc


async def test_at_most_once_does_not_resend_what_may_have_been_delivered() -> None:
    for exc in (
        caused_by(TimedOut(), httpx.ReadTimeout("read")),
        caused_by(TimedOut(), httpx.WriteTimeout("write")),
        caused_by(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")),
    ):
        fake = FakeTime()
        call, calls = failing(exc)
        outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep, at_most_once=True)
        assert outcome.status is SendStatus.UNCERTAIN
        assert (len(calls), fake.sleeps) == (1, [])


async def test_at_most_once_still_retries_what_never_reached_telegram() -> None:
    fake = FakeTime()
    call, calls = failing(
        caused_by(TimedOut(), httpx.ConnectTimeout("connect")),
        caused_by(TimedOut(), httpx.PoolTimeout("pool")),
        caused_by(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
        NetworkError("Bad Gateway"),  # the server answered 502: it did not act on it
    )
    outcome = await send_with_policy(
        call, chat_id=5, sleep=fake.sleep, at_most_once=True, max_network_attempts=5
    )
    assert outcome.status is SendStatus.SENT
    assert len(calls) == 5


async def test_without_at_most_once_a_time_out_is_retried() -> None:
    fake = FakeTime()
    call, calls = failing(caused_by(TimedOut(), httpx.ReadTimeout("read")))
    outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep)
    assert outcome.status is SendStatus.SENT
    assert len(calls) == 2


async def test_bad_request_is_not_retried_although_it_is_a_network_error() -> None:
    assert issubclass(BadRequest, NetworkError)
    fake = FakeTime()
    call, calls = failing(BadRequest("Bad Request: message text is empty"))
    outcome = await send_with_policy(call, chat_id=5, sleep=fake.sleep)
    assert outcome.status is SendStatus.FAILED
    assert outcome.error is not None
    assert "message text is empty" in outcome.error.lower()
    assert (len(calls), fake.sleeps) == (1, [])


async def test_forbidden_means_blocked() -> None:
    call, _ = failing(Forbidden("Forbidden: bot was blocked by the user"))
    assert (await send_with_policy(call, chat_id=5)).status is SendStatus.BLOCKED


async def test_chat_migrated_carries_the_new_id() -> None:
    call, _ = failing(ChatMigrated(-1001234567890))
    outcome = await send_with_policy(call, chat_id=-5)
    assert (outcome.status, outcome.new_chat_id) == (SendStatus.MIGRATED, -1001234567890)


async def test_other_telegram_errors_fail() -> None:
    call, _ = failing(Conflict("terminated by other getUpdates request"))
    assert (await send_with_policy(call, chat_id=5)).status is SendStatus.FAILED


async def test_programming_errors_propagate() -> None:
    call, _ = failing(ValueError("bug"))
    with pytest.raises(ValueError, match="bug"):
        await send_with_policy(call, chat_id=5)


def test_sent_outcome_picks_up_the_message_id() -> None:
    class Message:
        message_id = 99

    assert SendOutcome.sent(Message()).message_id == 99


# --- redaction --------------------------------------------------------------------------------


def test_redact_removes_token_and_token_shaped_strings() -> None:
    other = "987654:" + "x" * 35
    text = f"url https://api.telegram.org/bot{TOKEN}/getMe and {other}"
    cleaned = redact(text, [TOKEN])
    assert TOKEN not in cleaned
    assert other not in cleaned
    assert "https://api.telegram.org/bot<redacted>/getMe" in cleaned


def test_log_records_never_carry_the_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    handler.addFilter(RedactTokenFilter(TOKEN))
    logger = logging.getLogger("httpx")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
        logger.info('HTTP Request: %s %s "%s"', "POST", url, "HTTP/1.1 200 OK")
        logger.warning("secret part alone: %s", TOKEN.split(":", 1)[1])
        try:
            raise RuntimeError(f"failed calling {url}")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "HTTP Request: POST https://api.telegram.org/bot<redacted>/sendMessage" in output
    assert "RuntimeError" in output
    assert TOKEN not in output
    assert TOKEN.split(":", 1)[1] not in output


def test_install_token_redaction_covers_root_handlers() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger("remodel-test-root")
    root.addHandler(handler)
    root.propagate = False
    try:
        install_token_redaction(TOKEN, root)
        root.error("token=%s", TOKEN)
    finally:
        root.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert "<redacted>" in stream.getvalue()
