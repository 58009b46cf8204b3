"""Plural phrases and numbers per language (Babel's CLDR rules), and their validation."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from pydantic import ValidationError

from flows.library import formats
from flows.library.languages import choose_language
from flows.library.loader import Library, render_message
from flows.library.plurals import categories, category, fill, number
from flows.library.schema import Message, MessagesFile
from flows.library.validate import validate_library

DAYS = Message(
    text="You have {days_left} at this phase.",
    params=["days_left"],
    plurals={"days_left": {"one": "{days_left} more day", "other": "{days_left} more days"}},
)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "You have 1 more day at this phase."),
        (21, "You have 21 more days at this phase."),
        (0, "You have 0 more days at this phase."),
        (2, "You have 2 more days at this phase."),
    ],
)
def test_english_plurals_never_say_day_s(count: int, text: str) -> None:
    assert render_message(DAYS, {"days_left": count}, "en") == text


def test_the_real_min_dwell_reason_reads_right(library: Library) -> None:
    message = library.decisions.messages["reason.min_dwell"]
    assert "(s)" not in message.text
    assert "1 more day at" in render_message(message, {"days_left": 1}, "en")
    assert "21 more days at" in render_message(message, {"days_left": 21}, "en")


def test_polish_takes_few_and_many_from_cldr() -> None:
    forms = {"one": "{n} dzień", "few": "{n} dni (few)", "many": "{n} dni", "other": "{n} dnia"}
    assert [category("pl", n) for n in (1, 2, 5, 22, 1.5)] == ["one", "few", "many", "few", "other"]
    assert fill({"n": forms}, {"n": 22}, "pl") == {"n": "22 dni (few)"}
    assert categories("pl") == {"one", "few", "many", "other"}
    assert categories("en") == {"one", "other"}


def test_numbers_are_written_the_locales_way_and_escaped() -> None:
    assert number("de", 1234.5) == "1.234,5"
    assert number("en", 1234.5) == "1,234.5"
    forms = {"n": {"one": "<b>{n}</b> km", "other": "<b>{n}</b> km"}}
    assert fill(forms, {"n": "<i>"}, "en", escape=lambda v: v.replace("<", "&lt;")) == {
        "n": "<b>&lt;i></b> km"
    }


def test_unknown_language_falls_back_to_english_rules() -> None:
    assert category("xx-nowhere", 1) == "one"


def test_plural_phrases_are_validated() -> None:
    with pytest.raises(ValidationError, match="`other` form is required"):
        Message(text="{n}", params=["n"], plurals={"n": {"one": "{n} day"}})
    with pytest.raises(ValidationError, match="not one of the params"):
        Message(text="{n}", params=["n"], plurals={"m": {"other": "{m}"}})
    with pytest.raises(ValidationError, match="placeholders"):
        Message(text="{n}", params=["n"], plurals={"n": {"other": "{n} of {total}"}})


def test_a_language_needs_every_plural_category(library: Library) -> None:
    thin = MessagesFile(messages={**library.decisions.messages, "x.days": DAYS})
    polish = dataclasses.replace(library, language="pl", decisions=thin)
    problems = validate_library(polish)
    assert any("x.days: plurals.days_left" in p and "few" in p for p in problems), problems


@pytest.mark.parametrize(
    ("code", "available", "chosen"),
    [
        ("pt-BR", {"en", "pt"}, "pt"),
        ("pt", {"en", "pt"}, "pt"),
        ("de-AT", {"en"}, "en"),
        ("en-GB", {"en"}, "en"),
        (None, {"en", "pt"}, "en"),
        ("", {"en"}, "en"),
    ],
)
def test_content_language_from_the_telegram_code(
    code: str | None, available: set[str], chosen: str
) -> None:
    assert choose_language(code, available, "en") == chosen


def test_days_and_times_are_written_in_the_language() -> None:
    from datetime import UTC, datetime

    assert formats.day("en", date(2026, 3, 1)) == "Mar 1, 2026"
    assert formats.day("de", date(2026, 3, 1)) == "01.03.2026"
    tuesday = datetime(2026, 3, 3, 19, 30, tzinfo=UTC)
    assert formats.weekday_time("en", tuesday) == "Tue 19:30"
    assert formats.weekday_time("de", tuesday) == "Di. 19:30"
