"""What the conversations are made of, checked without a chat: every bot text renders to
Telegram HTML that Telegram accepts (with hostile values interpolated), callback data is
versioned and at most 64 bytes on every keyboard, forged tokens are refused."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.dialogue.timezones import resolve_timezone
from bot.handlers.clearance import clearance_questionnaire
from bot.handlers.learn import TOPIC
from bot.rendering import callbacks
from bot.rendering.html import MAX_MESSAGE, plain, split_message
from bot.rendering.keyboards import SKIPPED, Value, question_keyboard, toggle_of, token_value
from bot.rendering.questions import render_answered, render_question
from bot.rendering.texts import MissingText, Safe, Texts
from flows.library import Library, load_library
from sandbox.tghtml import parse_html

CONTENT = Path(__file__).resolve().parents[2] / "content"


@cache
def library() -> Library:
    return load_library(CONTENT, "en")


HOSTILE = '<b>x</b> & </i> "q" ' + "é" * 3


def _texts() -> Texts:
    lib = library()
    return Texts.from_entries({**lib.coach.messages, **lib.bot.messages})


def test_every_message_renders_to_html_telegram_accepts() -> None:
    texts = _texts()
    for key in texts.names():
        message = texts.message(key)
        rendered = texts.render(key, **dict.fromkeys(message.params, HOSTILE))
        visible, _ = parse_html(rendered)  # raises where Telegram would refuse
        assert len(visible) <= MAX_MESSAGE, key
        if message.params:
            assert "<b>x</b>" in visible, key  # the value shows literally, not as markup


def test_render_escapes_values_but_keeps_safe_fragments() -> None:
    texts = _texts()
    intro = texts.render("intro", name="<script>&")
    assert "&lt;script&gt;&amp;" in intro
    echo = texts.render("answer.recorded", question=Safe("<b>Q</b>"), answer="<i>")
    assert echo.startswith("<b>Q</b>")
    assert "&lt;i&gt;" in echo
    with pytest.raises(MissingText):
        texts.render("intro")
    with pytest.raises(MissingText):
        texts.render("no.such.key")


def test_callback_codec() -> None:
    data = callbacks.answer("AbC-_1", 12, "skip")
    assert data == "v1:a:AbC-_1:12:skip"
    decoded = callbacks.decode(data)
    assert decoded.is_answer
    assert (decoded.nonce, decoded.question_index, decoded.option) == ("AbC-_1", 12, "skip")
    assert callbacks.decode(callbacks.encode(TOPIC, "sleep")).args == ("sleep",)
    for bad in [None, "", "v0:a:x:1:2", "v1", "v1:a:x:one:2", "v1:a::1:2", "v1:a:x:1", "x" * 65]:
        with pytest.raises(callbacks.CallbackDataError):
            callbacks.decode(bad)
    with pytest.raises(callbacks.CallbackDataError):
        callbacks.encode("a", "x" * 64)
    with pytest.raises(callbacks.CallbackDataError):
        callbacks.encode("a", "with:colon")


def test_every_question_keyboard_fits_and_round_trips() -> None:
    texts = _texts()
    questionnaires = {
        **library().questionnaires.questionnaires,
        "clearance": clearance_questionnaire(texts),
    }
    for name, questionnaire in questionnaires.items():
        for index, question in enumerate(questionnaire.questions):
            parse_html(render_question(question, texts))
            keyboard = question_keyboard(question, nonce="ZZZZZZ", index=index, texts=texts)
            if keyboard is None:
                continue
            for row in keyboard.inline_keyboard:
                assert len(row) <= 6, (name, question.id)
                for button in row:
                    data = button.callback_data
                    assert isinstance(data, str)
                    assert len(data.encode()) <= callbacks.MAX_BYTES
                    decoded = callbacks.decode(data)
                    toggled = toggle_of(question, decoded.option)
                    if toggled is not None:  # a tick: the answer is the ticked options
                        value: Value = [toggled[0]]
                    else:
                        value = token_value(question, decoded.option)
                    answered = render_answered(question, value, texts)
                    assert button.text in plain(answered) or value is SKIPPED, (name, data)


def test_forged_tokens_are_refused() -> None:
    questions = {q.id: q for q in library().questionnaires.questionnaires["morning"].questions}
    with pytest.raises(ValueError, match="not a button"):
        token_value(questions["next_morning_pain"], "11")
    with pytest.raises(ValueError, match="not a button"):
        token_value(questions["night_pain"], "maybe")
    with pytest.raises(ValueError, match="not optional"):
        token_value(questions["night_pain"], "skip")
    site = library().questionnaires.questionnaires["onboarding"].questions[1]
    with pytest.raises(ValueError, match="not a button"):
        token_value(site, "99")


def test_long_messages_are_split_at_paragraphs() -> None:
    paragraph = "<b>Head</b> " + "word " * 300
    parts = split_message("\n\n".join([paragraph] * 10))
    assert len(parts) > 1
    for part in parts:
        visible, _ = parse_html(part)
        assert len(visible) <= MAX_MESSAGE


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("europe/dublin", "Europe/Dublin"),
        ("São Paulo", "America/Sao_Paulo"),
        ("UTC", "UTC"),
        ("boston", "America/New_York"),
        ("Lisboa", "Europe/Lisbon"),
        ("NYC", "America/New_York"),
        ("UTC+1", "Etc/GMT-1"),
        ("Japan", "Asia/Tokyo"),
        ("United States", None),  # several zones: the question asks which city
        ("Atlantis", None),
        ("", None),
    ],
)
def test_typed_time_zones(typed: str, zone: str | None) -> None:
    assert resolve_timezone(typed, library().readings) == zone


@pytest.mark.parametrize(
    ("form", "qid", "value", "echo"),
    [
        ("onboarding", "days_since_diagnosis", 1, "→ 1 day"),
        ("onboarding", "days_since_diagnosis", 21, "→ 21 days"),
        ("morning", "sleep_hours", 7.5, "→ 7.5 hours"),
        ("morning", "sleep_hours", 1.0, "→ 1 hour"),
        ("weekly", "conf_overall", 80, "→ 80%"),
        ("onboarding", "weekly_volume_km", 40.2, "→ 40.2 km"),
        ("onboarding", "reds_previous_bsi", 1, "→ 1 injury"),
    ],
)
def test_answered_numbers_read_in_the_right_plural(
    form: str, qid: str, value: float, echo: str
) -> None:
    lib = library()
    question = next(q for q in lib.questionnaires.questionnaires[form].questions if q.id == qid)
    assert echo in plain(render_answered(question, value, _texts()))
