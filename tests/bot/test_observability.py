"""JSON logs and Sentry events go through the same redaction as the text logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Update

from bot.cli import setup_logging
from bot.observability import init_sentry, scrub

TOKEN = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up
ANSWER = "my shin throbs at night"  # an athlete's answer: health data


def update_with_answer() -> Update:
    return Update.de_json(
        {
            "update_id": 77,
            "message": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "Ann"},
                "text": ANSWER,
            },
        },
        None,
    )


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_are_one_object_per_line_and_redacted() -> None:
    stream = io.StringIO()
    setup_logging(logging.INFO, [TOKEN], stream=stream, json_format=True)
    logging.getLogger("remodel.test").info("calling %s/bot%s/getMe", "https://x", TOKEN)
    logging.getLogger("telegram.ext").error("could not process %s", update_with_answer())
    try:
        raise RuntimeError(f"boom at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("remodel.test").exception("failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["INFO", "ERROR", "ERROR"]
    assert lines[0]["logger"] == "remodel.test"
    assert lines[0]["ts"].endswith("+00:00")
    assert "RuntimeError" in lines[2]["exc"]
    text = stream.getvalue()
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert ANSWER not in text
    assert "<update 77>" in lines[1]["message"]


class CaptureTransport:
    """A Sentry transport that keeps the envelopes instead of sending them."""

    def __init__(self, options: Any = None) -> None:
        self.options = options
        self.envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)

    def flush(self, timeout: float, callback: Any = None) -> None:
        return None

    def kill(self) -> None:
        return None

    def is_healthy(self) -> bool:
        return True

    def record_lost_event(self, *args: Any, **kwargs: Any) -> None:
        return None


def events_of(transport: CaptureTransport) -> list[dict[str, Any]]:
    events = []
    for envelope in transport.envelopes:
        for item in envelope.items:
            if item.type == "event":
                events.append(item.payload.json)
    return events


@pytest.mark.usefixtures("restore_logging")
def test_sentry_events_are_scrubbed_before_they_leave() -> None:
    import sentry_sdk
    from sentry_sdk.transport import Transport

    class Capture(CaptureTransport, Transport):
        pass

    transport = Capture()
    setup_logging(logging.INFO, [TOKEN], stream=io.StringIO())
    close = init_sentry("https://public@sentry.example.invalid/1", [TOKEN], transport=transport)
    try:
        # A breadcrumb: PTB logs whole updates at DEBUG/INFO when asked to.
        logging.getLogger("telegram.ext").info("Processing update %s", update_with_answer())
        logging.getLogger("telegram.ext").error(
            "error while processing %s", update_with_answer(), extra={"answer": ANSWER}
        )
        try:
            raise ValueError(f"bad request to /bot{TOKEN}/sendMessage")
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
    finally:
        close()
    events = events_of(transport)
    assert len(events) == 2, "the logged error and the exception"
    sent = json.dumps(events)
    assert TOKEN not in sent
    assert TOKEN.split(":")[1] not in sent
    assert ANSWER not in sent
    assert "<update 77>" in sent, "ids stay, so an operator can find the update"
    assert all("extra" not in event for event in events)


def test_scrub_drops_local_variables_and_request_bodies() -> None:
    event = {
        "request": {"data": ANSWER},
        "exception": {
            "values": [
                {
                    "value": f"token {TOKEN}",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"text": ANSWER}}]},
                }
            ]
        },
    }
    clean = scrub(event, [TOKEN])
    assert ANSWER not in json.dumps(clean)
    assert TOKEN not in json.dumps(clean)
    assert clean["exception"]["values"][0]["stacktrace"]["frames"][0] == {"function": "f"}
