"""What a chart or the clinician report is drawn from: one athlete's record as plain,
picklable values (dates, numbers, short codes), with no database or Telegram object in it.

:mod:`bot.charts.load` builds it from storage; :mod:`bot.charts.render` and
:mod:`bot.report.pdf` draw it, possibly in another process (hence plain frozen dataclasses).
The words drawn on a chart come separately (:class:`ChartWords`), from content/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class ChartView(StrEnum):
    """The charts /progress offers (the values are callback data: keep them short)."""

    PAIN = "pain"
    PHASES = "phases"
    CHECKINS = "checkins"
    WELLBEING = "wellbeing"


class Period(StrEnum):
    """How far back a chart looks (callback data)."""

    TWO_WEEKS = "2w"
    SIX_WEEKS = "6w"
    ALL = "all"

    @property
    def days(self) -> int | None:
        """Days shown up to today; ``None``: everything since the record starts."""
        return {Period.TWO_WEEKS: 14, Period.SIX_WEEKS: 42, Period.ALL: None}[self]


class SlotStatus(StrEnum):
    """How one scheduled check-in went, as the adherence calendar colours it."""

    ANSWERED = "answered"
    LATE = "late"  # answered, but only after the reminder (or hours after it was due)
    MISSED = "missed"
    OPEN = "open"  # sent today and still waiting for an answer


class MarkerKind(StrEnum):
    """Moments marked on the pain chart and listed in the report."""

    RED_FLAG = "red_flag"
    STEP_BACK = "step_back"
    HOLD = "hold"
    CLEARANCE = "clearance"


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One local day's answers that charts plot (``None``: not answered that day)."""

    day: date
    pain_rest: int | None = None
    pain_walking: int | None = None
    pain_during: int | None = None
    pain_next_morning: int | None = None
    sleep_hours: float | None = None
    sleep_quality: int | None = None
    fear: int | None = None
    readiness: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SlotMark:
    """One morning or evening check-in and how it went."""

    day: date
    slot: str  # "morning" | "evening"
    status: SlotStatus


@dataclass(frozen=True, slots=True)
class Marker:
    """A red flag, step back, hold or clearance on a local day. ``codes``: what it was
    (red-flag codes, the hold reason, the clearance kind) for the report's detail."""

    day: date
    kind: MarkerKind
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """A stretch of days in one main-line phase (``end`` None: still in it). ``held``
    spans overlay a phase row: the athlete was on hold (or paused) there."""

    phase: str
    start: date
    end: date | None = None
    held: bool = False


@dataclass(frozen=True, slots=True)
class Milestone:
    """A projected milestone (from the engine's projection, when it gives one): drawn on
    the phase timeline as a dashed, open mark; ``phase`` puts it on that phase's row."""

    label: str
    day: date
    phase: str | None = None


@dataclass(frozen=True, slots=True)
class PainLimits:
    """The protocol's pain limits (content/protocol.yaml ``pain``), drawn as bands."""

    during_max: float
    after_max: float
    walking_max: float
    rest_red_flag: float
    fear_high: float


@dataclass(frozen=True, slots=True)
class ClearanceRow:
    """A recorded clearance and who confirmed it (``athlete`` until clinicians can)."""

    day: date
    allows: str
    confirmed_by: str = "athlete"


@dataclass(frozen=True, slots=True)
class AthleteRecord:
    """Everything the charts and the report draw, for one athlete up to ``today``."""

    first_name: str
    today: date
    start: date  # the first day the record covers (diagnosis or sign-up)
    limits: PainLimits
    days: tuple[DayPoint, ...] = ()
    slots: tuple[SlotMark, ...] = ()
    markers: tuple[Marker, ...] = ()
    spans: tuple[PhaseSpan, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    clearances: tuple[ClearanceRow, ...] = ()

    def first_day(self, period: Period) -> date:
        """The first day a chart of ``period`` shows (never before the record starts)."""
        if period.days is None:
            return self.start
        return max(self.start, self.today - timedelta(days=period.days - 1))


@dataclass(frozen=True, slots=True)
class ChartWords:
    """The words a chart draws (titles, legends, axis labels, phase names), from content/.
    ``words`` is keyed by the part after ``chart.`` in bot.yaml; ``phases`` by phase."""

    words: Mapping[str, str]
    phases: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.words[key]
