"""Lenient reading of typed answers, one reader per question type (table-driven).

``parse_answer(question, raw_text, forms, readings=None, *, today=None)`` returns
``Parsed(value)`` or ``Refusal(text)``. ``forms`` carries the questionnaire lexicon and the
per-type refusals; ``readings`` (``library.readings``, content/<lang>/readings.yaml) adds
synonyms, units, time words and zone aliases: without it only the lexicon is understood.
``today`` (the athlete's local date) lets "2 November" be counted back; relative answers
("3 weeks ago") need no date; ``language`` is the content language. Nothing here reads the
clock.

Values: scale -> int, yes_no -> bool, choice -> option value (str; a typed time zone at
the zone question is its IANA name; an open choice keeps the typed text), number -> int or
float (distances in km, percentages on the question's 0-100 scale, durations in days),
time_of_day -> datetime.time, text -> str, multi -> list of option values (empty for
"none"); ``None`` for a skipped optional question.

Every refusal quotes an answer that would have worked and never lists every option.
The rules, and why they are hand-written, are in docs/reading.md.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any

from flows.injury import parse_grade
from flows.library.schema import (
    Lexicon,
    Question,
    QuestionnairesFile,
    QuestionType,
    ReadingsFile,
)
from flows.reading.choices import Ambiguous, label_of, read_choice
from flows.reading.durations import days_ago
from flows.reading.numbers import Words, amount, fraction, percent, strip_approx
from flows.reading.text import OddDigits, normalise, strip_words
from flows.reading.times import read_time
from flows.reading.zones import ZoneChoice, read_zone

#: Answers meaning "does not apply": "no" at a required yes/no, 0 at a symptom scale.
NOT_APPLICABLE = frozenset(
    {"n/a", "na", "n.a", "not applicable", "doesn't apply", "does not apply"}
)


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Any


@dataclass(frozen=True, slots=True)
class Refusal:
    """A typed answer the question cannot take. ``asks``: the text is a question back (the
    answer fits several options: "Which part of the shin…?"), shown as it is rather than
    after "I could not read that"."""

    text: str
    asks: bool = False


@dataclass(frozen=True, slots=True)
class _Reading:
    """Everything one reading needs (built per call; the tables are shared)."""

    question: Question
    raw: str
    text: str
    forms: QuestionnairesFile
    readings: ReadingsFile | None
    today: date | None
    language: str = "en"

    @property
    def lex(self) -> Lexicon:
        return self.forms.lexicon

    @property
    def words(self) -> Words:
        return Words.of(self.forms.lexicon, self.readings)

    @property
    def not_applicable(self) -> bool:
        return self.readings is not None and self.text in self.readings.not_applicable


# --------------------------------------------------------------------------- refusals


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _example(question: Question, lo: float, hi: float) -> float:
    if question.example is not None:
        return question.example
    middle = (lo + hi) / 2
    return round(middle) if question.integer else middle


def _typed_example(question: Question, readings: ReadingsFile | None) -> str:
    """A typed answer that works for ``question``: readings.yaml's, else an option label."""
    if readings is not None and question.id in readings.examples:
        return readings.examples[question.id]
    if question.options:
        return question.options[0].label
    if question.type in (QuestionType.NUMBER, QuestionType.SCALE):
        lo, hi = question.bounds
        return _fmt(_example(question, lo, hi))
    return ""


def refusal_message(readings: ReadingsFile | None, key: str, **values: str) -> str | None:
    """readings.yaml's message ``key`` (Telegram HTML) with ``values`` escaped and filled
    in, or ``None`` when readings are not loaded or lack the key. Values may hold what the
    athlete typed: escaping keeps "<b>" typed at a question from breaking the reply."""
    if readings is None or key not in readings.messages:
        return None
    message = readings.messages[key]
    filled = {p: html.escape(values.get(p, ""), quote=False) for p in message.params}
    return message.text.format(**filled)


def _message(r: _Reading, key: str, **values: str) -> Refusal | None:
    text = refusal_message(r.readings, key, **values)
    return Refusal(text) if text is not None else None


