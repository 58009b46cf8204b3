"""Pydantic models for every file of `content/` (the contract is docs/content-format.md).

Each `*File` model is the top level of one YAML file. Per-entry checks that need nothing
but the entry (lengths, id format, HTML tags, placeholders vs params) are validators here;
checks across files (source keys, exercise ids, topics) are in `flows.library.validate`.
All models are frozen and reject unknown keys, so a typo in a YAML key is an error.
"""

from __future__ import annotations

import re
import string
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from flows.injury import Severity, Site
from flows.phases import Phase
from flows.reasons import RedFlag

#: Telegram HTML tags allowed in texts (docs/content-format.md, "Text rules").
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"})
ALLOWED_ENTITIES = frozenset({"&lt;", "&gt;", "&amp;", "&quot;"})
MESSAGE_LIMIT = 4096
SNIPPET_LIMIT = 700
OPTION_VALUE_LIMIT = 20

_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z-]+)([^>]*)>")
_ENTITY = re.compile(r"&[a-zA-Z#0-9]*;?")
_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _kebab_id(value: str) -> str:
    if not _KEBAB.match(value):
        raise ValueError(f"id {value!r} must be kebab-case")
    return value


def _snake_id(value: str) -> str:
    if not _SNAKE.match(value):
        raise ValueError(f"id {value!r} must be snake_case")
    return value


