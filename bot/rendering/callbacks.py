"""Callback data: short, versioned, at most 64 bytes.

Forms (fields separated by ``:``)::

    v1:a:<nonce>:<question index>:<option>         an answer to a dialogue question
    v1:<kind>:<arg>                                 a menu press (learn topic, settings field…)

The dialogue nonce is random per dialogue, so a press on an old keyboard (yesterday's
check-in) or on another athlete's message resolves to a closed or foreign dialogue and is
refused; the question index makes a second press on an already answered question harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64

ANSWER = "a"


class CallbackDataError(ValueError):
    """Callback data that is not ours, of an unknown version, or malformed."""


@dataclass(frozen=True, slots=True)
class CallbackData:
    """A decoded button press."""

    kind: str
    args: tuple[str, ...]

    @property
    def is_answer(self) -> bool:
        return self.kind == ANSWER and len(self.args) == 3

    @property
    def nonce(self) -> str:
        return self.args[0]

    @property
    def question_index(self) -> int:
        return int(self.args[1])

    @property
    def option(self) -> str:
        """The option token: an option index, a scale value, ``y``/``n`` or ``skip``."""
        return self.args[2]


def encode(kind: str, *args: object) -> str:
    """Encode a press; raises :class:`CallbackDataError` if the result would exceed 64 bytes."""
    fields = [VERSION, kind, *(str(a) for a in args)]
    if any(":" in f or not f for f in fields[1:]):
        raise CallbackDataError(f"callback fields must be non-empty and free of ':': {fields}")
    data = ":".join(fields)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def answer(nonce: str, question_index: int, option: str | int) -> str:
    """Callback data of one answer button."""
    return encode(ANSWER, nonce, question_index, option)


def decode(data: str | None) -> CallbackData:
    """Decode callback data; raises :class:`CallbackDataError` for anything not ours."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError("empty or oversized callback data")
    fields = data.split(":")
    if len(fields) < 2 or fields[0] != VERSION or not fields[1]:
        raise CallbackDataError(f"unknown callback data {data!r}")
    parsed = CallbackData(kind=fields[1], args=tuple(fields[2:]))
    if parsed.kind == ANSWER:
        if len(parsed.args) != 3 or not parsed.args[0]:
            raise CallbackDataError(f"malformed answer {data!r}")
        # ASCII only: "²".isdigit() is true, and int() refuses it (a forged press).
        if not (parsed.args[1].isascii() and parsed.args[1].isdigit()) or not parsed.args[2]:
            raise CallbackDataError(f"malformed answer {data!r}")
    return parsed