def _refuse(r: _Reading, key: str | None = None, **values: str) -> Refusal:
    """The refusal for this question: readings.yaml's ``key`` when given and loaded,
    otherwise questionnaires.yaml's refusal for the question type."""
    question = r.question
    if key is not None:
        found = _message(r, key, **values)
        if found is not None:
            return found
    msg = r.forms.refusals[question.type]
    params: dict[str, Any] = {}
    if question.type is QuestionType.CHOICE:
        params["options"] = _typed_example(question, r.readings)
    if question.type is QuestionType.NUMBER:
        lo, hi = question.bounds
        params.update(
            min=_fmt(lo),
            max=_fmt(hi),
            unit=question.unit or "",
            example=_fmt(_example(question, lo, hi)),
        )
    if question.type is QuestionType.TEXT:
        params["max_length"] = question.max_length
    filled = {p: html.escape(str(params.get(p, "")), quote=False) for p in msg.params}
    return Refusal(msg.text.format(**filled))


# --------------------------------------------------------------------------- readers


def _yes_no_sets(r: _Reading) -> tuple[set[str], set[str], set[str]]:
    extra_yes = r.readings.yes_extra if r.readings else []
    extra_no = r.readings.no_extra if r.readings else []
    hedges = set(r.readings.hedges) if r.readings else set()
    return {*r.lex.yes, *extra_yes}, {*r.lex.no, *extra_no}, hedges


def _read_yes_no(r: _Reading) -> Parsed | Refusal:
    yes, no, hedges = _yes_no_sets(r)
    text = r.text
    explicit = r.readings is not None and r.question.id in r.readings.explicit_questions
    if explicit:
        # Consent: only plain words. The symptom-minded extras ("fine", "all good" as
        # "no symptoms", "n/a", hedges) would misread an answer to "Is that OK with you?".
        no = set(r.lex.no)
    if text in yes:
        return Parsed(True)
    if text in no or (r.not_applicable and not explicit):
        return Parsed(False)
    if text in hedges and not explicit:
        return Parsed(True)  # any amount of a symptom is a yes: the safe reading
    # "no, slept fine", "yes a bit", "nope - all good": the first word decides, unless
    # the rest takes it back ("no, but it aches").
    words = [w for w in re.split(r"[,;:.!\-\s]+", text) if w]
    take_back = set(r.readings.take_back) if r.readings else set()
    if len(words) > 1 and not take_back & set(words[1:]):
        if words[0] in yes:
            return Parsed(True)
        if words[0] in no:
            return Parsed(False)
    # A consent question is not about a symptom: "yes if there was any" would not fit.
    return _refuse(r, "refusal.yes_no_plain" if explicit else "refusal.yes_no")


def _scale_value(r: _Reading, lo: float, hi: float) -> float | None:
    """A number on the question's own scale from "7", "7/10", "3 out of 5", "70%",
    "6-7", "seven and a half"."""
    words = r.words
    share = fraction(r.text, words)
    if share is not None:
        top, bottom = share
        return lo + top / bottom * (hi - lo)
    pct = percent(r.text, words)
    if pct is not None:
        return lo + pct / 100 * (hi - lo) if 0 <= pct <= 100 else None
    return amount(r.text, words)


def _read_scale(r: _Reading) -> Parsed | Refusal:
    text = strip_approx(r.text, r.words)
    quality = r.readings is not None and r.question.id in r.readings.quality_scales
    if r.readings is not None:
        table = r.readings.scale_words["quality" if quality else "symptom"]
        if text in table:
            return Parsed(int(table[text] + 0.5))
    if not quality and (text in r.lex.no or r.not_applicable):
        return Parsed(0)
    value = _scale_value(r, 0.0, 10.0)
    if value is None or not 0 <= value <= 10:
        return _refuse(r)
    # The scale is whole numbers, and a half point goes to the side that protects the bone:
    # up for pain and worry, down for a quality ("7.5" slept well enough is a 7).
    return Parsed(math.ceil(value - 0.5) if quality else int(value + 0.5))


def _grade(text: str) -> str:
    return parse_grade(text).value


