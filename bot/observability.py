"""Structured logs (one JSON object per line) and optional error tracking with Sentry.

Both see what the text logs see, through the same redaction (:mod:`bot.sending.redaction`):
the bot token, the webhook secret and anything shaped like a token are replaced, and payloads
of python-telegram-bot's records (updates, call parameters: an athlete's answers are health
data) are reduced to ids.

**JSON logs** (``[logging] format = "json"``, ``REMODEL_LOG_FORMAT=json``): :class:`JsonFormatter`
writes ``{"ts", "level", "logger", "message"[, "exc"]}``; the redacting filter on the handler
has already rewritten the record when the formatter runs.

**Sentry** (``[logging] sentry_dsn``, ``REMODEL_SENTRY_DSN``): :func:`init_sentry` sends
unhandled exceptions and records at ERROR and above. Sentry's logging integration reads a
record *before* our handlers' filters run, so every event and breadcrumb goes through
:func:`scrub` in ``before_send`` / ``before_breadcrumb``: strings are redacted; a record of a
``telegram`` logger keeps its template with the arguments reduced (as in the logs); ``extra``,
breadcrumb data, request bodies and local variables are never sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from bot.sending.redaction import PAYLOAD, redact, runtime_secrets, summarize_argument

__all__ = ["JsonFormatter", "init_sentry", "scrub"]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            body["exc"] = record.exc_text
        if record.stack_info:
            body["stack"] = record.stack_info
        return json.dumps(body, ensure_ascii=False)


def _scrub_value(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v, secrets) for v in value]
    return value


def _logentry(entry: dict[str, Any], logger: str) -> dict[str, Any]:
    """A logging event's text with the arguments of telegram's records reduced to ids."""
    template = str(entry.get("message", ""))
    params = entry.get("params") or ()
    if logger.startswith("telegram") and params:
        args = params if isinstance(params, list | tuple) else (params,)
        try:
            formatted = template % tuple(summarize_argument(a) for a in args)
        except (TypeError, ValueError):
            formatted = f"{template} {PAYLOAD}"
        return {"message": formatted}
    given = entry.get("formatted")
    if given is not None:
        return {"message": str(given)}
    try:
        return {"message": template % tuple(params) if params else template}
    except (TypeError, ValueError):
        return {"message": template}


def scrub(event: dict[str, Any], secrets: Iterable[str] = ()) -> dict[str, Any]:
    """An event (or breadcrumb) fit to leave the process: see the module doc."""
    known = tuple(s for s in (*secrets, *runtime_secrets()) if s)
    event = dict(event)
    event.pop("extra", None)
    event.pop("request", None)
    if "logentry" in event and isinstance(event["logentry"], dict):
        event["logentry"] = _logentry(event["logentry"], str(event.get("logger", "")))
    if "data" in event and "category" in event:  # a breadcrumb
        event.pop("data", None)
        if str(event.get("category", "")).startswith("telegram"):
            event["message"] = PAYLOAD
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        event["breadcrumbs"] = {
            "values": [scrub(b, known) for b in breadcrumbs["values"] if isinstance(b, dict)]
        }
    for frame_holder in _frames(event):
        frame_holder.pop("vars", None)
    scrubbed: dict[str, Any] = _scrub_value(event, known)
    return scrubbed


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    for exception in (event.get("exception") or {}).get("values") or []:
        frames.extend((exception.get("stacktrace") or {}).get("frames") or [])
    for thread in (event.get("threads") or {}).get("values") or []:
        frames.extend((thread.get("stacktrace") or {}).get("frames") or [])
    return frames


def init_sentry(
    dsn: str,
    secrets: Iterable[str] = (),
    *,
    environment: str | None = None,
    transport: Any = None,
) -> Callable[[], None]:
    """Start error tracking with the scrubbing above; returns a function that flushes and
    stops it. ``transport`` replaces the network (tests)."""
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    known = tuple(secrets)

    def before_send(event: Any, _hint: Any) -> Any:
        return scrub(event, known)

    def before_breadcrumb(crumb: Any, _hint: Any) -> Any:
        return scrub(crumb, known)

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
        "integrations": [LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        "default_integrations": True,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)

    def close() -> None:
        client = sentry_sdk.get_client()
        client.flush(timeout=5)
        client.close()

    return close
