"""Lenient parsing of typed answers, one function per question type.

`parse_answer(question, raw_text, forms)` returns `Parsed(value)` or `Refusal(text)`; the
refusal text comes from content (questionnaires.yaml `refusals`) and repeats what is
expected. Values: scale -> int, yes_no -> bool, choice -> option value (str), number ->
int or float, time_of_day -> datetime.time, text -> str; `None` for a skipped optional
question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from flows.injury import parse_grade
from flows.library.schema import Lexicon, Question, QuestionnairesFile, QuestionType


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Any


@dataclass(frozen=True, slots=True)
class Refusal:
    text: str


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def _norm(raw: str) -> str:
    text = raw.strip().lower()
    text = re.sub(r"[!?]+$", "", text).strip()
    return re.sub(r"\s+", " ", text.rstrip("."))


def _strip_approx(text: str, lex: Lexicon) -> str:
    changed = True
    while changed:
        changed = False
        for word in sorted(lex.approx, key=len, reverse=True):
            if text.startswith(word) and (word == "~" or text[len(word) :][:1] in (" ", "")):
                text = text[len(word) :].strip()
                changed = True
    return text


def _number(text: str, lex: Lexicon) -> float | None:
    """A single number from '3', '3/10', 'three', 'about 3', '3 out of 10', '2,5'."""
    text = _strip_approx(text, lex)
    text = re.sub(r"\s*(/|out of|of)\s*10$", "", text)
    if text in lex.numbers:
        return float(lex.numbers[text])
    match = _NUMBER.fullmatch(text)
    if match:
        return float(match.group(0).replace(",", "."))
    return None


def _duration_hours(text: str, lex: Lexicon) -> float | None:
    """Hours from '7.5 h', '7h30', '7 hours 30 minutes', '7:30', '7 h 30 min'."""
    text = _strip_approx(text, lex).replace(" ", "")
    hours = "|".join(sorted((re.escape(h) for h in lex.hours), key=len, reverse=True))
    mins = "|".join(sorted((re.escape(m) for m in lex.minutes), key=len, reverse=True))
    m = re.fullmatch(rf"(\d+(?:[.,]\d+)?)(?:{hours})?", text)
    if m:
        return float(m.group(1).replace(",", "."))
    m = re.fullmatch(rf"(\d+)(?:{hours}|:)(\d{{1,2}})(?:{mins})?", text)
    if m and int(m.group(2)) < 60:
        return int(m.group(1)) + int(m.group(2)) / 60
    return None


def _time_of_day(text: str, lex: Lexicon) -> time | None:
    text = text.replace(" ", "").replace("h", ":").rstrip(":")
    suffix = None
    for word in sorted(lex.am + lex.pm, key=len, reverse=True):
        w = word.replace(" ", "")
        if text.endswith(w):
            suffix = "am" if word in lex.am else "pm"
            text = text[: -len(w)]
            break
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?", text)
    if not m:
        m = re.fullmatch(r"(\d{1,2})(\d{2})", text)
        if not m:
            return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if suffix is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _grade(text: str) -> str:
    return parse_grade(text).value


#: Choice questions whose answer is a term of the injury model, by the profile field they
#: fill: typed forms the option labels do not spell out ("mri 2", "KM III", "grade II") are
#: read by the model's own parser. The result must still be one of the question's options.
_DOMAIN_CHOICE: dict[str, Callable[[str], str]] = {
    "profile.grade": _grade,
}


def _domain_choice(question: Question, text: str) -> str | None:
    parse = _DOMAIN_CHOICE.get(question.maps_to or "")
    if parse is None or not text:
        return None
    try:
        value = parse(text)
    except ValueError:
        return None
    return value if any(o.value == value for o in question.options) else None


def _refuse(question: Question, forms: QuestionnairesFile) -> Refusal:
    msg = forms.refusals[question.type]
    values: dict[str, Any] = {}
    if question.type is QuestionType.CHOICE:
        values["options"] = ", ".join(o.label for o in question.options)
    if question.type is QuestionType.NUMBER:
        lo, hi = question.bounds
        values.update(
            min=_fmt(lo),
            max=_fmt(hi),
            unit=question.unit or "",
            example=_fmt(_example(question, lo, hi)),
        )
    if question.type is QuestionType.TEXT:
        values["max_length"] = question.max_length
    return Refusal(msg.text.format(**{p: values.get(p, "") for p in msg.params}))


def _example(question: Question, lo: float, hi: float) -> float:
    if question.example is not None:
        return question.example
    middle = (lo + hi) / 2
    return round(middle) if question.integer else middle


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _ascii_digits(text: str) -> bool:
    """``text`` is 0-9 only. ``str.isdigit`` is also true for "²" and "①", which ``int``
    refuses: a typed superscript must be refused politely, not crash the parser."""
    return text.isascii() and text.isdigit()


def parse_answer(question: Question, raw_text: str, forms: QuestionnairesFile) -> Parsed | Refusal:
    """Parse a typed answer to `question` leniently; refuse anything else clearly."""
    lex = forms.lexicon
    text = _norm(raw_text)
    if question.optional and text in lex.skip:
        return Parsed(None)
    t = question.type
    if t is QuestionType.YES_NO:
        if text in lex.yes:
            return Parsed(True)
        if text in lex.no:
            return Parsed(False)
        return _refuse(question, forms)
    if t is QuestionType.SCALE:
        value = 0.0 if text in lex.no or text in ("no pain", "nothing") else _number(text, lex)
        if value is None or not 0 <= value <= 10:
            return _refuse(question, forms)
        # Half points round up: for pain, caution; the scale is whole numbers.
        return Parsed(int(value + 0.5))
    if t is QuestionType.CHOICE:
        for option in question.options:
            if text in (option.value.lower(), option.label.lower()):
                return Parsed(option.value)
        # The domain's reading comes before an option's position: "2" at the grade
        # question is grade 2, not the second option.
        domain = _domain_choice(question, text)
        if domain is not None:
            return Parsed(domain)
        if _ascii_digits(text) and 1 <= int(text) <= len(question.options):
            return Parsed(question.options[int(text) - 1].value)
        starts = [o for o in question.options if text and o.label.lower().startswith(text)]
        if len(starts) == 1:
            return Parsed(starts[0].value)
        return _refuse(question, forms)
    if t is QuestionType.NUMBER:
        unit = (question.unit or "").lower()
        cleaned = text.removesuffix(unit).strip() if unit else text
        cleaned = cleaned.removesuffix("%").strip()
        value = (
            _duration_hours(text, lex)
            if unit in lex.hours or unit == "hours"
            else _number(cleaned, lex)
        )
        lo, hi = question.bounds
        if value is None or not lo <= value <= hi:
            return _refuse(question, forms)
        if question.integer:
            if not float(value).is_integer():
                return _refuse(question, forms)
            return Parsed(int(value))
        return Parsed(value)
    if t is QuestionType.TIME_OF_DAY:
        parsed_time = _time_of_day(text, lex)
        return Parsed(parsed_time) if parsed_time is not None else _refuse(question, forms)
    # free text
    stripped = raw_text.strip()
    if not stripped or len(stripped) > (question.max_length or 0):
        return _refuse(question, forms)
    return Parsed(stripped)


def answer_from_option(
    question: Question, value: str, forms: QuestionnairesFile
) -> Parsed | Refusal:
    """The answer for a pressed button: an option value (choice), 'yes'/'no' (yes_no),
    or a number as text (scale); a stale or foreign value is refused."""
    if question.type is QuestionType.CHOICE:
        if any(o.value == value for o in question.options):
            return Parsed(value)
        return _refuse(question, forms)
    return parse_answer(question, value, forms)