#: Choice questions whose answer is a term of the injury model, by the profile field they
#: fill: typed forms the option labels do not spell out ("mri 2", "KM III", "grade II") are
#: read by the model's own parser. The result must still be one of the question's options.
_DOMAIN_CHOICE: dict[str, Callable[[str], str]] = {
    "profile.grade": _grade,
}
ZONE_TARGET = "profile.timezone"
#: A free answer at an open choice: words (letters of any script, ' - & / .), no symbols.
_OPEN_ANSWER = re.compile(r"[^\W\d_]{2,}(?:[ '’&/.-]*[^\W\d_]+)*\.?")


def _domain_choice(question: Question, text: str) -> str | None:
    parse = _DOMAIN_CHOICE.get(question.maps_to or "")
    if parse is None or not text:
        return None
    try:
        value = parse(text)
    except ValueError:
        return None
    return value if any(o.value == value for o in question.options) else None


def _ambiguous(r: _Reading, values: tuple[str, ...]) -> Refusal:
    labels = [label_of(r.question, v) for v in values]
    joiner = r.readings.messages["refusal.or"].text if r.readings else " or "
    candidates = ", ".join(labels[:-1]) + joiner + labels[-1] if len(labels) > 1 else labels[0]
    example = _first_synonym(r, values[0]) or labels[0]
    what = strip_words(r.text, r.readings.filler if r.readings else [], prefix=True)
    refusal = _refuse(
        r, "refusal.ambiguous", text=what or r.raw.strip(), candidates=candidates, example=example
    )
    return replace(refusal, asks=True)


def _first_synonym(r: _Reading, value: str) -> str | None:
    if r.readings is None:
        return None
    words = r.readings.choices.get(r.question.id, {}).get(value)
    return words[0] if words else None


def _read_zone(r: _Reading) -> Parsed | Refusal | None:
    aliases = r.readings.zone_aliases if r.readings else {}
    offsets = r.readings.zone_offsets if r.readings else {}
    lead = r.readings.zone_lead if r.readings else []
    found = read_zone(r.raw, aliases, offsets, lead)
    if isinstance(found, ZoneChoice):
        examples = "”, “".join(found.cities)
        refusal = _refuse(r, "refusal.zone_ambiguous", text=found.name, examples=examples)
        return replace(refusal, asks=True)
    if found is None:
        return None
    return Parsed(found)


def _read_choice(r: _Reading) -> Parsed | Refusal:
    question = r.question
    zone_question = question.maps_to == ZONE_TARGET
    # The domain's reading comes first: "2" at the grade question is grade 2.
    domain = _domain_choice(question, r.text)
    if domain is not None:
        return Parsed(domain)
    found = read_choice(question, r.text, r.readings)
    if isinstance(found, Ambiguous):
        return _ambiguous(r, found.values)
    if found is not None:
        return Parsed(found)
    if zone_question:
        zone = _read_zone(r)
        if zone is not None:
            if isinstance(zone, Parsed):
                # A zone one of the buttons stands for is that button's answer.
                match = next((o.value for o in question.options if o.value == zone.value), None)
                return Parsed(match or zone.value)
            return zone
        return _refuse(r, "refusal.zone", text=r.raw.strip())
    limit = r.readings.open_choices.get(question.id) if r.readings else None
    stripped = " ".join(r.raw.split())
    # "no", "yes", "n/a" are words, but not a sport: asked again, never stored as one.
    says_nothing = r.not_applicable or r.text in {*r.lex.yes, *r.lex.no}
    if (
        limit is not None
        and not says_nothing
        and _OPEN_ANSWER.fullmatch(stripped)
        and len(stripped) <= limit
    ):
        return Parsed(stripped)
    return _refuse(
        r, "refusal.choice", text=_clip(r.raw), example=_typed_example(question, r.readings)
    )