#: Ids of library entries referenced across files (exercises, modalities, snippets).
KebabId = Annotated[str, AfterValidator(_kebab_id)]
#: Ids of questions (they name answers in skip conditions and the symptom mapping).
SnakeId = Annotated[str, AfterValidator(_snake_id)]
_OPTION = re.compile(r"^[A-Za-z0-9_./:+-]+$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def html_problems(text: str) -> list[str]:
    """Problems with `text` as Telegram HTML: unknown tags, unbalanced tags, bare & < >."""
    problems: list[str] = []
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in ALLOWED_TAGS:
            problems.append(f"tag <{name}> is not allowed in Telegram HTML")
            continue
        if closing:
            if not stack or stack[-1] != name:
                problems.append(f"closing tag </{name}> does not match an open tag")
            else:
                stack.pop()
        else:
            stack.append(name)
    if stack:
        problems.append(f"tag <{stack[-1]}> is not closed")
    stripped = _TAG.sub("", text)
    if "<" in stripped or ">" in stripped:
        problems.append("a literal < or > must be written &lt; or &gt;")
    for match in _ENTITY.finditer(stripped):
        if match.group(0) not in ALLOWED_ENTITIES:
            problems.append(f"{match.group(0)!r}: a literal & must be written &amp;")
    return problems


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format text; ValueError on format specs or bad braces."""
    names: set[str] = set()
    for _, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if spec or conversion:
            raise ValueError(f"placeholder {{{field}}} must not have a format spec")
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain name")
        names.add(field)
    return names


def _check_text(text: str, params: list[str], limit: int = MESSAGE_LIMIT) -> str:
    if len(text) > limit:
        raise ValueError(f"text is {len(text)} characters, the limit is {limit}")
    problems = html_problems(text)
    if problems:
        raise ValueError("; ".join(problems))
    used = placeholders(text)
    if used != set(params):
        raise ValueError(f"placeholders {sorted(used)} do not match params {sorted(params)}")
    return text


# --------------------------------------------------------------------------- messages


PluralCategory = Literal["zero", "one", "two", "few", "many", "other"]


class Message(Model):
    """One message text: Telegram HTML with `{name}` placeholders listed in `params`.

    `plurals` gives, for a count parameter, its phrase per CLDR plural category
    (`{one: "{days} day", other: "{days} days"}`; flows.library.plurals): the phrase
    replaces the parameter, so no text needs "day(s)".

    `variants`: other wordings of the same message (same placeholders), rotated day by
    day where the engine says the same thing often (see `choices`)."""

    text: str
    params: list[str] = Field(default_factory=list)
    source: str | None = None
    plurals: dict[str, dict[PluralCategory, str]] = Field(default_factory=dict)
    variants: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _text_ok(self) -> Message:
        _check_text(self.text, self.params)
        for name, forms in self.plurals.items():
            if name not in self.params:
                raise ValueError(f"plurals.{name}: not one of the params")
            if "other" not in forms:
                raise ValueError(f"plurals.{name}: the `other` form is required")
            for category, phrase in forms.items():
                problems = html_problems(phrase)
                if problems:
                    raise ValueError(f"plurals.{name}.{category}: " + "; ".join(problems))
                extra = placeholders(phrase) - {name}
                if extra:
                    raise ValueError(
                        f"plurals.{name}.{category}: placeholders {sorted(extra)} are not "
                        f"{{{name}}}"
                    )
        for variant in self.variants:
            _check_text(variant, self.params)
        return self

    @property
    def choices(self) -> list[str]:
        """The text and its variants, in file order."""
        return [self.text, *self.variants]


class MessagesFile(Model):
    """bot.yaml, coach.yaml, decisions.yaml and safety.yaml: `messages: {key: Message}`."""

    messages: dict[str, Message]


# --------------------------------------------------------------------------- sources


class Source(Model):
    cite: str
    grade: Literal["V", "S", "M", "D"]


class SourcesFile(Model):
    sources: dict[str, Source]


# --------------------------------------------------------------------------- protocol


class Num(Model):
    """A threshold: a number and the source key it comes from."""

    value: float
    source: str
    note: str = ""


class Int(Model):
    """An integer threshold (days, counts) and its source key."""

    value: int = Field(ge=0)
    source: str
    note: str = ""


class BySeverity(Model):
    """One integer per severity bucket (flows.injury.Severity)."""

    mild: Int
    moderate: Int
    severe: Int
    fracture: Int
    unknown: Int

    def of(self, sev: Severity) -> Int:
        value: Int = getattr(self, sev.value)
        return value


class DwellRule(Model):
    """Minimum active days in a phase: by severity, plus extras for high-risk and
    trabecular sites."""

    by_severity: BySeverity
    high_risk_extra: Int
    trabecular_extra: Int


class StageLimits(Model):
    """Clean sessions needed and minimum days at a stage."""

    sessions_to_advance: Int
    min_days: Int


class StageRule(Model):
    """How a ladder stage is climbed: clean sessions needed and minimum days at a stage,
    with optional faster or slower limits for some severity buckets (`by_severity`)."""

    sessions_to_advance: Int
    min_days: Int
    by_severity: dict[Severity, StageLimits] = Field(default_factory=dict)

    def limits(self, sev: Severity) -> tuple[int, int]:
        """(clean sessions to advance, minimum days) at one stage for severity `sev`."""
        own = self.by_severity.get(sev)
        if own is not None:
            return own.sessions_to_advance.value, own.min_days.value
        return self.sessions_to_advance.value, self.min_days.value


class PainRules(Model):
    """Bone pain rules (FACTS §4.2, §4.4); pain values are 0–10 at the injured site."""

    during_max: Num  # during activity: above this the session stops and the stage steps back
    after_max: Num  # after activity: above this the session does not count as clean
    walking_max: Num  # with walking/ADLs: above this blocks progress; in later phases a red flag
    rest_red_flag: Num  # at rest: at or above this is a red flag
    morning_margin: Num  # next-morning pain above baseline + margin steps back
    baseline_window_days: Int
    symptom_hold_days: Int  # site symptoms on this many consecutive days (>24 h): no progress
    symptom_step_back_days: Int  # ... on this many (>48 h): step back
    symptom_min: Num  # a site pain at or above this counts as a symptom
    step_back_episode_days: Int  # one step back per episode of this many days
    second_step_back_window_days: Int  # a second step back within this window: review
    trend_days: Int  # pain at or above trend_min and not falling over this many days: red flag
    trend_min: Num


class FlagList(Model):
    """A list of red flags and the source key the choice rests on."""

    value: list[RedFlag]
    source: str
    note: str = ""


class HoldRules(Model):
    """The two tiers below and at a red flag (docs/protocol-calibration.md, "Holds"):
    a caution day for mild, short-lived rest or walking pain; a clinician hold for true
    red flags; and which flags forbid even protect's gentle work while on hold."""

    caution_pain_max: Num  # rest/walking pain up to this is a caution sign on a first day
    caution_repeat_days: Int  # a caution sign on this many consecutive days is a red flag
    eased_days: Int  # a caution day eases the session that day and the next ones
    no_loading_flags: FlagList  # holds for these flags offer no session, even protect's


class GateRules(Model):
    """Advancement criteria (FACTS §2.3, §2.4, §5, §9)."""

    protect_pain_free_days: Int
    walk_test_minutes: Int
    heel_raises_min: Int
    hop_test_seconds: Int
    continuous_runs_needed: Int
    rts_symptom_free_running_days: Int
    readiness_min: Int  # I-PRRS-style 0–60
    readiness_max_age_days: Int
    fear_high: Num  # daily 0–10 fear at or above this brings support
    fear_rts_max: Num  # mean daily fear over the window must not exceed this for RTS
    fear_window_days: Int
    normal_training_volume_fraction: Num
    easy_pace_min_per_km: Num


class RedsRules(Model):
    """Partial Triad CRA from self-report (FACTS §7)."""

    score_review: Int
    score_restrict: Int
    slow_factor: Num  # dwell multiplier while the score is in the review band


class SleepRules(Model):
    """Sleep flags (FACTS §6)."""

    short_hours: Num
    poor_quality_max: Num
    window_days: Int
    poor_days: Int


class SilenceRules(Model):
    """Silence (flows/rules/silence.py, docs/protocol-calibration.md "Silence").

    `spell_days`: consecutive days without an answered check-in that make a silent spell;
    `fresh_days_needed`: answered days after a spell before progression resumes;
    `reminder_stop_days`: unanswered days after which reminders stop (the ticker's back-off).
    """

    spell_days: Int = Field(default_factory=lambda: Int(value=2, source="facts-4.2-24-48h"))
    fresh_days_needed: Int = Field(default_factory=lambda: Int(value=2, source="facts-4.2-24-48h"))
    reminder_stop_days: Int = Field(default_factory=lambda: Int(value=2, source="facts-4.2-24-48h"))


class CadenceRules(Model):
    """Check-in cadence (flows/cadence.py): `graduation_days` active days of maintenance
    after which the programme is done and a light weekly check is offered."""

    graduation_days: Int = Field(default_factory=lambda: Int(value=28, source="facts-2.4-phases"))


class SiteClass(StrEnum):
    """Sites grouped by how they heal (flows.milestones.site_class): low-risk cortical,
    low-risk trabecular, high-risk cortical, high-risk trabecular."""

    LOW = "low"
    TRABECULAR = "trabecular"
    HIGH = "high"
    HIGH_TRABECULAR = "high_trabecular"


class Window(Model):
    """A published (or, where marked D, design) span of days from diagnosis."""

    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.min_days > self.max_days:
            raise ValueError("min_days is above max_days")
        return self


class CalibrationRange(Model):
    """Published windows for one cell of the site class x severity grid: when running
    restarts (first walk-run session) and when full return starts (entering
    return_to_sport), in days from diagnosis. The simulator's clean run of every cell is
    checked against them (tests/flows/test_calibration.py) and athletes are shown them."""

    label: str
    site_classes: list[SiteClass]
    severities: list[Severity]
    run_restart: Window
    full_return: Window


class ProtocolFile(Model):
    """content/protocol.yaml: every engine threshold with its source key."""

    dwell: dict[Phase, DwellRule]
    stages: dict[Phase, StageRule]
    pain: PainRules
    gates: GateRules
    reds: RedsRules
    sleep: SleepRules
    silence: SilenceRules = Field(default_factory=SilenceRules)
    cadence: CadenceRules = Field(default_factory=CadenceRules)
    holds: HoldRules
    calibration: list[CalibrationRange] = Field(default_factory=list)

    def window(self, site_class: SiteClass, sev: Severity) -> CalibrationRange | None:
        """The calibration cell for a site class and severity (first match)."""
        for cell in self.calibration:
            if site_class in cell.site_classes and sev in cell.severities:
                return cell
        return None


# --------------------------------------------------------------------------- questionnaires


class QuestionType(StrEnum):
    SCALE = "scale"
    YES_NO = "yes_no"
    CHOICE = "choice"
    NUMBER = "number"
    TIME_OF_DAY = "time_of_day"
    TEXT = "text"
    #: Tick any of the options (toggle buttons, "None of these", "Done"); the answer is the
    #: list of ticked option values, each option mapping onto a check-in field (true when
    #: ticked, false otherwise).
    MULTI = "multi"


Scalar = bool | int | float | str


class Condition(Model):
    """Ask a question only when an earlier answer (or a context value) passes one test.

    `answer:` names a question id of the same questionnaire; `context:` names a key the
    caller passes (`phase`, `stage`, `site`, `planned_session`, `walk_test_due`, ...).
    The test is exactly one of: `in` (the value is one of these), `above` (a number
    strictly greater), `at_most` (a number at most this), `includes` (a multi-select answer
    ticked this option). A missing or skipped value passes no numeric or `includes` test.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    answer: str | None = None
    context: str | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    above: float | None = None
    at_most: float | None = None
    includes: str | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> Condition:
        if (self.answer is None) == (self.context is None):
            raise ValueError("a condition names exactly one of `answer` or `context`")
        tests = [t for t in (self.in_, self.above, self.at_most, self.includes) if t is not None]
        if len(tests) != 1:
            raise ValueError("a condition has exactly one of `in`, `above`, `at_most`, `includes`")
        return self

    def holds(self, value: object) -> bool:
        """Whether ``value`` (the answer or context value named) passes the test."""
        if self.in_ is not None:
            return value in self.in_
        if self.includes is not None:
            return isinstance(value, list | tuple) and self.includes in value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.above is not None:
            return value > self.above
        return self.at_most is not None and value <= self.at_most


class Option(Model):
    value: str
    label: str
    group: str | None = None  # e.g. the region of a site option
    #: Multi-select options only: the check-in field set true when ticked.
    maps_to: str | None = None

    @field_validator("value")
    @classmethod
    def _short_ascii(cls, v: str) -> str:
        if len(v) > OPTION_VALUE_LIMIT or not _OPTION.match(v):
            raise ValueError(
                f"option value {v!r} must be at most {OPTION_VALUE_LIMIT} ASCII characters "
                "(letters, digits, _ . / : + -)"
            )
        return v


class Question(Model):
    """One question. `maps_to` is a `DailyCheckIn` field (check-ins) or a profile field
    (onboarding: `profile.<name>`); `None` for questions that only steer the dialogue."""

    id: SnakeId
    type: QuestionType
    text: str
    maps_to: str | None = None
    #: Instead of maps_to: add `answer * sum_scale` into this check-in field (the weekly
    #: I-PRRS items sum to `readiness`: six 0–100 ratings / 10 = 0–60, FACTS §5).
    sum_into: str | None = None
    sum_scale: float = 1.0
    optional: bool = False  # the athlete may skip it ("skip" button / "skip" typed)
    ask_if: list[Condition] = Field(default_factory=list)
    #: The value recorded when an earlier *answer* rules the question out (no build-up
    #: question after a pain of 0 records `false`), so the engine sees the same day.
    otherwise: Scalar | None = None
    options: list[Option] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    #: A number question with a step is also offered as buttons min, min+step, ... max
    #: (the weekly 0-100 confidence questions: 0, 10, ... 100).
    step: float | None = None
    integer: bool = False
    #: A typical answer shown when a typed number is refused (default: the range's middle).
    example: float | None = None
    max_length: int | None = None
    low_label: str | None = None
    high_label: str | None = None
    help: str | None = None
    #: A few words naming the question in the recap of a finished check-in ("Night pain").
    short: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Question:
        _check_text(self.text, [])
        t = self.type
        if t in (QuestionType.CHOICE, QuestionType.MULTI):
            if len(self.options) < 2:
                raise ValueError(f"a {t} question needs at least 2 options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError("option values must be unique")
        elif self.options:
            raise ValueError(f"a {t} question has no options")
        if t is QuestionType.MULTI:
            if self.maps_to is not None or any(o.maps_to is None for o in self.options):
                raise ValueError("a multi question maps each option (maps_to), not itself")
        elif any(o.maps_to is not None for o in self.options):
            raise ValueError("only multi question options have maps_to")
        if t is QuestionType.NUMBER:
            if self.min is None or self.max is None or self.unit is None:
                raise ValueError("a number question needs min, max and unit")
            if self.min > self.max:
                raise ValueError("min is greater than max")
            span = self.max - self.min
            if self.step is not None and not (self.step > 0 and span / self.step <= 12):
                raise ValueError("a step gives at most 13 buttons")
        elif self.step is not None:
            raise ValueError("only a number question has a step")
        if t is QuestionType.SCALE and (self.min, self.max) not in {(None, None), (0, 10)}:
            raise ValueError("a scale question is 0–10")
        if t is QuestionType.TEXT and self.max_length is None:
            raise ValueError("a text question needs max_length")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """(min, max) for number and scale questions."""
        if self.type is QuestionType.SCALE:
            return (0.0, 10.0)
        return (float(self.min or 0.0), float(self.max or 0.0))


class Questionnaire(Model):
    title: str
    intro: str | None = None
    #: Other wordings of the intro, rotated per athlete and day (flows/variety.py).
    intro_variants: list[str] = []
    outro: str | None = None
    questions: list[Question]

    @property
    def intros(self) -> list[str]:
        """The intro and its variants, in file order (none without an intro), as a
        message's ``choices``."""
        return [self.intro, *self.intro_variants] if self.intro is not None else []

    @model_validator(mode="after")
    def _ids(self) -> Questionnaire:
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate question ids: {dupes}")
        seen: dict[str, Question] = {}
        for q in self.questions:
            for cond in q.ask_if:
                if cond.answer is not None and cond.answer not in seen:
                    raise ValueError(
                        f"question {q.id!r}: ask_if refers to {cond.answer!r}, "
                        "which is not an earlier question"
                    )
                if cond.includes is not None and cond.answer is not None:
                    earlier = seen[cond.answer]
                    if cond.includes not in {o.value for o in earlier.options}:
                        raise ValueError(
                            f"question {q.id!r}: ask_if includes {cond.includes!r}, "
                            f"which is not an option of {cond.answer!r}"
                        )
            seen[q.id] = q
        return self


class Lexicon(Model):
    """Words the lenient parser understands, per language."""

    yes: list[str]
    no: list[str]
    skip: list[str]
    #: Replies meaning "nothing to add" ("no", "nothing", "all good"): a skip at an optional
    #: free-text question only (at a number, "no" may mean none, which is an answer).
    nothing: list[str]
    approx: list[str]  # "about", "around", "~": ignored before a number
    numbers: dict[str, int]  # "three": 3
    hours: list[str]  # unit words meaning hours ("h", "hours")
    minutes: list[str]
    am: list[str]
    pm: list[str]


class QuestionnairesFile(Model):
    """content/<lang>/questionnaires.yaml."""

    questionnaires: dict[str, Questionnaire]
    refusals: dict[QuestionType, Message]
    lexicon: Lexicon

    @field_validator("questionnaires")
    @classmethod
    def _required(cls, v: dict[str, Questionnaire]) -> dict[str, Questionnaire]:
        missing = {"onboarding", "morning", "evening", "weekly"} - set(v)
        if missing:
            raise ValueError(f"missing questionnaires: {sorted(missing)}")
        return v


# --------------------------------------------------------------------------- readings
# (answer reading: the tables of the lenient reader, flows/reading/ and
# flows/questionnaire/answers.py; docs/content-format.md "readings.yaml")

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError(f"{value!r} must be a 24-hour time HH:MM")
    return value


Clock = Annotated[str, AfterValidator(_clock)]


class DistanceUnit(Model):
    """Words for one distance unit and its size in kilometres."""

    km: float = Field(gt=0)
    words: list[str]


class TimeWindow(Model):
    """A stretch of the day (inclusive) a check-in time must fall in."""

    earliest: Clock
    latest: Clock


class ScheduleRules(Model):
    """How the morning and evening check-in times must sit against each other."""

    morning: TimeWindow
    evening: TimeWindow
    min_gap_hours: float = Field(ge=0, le=12)


class SymptomWords(Model):
    """readings.yaml `symptom_words`: when free text reads like a symptom or a question
    (flows/symptoms.py). Phrases are matched as whole words on normalised text."""

    #: Words and phrases that name a symptom ("hurts", "limping", "can't walk").
    symptom: list[str]
    #: Phrases that deny one ("no pain", "pain-free"): removed before matching `symptom`.
    calm: list[str]
    #: Openings of a question ("is that ok", "should i"); a text ending in "?" is one too.
    question: list[str]


class ReadingsFile(Model):
    """content/<lang>/readings.yaml: what the lenient reader understands beyond the
    questionnaire lexicon (synonyms, units, time words, zone aliases) and its refusals.
    Keys of per-question tables are question ids; values are option values."""

    numbers: dict[str, float]  # number words beyond the lexicon: "twenty": 20
    approx_after: list[str]  # "7ish", "7 or so": dropped after a number
    range_lead: list[str]  # "between 6 and 7": dropped before a range
    half: list[str]  # "and a half": + 0.5
    range_separators: list[str]  # "6-7", "6 to 7": the middle
    fraction_words: list[str]  # "8 out of 10"
    percent: list[str]  # "80 percent"
    percent_units: list[str]  # question units read as a 0-100 scale ("%")
    day_units: list[str]  # question units read as a count of days ("5 days ago")
    day_words: dict[str, int]  # "week": 7 (days in one), for "3 weeks ago"
    ago: list[str]  # "ago", "back": dropped after a duration
    distance: dict[str, DistanceUnit]  # by unit id; question unit "km" reads these
    per_week: list[str]  # "40km a week": dropped
    yes_extra: list[str]
    no_extra: list[str]
    #: Hedged answers that mean "some": yes at a yes/no question (any symptom is a yes).
    hedges: list[str]
    #: Questions that need a plain yes or no (consent): a hedge there is asked again.
    explicit_questions: list[str]
    #: "Does not apply": no at a required yes/no, 0 at a symptom scale.
    not_applicable: list[str]
    #: Words after a leading yes/no that take it back ("no, but it aches"): asked again.
    take_back: list[str]
    #: Words for a 0-10 rating, by the scale's direction (symptom: 0 best; quality: 10 best).
    scale_words: dict[Literal["symptom", "quality"], dict[str, float]]
    quality_scales: list[str]  # question ids whose 10 is the best
    choices: dict[str, dict[str, list[str]]]  # question id -> option value -> words
    #: Words too common to tell options apart when matching label words ("the", "my").
    filler: list[str]
    ambiguous: dict[str, dict[str, list[str]]]  # question id -> word -> candidate values
    #: Choice questions that take free text beyond their options, with its maximum length.
    open_choices: dict[str, int]
    examples: dict[str, str]  # question id -> a typed answer that works
    #: Typed answers meaning "none of these" at a multi-select question (besides "no").
    multi_none: list[str] = Field(default_factory=list)
    time_words: dict[str, Clock]  # "noon": "12:00"
    am: list[str]  # after a time: before noon (besides the lexicon's)
    pm: list[str]
    time_lead: list[str]  # "at 7", "by 8": dropped
    half_past: list[str]  # "half 7", "half past 7": 7:30
    quarter_past: list[str]
    quarter_to: list[str]
    oclock: list[str]  # "7 o'clock", "7ish": dropped
    #: Time questions where a bare hour from 1 to 12 means the afternoon/evening.
    pm_questions: list[str]
    schedule: ScheduleRules
    zone_aliases: dict[str, str]  # folded name -> IANA zone
    zone_lead: list[str]  # "I'm in Lisbon": dropped
    #: Offsets that are not whole hours, read as the zone that keeps them.
    zone_offsets: dict[str, str]
    #: When free text or a check-in note reads like a symptom or a question.
    symptom_words: SymptomWords
    #: /learn topics by typed words ("bone health" -> bone_biology): topic id -> words.
    topic_words: dict[str, list[str]] = Field(default_factory=dict)
    messages: dict[str, Message]

    @field_validator("zone_offsets")
    @classmethod
    def _offsets(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k in v if not _OFFSET.match(k))
        if bad:
            raise ValueError(f"offsets {bad} must read like +05:30")
        return v

    @model_validator(mode="after")
    def _ambiguity(self) -> ReadingsFile:
        for qid, words in self.ambiguous.items():
            for word, candidates in words.items():
                if len(candidates) < 2:
                    raise ValueError(f"ambiguous.{qid}.{word}: name at least two options")
        return self


# --------------------------------------------------------------------------- checklist


class ChecklistItem(Model):
    id: str
    check: str  # the engine check that decides it (flows.rules.readiness.CHECKS)
    text: str
    source: str

    @model_validator(mode="after")
    def _text_ok(self) -> ChecklistItem:
        _check_text(self.text, [])
        return self


class ChecklistFile(Model):
    items: list[ChecklistItem]


# --------------------------------------------------------------------------- plans


class ActivityKind(StrEnum):
    REST = "rest"
    WALK = "walk"
    HOPS = "hops"
    WALK_RUN = "walk_run"
    RUN = "run"
    SPORT = "sport"


class Activity(Model):
    """The graded activity of a stage. Only the fields that fit `kind` are set."""

    kind: ActivityKind
    minutes: int | None = Field(default=None, ge=0)
    walk_minutes: int | None = Field(default=None, ge=0)
    run_minutes: int | None = Field(default=None, ge=0)
    repeats: int | None = Field(default=None, ge=1)
    foot_contacts: int | None = Field(default=None, ge=0)
    volume_fraction: float | None = Field(default=None, gt=0, le=1.5)
    intensity: str

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Activity:
        k = self.kind
        if k is ActivityKind.WALK_RUN and not (
            self.walk_minutes is not None and self.run_minutes and self.repeats
        ):
            raise ValueError("a walk_run activity needs walk_minutes, run_minutes, repeats")
        if k is ActivityKind.HOPS and not self.foot_contacts:
            raise ValueError("a hops activity needs foot_contacts")
        if k in (ActivityKind.WALK, ActivityKind.RUN) and not self.minutes:
            raise ValueError(f"a {k} activity needs minutes")
        if k is ActivityKind.SPORT and self.volume_fraction is None:
            raise ValueError("a sport activity needs volume_fraction")
        return self


class Stage(Model):
    stage: int = Field(ge=1)
    title: str
    activity: Activity
    exercises: list[str] = Field(default_factory=list)  # exercise ids from exercises.yaml
    note: str | None = None
    source: str


class PhasePlan(Model):
    """Session templates of one phase.

    `schedule`: `daily` (a session every day, with `rest_every`th day of the phase a rest
    day) or `alternate` (impact sessions never on consecutive days: the day after a session
    is a rest/cross-training day).
    """

    schedule: Literal["daily", "alternate"]
    rest_every: int | None = Field(default=None, ge=2)
    #: Minutes of cross-training offered when the day has no graded session to replace.
    cross_training_minutes: int = Field(default=30, ge=0)
    stop_rules: list[str]
    stages: list[Stage]

    @model_validator(mode="after")
    def _numbered(self) -> PhasePlan:
        numbers = [s.stage for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"stages must be numbered 1..n in order, got {numbers}")
        return self


class PlansFile(Model):
    phases: dict[Phase, PhasePlan]


# --------------------------------------------------------------------------- exercises


class ExerciseCategory(StrEnum):
    MOBILITY = "mobility"
    ISOMETRIC = "isometric"
    UPPER_BODY = "upper_body"
    CORE = "core"
    HIP = "hip"
    CALF_FOOT = "calf_foot"
    BALANCE = "balance"
    CLOSED_CHAIN = "closed_chain"
    PLYOMETRIC = "plyometric"


class Exercise(Model):
    id: KebabId
    name: str
    category: ExerciseCategory
    cues: str
    dose: str
    phases: list[Phase]
    avoid_sites: list[Site] = Field(default_factory=list)
    source: str | None = None

    @model_validator(mode="after")
    def _texts(self) -> Exercise:
        _check_text(self.cues, [])
        _check_text(self.dose, [])
        _check_text(self.name, [])
        return self


class ExercisesFile(Model):
    exercises: list[Exercise]


# --------------------------------------------------------------------------- cross-training


class Modality(Model):
    id: KebabId
    name: str
    bone_load_rank: int = Field(ge=1, le=6)
    phases: list[Phase]
    excluded_sites: list[Site] = Field(default_factory=list)
    caution_sites: list[Site] = Field(default_factory=list)
    minutes_per_run_minute: float = Field(gt=0)
    intensity: str
    stop_signs: str
    caution: str | None = None
    source: str | None = None
    #: Options that feel alike (arm cranking, pool swimming, indoor cycling) share a family,
    #: so one day's options are never two of a kind.
    family: str | None = None

    @model_validator(mode="after")
    def _texts(self) -> Modality:
        for text in (self.name, self.intensity, self.stop_signs, self.caution or ""):
            _check_text(text, [])
        if self.caution_sites and not self.caution:
            raise ValueError("caution_sites are listed but there is no caution text")
        return self


class Variation(Model):
    """One way to vary a cross-training session from day to day (easy to moderate only)."""

    id: KebabId
    text: str
    #: Share of the dosed minutes; at most 1.0, so a variation never adds load.
    minutes_factor: float = Field(default=1.0, gt=0, le=1.0)
    #: Highest bone-load rank it suits: moderate efforts only where the feet do not land
    #: at speed (options with ground contact at speed stay easy).
    max_rank: int = Field(default=6, ge=1, le=6)

    @model_validator(mode="after")
    def _texts(self) -> Variation:
        _check_text(self.text, [])
        return self


class Allowance(Model):
    """Today's bone-load ceiling for cross-training (ranks as in FACTS §8).

    `session_max_rank`: per kind of graded session, the highest rank offered beside it;
    `rest_day_max_rank`: on a rest day (the bone's recovery day); `after_step_back_*`: for a
    few days after the bone complained. `per_day`: how many options a day's message shows.
    """

    per_day: int = Field(default=2, ge=1, le=4)
    rest_day_max_rank: int = Field(default=6, ge=1, le=6)
    after_step_back_max_rank: int = Field(default=6, ge=1, le=6)
    after_step_back_days: int = Field(default=0, ge=0)
    session_max_rank: dict[ActivityKind, int] = Field(default_factory=dict)
    source: str | None = None


class CrossTrainingFile(Model):
    modalities: list[Modality]
    allowance: Allowance = Field(default_factory=Allowance)
    #: Rotated day by day; empty means every session is "as described" (no variation line).
    variations: list[Variation] = Field(default_factory=list)


# --------------------------------------------------------------------------- education

#: Education topics (docs/content-format.md).
TOPICS = (
    "bone_biology",
    "pain_signals",
    "sleep",
    "nutrition",
    "reds",
    "stress_recovery",
    "fear_confidence",
    "footwear_surfaces",
    "cross_training",
    "strength_control",
    "rts_checklist",
    "prevention",
    "care_team",
    "technique",
    "plan_basics",
)

PhaseOrAll = Phase | Literal["all"]


class Snippet(Model):
    id: KebabId
    topic: str
    title: str
    text: str
    phases: list[PhaseOrAll]
    source: str | None = None

    @model_validator(mode="after")
    def _texts(self) -> Snippet:
        _check_text(self.text, [], SNIPPET_LIMIT)
        _check_text(self.title, [])
        return self

    def fits(self, phase: Phase) -> bool:
        return "all" in self.phases or phase in self.phases


class EducationFile(Model):
    snippets: list[Snippet]
    topics: dict[str, str]


# --------------------------------------------------------------------------- helpers

#: The file each model reads, relative to the content root ({lang} = language folder).
FILES: dict[str, tuple[str, type[Model]]] = {
    "sources": ("sources.yaml", SourcesFile),
    "protocol": ("protocol.yaml", ProtocolFile),
    "questionnaires": ("{lang}/questionnaires.yaml", QuestionnairesFile),
    "decisions": ("{lang}/decisions.yaml", MessagesFile),
    "safety": ("{lang}/safety.yaml", MessagesFile),
    "checklist": ("{lang}/checklist.yaml", ChecklistFile),
    "plans": ("{lang}/plans.yaml", PlansFile),
    "exercises": ("{lang}/exercises.yaml", ExercisesFile),
    "crosstraining": ("{lang}/crosstraining.yaml", CrossTrainingFile),
    "education": ("{lang}/education.yaml", EducationFile),
    "bot": ("{lang}/bot.yaml", MessagesFile),
    "coach": ("{lang}/coach.yaml", MessagesFile),
    "readings": ("{lang}/readings.yaml", ReadingsFile),
}