def _clip(raw: str, limit: int = 40) -> str:
    text = " ".join(raw.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unit_class(r: _Reading) -> str:
    unit = (r.question.unit or "").lower()
    rd = r.readings
    if unit in r.lex.hours or unit == "hours":
        return "hours"
    if rd is not None:
        if unit in rd.percent_units:
            return "percent"
        if unit in rd.day_units:
            return "days"
        if unit in rd.distance:
            return "distance"
    return "plain"


def _hours(r: _Reading) -> float | None:
    """Hours from "7.5 h", "7h30", "7 hours 30 minutes", "7:30", "6-7", "7 and a half"."""
    words = r.words
    text = strip_approx(r.text, words)
    compact = text.replace(" ", "")
    hours = "|".join(sorted((re.escape(h) for h in r.lex.hours), key=len, reverse=True))
    mins = "|".join(sorted((re.escape(m) for m in r.lex.minutes), key=len, reverse=True))
    m = re.fullmatch(rf"(\d+)(?:{hours}|:)(?:and)?(\d{{1,2}})(?:{mins})?", compact, re.ASCII)
    if m and int(m.group(2)) < 60:
        return int(m.group(1)) + int(m.group(2)) / 60
    stripped = strip_words(text, r.lex.hours, prefix=False)
    return amount(stripped, words)


def _distance(r: _Reading) -> float | None:
    """Kilometres from "40", "about 40k", "40km a week", "25 miles", "30-40 km"."""
    assert r.readings is not None
    words = r.words
    text = strip_words(r.text, r.readings.per_week, prefix=False)
    text = strip_approx(text, words)
    for unit in r.readings.distance.values():
        stripped = strip_words(text, unit.words, prefix=False)
        if stripped != text:
            value = amount(stripped, words)
            return None if value is None else round(value * unit.km, 1)
    return amount(text, words)


def distance_unit(question: Question, raw_text: str, readings: ReadingsFile) -> str | None:
    """The unit (an id of readings.yaml `distance`: "km", "mi") a typed answer to a
    distance question is given in: the one it names ("25 miles"), else the question's own
    ("40"). None when the question is not a distance question or the text is unreadable."""
    unit_id = (question.unit or "").lower()
    if question.type is not QuestionType.NUMBER or unit_id not in readings.distance:
        return None
    try:
        text = normalise(raw_text)
    except OddDigits:
        return None
    text = strip_words(text, readings.per_week, prefix=False)
    for name, unit in readings.distance.items():
        if strip_words(text, unit.words, prefix=False) != text:
            return name
    return unit_id


def _read_number(r: _Reading) -> Parsed | Refusal:
    question = r.question
    lo, hi = question.bounds
    kind = _unit_class(r)
    value: float | None
    refusal_key: str | None = None
    refusal_values: dict[str, str] = {}
    if kind == "hours":
        value = _hours(r)
    elif kind == "percent":
        value = _scale_value(r, lo, hi)
        refusal_key = "refusal.percent"
    elif kind == "days":
        assert r.readings is not None
        value = days_ago(r.text, r.words, r.today, units=r.readings.day_words, ago=r.readings.ago)
        refusal_key = "refusal.days"
        refusal_values = {"example": _fmt(_example(question, lo, hi))}
    elif kind == "distance":
        value = _distance(r)
        refusal_key = "refusal.distance"
        refusal_values = {
            "min": _fmt(lo),
            "max": _fmt(hi),
            "example": _fmt(_example(question, lo, hi)),
        }
    else:
        unit = (question.unit or "").lower()
        cleaned = strip_words(r.text, [unit], prefix=False) if unit else r.text
        value = amount(cleaned, r.words)
    if value is None or not lo <= value <= hi:
        return _refuse(r, refusal_key, **refusal_values)
    if question.integer:
        if kind in ("days", "percent") or abs(value - round(value)) < 1e-9:
            return Parsed(round(value))
        return _refuse(r, refusal_key, **refusal_values)
    if float(value).is_integer():
        return Parsed(int(value)) if kind == "percent" else Parsed(value)
    return Parsed(round(value, 2))


def _read_time(r: _Reading) -> Parsed | Refusal:
    evening = r.readings is not None and r.question.id in r.readings.pm_questions
    parsed = read_time(r.text, r.lex, r.readings, evening=evening)
    return Parsed(parsed) if parsed is not None else _refuse(r, "refusal.time")


#: Between the signs of one typed multi-select answer: "limping and swelling", "limp, groin".
_MULTI_SPLIT = re.compile(r"\s*(?:[,;+&/]|\band\b|\bplus\b|\balso\b|\bwith\b)\s*")


def _read_multi(r: _Reading) -> Parsed | Refusal:
    """A multi-select answer typed: "none", "no", "n/a", "all good" -> nothing ticked;
    "limping and swelling" -> those options (each part read as a choice, with the
    question's synonyms in readings.yaml). Anything unclear is refused, never guessed: a
    plain "yes" does not say which sign."""
    _, no, _ = _yes_no_sets(r)
    none_words = set(r.readings.multi_none) if r.readings else set()
    text = r.text.strip(" .!")
    if text in no or text in none_words or r.not_applicable:
        return Parsed([])
    words = [w for w in re.split(r"[,;:.!\-\s]+", text) if w]
    take_back = set(r.readings.take_back) if r.readings else set()
    if len(words) > 1 and words[0] in no and not take_back & set(words[1:]):
        rest = " ".join(words[1:])
        if read_choice(r.question, rest, r.readings) is None:
            return Parsed([])  # "no, all good", "nope nothing"
    found: list[str] = []
    for part in _MULTI_SPLIT.split(text):
        part = part.strip(" .!")
        if not part:
            continue
        value = read_choice(r.question, part, r.readings)
        if not isinstance(value, str):
            return _refuse(
                r,
                "refusal.multi",
                text=_clip(r.raw),
                example=_typed_example(r.question, r.readings),
            )
        found.append(value)
    if not found:
        return _refuse(r, "refusal.multi", text=_clip(r.raw), example="none")
    return Parsed([o.value for o in r.question.options if o.value in found])


def _nothing_to_add(question: Question, text: str, forms: QuestionnairesFile) -> bool:
    """Whether a free-text answer means "nothing to add" ("no", "all good.", "nothing, all
    good"): no note rather than a note. One that only starts so ("no, the knee was sore")
    is a note."""
    if question.type is not QuestionType.TEXT:
        return False
    parts = [part for part in (p.strip(" .!") for p in re.split(r"[,;]", text)) if part]
    return bool(parts) and all(part in forms.lexicon.nothing for part in parts)


def _read_text(r: _Reading) -> Parsed | Refusal:
    stripped = r.raw.strip()
    if not stripped or len(stripped) > (r.question.max_length or 0):
        return _refuse(r)
    return Parsed(stripped)


#: The reader of each question type. A type without one is refused (never a crash).
READERS: dict[QuestionType, Callable[[_Reading], Parsed | Refusal]] = {
    QuestionType.YES_NO: _read_yes_no,
    QuestionType.SCALE: _read_scale,
    QuestionType.CHOICE: _read_choice,
    QuestionType.NUMBER: _read_number,
    QuestionType.TIME_OF_DAY: _read_time,
    QuestionType.TEXT: _read_text,
    QuestionType.MULTI: _read_multi,
}


def parse_answer(
    question: Question,
    raw_text: str,
    forms: QuestionnairesFile,
    readings: ReadingsFile | None = None,
    *,
    today: date | None = None,
    language: str = "en",
) -> Parsed | Refusal:
    """Read a typed answer to ``question`` leniently; refuse anything else clearly.

    ``language`` is the content language (dateparser reads dates in it)."""
    if question.type is QuestionType.TEXT:
        text = raw_text.strip().lower()
    else:
        try:
            text = normalise(raw_text)
        except OddDigits:
            r = _Reading(question, raw_text, "", forms, readings, today)
            example = _typed_example(question, readings) or "7"
            return _refuse(r, "refusal.unicode_digits", example=example)
    r = _Reading(question, raw_text, text, forms, readings, today, language)
    if question.optional and (text in forms.lexicon.skip or _nothing_to_add(question, text, forms)):
        return Parsed(None)
    reader = READERS.get(question.type)
    if reader is None:
        return _refuse(r)
    return reader(r)


def answer_from_option(
    question: Question, value: str, forms: QuestionnairesFile
) -> Parsed | Refusal:
    """The answer for a pressed button: an option value (choice), 'yes'/'no' (yes_no),
    or a number as text (scale); a stale or foreign value is refused."""
    if question.type is QuestionType.CHOICE:
        if any(o.value == value for o in question.options):
            return Parsed(value)
        r = _Reading(question, value, value, forms, None, None)
        return _refuse(r)
    return parse_answer(question, value, forms)


def as_time(value: object) -> time | None:
    """A stored time answer ("HH:MM" or a time) as a time, else ``None``."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            return None
    return None
